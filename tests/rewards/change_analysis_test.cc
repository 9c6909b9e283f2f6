// Change analysis (services/rewards/analysis/change_analysis.h): the after-points
// judged against the baseline's median and limits, with indices into the whole series.
#include "services/rewards/analysis/change_analysis.h"

#include <vector>

#include "gtest/gtest.h"
#include "services/rewards/analysis/signal.h"
#include "tests/rewards/analysis_series.h"

namespace timebank::rewards {
namespace {

using analysis_testing::OfKind;

// A baseline wandering around 10, then `after` points around `level`.
std::vector<double> BaselineThen(int baseline, int after, double level) {
  std::vector<double> values;
  const double wander[] = {9, 11, 8, 12, 10.5, 9.5, 11.5, 8.5};
  for (int i = 0; i < baseline; ++i) values.push_back(wander[i % 8]);
  for (int i = 0; i < after; ++i) values.push_back(level + (i % 2 == 0 ? 0.5 : -0.5));
  return values;
}

TEST(ChangePointIndexTest, MapsTheChangesFirstPeriodIntoTheSeriesAndClamps) {
  EXPECT_EQ(ChangePointIndex(100, 26, 110), 10);
  EXPECT_EQ(ChangePointIndex(100, 26, 100), 0);
  EXPECT_EQ(ChangePointIndex(100, 26, 90), 0);
  EXPECT_EQ(ChangePointIndex(100, 26, 126), 26);
  EXPECT_EQ(ChangePointIndex(100, 26, 500), 26);
}

TEST(ChangeAnalysisTest, AStepUpAfterTheChangeIsAShiftAgainstTheBaselineMedian) {
  const std::vector<double> values = BaselineThen(16, 10, 20);
  const ChangeAnalysis a = AnalyseChange(values, 16);
  EXPECT_EQ(a.change_index, 16);
  EXPECT_DOUBLE_EQ(a.median_before, 10);
  EXPECT_DOUBLE_EQ(a.median_after, 20);
  EXPECT_FALSE(a.baseline_not_enough);
  EXPECT_EQ(a.run_chart_after.median, a.median_before);
  EXPECT_EQ(OfKind(a.run_chart_after.signals, SignalKind::kShift),
            (std::vector<Signal>{{SignalKind::kShift, Direction::kUp, 16, 25}}));
  // Ten useful after-points: the runs rule applies too (one run is too few).
  EXPECT_FALSE(a.run_chart_after.not_enough_points);
  EXPECT_EQ(OfKind(a.run_chart_after.signals, SignalKind::kTooFewRuns).size(), 1u);
  // Against the baseline's limits every after-point is beyond the upper one.
  EXPECT_EQ(OfKind(a.xmr_after.signals, SignalKind::kBeyondLimit).size(), 10u);
  EXPECT_EQ(OfKind(a.xmr_after.signals, SignalKind::kSideRun),
            (std::vector<Signal>{{SignalKind::kSideRun, Direction::kUp, 16, 25}}));
}

TEST(ChangeAnalysisTest, SixPointsAfterTheChangeAreEnoughForAShiftFiveAreNot) {
  const ChangeAnalysis six = AnalyseChange(BaselineThen(20, 6, 16), 20);
  EXPECT_EQ(OfKind(six.run_chart_after.signals, SignalKind::kShift),
            (std::vector<Signal>{{SignalKind::kShift, Direction::kUp, 20, 25}}));
  EXPECT_TRUE(six.run_chart_after.not_enough_points);  // too few for the runs rule
  const ChangeAnalysis five = AnalyseChange(BaselineThen(20, 5, 16), 20);
  EXPECT_TRUE(OfKind(five.run_chart_after.signals, SignalKind::kShift).empty());
}

TEST(ChangeAnalysisTest, NoChangeGivesNoSignalsAfterIt) {
  const ChangeAnalysis a = AnalyseChange(BaselineThen(26, 0, 0), 16);
  EXPECT_FALSE(a.baseline_not_enough);
  EXPECT_TRUE(a.run_chart_after.signals.empty());
  EXPECT_TRUE(a.xmr_after.signals.empty());
}

TEST(ChangeAnalysisTest, ABaselineOfFewerThanTenUsefulPointsCannotJudgeTheRunChart) {
  const ChangeAnalysis a = AnalyseChange(BaselineThen(8, 10, 20), 8);
  EXPECT_TRUE(a.baseline_not_enough);
  EXPECT_DOUBLE_EQ(a.median_before, 10);
  EXPECT_TRUE(a.run_chart_after.signals.empty());
  // The XmR limits of a short baseline are trial limits, and still judge.
  EXPECT_TRUE(a.xmr_after.limits.trial);
  EXPECT_FALSE(OfKind(a.xmr_after.signals, SignalKind::kBeyondLimit).empty());
}

TEST(ChangeAnalysisTest, AChangeAtEitherEndHasNothingToCompare) {
  const std::vector<double> values = BaselineThen(16, 10, 16);
  const ChangeAnalysis at_start = AnalyseChange(values, 0);
  EXPECT_TRUE(at_start.baseline_not_enough);
  EXPECT_EQ(at_start.median_before, 0);
  EXPECT_TRUE(at_start.run_chart_after.signals.empty());
  EXPECT_TRUE(at_start.xmr_after.signals.empty());
  const ChangeAnalysis at_end = AnalyseChange(values, 26);
  EXPECT_EQ(at_end.median_after, 0);
  EXPECT_EQ(at_end.run_chart_after.points, 0);
  EXPECT_TRUE(at_end.run_chart_after.signals.empty());
  EXPECT_TRUE(at_end.xmr_after.signals.empty());
}

}  // namespace
}  // namespace timebank::rewards
