#include "services/rewards/activity_follower.h"

#include <utility>
#include <vector>

namespace timebank::rewards {

namespace apb = ::timebank::activity::v1;

namespace {

StreamFollowerOptions<apb::ActivityEvent> ActivityOptions(RewardsProjection* projection) {
  StreamFollowerOptions<apb::ActivityEvent> options;
  options.cursor = [projection] { return projection->activity_seq(); };
  options.apply = [projection](const std::vector<apb::ActivityEvent>& batch) {
    return projection->ApplyActivity(batch);
  };
  options.max_batch_entries = ActivityFollower::kMaxBatchEvents;
  options.queue_entries = ActivityFollower::kQueueEvents;
  options.step_name = "activity";
  options.source_name = "activity service";
  // ApplyActivity answers ABORTED when the events do not follow its cursor (a wipe).
  options.reread_on_aborted = true;
  return options;
}

}  // namespace

ActivityFollower::ActivityFollower(RewardsProjection* projection, auth::Keyring* keyring,
                                   const Clock* clock)
    : stream_(ActivityOptions(projection), keyring, clock) {}

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
