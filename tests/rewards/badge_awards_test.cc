// Badge awarding (services/rewards/badges/badge_awards.h): every metric and rule kind at
// its threshold and just below it; the award state machine (award once, withdraw, award
// again, idempotent, hidden kept, rules changes); the stored form; and random fact
// histories with reversals checked against the definition.
#include "services/rewards/badges/badge_awards.h"

#include <algorithm>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace timebank::rewards {
namespace {

namespace rpb = ::timebank::rewards::v1;
namespace lpb = ::timebank::ledger::v1;

absl::Time At(int64_t unix_s) { return absl::FromUnixSeconds(unix_s); }

BadgeRule ThresholdRule(std::string id, rpb::Metric metric, int64_t threshold) {
  BadgeRule rule;
  rule.set_id(std::move(id));
  rule.set_name("A badge");
  rule.set_description("What it means.");
  rule.set_criteria("What to do.");
  rule.set_kind(rpb::RULE_KIND_THRESHOLD);
  rule.set_metric(metric);
  rule.set_threshold(threshold);
  return rule;
}

BadgeRule BothRule(std::string id, rpb::Metric first, rpb::Metric second, int64_t threshold) {
  BadgeRule rule = ThresholdRule(std::move(id), first, threshold);
  rule.set_kind(rpb::RULE_KIND_BOTH);
  rule.set_second_metric(second);
  return rule;
}

BadgeRule FirstOfStarRule(std::string id, lpb::CoproductionType type) {
  BadgeRule rule = ThresholdRule(std::move(id), rpb::METRIC_UNSPECIFIED, 0);
  rule.set_kind(rpb::RULE_KIND_FIRST_OF_STAR_TYPE);
  rule.set_star_type(type);
  return rule;
}

BadgeRules Rules(std::vector<BadgeRule> list) {
  BadgeRules rules;
  rules.set_version(1);
  for (BadgeRule& rule : list) *rules.add_rules() = std::move(rule);
  EXPECT_TRUE(ValidateBadgeRules(rules).ok()) << ValidateBadgeRules(rules);
  return rules;
}

// The field behind each metric, written out here independently of MetricValue, and how
// many of the field's units make one of the metric's (hours are 60 minutes).
struct MetricField {
  int64_t MemberFacts::*field;
  int64_t units_per_metric_unit;
};

const std::map<rpb::Metric, MetricField>& MetricFields() {
  static const auto* fields = new std::map<rpb::Metric, MetricField>{
      {rpb::METRIC_MINUTES_GIVEN, {&MemberFacts::minutes_given, 1}},
      {rpb::METRIC_HOURS_GIVEN, {&MemberFacts::minutes_given, 60}},
      {rpb::METRIC_MINUTES_RECEIVED, {&MemberFacts::minutes_received, 1}},
      {rpb::METRIC_HOURS_RECEIVED, {&MemberFacts::minutes_received, 60}},
      {rpb::METRIC_PEOPLE_HELPED_COUNT, {&MemberFacts::people_helped_count, 1}},
      {rpb::METRIC_HELPED_BY_COUNT, {&MemberFacts::helped_by_count, 1}},
      {rpb::METRIC_ORGANISATIONS_GIVEN_TO_COUNT, {&MemberFacts::organisations_given_to_count, 1}},
      {rpb::METRIC_CO_COMMISSION_CONTRIBUTIONS_COUNT,
       {&MemberFacts::co_commission_contributions_count, 1}},
      {rpb::METRIC_CO_DESIGN_CONTRIBUTIONS_COUNT, {&MemberFacts::co_design_contributions_count, 1}},
      {rpb::METRIC_CO_DELIVERY_CONTRIBUTIONS_COUNT,
       {&MemberFacts::co_delivery_contributions_count, 1}},
      {rpb::METRIC_CO_ASSESSMENT_CONTRIBUTIONS_COUNT,
       {&MemberFacts::co_assessment_contributions_count, 1}},
      {rpb::METRIC_CURRENT_STREAK_WEEKS, {&MemberFacts::current_streak_weeks, 1}},
      {rpb::METRIC_LONGEST_STREAK_WEEKS, {&MemberFacts::longest_streak_weeks, 1}},
      {rpb::METRIC_POOL_DONATIONS_COUNT, {&MemberFacts::pool_donations_count, 1}},
      {rpb::METRIC_POOL_DONATION_MINUTES, {&MemberFacts::pool_donation_minutes, 1}},
      {rpb::METRIC_THANK_YOU_NOTES_RECEIVED_COUNT,
       {&MemberFacts::thank_you_notes_received_count, 1}},
      {rpb::METRIC_REDEMPTIONS_COUNT, {&MemberFacts::redemptions_count, 1}},
  };
  return *fields;
}

std::vector<int64_t MemberFacts::*> AllFields() {
  std::vector<int64_t MemberFacts::*> fields;
  for (const auto& [metric, f] : MetricFields()) fields.push_back(f.field);
  return fields;
}

// Every fact far above any threshold, so only the one a test lowers can fail a rule.
MemberFacts Plenty() {
  MemberFacts facts;
  for (auto field : AllFields()) facts.*field = 1'000'000;
  return facts;
}

TEST(Holds, EveryMetricIsTestedHere) {
  const google::protobuf::EnumDescriptor* metrics = rpb::Metric_descriptor();
  for (int i = 0; i < metrics->value_count(); ++i) {
    const auto metric = static_cast<rpb::Metric>(metrics->value(i)->number());
    if (metric == rpb::METRIC_UNSPECIFIED) continue;
    EXPECT_TRUE(MetricFields().contains(metric)) << metrics->value(i)->name();
  }
}

TEST(Holds, ThresholdOnEachMetricHoldsAtItAndNotJustBelow) {
  constexpr int64_t kThreshold = 7;
  for (const auto& [metric, f] : MetricFields()) {
    const BadgeRule rule = ThresholdRule("badge", metric, kThreshold);
    MemberFacts facts = Plenty();
    facts.*f.field = kThreshold * f.units_per_metric_unit;
    EXPECT_TRUE(Holds(rule, facts)) << rpb::Metric_Name(metric);
    EXPECT_EQ(MetricValue(metric, facts), kThreshold) << rpb::Metric_Name(metric);
    facts.*f.field = kThreshold * f.units_per_metric_unit - 1;
    EXPECT_FALSE(Holds(rule, facts)) << rpb::Metric_Name(metric);
  }
}

TEST(Holds, BothNeedsEachMetricAtTheThreshold) {
  const BadgeRule two_way =
      BothRule("two-way", rpb::METRIC_MINUTES_GIVEN, rpb::METRIC_MINUTES_RECEIVED, 1);
  MemberFacts facts;
  EXPECT_FALSE(Holds(two_way, facts));
  facts.minutes_given = 30;
  EXPECT_FALSE(Holds(two_way, facts)) << "gave only";
  facts = {};
  facts.minutes_received = 30;
  EXPECT_FALSE(Holds(two_way, facts)) << "received only";
  facts.minutes_given = 1;
  facts.minutes_received = 1;
  EXPECT_TRUE(Holds(two_way, facts));

  const BadgeRule hours = BothRule("hours", rpb::METRIC_HOURS_GIVEN, rpb::METRIC_HOURS_RECEIVED, 2);
  facts = {.minutes_given = 120, .minutes_received = 119};
  EXPECT_FALSE(Holds(hours, facts));
  facts.minutes_received = 120;
  EXPECT_TRUE(Holds(hours, facts));
}

TEST(Holds, FirstOfEachStarTypeCountsOnlyThatType) {
  const std::map<lpb::CoproductionType, int64_t MemberFacts::*> types = {
      {lpb::COPRODUCTION_TYPE_CO_COMMISSION, &MemberFacts::co_commission_contributions_count},
      {lpb::COPRODUCTION_TYPE_CO_DESIGN, &MemberFacts::co_design_contributions_count},
      {lpb::COPRODUCTION_TYPE_CO_DELIVERY, &MemberFacts::co_delivery_contributions_count},
      {lpb::COPRODUCTION_TYPE_CO_ASSESSMENT, &MemberFacts::co_assessment_contributions_count},
  };
  for (const auto& [type, field] : types) {
    const BadgeRule rule = FirstOfStarRule("first", type);
    MemberFacts facts = Plenty();
    facts.*field = 0;
    EXPECT_FALSE(Holds(rule, facts)) << lpb::CoproductionType_Name(type);
    facts.*field = 1;
    EXPECT_TRUE(Holds(rule, facts)) << lpb::CoproductionType_Name(type);
  }
}

const BadgeRules& TenHours() {
  static const auto* rules =
      new BadgeRules(Rules({ThresholdRule("hours-given-10", rpb::METRIC_HOURS_GIVEN, 10)}));
  return *rules;
}

MemberFacts Given(int64_t minutes) { return {.minutes_given = minutes}; }

TEST(MemberBadges, AwardsOnceWhileHeld) {
  MemberBadges badges;
  EXPECT_TRUE(badges.Apply(TenHours(), Given(599), At(100)).empty());
  EXPECT_EQ(badges.Find("hours-given-10"), nullptr);

  const std::vector<BadgeEvent> events = badges.Apply(TenHours(), Given(600), At(200));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], (BadgeEvent{"hours-given-10", BadgeChange::kAwarded, 200'000, 1}));
  EXPECT_TRUE(badges.Apply(TenHours(), Given(900), At(300)).empty());
  const BadgeState* state = badges.Find("hours-given-10");
  ASSERT_NE(state, nullptr);
  EXPECT_TRUE(state->awarded());
  EXPECT_EQ(state->awarded_at_unix_ms, 200'000);
  EXPECT_EQ(state->times_awarded, 1u);
}

TEST(MemberBadges, ReversalWithdrawsAndKeepsTheRecord) {
  MemberBadges badges;
  badges.Apply(TenHours(), Given(600), At(200));
  const std::vector<BadgeEvent> events = badges.Apply(TenHours(), Given(540), At(300));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], (BadgeEvent{"hours-given-10", BadgeChange::kWithdrawn, 300'000, 1}));
  const BadgeState* state = badges.Find("hours-given-10");
  ASSERT_NE(state, nullptr) << "a withdrawn badge is recorded, not deleted";
  EXPECT_FALSE(state->awarded());
  EXPECT_EQ(state->awarded_at_unix_ms, 200'000);
  EXPECT_EQ(state->withdrawn_at_unix_ms, 300'000);
  EXPECT_EQ(state->times_withdrawn, 1u);
  EXPECT_TRUE(badges.Apply(TenHours(), Given(0), At(400)).empty());
}

TEST(MemberBadges, EarnedAgainIsAwardedAgain) {
  MemberBadges badges;
  badges.Apply(TenHours(), Given(600), At(200));
  badges.Apply(TenHours(), Given(540), At(300));
  const std::vector<BadgeEvent> events = badges.Apply(TenHours(), Given(660), At(400));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], (BadgeEvent{"hours-given-10", BadgeChange::kAwarded, 400'000, 2}));
  const BadgeState* state = badges.Find("hours-given-10");
  EXPECT_TRUE(state->awarded());
  EXPECT_EQ(state->awarded_at_unix_ms, 400'000);
  EXPECT_EQ(state->withdrawn_at_unix_ms, 300'000) << "the last withdrawal stays on record";
}

TEST(MemberBadges, ApplyingTheSameFactsTwiceChangesNothing) {
  const BadgeRules rules =
      Rules({ThresholdRule("a", rpb::METRIC_HOURS_GIVEN, 1),
             BothRule("b", rpb::METRIC_MINUTES_GIVEN, rpb::METRIC_MINUTES_RECEIVED, 1),
             FirstOfStarRule("c", lpb::COPRODUCTION_TYPE_CO_DESIGN)});
  const MemberFacts facts = {
      .minutes_given = 60, .minutes_received = 5, .co_design_contributions_count = 1};
  MemberBadges badges;
  EXPECT_EQ(badges.Apply(rules, facts, At(1)).size(), 3u);
  const std::string before = badges.Encode();
  EXPECT_TRUE(badges.Apply(rules, facts, At(2)).empty());
  EXPECT_EQ(badges.Encode(), before) << "not even the times move";
}

TEST(MemberBadges, EventsFollowTheRulesOrder) {
  const BadgeRules rules = Rules({ThresholdRule("zeta", rpb::METRIC_MINUTES_GIVEN, 1),
                                  ThresholdRule("alpha", rpb::METRIC_MINUTES_GIVEN, 1)});
  MemberBadges badges;
  const std::vector<BadgeEvent> events = badges.Apply(rules, Given(1), At(1));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].badge_id, "zeta");
  EXPECT_EQ(events[1].badge_id, "alpha");
  EXPECT_EQ(badges.states()[0].badge_id, "alpha") << "states are kept sorted by id";
}

TEST(MemberBadges, HiddenSurvivesWithdrawalAndAwardAgain) {
  MemberBadges badges;
  EXPECT_EQ(badges.SetHidden("hours-given-10", true).code(), absl::StatusCode::kNotFound);
  badges.Apply(TenHours(), Given(600), At(1));
  ASSERT_TRUE(badges.SetHidden("hours-given-10", true).ok());
  badges.Apply(TenHours(), Given(0), At(2));
  EXPECT_TRUE(badges.Find("hours-given-10")->hidden);
  ASSERT_TRUE(badges.SetHidden("hours-given-10", true).ok()) << "hiding a withdrawn badge";
  badges.Apply(TenHours(), Given(600), At(3));
  EXPECT_TRUE(badges.Find("hours-given-10")->hidden);
  ASSERT_TRUE(badges.SetHidden("hours-given-10", false).ok());
  EXPECT_FALSE(badges.Find("hours-given-10")->hidden);
}

TEST(MemberBadges, RulesChangeReevaluatesWithoutDoubleAwards) {
  MemberBadges badges;
  const MemberFacts facts = Given(12 * 60);
  ASSERT_EQ(badges.Apply(TenHours(), facts, At(1)).size(), 1u);

  // Same id, new wording and a threshold still met: nothing happens.
  BadgeRules reworded = TenHours();
  reworded.mutable_rules(0)->set_name("Ten hours of your time");
  reworded.mutable_rules(0)->set_threshold(12);
  EXPECT_TRUE(badges.Apply(reworded, facts, At(2)).empty());

  // A stricter threshold withdraws; a new badge that holds is awarded, alone.
  BadgeRules stricter = TenHours();
  stricter.mutable_rules(0)->set_threshold(15);
  *stricter.add_rules() = ThresholdRule("first-hour-given", rpb::METRIC_HOURS_GIVEN, 1);
  const std::vector<BadgeEvent> events = badges.Apply(stricter, facts, At(3));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0], (BadgeEvent{"hours-given-10", BadgeChange::kWithdrawn, 3000, 1}));
  EXPECT_EQ(events[1], (BadgeEvent{"first-hour-given", BadgeChange::kAwarded, 3000, 1}));

  // A badge whose rule is gone keeps where it stood.
  const BadgeRules only_ten = TenHours();
  EXPECT_EQ(badges.Apply(only_ten, facts, At(4)).size(), 1u);  // hours-given-10 again
  EXPECT_TRUE(badges.Find("first-hour-given")->awarded());
  EXPECT_EQ(badges.Find("hours-given-10")->times_awarded, 2u);
}

TEST(MemberBadges, EncodeDecodeRoundTrips) {
  MemberBadges badges;
  badges.Apply(TenHours(), Given(600), At(1));
  badges.Apply(TenHours(), Given(0), At(2));
  badges.Apply(Rules({ThresholdRule("connector", rpb::METRIC_PEOPLE_HELPED_COUNT, 5)}),
               {.people_helped_count = 5}, At(3));
  ASSERT_TRUE(badges.SetHidden("connector", true).ok());
  absl::StatusOr<MemberBadges> decoded = MemberBadges::Decode(badges.Encode());
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->states(), badges.states());
  EXPECT_EQ(decoded->Encode(), badges.Encode());
  EXPECT_TRUE(MemberBadges::Decode("").ok()) << "no badges yet";
}

TEST(MemberBadges, DecodeRefusesWhatEncodeCannotHaveWritten) {
  auto encode = [](std::function<void(rpb::MemberBadgeStates*)> fill) {
    rpb::MemberBadgeStates stored;
    fill(&stored);
    return stored.SerializeAsString();
  };
  auto state = [](rpb::MemberBadgeStates* s, std::string id, uint32_t awarded, uint32_t withdrawn) {
    rpb::BadgeState* b = s->add_badges();
    b->set_badge_id(std::move(id));
    b->set_times_awarded(awarded);
    b->set_times_withdrawn(withdrawn);
  };
  const std::vector<std::pair<std::string, std::string>> corrupt = {
      {"not a message", "\xff\xff\xff"},
      {"bad id", encode([&](auto* s) { state(s, "Bad Id", 1, 0); })},
      {"out of order", encode([&](auto* s) {
         state(s, "b", 1, 0);
         state(s, "a", 1, 0);
       })},
      {"repeated", encode([&](auto* s) {
         state(s, "a", 1, 0);
         state(s, "a", 1, 0);
       })},
      {"never awarded", encode([&](auto* s) { state(s, "a", 0, 0); })},
      {"withdrawn more than awarded", encode([&](auto* s) { state(s, "a", 1, 2); })},
      {"two awards without a withdrawal", encode([&](auto* s) { state(s, "a", 3, 1); })},
  };
  for (const auto& [what, bytes] : corrupt) {
    EXPECT_EQ(MemberBadges::Decode(bytes).status().code(), absl::StatusCode::kDataLoss) << what;
  }
}

// Holds, recomputed from the table above rather than through MetricValue.
int64_t ModelValue(int metric, const MemberFacts& facts) {
  const MetricField& f = MetricFields().at(static_cast<rpb::Metric>(metric));
  return facts.*f.field / f.units_per_metric_unit;
}

bool ModelHolds(const BadgeRule& rule, const MemberFacts& facts) {
  if (rule.kind() == rpb::RULE_KIND_FIRST_OF_STAR_TYPE) {
    const std::map<int, int64_t MemberFacts::*> star = {
        {lpb::COPRODUCTION_TYPE_CO_COMMISSION, &MemberFacts::co_commission_contributions_count},
        {lpb::COPRODUCTION_TYPE_CO_DESIGN, &MemberFacts::co_design_contributions_count},
        {lpb::COPRODUCTION_TYPE_CO_DELIVERY, &MemberFacts::co_delivery_contributions_count},
        {lpb::COPRODUCTION_TYPE_CO_ASSESSMENT, &MemberFacts::co_assessment_contributions_count}};
    return facts.*star.at(rule.star_type()) > 0;
  }
  const bool first = ModelValue(rule.metric(), facts) >= rule.threshold();
  if (rule.kind() == rpb::RULE_KIND_THRESHOLD) return first;
  return first && ModelValue(rule.second_metric(), facts) >= rule.threshold();
}

// Random histories of facts (with reversals, which lower them) under rules that change
// now and then. After every step: each badge is awarded exactly while its rule holds
// (recomputed by ModelHolds);
// its events alternate award, withdrawal, award...; its counts match its events; and
// applying the same facts again changes nothing.
TEST(MemberBadges, RandomHistoriesAwardExactlyWhileHeld) {
  absl::StatusOr<BadgeRules> shipped = LoadBadgeRulesFile(TIMEBANK_DEFAULT_BADGE_RULES);
  ASSERT_TRUE(shipped.ok()) << shipped.status();
  BadgeRules stricter = *shipped;
  for (BadgeRule& rule : *stricter.mutable_rules()) {
    if (rule.threshold() > 0) rule.set_threshold(rule.threshold() + 1);
  }
  *stricter.add_rules() = ThresholdRule("redeemer", rpb::METRIC_REDEMPTIONS_COUNT, 2);
  const std::vector<const BadgeRules*> rule_sets = {&*shipped, &stricter};
  const std::vector<int64_t MemberFacts::*> fields = AllFields();
  size_t withdrawals = 0;
  size_t awards_again = 0;

  for (uint32_t seed = 1; seed <= 40; ++seed) {
    std::mt19937 random(seed);
    MemberBadges badges;
    MemberFacts facts;
    std::map<std::string, std::vector<BadgeChange>> history;
    const BadgeRules* rules = rule_sets[0];
    for (int step = 0; step < 600; ++step) {
      if (random() % 25 == 0) rules = rule_sets[random() % rule_sets.size()];
      int64_t MemberFacts::*field = fields[random() % fields.size()];
      // Steps both ways (a reversal lowers a fact) around every threshold of the rules.
      const bool minutes = field == &MemberFacts::minutes_given ||
                           field == &MemberFacts::minutes_received ||
                           field == &MemberFacts::pool_donation_minutes;
      const int64_t step_max = minutes ? 900 : 3;
      const int64_t value_max = minutes ? 7000 : 10;
      const int64_t delta =
          static_cast<int64_t>(random() % static_cast<uint32_t>(2 * step_max + 1)) - step_max;
      facts.*field = std::clamp<int64_t>(facts.*field + delta, 0, value_max);

      for (const BadgeEvent& event : badges.Apply(*rules, facts, At(step))) {
        std::vector<BadgeChange>& changes = history[event.badge_id];
        const BadgeChange expected =
            changes.size() % 2 == 0 ? BadgeChange::kAwarded : BadgeChange::kWithdrawn;
        ASSERT_EQ(event.change, expected)
            << "seed " << seed << " step " << step << " " << event.badge_id;
        changes.push_back(event.change);
      }
      ASSERT_TRUE(badges.Apply(*rules, facts, At(step)).empty()) << "seed " << seed;
      for (const BadgeRule& rule : rules->rules()) {
        const BadgeState* state = badges.Find(rule.id());
        ASSERT_EQ(state != nullptr && state->awarded(), ModelHolds(rule, facts))
            << "seed " << seed << " step " << step << " " << rule.id();
      }
    }
    for (const auto& [id, changes] : history) {
      const BadgeState* state = badges.Find(id);
      ASSERT_NE(state, nullptr);
      EXPECT_EQ(state->times_awarded + state->times_withdrawn, changes.size()) << id;
      withdrawals += state->times_withdrawn;
      awards_again += state->times_awarded > 1 ? 1 : 0;
    }
    absl::StatusOr<MemberBadges> decoded = MemberBadges::Decode(badges.Encode());
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(decoded->states(), badges.states());
  }
  // The histories did exercise the whole machine, not only first awards.
  EXPECT_GT(withdrawals, 100u);
  EXPECT_GT(awards_again, 50u);
}

}  // namespace
}  // namespace timebank::rewards
