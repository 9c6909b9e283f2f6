// The VC-JWT proof of an Open Badges 3.0 credential, as OB 3.0 section 8.2 defines it:
// a compact JWS (RS256) whose JOSE header is {alg, kid, typ} and whose payload is the
// credential itself plus the registered claims iss (issuer.id), sub
// (credentialSubject.id), nbf (validFrom), jti (id) and exp (validUntil, when present).
// Verification takes the issuer's published JWK Set, never a private key.
#ifndef TIMEBANK_SERVICES_REWARDS_CREDENTIALS_VC_JWT_H_
#define TIMEBANK_SERVICES_REWARDS_CREDENTIALS_VC_JWT_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/rewards/credentials/issuer_keys.h"

namespace timebank::rewards {

inline constexpr size_t kVcJwtBytesMax = 2 << 20;
inline constexpr size_t kJwksBytesMax = 256 * 1024;

// Signs `credential_json` (an OpenBadgeCredential, checked first) with the keyring's
// signing key. INVALID_ARGUMENT when the credential lacks what OB 3.0 requires.
absl::StatusOr<std::string> SignVcJwt(const IssuerKeyring& keyring,
                                      absl::string_view credential_json);

struct VerifiedCredential {
  std::string credential_json;  // the credential, without the JWT claims
  std::string kid;              // the key that signed it
};

// Verifies `jws` against the JWK Set `jwks_json` at `now`. Errors, each saying which:
//   INVALID_ARGUMENT    malformed JWS, header, payload or JWK Set; a header alg other
//                       than RS256; claims that disagree with the credential; a payload
//                       that is not an OB 3.0 credential
//   NOT_FOUND           the header's kid is not in the JWK Set
//   UNAUTHENTICATED     the signature does not verify
//   FAILED_PRECONDITION the credential is not yet valid (nbf after `now`) or expired
absl::StatusOr<VerifiedCredential> VerifyVcJwt(absl::string_view jws, absl::string_view jwks_json,
                                               absl::Time now);

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_CREDENTIALS_VC_JWT_H_
