// The issuer's signing keys for Open Badges credentials: RSA 2048 key pairs used with
// RS256 (the one algorithm every OB 3.0 verifier must accept). An IssuerKeyring holds
// them newest first: the newest signs, older ones stay listed in the JWK Set so that
// credentials signed before a rotation keep verifying. The keyring is one byte string
// (the rewards store keeps it); the JWK Set it publishes holds public parts only.
#ifndef TIMEBANK_SERVICES_REWARDS_CREDENTIALS_ISSUER_KEYS_H_
#define TIMEBANK_SERVICES_REWARDS_CREDENTIALS_ISSUER_KEYS_H_

#include <openssl/types.h>

#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace timebank::rewards {

inline constexpr int kIssuerKeyBits = 2048;
// Rotation never drops a key (that would orphan the credentials it signed), so the
// keyring refuses to grow past this instead.
inline constexpr size_t kIssuerKeysMax = 32;
inline constexpr size_t kIssuerKidBytesMax = 512;
// The serialised keyring's size limit: a PKCS#8 PEM of an RSA 2048 key is ~1.7 KiB.
inline constexpr size_t kIssuerKeyringBytesMax = 256 * 1024;

// One RSA key of the issuer, private (signs and verifies) or public only (verifies: what
// a verifier builds from a JWK). Immutable; copies share the OpenSSL key.
class IssuerKey {
 public:
  // A fresh RSA 2048 key; its kid is `kid_prefix` followed by the RFC 7638 thumbprint,
  // so the kid can be a URL fragment of the JWK Set ("https://…/jwks#<thumbprint>").
  static absl::StatusOr<IssuerKey> Generate(absl::string_view kid_prefix, absl::Time created);
  static absl::StatusOr<IssuerKey> FromPrivatePem(std::string kid, absl::Time created,
                                                  absl::string_view pem);
  // A verify-only key from one JWK Set member (kty RSA, n, e, kid).
  static absl::StatusOr<IssuerKey> FromPublicJwk(const nlohmann::json& jwk);

  const std::string& kid() const { return kid_; }
  absl::Time created() const { return created_; }
  bool can_sign() const { return can_sign_; }

  // RSASSA-PKCS1-v1_5 with SHA-256 over `message`; FAILED_PRECONDITION for a public key.
  absl::StatusOr<std::string> SignRs256(absl::string_view message) const;
  bool VerifyRs256(absl::string_view message, absl::string_view signature) const;
  // The public JWK: kty, n, e, kid, alg, use — never a private member.
  nlohmann::json PublicJwk() const;
  // RFC 7638 thumbprint (base64url SHA-256 of the canonical public JWK).
  std::string Thumbprint() const;
  absl::StatusOr<std::string> PrivatePem() const;

 private:
  IssuerKey(std::shared_ptr<EVP_PKEY> pkey, std::string kid, absl::Time created, bool can_sign)
      : pkey_(std::move(pkey)), kid_(std::move(kid)), created_(created), can_sign_(can_sign) {}

  std::shared_ptr<EVP_PKEY> pkey_;
  std::string kid_;
  absl::Time created_;
  bool can_sign_;
};

// The issuer's keys, newest first. Never empty.
class IssuerKeyring {
 public:
  static absl::StatusOr<IssuerKeyring> Create(absl::string_view kid_prefix, absl::Time now);
  // Reads what Serialize wrote; refuses anything else (wrong version, no keys, a bad PEM,
  // duplicate kids, too many keys).
  static absl::StatusOr<IssuerKeyring> Parse(absl::string_view bytes);
  std::string Serialize() const;

  // Adds a new signing key; the previous ones keep verifying. FAILED_PRECONDITION when
  // the keyring already holds kIssuerKeysMax keys.
  absl::Status Rotate(absl::string_view kid_prefix, absl::Time now);

  const IssuerKey& signing_key() const { return keys_.front(); }
  const std::vector<IssuerKey>& keys() const { return keys_; }
  const IssuerKey* Find(absl::string_view kid) const;
  // The JWK Set {"keys":[…]} of every key, newest first, public parts only.
  std::string Jwks() const;

 private:
  explicit IssuerKeyring(std::vector<IssuerKey> keys) : keys_(std::move(keys)) {}

  std::vector<IssuerKey> keys_;  // newest first
};

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_CREDENTIALS_ISSUER_KEYS_H_
