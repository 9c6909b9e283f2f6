// ActivityFollower keeps the rewards projection up with the activity service's event
// log (WatchActivity, as the rewards service, from the projection's activity cursor +
// 1): one thread reads the stream into a bounded queue, another applies what is queued
// in steps of up to kMaxBatchEvents, each committed with the activity cursor in one
// batch (RewardsProjection::ApplyActivity), so nothing is counted twice or missed
// across restarts and kill -9. A dropped stream, or a projection that was wiped under
// it (a rebuild), makes it read again from wherever the projection stands. The
// mechanism is StreamFollower's (stream_follower.h); this class says what it follows.
#ifndef TIMEBANK_SERVICES_REWARDS_ACTIVITY_FOLLOWER_H_
#define TIMEBANK_SERVICES_REWARDS_ACTIVITY_FOLLOWER_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>

#include "absl/time/time.h"
#include "services/common/auth/keyring.h"
#include "services/common/clock.h"
#include "services/rewards/projection.h"
#include "services/rewards/stream_follower.h"
#include "timebank/activity/v1/activity.grpc.pb.h"

namespace timebank::rewards {

class ActivityFollower {
 public:
  // One step applies at most this many events; the queue holds 2 steps (events are a
  // few hundred bytes: about 2 MiB).
  static constexpr size_t kMaxBatchEvents = 4096;

  ActivityFollower(RewardsProjection* projection, auth::Keyring* keyring, const Clock* clock);
  ~ActivityFollower() = default;  // the stream's Stop()
  ActivityFollower(const ActivityFollower&) = delete;
  ActivityFollower& operator=(const ActivityFollower&) = delete;

  // Starts following the activity service at `activity` (once; later calls do nothing).
  void Start(std::shared_ptr<grpc::Channel> activity);
  // Joins both threads; safe to call twice and before Start.
  void Stop() { stream_.Stop(); }
  bool started() const { return stream_.started(); }
  // The newest event seen on the stream (0 before any).
  uint64_t seen_seq() const { return stream_.seen_seq(); }
  // Reads again from the projection's cursor (after a wipe: from the first event).
  void ReadAgain() { stream_.ReadAgain(); }
  // Whether the projection reached activity event `seq` within `timeout`.
  bool AwaitSeq(uint64_t seq, absl::Duration timeout) const {
    return stream_.AwaitSeq(seq, timeout);
  }

 private:
  StreamFollower<::timebank::activity::v1::ActivityEvent> stream_;
};

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_ACTIVITY_FOLLOWER_H_
