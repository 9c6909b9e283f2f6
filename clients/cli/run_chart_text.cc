#include "clients/cli/run_chart_text.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

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

std::string Side(const rpb::Signal& s, const char* centre) {
  if (s.direction() == "up") return absl::StrCat("above the ", centre);
  if (s.direction() == "down") return absl::StrCat("below the ", centre);
  return absl::StrCat("on one side of the ", centre);
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

std::string DescribeRunChartSignal(const rpb::Signal& s, const rpb::RunChartAnalysis& run,
                                   const std::vector<std::string>& starts, const SeriesWords& w) {
  const std::string n = Count(Points(s), w.period);
  if (s.kind() == "shift") {
    return absl::StrCat(n, " in a row ", Side(s, "median"), Since(s, starts, w.period),
                        ": likely a real change");
  }
  if (s.kind() == "trend") return absl::StrCat("trend: ", n, " in a row ", Rising(s));
  if (s.kind() == "too_few_runs") {
    return absl::StrCat("only ", run.runs(), " runs across the median (chance gives at least ",
                        run.runs_lower(), "): likely a real change");
  }
  if (s.kind() == "too_many_runs") {
    return absl::StrCat(run.runs(), " runs across the median (chance gives at most ",
                        run.runs_upper(), "): the figures swing more than chance would");
  }
  if (s.kind() == "long_run") {
    return absl::StrCat(n, " in a row ", Side(s, "median"), Since(s, starts, w.period),
                        " (chance gives at most ", run.longest_run_max(),
                        "): likely a real change");
  }
  if (s.kind() == "too_few_crossings") {
    return absl::StrCat("the line crosses the median only ", run.crossings(),
                        " times (chance gives at least ", run.crossings_min(),
                        "): likely a real change");
  }
  return absl::StrCat(s.kind(), " ", s.direction(), Since(s, starts, w.period));
}

std::string DescribeXmrSignal(const rpb::Signal& s, const rpb::XmrAnalysis& xmr,
                              const std::vector<std::string>& starts, const SeriesWords& w) {
  const std::string n = Count(Points(s), w.period);
  if (s.kind() == "beyond_limit") {
    return absl::StrCat(n, " beyond the usual range (limits ", Limits(xmr, w), ")",
                        Since(s, starts, w.period));
  }
  if (s.kind() == "side_run")
    return absl::StrCat(n, " in a row ", Side(s, "mean"), Since(s, starts, w.period));
  if (s.kind() == "seven_trend") return absl::StrCat("trend: ", n, " in a row ", Rising(s));
  if (s.kind() == "near_limit") {
    return absl::StrCat(n, " close to the ", s.direction() == "down" ? "lower" : "upper", " limit",
                        Since(s, starts, w.period));
  }
  return absl::StrCat(s.kind(), " ", s.direction(), Since(s, starts, w.period));
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
  for (const auto& s : run.signals()) lines.push_back(DescribeRunChartSignal(s, run, starts, w));
  const rpb::XmrAnalysis& xmr = series.xmr();
  if (series.has_xmr()) {
    lines.push_back(absl::StrCat("usual range ", Limits(xmr, w),
                                 xmr.trial() ? " (trial limits: fewer than 12 points)" : ""));
  }
  for (const auto& s : xmr.signals()) lines.push_back(DescribeXmrSignal(s, xmr, starts, w));
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
