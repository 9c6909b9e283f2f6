#include "clients/cli/run_chart_text.h"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"

namespace timebank::cli {
namespace {

// The period start of point `i`, said briefly ("14 Sep"); "" when out of range.
std::string StartOf(const std::vector<std::string>& starts, int i) {
  if (i < 0 || i >= static_cast<int>(starts.size())) return "";
  return ShortDate(starts[i]);
}

int Points(const rpb::Signal& s) { return std::max(1, s.last_point() - s.first_point() + 1); }

// " since 14 Sep" (several points) or " in the week of 14 Sep" (one), when the start
// is known.
std::string Since(const rpb::Signal& s, const std::vector<std::string>& starts,
                  const std::string& period) {
  const std::string start = StartOf(starts, s.first_point());
  if (start.empty()) return "";
  if (Points(s) == 1) return absl::StrCat(" in the ", period, " of ", start);
  return absl::StrCat(" since ", start);
}

// A limit as said: the figures are counts and hours, never below 0, so neither is the
// lower limit shown.
std::string Limits(const rpb::XmrAnalysis& xmr, const SeriesWords& w) {
  return absl::StrCat(Figure(std::max(0.0, xmr.lower_limit())), "–", Figure(xmr.upper_limit()), " ",
                      w.unit);
}

// " (limits 1.9–6.0 members)" when the limits the signal was judged by are known.
std::string LimitsAside(const rpb::XmrAnalysis* xmr, const SeriesWords& w) {
  if (xmr == nullptr) return "";
  return absl::StrCat(" (limits ", Limits(*xmr, w), ")");
}

std::string Side(const rpb::Signal& s, const char* centre) {
  if (s.direction() == "up") return absl::StrCat("above the ", centre);
  if (s.direction() == "down") return absl::StrCat("below the ", centre);
  return absl::StrCat("on one side of the ", centre);
}

// Which way past the limits a beyond-limit signal went.
const char* Beyond(const rpb::Signal& s) {
  if (s.direction() == "up") return "above";
  if (s.direction() == "down") return "below";
  return "beyond";
}

std::string Rising(const rpb::Signal& s) { return s.direction() == "down" ? "falling" : "rising"; }

}  // namespace

std::string HoursAndMinutes(int64_t minutes) {
  minutes = std::max<int64_t>(0, minutes);
  const int64_t h = minutes / 60;
  const int64_t m = minutes % 60;
  if (h == 0) return absl::StrCat(m, " min");
  if (m == 0) return absl::StrCat(h, " h");
  return absl::StrCat(h, " h ", m, " min");
}

std::string ShortDate(std::string_view d) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto two_digits = [&](size_t at) {
    const bool digits = absl::ascii_isdigit(d[at]) && absl::ascii_isdigit(d[at + 1]);
    return digits ? (d[at] - '0') * 10 + (d[at + 1] - '0') : -1;
  };
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return std::string(d);
  const int month = two_digits(5);
  const int day = two_digits(8);
  if (month < 1 || month > 12 || day < 1 || day > 31) return std::string(d);
  return absl::StrCat(day, " ", kMonths[month - 1]);
}

std::string Sparkline(const std::vector<double>& values) {
  static constexpr const char* kBlocks[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  if (values.empty()) return "";
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  std::string out;
  for (double v : values) {
    int level = 3;
    if (*hi > *lo) level = static_cast<int>(std::lround((v - *lo) / (*hi - *lo) * 7));
    out += kBlocks[std::clamp(level, 0, 7)];
  }
  return out;
}

std::string MedianMarks(const std::vector<double>& values, double median) {
  std::string out;
  for (double v : values) out += v > median ? '+' : v < median ? '-' : '=';
  return out;
}

SeriesWords WordsFor(const std::string& name, rpb::Granularity granularity) {
  SeriesWords w;
  w.period = granularity == rpb::GRANULARITY_MONTH ? "month" : "week";
  if (name.rfind("hours_", 0) == 0) {
    w.unit = "hours";
  } else if (name == "reciprocity_rate") {
    w.unit = "(share)";
  } else {
    w.unit = "members";
  }
  return w;
}

std::string Count(int n, const std::string& singular, const std::string& plural) {
  if (n == 1) return absl::StrCat(n, " ", singular);
  return absl::StrCat(n, " ", plural.empty() ? singular + "s" : plural);
}

std::string Figure(double value) {
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return absl::StrCat(static_cast<int64_t>(value));
  }
  return absl::StrFormat("%.1f", value);
}

