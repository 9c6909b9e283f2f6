#include "services/rewards/badges/badge_awards.h"

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "storage/absl_compat.h"
#include "storage/check.h"

namespace timebank::rewards {
namespace {

namespace rpb = ::timebank::rewards::v1;
namespace lpb = ::timebank::ledger::v1;

constexpr int64_t kMinutesPerHour = 60;

bool IdLess(const BadgeState& state, std::string_view id) { return state.badge_id < id; }

absl::Status Corrupt(std::string_view problem) {
  return absl::DataLossError(absl::StrCat("stored badge states: ", AsAbsl(problem)));
}

// What Encode can have written for one state, given the one before it.
absl::Status CheckStoredState(const BadgeState& state, const BadgeState* previous) {
  if (!IsValidBadgeId(state.badge_id)) {
    return Corrupt(
        absl::StrFormat("badge id \"%s\" is not valid", absl::CHexEscape(state.badge_id)));
  }
  if (previous != nullptr && !(previous->badge_id < state.badge_id)) {
    return Corrupt(absl::StrFormat("badge \"%s\" is out of order or repeated", state.badge_id));
  }
  if (state.times_awarded == 0 || state.times_withdrawn > state.times_awarded ||
      state.times_awarded - state.times_withdrawn > 1) {
    return Corrupt(absl::StrFormat("badge \"%s\" was awarded %d and withdrawn %d times",
                                   state.badge_id, state.times_awarded, state.times_withdrawn));
  }
  return absl::OkStatus();
}

}  // namespace

int64_t MetricValue(v1::Metric metric, const MemberFacts& facts) {
  switch (metric) {
    case rpb::METRIC_MINUTES_GIVEN:
      return facts.minutes_given;
    case rpb::METRIC_HOURS_GIVEN:
      return facts.minutes_given / kMinutesPerHour;
    case rpb::METRIC_MINUTES_RECEIVED:
      return facts.minutes_received;
    case rpb::METRIC_HOURS_RECEIVED:
      return facts.minutes_received / kMinutesPerHour;
    case rpb::METRIC_PEOPLE_HELPED_COUNT:
      return facts.people_helped_count;
    case rpb::METRIC_HELPED_BY_COUNT:
      return facts.helped_by_count;
    case rpb::METRIC_ORGANISATIONS_GIVEN_TO_COUNT:
      return facts.organisations_given_to_count;
    case rpb::METRIC_CO_COMMISSION_CONTRIBUTIONS_COUNT:
      return facts.co_commission_contributions_count;
    case rpb::METRIC_CO_DESIGN_CONTRIBUTIONS_COUNT:
      return facts.co_design_contributions_count;
    case rpb::METRIC_CO_DELIVERY_CONTRIBUTIONS_COUNT:
      return facts.co_delivery_contributions_count;
    case rpb::METRIC_CO_ASSESSMENT_CONTRIBUTIONS_COUNT:
      return facts.co_assessment_contributions_count;
    case rpb::METRIC_CURRENT_STREAK_WEEKS:
      return facts.current_streak_weeks;
    case rpb::METRIC_LONGEST_STREAK_WEEKS:
      return facts.longest_streak_weeks;
    case rpb::METRIC_POOL_DONATIONS_COUNT:
      return facts.pool_donations_count;
    case rpb::METRIC_POOL_DONATION_MINUTES:
      return facts.pool_donation_minutes;
    case rpb::METRIC_THANK_YOU_NOTES_RECEIVED_COUNT:
      return facts.thank_you_notes_received_count;
    case rpb::METRIC_REDEMPTIONS_COUNT:
      return facts.redemptions_count;
    default:
      break;
  }
  TB_CHECK(false && "metric of a validated rule");
  return 0;
}

v1::Metric ContributionsMetric(ledger::v1::CoproductionType star_type) {
  switch (star_type) {
    case lpb::COPRODUCTION_TYPE_CO_COMMISSION:
      return rpb::METRIC_CO_COMMISSION_CONTRIBUTIONS_COUNT;
    case lpb::COPRODUCTION_TYPE_CO_DESIGN:
      return rpb::METRIC_CO_DESIGN_CONTRIBUTIONS_COUNT;
    case lpb::COPRODUCTION_TYPE_CO_DELIVERY:
      return rpb::METRIC_CO_DELIVERY_CONTRIBUTIONS_COUNT;
    case lpb::COPRODUCTION_TYPE_CO_ASSESSMENT:
      return rpb::METRIC_CO_ASSESSMENT_CONTRIBUTIONS_COUNT;
    default:
      break;
  }
  TB_CHECK(false && "Star type of a validated rule");
  return rpb::METRIC_UNSPECIFIED;
}

bool Holds(const BadgeRule& rule, const MemberFacts& facts) {
  switch (rule.kind()) {
    case rpb::RULE_KIND_THRESHOLD:
      return MetricValue(rule.metric(), facts) >= rule.threshold();
    case rpb::RULE_KIND_BOTH:
      return MetricValue(rule.metric(), facts) >= rule.threshold() &&
             MetricValue(rule.second_metric(), facts) >= rule.threshold();
    case rpb::RULE_KIND_FIRST_OF_STAR_TYPE:
      return MetricValue(ContributionsMetric(rule.star_type()), facts) >= 1;
    default:
      break;
  }
  TB_CHECK(false && "kind of a validated rule");
  return false;
}

std::vector<BadgeEvent> MemberBadges::Apply(const BadgeRules& rules, const MemberFacts& facts,
                                            absl::Time now) {
  const int64_t now_unix_ms = absl::ToUnixMillis(now);
  std::vector<BadgeEvent> events;
  for (const BadgeRule& rule : rules.rules()) {
    const bool held = Holds(rule, facts);
    BadgeState* state = FindMutable(rule.id());
    const bool awarded = state != nullptr && state->awarded();
    if (held && !awarded) {
      if (state == nullptr) state = Add(rule.id());
      ++state->times_awarded;
      state->awarded_at_unix_ms = now_unix_ms;
      events.push_back({rule.id(), BadgeChange::kAwarded, now_unix_ms, state->times_awarded});
    } else if (!held && awarded) {
      ++state->times_withdrawn;
      state->withdrawn_at_unix_ms = now_unix_ms;
      events.push_back({rule.id(), BadgeChange::kWithdrawn, now_unix_ms, state->times_awarded});
    }
    // Awarded exactly while held, and never more than one award ahead of withdrawals.
    TB_CHECK((state != nullptr && state->awarded()) == held);
    TB_CHECK(state == nullptr || state->times_awarded - state->times_withdrawn <= 1);
  }
  return events;
}

absl::Status MemberBadges::SetHidden(std::string_view badge_id, bool hidden) {
  BadgeState* state = FindMutable(badge_id);
  if (state == nullptr) {
    return absl::NotFoundError(
        absl::StrFormat("badge_id \"%s\": this member has never been awarded that badge",
                        absl::CHexEscape(AsAbsl(badge_id))));
  }
  state->hidden = hidden;
  return absl::OkStatus();
}

const BadgeState* MemberBadges::Find(std::string_view badge_id) const {
  auto it = std::lower_bound(states_.begin(), states_.end(), badge_id, IdLess);
  return it != states_.end() && it->badge_id == badge_id ? &*it : nullptr;
}

BadgeState* MemberBadges::FindMutable(std::string_view badge_id) {
  return const_cast<BadgeState*>(std::as_const(*this).Find(badge_id));
}

BadgeState* MemberBadges::Add(std::string_view badge_id) {
  auto it = std::lower_bound(states_.begin(), states_.end(), badge_id, IdLess);
  TB_CHECK(it == states_.end() || it->badge_id != badge_id);
  it = states_.insert(it, BadgeState{});
  it->badge_id = std::string(badge_id);
  return &*it;
}

v1::MemberBadgeStates MemberBadges::ToProto() const {
  v1::MemberBadgeStates stored;
  for (const BadgeState& state : states_) {
    v1::BadgeState* out = stored.add_badges();
    out->set_badge_id(state.badge_id);
    out->set_awarded_at_unix_ms(state.awarded_at_unix_ms);
    out->set_withdrawn_at_unix_ms(state.withdrawn_at_unix_ms);
    out->set_times_awarded(state.times_awarded);
    out->set_times_withdrawn(state.times_withdrawn);
    out->set_hidden(state.hidden);
  }
  return stored;
}

std::string MemberBadges::Encode() const { return ToProto().SerializeAsString(); }

absl::StatusOr<MemberBadges> MemberBadges::FromProto(const v1::MemberBadgeStates& stored) {
  MemberBadges badges;
  badges.states_.reserve(static_cast<size_t>(stored.badges_size()));
  for (const v1::BadgeState& in : stored.badges()) {
    BadgeState state{in.badge_id(),      in.awarded_at_unix_ms(), in.withdrawn_at_unix_ms(),
                     in.times_awarded(), in.times_withdrawn(),    in.hidden()};
    const BadgeState* previous = badges.states_.empty() ? nullptr : &badges.states_.back();
    TB_RETURN_IF_ERROR(CheckStoredState(state, previous));
    badges.states_.push_back(std::move(state));
  }
  return badges;
}

absl::StatusOr<MemberBadges> MemberBadges::Decode(std::string_view bytes) {
  v1::MemberBadgeStates stored;
  if (!stored.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Corrupt("not a MemberBadgeStates message");
  }
  return FromProto(stored);
}

}  // namespace timebank::rewards
