#include "services/rewards/analysis/weeks.h"

#include <cstdint>
#include <limits>

#include "storage/check.h"

namespace timebank::rewards {
namespace {

// Floor division: days before week 0's Monday belong to negative weeks.
int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int32_t Narrow(int64_t v) {
  TB_CHECK(v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max());
  return static_cast<int32_t>(v);
}

}  // namespace

int32_t WeekOfDay(absl::CivilDay day) {
  return Narrow(FloorDiv(day - kWeekZeroMonday, kDaysPerWeek));
}

int32_t WeekIndex(absl::Time t, absl::TimeZone tz) { return WeekOfDay(absl::ToCivilDay(t, tz)); }

absl::CivilDay WeekStart(int32_t week) {
  return kWeekZeroMonday + static_cast<int64_t>(week) * kDaysPerWeek;
}

absl::Time WeekStartTime(int32_t week, absl::TimeZone tz) {
  const absl::TimeZone::TimeInfo info = tz.At(absl::CivilSecond(WeekStart(week)));
  // Skipped midnight: the day begins at the transition. Repeated: its first instance.
  return info.kind == absl::TimeZone::TimeInfo::SKIPPED ? info.trans : info.pre;
}

int32_t FirstWeekStartingOnOrAfter(absl::CivilDay day) {
  const int32_t week = WeekOfDay(day);
  return WeekStart(week) == day ? week : week + 1;
}

int32_t MonthOfDay(absl::CivilDay day) {
  return Narrow((static_cast<int64_t>(day.year()) - 1970) * 12 + (day.month() - 1));
}

int32_t MonthIndex(absl::Time t, absl::TimeZone tz) { return MonthOfDay(absl::ToCivilDay(t, tz)); }

absl::CivilMonth MonthStart(int32_t month) {
  // CivilMonth normalises an out-of-range month into later or earlier years.
  return absl::CivilMonth(1970, 1 + static_cast<int64_t>(month));
}

int32_t FirstMonthStartingOnOrAfter(absl::CivilDay day) {
  const int32_t month = MonthOfDay(day);
  return day.day() == 1 ? month : month + 1;
}

}  // namespace timebank::rewards
