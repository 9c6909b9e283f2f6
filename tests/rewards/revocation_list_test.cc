#include "services/rewards/credentials/revocation_list.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "absl/time/time.h"
#include "services/rewards/credentials/open_badge.h"

namespace timebank::rewards {
namespace revocation_list_test {

using Json = nlohmann::json;

constexpr char kListUrl[] = "https://tb.example/communities/c1/rewards/revocations";
constexpr char kIssuer[] = "https://tb.example/communities/c1";

std::string Id(int award) {
  return CredentialIdForAward("https://tb.example/communities/c1/awards/" + std::to_string(award));
}

std::string List(std::vector<RevokedCredential> revoked) {
  absl::StatusOr<std::string> list = BuildRevocationList(kListUrl, kIssuer, std::move(revoked));
  EXPECT_TRUE(list.ok()) << list.status();
  return list.value_or("");
}

std::string CredentialFor(int award, std::string list_url = kListUrl) {
  CredentialInputs in;
  in.credential_id = Id(award);
  in.issuer_id = kIssuer;
  in.issuer_name = "Riverside Time Bank";
  in.achievement_id = "https://tb.example/communities/c1/badges/steady";
  in.achievement_name = "Steady";
  in.achievement_description = "Active four weeks running.";
  in.criteria_narrative = "Give or receive time in four consecutive weeks.";
  in.subject_id = "https://tb.example/communities/c1/members/m42";
  in.valid_from = absl::FromUnixSeconds(1'780'000'000);
  in.revocation_list_url = std::move(list_url);
  absl::StatusOr<std::string> json = BuildOpenBadgeCredential(in);
  EXPECT_TRUE(json.ok()) << json.status();
  return json.value_or("");
}

TEST(RevocationListTest, DocumentNamesTheListTheIssuerAndEachRevokedCredential) {
  const Json list = Json::parse(List({{Id(2), "evidence reversed"}, {Id(1), ""}}));
  EXPECT_EQ(list["id"], kListUrl);
  EXPECT_EQ(list["issuer"], kIssuer);
  ASSERT_EQ(list["revokedCredentials"].size(), 2u);
  for (const Json& entry : list["revokedCredentials"]) {
    if (entry["id"] == Id(2)) {
      EXPECT_EQ(entry["revocationReason"], "evidence reversed");
    } else {
      EXPECT_EQ(entry["id"], Id(1));
      EXPECT_FALSE(entry.contains("revocationReason"));
    }
  }
}

TEST(RevocationListTest, SameSetGivesTheSameBytesAndEachIdOnce) {
  EXPECT_EQ(List({{Id(1), ""}, {Id(2), ""}}), List({{Id(2), ""}, {Id(1), ""}, {Id(2), ""}}));
  EXPECT_EQ(Json::parse(List({{Id(3), ""}, {Id(3), ""}}))["revokedCredentials"].size(), 1u);
  EXPECT_EQ(Json::parse(List({}))["revokedCredentials"], Json::array());
}

TEST(RevocationListTest, ListedIdIsRevokedAndOthersAreNot) {
  const std::string list = List({{Id(1), "withdrawn"}});
  EXPECT_EQ(IsRevokedInList(list, Id(1)).value_or(false), true);
  EXPECT_EQ(IsRevokedInList(list, Id(2)).value_or(true), false);
  EXPECT_FALSE(IsRevokedInList("{}", Id(1)).ok());
  EXPECT_FALSE(IsRevokedInList("not json", Id(1)).ok());
}

TEST(RevocationListTest, CredentialStatusLeadsToItsListEntry) {
  const std::string list = List({{Id(1), "withdrawn"}});
  EXPECT_EQ(IsCredentialRevoked(CredentialFor(1), list).value_or(false), true);
  EXPECT_EQ(IsCredentialRevoked(CredentialFor(2), list).value_or(true), false);
  // A list other than the one the credential names answers nothing about it.
  EXPECT_EQ(IsCredentialRevoked(CredentialFor(1, "https://tb.example/other/revocations"), list)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::string> other_issuer =
      BuildRevocationList(kListUrl, "https://tb.example/communities/c2", {{Id(1), ""}});
  ASSERT_TRUE(other_issuer.ok());
  EXPECT_FALSE(IsCredentialRevoked(CredentialFor(1), *other_issuer).ok());
}

TEST(RevocationListTest, BadInputIsRefusedNamingTheField) {
  EXPECT_EQ(BuildRevocationList("revocations", kIssuer, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildRevocationList(kListUrl, "", {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::string> bad_id = BuildRevocationList(kListUrl, kIssuer, {{"id 1", ""}});
  EXPECT_NE(bad_id.status().message().find("credential_id"), absl::string_view::npos);
  absl::StatusOr<std::string> long_reason =
      BuildRevocationList(kListUrl, kIssuer, {{Id(1), std::string(281, 'x')}});
  EXPECT_NE(long_reason.status().message().find("reason"), absl::string_view::npos);
}

}  // namespace revocation_list_test
}  // namespace timebank::rewards
