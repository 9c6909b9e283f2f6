// The two scans every rule set is built from, written once: runs of points on one side
// of a centre line, and runs of points moving one way. Each calls `emit` once per
// maximal run, in order, with the run's first and last index, its length in points
// and its direction. O(n), no allocation. Internal to the analysis library.
#ifndef TIMEBANK_SERVICES_REWARDS_ANALYSIS_SERIES_SCAN_H_
#define TIMEBANK_SERVICES_REWARDS_ANALYSIS_SERIES_SCAN_H_

#include <cmath>
#include <cstdint>

#include "absl/types/span.h"
#include "services/rewards/analysis/signal.h"
#include "storage/check.h"

namespace timebank::rewards::scan {

// Every analysis takes at most kSeriesPointsMax finite points (run_chart.h); the
// service builds series from counts, so anything else is our own bug.
inline void CheckSeries(absl::Span<const double> values, size_t points_max) {
  TB_CHECK(values.size() <= points_max);
  for (double v : values) TB_CHECK(std::isfinite(v));
}

// What a point exactly on the centre line does to a run.
enum class OnCentre : uint8_t {
  kSkip,   // IHI and Anhøj: it neither counts nor breaks the run
  kBreak,  // Making Data Count: it is on neither side, so it ends the run
};

// What a point equal to the one before it does to a rising or falling run.
enum class Ties : uint8_t {
  kSkip,   // IHI: repeated values count once, neither adding to nor breaking a trend
  kBreak,  // Making Data Count: a repeat is neither rising nor falling
};

template <typename Emit>
void ForEachSideRun(absl::Span<const double> values, double centre, OnCentre on_centre,
                    Emit&& emit) {
  Direction side = Direction::kNone;
  int32_t first = 0, last = 0, length = 0;
  for (int32_t i = 0; i < static_cast<int32_t>(values.size()); ++i) {
    const double v = values[i];
    if (v == centre) {
      if (on_centre == OnCentre::kSkip) continue;
      if (length > 0) emit(first, last, length, side);
      side = Direction::kNone;
      length = 0;
      continue;
    }
    const Direction here = v > centre ? Direction::kUp : Direction::kDown;
    if (here == side && length > 0) {
      last = i;
      ++length;
      continue;
    }
    if (length > 0) emit(first, last, length, side);
    side = here;
    first = last = i;
    length = 1;
  }
  if (length > 0) emit(first, last, length, side);
}

// A run's length counts points: a run of five points has four steps. Runs that turn
// share their turning point (5 4 3 4 5: down 0..2, up 2..4).
template <typename Emit>
void ForEachMonotoneRun(absl::Span<const double> values, Ties ties, Emit&& emit) {
  const int32_t n = static_cast<int32_t>(values.size());
  if (n == 0) return;
  Direction way = Direction::kNone;
  int32_t first = 0, last = 0, length = 1;
  for (int32_t i = 1; i < n; ++i) {
    // With skipped ties, values[i - 1] still equals the last distinct value.
    const double step = values[i] - values[i - 1];
    if (step == 0) {
      if (ties == Ties::kSkip) continue;
      if (way != Direction::kNone) emit(first, last, length, way);
      way = Direction::kNone;
      first = last = i;
      length = 1;
      continue;
    }
    const Direction here = step > 0 ? Direction::kUp : Direction::kDown;
    if (here == way) {
      last = i;
      ++length;
      continue;
    }
    if (way != Direction::kNone) emit(first, last, length, way);
    way = here;
    first = i - 1;
    last = i;
    length = 2;
  }
  if (way != Direction::kNone) emit(first, last, length, way);
}

}  // namespace timebank::rewards::scan

#endif  // TIMEBANK_SERVICES_REWARDS_ANALYSIS_SERIES_SCAN_H_
