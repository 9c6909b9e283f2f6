// ActivityFollower keeps the rewards projection up with the activity service's event
// log (WatchActivity, as the rewards service, from the projection's activity cursor +
// 1): one thread reads the stream into a bounded queue, another applies what is queued
// in steps of up to kMaxBatchEvents, each committed with the activity cursor in one
// batch (RewardsProjection::ApplyActivity), so nothing is counted twice or missed
// across restarts and kill -9. A dropped stream, or a projection that was wiped under
// it (a rebuild), makes it read again from wherever the projection stands.
#ifndef TIMEBANK_SERVICES_REWARDS_ACTIVITY_FOLLOWER_H_
#define TIMEBANK_SERVICES_REWARDS_ACTIVITY_FOLLOWER_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/auth/keyring.h"
#include "services/common/clock.h"
#include "services/rewards/projection.h"
#include "timebank/activity/v1/activity.grpc.pb.h"

namespace timebank::rewards {

class ActivityFollower {
 public:
  // One step applies at most this many events; the queue holds 2 steps (events are a
  // few hundred bytes: about 2 MiB).
  static constexpr size_t kMaxBatchEvents = 4096;
  static constexpr size_t kQueueEvents = 2 * kMaxBatchEvents;

  ActivityFollower(RewardsProjection* projection, auth::Keyring* keyring, const Clock* clock);
  ~ActivityFollower();  // Stop()
  ActivityFollower(const ActivityFollower&) = delete;
  ActivityFollower& operator=(const ActivityFollower&) = delete;

  // Starts following the activity service at `activity` (once; later calls do nothing).
  void Start(std::shared_ptr<grpc::Channel> activity);
  // Joins both threads; safe to call twice and before Start.
  void Stop();
  bool started() const;
  // The newest event seen on the stream (0 before any).
  uint64_t seen_seq() const;
  // Reads again from the projection's cursor (after a wipe: from the first event).
  void ReadAgain();
  // Whether the projection reached activity event `seq` within `timeout`.
  bool AwaitSeq(uint64_t seq, absl::Duration timeout) const;

 private:
  void ReadLoop();
  grpc::Status ReadStream(uint64_t generation);
  void ApplyLoop();
  // Drops what is queued and has the reader start again from the projection's cursor.
  void Restart() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  RewardsProjection* const projection_;
  std::unique_ptr<::timebank::activity::v1::ActivityService::Stub> stub_;
  auth::Keyring* const keyring_;
  const Clock* const clock_;

  mutable absl::Mutex mu_;
  std::deque<::timebank::activity::v1::ActivityEvent> queue_ ABSL_GUARDED_BY(mu_);
  uint64_t queued_seq_ ABSL_GUARDED_BY(mu_) = 0;  // a stream resumes after it
  uint64_t seen_seq_ ABSL_GUARDED_BY(mu_) = 0;
  // Bumped by Restart: events read by an older stream are dropped.
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* stream_ctx_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::thread reader_;
  std::thread applier_;
};

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_ACTIVITY_FOLLOWER_H_
