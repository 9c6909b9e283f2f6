#include "services/rewards/analysis/change_analysis.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "storage/check.h"

namespace timebank::rewards {
namespace {

void ShiftIndices(std::vector<Signal>& signals, int32_t offset) {
  for (Signal& s : signals) {
    s.first += offset;
    s.last += offset;
  }
}

}  // namespace

int32_t ChangePointIndex(int32_t series_first_period, int32_t points, int32_t change_period) {
  TB_CHECK(points >= 0);
  const int64_t index = static_cast<int64_t>(change_period) - series_first_period;
  return static_cast<int32_t>(std::clamp<int64_t>(index, 0, points));
}

ChangeAnalysis AnalyseChange(absl::Span<const double> values, int32_t change_index) {
  TB_CHECK(change_index >= 0 && static_cast<size_t>(change_index) <= values.size());
  const absl::Span<const double> before = values.subspan(0, change_index);
  const absl::Span<const double> after = values.subspan(change_index);
  ChangeAnalysis analysis;
  analysis.change_index = change_index;
  analysis.median_before = Median(before);
  analysis.median_after = Median(after);
  // The baseline must carry a run chart of its own before it can judge the after-points.
  const RunChartResult baseline = AnalyseRunChart(before);
  analysis.baseline_not_enough = baseline.not_enough_points;
  analysis.run_chart_after = AnalyseRunChartAgainstBaseline(after, analysis.median_before);
  if (analysis.baseline_not_enough) analysis.run_chart_after.signals.clear();
  ShiftIndices(analysis.run_chart_after.signals, change_index);
  analysis.xmr_after = AnalyseXmrAgainst(after, XmrLimitsFor(before));
  // One baseline point has no moving range, so no limits to judge against.
  if (before.size() < 2) analysis.xmr_after.signals.clear();
  ShiftIndices(analysis.xmr_after.signals, change_index);
  return analysis;
}

}  // namespace timebank::rewards
