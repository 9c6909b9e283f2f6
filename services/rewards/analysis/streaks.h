// Streaks: consecutive weeks with any activity (weeks.h numbering), never days, because
// care and volunteering are not daily habits. A streak forgives a missed week, can be
// paused, and never shames: when it ends the current streak is simply 0.
//
// The grace rule, precisely. Take the member's weeks in order, leaving out paused
// weeks entirely (they neither count nor break a streak, even if there was activity in
// them). A streak starts at an active week. A missed week inside a streak is forgiven
// when no other forgiven week lies within the previous three (unpaused) weeks, i.e. any
// four consecutive weeks of a streak hold at most one missed week; a missed week that
// cannot be forgiven ends the streak, and the next active week starts a new one. A
// forgiven week keeps the streak alive but does not add to it: the streak's length is
// its number of active weeks. The current week is still under way, so not having been
// active in it yet never ends a streak. Examples, each judged in the week after its
// last active week (active weeks: current streak, longest streak):
//   1 2 4 5                4, 4   week 3 forgiven
//   1 3                    2, 2   week 2 forgiven
//   1 3 5                  1, 2   week 2 forgiven; week 4 is a second miss within four
//                                 weeks, so the streak 1-3 ends and 5 starts a new one
//   1 2 3 4 6 7 8 10       8, 8   weeks 5 and 9 are four apart: both forgiven
//   1 2 3 4 6 8            1, 5   week 5 forgiven, week 7 is only two after it
//   1 4                    1, 1   weeks 2 and 3 are two misses in a row
//   1 2, pause 3-5, 6      3, 3   the paused weeks are left out: 2 and 6 are adjacent
// With current week 4 and active weeks 1 2: week 3 is forgiven, week 4 is under way,
// the streak is 2. With current week 5 the second miss (week 4) has ended it: 0.
//
// A pause covers 1 to kPauseWeeksMax weeks; pauses are sorted and separated by at
// least one unpaused week, so chaining them cannot make a longer one.
//
// Two forms giving the same answers: ComputeStreak from the full history (the
// specification), and StreakState, a 36-byte fold the projection keeps per member and
// advances as activity arrives; a randomized test checks them against each other.
#ifndef TIMEBANK_SERVICES_REWARDS_ANALYSIS_STREAKS_H_
#define TIMEBANK_SERVICES_REWARDS_ANALYSIS_STREAKS_H_

#include <array>
#include <cstdint>
#include <limits>

#include "absl/status/status.h"
#include "absl/types/span.h"

namespace timebank::rewards {

inline constexpr int32_t kPauseWeeksMax = 12;
// Any this many consecutive weeks of a streak hold at most one forgiven week.
inline constexpr int32_t kGraceWindowWeeks = 4;
// Streak lengths (active weeks) that are recognised with a streak-milestone event.
inline constexpr std::array<int32_t, 5> kStreakMilestonesWeeks = {4, 8, 13, 26, 52};
inline constexpr int32_t kNoWeek = std::numeric_limits<int32_t>::min();

struct WeekRange {
  int32_t first_week;
  int32_t last_week;  // inclusive

  // How many weeks it covers (0 or less for an empty range); 64 bits, so no range of
  // 32-bit week numbers overflows.
  int64_t weeks() const { return int64_t{last_week} - first_week + 1; }
  friend bool operator==(const WeekRange&, const WeekRange&) = default;
};

// INVALID_ARGUMENT naming the field ("pauses[2].last_week: ...") unless every pause
// covers 1..kPauseWeeksMax weeks and each starts at least two weeks after the one
// before it ends.
absl::Status ValidatePauses(absl::Span<const WeekRange> pauses);
// INVALID_ARGUMENT naming the field unless the weeks are strictly increasing and none
// is after current_week.
absl::Status ValidateActiveWeeks(absl::Span<const int32_t> active_weeks, int32_t current_week);

// Whether a week missed at position miss_ordinal (counting unpaused weeks) can be
// forgiven when the streak's last forgiven week was at forgiven_ordinal (kNoOrdinal:
// none yet).
inline constexpr int64_t kNoOrdinal = std::numeric_limits<int64_t>::min();
constexpr bool GraceForgives(int64_t miss_ordinal, int64_t forgiven_ordinal) {
  return forgiven_ordinal == kNoOrdinal || miss_ordinal - forgiven_ordinal >= kGraceWindowWeeks;
}

// Bit i set: a streak of streak_weeks has reached kStreakMilestonesWeeks[i].
uint8_t MilestonesReached(int32_t streak_weeks);

struct StreakSummary {
  int32_t current_weeks = 0;             // 0 when no streak is alive: nothing negative is reported
  int32_t current_start_week = kNoWeek;  // the current streak's first active week
  int32_t longest_weeks = 0;
  uint8_t milestones_mask = 0;  // MilestonesReached(current_weeks)

  friend bool operator==(const StreakSummary&, const StreakSummary&) = default;
};

// The specification. Requires ValidateActiveWeeks and ValidatePauses to pass (checked).
// O(weeks from the first active week to current_week).
StreakSummary ComputeStreak(absl::Span<const int32_t> active_weeks,
                            absl::Span<const WeekRange> pauses, int32_t current_week);

// The incremental form. Events must arrive in week order: Add(week) for each week with
// activity, Pause(range) when a pause is recorded. It assumes the weeks up to the end of
// the previous pause are final when a new pause is recorded (a member starts a new pause
// only once the last has ended). An event it cannot take in order (AcceptsWeek or
// AcceptsPause false: activity recorded late for an earlier week, a reversal, a pause
// over weeks already counted) means the projection rebuilds it from the stored weeks
// with FromHistory.
class StreakState {
 public:
  static StreakState FromHistory(absl::Span<const int32_t> active_weeks,
                                 absl::Span<const WeekRange> pauses);

  bool AcceptsWeek(int32_t week) const;
  // Returns the milestone (kStreakMilestonesWeeks) this week made the streak reach, or 0.
  int32_t Add(int32_t week);
  bool AcceptsPause(WeekRange pause) const;
  void Pause(WeekRange pause);

  // The summary with current_week under way; current_week >= every week added.
  StreakSummary SummaryAt(int32_t current_week) const;

 private:
  bool InPause(int32_t week) const;
  // Folds in the unpaused weeks strictly between from_week and to_week, all missed.
  void FoldMisses(int32_t from_week, int32_t to_week);
  void EndStreak();

  int32_t accounted_week_ = kNoWeek;  // every week up to this one is folded in
  int32_t last_active_week_ = kNoWeek;
  int32_t ordinal_ = 0;            // unpaused weeks from the streak's first week to accounted_week_
  int32_t forgiven_ordinal_ = -1;  // -1: no forgiven week in the current streak
  int32_t current_weeks_ = 0;
  int32_t current_start_week_ = kNoWeek;
  int32_t longest_weeks_ = 0;
  WeekRange pause_ = {kNoWeek, kNoWeek};  // the latest pause; none while first is kNoWeek
};

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_ANALYSIS_STREAKS_H_
