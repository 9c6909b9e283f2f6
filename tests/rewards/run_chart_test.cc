// The IHI run-chart rules (services/rewards/analysis/run_chart.h). The paper's own
// figures do not print their data, so these cases are constructed to sit exactly on
// each rule's edge: a shift at six and not five, a trend at five and not four, the runs
// table's first and last rows.
#include "services/rewards/analysis/run_chart.h"

#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "services/rewards/analysis/signal.h"
#include "tests/rewards/analysis_series.h"

namespace timebank::rewards {
namespace {

using analysis_testing::OfKind;
using analysis_testing::SeriesFromSides;
using analysis_testing::SidesWithRuns;

TEST(RunChartMedianTest, IsTheMiddleValueOrTheMeanOfTheTwoMiddleValues) {
  EXPECT_EQ(Median(std::vector<double>{}), 0);
  EXPECT_EQ(Median(std::vector<double>{7}), 7);
  EXPECT_EQ(Median(std::vector<double>{9, 1, 5}), 5);
  EXPECT_EQ(Median(std::vector<double>{9, 1, 4, 6}), 5);
  EXPECT_EQ(Median(std::vector<double>{2, 2, 2, 8}), 2);
}

TEST(RunChartShiftTest, SixPointsOnOneSideAreAShiftFiveAreNot) {
  const RunChartResult six = AnalyseRunChart(SeriesFromSides("uuuuuuddmdduddudd"));
  ASSERT_EQ(six.median, 5);
  EXPECT_EQ(OfKind(six.signals, SignalKind::kShift),
            (std::vector<Signal>{{SignalKind::kShift, Direction::kUp, 0, 5}}));

  const RunChartResult five = AnalyseRunChart(SeriesFromSides("uuuuuddmdduddud"));
  ASSERT_EQ(five.median, 5);
  ASSERT_FALSE(five.not_enough_points);
  EXPECT_TRUE(OfKind(five.signals, SignalKind::kShift).empty());
}

TEST(RunChartShiftTest, PointsOnTheMedianNeitherCountNorBreakAShift) {
  // Five above, one on the median, one above: six useful points in a row.
  const RunChartResult r = AnalyseRunChart(SeriesFromSides("uuumuuudddudddudd"));
  ASSERT_EQ(r.median, 5);
  EXPECT_EQ(r.points, 17);
  EXPECT_EQ(r.useful_points, 16);
  EXPECT_EQ(OfKind(r.signals, SignalKind::kShift),
            (std::vector<Signal>{{SignalKind::kShift, Direction::kUp, 0, 6}}));
  // Five useful points with a median point inside are still only five.
  const RunChartResult five = AnalyseRunChart(SeriesFromSides("uummuuudddudduddm"));
  ASSERT_EQ(five.median, 5);
  EXPECT_TRUE(OfKind(five.signals, SignalKind::kShift).empty());
}

TEST(RunChartShiftTest, AShiftBelowTheMedianPointsDown) {
  const RunChartResult r = AnalyseRunChart(SeriesFromSides("duddddddmuuuduuuu"));
  ASSERT_EQ(r.median, 5);
  EXPECT_EQ(OfKind(r.signals, SignalKind::kShift),
            (std::vector<Signal>{{SignalKind::kShift, Direction::kDown, 2, 7}}));
}

TEST(RunChartTrendTest, FivePointsGoingUpAreATrendFourAreNot) {
  const RunChartResult five =
      AnalyseRunChart(std::vector<double>{2, 8, 2, 8, 2, 8, 1, 3, 4, 6, 7, 0, 9, 2});
  ASSERT_FALSE(five.not_enough_points);
  EXPECT_EQ(OfKind(five.signals, SignalKind::kTrend),
            (std::vector<Signal>{{SignalKind::kTrend, Direction::kUp, 6, 10}}));
  const RunChartResult four =
      AnalyseRunChart(std::vector<double>{2, 8, 2, 8, 2, 8, 1, 3, 4, 6, 0, 9, 2, 8});
  ASSERT_FALSE(four.not_enough_points);
  EXPECT_TRUE(OfKind(four.signals, SignalKind::kTrend).empty());
}

TEST(RunChartTrendTest, FivePointsGoingDownAreATrend) {
  const RunChartResult r =
      AnalyseRunChart(std::vector<double>{2, 8, 2, 8, 2, 8, 9, 7, 6, 4, 3, 10, 1, 8});
  EXPECT_EQ(OfKind(r.signals, SignalKind::kTrend),
            (std::vector<Signal>{{SignalKind::kTrend, Direction::kDown, 6, 10}}));
}

TEST(RunChartTrendTest, RepeatedValuesCountOnceAndNeitherMakeNorBreakATrend) {
  // 1 3 3 4 6 7: five distinct rising values, a trend.
  const RunChartResult five =
      AnalyseRunChart(std::vector<double>{2, 8, 2, 8, 2, 8, 1, 3, 3, 4, 6, 7, 0, 9});
  EXPECT_EQ(OfKind(five.signals, SignalKind::kTrend),
            (std::vector<Signal>{{SignalKind::kTrend, Direction::kUp, 6, 11}}));
  // 1 3 3 4 6: the repeat does not make a fifth point.
  const RunChartResult four =
      AnalyseRunChart(std::vector<double>{2, 8, 2, 8, 2, 8, 1, 3, 3, 4, 6, 0, 9, 2});
  ASSERT_FALSE(four.not_enough_points);
  EXPECT_TRUE(OfKind(four.signals, SignalKind::kTrend).empty());
  // 1 3 4 4 4 6 7: the repeats do not break it either.
  const RunChartResult through =
      AnalyseRunChart(std::vector<double>{2, 8, 2, 8, 2, 8, 1, 3, 4, 4, 4, 6, 7, 0, 9});
  EXPECT_EQ(OfKind(through.signals, SignalKind::kTrend),
            (std::vector<Signal>{{SignalKind::kTrend, Direction::kUp, 6, 12}}));
}

TEST(RunChartRunsTest, TheTableStartsAtTenAndEndsAtSixtyUsefulPoints) {
  EXPECT_EQ(RunsLimitsFor(10), (RunsLimits{3, 9}));
  EXPECT_EQ(RunsLimitsFor(20), (RunsLimits{6, 16}));
  EXPECT_EQ(RunsLimitsFor(60), (RunsLimits{24, 38}));
  // Past the table the normal approximation continues it without a jump.
  EXPECT_EQ(RunsLimitsFor(61), (RunsLimits{24, 39}));
  for (int32_t n = kRunChartUsefulPointsMin; n <= 200; ++n) {
    const RunsLimits limits = RunsLimitsFor(n);
    EXPECT_LE(limits.lower, n / 2 + 1) << n;
    EXPECT_GE(limits.upper, n / 2 + 1) << n;
    if (n > kRunChartUsefulPointsMin) {
      EXPECT_GE(limits.lower, RunsLimitsFor(n - 1).lower) << n;
      EXPECT_GE(limits.upper, RunsLimitsFor(n - 1).upper) << n;
    }
  }
}

// The number of runs among n1 points above and n2 below, all orders equally likely
// (Swed & Eisenhart's distribution): P(runs = r).
double RunsProbability(int n1, int n2, int r) {
  const auto choose = [](int n, int k) {
    if (k < 0 || k > n) return 0.0;
    double c = 1;
    for (int i = 1; i <= k; ++i) c = c * (n - k + i) / i;
    return c;
  };
  const int k = r / 2;
  const double ways = r % 2 == 0 ? 2 * choose(n1 - 1, k - 1) * choose(n2 - 1, k - 1)
                                 : choose(n1 - 1, k) * choose(n2 - 1, k - 1) +
                                       choose(n1 - 1, k - 1) * choose(n2 - 1, k);
  return ways / choose(n1 + n2, n1);
}

// The table was transcribed, not computed; this holds it to the distribution it comes
// from: each limit is within one run of the exact 2.5% tail on its side.
TEST(RunChartRunsTest, TheTableIsWithinOneRunOfTheExactRunsDistribution) {
  for (int n = kRunChartUsefulPointsMin; n <= kRunsTableUsefulPointsMax; ++n) {
    const int n1 = n / 2, n2 = n - n1;
    int lower = 0, upper = 0;
    double tail = 0;
    for (int r = 2; r <= n && lower == 0; ++r) {
      tail += RunsProbability(n1, n2, r);
      if (tail > 0.025) lower = r;
    }
    tail = 0;
    for (int r = n; r >= 2 && upper == 0; --r) {
      tail += RunsProbability(n1, n2, r);
      if (tail > 0.025) upper = r;
    }
    EXPECT_LE(std::abs(RunsLimitsFor(n).lower - lower), 1) << n;
    EXPECT_LE(std::abs(RunsLimitsFor(n).upper - upper), 1) << n;
  }
}

struct RunsCase {
  int useful;
  int runs;
  std::vector<SignalKind> expected;
};

TEST(RunChartRunsTest, TooFewAndTooManyRunsAtTheTablesEdges) {
  const std::vector<RunsCase> cases = {
      {10, 2, {SignalKind::kTooFewRuns}},
      {10, 3, {}},
      {10, 9, {}},
      {10, 10, {SignalKind::kTooManyRuns}},
      {60, 23, {SignalKind::kTooFewRuns}},
      {60, 24, {}},
      {60, 38, {}},
      {60, 39, {SignalKind::kTooManyRuns}},
  };
  for (const RunsCase& c : cases) {
    const RunChartResult r = AnalyseRunChart(SeriesFromSides(SidesWithRuns(c.useful, c.runs)));
    ASSERT_EQ(r.median, 5) << c.useful << " " << c.runs;
    ASSERT_EQ(r.useful_points, c.useful);
    ASSERT_EQ(r.runs, c.runs);
    std::vector<SignalKind> got;
    for (const Signal& s : r.signals) {
      if (s.kind == SignalKind::kTooFewRuns || s.kind == SignalKind::kTooManyRuns) {
        got.push_back(s.kind);
        EXPECT_EQ(s.direction, Direction::kNone);
        EXPECT_EQ(s.first, 0);
        EXPECT_EQ(s.last, c.useful - 1);
      }
    }
    EXPECT_EQ(got, c.expected) << c.useful << " useful, " << c.runs << " runs";
  }
}

TEST(RunChartEnoughTest, FewerThanTenUsefulPointsSayNotEnoughAndGiveNoSignals) {
  // Nine points 1..9: median 5, eight useful; a nine-point trend and two runs of four.
  const RunChartResult r = AnalyseRunChart(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9});
  EXPECT_TRUE(r.not_enough_points);
  EXPECT_EQ(r.median, 5);
  EXPECT_EQ(r.useful_points, 8);
  EXPECT_EQ(r.runs, 2);
  EXPECT_TRUE(r.signals.empty());
  EXPECT_EQ(r.runs_limits, (RunsLimits{0, 0}));
  // Eleven points 1..11: ten useful, so the rules apply: a trend and too few runs.
  const RunChartResult ten =
      AnalyseRunChart(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  EXPECT_FALSE(ten.not_enough_points);
  EXPECT_EQ(ten.signals, (std::vector<Signal>{{SignalKind::kTrend, Direction::kUp, 0, 10},
                                              {SignalKind::kTooFewRuns, Direction::kNone, 0, 10}}));
}

TEST(RunChartEnoughTest, AFlatSeriesHasNoUsefulPoints) {
  const RunChartResult r = AnalyseRunChart(std::vector<double>(26, 4.0));
  EXPECT_TRUE(r.not_enough_points);
  EXPECT_EQ(r.useful_points, 0);
  EXPECT_EQ(r.runs, 0);
  EXPECT_TRUE(r.signals.empty());
}

TEST(RunChartBaselineTest, AgainstABaselineShiftsNeedNoTenPointsButTheRunsRuleDoes) {
  const RunChartResult r = AnalyseRunChartAgainstBaseline(std::vector<double>{9, 8, 9, 8, 9, 8}, 5);
  EXPECT_TRUE(r.not_enough_points);
  EXPECT_EQ(r.signals, (std::vector<Signal>{{SignalKind::kShift, Direction::kUp, 0, 5}}));
}

TEST(SignalNameTest, EveryKindHasADistinctStableShortName) {
  EXPECT_EQ(SignalName(SignalKind::kShift), "shift");
  EXPECT_EQ(SignalName(SignalKind::kTrend), "trend");
  EXPECT_EQ(SignalName(SignalKind::kTooFewRuns), "too_few_runs");
  EXPECT_EQ(SignalName(SignalKind::kBeyondLimit), "beyond_limit");
  EXPECT_EQ(DirectionName(Direction::kUp), "up");
  std::set<std::string_view> names;
  for (int k = 0; k <= static_cast<int>(SignalKind::kNearLimit); ++k) {
    const std::string_view name = SignalName(static_cast<SignalKind>(k));
    EXPECT_NE(name, "unknown");
    EXPECT_TRUE(names.insert(name).second) << name;
  }
}

}  // namespace
}  // namespace timebank::rewards
