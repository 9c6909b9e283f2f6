// The words and pictures tbctl puts on the rewards figures: durations in hours and
// minutes, a terminal run chart (a sparkline with the median marked), and each
// run-chart or XmR signal said in plain English. Pure functions of the messages the
// rewards service returns, so they are tested without a server.
#ifndef TIMEBANK_CLIENTS_CLI_RUN_CHART_TEXT_H_
#define TIMEBANK_CLIENTS_CLI_RUN_CHART_TEXT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "timebank/rewards/v1/rewards.pb.h"

namespace timebank::cli {

namespace rpb = ::timebank::rewards::v1;

// Fewer useful points than this and the run-chart rules are not applied.
inline constexpr int kRunChartMinPoints = 10;

// Minutes for people: "12 h 30 min", "3 h", "45 min", "0 min". Never negative: the
// rewards figures are totals, and a negative one is shown as 0.
std::string HoursAndMinutes(int64_t minutes);

// "2026-09-14" -> "14 Sep"; anything else unchanged.
std::string ShortDate(std::string_view yyyy_mm_dd);

// One block character (▁..█) per value, scaled from the lowest to the highest; all
// equal values draw the middle block.
std::string Sparkline(const std::vector<double>& values);
// The line under a sparkline that marks the median: "+" above it, "-" below, "=" on it.
std::string MedianMarks(const std::vector<double>& values, double median);

// How a series' figures read: "hours" for the hours series, "members" otherwise.
struct SeriesWords {
  std::string period;  // "week" or "month"
  std::string unit;    // "hours", "members", "%"
};
SeriesWords WordsFor(const std::string& series_name, rpb::Granularity granularity);

// "1 week", "6 weeks"; `plural` when it is not the singular and an "s" ("people").
std::string Count(int n, const std::string& singular, const std::string& plural = "");

// The figures a signal's words may quote. Either may be null: a change's signals are
// judged against the baseline before it, whose figures the dashboard does not carry,
// and quoting the whole series' limits there would be wrong, so none are quoted.
struct SignalFigures {
  const rpb::RunChartAnalysis* run = nullptr;
  const rpb::XmrAnalysis* xmr = nullptr;
};

// One signal (run-chart or XmR, any kind) in plain words; never the kind's name.
// `starts`: each point's period start (YYYY-MM-DD).
std::string DescribeSignal(const rpb::Signal& signal, const SignalFigures& figures,
                           const std::vector<std::string>& starts, const SeriesWords& words);
// Shorthands for DescribeSignal with one analysis' figures.
std::string DescribeRunChartSignal(const rpb::Signal& signal, const rpb::RunChartAnalysis& run,
                                   const std::vector<std::string>& starts,
                                   const SeriesWords& words);
std::string DescribeXmrSignal(const rpb::Signal& signal, const rpb::XmrAnalysis& xmr,
                              const std::vector<std::string>& starts, const SeriesWords& words);

// A line per signal, in order, except that beyond-limit signals in the same direction
// whose points touch or overlap are one line ("13 weeks in a row above the usual
// range ... since 14 Sep"), said where the first of them is.
std::vector<std::string> DescribeSignals(
    const google::protobuf::RepeatedPtrField<rpb::Signal>& signals, const SignalFigures& figures,
    const std::vector<std::string>& starts, const SeriesWords& words);

// The lines for the signals since a change, as DescribeSignals says them, without the
// baseline's figures (see SignalFigures).
std::vector<std::string> DescribeChangeSignals(const rpb::ChangeAnalysis& change,
                                               const std::vector<std::string>& starts,
                                               const SeriesWords& words);

// Every line a series' run chart says: the median, "not enough weeks yet to judge
// (needs 10)" or its signals (or that none showed), then the XmR range and signals.
std::vector<std::string> DescribeSeries(const rpb::Series& series,
                                        const std::vector<std::string>& starts,
                                        rpb::Granularity granularity);

// "After 'Saturday sessions start' (2026-09-14): median 4.0 → 7.5 hours".
std::string DescribeChange(const rpb::ChangeAnalysis& change, const rpb::Annotation& annotation,
                           const SeriesWords& words);

// A number for a figure: whole numbers without decimals, others to one place.
std::string Figure(double value);

}  // namespace timebank::cli

#endif  // TIMEBANK_CLIENTS_CLI_RUN_CHART_TEXT_H_
