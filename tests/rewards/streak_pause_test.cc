// Streak pauses: the rules a new pause meets (WithPause: weeks 1..12, a start from two
// weeks back to 26 ahead, apart from every other pause, no week already counted, at
// most 12 paused weeks in any 52), the streak and the "steady" badge seen through a
// pause, PauseStreak's refusals at its core (each code, naming its field, nothing
// written; another community's member answered as an unknown one), a retry answered
// as it stands, ending a pause early or calling one off, and a rebuild that replays
// pauses and ends to the same digest.
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/common/clock.h"
#include "services/rewards/analysis/weeks.h"
#include "services/rewards/badge_book.h"
#include "services/rewards/badge_projector.h"
#include "services/rewards/projection.h"
#include "services/rewards/rewards_book.h"
#include "services/rewards/rewards_records.h"
#include "services/rewards/streak_pauses.h"
#include "storage/mem_store.h"
#include "tests/rewards/projection_fixture.h"

namespace timebank::rewards {
namespace {

namespace xpb = ::timebank::rewards::v1;

// ---- the rules ----

rpb::MemberRecord WithPauses(std::vector<WeekRange> pauses, std::vector<int32_t> active = {}) {
  rpb::MemberRecord r;
  for (const WeekRange& p : pauses) {
    rpb::PausedWeeks* w = r.add_streak_pauses();
    w->set_first_week(p.first_week);
    w->set_last_week(p.last_week);
  }
  for (int32_t w : active) r.add_active_weeks(w);
  return r;
}

void ExpectRefused(const absl::StatusOr<std::vector<WeekRange>>& got, absl::StatusCode code,
                   const std::string& field) {
  EXPECT_EQ(got.status().code(), code) << got.status();
  EXPECT_EQ(got.status().message().rfind(field + ": ", 0), 0u) << got.status();
}

TEST(StreakPauseRulesTest, APauseCoversOneToTwelveWeeks) {
  const rpb::MemberRecord none;
  EXPECT_TRUE(WithPause(none, {100, 100}, 100).ok());
  EXPECT_TRUE(WithPause(none, {100, 111}, 100).ok());
  ExpectRefused(WithPause(none, {100, 112}, 100), absl::StatusCode::kInvalidArgument, "weeks");
  ExpectRefused(WithPause(none, {100, 99}, 100), absl::StatusCode::kInvalidArgument, "weeks");
}

TEST(StreakPauseRulesTest, APauseStartsFromTwoWeeksBackToTwentySixAhead) {
  const rpb::MemberRecord none;
  EXPECT_TRUE(WithPause(none, {98, 99}, 100).ok());
  ExpectRefused(WithPause(none, {97, 99}, 100), absl::StatusCode::kInvalidArgument, "starts_on");
  EXPECT_TRUE(WithPause(none, {126, 127}, 100).ok());
  ExpectRefused(WithPause(none, {127, 128}, 100), absl::StatusCode::kInvalidArgument, "starts_on");
}

TEST(StreakPauseRulesTest, PausesMayNotOverlapOrTouchAndAreKeptInOrder) {
  const rpb::MemberRecord one = WithPauses({{104, 106}});
  ExpectRefused(WithPause(one, {105, 108}, 100), absl::StatusCode::kFailedPrecondition,
                "starts_on");
  ExpectRefused(WithPause(one, {107, 108}, 100), absl::StatusCode::kFailedPrecondition,
                "starts_on");  // touching: one pause over the limit
  ExpectRefused(WithPause(one, {101, 103}, 100), absl::StatusCode::kFailedPrecondition,
                "starts_on");
  absl::StatusOr<std::vector<WeekRange>> before = WithPause(one, {100, 102}, 100);
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(*before, (std::vector<WeekRange>{{100, 102}, {104, 106}}));
}

TEST(StreakPauseRulesTest, APauseCannotTakeAWeekThatAlreadyCounts) {
  // Active in week 99 (last week): a pause from 98 would take it away.
  const rpb::MemberRecord active = WithPauses({}, {95, 99});
  ExpectRefused(WithPause(active, {98, 100}, 100), absl::StatusCode::kFailedPrecondition,
                "starts_on");
  EXPECT_TRUE(WithPause(active, {100, 102}, 100).ok());
  // Active this week too: the pause starts next week.
  const rpb::MemberRecord today = WithPauses({}, {99, 100});
  ExpectRefused(WithPause(today, {100, 101}, 100), absl::StatusCode::kFailedPrecondition,
                "starts_on");
  EXPECT_TRUE(WithPause(today, {101, 102}, 100).ok());
}

TEST(StreakPauseRulesTest, AtMostTwelveWeeksArePausedInAnyFiftyTwo) {
  // Ten weeks paused from 60; 52 weeks from 60 end at week 111.
  const rpb::MemberRecord ten = WithPauses({{60, 69}});
  EXPECT_TRUE(WithPause(ten, {100, 101}, 100).ok());  // 12 of 52
  ExpectRefused(WithPause(ten, {100, 102}, 100), absl::StatusCode::kFailedPrecondition, "weeks");
  EXPECT_TRUE(WithPause(ten, {112, 123}, 100).ok());  // a year after the first began
  // The window that starts at the new pause counts the later one too.
  const rpb::MemberRecord later = WithPauses({{120, 129}});
  ExpectRefused(WithPause(later, {100, 102}, 100), absl::StatusCode::kFailedPrecondition, "weeks");
}

TEST(StreakPauseRulesTest, TheStreakAndTheSteadyBadgeSeeThroughAPause) {
  // Active weeks 1 2, paused 3..5, active 6 7: four weeks in a row.
  const rpb::MemberRecord r = WithPauses({{3, 5}}, {1, 2, 6, 7});
  const MemberFacts with = FactsOf(r, 8);
  EXPECT_EQ(with.current_streak_weeks, 4);
  EXPECT_EQ(with.longest_streak_weeks, 4);
  const MemberFacts without = FactsOf(WithPauses({}, {1, 2, 6, 7}), 8);
  EXPECT_EQ(without.longest_streak_weeks, 2);
  const BadgeRule* steady = FindRule(*DefaultBadgeRules(), "steady");
  ASSERT_NE(steady, nullptr);
  EXPECT_TRUE(Holds(*steady, with));
  EXPECT_FALSE(Holds(*steady, without));
}

TEST(StreakPauseRulesTest, AnEarlyEndKeepsThePastWeeksAndACallOffRemovesThePause) {
  const rpb::MemberRecord two = WithPauses({{96, 101}, {110, 111}});
  // Week 100: the first is under way; ended, it keeps weeks 96..99.
  ASSERT_EQ(PauseToEnd(two, 100), (std::optional<WeekRange>{{96, 101}}));
  EXPECT_EQ(WeeksWhenEnded({96, 101}, 100), 4);
  absl::StatusOr<std::vector<WeekRange>> ended = WithPauseEnded(two, 96, 4, 100);
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(*ended, (std::vector<WeekRange>{{96, 99}, {110, 111}}));
  // Week 105: the next planned is called off.
  ASSERT_EQ(PauseToEnd(two, 105), (std::optional<WeekRange>{{110, 111}}));
  absl::StatusOr<std::vector<WeekRange>> off = WithPauseEnded(two, 110, 0, 105);
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_EQ(*off, (std::vector<WeekRange>{{96, 101}}));
  // Nothing under way or planned after week 111; a stale event is refused.
  EXPECT_FALSE(PauseToEnd(two, 112).has_value());
  ExpectRefused(WithPauseEnded(two, 110, 0, 112), absl::StatusCode::kFailedPrecondition,
                "member_id");
  ExpectRefused(WithPauseEnded(two, 96, 3, 100), absl::StatusCode::kFailedPrecondition,
                "member_id");
}

// ---- PauseStreak at its core ----

constexpr uint64_t kOther = 8;  // another community: members 1 to 5 (kC has 1 to 3)

class TwoCommunities final : public LondonPeople {
 public:
  absl::StatusOr<dpb::Member> Member(uint64_t c, uint64_t id) override {
    if ((c != kC && c != kOther) || id < 1 || id > (c == kC ? 3u : 5u)) {
      return absl::NotFoundError(absl::StrCat("member ", id, " is not in community ", c));
    }
    dpb::Member m;
    m.set_community_id(c);
    m.set_id(id);
    return m;
  }
};

class PauseStreakTest : public ::testing::Test {
 protected:
  PauseStreakTest() {
    member_.set_kind(dpb::Principal::KIND_MEMBER);
    member_.set_community_id(kC);
    member_.set_subject_id(1);
    clock_.Set(InWeek(2) + absl::Hours(30));  // Tuesday 2026-01-20
  }
  void SetUp() override {
    ASSERT_TRUE(projection_.Open().ok());
    // The zone is kept once met (not the pause's doing): met before anything is judged.
    ASSERT_TRUE(projection_.zones()->Resolve(kC).ok());
  }

