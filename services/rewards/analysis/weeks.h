// Week and month numbering for the rewards projection: every weekly or monthly
// aggregate, streak and dashboard series is keyed by one of these small integers, so a
// series is a dense array and "the last 13 weeks" is a subtraction.
//
// Weeks are counted in the community's time zone and start on Monday at 00:00 local
// time (ISO 8601 weeks). Week 0 is the week of Monday 1970-01-05, the first Monday of
// the Unix epoch; earlier days have negative weeks. A week is a run of 7 civil days, so
// a week with a daylight-saving change is 167 or 169 hours long and still one week.
// Month 0 is January 1970.
#ifndef TIMEBANK_SERVICES_REWARDS_ANALYSIS_WEEKS_H_
#define TIMEBANK_SERVICES_REWARDS_ANALYSIS_WEEKS_H_

#include <cstdint>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace timebank::rewards {

// The Monday that starts week 0.
inline constexpr absl::CivilDay kWeekZeroMonday(1970, 1, 5);
inline constexpr int32_t kDaysPerWeek = 7;

// The week that contains day / the instant t seen in tz.
int32_t WeekOfDay(absl::CivilDay day);
int32_t WeekIndex(absl::Time t, absl::TimeZone tz);
// The Monday that starts `week` (the inverse of WeekOfDay).
absl::CivilDay WeekStart(int32_t week);
// The first instant of `week` in tz (local Monday 00:00, or the first instant of that
// day when a daylight-saving change skips midnight).
absl::Time WeekStartTime(int32_t week, absl::TimeZone tz);
// The first week that starts on or after `day`: a change annotated on a Wednesday is
// judged from the following Monday's week, the first week wholly after it.
int32_t FirstWeekStartingOnOrAfter(absl::CivilDay day);

// Months since January 1970 (negative before it), in tz.
int32_t MonthOfDay(absl::CivilDay day);
int32_t MonthIndex(absl::Time t, absl::TimeZone tz);
// The month numbered `month` (the inverse of MonthIndex).
absl::CivilMonth MonthStart(int32_t month);
// The first month that starts on or after `day` (as FirstWeekStartingOnOrAfter).
int32_t FirstMonthStartingOnOrAfter(absl::CivilDay day);

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_ANALYSIS_WEEKS_H_
