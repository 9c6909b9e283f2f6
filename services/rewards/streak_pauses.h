// Streak pauses: a member stops their streak's clock for 1 to 12 weeks (illness,
// caring, a holiday), and the paused weeks neither count towards nor break it
// (analysis/streaks.h). A pause can be ended early (weeks already past stay paused)
// or called off before it begins. This file holds the rules a new pause must meet and
// the PauseDesk that answers PauseStreak and EndStreakPause. A pause is a RecognitionEvent
// (decision 0014): the projection checks the rules again when it applies the event, at the event's
// own time, so a rebuild accepts and refuses exactly what the live projection did.
#ifndef TIMEBANK_SERVICES_REWARDS_STREAK_PAUSES_H_
#define TIMEBANK_SERVICES_REWARDS_STREAK_PAUSES_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "services/common/clock.h"
#include "services/common/peers.h"
#include "services/rewards/analysis/streaks.h"
#include "services/rewards/projection.h"
#include "timebank/directory/v1/auth.pb.h"
#include "timebank/rewards/v1/rewards.pb.h"
#include "timebank/rewards/v1/rewards_records.pb.h"

namespace timebank::rewards {

struct PauseLimits {
  // A pause may start up to two weeks back: with one missed week forgiven, a member
  // who asks a week or two late still keeps their streak.
  static constexpr int32_t kStartWeeksBackMax = 2;
  // ... and up to half a year ahead (a planned operation, a long holiday).
  static constexpr int32_t kStartWeeksAheadMax = 26;
  // Any 52 consecutive weeks hold at most 12 paused weeks: a pause is a break, not a
  // way to keep a streak alive for ever.
  static constexpr int32_t kYearWeeks = 52;
  static constexpr int32_t kPausedWeeksPerYearMax = 12;
};
static_assert(PauseLimits::kPausedWeeksPerYearMax >= kPauseWeeksMax,
              "one pause of the longest kind fits in a year");

// The member's stored pauses (sorted, apart).
std::vector<WeekRange> PausesOf(const ::timebank::rewards::v1::MemberRecord& record);

// The pauses with `pause` added, in order, when it meets every rule judged in
// this_week; `record`'s active weeks show which weeks already count. Errors name the
// PauseStreak field: INVALID_ARGUMENT for weeks out of 1..12 or a start too far back
// or ahead; FAILED_PRECONDITION for a pause that overlaps or touches another, covers a
// week already counted (this week or before), or takes a year over its paused weeks.
absl::StatusOr<std::vector<WeekRange>> WithPause(
    const ::timebank::rewards::v1::MemberRecord& record, WeekRange pause, int32_t this_week);

// The pause an early end applies to in this_week: the one under way, else the next
// planned; nullopt when there is neither.
std::optional<WeekRange> PauseToEnd(const ::timebank::rewards::v1::MemberRecord& record,
                                    int32_t this_week);
// The weeks the pause from first_week lasts once ended in this_week: those before
// this_week (0: called off).
int32_t WeeksWhenEnded(WeekRange pause, int32_t this_week);
// The pauses with the one from first_week ended in this_week (left out when called
// off). FAILED_PRECONDITION naming member_id unless PauseToEnd is that pause and
// `weeks` is WeeksWhenEnded (the event was judged on the same state).
absl::StatusOr<std::vector<WeekRange>> WithPauseEnded(
    const ::timebank::rewards::v1::MemberRecord& record, int32_t first_week, int32_t weeks,
    int32_t this_week);

// The API's form of a pause (Mondays, YYYY-MM-DD).
::timebank::rewards::v1::StreakPause ToStreakPause(WeekRange pause);

class PauseDesk {
 public:
  PauseDesk(RewardsProjection* projection, People* people, const Clock* clock)
      : projection_(projection), people_(people), clock_(clock) {}

  // The member themself, or (the access rule sees to it) a coordinator or admin of the
  // community. NOT_FOUND for a member not in the community.
  absl::StatusOr<::timebank::rewards::v1::StreakPause> Pause(
      const ::timebank::directory::v1::Principal& caller,
      const ::timebank::rewards::v1::PauseStreakRequest& req);
  // Ends the pause under way or calls off the next planned (PauseToEnd).
  absl::StatusOr<::timebank::rewards::v1::StreakPause> End(
      const ::timebank::directory::v1::Principal& caller,
      const ::timebank::rewards::v1::EndStreakPauseRequest& req);

 private:
  // The member's stored record as committed now (empty if none).
  absl::StatusOr<::timebank::rewards::v1::MemberRecord> StoredRecord(uint64_t c, uint64_t member);

  RewardsProjection* const projection_;
  People* const people_;
  const Clock* const clock_;
};

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_STREAK_PAUSES_H_
