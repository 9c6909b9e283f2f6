#include "services/rewards/analysis/xmr_chart.h"

#include <cmath>
#include <cstdint>

#include "services/rewards/analysis/run_chart.h"
#include "services/rewards/analysis/series_scan.h"
#include "storage/check.h"

namespace timebank::rewards {
namespace {

void AddBeyondLimitSignals(absl::Span<const double> values, const XmrLimits& limits,
                           std::vector<Signal>& signals) {
  for (int32_t i = 0; i < static_cast<int32_t>(values.size()); ++i) {
    if (values[i] > limits.upper) {
      signals.push_back({SignalKind::kBeyondLimit, Direction::kUp, i, i});
    }
    if (values[i] < limits.lower) {
      signals.push_back({SignalKind::kBeyondLimit, Direction::kDown, i, i});
    }
  }
}

// Two points beyond the outer-third line on one side, at most two apart, are two of
// some three in a row. A third such point within two of the last one extends the signal.
class NearLimitTracker {
 public:
  explicit NearLimitTracker(Direction side) : side_(side) {}

  void Flag(int32_t i, std::vector<Signal>& signals) {
    if (previous_ >= 0 && i - previous_ <= 2) {
      if (open_ >= 0 && signals[open_].last == previous_) {
        signals[open_].last = i;
      } else {
        open_ = static_cast<int32_t>(signals.size());
        signals.push_back({SignalKind::kNearLimit, side_, previous_, i});
      }
    }
    previous_ = i;
  }

 private:
  Direction side_;
  int32_t previous_ = -1;
  int32_t open_ = -1;  // index in `signals` of the near_limit signal that may grow
};

void AddNearLimitSignals(absl::Span<const double> values, const XmrLimits& limits,
                         std::vector<Signal>& signals) {
  NearLimitTracker up(Direction::kUp), down(Direction::kDown);
  for (int32_t i = 0; i < static_cast<int32_t>(values.size()); ++i) {
    if (values[i] > limits.upper_outer_third) up.Flag(i, signals);
    if (values[i] < limits.lower_outer_third) down.Flag(i, signals);
  }
}

}  // namespace

XmrLimits XmrLimitsFor(absl::Span<const double> values) {
  scan::CheckSeries(values, kSeriesPointsMax);
  XmrLimits limits;
  const size_t n = values.size();
  limits.trial = n < static_cast<size_t>(kXmrPointsForFirmLimits);
  if (n == 0) return limits;
  double sum = 0, range_sum = 0;
  for (size_t i = 0; i < n; ++i) {
    sum += values[i];
    if (i > 0) range_sum += std::fabs(values[i] - values[i - 1]);
  }
  limits.mean = sum / n;
  limits.mean_moving_range = n > 1 ? range_sum / (n - 1) : 0;
  const double half_width = kXmrLimitFactor * limits.mean_moving_range;
  limits.lower = limits.mean - half_width;
  limits.upper = limits.mean + half_width;
  limits.lower_outer_third = limits.mean - half_width * 2 / 3;
  limits.upper_outer_third = limits.mean + half_width * 2 / 3;
  return limits;
}

XmrResult AnalyseXmr(absl::Span<const double> values) {
  return AnalyseXmrAgainst(values, XmrLimitsFor(values));
}

XmrResult AnalyseXmrAgainst(absl::Span<const double> values, const XmrLimits& limits) {
  scan::CheckSeries(values, kSeriesPointsMax);
  XmrResult result;
  result.limits = limits;
  result.points = static_cast<int32_t>(values.size());
  if (values.size() > 1) {
    result.moving_ranges.reserve(values.size() - 1);
    for (size_t i = 1; i < values.size(); ++i) {
      result.moving_ranges.push_back(std::fabs(values[i] - values[i - 1]));
    }
  }
  AddBeyondLimitSignals(values, limits, result.signals);
  scan::ForEachSideRun(values, limits.mean, scan::OnCentre::kBreak,
                       [&](int32_t first, int32_t last, int32_t length, Direction side) {
                         if (length >= kXmrSideRunPointsMin) {
                           result.signals.push_back({SignalKind::kSideRun, side, first, last});
                         }
                       });
  scan::ForEachMonotoneRun(
      values, scan::Ties::kBreak, [&](int32_t first, int32_t last, int32_t length, Direction way) {
        if (length >= kXmrTrendPointsMin) {
          result.signals.push_back({SignalKind::kSevenTrend, way, first, last});
        }
      });
  AddNearLimitSignals(values, limits, result.signals);
  return result;
}

}  // namespace timebank::rewards
