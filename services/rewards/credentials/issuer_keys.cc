#include "services/rewards/credentials/issuer_keys.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <cstdint>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "storage/check.h"

namespace timebank::rewards {
namespace {

using Json = nlohmann::json;

constexpr int kKeyringFormatVersion = 1;

std::shared_ptr<EVP_PKEY> OwnKey(EVP_PKEY* pkey) {
  return std::shared_ptr<EVP_PKEY>(pkey, EVP_PKEY_free);
}

// OpenSSL keeps an error queue per thread; a failure we turn into a Status must not
// leave entries behind for the next, unrelated call to find.
absl::Status OpenSslError(absl::string_view what) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  char text[256] = "no detail";
  if (code != 0) ERR_error_string_n(code, text, sizeof(text));
  return absl::InternalError(absl::StrCat(what, ": ", text));
}

std::string BignumParamBase64Url(const EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  TB_CHECK(EVP_PKEY_get_bn_param(pkey, name, &bn) == 1);
  std::string bytes(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(bn);
  return absl::WebSafeBase64Escape(bytes);
}

// Weaker or non-RSA keys are refused wherever a key enters: RS256 with RSA >= 2048.
absl::Status CheckRsaKey(const EVP_PKEY* pkey) {
  if (!EVP_PKEY_is_a(pkey, "RSA")) return absl::InvalidArgumentError("key is not RSA");
  if (EVP_PKEY_get_bits(pkey) < kIssuerKeyBits) {
    return absl::InvalidArgumentError(absl::StrCat("RSA key has ", EVP_PKEY_get_bits(pkey),
                                                   " bits, fewer than ", kIssuerKeyBits));
  }
  return absl::OkStatus();
}

absl::StatusOr<BIGNUM*> JwkBignum(const Json& jwk, const char* member) {
  std::string bytes;
  auto it = jwk.find(member);
  if (it == jwk.end() || !it->is_string() || it->get_ref<const std::string&>().empty() ||
      !absl::WebSafeBase64Unescape(it->get<std::string>(), &bytes)) {
    return absl::InvalidArgumentError(absl::StrCat("JWK member ", member, " is not base64url"));
  }
  return BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                   static_cast<int>(bytes.size()), nullptr);
}

absl::StatusOr<std::shared_ptr<EVP_PKEY>> RsaPublicKeyFromJwk(const Json& jwk) {
  TB_ASSIGN_OR_RETURN(BIGNUM * n, JwkBignum(jwk, "n"));
  absl::StatusOr<BIGNUM*> e = JwkBignum(jwk, "e");
  if (!e.ok()) {
    BN_free(n);
    return e.status();
  }
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM* params = nullptr;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* pkey = nullptr;
  const bool built = bld != nullptr && ctx != nullptr &&
                     OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) == 1 &&
                     OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, *e) == 1 &&
                     (params = OSSL_PARAM_BLD_to_param(bld)) != nullptr &&
                     EVP_PKEY_fromdata_init(ctx) == 1 &&
                     EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1;
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  EVP_PKEY_CTX_free(ctx);
  BN_free(n);
  BN_free(*e);
  if (!built) return OpenSslError("JWK is not a usable RSA public key");
  return OwnKey(pkey);
}

}  // namespace

absl::StatusOr<IssuerKey> IssuerKey::Generate(absl::string_view kid_prefix, absl::Time created) {
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(kIssuerKeyBits));
  if (pkey == nullptr) return OpenSslError("RSA key generation failed");
  IssuerKey key(OwnKey(pkey), "", created, /*can_sign=*/true);
  key.kid_ = absl::StrCat(kid_prefix, key.Thumbprint());
  if (key.kid_.size() > kIssuerKidBytesMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("kid_prefix: longer than ", kIssuerKidBytesMax, " bytes with the thumbprint"));
  }
  return key;
}

