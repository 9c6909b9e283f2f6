// Run-chart analysis as the IHI publishes it (Perla, Provost & Murray, "The run chart:
// a simple analytical tool for learning from variation in healthcare processes", BMJ
// Qual Saf 2011;20:46-51). The centre line is the median. Points exactly on the median
// are not "useful": they neither count towards nor break a run or a shift. The rules:
//   shift  six or more useful points in a row on one side of the median;
//   trend  five or more points all going up or all going down; a value repeating the
//          one before is counted once (it neither adds to nor breaks the trend). The
//          paper counts points, so five points are four steps; the issue's "five
//          consecutive increases" is read as the paper's rule;
//   runs   too few or too many runs (a run is a stretch of useful points on one side)
//          against the paper's table (Swed & Eisenhart, about 5% overall) for 10 to 60
//          useful points; beyond 60 the normal approximation to the same distribution
//          gives the limits (it meets the table's last row at 60).
// With fewer than 10 useful points the rules do not apply: the result sets
// not_enough_points and carries no signals (the median and counts are still given).
//
// Series are short (a dashboard is at most 10 years of weeks), so the functions copy
// the series onto the stack for the median and allocate only the signal vector.
#ifndef TIMEBANK_SERVICES_REWARDS_ANALYSIS_RUN_CHART_H_
#define TIMEBANK_SERVICES_REWARDS_ANALYSIS_RUN_CHART_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "services/rewards/analysis/signal.h"

namespace timebank::rewards {

// The longest series any analysis takes: ten years of weeks, with room to spare (the
// service refuses periods over 10 years before it builds a series).
inline constexpr int32_t kSeriesPointsMax = 600;
inline constexpr int32_t kRunChartUsefulPointsMin = 10;
inline constexpr int32_t kShiftPointsMin = 6;
inline constexpr int32_t kTrendPointsMin = 5;
// The runs table's last row; more useful points use the normal approximation.
inline constexpr int32_t kRunsTableUsefulPointsMax = 60;

// The middle value (the mean of the two middle values for an even count). 0 for an
// empty series. O(n) expected.
double Median(absl::Span<const double> values);

// The fewest and most runs that are not a signal for this many useful points
// (>= kRunChartUsefulPointsMin): runs < lower is too few, runs > upper too many.
struct RunsLimits {
  int32_t lower;
  int32_t upper;

  friend bool operator==(const RunsLimits&, const RunsLimits&) = default;
};
RunsLimits RunsLimitsFor(int32_t useful_points);

struct RunChartResult {
  double median = 0;
  int32_t points = 0;
  int32_t useful_points = 0;  // points not on the median
  int32_t runs = 0;
  RunsLimits runs_limits = {0, 0};  // {0, 0} when not_enough_points
  bool not_enough_points = true;
  // Shifts, then trends, then the runs signal; each kind in order of its first point.
  std::vector<Signal> signals;
};

RunChartResult AnalyseRunChart(absl::Span<const double> values);
// The rules against a centre line frozen from a baseline (change analysis judges the
// points after a change against the median before it, change_analysis.h). Shift and
// trend apply however few points there are, since each needs its own six or five; only
// the runs rule needs kRunChartUsefulPointsMin useful points (not_enough_points says
// whether it was applied).
RunChartResult AnalyseRunChartAgainstBaseline(absl::Span<const double> values,
                                              double baseline_median);

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_ANALYSIS_RUN_CHART_H_
