// The XmR chart (services/rewards/analysis/xmr_chart.h): limits from the moving
// ranges, and each of Making Data Count's four rules firing and just not firing,
// judged against fixed limits (mean 0, limits ±3, outer thirds beyond ±2).
#include "services/rewards/analysis/xmr_chart.h"

#include <numeric>
#include <vector>

#include "gtest/gtest.h"
#include "services/rewards/analysis/signal.h"
#include "tests/rewards/analysis_series.h"

namespace timebank::rewards {
namespace {

using analysis_testing::OfKind;

XmrLimits UnitLimits() {
  XmrLimits limits;
  limits.mean = 0;
  limits.mean_moving_range = 3 / kXmrLimitFactor;
  limits.lower = -3;
  limits.upper = 3;
  limits.lower_outer_third = -2;
  limits.upper_outer_third = 2;
  limits.trial = false;
  return limits;
}

std::vector<Signal> XmrSignals(std::vector<double> values, SignalKind kind) {
  return OfKind(AnalyseXmrAgainst(values, UnitLimits()).signals, kind);
}

TEST(XmrLimitsTest, LimitsAreTheMeanPlusOrMinus266MeanMovingRanges) {
  const std::vector<double> values = {1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3};
  const XmrResult r = AnalyseXmr(values);
  EXPECT_EQ(r.points, 12);
  EXPECT_FALSE(r.limits.trial);
  EXPECT_DOUBLE_EQ(r.limits.mean, 2);
  EXPECT_EQ(r.moving_ranges, std::vector<double>(11, 2.0));
  EXPECT_DOUBLE_EQ(r.limits.mean_moving_range, 2);
  EXPECT_DOUBLE_EQ(r.limits.upper, 2 + 2.66 * 2);
  EXPECT_DOUBLE_EQ(r.limits.lower, 2 - 2.66 * 2);
  EXPECT_DOUBLE_EQ(r.limits.upper_outer_third, 2 + 2.66 * 2 * 2 / 3);
  EXPECT_DOUBLE_EQ(r.limits.lower_outer_third, 2 - 2.66 * 2 * 2 / 3);
  EXPECT_TRUE(r.signals.empty());
}

TEST(XmrLimitsTest, FewerThanTwelvePointsGiveTrialLimits) {
  EXPECT_TRUE(XmrLimitsFor(std::vector<double>(11, 1.0)).trial);
  EXPECT_FALSE(XmrLimitsFor(std::vector<double>(12, 1.0)).trial);
  const XmrResult empty = AnalyseXmr(std::vector<double>{});
  EXPECT_TRUE(empty.limits.trial);
  EXPECT_TRUE(empty.moving_ranges.empty());
  EXPECT_TRUE(empty.signals.empty());
  const XmrResult one = AnalyseXmr(std::vector<double>{4});
  EXPECT_EQ(one.limits.mean, 4);
  EXPECT_EQ(one.limits.mean_moving_range, 0);
  EXPECT_TRUE(one.signals.empty());
}

TEST(XmrLimitsTest, AnOutlierFromTheSeriesOwnLimitsIsBeyondTheUpperLimit) {
  std::vector<double> values;
  for (int i = 0; i < 24; ++i) values.push_back(i % 2 == 0 ? 10 : 12);
  values[15] = 40;
  const XmrResult r = AnalyseXmr(values);
  ASSERT_EQ(r.moving_ranges.size(), 23u);
  EXPECT_DOUBLE_EQ(r.limits.mean_moving_range,
                   std::accumulate(r.moving_ranges.begin(), r.moving_ranges.end(), 0.0) / 23);
  EXPECT_EQ(OfKind(r.signals, SignalKind::kBeyondLimit),
            (std::vector<Signal>{{SignalKind::kBeyondLimit, Direction::kUp, 15, 15}}));
}

TEST(XmrRulesTest, APointBeyondALimitSignalsOneOnTheLimitDoesNot) {
  EXPECT_EQ(XmrSignals({0.5, 3.5, -0.5, -3.01}, SignalKind::kBeyondLimit),
            (std::vector<Signal>{{SignalKind::kBeyondLimit, Direction::kUp, 1, 1},
                                 {SignalKind::kBeyondLimit, Direction::kDown, 3, 3}}));
  EXPECT_TRUE(XmrSignals({0.5, 3.0, -0.5, -3.0}, SignalKind::kBeyondLimit).empty());
}

TEST(XmrRulesTest, SevenPointsOnOneSideOfTheMeanSignalSixDoNot) {
  EXPECT_EQ(XmrSignals({-1, 1, 0.5, 1, 0.5, 1, 0.5, -1}, SignalKind::kSideRun),
            (std::vector<Signal>{}));
  EXPECT_EQ(XmrSignals({-1, 1, 0.5, 1, 0.5, 1, 0.5, 1, -1}, SignalKind::kSideRun),
            (std::vector<Signal>{{SignalKind::kSideRun, Direction::kUp, 1, 7}}));
  EXPECT_EQ(XmrSignals({-1, -0.5, -1, -0.5, -1, -0.5, -1}, SignalKind::kSideRun),
            (std::vector<Signal>{{SignalKind::kSideRun, Direction::kDown, 0, 6}}));
  // A point exactly on the mean is on neither side.
  EXPECT_TRUE(XmrSignals({1, 0.5, 1, 0, 1, 0.5, 1, 0.5}, SignalKind::kSideRun).empty());
}

TEST(XmrRulesTest, SevenPointsRisingOrFallingSignalSixDoNot) {
  EXPECT_EQ(XmrSignals({-1.5, -1, -0.5, 0.1, 0.5, 1, 1.5, 0}, SignalKind::kSevenTrend),
            (std::vector<Signal>{{SignalKind::kSevenTrend, Direction::kUp, 0, 6}}));
  EXPECT_TRUE(XmrSignals({-1, -0.5, 0.1, 0.5, 1, 1.5, 0}, SignalKind::kSevenTrend).empty());
  EXPECT_EQ(XmrSignals({0, 1.5, 1, 0.5, 0.1, -0.5, -1, -1.5}, SignalKind::kSevenTrend),
            (std::vector<Signal>{{SignalKind::kSevenTrend, Direction::kDown, 1, 7}}));
  // An equal value is neither rising nor falling.
  EXPECT_TRUE(XmrSignals({-1.5, -1, -0.5, -0.5, 0, 0.5, 1, 1.5}, SignalKind::kSevenTrend).empty());
}

TEST(XmrRulesTest, TwoOfThreePointsInTheOuterThirdSignalOnTheSameSide) {
  EXPECT_EQ(XmrSignals({0, 2.5, 0, 2.5, 0}, SignalKind::kNearLimit),
            (std::vector<Signal>{{SignalKind::kNearLimit, Direction::kUp, 1, 3}}));
  EXPECT_EQ(XmrSignals({-2.5, -2.1}, SignalKind::kNearLimit),
            (std::vector<Signal>{{SignalKind::kNearLimit, Direction::kDown, 0, 1}}));
  // A point beyond the limit is beyond two thirds too.
  EXPECT_EQ(XmrSignals({3.5, 0, 2.5}, SignalKind::kNearLimit),
            (std::vector<Signal>{{SignalKind::kNearLimit, Direction::kUp, 0, 2}}));
}

TEST(XmrRulesTest, OuterThirdPointsJustNotTwoOfThreeDoNotSignal) {
  EXPECT_TRUE(XmrSignals({2.5, 0, 0, 2.5}, SignalKind::kNearLimit).empty());
  EXPECT_TRUE(XmrSignals({2.5, 0, -2.5}, SignalKind::kNearLimit).empty());
  // Exactly two thirds of the way is not beyond it.
  EXPECT_TRUE(XmrSignals({2.0, 2.5, 0}, SignalKind::kNearLimit).empty());
}

TEST(XmrRulesTest, OverlappingTriplesMergeIntoOneSignal) {
  EXPECT_EQ(XmrSignals({2.5, 0, 2.5, 0, 2.5, 0, 0, 2.5, 2.5}, SignalKind::kNearLimit),
            (std::vector<Signal>{{SignalKind::kNearLimit, Direction::kUp, 0, 4},
                                 {SignalKind::kNearLimit, Direction::kUp, 7, 8}}));
}

}  // namespace
}  // namespace timebank::rewards
