// Week and month numbering in a community's time zone (services/rewards/analysis/weeks.h).
#include "services/rewards/analysis/weeks.h"

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace timebank::rewards {
namespace {

absl::TimeZone WeeksZone(const char* name) {
  absl::TimeZone tz;
  EXPECT_TRUE(absl::LoadTimeZone(name, &tz)) << name;
  return tz;
}

absl::Time WeeksUtc(int y, int m, int d, int hh, int mm) {
  return absl::FromCivil(absl::CivilMinute(y, m, d, hh, mm), absl::UTCTimeZone());
}

TEST(WeeksTest, WeekZeroStartsOnTheFirstMondayOf1970AndEarlierDaysAreNegative) {
  EXPECT_EQ(absl::GetWeekday(kWeekZeroMonday), absl::Weekday::monday);
  EXPECT_EQ(WeekOfDay(absl::CivilDay(1970, 1, 5)), 0);
  EXPECT_EQ(WeekOfDay(absl::CivilDay(1970, 1, 11)), 0);
  EXPECT_EQ(WeekOfDay(absl::CivilDay(1970, 1, 12)), 1);
  EXPECT_EQ(WeekOfDay(absl::CivilDay(1970, 1, 4)), -1);
  EXPECT_EQ(WeekOfDay(absl::CivilDay(1969, 12, 29)), -1);
  EXPECT_EQ(WeekOfDay(absl::CivilDay(1969, 12, 28)), -2);
  EXPECT_EQ(WeekStart(-1), absl::CivilDay(1969, 12, 29));
}

TEST(WeeksTest, EveryDayMapsToTheMondayThatStartsItsWeek) {
  for (absl::CivilDay d(1969, 1, 1); d < absl::CivilDay(2031, 1, 1); ++d) {
    const absl::CivilDay start = WeekStart(WeekOfDay(d));
    ASSERT_EQ(absl::GetWeekday(start), absl::Weekday::monday) << d;
    ASSERT_LE(start, d) << d;
    ASSERT_LT(d - start, kDaysPerWeek) << d;
  }
}

TEST(WeeksTest, AWeekSpansTheYearBoundary) {
  const int32_t week = WeekOfDay(absl::CivilDay(2024, 12, 30));
  EXPECT_EQ(WeekOfDay(absl::CivilDay(2024, 12, 31)), week);
  EXPECT_EQ(WeekOfDay(absl::CivilDay(2025, 1, 1)), week);
  EXPECT_EQ(WeekOfDay(absl::CivilDay(2025, 1, 5)), week);
  EXPECT_EQ(WeekOfDay(absl::CivilDay(2025, 1, 6)), week + 1);
  EXPECT_EQ(WeekOfDay(absl::CivilDay(2024, 12, 29)), week - 1);
}

TEST(WeeksTest, TheWeekIsTheCommunitysLocalWeekNotUtcs) {
  // Sunday 29 Dec 2024 12:00 UTC is already Monday 30 Dec 01:00 in Auckland (UTC+13).
  const absl::Time t = WeeksUtc(2024, 12, 29, 12, 0);
  EXPECT_EQ(WeekIndex(t, WeeksZone("Pacific/Auckland")), WeekOfDay(absl::CivilDay(2024, 12, 30)));
  EXPECT_EQ(WeekIndex(t, absl::UTCTimeZone()), WeekOfDay(absl::CivilDay(2024, 12, 23)));
}

TEST(WeeksTest, LondonWeeksFollowSummerTimeAtMondayMidnight) {
  const absl::TimeZone london = WeeksZone("Europe/London");
  // Summer time began Sunday 31 March 2024; Monday 1 April 00:30 BST is 23:30 UTC on Sunday.
  const absl::Time monday_local = WeeksUtc(2024, 3, 31, 23, 30);
  EXPECT_EQ(WeekIndex(monday_local, london), WeekOfDay(absl::CivilDay(2024, 4, 1)));
  EXPECT_EQ(WeekIndex(monday_local, absl::UTCTimeZone()), WeekOfDay(absl::CivilDay(2024, 3, 25)));
  EXPECT_EQ(WeekIndex(WeeksUtc(2024, 3, 31, 22, 59), london),
            WeekOfDay(absl::CivilDay(2024, 3, 25)));
  // In winter London is UTC: Monday 00:00 local is Monday 00:00 UTC.
  EXPECT_EQ(WeekIndex(WeeksUtc(2024, 1, 7, 23, 59), london), WeekOfDay(absl::CivilDay(2024, 1, 1)));
  EXPECT_EQ(WeekIndex(WeeksUtc(2024, 1, 8, 0, 0), london), WeekOfDay(absl::CivilDay(2024, 1, 8)));
}

TEST(WeeksTest, WeeksWithAClockChangeAre167Or169HoursLong) {
  const absl::TimeZone london = WeeksZone("Europe/London");
  const int32_t spring = WeekOfDay(absl::CivilDay(2024, 3, 25));
  EXPECT_EQ(WeekStartTime(spring + 1, london) - WeekStartTime(spring, london), absl::Hours(167));
  const int32_t autumn = WeekOfDay(absl::CivilDay(2024, 10, 21));
  EXPECT_EQ(WeekStartTime(autumn + 1, london) - WeekStartTime(autumn, london), absl::Hours(169));
  EXPECT_EQ(WeekStartTime(spring + 1, london), WeeksUtc(2024, 3, 31, 23, 0));
  EXPECT_EQ(WeekIndex(WeekStartTime(spring + 1, london), london), spring + 1);
  EXPECT_EQ(WeekIndex(WeekStartTime(spring + 1, london) - absl::Seconds(1), london), spring);
}

TEST(WeeksTest, AChangeIsJudgedFromTheFirstWeekStartingOnOrAfterIt) {
  const int32_t week = WeekOfDay(absl::CivilDay(2024, 9, 9));  // a Monday
  EXPECT_EQ(FirstWeekStartingOnOrAfter(absl::CivilDay(2024, 9, 9)), week);
  EXPECT_EQ(FirstWeekStartingOnOrAfter(absl::CivilDay(2024, 9, 10)), week + 1);
  EXPECT_EQ(FirstWeekStartingOnOrAfter(absl::CivilDay(2024, 9, 15)), week + 1);
  EXPECT_EQ(FirstWeekStartingOnOrAfter(absl::CivilDay(2024, 9, 16)), week + 1);
}

TEST(WeeksTest, MonthsCountFromJanuary1970AndInvert) {
  EXPECT_EQ(MonthOfDay(absl::CivilDay(1970, 1, 31)), 0);
  EXPECT_EQ(MonthOfDay(absl::CivilDay(1969, 12, 31)), -1);
  EXPECT_EQ(MonthOfDay(absl::CivilDay(2024, 12, 1)), 659);
  EXPECT_EQ(MonthOfDay(absl::CivilDay(2025, 1, 1)), 660);
  for (int32_t m = -30; m < 1000; ++m) {
    ASSERT_EQ(MonthOfDay(absl::CivilDay(MonthStart(m))), m);
  }
  EXPECT_EQ(MonthStart(-1), absl::CivilMonth(1969, 12));
  EXPECT_EQ(MonthStart(660), absl::CivilMonth(2025, 1));
  EXPECT_EQ(FirstMonthStartingOnOrAfter(absl::CivilDay(2025, 1, 1)), 660);
  EXPECT_EQ(FirstMonthStartingOnOrAfter(absl::CivilDay(2025, 1, 2)), 661);
}

TEST(WeeksTest, TheMonthIsTheCommunitysLocalMonth) {
  // New Year's Eve 23:30 UTC is already January in Berlin, still December in London.
  const absl::Time t = WeeksUtc(2024, 12, 31, 23, 30);
  EXPECT_EQ(MonthIndex(t, WeeksZone("Europe/London")), 659);
  EXPECT_EQ(MonthIndex(t, WeeksZone("Europe/Berlin")), 660);
  // 1 April 00:30 BST is 31 March in UTC.
  EXPECT_EQ(MonthIndex(WeeksUtc(2024, 3, 31, 23, 30), WeeksZone("Europe/London")), 651);
  EXPECT_EQ(MonthIndex(WeeksUtc(2024, 3, 31, 23, 30), absl::UTCTimeZone()), 650);
}

}  // namespace
}  // namespace timebank::rewards