  std::string Dump() {
    std::string out;
    auto it = store_.NewIterator(kRecords, nullptr);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      absl::StrAppend(&out, absl::CHexEscape(std::string(it->key())), " = ",
                      absl::CHexEscape(std::string(it->value())), "\n");
    }
    return out;
  }
  static xpb::PauseStreakRequest Ask(const std::string& starts_on, int weeks, uint64_t c = 0,
                                     uint64_t member = 0) {
    xpb::PauseStreakRequest r;
    r.set_community_id(c);
    r.set_member_id(member);
    r.set_starts_on(starts_on);
    r.set_weeks(weeks);
    return r;
  }
  absl::StatusCode Refused(const xpb::PauseStreakRequest& r, const std::string& field) {
    const std::string before = Dump();
    absl::StatusOr<xpb::StreakPause> out = desk_.Pause(member_, r);
    EXPECT_FALSE(out.ok());
    if (!field.empty()) {
      EXPECT_EQ(out.status().message().rfind(field + ": ", 0), 0u) << out.status();
    }
    EXPECT_EQ(Dump(), before) << "a refused pause wrote something";
    return out.status().code();
  }
  std::string DigestOf() {
    absl::StatusOr<ProjectionDigest> d = projection_.Digest();
    EXPECT_TRUE(d.ok()) << d.status();
    return d.ok() ? d->digest_hex : "";
  }