namespace {

constexpr char kBeyondLimit[] = "beyond_limit";

// The run-chart rules' words; "" for a kind that is not a run-chart rule.
std::string RunChartWords(const rpb::Signal& s, const rpb::RunChartAnalysis* run,
                          const std::vector<std::string>& starts, const SeriesWords& w) {
  const std::string n = Count(Points(s), w.period);
  if (s.kind() == "shift") {
    return absl::StrCat(n, " in a row ", Side(s, "median"), Since(s, starts, w.period),
                        ": likely a real change");
  }
  if (s.kind() == "trend") return absl::StrCat("trend: ", n, " in a row ", Rising(s));
  if (s.kind() == "too_few_runs") {
    if (run == nullptr)
      return "fewer runs across the median than chance gives: likely a real change";
    return absl::StrCat("only ", run->runs(), " runs across the median (chance gives at least ",
                        run->runs_lower(), "): likely a real change");
  }
  if (s.kind() == "too_many_runs") {
    const std::string runs =
        run == nullptr ? "more runs across the median than chance gives"
                       : absl::StrCat(run->runs(), " runs across the median (chance gives at most ",
                                      run->runs_upper(), ")");
    return absl::StrCat(runs, ": the figures swing more than chance would");
  }
  if (s.kind() == "long_run") {
    const std::string most =
        run == nullptr ? "" : absl::StrCat(" (chance gives at most ", run->longest_run_max(), ")");
    return absl::StrCat(n, " in a row ", Side(s, "median"), Since(s, starts, w.period), most,
                        ": likely a real change");
  }
  if (s.kind() == "too_few_crossings") {
    if (run == nullptr) {
      return "the line crosses the median fewer times than chance gives: likely a real change";
    }
    return absl::StrCat("the line crosses the median only ", run->crossings(),
                        " times (chance gives at least ", run->crossings_min(),
                        "): likely a real change");
  }
  return "";
}

// The XmR rules' words; "" for a kind that is not an XmR rule. `merged`: how many
// beyond-limit signals `s` stands for (see DescribeSignals).
std::string XmrWords(const rpb::Signal& s, int merged, const rpb::XmrAnalysis* xmr,
                     const std::vector<std::string>& starts, const SeriesWords& w) {
  const std::string n = Count(Points(s), w.period);
  if (s.kind() == kBeyondLimit) {
    const std::string where = merged > 1 ? absl::StrCat(" in a row ", Beyond(s)) : " beyond";
    return absl::StrCat(n, where, " the usual range", LimitsAside(xmr, w),
                        Since(s, starts, w.period));
  }
  if (s.kind() == "side_run")
    return absl::StrCat(n, " in a row ", Side(s, "mean"), Since(s, starts, w.period));
  if (s.kind() == "seven_trend") return absl::StrCat("trend: ", n, " in a row ", Rising(s));
  if (s.kind() == "near_limit") {
    return absl::StrCat(n, " close to the ", s.direction() == "down" ? "lower" : "upper", " limit",
                        Since(s, starts, w.period));
  }
  return "";
}

std::string Words(const rpb::Signal& s, int merged, const SignalFigures& f,
                  const std::vector<std::string>& starts, const SeriesWords& w) {
  std::string out = RunChartWords(s, f.run, starts, w);
  if (out.empty()) out = XmrWords(s, merged, f.xmr, starts, w);
  // A kind this client does not know yet: said without its identifier's underscores.
  if (out.empty()) {
    out = absl::StrCat("unusual pattern (", absl::StrReplaceAll(s.kind(), {{"_", " "}}), ")",
                       Since(s, starts, w.period));
  }
  return out;
}

// One line's worth: a signal, or several touching beyond-limit ones joined.
struct Joined {
  rpb::Signal signal;
  int merged = 1;
};

// The signals with touching or overlapping beyond-limit ones in the same direction
// joined, each joined one where its earliest-listed member was.
std::vector<Joined> JoinBeyondLimit(const google::protobuf::RepeatedPtrField<rpb::Signal>& in) {
  std::vector<int> beyond;  // indexes into `in`, by direction then first point
  for (int i = 0; i < in.size(); ++i) {
    if (in[i].kind() == kBeyondLimit) beyond.push_back(i);
  }
  std::sort(beyond.begin(), beyond.end(), [&](int a, int b) {
    return std::forward_as_tuple(in[a].direction(), in[a].first_point(), a) <
           std::forward_as_tuple(in[b].direction(), in[b].first_point(), b);
  });
  std::vector<int> group_of(in.size(), -1);
  std::vector<Joined> groups;
  std::vector<int> group_first;  // the earliest list index in each group
  for (int i : beyond) {
    Joined* last = groups.empty() ? nullptr : &groups.back();
    if (last != nullptr && last->signal.direction() == in[i].direction() &&
        in[i].first_point() <= last->signal.last_point() + 1) {
      last->signal.set_last_point(std::max(last->signal.last_point(), in[i].last_point()));
      ++last->merged;
      group_first.back() = std::min(group_first.back(), i);
    } else {
      groups.push_back({in[i], 1});
      group_first.push_back(i);
    }
    group_of[i] = static_cast<int>(groups.size()) - 1;
  }
  std::vector<Joined> out;
  for (int i = 0; i < in.size(); ++i) {
    if (group_of[i] < 0) {
      out.push_back({in[i], 1});
    } else if (group_first[group_of[i]] == i) {
      out.push_back(groups[group_of[i]]);
    }
  }
  return out;
}

}  // namespace

