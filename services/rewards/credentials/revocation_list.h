// The 1EdTech Revocation List an issuer publishes at the URL its credentials name in
// credentialStatus (type "1EdTechRevocationList"): a JSON document with the list's id
// (that URL), the issuer's id and the revoked credentials, each by credential id with
// an optional reason. A verifier fetches the list and looks the credential's id up.
// The list reveals which ids are revoked, never which one a verifier asked about.
#ifndef TIMEBANK_SERVICES_REWARDS_CREDENTIALS_REVOCATION_LIST_H_
#define TIMEBANK_SERVICES_REWARDS_CREDENTIALS_REVOCATION_LIST_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace timebank::rewards {

// Every badge a community could withdraw: 100,000 members × a few dozen badges.
inline constexpr size_t kRevokedCredentialsMax = 4'000'000;
inline constexpr size_t kRevocationReasonBytesMax = 280;

struct RevokedCredential {
  std::string credential_id;  // the credential's id (urn:uuid:…)
  std::string reason;         // plain text; empty: none given
};

// The list document as compact JSON, entries sorted by credential id (so the same set
// always gives the same bytes) and each id once. INVALID_ARGUMENT naming the field for
// an empty or malformed URL/id, an oversized reason or too many entries.
absl::StatusOr<std::string> BuildRevocationList(absl::string_view list_url,
                                                absl::string_view issuer_id,
                                                std::vector<RevokedCredential> revoked);

// Whether `credential_id` is listed as revoked in `list_json`; INVALID_ARGUMENT when the
// list is not a revocation list.
absl::StatusOr<bool> IsRevokedInList(absl::string_view list_json, absl::string_view credential_id);

// The full status check of one credential: its credentialStatus must be a 1EdTech
// Revocation List entry naming this list's id, the list's issuer must be the
// credential's, and then IsRevokedInList on the credential's id. A credential without
// credentialStatus is not revocable (false).
absl::StatusOr<bool> IsCredentialRevoked(absl::string_view credential_json,
                                         absl::string_view list_json);

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_CREDENTIALS_REVOCATION_LIST_H_
