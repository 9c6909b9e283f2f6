// Series builders shared by the run-chart, Anhøj, XmR and change-analysis tests: a
// series is written as the side of the median each point is on, so a test states the
// pattern it means (runs, shifts) rather than numbers that happen to make it.
#ifndef TIMEBANK_TESTS_REWARDS_ANALYSIS_SERIES_H_
#define TIMEBANK_TESTS_REWARDS_ANALYSIS_SERIES_H_

#include <initializer_list>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "services/rewards/analysis/signal.h"

namespace timebank::rewards {

// Failures print signals by name ("shift up 0..5"), not as bytes.
inline void PrintTo(const Signal& s, std::ostream* os) {
  *os << SignalName(s.kind) << " " << DirectionName(s.direction) << " " << s.first << ".."
      << s.last;
}

}  // namespace timebank::rewards

namespace timebank::rewards::analysis_testing {

inline constexpr double kPatternMedian = 5;

// 'u' above the median, 'd' below, 'm' exactly on it. With as many u as d and at least
// one m the median is kPatternMedian. Values alternate within a side (10 11 10 ...) so
// sides alone make no trend of five.
inline std::vector<double> SeriesFromSides(std::string_view sides) {
  std::vector<double> values;
  for (size_t i = 0; i < sides.size(); ++i) {
    const double wiggle = static_cast<double>(i % 2);
    switch (sides[i]) {
      case 'u':
        values.push_back(10 + wiggle);
        break;
      case 'd':
        values.push_back(0 + wiggle);
        break;
      case 'm':
        values.push_back(kPatternMedian);
        break;
      default:
        ADD_FAILURE() << "bad side " << sides[i];
    }
  }
  return values;
}

// Runs of the given lengths, alternating sides from 'u', then one 'm'.
inline std::string SidesFromRunLengths(std::initializer_list<int> lengths) {
  std::string sides;
  char side = 'u';
  for (int length : lengths) {
    sides.append(length, side);
    side = side == 'u' ? 'd' : 'u';
  }
  return sides + "m";
}

// `useful` points (even) split evenly above and below in exactly `runs` runs, then 'm'.
inline std::string SidesWithRuns(int useful, int runs) {
  const int per_side = useful / 2;
  const int up_runs = (runs + 1) / 2, down_runs = runs / 2;
  std::string sides;
  for (int r = 0; r < runs; ++r) {
    const bool up = r % 2 == 0;
    const int k = r / 2, count = up ? up_runs : down_runs;
    const int length = per_side / count + (k < per_side % count ? 1 : 0);
    sides.append(length, up ? 'u' : 'd');
  }
  return sides + "m";
}

inline std::vector<Signal> OfKind(const std::vector<Signal>& signals, SignalKind kind) {
  std::vector<Signal> out;
  for (const Signal& s : signals) {
    if (s.kind == kind) out.push_back(s);
  }
  return out;
}

}  // namespace timebank::rewards::analysis_testing

#endif  // TIMEBANK_TESTS_REWARDS_ANALYSIS_SERIES_H_
