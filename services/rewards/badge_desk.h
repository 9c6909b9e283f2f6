// BadgeDesk answers the rewards service's badge calls: a member's badges with when and
// why each was awarded, hiding one, and reading or replacing a community's rules. Reads
// come from the committed projection (badge_book.h); the two changes are recognition
// events recorded through the projection, so a rebuild replays them in place.
#ifndef TIMEBANK_SERVICES_REWARDS_BADGE_DESK_H_
#define TIMEBANK_SERVICES_REWARDS_BADGE_DESK_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/clock.h"
#include "services/common/peers.h"
#include "services/rewards/projection.h"
#include "timebank/directory/v1/auth.pb.h"
#include "timebank/rewards/v1/rewards.pb.h"

namespace timebank::rewards {

// The member a request means: the caller when both ids are 0 (a member only), else
// both ids as given; INVALID_ARGUMENT naming them otherwise. `what` names the answer
// ("summary", "badges") in the message.
struct MemberRef {
  uint64_t community_id = 0;
  uint64_t member_id = 0;
};
absl::StatusOr<MemberRef> MemberMeant(const ::timebank::directory::v1::Principal& caller,
                                      uint64_t community_id, uint64_t member_id,
                                      std::string_view what);

// Whether the caller is that member (who alone sees the badges they hid).
bool IsCallerMember(const ::timebank::directory::v1::Principal& caller, uint64_t c,
                    uint64_t member);

// A member's badges as of `snapshot`, in the rules' order (then badges whose rule is
// gone, by id). Withdrawn ones only with `with_withdrawn`; hidden ones only with
// `with_hidden` (the member themself).
absl::StatusOr<std::vector<::timebank::rewards::v1::EarnedBadge>> EarnedBadges(
    storage::KvStore* store, const storage::Snapshot* snapshot, uint64_t c, uint64_t member,
    bool with_withdrawn, bool with_hidden);

class BadgeDesk {
 public:
  BadgeDesk(RewardsProjection* projection, People* people, const Clock* clock)
      : projection_(projection), people_(people), clock_(clock) {}

  absl::StatusOr<::timebank::rewards::v1::ListBadgesResponse> List(
      const ::timebank::directory::v1::Principal& caller,
      const ::timebank::rewards::v1::ListBadgesRequest& req);
  // Only the member themself (the access rule sees to it).
  absl::StatusOr<::timebank::rewards::v1::EarnedBadge> Hide(
      const ::timebank::directory::v1::Principal& caller,
      const ::timebank::rewards::v1::HideBadgeRequest& req);
  absl::StatusOr<::timebank::rewards::v1::BadgeRulesInForce> Rules(uint64_t community_id);
  absl::StatusOr<::timebank::rewards::v1::BadgeRulesInForce> SetRules(
      const ::timebank::directory::v1::Principal& caller,
      const ::timebank::rewards::v1::SetBadgeRulesRequest& req);

 private:
  RewardsProjection* const projection_;
  People* const people_;
  const Clock* const clock_;
};

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_BADGE_DESK_H_
