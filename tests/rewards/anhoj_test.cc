// The Anhøj rules (services/rewards/analysis/anhoj.h): the limits against the values
// Anhøj & Olesen tabulate, and each rule at its edge.
#include "services/rewards/analysis/anhoj.h"

#include <vector>

#include "gtest/gtest.h"
#include "services/rewards/analysis/run_chart.h"
#include "services/rewards/analysis/signal.h"
#include "tests/rewards/analysis_series.h"

namespace timebank::rewards {
namespace {

using analysis_testing::OfKind;
using analysis_testing::SeriesFromSides;
using analysis_testing::SidesFromRunLengths;
using analysis_testing::SidesWithRuns;

TEST(AnhojLimitsTest, LongestRunLimitIsRoundedLog2PlusThree) {
  EXPECT_EQ(AnhojLongestRunMax(10), 6);
  EXPECT_EQ(AnhojLongestRunMax(12), 7);
  EXPECT_EQ(AnhojLongestRunMax(16), 7);
  EXPECT_EQ(AnhojLongestRunMax(24), 8);
  EXPECT_EQ(AnhojLongestRunMax(50), 9);
  EXPECT_EQ(AnhojLongestRunMax(100), 10);
}

TEST(AnhojLimitsTest, CrossingsLimitIsTheBinomialLowerFivePercentQuantile) {
  EXPECT_EQ(AnhojCrossingsMin(10), 2);
  EXPECT_EQ(AnhojCrossingsMin(12), 3);
  EXPECT_EQ(AnhojCrossingsMin(20), 6);
  EXPECT_EQ(AnhojCrossingsMin(24), 8);
  EXPECT_EQ(AnhojCrossingsMin(30), 10);
  EXPECT_EQ(AnhojCrossingsMin(60), 23);
  EXPECT_EQ(AnhojCrossingsMin(100), 41);
  EXPECT_GT(AnhojCrossingsMin(kSeriesPointsMax), 0);
}

TEST(AnhojRulesTest, ARunOfNineIn24UsefulPointsIsLongEightIsNot) {
  const AnhojResult nine =
      AnalyseAnhoj(SeriesFromSides(SidesFromRunLengths({9, 3, 1, 3, 1, 3, 1, 3})));
  ASSERT_EQ(nine.median, 5);
  ASSERT_EQ(nine.useful_points, 24);
  EXPECT_EQ(nine.longest_run, 9);
  EXPECT_EQ(nine.longest_run_max, 8);
  EXPECT_EQ(OfKind(nine.signals, SignalKind::kLongRun),
            (std::vector<Signal>{{SignalKind::kLongRun, Direction::kUp, 0, 8}}));
  const AnhojResult eight =
      AnalyseAnhoj(SeriesFromSides(SidesFromRunLengths({8, 3, 2, 3, 1, 3, 1, 3})));
  ASSERT_EQ(eight.useful_points, 24);
  EXPECT_EQ(eight.longest_run, 8);
  EXPECT_TRUE(OfKind(eight.signals, SignalKind::kLongRun).empty());
}

TEST(AnhojRulesTest, SevenCrossingsIn24UsefulPointsAreTooFewEightAreNot) {
  const AnhojResult seven = AnalyseAnhoj(SeriesFromSides(SidesWithRuns(24, 8)));
  ASSERT_EQ(seven.useful_points, 24);
  EXPECT_EQ(seven.crossings, 7);
  EXPECT_EQ(seven.crossings_min, 8);
  EXPECT_EQ(seven.signals,
            (std::vector<Signal>{{SignalKind::kTooFewCrossings, Direction::kNone, 0, 23}}));
  const AnhojResult eight = AnalyseAnhoj(SeriesFromSides(SidesWithRuns(24, 9)));
  EXPECT_EQ(eight.crossings, 8);
  EXPECT_TRUE(eight.signals.empty());
}

TEST(AnhojRulesTest, MedianPointsAreSkippedAndFewerThanTenUsefulGiveNoSignals) {
  // Eight above with a median point inside, then one below: nine useful points.
  const AnhojResult r = AnalyseAnhojAround(SeriesFromSides("uuuumuuuud"), 5);
  EXPECT_EQ(r.useful_points, 9);
  EXPECT_EQ(r.longest_run, 8);
  EXPECT_EQ(r.crossings, 1);
  EXPECT_TRUE(r.not_enough_points);
  EXPECT_TRUE(r.signals.empty());
  EXPECT_EQ(r.longest_run_max, 0);
}

}  // namespace
}  // namespace timebank::rewards
