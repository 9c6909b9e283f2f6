// A signal found in a time series by one of the rule sets (run_chart.h, anhoj.h,
// xmr_chart.h): what kind of pattern it is, which points it spans and which way it
// points. The library never words a signal for people; clients do, and JSON and CSV
// carry the stable short name from SignalName.
#ifndef TIMEBANK_SERVICES_REWARDS_ANALYSIS_SIGNAL_H_
#define TIMEBANK_SERVICES_REWARDS_ANALYSIS_SIGNAL_H_

#include <cstdint>
#include <string_view>

namespace timebank::rewards {

enum class SignalKind : uint8_t {
  // IHI run chart (run_chart.h).
  kShift,        // six or more useful points in a row on one side of the median
  kTrend,        // five or more points all going up or all going down
  kTooFewRuns,   // fewer runs than the table's lower limit
  kTooManyRuns,  // more runs than the table's upper limit
  // Anhøj rules (anhoj.h).
  kLongRun,          // a run longer than round(log2(n) + 3)
  kTooFewCrossings,  // fewer median crossings than the binomial 5% quantile
  // XmR chart, NHS England "Making Data Count" (xmr_chart.h).
  kBeyondLimit,  // a point above the upper or below the lower process limit
  kSideRun,      // seven or more points in a row on one side of the mean
  kSevenTrend,   // seven or more points in a row rising or falling
  kNearLimit,    // two of three points in the outer third on one side
};

enum class Direction : uint8_t {
  kNone,  // runs-count signals: they describe the whole series
  kUp,
  kDown,
};

// first and last are indices into the series the rules were given (inclusive).
struct Signal {
  SignalKind kind;
  Direction direction;
  int32_t first;
  int32_t last;

  friend bool operator==(const Signal&, const Signal&) = default;
};

// Stable names for JSON and CSV: never change one once published.
constexpr std::string_view SignalName(SignalKind kind) {
  switch (kind) {
    case SignalKind::kShift:
      return "shift";
    case SignalKind::kTrend:
      return "trend";
    case SignalKind::kTooFewRuns:
      return "too_few_runs";
    case SignalKind::kTooManyRuns:
      return "too_many_runs";
    case SignalKind::kLongRun:
      return "long_run";
    case SignalKind::kTooFewCrossings:
      return "too_few_crossings";
    case SignalKind::kBeyondLimit:
      return "beyond_limit";
    case SignalKind::kSideRun:
      return "side_run";
    case SignalKind::kSevenTrend:
      return "seven_trend";
    case SignalKind::kNearLimit:
      return "near_limit";
  }
  return "unknown";
}

constexpr std::string_view DirectionName(Direction direction) {
  switch (direction) {
    case Direction::kNone:
      return "none";
    case Direction::kUp:
      return "up";
    case Direction::kDown:
      return "down";
  }
  return "unknown";
}

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_ANALYSIS_SIGNAL_H_
