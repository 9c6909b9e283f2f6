// CredentialBook issues a community's badges as Open Badges 3.0 credentials (issue 13,
// point 6). The issuer is the community: its RSA keyring is kept in the rewards store
// (kIssuerKeysTag), made on first use, and rotated by an admin without dropping the
// keys older credentials were signed with. Every exported award gets a place in the
// community's revocation list (kRevocationTag) on its first export, never changed
// after; the list published names the exported awards that have since been withdrawn.
// Both kinds of record are outside the projection, so a rebuild keeps them. Every URL
// a credential holds is built from the installation's public base URL (IssuerUrls),
// at the paths the RPCs' HTTP annotations serve.
#ifndef TIMEBANK_SERVICES_REWARDS_CREDENTIAL_BOOK_H_
#define TIMEBANK_SERVICES_REWARDS_CREDENTIAL_BOOK_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/common/clock.h"
#include "services/common/peers.h"
#include "services/rewards/credentials/issuer_keys.h"
#include "storage/kv_store.h"
#include "timebank/directory/v1/auth.pb.h"
#include "timebank/rewards/v1/rewards.pb.h"

namespace timebank::rewards {

// Used when the installation names no public base URL: a reserved name (RFC 2606), so
// a credential issued before the operator set one is plainly not resolvable.
inline constexpr char kDefaultPublicBaseUrl[] = "https://timebank.invalid";

// Where one community's credential documents and the things they name live.
struct IssuerUrls {
  // `base`: scheme and authority (and a path prefix, if any), no trailing slash.
  IssuerUrls(std::string_view base, uint64_t c);
  std::string Achievement(std::string_view badge_id) const;
  std::string Member(uint64_t member) const;
  // One award of a badge: what its credential id is derived from.
  std::string Award(uint64_t member, std::string_view badge_id, uint32_t award) const;
  std::string Transfer(std::string_view transfer_id) const;

  std::string community;    // {base}/v1/communities/{c}
  std::string issuer;       // the issuer profile's id: {community}/issuer
  std::string jwks;         // GetIssuerKeys: {issuer}/jwks (kids add a fragment)
  std::string revocations;  // GetRevocationList: {issuer}/revocations
};

class CredentialBook {
 public:
  // INVALID_ARGUMENT when `public_base_url` is not an absolute URL (it is a flag).
  static absl::StatusOr<std::string> NormaliseBaseUrl(std::string_view public_base_url);

  // REQUIRES: `public_base_url` as NormaliseBaseUrl returns it.
  CredentialBook(storage::KvStore* store, People* people, const Clock* clock,
                 std::string public_base_url)
      : store_(store), people_(people), clock_(clock), base_url_(std::move(public_base_url)) {}

  // A badge the member holds, as a signed credential. Both ids 0: the caller's own.
  // NOT_FOUND (naming badge_id) for a badge never awarded to them, FAILED_PRECONDITION
  // for one withdrawn ("withdrawn on DATE").
  absl::StatusOr<::timebank::rewards::v1::ExportedCredential> Export(
      const ::timebank::directory::v1::Principal& caller, uint64_t c, uint64_t member,
      std::string_view badge_id);
  // The public JWK Set; NOT_FOUND for a community the directory does not know.
  absl::StatusOr<::timebank::rewards::v1::IssuerKeys> Keys(uint64_t c);
  absl::StatusOr<::timebank::rewards::v1::RevocationList> Revocations(uint64_t c);
  absl::StatusOr<::timebank::rewards::v1::RotatedIssuerKey> Rotate(uint64_t c);

 private:
  // The community's keyring, made (and stored) on first use. REQUIRES: mu_ held.
  absl::StatusOr<IssuerKeyring> Keyring(uint64_t c) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The award's place in the revocation list, given on its first export.
  absl::StatusOr<uint64_t> RevocationIndex(uint64_t c, uint64_t member, std::string_view badge_id,
                                           uint32_t award) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status CheckCommunity(uint64_t c);

  storage::KvStore* const store_;
  People* const people_;
  const Clock* const clock_;
  const std::string base_url_;
  // Serialises the read-modify-writes of keyrings and revocation indices.
  absl::Mutex mu_;
};

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_CREDENTIAL_BOOK_H_
