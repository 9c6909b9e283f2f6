#include "services/rewards/dashboard_series.h"

#include <functional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "services/rewards/analysis/anhoj.h"
#include "services/rewards/analysis/change_analysis.h"
#include "services/rewards/analysis/run_chart.h"
#include "services/rewards/analysis/weeks.h"
#include "services/rewards/analysis/xmr_chart.h"

namespace timebank::rewards {

namespace xpb = ::timebank::rewards::v1;

namespace {

constexpr double kMinutesPerHour = 60.0;

struct SeriesDef {
  const char* name;
  std::function<double(const xpb::DashboardPeriod&)> value;
};

const std::vector<SeriesDef>& Defs() {
  using P = xpb::DashboardPeriod;
  static const auto* kDefs = new std::vector<SeriesDef>{
      {"active_members", [](const P& p) { return double(p.active_members()); }},
      {"givers", [](const P& p) { return double(p.givers()); }},
      {"receivers", [](const P& p) { return double(p.receivers()); }},
      {"both", [](const P& p) { return double(p.both()); }},
      {"reciprocity_rate", [](const P& p) { return p.reciprocity_rate(); }},
      {"new_members", [](const P& p) { return double(p.new_members()); }},
      {"returning_members", [](const P& p) { return double(p.returning_members()); }},
      {"hours_given", [](const P& p) { return p.minutes_given() / kMinutesPerHour; }},
      {"hours_donated", [](const P& p) { return p.minutes_donated() / kMinutesPerHour; }},
      {"hours_redeemed", [](const P& p) { return p.minutes_redeemed() / kMinutesPerHour; }},
      {"requests_posted", [](const P& p) { return double(p.requests_posted()); }},
      {"requests_answered", [](const P& p) { return double(p.requests_answered()); }},
      {"open_offers", [](const P& p) { return double(p.open_offers()); }},
      {"open_requests", [](const P& p) { return double(p.open_requests()); }},
  };
  return *kDefs;
}

template <class Signals>
void CopySignals(const Signals& signals, google::protobuf::RepeatedPtrField<xpb::Signal>* out) {
  for (const Signal& s : signals) {
    xpb::Signal* o = out->Add();
    o->set_kind(std::string(SignalName(s.kind)));
    o->set_direction(std::string(DirectionName(s.direction)));
    o->set_first_point(s.first);
    o->set_last_point(s.last);
  }
}

void RunChart(absl::Span<const double> v, xpb::RuleSet rules, xpb::RunChartAnalysis* out) {
  if (rules == xpb::RULE_SET_ANHOJ) {
    const AnhojResult a = AnalyseAnhoj(v);
    out->set_median(a.median);
    out->set_useful_points(a.useful_points);
    out->set_not_enough_points(a.not_enough_points);
    out->set_longest_run(a.longest_run);
    out->set_longest_run_max(a.longest_run_max);
    out->set_crossings(a.crossings);
    out->set_crossings_min(a.crossings_min);
    CopySignals(a.signals, out->mutable_signals());
    return;
  }
  const RunChartResult r = AnalyseRunChart(v);
  out->set_median(r.median);
  out->set_useful_points(r.useful_points);
  out->set_not_enough_points(r.not_enough_points);
  out->set_runs(r.runs);
  if (!r.not_enough_points) {
    const RunsLimits limits = RunsLimitsFor(r.useful_points);
    out->set_runs_lower(limits.lower);
    out->set_runs_upper(limits.upper);
  }
  CopySignals(r.signals, out->mutable_signals());
}

void Xmr(absl::Span<const double> v, xpb::XmrAnalysis* out) {
  const XmrResult x = AnalyseXmr(v);
  out->set_mean(x.limits.mean);
  out->set_mean_moving_range(x.limits.mean_moving_range);
  out->set_upper_limit(x.limits.upper);
  out->set_lower_limit(x.limits.lower);
  out->set_trial(x.limits.trial);
  CopySignals(x.signals, out->mutable_signals());
}

int32_t ChangePeriod(Grain grain, const std::string& date) {
  absl::CivilDay day;
  if (!absl::ParseCivilTime(date, &day)) return 0;  // stored dates always parse
  return grain == Grain::kWeek ? FirstWeekStartingOnOrAfter(day) : FirstMonthStartingOnOrAfter(day);
}

}  // namespace

void AddSeries(Grain grain, int32_t first_index, xpb::Dashboard* out) {
  const int32_t n = out->periods_size();
  for (const SeriesDef& def : Defs()) {
    xpb::Series* s = out->add_series();
    s->set_name(def.name);
    for (const xpb::DashboardPeriod& p : out->periods()) s->add_values(def.value(p));
    const absl::Span<const double> v(s->values().data(), static_cast<size_t>(n));
    RunChart(v, out->rule_set(), s->mutable_run_chart());
    Xmr(v, s->mutable_xmr());
    for (const xpb::Annotation& a : out->annotations()) {
      const int32_t at = ChangePointIndex(first_index, n, ChangePeriod(grain, a.date()));
      const ChangeAnalysis c = AnalyseChange(v, at);
      xpb::ChangeAnalysis* o = s->add_changes();
      o->set_annotation_id(a.id());
      o->set_change_point(c.change_index);
      o->set_median_before(c.median_before);
      o->set_median_after(c.median_after);
      o->set_baseline_not_enough(c.baseline_not_enough);
      CopySignals(c.run_chart_after.signals, o->mutable_signals_after());
      CopySignals(c.xmr_after.signals, o->mutable_signals_after());
    }
  }
}

}  // namespace timebank::rewards
