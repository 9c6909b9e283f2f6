// Badges as the projection holds them, for readers: the rules in force for a community
// (an admin's rules, or the defaults every community starts with), a member's badge
// states and the evidence of each award. Reads see one committed snapshot; the writes
// are the projection's (badge_projector.h).
#ifndef TIMEBANK_SERVICES_REWARDS_BADGE_BOOK_H_
#define TIMEBANK_SERVICES_REWARDS_BADGE_BOOK_H_

#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/rewards/badges/badge_awards.h"
#include "services/rewards/badges/badge_rules.h"
#include "storage/kv_store.h"
#include "timebank/rewards/v1/rewards_records.pb.h"

namespace timebank::rewards {

// The default rules (deploy/rewards/badge_rules.textproto, compiled in so an installed
// timebankd needs no data file), as text and parsed. The parsed form is checked once:
// a shipped file that does not validate stops the program (TB_CHECK), since every
// community depends on it.
std::string_view DefaultBadgeRulesText();
std::shared_ptr<const BadgeRules> DefaultBadgeRules();

// The rules in force for community c as of `snapshot`.
absl::StatusOr<std::shared_ptr<const BadgeRules>> ReadRulesInForce(
    storage::KvStore* store, const storage::Snapshot* snapshot, uint64_t c);

// A member's badge states (empty when they have none).
absl::StatusOr<MemberBadges> ReadMemberBadges(storage::KvStore* store,
                                              const storage::Snapshot* snapshot, uint64_t c,
                                              uint64_t member);

// The evidence of the award-th award of a badge (BadgeState.times_awarded); NOT_FOUND
// when there is none.
absl::StatusOr<::timebank::rewards::v1::BadgeEvidence> ReadBadgeEvidence(
    storage::KvStore* store, const storage::Snapshot* snapshot, uint64_t c, uint64_t member,
    std::string_view badge_id, uint32_t award);

// The rule with `badge_id`, or null.
const BadgeRule* FindRule(const BadgeRules& rules, std::string_view badge_id);

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_BADGE_BOOK_H_
