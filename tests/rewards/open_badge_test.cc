#include "services/rewards/credentials/open_badge.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "absl/time/time.h"

namespace timebank::rewards {
namespace open_badge_test {

using Json = nlohmann::json;

CredentialInputs SampleInputs() {
  CredentialInputs in;
  in.credential_id = CredentialIdForAward("https://tb.example/communities/c1/awards/7");
  in.issuer_id = "https://tb.example/communities/c1";
  in.issuer_name = "Riverside Time Bank";
  in.achievement_id = "https://tb.example/communities/c1/badges/two-way-street";
  in.achievement_name = "Two-way street";
  in.achievement_description = "Gave time and received time in this community.";
  in.criteria_narrative = "Give at least one hour and receive at least one hour.";
  in.subject_id = "https://tb.example/communities/c1/members/m42";
  in.valid_from = absl::FromUnixSeconds(1'780'000'000) + absl::Milliseconds(250);
  in.evidence = {{"https://tb.example/communities/c1/activities/a1", "Gardening", "Gave 2 hours"},
                 {"", "Lift to the clinic", "Received 1 hour"}};
  in.revocation_list_url = "https://tb.example/communities/c1/rewards/revocations";
  return in;
}

Json Built(const CredentialInputs& in) {
  absl::StatusOr<std::string> json = BuildOpenBadgeCredential(in);
  EXPECT_TRUE(json.ok()) << json.status();
  return json.ok() ? Json::parse(*json) : Json();
}

TEST(OpenBadgeTest, CredentialHasEveryFieldOb3Requires) {
  const CredentialInputs in = SampleInputs();
  const Json c = Built(in);
  EXPECT_EQ(c["@context"],
            Json::array({"https://www.w3.org/ns/credentials/v2",
                         "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"}));
  EXPECT_EQ(c["type"], Json::array({"VerifiableCredential", "OpenBadgeCredential"}));
  EXPECT_EQ(c["id"], in.credential_id);
  EXPECT_EQ(c["issuer"]["id"], in.issuer_id);
  EXPECT_EQ(c["issuer"]["type"], Json::array({"Profile"}));
  EXPECT_EQ(c["issuer"]["name"], in.issuer_name);
  EXPECT_EQ(c["validFrom"], "2026-05-28T20:26:40Z");  // whole seconds, UTC
  const Json& subject = c["credentialSubject"];
  EXPECT_EQ(subject["id"], in.subject_id);
  EXPECT_EQ(subject["type"], Json::array({"AchievementSubject"}));
  const Json& achievement = subject["achievement"];
  EXPECT_EQ(achievement["id"], in.achievement_id);
  EXPECT_EQ(achievement["type"], Json::array({"Achievement"}));
  EXPECT_EQ(achievement["name"], in.achievement_name);
  EXPECT_EQ(achievement["description"], in.achievement_description);
  EXPECT_EQ(achievement["criteria"]["narrative"], in.criteria_narrative);
  EXPECT_TRUE(CheckOpenBadgeCredential(c).ok());
}

TEST(OpenBadgeTest, EvidenceAndRevocationStatusAreListed) {
  const Json c = Built(SampleInputs());
  ASSERT_EQ(c["evidence"].size(), 2u);
  EXPECT_EQ(c["evidence"][0]["id"], "https://tb.example/communities/c1/activities/a1");
  EXPECT_EQ(c["evidence"][0]["type"], Json::array({"Evidence"}));
  EXPECT_EQ(c["evidence"][0]["name"], "Gardening");
  EXPECT_EQ(c["evidence"][0]["narrative"], "Gave 2 hours");
  EXPECT_FALSE(c["evidence"][1].contains("id"));  // optional, omitted when unknown
  EXPECT_EQ(c["credentialStatus"]["id"], "https://tb.example/communities/c1/rewards/revocations");
  EXPECT_EQ(c["credentialStatus"]["type"], "1EdTechRevocationList");
  EXPECT_FALSE(c["credentialStatus"].contains("revocationListIndex"));  // none given
}

TEST(OpenBadgeTest, TheAwardsIndexInTheRevocationListIsWrittenWhenGiven) {
  CredentialInputs in = SampleInputs();
  in.revocation_list_index = 0;
  EXPECT_EQ(Built(in)["credentialStatus"]["revocationListIndex"], "0");
  in.revocation_list_index = 42;
  EXPECT_EQ(Built(in)["credentialStatus"]["revocationListIndex"], "42");
}

TEST(OpenBadgeTest, EmptyOptionalListsAreOmittedNotWrittenEmpty) {
  CredentialInputs in = SampleInputs();
  in.evidence.clear();
  in.revocation_list_url.clear();
  const Json c = Built(in);
  EXPECT_FALSE(c.contains("evidence"));
  EXPECT_FALSE(c.contains("credentialStatus"));
}

TEST(OpenBadgeTest, BadInputIsRefusedNamingTheField) {
  struct Case {
    const char* field;
    void (*spoil)(CredentialInputs&);
  };
  const Case cases[] = {
      {"credential_id", [](CredentialInputs& in) { in.credential_id = "no scheme"; }},
      {"issuer_id", [](CredentialInputs& in) { in.issuer_id.clear(); }},
      {"issuer_name", [](CredentialInputs& in) { in.issuer_name.clear(); }},
      {"achievement_id", [](CredentialInputs& in) { in.achievement_id = "https://a b"; }},
      {"achievement_name", [](CredentialInputs& in) { in.achievement_name.clear(); }},
      {"achievement_description", [](CredentialInputs& in) { in.achievement_description.clear(); }},
      {"criteria_narrative",
       [](CredentialInputs& in) { in.criteria_narrative = std::string(5000, 'x'); }},
      {"subject_id", [](CredentialInputs& in) { in.subject_id = ":m42"; }},
      {"valid_from", [](CredentialInputs& in) { in.valid_from = absl::InfiniteFuture(); }},
      {"evidence.name", [](CredentialInputs& in) { in.evidence[0].name.clear(); }},
      {"revocation_list_url", [](CredentialInputs& in) { in.revocation_list_url = "revocations"; }},
  };
  for (const Case& c : cases) {
    CredentialInputs in = SampleInputs();
    c.spoil(in);
    absl::StatusOr<std::string> built = BuildOpenBadgeCredential(in);
    ASSERT_EQ(built.status().code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_NE(built.status().message().find(c.field), absl::string_view::npos)
        << built.status().message();
  }
}

void EraseAt(Json& doc, const std::string& path) {
  const Json::json_pointer pointer(path);
  Json& parent = doc[pointer.parent_pointer()];
  if (parent.is_array()) {
    parent.erase(std::stoul(pointer.back()));
  } else {
    parent.erase(pointer.back());
  }
}

TEST(OpenBadgeTest, CheckRefusesACredentialMissingARequiredField) {
  const Json good = Built(SampleInputs());
  const char* paths[] = {"/@context/1",
                         "/type/1",
                         "/id",
                         "/issuer/id",
                         "/validFrom",
                         "/credentialSubject/type",
                         "/credentialSubject/id",
                         "/credentialSubject/achievement/id",
                         "/credentialSubject/achievement/name",
                         "/credentialSubject/achievement/description",
                         "/credentialSubject/achievement/criteria",
                         "/credentialSubject/achievement/type"};
  for (const char* path : paths) {
    Json spoiled = good;
    EraseAt(spoiled, path);
    EXPECT_FALSE(CheckOpenBadgeCredential(spoiled).ok()) << path;
  }
  Json wrong_order = good;
  std::swap(wrong_order["@context"][0], wrong_order["@context"][1]);
  EXPECT_FALSE(CheckOpenBadgeCredential(wrong_order).ok());
  Json bad_time = good;
  bad_time["validFrom"] = "28 May 2026";
  EXPECT_FALSE(CheckOpenBadgeCredential(bad_time).ok());
  EXPECT_TRUE(CheckOpenBadgeCredential(good).ok());
}

TEST(OpenBadgeTest, CredentialIdIsAStableVersion5UuidPerAward) {
  const std::string id = CredentialIdForAward("https://tb.example/communities/c1/awards/7");
  EXPECT_EQ(id, CredentialIdForAward("https://tb.example/communities/c1/awards/7"));
  EXPECT_NE(id, CredentialIdForAward("https://tb.example/communities/c1/awards/8"));
  ASSERT_EQ(id.size(), 9u + 36u);
  EXPECT_EQ(id.substr(0, 9), "urn:uuid:");
  EXPECT_EQ(id[9 + 14], '5');                                          // version
  EXPECT_NE(std::string("89ab").find(id[9 + 19]), std::string::npos);  // RFC 4122 variant
  // Computed independently: Python's uuid.uuid5(uuid.NAMESPACE_URL, "https://example.org/").
  EXPECT_EQ(CredentialIdForAward("https://example.org/"),
            "urn:uuid:527dda32-a0de-5105-a042-cb475b5f7d11");
}

}  // namespace open_badge_test
}  // namespace timebank::rewards