  storage::MemStore store_{1};
  TwoCommunities people_;
  FakeClock clock_;
  RewardsProjection projection_{&store_, &people_};
  PauseDesk desk_{&projection_, &people_, &clock_};
  AnnotationBook annotations_{&store_, &people_, &clock_};
  RewardsBook book_{&projection_, &annotations_, &people_, &clock_};
  dpb::Principal member_;
};

TEST_F(PauseStreakTest, EachRefusalHasItsCodeNamesItsFieldAndWritesNothing) {
  using C = absl::StatusCode;
  EXPECT_EQ(Refused(Ask("2026-01-26", 0), "weeks"), C::kInvalidArgument);
  EXPECT_EQ(Refused(Ask("2026-01-26", 13), "weeks"), C::kInvalidArgument);
  for (const char* bad : {"", "26/01/2026", "2026-1-26", "2026-02-30", "99999-01-01"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(Refused(Ask(bad, 2), "starts_on"), C::kInvalidArgument);
  }
  EXPECT_EQ(Refused(Ask("2025-12-28", 2), "starts_on"), C::kInvalidArgument);  // 4 weeks back
  EXPECT_EQ(Refused(Ask("2026-09-01", 2), "starts_on"), C::kInvalidArgument);  // 32 ahead
  EXPECT_EQ(Refused(Ask("2026-01-26", 2, kC, 0), "community_id and member_id"),
            C::kInvalidArgument);
  // An unknown member, and a member of another community only: the same NOT_FOUND.
  EXPECT_EQ(Refused(Ask("2026-01-26", 2, kC, 9), ""), C::kNotFound);
  EXPECT_EQ(Refused(Ask("2026-01-26", 2, kC, 5), ""), C::kNotFound);
  ASSERT_TRUE(desk_.Pause(member_, Ask("2026-01-26", 4)).ok());
  EXPECT_EQ(Refused(Ask("2026-02-09", 2), "starts_on"), C::kFailedPrecondition);  // overlaps
  EXPECT_EQ(Refused(Ask("2026-02-23", 2), "starts_on"), C::kFailedPrecondition);  // touches
  ASSERT_TRUE(desk_.Pause(member_, Ask("2026-03-09", 8)).ok());                   // 12 of 52
  EXPECT_EQ(Refused(Ask("2026-06-01", 1), "weeks"), C::kFailedPrecondition);
}

TEST_F(PauseStreakTest, APauseIsAnsweredShownInTheSummaryAndARetryWritesNothing) {
  absl::StatusOr<xpb::StreakPause> p = desk_.Pause(member_, Ask("2026-01-28", 3));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->first_week(), "2026-01-26");  // the Monday of the week asked for
  EXPECT_EQ(p->weeks(), 3);
  EXPECT_EQ(p->resumes_on(), "2026-02-16");
  const std::string after = Dump();
  absl::StatusOr<xpb::StreakPause> again = desk_.Pause(member_, Ask("2026-01-26", 3));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->SerializeAsString(), p->SerializeAsString());
  EXPECT_EQ(Dump(), after);
  absl::StatusOr<xpb::MemberSummary> s = book_.MemberSummary(member_, 0, 0);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->streak_pauses_size(), 1);
  EXPECT_EQ(s->streak_pauses(0).SerializeAsString(), p->SerializeAsString());
  // A coordinator pauses for member 2 (the access rule lets only them name another).
  dpb::Principal coordinator = member_;
  coordinator.set_subject_id(3);
  EXPECT_TRUE(desk_.Pause(coordinator, Ask("2026-01-19", 1, kC, 2)).ok());
}

