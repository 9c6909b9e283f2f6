#include "services/rewards/analysis/anhoj.h"

#include <cmath>
#include <cstdint>

#include "services/rewards/analysis/run_chart.h"
#include "services/rewards/analysis/series_scan.h"
#include "storage/check.h"

namespace timebank::rewards {

int32_t AnhojLongestRunMax(int32_t useful_points) {
  TB_CHECK(useful_points > 0);
  return static_cast<int32_t>(std::lround(std::log2(static_cast<double>(useful_points)) + 3));
}

int32_t AnhojCrossingsMin(int32_t useful_points) {
  TB_CHECK(useful_points > 0 && useful_points <= kSeriesPointsMax);
  const int32_t trials = useful_points - 1;
  // P(X = 0) = 2^-trials stays a normal double up to 1022 trials; the series limit
  // keeps us far from that.
  double probability = std::ldexp(1.0, -trials);
  double cumulative = probability;
  int32_t c = 0;
  while (cumulative < 0.05) {
    probability *= static_cast<double>(trials - c) / (c + 1);
    ++c;
    cumulative += probability;
  }
  return c;
}

AnhojResult AnalyseAnhoj(absl::Span<const double> values) {
  return AnalyseAnhojAround(values, Median(values));
}

AnhojResult AnalyseAnhojAround(absl::Span<const double> values, double median) {
  scan::CheckSeries(values, kSeriesPointsMax);
  AnhojResult result;
  result.median = median;
  int32_t first_useful = -1, last_useful = -1, runs = 0;
  scan::ForEachSideRun(values, median, scan::OnCentre::kSkip,
                       [&](int32_t first, int32_t last, int32_t length, Direction) {
                         if (first_useful < 0) first_useful = first;
                         last_useful = last;
                         result.useful_points += length;
                         if (length > result.longest_run) result.longest_run = length;
                         ++runs;
                       });
  result.crossings = runs > 0 ? runs - 1 : 0;
  result.not_enough_points = result.useful_points < kRunChartUsefulPointsMin;
  if (result.not_enough_points) return result;
  result.longest_run_max = AnhojLongestRunMax(result.useful_points);
  result.crossings_min = AnhojCrossingsMin(result.useful_points);
  // A second pass names the long runs; the limit needs n, known only after the first.
  scan::ForEachSideRun(values, median, scan::OnCentre::kSkip,
                       [&](int32_t first, int32_t last, int32_t length, Direction side) {
                         if (length > result.longest_run_max) {
                           result.signals.push_back({SignalKind::kLongRun, side, first, last});
                         }
                       });
  if (result.crossings < result.crossings_min) {
    result.signals.push_back(
        {SignalKind::kTooFewCrossings, Direction::kNone, first_useful, last_useful});
  }
  return result;
}

}  // namespace timebank::rewards
