#include "services/rewards/analysis/run_chart.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "services/rewards/analysis/series_scan.h"
#include "storage/check.h"

namespace timebank::rewards {
namespace {

// Perla, Provost & Murray 2011, the table for too few or too many runs (after Swed &
// Eisenhart), rows 10..60 useful observations: {lower, upper} limits on the runs.
constexpr std::array<RunsLimits, kRunsTableUsefulPointsMax - kRunChartUsefulPointsMin + 1>
    kRunsTable = {{
        {3, 9},   {3, 10},  {3, 11},  {4, 11},  {4, 12},  {5, 12},  {5, 13},   // 10-16
        {5, 13},  {6, 14},  {6, 15},  {6, 16},  {7, 16},  {7, 17},  {7, 17},   // 17-23
        {8, 18},  {8, 18},  {9, 19},  {10, 19}, {10, 20}, {10, 20}, {11, 21},  // 24-30
        {11, 22}, {11, 22}, {12, 23}, {12, 23}, {13, 24}, {13, 24}, {13, 25},  // 31-37
        {14, 26}, {14, 26}, {15, 27}, {16, 27}, {16, 28}, {17, 28}, {17, 29},  // 38-44
        {17, 30}, {17, 31}, {18, 31}, {18, 32}, {19, 32}, {19, 33}, {20, 33},  // 45-51
        {20, 34}, {21, 34}, {21, 35}, {22, 35}, {22, 36}, {23, 36}, {23, 37},  // 52-58
        {24, 38}, {24, 38},                                                    // 59-60
    }};

// Runs of n points split evenly above and below: mean n/2 + 1, variance
// n(n-2) / (4(n-1)); the central 95% (z = 1.96).
RunsLimits NormalRunsLimits(int32_t n) {
  const double mean = n / 2.0 + 1.0;
  const double sd = std::sqrt(static_cast<double>(n) * (n - 2) / (4.0 * (n - 1)));
  return {static_cast<int32_t>(std::ceil(mean - 1.96 * sd)),
          static_cast<int32_t>(std::floor(mean + 1.96 * sd))};
}

void CheckSeries(absl::Span<const double> values) { scan::CheckSeries(values, kSeriesPointsMax); }

void AddRunsSignal(RunChartResult& result, int32_t first_useful, int32_t last_useful) {
  if (result.runs < result.runs_limits.lower) {
    result.signals.push_back(
        {SignalKind::kTooFewRuns, Direction::kNone, first_useful, last_useful});
  } else if (result.runs > result.runs_limits.upper) {
    result.signals.push_back(
        {SignalKind::kTooManyRuns, Direction::kNone, first_useful, last_useful});
  }
}

void AddTrendSignals(absl::Span<const double> values, std::vector<Signal>& signals) {
  scan::ForEachMonotoneRun(values, scan::Ties::kSkip,
                           [&](int32_t first, int32_t last, int32_t length, Direction way) {
                             // Repeats were skipped, so length counts distinct values.
                             if (length >= kTrendPointsMin) {
                               signals.push_back({SignalKind::kTrend, way, first, last});
                             }
                           });
}

// kWholeSeries: fewer than 10 useful points silence every rule. kAgainstBaseline:
// they silence only the runs rule.
enum class Mode : uint8_t { kWholeSeries, kAgainstBaseline };

RunChartResult Analyse(absl::Span<const double> values, double median, Mode mode) {
  CheckSeries(values);
  RunChartResult result;
  result.median = median;
  result.points = static_cast<int32_t>(values.size());
  int32_t first_useful = -1, last_useful = -1;
  scan::ForEachSideRun(values, median, scan::OnCentre::kSkip,
                       [&](int32_t first, int32_t last, int32_t length, Direction side) {
                         if (first_useful < 0) first_useful = first;
                         last_useful = last;
                         result.useful_points += length;
                         ++result.runs;
                         if (length >= kShiftPointsMin) {
                           result.signals.push_back({SignalKind::kShift, side, first, last});
                         }
                       });
  result.not_enough_points = result.useful_points < kRunChartUsefulPointsMin;
  if (result.not_enough_points && mode == Mode::kWholeSeries) {
    result.signals.clear();
    return result;
  }
  AddTrendSignals(values, result.signals);
  if (result.not_enough_points) return result;
  result.runs_limits = RunsLimitsFor(result.useful_points);
  AddRunsSignal(result, first_useful, last_useful);
  return result;
}

}  // namespace

double Median(absl::Span<const double> values) {
  CheckSeries(values);
  const size_t n = values.size();
  if (n == 0) return 0;
  std::array<double, kSeriesPointsMax> copy;
  std::copy(values.begin(), values.end(), copy.begin());
  double* mid = copy.data() + n / 2;
  std::nth_element(copy.data(), mid, copy.data() + n);
  if (n % 2 == 1) return *mid;
  // The lower middle value is the largest of the half before mid.
  const double lower = *std::max_element(copy.data(), mid);
  return (lower + *mid) / 2;
}

RunsLimits RunsLimitsFor(int32_t useful_points) {
  TB_CHECK(useful_points >= kRunChartUsefulPointsMin);
  if (useful_points > kRunsTableUsefulPointsMax) return NormalRunsLimits(useful_points);
  return kRunsTable[useful_points - kRunChartUsefulPointsMin];
}

RunChartResult AnalyseRunChart(absl::Span<const double> values) {
  return Analyse(values, Median(values), Mode::kWholeSeries);
}

RunChartResult AnalyseRunChartAgainstBaseline(absl::Span<const double> values,
                                              double baseline_median) {
  return Analyse(values, baseline_median, Mode::kAgainstBaseline);
}

}  // namespace timebank::rewards
