// Badges in the rewards projection: awarded once at the recording time of the entry
// that earned them, with the evidence; withdrawn by a reversal and awarded again; rules
// changes, hiding and a rebuild that replays both in place; and a randomized history
// whose badges are checked against the rules applied to a recomputation from scratch.
#include <map>
#include <optional>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/rewards/analysis/streaks.h"
#include "services/rewards/analysis/weeks.h"
#include "services/rewards/badge_book.h"
#include "services/rewards/badge_projector.h"
#include "services/rewards/projection.h"
#include "services/rewards/rewards_records.h"
#include "storage/mem_store.h"
#include "tests/rewards/projection_fixture.h"

namespace timebank::rewards {
namespace {

MemberBadges BadgesOf(storage::KvStore& store, uint64_t member) {
  absl::StatusOr<MemberBadges> b = ReadMemberBadges(&store, nullptr, kC, member);
  EXPECT_TRUE(b.ok()) << b.status();
  return b.ok() ? *b : MemberBadges();
}

// A copy of one badge's state (nullopt: never awarded).
std::optional<BadgeState> StateOf(storage::KvStore& store, uint64_t member, std::string_view id) {
  const MemberBadges badges = BadgesOf(store, member);
  const BadgeState* s = badges.Find(id);
  return s == nullptr ? std::nullopt : std::optional<BadgeState>(*s);
}

std::set<std::string> Held(storage::KvStore& store, uint64_t member) {
  std::set<std::string> out;
  const MemberBadges badges = BadgesOf(store, member);
  for (const BadgeState& s : badges.states()) {
    if (s.awarded()) out.insert(s.badge_id);
  }
  return out;
}

std::string DigestOf(RewardsProjection& p) {
  absl::StatusOr<ProjectionDigest> d = p.Digest();
  EXPECT_TRUE(d.ok()) << d.status();
  return d.ok() ? d->digest_hex : "";
}

rpb::RecognitionEvent RulesEvent(BadgeRules rules, absl::Time at) {
  rpb::RecognitionEvent e;
  e.set_community_id(kC);
  e.set_at_unix_ms(absl::ToUnixMillis(at));
  *e.mutable_rules_set() = std::move(rules);
  return e;
}

rpb::RecognitionEvent HideEvent(uint64_t member, std::string badge, bool hidden) {
  rpb::RecognitionEvent e;
  e.set_community_id(kC);
  e.set_at_unix_ms(1);
  e.mutable_badge_hidden()->set_member_id(member);
  e.mutable_badge_hidden()->set_badge_id(std::move(badge));
  e.mutable_badge_hidden()->set_hidden(hidden);
  return e;
}

// The default rules with "connector" needing only two people.
BadgeRules EasierConnector() {
  BadgeRules rules = *DefaultBadgeRules();
  for (BadgeRule& r : *rules.mutable_rules()) {
    if (r.id() == "connector") r.set_threshold(2);
  }
  return rules;
}

class BadgeProjectionTest : public ::testing::Test {
 protected:
  absl::Status ApplyAll() { return projection_.Apply(journal_.entries()); }

