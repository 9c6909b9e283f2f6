// Change analysis: did a change a coordinator annotated ("PDSA cycle 2: Saturday
// sessions start") shift the series? The points before the change are the baseline;
// the points from the change on are judged against the baseline, the way the IHI
// extends a "frozen" median and NHS Making Data Count keeps the baseline's limits:
//   - the medians before and after are both given;
//   - run_chart_after: the IHI rules (run_chart.h) on the after-points against the
//     baseline median (shift and trend however few after-points; the runs rule once
//     there are 10 useful after-points);
//   - xmr_after: the four XmR rules (xmr_chart.h) on the after-points against the
//     baseline's mean and limits (limits.trial if the baseline has under 12 points).
// A baseline with fewer than kRunChartUsefulPointsMin useful points (against its own
// median) cannot anchor the run chart: baseline_not_enough is set and run_chart_after
// has no signals; a baseline of fewer than 2 points has no XmR limits, and xmr_after
// has no signals. Only after-points are judged, so a run that starts before the change
// counts from the change. Signal indices are into the whole series.
#ifndef TIMEBANK_SERVICES_REWARDS_ANALYSIS_CHANGE_ANALYSIS_H_
#define TIMEBANK_SERVICES_REWARDS_ANALYSIS_CHANGE_ANALYSIS_H_

#include <cstdint>

#include "absl/types/span.h"
#include "services/rewards/analysis/run_chart.h"
#include "services/rewards/analysis/xmr_chart.h"

namespace timebank::rewards {

// The index of the first point on or after a change, for a series whose point i is
// period series_first_period + i (weeks or months, weeks.h) and a change whose first
// period is change_period (FirstWeekStartingOnOrAfter / FirstMonthStartingOnOrAfter of
// the annotation's date). Clamped to [0, points]: a change before the series makes
// every point "after", one after it makes none.
int32_t ChangePointIndex(int32_t series_first_period, int32_t points, int32_t change_period);

struct ChangeAnalysis {
  int32_t change_index = 0;
  double median_before = 0;  // 0 when there are no points before
  double median_after = 0;   // 0 when there are no points after
  bool baseline_not_enough = true;
  RunChartResult run_chart_after;
  XmrResult xmr_after;
};

// change_index in [0, values.size()].
ChangeAnalysis AnalyseChange(absl::Span<const double> values, int32_t change_index);

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_ANALYSIS_CHANGE_ANALYSIS_H_
