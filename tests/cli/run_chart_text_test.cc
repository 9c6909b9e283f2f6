// The rewards figures in words: durations, the sparkline and its median marks, and
// each signal said plainly.
#include "clients/cli/run_chart_text.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace timebank::cli {
namespace {

rpb::Signal MakeSignal(const std::string& kind, const std::string& direction, int first, int last) {
  rpb::Signal s;
  s.set_kind(kind);
  s.set_direction(direction);
  s.set_first_point(first);
  s.set_last_point(last);
  return s;
}

std::vector<std::string> Weeks() {
  return {"2026-08-31", "2026-09-07", "2026-09-14", "2026-09-21",
          "2026-09-28", "2026-10-05", "2026-10-12", "2026-10-19"};
}

const SeriesWords kHoursWeekly = {"week", "hours"};

TEST(HoursAndMinutesTest, SaysHoursAndMinutesAndNeverNegative) {
  EXPECT_EQ(HoursAndMinutes(750), "12 h 30 min");
  EXPECT_EQ(HoursAndMinutes(180), "3 h");
  EXPECT_EQ(HoursAndMinutes(45), "45 min");
  EXPECT_EQ(HoursAndMinutes(0), "0 min");
  EXPECT_EQ(HoursAndMinutes(-90), "0 min");
}

TEST(ShortDateTest, DayAndMonthNameOrTheTextUnchanged) {
  EXPECT_EQ(ShortDate("2026-09-14"), "14 Sep");
  EXPECT_EQ(ShortDate("2026-01-01"), "1 Jan");
  EXPECT_EQ(ShortDate("2026-13-01"), "2026-13-01");
  EXPECT_EQ(ShortDate("soon"), "soon");
}

TEST(CountTest, PluralOnlyWhenNotOne) {
  EXPECT_EQ(Count(1, "week"), "1 week");
  EXPECT_EQ(Count(6, "week"), "6 weeks");
  EXPECT_EQ(Count(0, "person", "people"), "0 people");
  EXPECT_EQ(Count(1, "person", "people"), "1 person");
}

TEST(SparklineTest, ScalesFromLowestToHighest) {
  EXPECT_EQ(Sparkline({0, 7, 3.5, 1}), "▁█▅▂");
  EXPECT_EQ(Sparkline({2, 2, 2}), "▄▄▄");
  EXPECT_EQ(Sparkline({}), "");
}

TEST(MedianMarksTest, MarksEachPointAgainstTheMedian) {
  EXPECT_EQ(MedianMarks({1, 4, 4, 9}, 4), "-==+");
}

TEST(RunChartSignalTest, ShiftSaysHowLongAndSince) {
  rpb::RunChartAnalysis run;
  EXPECT_EQ(DescribeRunChartSignal(MakeSignal("shift", "up", 2, 7), run, Weeks(), kHoursWeekly),
            "6 weeks in a row above the median since 14 Sep: likely a real change");
  EXPECT_EQ(DescribeRunChartSignal(MakeSignal("shift", "down", 0, 5), run, Weeks(), kHoursWeekly),
            "6 weeks in a row below the median since 31 Aug: likely a real change");
}

TEST(RunChartSignalTest, TrendSaysRisingOrFalling) {
  rpb::RunChartAnalysis run;
  EXPECT_EQ(DescribeRunChartSignal(MakeSignal("trend", "up", 1, 5), run, Weeks(), kHoursWeekly),
            "trend: 5 weeks in a row rising");
  EXPECT_EQ(
      DescribeRunChartSignal(MakeSignal("trend", "down", 1, 5), run, Weeks(), {"month", "members"}),
      "trend: 5 months in a row falling");
}

TEST(RunChartSignalTest, RunsAndCrossingsNameTheirLimits) {
  rpb::RunChartAnalysis run;
  run.set_runs(3);
  run.set_runs_lower(5);
  run.set_crossings(2);
  run.set_crossings_min(6);
  EXPECT_EQ(
      DescribeRunChartSignal(MakeSignal("too_few_runs", "none", 0, 7), run, Weeks(), kHoursWeekly),
      "only 3 runs across the median (chance gives at least 5): likely a real change");
  EXPECT_EQ(DescribeRunChartSignal(MakeSignal("too_few_crossings", "none", 0, 7), run, Weeks(),
                                   kHoursWeekly),
            "the line crosses the median only 2 times (chance gives at least 6): likely a real "
            "change");
}

TEST(XmrSignalTest, BeyondLimitGivesTheRange) {
  rpb::XmrAnalysis xmr;
  xmr.set_lower_limit(3.2);
  xmr.set_upper_limit(17.8);
  EXPECT_EQ(DescribeXmrSignal(MakeSignal("beyond_limit", "up", 4, 4), xmr, Weeks(), kHoursWeekly),
            "1 week beyond the usual range (limits 3.2–17.8 hours) in the week of 28 Sep");
  xmr.set_lower_limit(-0.9);
  EXPECT_EQ(DescribeXmrSignal(MakeSignal("beyond_limit", "up", 3, 4), xmr, Weeks(), kHoursWeekly),
            "2 weeks beyond the usual range (limits 0–17.8 hours) since 21 Sep");
}

TEST(DescribeSeriesTest, TooFewPointsSaysSoAndTrialLimitsAreNamed) {
  rpb::Series s;
  s.set_name("hours_given");
  s.mutable_run_chart()->set_median(4);
  s.mutable_run_chart()->set_not_enough_points(true);
  s.mutable_xmr()->set_lower_limit(0);
  s.mutable_xmr()->set_upper_limit(9.5);
  s.mutable_xmr()->set_trial(true);
  const std::vector<std::string> lines = DescribeSeries(s, Weeks(), rpb::GRANULARITY_WEEK);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "median 4 hours");
  EXPECT_EQ(lines[1], "not enough weeks yet to judge (needs 10)");
  EXPECT_EQ(lines[2], "usual range 0–9.5 hours (trial limits: fewer than 12 points)");
}

TEST(DescribeSeriesTest, EnoughPointsWithoutSignalsSaysOrdinaryVariation) {
  rpb::Series s;
  s.set_name("active_members");
  s.mutable_run_chart()->set_median(12);
  const std::vector<std::string> lines = DescribeSeries(s, Weeks(), rpb::GRANULARITY_WEEK);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "median 12 members");
  EXPECT_EQ(lines[1], "no signal: the ups and downs look like ordinary variation");
}

TEST(DescribeChangeTest, SaysTheMediansBeforeAndAfter) {
  rpb::ChangeAnalysis change;
  change.set_median_before(4);
  change.set_median_after(7.5);
  rpb::Annotation a;
  a.set_text("Saturday sessions start");
  a.set_date("2026-09-14");
  EXPECT_EQ(DescribeChange(change, a, kHoursWeekly),
            "After 'Saturday sessions start' (2026-09-14): median 4.0 → 7.5 hours");
  change.set_baseline_not_enough(true);
  EXPECT_EQ(DescribeChange(change, a, kHoursWeekly),
            "After 'Saturday sessions start' (2026-09-14): median 4.0 → 7.5 hours (too few weeks "
            "before it to judge a change)");
}

}  // namespace
}  // namespace timebank::cli
