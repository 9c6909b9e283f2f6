// Badge awarding (issue 13, point 4): whether a member's facts meet a rule, and the
// award state machine of one member's badges. A badge is awarded exactly once while its
// rule holds; when a reversal makes the rule fail it is withdrawn (the state is kept and
// shown, never deleted) and awarded again if earned again. Applying the same facts
// twice changes nothing, so re-evaluating every member after a rules change, or during
// a rebuild, never awards twice. Whether a badge is shown is the member's choice and
// outlives withdrawals. The rewards projection owns one MemberBadges per member, keeps
// it with its cursor, and records the events Apply returns (evidence, notifications).
#ifndef TIMEBANK_SERVICES_REWARDS_BADGES_BADGE_AWARDS_H_
#define TIMEBANK_SERVICES_REWARDS_BADGES_BADGE_AWARDS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/rewards/badges/badge_rules.h"
#include "timebank/rewards/v1/badge_rules.pb.h"

namespace timebank::rewards {

// The numbers a rule can test, for one member, lifetime and net of reversals (a reversed
// activity no longer counts). One field per timebank.rewards.v1.Metric; hours are
// derived from minutes, so they are not kept twice.
struct MemberFacts {
  int64_t minutes_given = 0;  // to members and organisations
  int64_t minutes_received = 0;
  int64_t people_helped_count = 0;  // distinct members
  int64_t helped_by_count = 0;      // distinct members
  int64_t organisations_given_to_count = 0;
  // Contributions by Coproduction Star type.
  int64_t co_commission_contributions_count = 0;
  int64_t co_design_contributions_count = 0;
  int64_t co_delivery_contributions_count = 0;
  int64_t co_assessment_contributions_count = 0;
  int64_t current_streak_weeks = 0;
  int64_t longest_streak_weeks = 0;
  int64_t pool_donations_count = 0;
  int64_t pool_donation_minutes = 0;
  int64_t thank_you_notes_received_count = 0;
  int64_t redemptions_count = 0;

  bool operator==(const MemberFacts&) const = default;
};

// The member's value of a metric, in the metric's unit. REQUIRES: a known metric, not
// UNSPECIFIED (rules are validated where they are loaded; checked here all the same).
int64_t MetricValue(v1::Metric metric, const MemberFacts& facts);

// The metric that counts contributions of a Star type. REQUIRES: a known type.
v1::Metric ContributionsMetric(ledger::v1::CoproductionType star_type);

// Whether the member meets the rule now. REQUIRES: a rule ValidateBadgeRules accepts.
bool Holds(const BadgeRule& rule, const MemberFacts& facts);

// Where a member stands with one badge; the fields of v1::BadgeState.
struct BadgeState {
  std::string badge_id;
  int64_t awarded_at_unix_ms = 0;    // the latest award
  int64_t withdrawn_at_unix_ms = 0;  // the latest withdrawal; 0: never withdrawn
  uint32_t times_awarded = 0;
  uint32_t times_withdrawn = 0;
  bool hidden = false;

  // Held now: every withdrawal follows an award, so there is at most one more award.
  bool awarded() const { return times_awarded > times_withdrawn; }
  bool operator==(const BadgeState&) const = default;
};

enum class BadgeChange : uint8_t { kAwarded, kWithdrawn };

// What one Apply changed for one badge.
struct BadgeEvent {
  std::string badge_id;
  BadgeChange change = BadgeChange::kAwarded;
  int64_t at_unix_ms = 0;
  uint32_t times_awarded = 0;  // after the change: 1 on the first award
  bool operator==(const BadgeEvent&) const = default;
};

// One member's badge states, sorted by badge id. A state exists once the badge has been
// awarded and is never removed, also when its rule leaves the rules in force (a badge
// whose rule is gone keeps where it stood: nothing re-evaluates it).
class MemberBadges {
 public:
  // Evaluates every rule against `facts`: awards each badge that holds and is not
  // awarded, withdraws each that is awarded and no longer holds, in the rules' order,
  // at `now` (kept to the millisecond). Pass the time of the entry being projected,
  // not the wall clock, so a rebuild reproduces the same times. REQUIRES: valid rules.
  std::vector<BadgeEvent> Apply(const BadgeRules& rules, const MemberFacts& facts, absl::Time now);

  // The member shows or hides a badge they have been awarded (now or before).
  // NOT_FOUND when they never were; hiding twice is not an error.
  absl::Status SetHidden(std::string_view badge_id, bool hidden);

  // The state of a badge, or null when it was never awarded.
  const BadgeState* Find(std::string_view badge_id) const;
  const std::vector<BadgeState>& states() const { return states_; }

  // The compact stored form (v1::MemberBadgeStates, deterministic) and back. Decode
  // refuses with DATA_LOSS what Encode cannot have written.
  std::string Encode() const;
  static absl::StatusOr<MemberBadges> Decode(std::string_view bytes);
  // The same as a message (what the projection keeps in its records), and back.
  v1::MemberBadgeStates ToProto() const;
  static absl::StatusOr<MemberBadges> FromProto(const v1::MemberBadgeStates& stored);

 private:
  BadgeState* FindMutable(std::string_view badge_id);
  BadgeState* Add(std::string_view badge_id);

  std::vector<BadgeState> states_;  // strictly ascending badge_id
};

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_BADGES_BADGE_AWARDS_H_
