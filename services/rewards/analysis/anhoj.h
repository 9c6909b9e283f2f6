// The Anhøj rules, the alternative run-chart rule set (Anhøj & Olesen, "Run charts
// revisited", PLoS ONE 2014): with n useful points (points not on the median),
//   long run     a run on one side of the median longer than round(log2(n) + 3);
//   few crossings  fewer median crossings than the lower 5% quantile of
//                  Binomial(n - 1, 0.5), computed here, not tabulated.
// Like the IHI rules (run_chart.h) they need kRunChartUsefulPointsMin useful points;
// with fewer, not_enough_points is set and no signals are given.
#ifndef TIMEBANK_SERVICES_REWARDS_ANALYSIS_ANHOJ_H_
#define TIMEBANK_SERVICES_REWARDS_ANALYSIS_ANHOJ_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "services/rewards/analysis/signal.h"

namespace timebank::rewards {

// The longest run that is not a signal for n useful points.
int32_t AnhojLongestRunMax(int32_t useful_points);
// The fewest crossings that are not a signal: the smallest c with
// P(Binomial(n - 1, 1/2) <= c) >= 0.05.
int32_t AnhojCrossingsMin(int32_t useful_points);

struct AnhojResult {
  double median = 0;
  int32_t useful_points = 0;
  int32_t longest_run = 0;
  int32_t crossings = 0;
  int32_t longest_run_max = 0;  // 0 when not_enough_points
  int32_t crossings_min = 0;    // 0 when not_enough_points
  bool not_enough_points = true;
  // Every run longer than longest_run_max, then the crossings signal.
  std::vector<Signal> signals;
};

AnhojResult AnalyseAnhoj(absl::Span<const double> values);
// The same rules against a given centre line (a baseline's median, say); they still
// need kRunChartUsefulPointsMin useful points.
AnhojResult AnalyseAnhojAround(absl::Span<const double> values, double median);

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_ANALYSIS_ANHOJ_H_
