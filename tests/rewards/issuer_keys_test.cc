#include "services/rewards/credentials/issuer_keys.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/time/time.h"

namespace timebank::rewards {
namespace issuer_keys_test {

constexpr char kKidPrefix[] = "https://tb.example/communities/c1/rewards/jwks#";

absl::Time T0() { return absl::FromUnixSeconds(1'780'000'000); }

TEST(IssuerKeyTest, SignatureVerifiesAndAnyChangeToMessageOrSignatureDoesNot) {
  absl::StatusOr<IssuerKey> key = IssuerKey::Generate(kKidPrefix, T0());
  ASSERT_TRUE(key.ok()) << key.status();
  absl::StatusOr<std::string> signature = key->SignRs256("header.payload");
  ASSERT_TRUE(signature.ok()) << signature.status();
  EXPECT_EQ(signature->size(), 256u);  // RSA 2048
  EXPECT_TRUE(key->VerifyRs256("header.payload", *signature));
  EXPECT_FALSE(key->VerifyRs256("header.payloaD", *signature));
  std::string bad = *signature;
  bad[100] ^= 0x01;
  EXPECT_FALSE(key->VerifyRs256("header.payload", bad));
}

TEST(IssuerKeyTest, KidIsThePrefixAndTheRfc7638Thumbprint) {
  absl::StatusOr<IssuerKey> key = IssuerKey::Generate(kKidPrefix, T0());
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->kid(), std::string(kKidPrefix) + key->Thumbprint());
  EXPECT_EQ(key->Thumbprint().size(), 43u);  // 32 bytes, base64url without padding
}

TEST(IssuerKeyTest, PublicJwkVerifiesWhatThePrivateKeySignedButCannotSign) {
  absl::StatusOr<IssuerKey> key = IssuerKey::Generate(kKidPrefix, T0());
  ASSERT_TRUE(key.ok());
  absl::StatusOr<IssuerKey> public_key = IssuerKey::FromPublicJwk(key->PublicJwk());
  ASSERT_TRUE(public_key.ok()) << public_key.status();
  EXPECT_EQ(public_key->kid(), key->kid());
  EXPECT_FALSE(public_key->can_sign());
  EXPECT_EQ(public_key->SignRs256("x").status().code(), absl::StatusCode::kFailedPrecondition);
  absl::StatusOr<std::string> signature = key->SignRs256("message");
  ASSERT_TRUE(signature.ok());
  EXPECT_TRUE(public_key->VerifyRs256("message", *signature));
}

TEST(IssuerKeyTest, JwkOfAnotherKindOrAlgorithmIsRefused) {
  absl::StatusOr<IssuerKey> key = IssuerKey::Generate(kKidPrefix, T0());
  ASSERT_TRUE(key.ok());
  nlohmann::json ec = key->PublicJwk();
  ec["kty"] = "EC";
  EXPECT_FALSE(IssuerKey::FromPublicJwk(ec).ok());
  nlohmann::json hs = key->PublicJwk();
  hs["alg"] = "HS256";
  EXPECT_FALSE(IssuerKey::FromPublicJwk(hs).ok());
  nlohmann::json short_n = key->PublicJwk();
  short_n["n"] = "AQAB";  // a 17-bit modulus
  EXPECT_FALSE(IssuerKey::FromPublicJwk(short_n).ok());
  nlohmann::json no_kid = key->PublicJwk();
  no_kid.erase("kid");
  EXPECT_FALSE(IssuerKey::FromPublicJwk(no_kid).ok());
}

// The private RSA parameters of `key`, read back from its PEM, in JWK encoding.
std::vector<std::string> PrivateValuesBase64Url(const IssuerKey& key) {
  absl::StatusOr<std::string> pem = key.PrivatePem();
  EXPECT_TRUE(pem.ok());
  BIO* bio = BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size()));
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  EXPECT_NE(pkey, nullptr);
  std::vector<std::string> values;
  for (const char* name : {OSSL_PKEY_PARAM_RSA_D, OSSL_PKEY_PARAM_RSA_FACTOR1,
                           OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_EXPONENT1,
                           OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1}) {
    BIGNUM* bn = nullptr;
    EXPECT_EQ(EVP_PKEY_get_bn_param(pkey, name, &bn), 1) << name;
    std::string bytes(static_cast<size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
    BN_free(bn);
    // A 20-character piece is enough to find the value anywhere in the text.
    values.push_back(absl::WebSafeBase64Escape(bytes).substr(0, 20));
  }
  EVP_PKEY_free(pkey);
  return values;
}

TEST(IssuerKeyringTest, JwksHasPublicMembersOnlyForEveryKey) {
  absl::StatusOr<IssuerKeyring> keyring = IssuerKeyring::Create(kKidPrefix, T0());
  ASSERT_TRUE(keyring.ok());
  ASSERT_TRUE(keyring->Rotate(kKidPrefix, T0() + absl::Hours(24)).ok());
  const nlohmann::json jwks = nlohmann::json::parse(keyring->Jwks());
  ASSERT_EQ(jwks["keys"].size(), 2u);
  const std::set<std::string> allowed = {"kty", "n", "e", "kid", "alg", "use"};
  for (const nlohmann::json& jwk : jwks["keys"]) {
    for (const auto& [name, value] : jwk.items()) {
      EXPECT_TRUE(allowed.count(name)) << "unexpected JWK member " << name;
    }
    for (const char* secret : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
      EXPECT_FALSE(jwk.contains(secret)) << "private member " << secret;
    }
    EXPECT_EQ(jwk["kty"], "RSA");
    EXPECT_EQ(jwk["alg"], "RS256");
    EXPECT_EQ(jwk["use"], "sig");
    EXPECT_EQ(jwk["e"], "AQAB");  // 65537
  }
  // And no private value under any name: d, p, q, dp, dq, qi of every key, as base64url,
  // appear nowhere in the published set.
  const std::string published = keyring->Jwks();
  for (const IssuerKey& key : keyring->keys()) {
    for (const std::string& secret : PrivateValuesBase64Url(key)) {
      EXPECT_EQ(published.find(secret), std::string::npos);
    }
  }
}

TEST(IssuerKeyringTest, RotationSignsWithTheNewKeyAndKeepsTheOldOneListed) {
  absl::StatusOr<IssuerKeyring> keyring = IssuerKeyring::Create(kKidPrefix, T0());
  ASSERT_TRUE(keyring.ok());
  const std::string old_kid = keyring->signing_key().kid();
  ASSERT_TRUE(keyring->Rotate(kKidPrefix, T0() + absl::Hours(1)).ok());
  EXPECT_NE(keyring->signing_key().kid(), old_kid);
  ASSERT_EQ(keyring->keys().size(), 2u);
  EXPECT_EQ(keyring->keys()[1].kid(), old_kid);
  ASSERT_NE(keyring->Find(old_kid), nullptr);
  EXPECT_EQ(keyring->Find("https://tb.example/other#x"), nullptr);
}

TEST(IssuerKeyringTest, RotationStopsAtTheLimitRatherThanDroppingAKey) {
  absl::StatusOr<IssuerKeyring> keyring = IssuerKeyring::Create(kKidPrefix, T0());
  ASSERT_TRUE(keyring.ok());
  for (size_t i = 1; i < kIssuerKeysMax; ++i) {
    ASSERT_TRUE(keyring->Rotate(kKidPrefix, T0() + absl::Hours(i)).ok());
  }
  EXPECT_EQ(keyring->Rotate(kKidPrefix, T0()).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(keyring->keys().size(), kIssuerKeysMax);
}

TEST(IssuerKeyringTest, SerialisedKeyringParsesBackToTheSameKeysThatStillSign) {
  absl::StatusOr<IssuerKeyring> keyring = IssuerKeyring::Create(kKidPrefix, T0());
  ASSERT_TRUE(keyring.ok());
  ASSERT_TRUE(keyring->Rotate(kKidPrefix, T0() + absl::Hours(5)).ok());
  absl::StatusOr<IssuerKeyring> parsed = IssuerKeyring::Parse(keyring->Serialize());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->Jwks(), keyring->Jwks());
  ASSERT_EQ(parsed->keys().size(), 2u);
  EXPECT_EQ(parsed->keys()[0].created(), T0() + absl::Hours(5));
  EXPECT_EQ(parsed->keys()[1].created(), T0());
  absl::StatusOr<std::string> signature = parsed->signing_key().SignRs256("m");
  ASSERT_TRUE(signature.ok());
  EXPECT_TRUE(keyring->signing_key().VerifyRs256("m", *signature));
}

TEST(IssuerKeyringTest, ParseRefusesWhatSerializeDidNotWrite) {
  absl::StatusOr<IssuerKeyring> keyring = IssuerKeyring::Create(kKidPrefix, T0());
  ASSERT_TRUE(keyring.ok());
  const nlohmann::json good = nlohmann::json::parse(keyring->Serialize());
  EXPECT_FALSE(IssuerKeyring::Parse("").ok());
  EXPECT_FALSE(IssuerKeyring::Parse("not json").ok());
  nlohmann::json wrong_version = good;
  wrong_version["version"] = 2;
  EXPECT_FALSE(IssuerKeyring::Parse(wrong_version.dump()).ok());
  nlohmann::json no_keys = good;
  no_keys["keys"] = nlohmann::json::array();
  EXPECT_FALSE(IssuerKeyring::Parse(no_keys.dump()).ok());
  nlohmann::json bad_pem = good;
  bad_pem["keys"][0]["private_pem"] =
      "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  EXPECT_FALSE(IssuerKeyring::Parse(bad_pem.dump()).ok());
  nlohmann::json twice = good;
  twice["keys"].push_back(good["keys"][0]);
  EXPECT_FALSE(IssuerKeyring::Parse(twice.dump()).ok());
  EXPECT_TRUE(IssuerKeyring::Parse(good.dump()).ok());
}

}  // namespace issuer_keys_test
}  // namespace timebank::rewards
