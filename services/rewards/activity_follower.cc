#include "services/rewards/activity_follower.h"

#include <functional>
#include <utility>
#include <vector>

namespace timebank::rewards {

namespace apb = ::timebank::activity::v1;

ActivityFollower::ActivityFollower(RewardsProjection* projection, auth::Keyring* keyring,
                                   const Clock* clock)
    // ApplyActivity answers ABORTED when the events do not follow its cursor (a wipe):
    // the follower reads again from the cursor.
    : stream_({.cursor = std::bind_front(&RewardsProjection::activity_seq, projection),
               .apply = std::bind_front(&RewardsProjection::ApplyActivity, projection),
               .max_batch_entries = kMaxBatchEvents,
               .step_name = "activity",
               .source_name = "activity service",
               .reread_on_aborted = true},
              keyring, clock) {}

void ActivityFollower::Start(std::shared_ptr<grpc::Channel> activity) {
  std::shared_ptr<apb::ActivityService::Stub> stub =
      apb::ActivityService::NewStub(std::move(activity));
  stream_.Start([stub](grpc::ClientContext* ctx, uint64_t from_seq) {
    apb::WatchActivityRequest req;
    req.set_from_seq(from_seq);
    return stub->WatchActivity(ctx, req);
  });
}

}  // namespace timebank::rewards
