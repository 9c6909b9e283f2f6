// Leaderboard answers ListLeaderboard: the opt-in leaderboard of issue 13 ("recognition,
// not competition"). It lists only members whose directory consent
// (Consent.appear_on_leaderboards) allows it and who are active members, whoever asks,
// ordered by people helped and then weeks active in the period, never by hours or
// balance (an entry carries neither). Candidates come from the projection alone (one
// community's member records, or its members' pair records with one organisation);
// consent and display names are read from the directory for the members a page shows,
// at most kMaxLookups per call, so one call's work stays bounded.
#ifndef TIMEBANK_SERVICES_REWARDS_LEADERBOARD_H_
#define TIMEBANK_SERVICES_REWARDS_LEADERBOARD_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"
#include "services/common/clock.h"
#include "services/common/peers.h"
#include "services/rewards/projection.h"
#include "timebank/rewards/v1/rewards.pb.h"

namespace timebank::rewards {

class Leaderboard {
 public:
  // The default period, and the longest (ten years, as dashboards).
  static constexpr int32_t kDefaultWeeks = 13;
  static constexpr int32_t kMaxWeeks = 522;
  // Directory look-ups one call may make; past it the page ends early, with a token.
  static constexpr size_t kMaxLookups = 2000;

  Leaderboard(RewardsProjection* projection, People* people, const Clock* clock)
      : projection_(projection), people_(people), clock_(clock) {}

  // INVALID_ARGUMENT naming the field for a bad request; NOT_FOUND for an organisation
  // not in the community; UNAVAILABLE when the directory cannot be reached.
  absl::StatusOr<::timebank::rewards::v1::ListLeaderboardResponse> List(
      const ::timebank::rewards::v1::ListLeaderboardRequest& req);

 private:
  RewardsProjection* const projection_;
  People* const people_;
  const Clock* const clock_;
};

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_LEADERBOARD_H_
