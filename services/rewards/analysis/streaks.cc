#include "services/rewards/analysis/streaks.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "storage/check.h"

namespace timebank::rewards {
namespace {

absl::Status PauseError(size_t i, const char* field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("pauses[", i, "].", field, ": ", why));
}

absl::Status ValidatePause(WeekRange pause, size_t i) {
  if (pause.first_week == kNoWeek) return PauseError(i, "first_week", "out of range");
  if (pause.last_week < pause.first_week) {
    return PauseError(i, "last_week", "before first_week");
  }
  if (pause.weeks() > kPauseWeeksMax) {
    return PauseError(i, "last_week",
                      absl::StrCat("a pause covers at most ", kPauseWeeksMax, " weeks, this one ",
                                   pause.weeks()));
  }
  return absl::OkStatus();
}

// Pauses may not touch: two back to back would be one pause over the limit.
bool StartsAfterWithGap(WeekRange later, WeekRange earlier) {
  return static_cast<int64_t>(later.first_week) >= static_cast<int64_t>(earlier.last_week) + 2;
}

}  // namespace

absl::Status ValidatePauses(absl::Span<const WeekRange> pauses) {
  for (size_t i = 0; i < pauses.size(); ++i) {
    TB_RETURN_IF_ERROR(ValidatePause(pauses[i], i));
    if (i > 0 && !StartsAfterWithGap(pauses[i], pauses[i - 1])) {
      return PauseError(i, "first_week",
                        absl::StrCat("must start at least one week after pauses[", i - 1,
                                     "] ends (pauses are sorted and do not touch)"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateActiveWeeks(absl::Span<const int32_t> active_weeks, int32_t current_week) {
  for (size_t i = 0; i < active_weeks.size(); ++i) {
    if (active_weeks[i] == kNoWeek) {
      return absl::InvalidArgumentError(absl::StrCat("active_weeks[", i, "]: out of range"));
    }
    if (i > 0 && active_weeks[i] <= active_weeks[i - 1]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "active_weeks[", i, "]: not after active_weeks[", i - 1, "] (sorted, unique)"));
    }
    if (active_weeks[i] > current_week) {
      return absl::InvalidArgumentError(
          absl::StrCat("active_weeks[", i, "]: after current_week ", current_week));
    }
  }
  return absl::OkStatus();
}

uint8_t MilestonesReached(int32_t streak_weeks) {
  uint8_t mask = 0;
  for (size_t i = 0; i < kStreakMilestonesWeeks.size(); ++i) {
    if (streak_weeks >= kStreakMilestonesWeeks[i]) mask |= static_cast<uint8_t>(1u << i);
  }
  return mask;
}

// Week by week, the rule as the header states it.
StreakSummary ComputeStreak(absl::Span<const int32_t> active_weeks,
                            absl::Span<const WeekRange> pauses, int32_t current_week) {
  TB_CHECK(ValidateActiveWeeks(active_weeks, current_week).ok());
  TB_CHECK(ValidatePauses(pauses).ok());
  StreakSummary s;
  if (active_weeks.empty()) return s;
  size_t a = 0, p = 0;
  int64_t ordinal = 0, forgiven = kNoOrdinal;
  for (int64_t w = active_weeks[0]; w <= current_week; ++w) {
    while (p < pauses.size() && pauses[p].last_week < w) ++p;
    const bool active = a < active_weeks.size() && active_weeks[a] == w;
    if (active) ++a;
    if (p < pauses.size() && pauses[p].first_week <= w) continue;
    ++ordinal;
    if (active) {
      if (s.current_weeks == 0) {
        s.current_start_week = static_cast<int32_t>(w);
        forgiven = kNoOrdinal;
      }
      ++s.current_weeks;
      s.longest_weeks = std::max(s.longest_weeks, s.current_weeks);
    } else if (w < current_week && s.current_weeks > 0) {
      if (GraceForgives(ordinal, forgiven)) {
        forgiven = ordinal;
      } else {
        s.current_weeks = 0;
        s.current_start_week = kNoWeek;
      }
    }
  }
  s.milestones_mask = MilestonesReached(s.current_weeks);
  return s;
}

StreakState StreakState::FromHistory(absl::Span<const int32_t> active_weeks,
                                     absl::Span<const WeekRange> pauses) {
  StreakState state;
  size_t a = 0;
  for (const WeekRange& pause : pauses) {
    for (; a < active_weeks.size() && active_weeks[a] < pause.first_week; ++a) {
      state.Add(active_weeks[a]);
    }
    state.Pause(pause);
  }
  for (; a < active_weeks.size(); ++a) state.Add(active_weeks[a]);
  return state;
}

bool StreakState::InPause(int32_t week) const {
  return pause_.first_week != kNoWeek && week >= pause_.first_week && week <= pause_.last_week;
}

bool StreakState::AcceptsWeek(int32_t week) const {
  if (week == kNoWeek) return false;
  if (week > accounted_week_) return true;
  // The week already folded in again: a second activity in it changes nothing.
  return week == accounted_week_ && (week == last_active_week_ || InPause(week));
}

bool StreakState::AcceptsPause(WeekRange pause) const {
  if (!ValidatePause(pause, 0).ok() || pause.first_week <= accounted_week_) return false;
  return pause_.first_week == kNoWeek || StartsAfterWithGap(pause, pause_);
}

void StreakState::EndStreak() {
  current_weeks_ = 0;
  current_start_week_ = kNoWeek;
  forgiven_ordinal_ = -1;
}

void StreakState::FoldMisses(int32_t from_week, int32_t to_week) {
  if (current_weeks_ == 0) return;  // misses outside a streak change nothing
  int64_t misses = static_cast<int64_t>(to_week) - from_week - 1;
  if (pause_.first_week != kNoWeek) {
    const int64_t lo = std::max<int64_t>(pause_.first_week, static_cast<int64_t>(from_week) + 1);
    const int64_t hi = std::min<int64_t>(pause_.last_week, static_cast<int64_t>(to_week) - 1);
    if (hi >= lo) misses -= hi - lo + 1;
  }
  if (misses <= 0) return;
  // Misses with no activity between them are consecutive: a second one is always
  // within the grace window of the first.
  const int64_t first_miss = static_cast<int64_t>(ordinal_) + 1;
  const int64_t forgiven = forgiven_ordinal_ < 0 ? kNoOrdinal : forgiven_ordinal_;
  if (misses == 1 && GraceForgives(first_miss, forgiven)) {
    forgiven_ordinal_ = static_cast<int32_t>(first_miss);
    ordinal_ = static_cast<int32_t>(first_miss);
    return;
  }
  EndStreak();
}

int32_t StreakState::Add(int32_t week) {
  TB_CHECK(AcceptsWeek(week));
  if (week == accounted_week_) return 0;
  FoldMisses(accounted_week_, week);
  accounted_week_ = week;
  if (InPause(week)) return 0;
  if (current_weeks_ == 0) {
    current_start_week_ = week;
    ordinal_ = 0;
    forgiven_ordinal_ = -1;
  } else {
    ++ordinal_;
  }
  ++current_weeks_;
  longest_weeks_ = std::max(longest_weeks_, current_weeks_);
  last_active_week_ = week;
  for (int32_t milestone : kStreakMilestonesWeeks) {
    if (current_weeks_ == milestone) return milestone;
  }
  return 0;
}

void StreakState::Pause(WeekRange pause) {
  TB_CHECK(AcceptsPause(pause));
  if (pause_.first_week != kNoWeek && pause_.last_week > accounted_week_) {
    FoldMisses(accounted_week_, pause_.last_week + 1);
    accounted_week_ = pause_.last_week;
  }
  pause_ = pause;
}

StreakSummary StreakState::SummaryAt(int32_t current_week) const {
  TB_CHECK(accounted_week_ == kNoWeek || current_week >= accounted_week_);
  StreakState now = *this;
  now.FoldMisses(accounted_week_, current_week);
  StreakSummary s;
  s.current_weeks = now.current_weeks_;
  s.current_start_week = now.current_start_week_;
  s.longest_weeks = longest_weeks_;
  s.milestones_mask = MilestonesReached(s.current_weeks);
  return s;
}

}  // namespace timebank::rewards
