// Streaks (services/rewards/analysis/streaks.h): the grace rule's examples from the
// header, pauses and their limit, milestones, and the incremental StreakState against
// the week-by-week specification over many random histories.
#include "services/rewards/analysis/streaks.h"

#include <cstdint>
#include <random>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace timebank::rewards {
namespace {

struct StreakCase {
  std::vector<int32_t> active;
  std::vector<WeekRange> pauses;
  int32_t current_week;
  int32_t current_weeks;
  int32_t longest_weeks;
};

// Both forms, so every example checks the incremental one too.
void ExpectStreak(const StreakCase& c) {
  const StreakSummary full = ComputeStreak(c.active, c.pauses, c.current_week);
  EXPECT_EQ(full.current_weeks, c.current_weeks) << "current week " << c.current_week;
  EXPECT_EQ(full.longest_weeks, c.longest_weeks) << "current week " << c.current_week;
  EXPECT_EQ(StreakState::FromHistory(c.active, c.pauses).SummaryAt(c.current_week), full);
}

TEST(StreakGraceTest, TheHeadersExamples) {
  ExpectStreak({{1, 2, 4, 5}, {}, 6, 4, 4});
  ExpectStreak({{1, 3}, {}, 4, 2, 2});
  ExpectStreak({{1, 3, 5}, {}, 6, 1, 2});
  ExpectStreak({{1, 2, 3, 4, 6, 7, 8, 10}, {}, 11, 8, 8});
  ExpectStreak({{1, 2, 3, 4, 6, 8}, {}, 9, 1, 5});
  ExpectStreak({{1, 4}, {}, 5, 1, 1});
  ExpectStreak({{1, 2, 6}, {{3, 5}}, 7, 3, 3});
}

TEST(StreakGraceTest, TheCurrentWeekIsUnderWayAndAnEndedStreakIsZero) {
  ExpectStreak({{1, 2}, {}, 2, 2, 2});
  ExpectStreak({{1, 2}, {}, 3, 2, 2});
  ExpectStreak({{1, 2}, {}, 4, 2, 2});  // week 3 forgiven, week 4 under way
  ExpectStreak({{1, 2}, {}, 5, 0, 2});  // week 4 a second miss: ended, nothing negative
  const StreakSummary ended = ComputeStreak(std::vector<int32_t>{1, 2}, {}, 5);
  EXPECT_EQ(ended.current_start_week, kNoWeek);
  EXPECT_EQ(ended.milestones_mask, 0);
  ExpectStreak({{}, {}, 10, 0, 0});
}

TEST(StreakGraceTest, MissesFourApartAreBothForgivenThreeApartAreNot) {
  ExpectStreak({{1, 2, 3, 5, 6, 7, 9, 10}, {}, 11, 8, 8});
  ExpectStreak({{1, 2, 3, 5, 6, 8, 9}, {}, 10, 2, 5});
}

TEST(StreakGraceTest, TheCurrentStreakStartsAtItsFirstActiveWeek) {
  const StreakSummary s = ComputeStreak(std::vector<int32_t>{1, 3, 5, 6, 8}, {}, 9);
  EXPECT_EQ(s.current_weeks, 3);
  EXPECT_EQ(s.current_start_week, 5);
  EXPECT_EQ(s.longest_weeks, 3);
}

TEST(StreakPauseTest, PausedWeeksNeitherCountNorBreak) {
  ExpectStreak({{1, 2, 6}, {}, 7, 1, 2});           // without the pause: weeks 3, 4 missed
  ExpectStreak({{1, 2, 4, 6}, {{3, 5}}, 7, 3, 3});  // activity in a paused week is not counted
  ExpectStreak({{1, 2}, {{3, 14}}, 15, 2, 2});      // a twelve-week pause, still alive
  ExpectStreak({{1, 2}, {{3, 14}}, 16, 2, 2});      // week 15 forgiven
  ExpectStreak({{1, 2}, {{3, 14}}, 17, 0, 2});      // week 16 a second miss
  // Paused weeks are left out of the grace window too: with week 5 paused, the misses
  // in weeks 3 and 6 are two unpaused weeks apart, so week 6 ends the streak.
  ExpectStreak({{1, 2, 4, 7}, {{5, 5}}, 8, 1, 3});
}

TEST(StreakPauseTest, APauseCoversAtMostTwelveWeeks) {
  EXPECT_TRUE(ValidatePauses({{3, 14}}).ok());
  const absl::Status thirteen = ValidatePauses({{3, 15}});
  EXPECT_EQ(thirteen.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(thirteen.message().find("pauses[0].last_week"), absl::string_view::npos)
      << thirteen.message();
  EXPECT_NE(thirteen.message().find("13"), absl::string_view::npos) << thirteen.message();
}

TEST(StreakPauseTest, PausesAreOrderedAndDoNotTouch) {
  EXPECT_TRUE(ValidatePauses({{1, 3}, {5, 6}}).ok());
  const absl::Status touching = ValidatePauses({{1, 3}, {4, 6}});
  EXPECT_EQ(touching.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(touching.message().find("pauses[1].first_week"), absl::string_view::npos);
  EXPECT_EQ(ValidatePauses({{5, 6}, {1, 3}}).code(), absl::StatusCode::kInvalidArgument);
  const absl::Status backwards = ValidatePauses({{1, 3}, {9, 8}});
  EXPECT_NE(backwards.message().find("pauses[1].last_week"), absl::string_view::npos);
}

TEST(StreakPauseTest, ActiveWeeksAreSortedUniqueAndNotInTheFuture) {
  EXPECT_TRUE(ValidateActiveWeeks(std::vector<int32_t>{1, 2, 5}, 5).ok());
  const absl::Status repeated = ValidateActiveWeeks(std::vector<int32_t>{1, 2, 2}, 5);
  EXPECT_EQ(repeated.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(repeated.message().find("active_weeks[2]"), absl::string_view::npos);
  const absl::Status future = ValidateActiveWeeks(std::vector<int32_t>{1, 6}, 5);
  EXPECT_NE(future.message().find("active_weeks[1]"), absl::string_view::npos);
}

TEST(StreakMilestoneTest, MilestonesAreReachedAt4_8_13_26And52Weeks) {
  EXPECT_EQ(MilestonesReached(3), 0);
  EXPECT_EQ(MilestonesReached(4), 0b1);
  EXPECT_EQ(MilestonesReached(12), 0b11);
  EXPECT_EQ(MilestonesReached(13), 0b111);
  EXPECT_EQ(MilestonesReached(52), 0b11111);
  StreakState state;
  std::vector<int32_t> reached;
  for (int32_t week = 100; week < 160; ++week) {
    if (week == 110) continue;  // forgiven: it does not add to the streak
    if (const int32_t m = state.Add(week); m != 0) reached.push_back(week);
  }
  EXPECT_EQ(reached, (std::vector<int32_t>{103, 107, 113, 126, 152}));
  EXPECT_EQ(state.SummaryAt(160).milestones_mask, 0b11111);
}

TEST(StreakStateTest, RefusesEventsItCannotTakeInOrder) {
  StreakState state;
  state.Add(5);
  EXPECT_FALSE(state.AcceptsWeek(4));
  EXPECT_TRUE(state.AcceptsWeek(5));  // a second activity in the same week
  EXPECT_EQ(state.Add(5), 0);
  EXPECT_FALSE(state.AcceptsPause({5, 7}));   // week 5 is already counted
  EXPECT_FALSE(state.AcceptsPause({6, 18}));  // thirteen weeks
  EXPECT_TRUE(state.AcceptsPause({6, 17}));
  state.Pause({6, 17});
  EXPECT_FALSE(state.AcceptsPause({18, 20}));  // touches the last pause
  EXPECT_EQ(state.SummaryAt(18).current_weeks, 1);
  static_assert(sizeof(StreakState) <= 36, "the projection keeps one per member");
}

// Events in week order, as the projection sees them: each week maybe a pause is
// recorded (only once the last has ended), then maybe activity. After every week the
// incremental summary must equal the specification's, and the milestones Add reported
// for the current streak must be exactly the ones it has reached.
TEST(StreakStateTest, IncrementalEqualsFullOverRandomHistories) {
  std::mt19937 rng(13);
  const double activity_rates[] = {0.3, 0.6, 0.8, 0.95};
  for (int history = 0; history < 3000; ++history) {
    StreakState state;
    std::vector<int32_t> active;
    std::vector<WeekRange> pauses;
    const double rate = activity_rates[history % 4];
    const int32_t first = static_cast<int32_t>(rng() % 2000) - 1000;
    const int32_t weeks = 1 + static_cast<int32_t>(rng() % 120);
    int32_t tracked_start = kNoWeek;
    uint8_t reported = 0;
    for (int32_t week = first; week < first + weeks; ++week) {
      if ((pauses.empty() || pauses.back().last_week < week) && rng() % 100 < 6) {
        const int32_t start = week + static_cast<int32_t>(rng() % 3);
        const WeekRange pause = {start, start + static_cast<int32_t>(rng() % kPauseWeeksMax)};
        std::vector<WeekRange> with = pauses;
        with.push_back(pause);
        if (ValidatePauses(with).ok()) {
          ASSERT_TRUE(state.AcceptsPause(pause));
          state.Pause(pause);
          pauses = with;
        }
      }
      int32_t milestone = 0;
      if (std::uniform_real_distribution<double>(0, 1)(rng) < rate) {
        active.push_back(week);
        ASSERT_TRUE(state.AcceptsWeek(week));
        milestone = state.Add(week);
        if (rng() % 4 == 0) ASSERT_EQ(state.Add(week), 0);  // more activity that week
      }
      const StreakSummary full = ComputeStreak(active, pauses, week);
      ASSERT_EQ(state.SummaryAt(week), full) << "history " << history << " week " << week;
      if (full.current_start_week != tracked_start) {
        tracked_start = full.current_start_week;
        reported = 0;
      }
      for (size_t i = 0; i < kStreakMilestonesWeeks.size(); ++i) {
        if (milestone == kStreakMilestonesWeeks[i]) reported |= static_cast<uint8_t>(1u << i);
      }
      ASSERT_EQ(reported, full.milestones_mask) << "history " << history << " week " << week;
    }
    const int32_t later = first + weeks + static_cast<int32_t>(rng() % 5);
    ASSERT_EQ(StreakState::FromHistory(active, pauses).SummaryAt(later),
              ComputeStreak(active, pauses, later));
  }
}

}  // namespace
}  // namespace timebank::rewards
