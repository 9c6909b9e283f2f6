#include "services/common/auth/token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "storage/absl_compat.h"
#include "storage/check.h"
#include "storage/hash_chain.h"

namespace timebank::auth {
namespace {

constexpr std::string_view kPrefix = "tb1.";

std::string Mac(std::string_view secret, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  TB_CHECK(HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
                reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
                &len) != nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

absl::Status Invalid() {
  return absl::UnauthenticatedError("the access token is not valid; sign in again (tbctl login)");
}

}  // namespace

std::string Sha256(std::string_view data) {
  return std::string(storage::HashBytes(storage::Sha256(data)));
}

std::string MintToken(const Keyring& keyring, const dpb::TokenClaims& claims) {
  const SigningKey key = keyring.Active();
  std::string body = absl::StrCat(AsAbsl(kPrefix), key.id, ".");
  std::string encoded;
  absl::WebSafeBase64Escape(claims.SerializeAsString(), &encoded);
  body += encoded;
  std::string mac;
  absl::WebSafeBase64Escape(Mac(key.secret, body), &mac);
  absl::StrAppend(&body, ".", mac);
  return body;
}

absl::StatusOr<dpb::TokenClaims> VerifyToken(const Keyring& keyring, std::string_view token,
                                             int64_t now_s) {
  if (token.size() > kMaxTokenBytes || token.substr(0, kPrefix.size()) != kPrefix) {
    return Invalid();
  }
  const size_t key_end = token.find('.', kPrefix.size());
  const size_t mac_start = token.rfind('.');
  if (key_end == std::string_view::npos || mac_start <= key_end) return Invalid();
  std::string secret;
  if (!keyring.Find(token.substr(kPrefix.size(), key_end - kPrefix.size()), &secret)) {
    return absl::UnauthenticatedError(
        "the access token was signed with a retired key; sign in again (tbctl login)");
  }
  std::string mac;
  if (!absl::WebSafeBase64Unescape(AsAbsl(token.substr(mac_start + 1)), &mac)) return Invalid();
  const std::string expected = Mac(secret, token.substr(0, mac_start));
  if (mac.size() != expected.size() ||
      CRYPTO_memcmp(mac.data(), expected.data(), mac.size()) != 0) {
    return Invalid();
  }
  std::string payload;
  dpb::TokenClaims claims;
  if (!absl::WebSafeBase64Unescape(AsAbsl(token.substr(key_end + 1, mac_start - key_end - 1)),
                                   &payload) ||
      !claims.ParseFromString(payload)) {
    return Invalid();
  }
  if (claims.expires_at_s() <= now_s - kClockSkewS) {
    return absl::UnauthenticatedError(
        "the access token has expired; refresh it or sign in again (tbctl login)");
  }
  if (claims.issued_at_s() > now_s + kClockSkewS) return Invalid();
  return claims;
}

std::string MintServiceToken(const Keyring& keyring, std::string_view service_name, int64_t now_s) {
  dpb::TokenClaims c;
  c.mutable_principal()->set_kind(dpb::Principal::KIND_SERVICE);
  c.mutable_principal()->set_name(std::string(service_name));
  c.set_issued_at_s(now_s);
  c.set_expires_at_s(now_s + kServiceTokenLifetimeS);
  return MintToken(keyring, c);
}

bool HasRole(const dpb::Principal& p, dpb::Role role) {
  return std::find(p.roles().begin(), p.roles().end(), role) != p.roles().end();
}

}  // namespace timebank::auth