absl::StatusOr<IssuerKey> IssuerKey::FromPrivatePem(std::string kid, absl::Time created,
                                                    absl::string_view pem) {
  if (kid.empty() || kid.size() > kIssuerKidBytesMax) {
    return absl::InvalidArgumentError("kid: empty or too long");
  }
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  TB_CHECK(bio != nullptr);
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (pkey == nullptr) return OpenSslError(absl::StrCat("key ", kid, ": private PEM unreadable"));
  std::shared_ptr<EVP_PKEY> owned = OwnKey(pkey);
  TB_RETURN_IF_ERROR(CheckRsaKey(owned.get()));
  return IssuerKey(std::move(owned), std::move(kid), created, /*can_sign=*/true);
}

absl::StatusOr<IssuerKey> IssuerKey::FromPublicJwk(const nlohmann::json& jwk) {
  if (!jwk.is_object()) return absl::InvalidArgumentError("JWK is not an object");
  if (jwk.value("kty", "") != "RSA") return absl::InvalidArgumentError("JWK kty is not RSA");
  if (jwk.contains("alg") && jwk["alg"] != "RS256") {
    return absl::InvalidArgumentError("JWK alg is not RS256");
  }
  if (jwk.contains("use") && jwk["use"] != "sig") {
    return absl::InvalidArgumentError("JWK use is not sig");
  }
  auto kid = jwk.find("kid");
  if (kid == jwk.end() || !kid->is_string()) {
    return absl::InvalidArgumentError("JWK has no kid");
  }
  TB_ASSIGN_OR_RETURN(std::shared_ptr<EVP_PKEY> pkey, RsaPublicKeyFromJwk(jwk));
  TB_RETURN_IF_ERROR(CheckRsaKey(pkey.get()));
  return IssuerKey(std::move(pkey), kid->get<std::string>(), absl::InfinitePast(),
                   /*can_sign=*/false);
}

absl::StatusOr<std::string> IssuerKey::SignRs256(absl::string_view message) const {
  if (!can_sign_) return absl::FailedPreconditionError(absl::StrCat("key ", kid_, " is public"));
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  TB_CHECK(ctx != nullptr);
  size_t signature_bytes = 0;
  std::string signature;
  const auto* data = reinterpret_cast<const unsigned char*>(message.data());
  bool ok = EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, pkey_.get()) == 1 &&
            EVP_DigestSign(ctx, nullptr, &signature_bytes, data, message.size()) == 1;
  if (ok) {
    signature.resize(signature_bytes);
    ok = EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &signature_bytes,
                        data, message.size()) == 1;
    signature.resize(signature_bytes);
  }
  EVP_MD_CTX_free(ctx);
  if (!ok) return OpenSslError("RS256 signing failed");
  return signature;
}

bool IssuerKey::VerifyRs256(absl::string_view message, absl::string_view signature) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  TB_CHECK(ctx != nullptr);
  const bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, pkey_.get()) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  ERR_clear_error();  // a bad signature is an answer, not an error to keep queued
  return ok;
}

nlohmann::json IssuerKey::PublicJwk() const {
  // Built member by member from the public parameters: nothing private can slip in.
  return Json{{"kty", "RSA"},
              {"n", BignumParamBase64Url(pkey_.get(), OSSL_PKEY_PARAM_RSA_N)},
              {"e", BignumParamBase64Url(pkey_.get(), OSSL_PKEY_PARAM_RSA_E)},
              {"kid", kid_},
              {"alg", "RS256"},
              {"use", "sig"}};
}

