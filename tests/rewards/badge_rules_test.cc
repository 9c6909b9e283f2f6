// Badge rules files (services/rewards/badges/badge_rules.h): the shipped default loads
// with every badge issue 13 asks for; each way a file can be wrong is refused with a
// message naming the rule and the field; RulesInForce keeps the old rules on a refusal.
#include "services/rewards/badges/badge_rules.h"

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"

namespace timebank::rewards {
namespace {

namespace rpb = ::timebank::rewards::v1;
namespace lpb = ::timebank::ledger::v1;

::testing::AssertionResult Contains(absl::string_view text, absl::string_view part) {
  if (absl::StrContains(text, part)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

::testing::AssertionResult Begins(absl::string_view text, absl::string_view prefix) {
  if (absl::StartsWith(text, prefix)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "\"" << text << "\" does not start with \"" << prefix << "\"";
}

constexpr char kFourRules[] = R"pb(
  version: 1
  rules {
    id: "first-hour-given"
    name: "First hour given"
    description: "You gave an hour."
    criteria: "Give an hour."
    kind: RULE_KIND_THRESHOLD
    metric: METRIC_HOURS_GIVEN
    threshold: 1
  }
  rules {
    id: "steady"
    name: "Steady"
    description: "Four weeks in a row."
    criteria: "Take part in four weeks in a row."
    kind: RULE_KIND_THRESHOLD
    metric: METRIC_LONGEST_STREAK_WEEKS
    threshold: 4
  }
  rules {
    id: "two-way"
    name: "Two-way street"
    description: "Gave and received."
    criteria: "Give and receive."
    kind: RULE_KIND_BOTH
    metric: METRIC_MINUTES_GIVEN
    second_metric: METRIC_MINUTES_RECEIVED
    threshold: 1
  }
  rules {
    id: "first-co-design"
    name: "Helped design a service"
    description: "Co-design."
    criteria: "Take part in designing a service."
    kind: RULE_KIND_FIRST_OF_STAR_TYPE
    star_type: COPRODUCTION_TYPE_CO_DESIGN
  }
)pb";

BadgeRules FourRules() {
  absl::StatusOr<BadgeRules> rules = ParseBadgeRules(kFourRules);
  EXPECT_TRUE(rules.ok()) << rules.status();
  return rules.value_or(BadgeRules{});
}

TEST(BadgeRulesFile, ShippedDefaultLoadsWithEveryRequiredBadge) {
  absl::StatusOr<BadgeRules> rules = LoadBadgeRulesFile(TIMEBANK_DEFAULT_BADGE_RULES);
  ASSERT_TRUE(rules.ok()) << rules.status();
  EXPECT_EQ(rules->version(), 1);
  std::set<std::string> ids;
  for (const BadgeRule& rule : rules->rules()) {
    ids.insert(rule.id());
    EXPECT_FALSE(rule.name().empty() || rule.description().empty() || rule.criteria().empty())
        << rule.id();
  }
  for (const char* required :
       {"first-hour-given", "first-hour-received", "two-way-street", "hours-given-10",
        "hours-given-50", "hours-given-100", "first-co-design", "first-co-commission",
        "first-co-assessment", "connector", "steady", "pool-giver", "thank-you-received"}) {
    EXPECT_TRUE(ids.contains(required)) << required;
  }
  auto rule = [&](std::string_view id) {
    for (const BadgeRule& r : rules->rules()) {
      if (r.id() == id) return r;
    }
    return BadgeRule{};
  };
  EXPECT_EQ(rule("hours-given-50").metric(), rpb::METRIC_HOURS_GIVEN);
  EXPECT_EQ(rule("hours-given-50").threshold(), 50);
  EXPECT_EQ(rule("two-way-street").kind(), rpb::RULE_KIND_BOTH);
  EXPECT_EQ(rule("connector").metric(), rpb::METRIC_PEOPLE_HELPED_COUNT);
  EXPECT_EQ(rule("connector").threshold(), 5);
  EXPECT_EQ(rule("first-co-commission").star_type(), lpb::COPRODUCTION_TYPE_CO_COMMISSION);
  // A streak that ends must not take the badge away: the longest run, not the current.
  EXPECT_EQ(rule("steady").metric(), rpb::METRIC_LONGEST_STREAK_WEEKS);
}

TEST(BadgeRulesFile, MissingFileIsNotFound) {
  EXPECT_EQ(LoadBadgeRulesFile("/nonexistent/badge_rules.textproto").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(BadgeRulesFile, SyntaxErrorIsRefusedWithItsLine) {
  absl::StatusOr<BadgeRules> rules = ParseBadgeRules("version: 1\nrules {\n  id: \"x\" }\n}\n");
  ASSERT_EQ(rules.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      Begins(rules.status().message(), "badge rules file does not parse: line 4, column 1: "));
}

// The parser itself places an unknown enum name at the token after it, here the
// next line; the message gives the name's own line.
TEST(BadgeRulesFile, UnknownMetricNameIsRefusedWithItsLineAndName) {
  absl::StatusOr<BadgeRules> rules =
      ParseBadgeRules("version: 1\nrules {\n  id: \"x\"\n  metric: METRIC_HOURS_GIVN\n}\n");
  ASSERT_EQ(rules.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Begins(rules.status().message(), "badge rules file does not parse: line 4: "));
  EXPECT_TRUE(Contains(rules.status().message(), "\"METRIC_HOURS_GIVN\" for field \"metric\""));
}

TEST(BadgeRulesFile, UnknownKindNameAndMisspeltFieldAreRefusedWithTheirLine) {
  absl::StatusOr<BadgeRules> kind = ParseBadgeRules("version: 1\nrules { kind: RULE_KIND_MOST }\n");
  EXPECT_TRUE(Contains(kind.status().message(), "line 2, column"));
  EXPECT_TRUE(Contains(kind.status().message(), "RULE_KIND_MOST"));
  absl::StatusOr<BadgeRules> field = ParseBadgeRules("version: 1\n\n\nrules { treshold: 3 }\n");
  EXPECT_TRUE(Contains(field.status().message(), "line 4, column"));
  EXPECT_TRUE(Contains(field.status().message(), "treshold"));
}

TEST(BadgeRulesFile, ValidationRunsOnParsedFiles) {
  std::string text = kFourRules;
  text.replace(text.find("threshold: 4"), 12, "threshold: 0");
  EXPECT_EQ(ParseBadgeRules(text).status().message(),
            "rules[1] \"steady\": threshold must be > 0 (the rule at line 12)");
}

TEST(BadgeRulesFile, OversizedFileIsRefused) {
  std::string text(BadgeRuleLimits::kFileBytesMax + 1, ' ');
  EXPECT_TRUE(Contains(ParseBadgeRules(text).status().message(), "more than"));
}

TEST(BadgeRulesValidation, FourRuleBaseIsValid) {
  EXPECT_TRUE(ValidateBadgeRules(FourRules()).ok());
  BadgeRules none;
  none.set_version(1);
  EXPECT_TRUE(ValidateBadgeRules(none).ok()) << "a community may have no badges";
}

struct RefusalCase {
  std::string what;
  std::function<void(BadgeRules*)> change;
  std::string message;  // exact
};

std::vector<RefusalCase> RefusalCases() {
  auto steady = [](BadgeRules* r) { return r->mutable_rules(1); };
  auto two_way = [](BadgeRules* r) { return r->mutable_rules(2); };
  auto first = [](BadgeRules* r) { return r->mutable_rules(3); };
  const std::string s = "rules[1] \"steady\": ";
  const std::string t = "rules[2] \"two-way\": ";
  const std::string f = "rules[3] \"first-co-design\": ";
  return {
      {"version 0", [](BadgeRules* r) { r->set_version(0); }, "version must be 1 (got 0)"},
      {"version 2", [](BadgeRules* r) { r->set_version(2); }, "version must be 1 (got 2)"},
      {"kind unset", [=](BadgeRules* r) { steady(r)->set_kind(rpb::RULE_KIND_UNSPECIFIED); },
       s + "kind must be set (RULE_KIND_...)"},
      {"kind unknown", [=](BadgeRules* r) { steady(r)->set_kind(static_cast<rpb::RuleKind>(99)); },
       s + "kind 99 is not a known rule kind"},
      {"metric unset", [=](BadgeRules* r) { steady(r)->set_metric(rpb::METRIC_UNSPECIFIED); },
       s + "metric must be set (METRIC_...)"},
      {"metric unknown",
       [=](BadgeRules* r) { steady(r)->set_metric(static_cast<rpb::Metric>(99)); },
       s + "metric 99 is not a known metric"},
      {"threshold 0", [=](BadgeRules* r) { steady(r)->set_threshold(0); },
       s + "threshold must be > 0"},
      {"threshold negative", [=](BadgeRules* r) { steady(r)->set_threshold(-5); },
       s + "threshold must be > 0"},
      {"threshold huge",
       [=](BadgeRules* r) { steady(r)->set_threshold(BadgeRuleLimits::kThresholdMax + 1); },
       s + "threshold must be <= 60000000"},
      {"second metric on threshold",
       [=](BadgeRules* r) { steady(r)->set_second_metric(rpb::METRIC_MINUTES_RECEIVED); },
       s + "second_metric is not used by RULE_KIND_THRESHOLD; remove it"},
      {"star type on threshold",
       [=](BadgeRules* r) { steady(r)->set_star_type(lpb::COPRODUCTION_TYPE_CO_DESIGN); },
       s + "star_type is not used by RULE_KIND_THRESHOLD; remove it"},
      {"both without second metric",
       [=](BadgeRules* r) { two_way(r)->set_second_metric(rpb::METRIC_UNSPECIFIED); },
       t + "second_metric must be set (METRIC_...)"},
      {"both with unknown second metric",
       [=](BadgeRules* r) { two_way(r)->set_second_metric(static_cast<rpb::Metric>(42)); },
       t + "second_metric 42 is not a known metric"},
      {"both with one metric twice",
       [=](BadgeRules* r) { two_way(r)->set_second_metric(rpb::METRIC_MINUTES_GIVEN); },
       t + "second_metric must differ from metric"},
      {"both threshold 0", [=](BadgeRules* r) { two_way(r)->set_threshold(0); },
       t + "threshold must be > 0"},
      {"both with star type",
       [=](BadgeRules* r) { two_way(r)->set_star_type(lpb::COPRODUCTION_TYPE_CO_DELIVERY); },
       t + "star_type is not used by RULE_KIND_BOTH; remove it"},
      {"first without star type",
       [=](BadgeRules* r) { first(r)->set_star_type(lpb::COPRODUCTION_TYPE_UNSPECIFIED); },
       f + "star_type must be set (COPRODUCTION_TYPE_...)"},
      {"first with unknown star type",
       [=](BadgeRules* r) { first(r)->set_star_type(static_cast<lpb::CoproductionType>(9)); },
       f + "star_type 9 is not a known Star type"},
      {"first with metric", [=](BadgeRules* r) { first(r)->set_metric(rpb::METRIC_HOURS_GIVEN); },
       f + "metric is not used by RULE_KIND_FIRST_OF_STAR_TYPE; remove it"},
      {"first with second metric",
       [=](BadgeRules* r) { first(r)->set_second_metric(rpb::METRIC_HOURS_GIVEN); },
       f + "second_metric is not used by RULE_KIND_FIRST_OF_STAR_TYPE; remove it"},
      {"first with threshold", [=](BadgeRules* r) { first(r)->set_threshold(3); },
       f + "threshold is not used by RULE_KIND_FIRST_OF_STAR_TYPE; remove it"},
      {"duplicate id", [=](BadgeRules* r) { two_way(r)->set_id("steady"); },
       "rules[2] \"steady\": id is already used by rules[1]"},
      {"empty id", [=](BadgeRules* r) { steady(r)->set_id(""); },
       "rules[1] \"\": id must not be empty"},
      {"long id", [=](BadgeRules* r) { steady(r)->set_id(std::string(65, 'a')); },
       absl::StrCat("rules[1] \"", std::string(64, 'a'), "\": id is 65 bytes, more than 64")},
      {"upper-case id", [=](BadgeRules* r) { steady(r)->set_id("Steady"); },
       "rules[1] \"Steady\": id may hold only a-z, 0-9 and '-'"},
      {"id with underscore", [=](BadgeRules* r) { steady(r)->set_id("very_steady"); },
       "rules[1] \"very_steady\": id may hold only a-z, 0-9 and '-'"},
      {"id with a control character", [=](BadgeRules* r) { steady(r)->set_id("a\nb"); },
       "rules[1] \"a\\nb\": id may hold only a-z, 0-9 and '-'"},
      {"empty name", [=](BadgeRules* r) { steady(r)->set_name(""); }, s + "name must not be empty"},
      {"empty description", [=](BadgeRules* r) { steady(r)->set_description(""); },
       s + "description must not be empty"},
      {"empty criteria", [=](BadgeRules* r) { steady(r)->set_criteria(""); },
       s + "criteria must not be empty"},
      {"long name", [=](BadgeRules* r) { steady(r)->set_name(std::string(129, 'n')); },
       s + "name: at most 128 bytes (this is 129 bytes in UTF-8, normalised); shorten it"},
      {"long description",
       [=](BadgeRules* r) { steady(r)->set_description(std::string(513, 'd')); },
       s + "description: at most 512 bytes (this is 513 bytes in UTF-8, normalised); shorten it"},
      {"long criteria", [=](BadgeRules* r) { steady(r)->set_criteria(std::string(1025, 'c')); },
       s + "criteria: at most 1024 bytes (this is 1025 bytes in UTF-8, normalised); shorten it"},
  };
}

TEST(BadgeRulesValidation, EachProblemIsRefusedNamingTheRuleAndField) {
  for (const RefusalCase& c : RefusalCases()) {
    BadgeRules rules = FourRules();
    c.change(&rules);
    absl::Status status = ValidateBadgeRules(rules);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.what;
    EXPECT_EQ(status.message(), c.message) << c.what;
  }
}

// Text the project's text rule refuses: the message is the rule's own, after the rule.
TEST(BadgeRulesValidation, ControlAndBidiCharactersAreRefusedInEveryTextField) {
  struct TextCase {
    std::string field;
    std::function<std::string*(BadgeRule*)> text;
  };
  const std::vector<TextCase> fields = {
      {"name", [](BadgeRule* r) { return r->mutable_name(); }},
      {"description", [](BadgeRule* r) { return r->mutable_description(); }},
      {"criteria", [](BadgeRule* r) { return r->mutable_criteria(); }},
  };
  for (const TextCase& f : fields) {
    for (const std::string& bad : {std::string("Ste\u202Eady"),
                                   std::string("Ste\x07"
                                               "ady"),
                                   std::string("Ste\u2066ady")}) {
      BadgeRules rules = FourRules();
      *f.text(rules.mutable_rules(1)) = bad;
      absl::Status status = ValidateBadgeRules(rules);
      EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << f.field;
      EXPECT_TRUE(Begins(status.message(),
                         absl::StrCat("rules[1] \"steady\": ", f.field, ": character 4 is U+")))
          << f.field;
    }
  }
}

TEST(BadgeRulesValidation, LineBreaksOnlyInDescriptionAndCriteria) {
  BadgeRules rules = FourRules();
  rules.mutable_rules(1)->set_description("Four weeks.\nIn a row.");
  rules.mutable_rules(1)->set_criteria("Take part\nfour weeks running.");
  EXPECT_TRUE(ValidateBadgeRules(rules).ok());
  rules.mutable_rules(1)->set_name("Ste\nady");
  EXPECT_TRUE(Begins(ValidateBadgeRules(rules).message(),
                     "rules[1] \"steady\": name: character 4 is U+000A"));
}

TEST(BadgeRulesValidation, AtMost200Rules) {
  BadgeRules rules;
  rules.set_version(1);
  for (size_t i = 0; i < BadgeRuleLimits::kRulesMax; ++i) {
    BadgeRule* rule = rules.add_rules();
    *rule = FourRules().rules(0);
    rule->set_id(absl::StrCat("badge-", i));
  }
  EXPECT_TRUE(ValidateBadgeRules(rules).ok());
  *rules.add_rules() = FourRules().rules(1);
  EXPECT_EQ(ValidateBadgeRules(rules).message(), "rules: 201 rules, more than 200");
}

TEST(BadgeRulesValidation, TextIsStoredInNfc) {
  BadgeRules rules = FourRules();
  rules.mutable_rules(1)->set_name("Cafe\u0301 regular");
  absl::StatusOr<BadgeRules> normalised = NormaliseBadgeRules(rules);
  ASSERT_TRUE(normalised.ok()) << normalised.status();
  EXPECT_EQ(normalised->rules(1).name(), "Caf\u00e9 regular");
}

TEST(RulesInForce, StartsWithNoBadges) {
  RulesInForce in_force;
  EXPECT_EQ(in_force.Current()->rules_size(), 0);
  EXPECT_EQ(in_force.generation(), 0u);
}

TEST(RulesInForce, ReplaceInstallsValidRules) {
  RulesInForce in_force;
  ASSERT_TRUE(in_force.Replace(FourRules()).ok());
  EXPECT_EQ(in_force.Current()->rules_size(), 4);
  EXPECT_EQ(in_force.generation(), 1u);
  ASSERT_TRUE(in_force.ReplaceFromText("version: 1").ok());
  EXPECT_EQ(in_force.Current()->rules_size(), 0);
  EXPECT_EQ(in_force.generation(), 2u);
}

TEST(RulesInForce, RefusedRulesLeaveThePreviousOnesInForce) {
  RulesInForce in_force;
  ASSERT_TRUE(in_force.Replace(FourRules()).ok());
  std::shared_ptr<const BadgeRules> before = in_force.Current();

  BadgeRules bad = FourRules();
  bad.mutable_rules(1)->set_threshold(0);
  EXPECT_EQ(in_force.Replace(bad).message(), "rules[1] \"steady\": threshold must be > 0");
  EXPECT_EQ(in_force.ReplaceFromText("version: 1\nrules {").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(in_force.ReplaceFromText("version: 2").message(), "version must be 1 (got 2)");

  EXPECT_EQ(in_force.Current(), before);
  EXPECT_EQ(in_force.Current()->rules(1).threshold(), 4);
  EXPECT_EQ(in_force.generation(), 1u);
}

TEST(RulesInForce, ASnapshotOutlivesAReplace) {
  RulesInForce in_force;
  ASSERT_TRUE(in_force.Replace(FourRules()).ok());
  std::shared_ptr<const BadgeRules> snapshot = in_force.Current();
  ASSERT_TRUE(in_force.ReplaceFromText("version: 1").ok());
  EXPECT_EQ(snapshot->rules_size(), 4);
}

}  // namespace
}  // namespace timebank::rewards