TEST_F(PauseStreakTest, EndingAPauseEarlyOrCallingOneOffAndNothingToEnd) {
  xpb::EndStreakPauseRequest mine;
  std::string before = Dump();
  absl::StatusOr<xpb::StreakPause> none = desk_.End(member_, mine);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kFailedPrecondition) << none.status();
  EXPECT_EQ(none.status().message().rfind("member_id: ", 0), 0u) << none.status();
  EXPECT_EQ(Dump(), before) << "a refused end wrote something";
  xpb::EndStreakPauseRequest unknown;
  unknown.set_community_id(kC);
  unknown.set_member_id(5);  // only in the other community
  EXPECT_EQ(desk_.End(member_, unknown).status().code(), absl::StatusCode::kNotFound);
  // Planned from next week: called off.
  ASSERT_TRUE(desk_.Pause(member_, Ask("2026-01-26", 2)).ok());
  absl::StatusOr<xpb::StreakPause> off = desk_.End(member_, mine);
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_EQ(off->weeks(), 0);
  EXPECT_EQ(off->first_week(), "2026-01-26");
  absl::StatusOr<xpb::MemberSummary> s = book_.MemberSummary(member_, 0, 0);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->streak_pauses_size(), 0);
  // From last week, under way: ended, last week stays paused.
  ASSERT_TRUE(desk_.Pause(member_, Ask("2026-01-12", 4)).ok());
  absl::StatusOr<xpb::StreakPause> ended = desk_.End(member_, mine);
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(ended->weeks(), 1);
  EXPECT_EQ(ended->resumes_on(), "2026-01-19");
  s = book_.MemberSummary(member_, 0, 0);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->streak_pauses_size(), 1);
  EXPECT_EQ(s->streak_pauses(0).SerializeAsString(), ended->SerializeAsString());
  before = Dump();
  EXPECT_EQ(desk_.End(member_, mine).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Dump(), before);
}

TEST_F(PauseStreakTest, APausedStreakKeepsItsWeeksAndARebuildReachesTheSameDigest) {
  Journal journal;
  journal.Exchange(1, 2, 60, 0);
  journal.Exchange(1, 2, 60, 1);
  ASSERT_TRUE(projection_.Apply(journal.entries()).ok());
  // Paused weeks 2..5 (from this week), then active in weeks 6 and 7.
  ASSERT_TRUE(desk_.Pause(member_, Ask("2026-01-19", 4)).ok());
  // Member 2 pauses too, and ends it early in week 3 (week 2 stays paused).
  dpb::Principal two = member_;
  two.set_subject_id(2);
  ASSERT_TRUE(desk_.Pause(two, Ask("2026-01-19", 6)).ok());
  clock_.Set(InWeek(3));
  ASSERT_TRUE(desk_.End(two, xpb::EndStreakPauseRequest()).ok());
  journal.Exchange(1, 3, 60, 6);
  journal.Exchange(1, 3, 60, 7);
  ASSERT_TRUE(projection_.Apply(journal.entries()).ok());
  clock_.Set(InWeek(8));
  absl::StatusOr<xpb::MemberSummary> s = book_.MemberSummary(member_, 0, 0);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->current_streak_weeks(), 4);
  EXPECT_EQ(s->longest_streak_weeks(), 4);
  absl::StatusOr<MemberBadges> badges = ReadMemberBadges(&store_, nullptr, kC, 1);
  ASSERT_TRUE(badges.ok());
  ASSERT_NE(badges->Find("steady"), nullptr);
  EXPECT_TRUE(badges->Find("steady")->awarded());
  const std::string live = DigestOf();
  ASSERT_TRUE(projection_.Wipe().ok());
  ASSERT_TRUE(projection_.Apply(journal.entries()).ok());
  EXPECT_EQ(DigestOf(), live);
  std::string bytes;
  auto stored = store_.Get(kRecords, MemberKey(kC, 1), &bytes, nullptr);
  ASSERT_TRUE(stored.ok() && *stored);
  rpb::MemberRecord record;
  ASSERT_TRUE(record.ParseFromString(bytes));
  EXPECT_EQ(record.streak_pauses_size(), 1) << "replayed once, not twice";
  ASSERT_TRUE(store_.Get(kRecords, MemberKey(kC, 2), &bytes, nullptr).ok());
  ASSERT_TRUE(record.ParseFromString(bytes));
  ASSERT_EQ(record.streak_pauses_size(), 1);
  EXPECT_EQ(record.streak_pauses(0).last_week(), record.streak_pauses(0).first_week());
}

}  // namespace
}  // namespace timebank::rewards
