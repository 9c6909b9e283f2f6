// The XmR chart (individuals and moving range) as NHS England's "Making Data Count"
// uses it. The centre line is the mean; the moving ranges are |x[i] - x[i-1]|; the
// process limits are mean ± 2.66 × the mean moving range. Its four signal rules:
//   beyond_limit  a point above the upper or below the lower limit;
//   side_run      seven or more points in a row above, or below, the mean (a point
//                 exactly on the mean is on neither side and ends the run);
//   seven_trend   seven or more points in a row each higher (or each lower) than the
//                 one before (an equal value ends the run);
//   near_limit    two out of three points in a row beyond two thirds of the way from
//                 the mean to a limit, on the same side (points beyond the limit count
//                 too). Overlapping triples are merged into one signal.
// With fewer than 12 points the limits are "trial" limits: trial_limits is set and
// the signals are still given, for the client to show as provisional. The lower limit
// is not clipped at zero; clients may clip it for display.
#ifndef TIMEBANK_SERVICES_REWARDS_ANALYSIS_XMR_CHART_H_
#define TIMEBANK_SERVICES_REWARDS_ANALYSIS_XMR_CHART_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "services/rewards/analysis/signal.h"

namespace timebank::rewards {

inline constexpr double kXmrLimitFactor = 2.66;
inline constexpr int32_t kXmrPointsForFirmLimits = 12;
inline constexpr int32_t kXmrSideRunPointsMin = 7;
inline constexpr int32_t kXmrTrendPointsMin = 7;

struct XmrLimits {
  double mean = 0;
  double mean_moving_range = 0;
  double lower = 0;
  double upper = 0;
  // Two thirds of the way from the mean to each limit: the inner edge of the outer third.
  double lower_outer_third = 0;
  double upper_outer_third = 0;
  bool trial = true;  // computed from fewer than kXmrPointsForFirmLimits points
};

// Limits from the series itself. An empty series gives all zeros (and trial).
XmrLimits XmrLimitsFor(absl::Span<const double> values);

struct XmrResult {
  XmrLimits limits;
  int32_t points = 0;
  std::vector<double> moving_ranges;  // points - 1 of them (none for 0 or 1 point)
  // beyond_limit, then side_run, seven_trend and near_limit, each kind in the order found.
  std::vector<Signal> signals;
};

XmrResult AnalyseXmr(absl::Span<const double> values);
// The four rules against given limits (change analysis judges the points after a
// change against the baseline's limits, change_analysis.h).
XmrResult AnalyseXmrAgainst(absl::Span<const double> values, const XmrLimits& limits);

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_ANALYSIS_XMR_CHART_H_
