// Access tokens: "tb1.<key id>.<claims>.<mac>", where claims is the base64url TokenClaims
// protobuf and mac its HMAC-SHA256 under the named keyring key. Tokens are short-lived
// (kAccessTokenLifetimeS); verification is a map lookup, one HMAC and a parse, so it
// costs little next to an RPC. Refresh tokens are opaque random strings the directory
// stores hashed; they are not handled here.
#ifndef TIMEBANK_SERVICES_COMMON_AUTH_TOKEN_H_
#define TIMEBANK_SERVICES_COMMON_AUTH_TOKEN_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/common/auth/keyring.h"
#include "timebank/directory/v1/token.pb.h"

namespace timebank::auth {

namespace dpb = ::timebank::directory::v1;

inline constexpr int64_t kAccessTokenLifetimeS = 15 * 60;
inline constexpr int64_t kServiceTokenLifetimeS = 60 * 60;
inline constexpr size_t kMaxTokenBytes = 4096;
// Clocks of co-operating processes may differ a little.
inline constexpr int64_t kClockSkewS = 60;

// Signs claims with the keyring's active key.
std::string MintToken(const Keyring& keyring, const dpb::TokenClaims& claims);

// Checks format, key, MAC and expiry. Errors are UNAUTHENTICATED with a message that
// says what to do (sign in again), never which check failed in detail.
absl::StatusOr<dpb::TokenClaims> VerifyToken(const Keyring& keyring, std::string_view token,
                                             int64_t now_s);

// A service principal's token, for calls between services.
std::string MintServiceToken(const Keyring& keyring, std::string_view service_name, int64_t now_s);

bool HasRole(const dpb::Principal& p, dpb::Role role);

// SHA-256 of a secret (refresh tokens, invitation codes, API keys are stored hashed).
std::string Sha256(std::string_view data);

}  // namespace timebank::auth

#endif  // TIMEBANK_SERVICES_COMMON_AUTH_TOKEN_H_
