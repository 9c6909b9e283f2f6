// A member's rights over their rewards data: the MemberDataDesk answers the directory's
// two service-only calls, ExportMemberRewards (the rewards part of a member's data
// export) and EraseMemberRewards (the rewards part of an erasure). An erasure is a
// RecognitionEvent (MemberErased), so a rebuild replays it at the same journal position
// and the projection after a rebuild equals the live one (decision 0007).
#ifndef TIMEBANK_SERVICES_REWARDS_MEMBER_DATA_H_
#define TIMEBANK_SERVICES_REWARDS_MEMBER_DATA_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "services/common/clock.h"
#include "services/rewards/projection.h"
#include "services/rewards/rewards_book.h"
#include "timebank/directory/v1/auth.pb.h"
#include "timebank/rewards/v1/rewards.pb.h"

namespace timebank::rewards {

class MemberDataDesk {
 public:
  MemberDataDesk(RewardsProjection* projection, RewardsBook* book, const Clock* clock)
      : projection_(projection), book_(book), clock_(clock) {}

  absl::StatusOr<::timebank::rewards::v1::MemberRewardsExport> Export(
      const ::timebank::directory::v1::Principal& caller,
      const ::timebank::rewards::v1::ExportMemberRewardsRequest& req);
  // Idempotent: a member erased already is answered with erased_now false.
  absl::StatusOr<::timebank::rewards::v1::EraseMemberRewardsResponse> Erase(
      const ::timebank::directory::v1::Principal& caller,
      const ::timebank::rewards::v1::EraseMemberRewardsRequest& req);

 private:
  RewardsProjection* const projection_;
  RewardsBook* const book_;
  const Clock* const clock_;
};

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_MEMBER_DATA_H_
