// RewardsBook answers the rewards service's questions from the projection alone: a
// member's summary (lifetime, the last 4, 13 and 52 weeks, partners, the Star, streaks)
// and a community's or organisation's weeks or months. Every answer reads a bounded
// number of aggregate records (a member's record and at most 52 weekly buckets; one
// bucket per period of a dashboard), never transfers. Reads see whole projection steps
// (one snapshot per answer).
#ifndef TIMEBANK_SERVICES_REWARDS_REWARDS_BOOK_H_
#define TIMEBANK_SERVICES_REWARDS_REWARDS_BOOK_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "services/common/clock.h"
#include "services/common/peers.h"
#include "services/rewards/annotations.h"
#include "services/rewards/projection.h"
#include "timebank/directory/v1/auth.pb.h"
#include "timebank/rewards/v1/rewards.pb.h"

namespace timebank::rewards {

struct RewardsLimits {
  // The longest dashboard period: ten years.
  static constexpr int32_t kMaxPeriodWeeks = 522;
  static constexpr int32_t kMaxPeriodMonths = 120;
  // Default periods when the request leaves `from` out.
  static constexpr int32_t kDefaultWeeks = 26;
  static constexpr int32_t kDefaultMonths = 12;
};

class RewardsBook {
 public:
  RewardsBook(RewardsProjection* projection, const AnnotationBook* annotations, People* people,
              const Clock* clock);

  // Both ids 0: the caller's own. NOT_FOUND if the member is not in the community.
  absl::StatusOr<::timebank::rewards::v1::MemberSummary> MemberSummary(
      const ::timebank::directory::v1::Principal& caller, uint64_t community_id,
      uint64_t member_id);
  absl::StatusOr<::timebank::rewards::v1::Dashboard> Dashboard(
      const ::timebank::rewards::v1::GetDashboardRequest& req);

 private:
  RewardsProjection* const projection_;
  const AnnotationBook* const annotations_;
  People* const people_;
  const Clock* const clock_;
};

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_REWARDS_BOOK_H_
