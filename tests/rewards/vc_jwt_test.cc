#include "services/rewards/credentials/vc_jwt.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "services/rewards/credentials/open_badge.h"

namespace timebank::rewards {
namespace vc_jwt_test {

using Json = nlohmann::json;

constexpr char kKidPrefix[] = "https://tb.example/communities/c1/rewards/jwks#";
const absl::Time kAwarded = absl::FromUnixSeconds(1'780'000'000);
const absl::Time kLater = kAwarded + absl::Hours(24 * 30);

std::string SampleCredential(absl::string_view award = "awards/7") {
  CredentialInputs in;
  in.credential_id = CredentialIdForAward(absl::StrCat("https://tb.example/", award));
  in.issuer_id = "https://tb.example/communities/c1";
  in.issuer_name = "Riverside Time Bank";
  in.achievement_id = "https://tb.example/communities/c1/badges/first-hour-given";
  in.achievement_name = "First hour given";
  in.achievement_description = "Gave a first hour of time.";
  in.criteria_narrative = "Give one hour to another member.";
  in.subject_id = "https://tb.example/communities/c1/members/m42";
  in.valid_from = kAwarded;
  in.evidence = {{"https://tb.example/communities/c1/activities/a1", "Gardening", "Gave 1 hour"}};
  in.revocation_list_url = "https://tb.example/communities/c1/rewards/revocations";
  absl::StatusOr<std::string> json = BuildOpenBadgeCredential(in);
  EXPECT_TRUE(json.ok()) << json.status();
  return json.value_or("");
}

IssuerKeyring NewKeyring() {
  absl::StatusOr<IssuerKeyring> keyring = IssuerKeyring::Create(kKidPrefix, kAwarded);
  EXPECT_TRUE(keyring.ok());
  return *std::move(keyring);
}

std::string Sign(const IssuerKeyring& keyring, const std::string& credential) {
  absl::StatusOr<std::string> jws = SignVcJwt(keyring, credential);
  EXPECT_TRUE(jws.ok()) << jws.status();
  return jws.value_or("");
}

std::vector<std::string> Parts(const std::string& jws) { return absl::StrSplit(jws, '.'); }

Json DecodePart(const std::string& part) {
  std::string bytes;
  EXPECT_TRUE(absl::WebSafeBase64Unescape(part, &bytes));
  return Json::parse(bytes);
}

std::string EncodePart(const Json& doc) { return absl::WebSafeBase64Escape(doc.dump()); }

// Changes one character of part `index`, in its middle, to another base64url character,
// so the token stays well-formed base64url and only its content differs.
std::string FlipOneChar(const std::string& jws, size_t index) {
  std::vector<std::string> parts = Parts(jws);
  std::string& part = parts[index];
  char& c = part[part.size() / 2];
  c = (c == 'A') ? 'B' : 'A';
  return absl::StrJoin(parts, ".");
}

TEST(VcJwtTest, SignedCredentialVerifiesBackToTheSameCredential) {
  const IssuerKeyring keyring = NewKeyring();
  const std::string credential = SampleCredential();
  const std::string jws = Sign(keyring, credential);
  absl::StatusOr<VerifiedCredential> verified = VerifyVcJwt(jws, keyring.Jwks(), kLater);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(Json::parse(verified->credential_json), Json::parse(credential));
  EXPECT_EQ(verified->kid, keyring.signing_key().kid());
}

TEST(VcJwtTest, HeaderAndClaimsAreTheOnesOb3Defines) {
  const IssuerKeyring keyring = NewKeyring();
  const Json credential = Json::parse(SampleCredential());
  const std::vector<std::string> parts = Parts(Sign(keyring, credential.dump()));
  ASSERT_EQ(parts.size(), 3u);
  for (const std::string& part : parts) EXPECT_EQ(part.find('='), std::string::npos);
  EXPECT_EQ(DecodePart(parts[0]),
            Json({{"alg", "RS256"}, {"kid", keyring.signing_key().kid()}, {"typ", "JWT"}}));
  const Json payload = DecodePart(parts[1]);
  EXPECT_EQ(payload["iss"], credential["issuer"]["id"]);
  EXPECT_EQ(payload["sub"], credential["credentialSubject"]["id"]);
  EXPECT_EQ(payload["jti"], credential["id"]);
  EXPECT_EQ(payload["nbf"], absl::ToUnixSeconds(kAwarded));
  EXPECT_FALSE(payload.contains("vc"));  // OB 3.0: the payload is the credential itself
  EXPECT_EQ(payload["credentialSubject"], credential["credentialSubject"]);
}

TEST(VcJwtTest, OneChangedCharacterAnywhereIsRefused) {
  const IssuerKeyring keyring = NewKeyring();
  const std::string jws = Sign(keyring, SampleCredential());
  const absl::StatusOr<VerifiedCredential> payload =
      VerifyVcJwt(FlipOneChar(jws, 1), keyring.Jwks(), kLater);
  EXPECT_EQ(payload.status().code(), absl::StatusCode::kUnauthenticated) << payload.status();
  const absl::StatusOr<VerifiedCredential> signature =
      VerifyVcJwt(FlipOneChar(jws, 2), keyring.Jwks(), kLater);
  EXPECT_EQ(signature.status().code(), absl::StatusCode::kUnauthenticated) << signature.status();
  EXPECT_FALSE(VerifyVcJwt(FlipOneChar(jws, 0), keyring.Jwks(), kLater).ok());
}

TEST(VcJwtTest, ReencodedHeaderOrPayloadWithOtherContentIsRefused) {
  const IssuerKeyring keyring = NewKeyring();
  std::vector<std::string> parts = Parts(Sign(keyring, SampleCredential()));
  Json payload = DecodePart(parts[1]);
  payload["credentialSubject"]["id"] = "https://tb.example/communities/c1/members/m43";
  payload["sub"] = payload["credentialSubject"]["id"];
  const std::string forged = absl::StrJoin({parts[0], EncodePart(payload), parts[2]}, ".");
  EXPECT_EQ(VerifyVcJwt(forged, keyring.Jwks(), kLater).status().code(),
            absl::StatusCode::kUnauthenticated);
  Json header = DecodePart(parts[0]);
  header["alg"] = "none";
  const std::string unsigned_token = absl::StrCat(EncodePart(header), ".", parts[1], ".");
  EXPECT_EQ(VerifyVcJwt(unsigned_token, keyring.Jwks(), kLater).status().code(),
            absl::StatusCode::kInvalidArgument);
  header["alg"] = "RS256";
  header["jku"] = "https://attacker.example/jwks";
  const std::string extra = absl::StrJoin({EncodePart(header), parts[1], parts[2]}, ".");
  EXPECT_EQ(VerifyVcJwt(extra, keyring.Jwks(), kLater).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(VcJwtTest, UnknownKidIsNotFound) {
  const IssuerKeyring signer = NewKeyring();
  const IssuerKeyring other = NewKeyring();
  const std::string jws = Sign(signer, SampleCredential());
  EXPECT_EQ(VerifyVcJwt(jws, other.Jwks(), kLater).status().code(), absl::StatusCode::kNotFound);
}

TEST(VcJwtTest, MalformedTokensAreInvalidArgument) {
  const IssuerKeyring keyring = NewKeyring();
  const std::string jws = Sign(keyring, SampleCredential());
  const std::vector<std::string> parts = Parts(jws);
  for (const std::string& bad :
       {std::string(""), std::string("a.b"), absl::StrCat(jws, ".x"), absl::StrCat(jws, "="),
        absl::StrJoin({parts[0], std::string("!!!"), parts[2]}, "."),
        absl::StrJoin({EncodePart(Json::array()), parts[1], parts[2]}, ".")}) {
    EXPECT_EQ(VerifyVcJwt(bad, keyring.Jwks(), kLater).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad.substr(0, 40);
  }
  EXPECT_EQ(VerifyVcJwt(jws, "{}", kLater).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(VcJwtTest, NotYetValidIsFailedPrecondition) {
  const IssuerKeyring keyring = NewKeyring();
  const std::string jws = Sign(keyring, SampleCredential());
  EXPECT_EQ(VerifyVcJwt(jws, keyring.Jwks(), kAwarded - absl::Seconds(1)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(VerifyVcJwt(jws, keyring.Jwks(), kAwarded).ok());
}

TEST(VcJwtTest, ValidUntilBecomesExpAndAnExpiredCredentialIsRefused) {
  const IssuerKeyring keyring = NewKeyring();
  Json credential = Json::parse(SampleCredential());
  credential["validUntil"] = FormatCredentialTime(kAwarded + absl::Hours(1));
  const std::string jws = Sign(keyring, credential.dump());
  EXPECT_EQ(DecodePart(Parts(jws)[1])["exp"], absl::ToUnixSeconds(kAwarded + absl::Hours(1)));
  EXPECT_TRUE(VerifyVcJwt(jws, keyring.Jwks(), kAwarded + absl::Minutes(59)).ok());
  EXPECT_EQ(VerifyVcJwt(jws, keyring.Jwks(), kAwarded + absl::Hours(1)).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

// A token whose claims disagree with its credential, signed by the issuer's own key (so
// only the claim check can catch it).
std::string SignedWithClaims(const IssuerKeyring& keyring, Json payload) {
  const Json header = {{"alg", "RS256"}, {"kid", keyring.signing_key().kid()}, {"typ", "JWT"}};
  const std::string input = absl::StrCat(EncodePart(header), ".", EncodePart(payload));
  absl::StatusOr<std::string> signature = keyring.signing_key().SignRs256(input);
  EXPECT_TRUE(signature.ok());
  return absl::StrCat(input, ".", absl::WebSafeBase64Escape(signature.value_or("")));
}

TEST(VcJwtTest, ClaimsThatDisagreeWithTheCredentialAreRefused) {
  const IssuerKeyring keyring = NewKeyring();
  const Json good = DecodePart(Parts(Sign(keyring, SampleCredential()))[1]);
  ASSERT_TRUE(VerifyVcJwt(SignedWithClaims(keyring, good), keyring.Jwks(), kLater).ok());
  const std::vector<std::pair<const char*, Json>> spoilers = {
      {"iss", "https://tb.example/communities/c2"},
      {"sub", "https://tb.example/communities/c1/members/m43"},
      {"jti", "urn:uuid:00000000-0000-5000-8000-000000000000"},
      {"nbf", absl::ToUnixSeconds(kAwarded) - 1},
      {"nbf", "1780000000"}};
  for (const auto& [claim, value] : spoilers) {
    Json payload = good;
    payload[claim] = value;
    EXPECT_EQ(
        VerifyVcJwt(SignedWithClaims(keyring, payload), keyring.Jwks(), kLater).status().code(),
        absl::StatusCode::kInvalidArgument)
        << claim;
  }
  for (const char* claim : {"iss", "sub", "jti", "nbf"}) {
    Json payload = good;
    payload.erase(claim);
    EXPECT_EQ(
        VerifyVcJwt(SignedWithClaims(keyring, payload), keyring.Jwks(), kLater).status().code(),
        absl::StatusCode::kInvalidArgument)
        << "without " << claim;
  }
}

TEST(VcJwtTest, AfterRotationOldCredentialsVerifyAndNewOnesUseTheNewKid) {
  IssuerKeyring keyring = NewKeyring();
  const std::string old_kid = keyring.signing_key().kid();
  const std::string old_jws = Sign(keyring, SampleCredential("awards/1"));
  ASSERT_TRUE(keyring.Rotate(kKidPrefix, kAwarded + absl::Hours(1)).ok());
  const std::string new_jws = Sign(keyring, SampleCredential("awards/2"));
  const std::string jwks = keyring.Jwks();  // the set published after the rotation

  absl::StatusOr<VerifiedCredential> old_verified = VerifyVcJwt(old_jws, jwks, kLater);
  ASSERT_TRUE(old_verified.ok()) << old_verified.status();
  EXPECT_EQ(old_verified->kid, old_kid);
  absl::StatusOr<VerifiedCredential> new_verified = VerifyVcJwt(new_jws, jwks, kLater);
  ASSERT_TRUE(new_verified.ok()) << new_verified.status();
  EXPECT_NE(new_verified->kid, old_kid);
  EXPECT_EQ(new_verified->kid, keyring.signing_key().kid());
  EXPECT_EQ(DecodePart(Parts(new_jws)[0])["kid"], keyring.signing_key().kid());

  // Survives the keyring's trip through the store as well.
  absl::StatusOr<IssuerKeyring> reloaded = IssuerKeyring::Parse(keyring.Serialize());
  ASSERT_TRUE(reloaded.ok());
  EXPECT_TRUE(VerifyVcJwt(old_jws, reloaded->Jwks(), kLater).ok());
}

TEST(VcJwtTest, SigningRefusesWhatIsNotAnOpenBadgeCredential) {
  const IssuerKeyring keyring = NewKeyring();
  EXPECT_EQ(SignVcJwt(keyring, "[]").status().code(), absl::StatusCode::kInvalidArgument);
  Json no_subject = Json::parse(SampleCredential());
  no_subject.erase("credentialSubject");
  EXPECT_EQ(SignVcJwt(keyring, no_subject.dump()).status().code(),
            absl::StatusCode::kInvalidArgument);
  Json fractional = Json::parse(SampleCredential());
  fractional["validFrom"] = "2026-05-28T20:26:40.5Z";
  EXPECT_EQ(SignVcJwt(keyring, fractional.dump()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace vc_jwt_test
}  // namespace timebank::rewards
