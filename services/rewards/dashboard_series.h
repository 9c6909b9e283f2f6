// The series of a dashboard and their analysis: each weekly or monthly figure as a
// Series with its run chart (IHI or Anhøj rules), its XmR chart (Making Data Count),
// and, for each annotated change in the period, the medians before and after it and
// the signals after it judged against the baseline.
#ifndef TIMEBANK_SERVICES_REWARDS_DASHBOARD_SERIES_H_
#define TIMEBANK_SERVICES_REWARDS_DASHBOARD_SERIES_H_

#include <cstdint>

#include "services/rewards/rewards_records.h"
#include "timebank/rewards/v1/rewards.pb.h"

namespace timebank::rewards {

// Fills out->series from out->periods (the first is bucket `first_index` of `grain`),
// judged by out->rule_set(), with a change analysis for each of out->annotations().
void AddSeries(Grain grain, int32_t first_index, ::timebank::rewards::v1::Dashboard* out);

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_DASHBOARD_SERIES_H_
