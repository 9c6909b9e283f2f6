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

// Thirteen weeks from 14 Sep, the shape of the demo community's shifted series.
std::vector<std::string> ThirteenWeeksFrom14Sep() {
  std::vector<std::string> starts = {"2026-09-14", "2026-09-21", "2026-09-28", "2026-10-05",
                                     "2026-10-12", "2026-10-19", "2026-10-26", "2026-11-02",
                                     "2026-11-09", "2026-11-16", "2026-11-23", "2026-11-30",
                                     "2026-12-07"};
  return starts;
}

int CountContaining(const std::vector<std::string>& lines, const std::string& part) {
  int n = 0;
  for (const std::string& line : lines) n += line.find(part) != std::string::npos ? 1 : 0;
  return n;
}

TEST(DescribeSeriesTest, TouchingBeyondLimitSignalsAreOneLine) {
  rpb::Series s;
  s.set_name("active_members");
  s.mutable_run_chart()->set_median(2);
  s.mutable_xmr()->set_lower_limit(1.9);
  s.mutable_xmr()->set_upper_limit(6.0);
  // One point each, as the XmR rule reports them, and one overlapping a neighbour.
  for (int i = 0; i < 12; ++i)
    *s.mutable_xmr()->add_signals() = MakeSignal("beyond_limit", "up", i, i);
  *s.mutable_xmr()->add_signals() = MakeSignal("beyond_limit", "up", 11, 12);
  *s.mutable_xmr()->add_signals() = MakeSignal("side_run", "up", 0, 12);
  const std::vector<std::string> lines =
      DescribeSeries(s, ThirteenWeeksFrom14Sep(), rpb::GRANULARITY_WEEK);
  EXPECT_EQ(CountContaining(lines,
                            "13 weeks in a row above the usual range (limits 1.9–6 members) "
                            "since 14 Sep"),
            1);
  EXPECT_EQ(CountContaining(lines, "usual range ("), 1);
  EXPECT_EQ(CountContaining(lines, "13 weeks in a row above the mean since 14 Sep"), 1);
  EXPECT_EQ(CountContaining(lines, "1 week beyond"), 0);
}

TEST(DescribeSignalsTest, OnlyTouchingSignalsInOneDirectionAreJoined) {
  rpb::XmrAnalysis xmr;
  xmr.set_lower_limit(3.2);
  xmr.set_upper_limit(17.8);
  google::protobuf::RepeatedPtrField<rpb::Signal> signals;
  *signals.Add() = MakeSignal("beyond_limit", "up", 4, 4);
  *signals.Add() = MakeSignal("beyond_limit", "down", 1, 1);
  *signals.Add() = MakeSignal("beyond_limit", "up", 2, 2);  // a gap before 4: its own line
  *signals.Add() = MakeSignal("beyond_limit", "up", 5, 5);
  *signals.Add() = MakeSignal("beyond_limit", "down", 2, 2);
  EXPECT_EQ(DescribeSignals(signals, {.xmr = &xmr}, Weeks(), kHoursWeekly),
            (std::vector<std::string>{
                "2 weeks in a row above the usual range (limits 3.2–17.8 hours) since 28 Sep",
                "2 weeks in a row below the usual range (limits 3.2–17.8 hours) since 7 Sep",
                "1 week beyond the usual range (limits 3.2–17.8 hours) in the week of 14 Sep",
            }));
}

TEST(DescribeChangeSignalsTest, SaysEverySignalInWordsJoinedAndWithoutKindNames) {
  rpb::ChangeAnalysis change;
  for (int i = 0; i < 13; ++i) *change.add_signals_after() = MakeSignal("beyond_limit", "up", i, i);
  for (const char* kind :
       {"shift", "long_run", "too_few_runs", "too_many_runs", "too_few_crossings", "trend",
        "side_run", "seven_trend", "near_limit", "some_future_rule"}) {
    *change.add_signals_after() = MakeSignal(kind, "up", 0, 12);
  }
  const SeriesWords members = {"week", "members"};
  const std::vector<std::string> lines =
      DescribeChangeSignals(change, ThirteenWeeksFrom14Sep(), members);
  ASSERT_EQ(lines.size(), 11u);
  // Judged against the baseline, whose limits the message does not carry: none quoted.
  EXPECT_EQ(lines[0], "13 weeks in a row above the usual range since 14 Sep");
  EXPECT_EQ(CountContaining(lines, "13 weeks in a row above the mean since 14 Sep"), 1);
  EXPECT_EQ(CountContaining(lines, "13 weeks close to the upper limit since 14 Sep"), 1);
  EXPECT_EQ(CountContaining(lines, "13 weeks in a row above the median since 14 Sep: likely"), 2);
  for (const std::string& line : lines) EXPECT_EQ(line.find('_'), std::string::npos) << line;
}

TEST(DescribeSignalTest, OneWordingForEitherAnalysis) {
  rpb::XmrAnalysis xmr;
  xmr.set_upper_limit(6);
  rpb::RunChartAnalysis run;
  for (const char* kind : {"beyond_limit", "side_run", "near_limit", "seven_trend"}) {
    const rpb::Signal s = MakeSignal(kind, "down", 2, 4);
    EXPECT_EQ(DescribeXmrSignal(s, xmr, Weeks(), kHoursWeekly),
              DescribeSignal(s, {.xmr = &xmr}, Weeks(), kHoursWeekly));
    // The old fallback said an XmR kind's name when asked for run-chart words.
    EXPECT_EQ(DescribeRunChartSignal(s, run, Weeks(), kHoursWeekly).find('_'), std::string::npos);
  }
}

}  // namespace
}  // namespace timebank::cli