  storage::MemStore store_{1};
  ZonePeople people_;
  RewardsProjection projection_{&store_, &people_};
  Journal journal_;
};

TEST_F(BadgeProjectionTest, ABadgeIsAwardedOnceAtTheRecordingTimeWithItsEvidence) {
  const std::string first = journal_.Exchange(1, 2, 60, 3);
  ASSERT_TRUE(projection_.Open().ok());
  ASSERT_TRUE(ApplyAll().ok());
  const std::optional<BadgeState> given = StateOf(store_, 1, "first-hour-given");
  ASSERT_TRUE(given.has_value());
  EXPECT_EQ(given->times_awarded, 1u);
  EXPECT_EQ(given->awarded_at_unix_ms, absl::ToUnixMillis(InWeek(3) + absl::Hours(1)));
  EXPECT_EQ(Held(store_, 2), (std::set<std::string>{"first-hour-received"}));
  absl::StatusOr<rpb::BadgeEvidence> evidence =
      ReadBadgeEvidence(&store_, nullptr, kC, 1, "first-hour-given", 1);
  ASSERT_TRUE(evidence.ok()) << evidence.status();
  ASSERT_EQ(evidence->items_size(), 1);
  EXPECT_EQ(evidence->items(0).transfer_id(), first);
  EXPECT_EQ(evidence->items(0).minutes(), 60);
  EXPECT_EQ(evidence->items(0).partner_id(), 2u);
  // More time given changes nothing about a badge already held.
  journal_.Exchange(1, 3, 90, 4);
  ASSERT_TRUE(ApplyAll().ok());
  EXPECT_EQ(StateOf(store_, 1, "first-hour-given")->times_awarded, 1u);
}

TEST_F(BadgeProjectionTest, AReversalWithdrawsTheBadgeAndEarningItAgainAwardsItAgain) {
  const std::string id = journal_.Exchange(1, 2, 60, 0);
  ASSERT_TRUE(ApplyAll().ok());
  journal_.Reverse(id);
  ASSERT_TRUE(ApplyAll().ok());
  std::optional<BadgeState> s = StateOf(store_, 1, "first-hour-given");
  ASSERT_TRUE(s.has_value());
  EXPECT_FALSE(s->awarded());
  EXPECT_EQ(s->withdrawn_at_unix_ms, absl::ToUnixMillis(InWeek(60)));
  // The reversed transfer is no longer anyone's evidence.
  auto recent = store_.Get(kRecords, RecentKey(kC, 1), nullptr, nullptr);
  ASSERT_TRUE(recent.ok());
  EXPECT_FALSE(*recent);
  const std::string again = journal_.Exchange(1, 2, 75, 61);
  ASSERT_TRUE(ApplyAll().ok());
  s = StateOf(store_, 1, "first-hour-given");
  EXPECT_TRUE(s->awarded());
  EXPECT_EQ(s->times_awarded, 2u);
  EXPECT_EQ(s->times_withdrawn, 1u);
  absl::StatusOr<rpb::BadgeEvidence> first_award =
      ReadBadgeEvidence(&store_, nullptr, kC, 1, "first-hour-given", 1);
  absl::StatusOr<rpb::BadgeEvidence> second_award =
      ReadBadgeEvidence(&store_, nullptr, kC, 1, "first-hour-given", 2);
  ASSERT_TRUE(first_award.ok() && second_award.ok());
  EXPECT_EQ(first_award->items(0).transfer_id(), id);  // kept: what it was awarded for
  EXPECT_EQ(second_award->items(0).transfer_id(), again);
}

TEST_F(BadgeProjectionTest, ContributionsOfAStarTypeAndAFourWeekStreakEarnTheirBadges) {
  lpb::Transfer t = journal_.Move(lpb::TRANSFER_KIND_CONTRIBUTION, OrganisationAccountId(kC, 9),
                                  MemberAccountId(kC, 4), 30, 0);
  t.set_coproduction_type(lpb::COPRODUCTION_TYPE_CO_DESIGN);
  journal_.Add(t);
  for (int week = 1; week <= 3; ++week) journal_.Contribution(4, 9, 30, week);
  ASSERT_TRUE(ApplyAll().ok());
  const std::set<std::string> held = Held(store_, 4);
  EXPECT_TRUE(held.contains("first-co-design"));
  EXPECT_FALSE(held.contains("first-co-assessment"));
  EXPECT_TRUE(held.contains("steady"));  // weeks 0..3
  EXPECT_TRUE(held.contains("first-hour-given"));
}

TEST_F(BadgeProjectionTest, NewRulesReevaluateEveryMemberWithoutAwardingTwice) {
  journal_.Exchange(1, 2, 60, 0);
  journal_.Exchange(1, 3, 60, 1);
  ASSERT_TRUE(ApplyAll().ok());
  ASSERT_TRUE(projection_.Open().ok());
  EXPECT_FALSE(Held(store_, 1).contains("connector"));
  const absl::Time set_at = InWeek(2);
  absl::StatusOr<rpb::RecognitionEvent> e =
      projection_.Record(RulesEvent(EasierConnector(), set_at));
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->n(), 1u);
  EXPECT_EQ(e->after_journal_seq(), 2u);
  const std::optional<BadgeState> connector = StateOf(store_, 1, "connector");
  ASSERT_TRUE(connector.has_value());
  EXPECT_EQ(connector->awarded_at_unix_ms, absl::ToUnixMillis(set_at));
  EXPECT_EQ(StateOf(store_, 1, "first-hour-given")->times_awarded, 1u);
  // The same rules again: nothing changes.
  const std::string digest = DigestOf(projection_);
  ASSERT_TRUE(projection_.Record(RulesEvent(EasierConnector(), InWeek(3))).ok());
  EXPECT_EQ(DigestOf(projection_), digest);
  // Rules without connector: the badge keeps where it stood (nothing re-evaluates it).
  BadgeRules fewer = EasierConnector();
  fewer.mutable_rules()->erase(
      std::remove_if(fewer.mutable_rules()->begin(), fewer.mutable_rules()->end(),
                     [](const BadgeRule& r) { return r.id() == "connector"; }),
      fewer.mutable_rules()->end());
  ASSERT_TRUE(projection_.Record(RulesEvent(fewer, InWeek(4))).ok());
  EXPECT_TRUE(StateOf(store_, 1, "connector")->awarded());
}

TEST_F(BadgeProjectionTest, HidingABadgeNeverAwardedIsRefusedAndLogsNothing) {
  journal_.Exchange(1, 2, 60, 0);
  ASSERT_TRUE(ApplyAll().ok());
  ASSERT_TRUE(projection_.Open().ok());
  const std::string digest = DigestOf(projection_);
  absl::StatusOr<rpb::RecognitionEvent> refused =
      projection_.Record(HideEvent(1, "connector", true));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(refused.status().message().find("badge_id"), std::string::npos);
  EXPECT_EQ(DigestOf(projection_), digest);
  auto logged = store_.Get(kRecords, EventKey(1), nullptr, nullptr);
  ASSERT_TRUE(logged.ok());
  EXPECT_FALSE(*logged);
  absl::StatusOr<rpb::RecognitionEvent> hidden =
      projection_.Record(HideEvent(1, "first-hour-given", true));
  ASSERT_TRUE(hidden.ok()) << hidden.status();
  EXPECT_EQ(hidden->n(), 1u);  // the refused one took no number
  EXPECT_TRUE(StateOf(store_, 1, "first-hour-given")->hidden);
}

TEST_F(BadgeProjectionTest, ARebuildReplaysEventsWhereTheyHappenedAndReachesTheSameDigest) {
  ASSERT_TRUE(projection_.Open().ok());
  journal_.Exchange(1, 2, 60, 0);
  journal_.Exchange(1, 3, 60, 1);
  ASSERT_TRUE(ApplyAll().ok());
  ASSERT_TRUE(projection_.Record(RulesEvent(EasierConnector(), InWeek(2))).ok());
  ASSERT_TRUE(projection_.Record(HideEvent(1, "connector", true)).ok());
  const std::string id = journal_.Exchange(2, 1, 60, 3);
  ASSERT_TRUE(ApplyAll().ok());
  ASSERT_TRUE(projection_.Record(HideEvent(2, "two-way-street", true)).ok());
  journal_.Reverse(id);
  journal_.Exchange(1, 4, 60, 5);
  ASSERT_TRUE(ApplyAll().ok());
  const std::string live = DigestOf(projection_);
  ASSERT_TRUE(projection_.Wipe().ok());
  // Until the events are replayed, new ones wait (they would land out of place).
  EXPECT_EQ(projection_.Record(HideEvent(1, "connector", false)).status().code(),
            absl::StatusCode::kUnavailable);
  // Replayed in steps that do not match the live ones.
  std::vector<lpb::JournalEntry>& all = journal_.entries();
  for (size_t at = 0; at < all.size(); at += 2) {
    ASSERT_TRUE(
        projection_.Apply({all.begin() + at, all.begin() + std::min(at + 2, all.size())}).ok());
  }
  EXPECT_EQ(DigestOf(projection_), live);
  EXPECT_TRUE(StateOf(store_, 1, "connector")->hidden);
  // Reopened (a restart) the same, and events are taken again.
  RewardsProjection reopened(&store_, &people_);
  ASSERT_TRUE(reopened.Open().ok());
  EXPECT_EQ(DigestOf(reopened), live);
  EXPECT_TRUE(reopened.Record(HideEvent(1, "connector", false)).ok());
}

// ---- randomized: badges against the rules applied to a recomputation ----

struct ModelExchange {
  uint64_t giver, receiver;
  int64_t minutes;
  int week;
  bool reversed = false;
};

TEST(BadgeProjectionModelTest, RandomHistoriesEarnExactlyTheBadgesTheirFinalFactsHold) {
  absl::TimeZone tz;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/London", &tz));
  for (uint32_t seed = 1; seed <= 12; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    std::mt19937 rng(seed);
    storage::MemStore store(1);
    ZonePeople people;
    RewardsProjection projection(&store, &people);
    ASSERT_TRUE(projection.Open().ok());
    Journal journal;
    std::vector<ModelExchange> history;
    std::vector<std::string> ids;
    std::map<uint64_t, int> last_touch_week;  // the entry a member was last evaluated at
    constexpr int kMembers = 6;
    int week = 0;
    for (int i = 0; i < 200; ++i) {
      week += static_cast<int>(rng() % 3 == 0);
      if (rng() % 6 == 0 && !ids.empty()) {
        const size_t pick = rng() % ids.size();
        if (history[pick].reversed) continue;
        history[pick].reversed = true;
        journal.Reverse(ids[pick]);
        last_touch_week[history[pick].giver] = 60;
        last_touch_week[history[pick].receiver] = 60;
        continue;
      }
      ModelExchange m{1 + rng() % kMembers, 1 + rng() % kMembers,
                      15 * (1 + static_cast<int64_t>(rng() % 6)), week};
      if (m.receiver == m.giver) m.receiver = m.giver % kMembers + 1;
      ids.push_back(journal.Exchange(m.giver, m.receiver, m.minutes, m.week));
      history.push_back(m);
      // Badges are judged at the last entry (in journal order) that touched a member.
      for (uint64_t who : {m.giver, m.receiver}) last_touch_week[who] = m.week;
    }
    std::vector<lpb::JournalEntry>& all = journal.entries();
    for (size_t at = 0; at < all.size();) {
      const size_t n = std::min(all.size() - at, size_t{1} + rng() % 30);
      ASSERT_TRUE(projection.Apply({all.begin() + at, all.begin() + at + n}).ok());
      at += n;
    }
    std::map<uint64_t, MemberFacts> facts;
    std::map<uint64_t, std::set<uint64_t>> helped, helped_by;
    std::map<uint64_t, std::set<int32_t>> weeks;
    for (const ModelExchange& m : history) {
      if (m.reversed) continue;
      facts[m.giver].minutes_given += m.minutes;
      facts[m.giver].co_delivery_contributions_count += 1;
      facts[m.receiver].minutes_received += m.minutes;
      helped[m.giver].insert(m.receiver);
      helped_by[m.receiver].insert(m.giver);
      weeks[m.giver].insert(WeekIndex(InWeek(m.week), tz));
      weeks[m.receiver].insert(WeekIndex(InWeek(m.week), tz));
    }
    for (uint64_t member = 1; member <= kMembers; ++member) {
      MemberFacts& f = facts[member];
      f.people_helped_count = static_cast<int64_t>(helped[member].size());
      f.helped_by_count = static_cast<int64_t>(helped_by[member].size());
      const int32_t now = WeekIndex(InWeek(last_touch_week[member]), tz);
      std::vector<int32_t> active;
      for (int32_t w : weeks[member]) {
        if (w <= now) active.push_back(w);
      }
      const StreakSummary streak = ComputeStreak(active, {}, now);
      f.current_streak_weeks = streak.current_weeks;
      f.longest_streak_weeks = streak.longest_weeks;
      std::set<std::string> expected;
      for (const BadgeRule& r : DefaultBadgeRules()->rules()) {
        if (Holds(r, f)) expected.insert(r.id());
      }
      EXPECT_EQ(Held(store, member), expected) << "member " << member;
      const MemberBadges badges = BadgesOf(store, member);
      for (const BadgeState& s : badges.states()) {
        EXPECT_LE(s.times_awarded - s.times_withdrawn, 1u);
      }
    }
    // A rebuild in other steps reaches the same digest.
    const std::string live = DigestOf(projection);
    ASSERT_TRUE(projection.Wipe().ok());
    for (size_t at = 0; at < all.size();) {
      const size_t n = std::min(all.size() - at, size_t{1} + rng() % 50);
      ASSERT_TRUE(projection.Apply({all.begin() + at, all.begin() + at + n}).ok());
      at += n;
    }
    EXPECT_EQ(DigestOf(projection), live);
  }
}

}  // namespace
}  // namespace timebank::rewards