std::string IssuerKey::Thumbprint() const {
  // RFC 7638: the required members only, in lexicographic order, no whitespace.
  const std::string canonical = absl::StrCat(
      R"({"e":")", BignumParamBase64Url(pkey_.get(), OSSL_PKEY_PARAM_RSA_E),
      R"(","kty":"RSA","n":")", BignumParamBase64Url(pkey_.get(), OSSL_PKEY_PARAM_RSA_N), R"("})");
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(canonical.data()), canonical.size(), digest);
  return absl::WebSafeBase64Escape(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

absl::StatusOr<std::string> IssuerKey::PrivatePem() const {
  if (!can_sign_) return absl::FailedPreconditionError(absl::StrCat("key ", kid_, " is public"));
  BIO* bio = BIO_new(BIO_s_mem());
  TB_CHECK(bio != nullptr);
  std::string pem;
  if (PEM_write_bio_PrivateKey(bio, pkey_.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1) {
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    pem.assign(data, static_cast<size_t>(length));
  }
  BIO_free(bio);
  if (pem.empty()) return OpenSslError("writing the private key failed");
  return pem;
}

absl::StatusOr<IssuerKeyring> IssuerKeyring::Create(absl::string_view kid_prefix, absl::Time now) {
  TB_ASSIGN_OR_RETURN(IssuerKey key, IssuerKey::Generate(kid_prefix, now));
  return IssuerKeyring({std::move(key)});
}

absl::Status IssuerKeyring::Rotate(absl::string_view kid_prefix, absl::Time now) {
  if (keys_.size() >= kIssuerKeysMax) {
    return absl::FailedPreconditionError(
        absl::StrCat("the issuer keyring already holds ", kIssuerKeysMax, " keys"));
  }
  TB_ASSIGN_OR_RETURN(IssuerKey key, IssuerKey::Generate(kid_prefix, now));
  if (Find(key.kid()) != nullptr) return absl::InternalError("new key repeats a kid");
  keys_.insert(keys_.begin(), std::move(key));
  return absl::OkStatus();
}

const IssuerKey* IssuerKeyring::Find(absl::string_view kid) const {
  for (const IssuerKey& key : keys_) {
    if (key.kid() == kid) return &key;
  }
  return nullptr;
}

std::string IssuerKeyring::Jwks() const {
  Json keys = Json::array();
  for (const IssuerKey& key : keys_) keys.push_back(key.PublicJwk());
  return Json{{"keys", std::move(keys)}}.dump();
}

std::string IssuerKeyring::Serialize() const {
  Json keys = Json::array();
  for (const IssuerKey& key : keys_) {
    absl::StatusOr<std::string> pem = key.PrivatePem();
    TB_CHECK(pem.ok());  // every key in a keyring was generated or read as a private key
    keys.push_back(Json{{"kid", key.kid()},
                        {"created_unix_s", absl::ToUnixSeconds(key.created())},
                        {"private_pem", *std::move(pem)}});
  }
  return Json{{"version", kKeyringFormatVersion}, {"keys", std::move(keys)}}.dump();
}

absl::StatusOr<IssuerKeyring> IssuerKeyring::Parse(absl::string_view bytes) {
  if (bytes.size() > kIssuerKeyringBytesMax) {
    return absl::InvalidArgumentError("issuer keyring: too large");
  }
  const Json doc = Json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || doc.value("version", 0) != kKeyringFormatVersion ||
      !doc.contains("keys") || !doc["keys"].is_array() || doc["keys"].empty()) {
    return absl::InvalidArgumentError("issuer keyring: not a version 1 keyring with keys");
  }
  if (doc["keys"].size() > kIssuerKeysMax) {
    return absl::InvalidArgumentError("issuer keyring: too many keys");
  }
  std::vector<IssuerKey> keys;
  for (const Json& entry : doc["keys"]) {
    if (!entry.is_object() || !entry.contains("kid") || !entry["kid"].is_string() ||
        !entry.contains("created_unix_s") || !entry["created_unix_s"].is_number_integer() ||
        !entry.contains("private_pem") || !entry["private_pem"].is_string()) {
      return absl::InvalidArgumentError("issuer keyring: a key lacks kid, created or PEM");
    }
    TB_ASSIGN_OR_RETURN(
        IssuerKey key,
        IssuerKey::FromPrivatePem(entry["kid"].get<std::string>(),
                                  absl::FromUnixSeconds(entry["created_unix_s"].get<int64_t>()),
                                  entry["private_pem"].get<std::string>()));
    for (const IssuerKey& seen : keys) {
      if (seen.kid() == key.kid()) {
        return absl::InvalidArgumentError(
            absl::StrCat("issuer keyring: kid ", key.kid(), " twice"));
      }
    }
    keys.push_back(std::move(key));
  }
  return IssuerKeyring(std::move(keys));
}

}  // namespace timebank::rewards
