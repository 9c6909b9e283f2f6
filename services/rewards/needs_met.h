// NeedsMet folds the activity service's event log into the noticeboard side of the
// dashboards ("needs met"): requests posted and answered, and offers and requests
// opened and closed, in the community's week and month buckets (organisation 0: posts
// belong to no organisation). A request is answered once, by the first confirmed
// exchange that names it, in the week and month that exchange happened; if that
// exchange is reversed the answer is taken back (a later confirmed exchange may answer
// it again). What it remembers of each post (PostFacts) holds no text. Pure over a
// ProjectionTx, like Projector: the caller commits it with the activity cursor.
#ifndef TIMEBANK_SERVICES_REWARDS_NEEDS_MET_H_
#define TIMEBANK_SERVICES_REWARDS_NEEDS_MET_H_

#include <cstdint>

#include "absl/status/status.h"
#include "services/rewards/projection_tx.h"
#include "services/rewards/zone_book.h"
#include "timebank/activity/v1/activity.pb.h"

namespace timebank::rewards {

class NeedsMet {
 public:
  // Every community named by the events applied must have been Resolve()d in `zones`.
  explicit NeedsMet(const ZoneBook* zones) : zones_(zones) {}

  // Adds `event`'s effect to `tx`. Events must come in log order, each once. Events
  // that concern no post (most activity changes) count nothing.
  absl::Status Apply(const ::timebank::activity::v1::ActivityEvent& event, ProjectionTx& tx) const;

  // The community an event concerns (0: none this counts).
  static uint64_t CommunityOf(const ::timebank::activity::v1::ActivityEvent& event);

 private:
  absl::Status ApplyPost(const ::timebank::activity::v1::Post& post, absl::Time changed_at,
                         ProjectionTx& tx) const;
  absl::Status ApplyExchange(const ::timebank::activity::v1::Activity& exchange,
                             ProjectionTx& tx) const;

  const ZoneBook* const zones_;
};

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_NEEDS_MET_H_