std::string DescribeSignal(const rpb::Signal& s, const SignalFigures& f,
                           const std::vector<std::string>& starts, const SeriesWords& w) {
  return Words(s, 1, f, starts, w);
}

std::string DescribeRunChartSignal(const rpb::Signal& s, const rpb::RunChartAnalysis& run,
                                   const std::vector<std::string>& starts, const SeriesWords& w) {
  return DescribeSignal(s, {.run = &run}, starts, w);
}

std::string DescribeXmrSignal(const rpb::Signal& s, const rpb::XmrAnalysis& xmr,
                              const std::vector<std::string>& starts, const SeriesWords& w) {
  return DescribeSignal(s, {.xmr = &xmr}, starts, w);
}

std::vector<std::string> DescribeSignals(
    const google::protobuf::RepeatedPtrField<rpb::Signal>& signals, const SignalFigures& f,
    const std::vector<std::string>& starts, const SeriesWords& w) {
  std::vector<std::string> lines;
  for (const Joined& j : JoinBeyondLimit(signals)) {
    lines.push_back(Words(j.signal, j.merged, f, starts, w));
  }
  return lines;
}

std::vector<std::string> DescribeChangeSignals(const rpb::ChangeAnalysis& change,
                                               const std::vector<std::string>& starts,
                                               const SeriesWords& w) {
  return DescribeSignals(change.signals_after(), SignalFigures{}, starts, w);
}

std::vector<std::string> DescribeSeries(const rpb::Series& series,
                                        const std::vector<std::string>& starts,
                                        rpb::Granularity granularity) {
  const SeriesWords w = WordsFor(series.name(), granularity);
  const rpb::RunChartAnalysis& run = series.run_chart();
  std::vector<std::string> lines = {absl::StrCat("median ", Figure(run.median()), " ", w.unit)};
  if (run.not_enough_points()) {
    lines.push_back(
        absl::StrCat("not enough ", w.period, "s yet to judge (needs ", kRunChartMinPoints, ")"));
  } else if (run.signals().empty()) {
    lines.push_back("no signal: the ups and downs look like ordinary variation");
  }
  for (std::string& line : DescribeSignals(run.signals(), {.run = &run}, starts, w)) {
    lines.push_back(std::move(line));
  }
  const rpb::XmrAnalysis& xmr = series.xmr();
  if (series.has_xmr()) {
    lines.push_back(absl::StrCat("usual range ", Limits(xmr, w),
                                 xmr.trial() ? " (trial limits: fewer than 12 points)" : ""));
  }
  for (std::string& line : DescribeSignals(xmr.signals(), {.xmr = &xmr}, starts, w)) {
    lines.push_back(std::move(line));
  }
  return lines;
}

std::string DescribeChange(const rpb::ChangeAnalysis& change, const rpb::Annotation& annotation,
                           const SeriesWords& w) {
  std::string out =
      absl::StrFormat("After '%s' (%s): median %.1f → %.1f %s", annotation.text(),
                      annotation.date(), change.median_before(), change.median_after(), w.unit);
  if (change.baseline_not_enough()) {
    absl::StrAppend(&out, " (too few ", w.period, "s before it to judge a change)");
  }
  return out;
}

}  // namespace timebank::cli
