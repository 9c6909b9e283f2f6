// JournalFollower keeps the rewards projection up with the ledger: one thread reads the
// ledger's WatchJournal stream (as the rewards service, from the projection's cursor + 1)
// into a bounded queue, another applies what is queued in batches of up to
// kMaxBatchEntries, each one committed step. A dropped stream reconnects with backoff
// from wherever the projection stands, so nothing is missed and nothing counted twice.
// Rebuild pauses applying, wipes the projection and replays the journal from entry 1.
// It also runs the ActivityFollower (the noticeboard's needs met), which a rebuild
// replays from the first activity event. The mechanism (threads, queue, backoff,
// generations) is StreamFollower's (stream_follower.h); this class says what it follows.
#ifndef TIMEBANK_SERVICES_REWARDS_JOURNAL_FOLLOWER_H_
#define TIMEBANK_SERVICES_REWARDS_JOURNAL_FOLLOWER_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/common/auth/keyring.h"
#include "services/common/clock.h"
#include "services/rewards/activity_follower.h"
#include "services/rewards/projection.h"
#include "services/rewards/stream_follower.h"
#include "timebank/ledger/v1/ledger.grpc.pb.h"

namespace timebank::rewards {

class JournalFollower {
 public:
  // One committed step applies at most this many entries; the queue holds 2 steps.
  // Steps are as large as what is queued: small when following live traffic, full
  // during a catch-up or rebuild, where a larger step reads and writes each member's
  // records and current buckets once for more entries (16,384 entries of about 300
  // bytes each in memory: the queue stays near 16 MiB).
  static constexpr size_t kMaxBatchEntries = 16384;

  JournalFollower(RewardsProjection* projection, auth::Keyring* keyring, const Clock* clock);
  ~JournalFollower();  // Stop()
  JournalFollower(const JournalFollower&) = delete;
  JournalFollower& operator=(const JournalFollower&) = delete;

  // Starts following the ledger at `ledger` (once; later calls do nothing).
  void Start(std::shared_ptr<grpc::Channel> ledger);
  // Also follows the activity service's events at `activity` (once).
  void FollowActivity(std::shared_ptr<grpc::Channel> activity);
  // Joins every thread; safe to call twice and before Start.
  void Stop();

  // Wipes the projection and replays the journal (and the activity events, if
  // followed) up to where they stood at the call.
  // DEADLINE_EXCEEDED if that takes longer than `timeout` (the replay goes on);
  // UNAVAILABLE before Start or once stopping.
  absl::Status Rebuild(absl::Duration timeout);
  // Whether the projection reached `seq` within `timeout`.
  bool AwaitSeq(uint64_t seq, absl::Duration timeout);
  // The ledger's newest entry seen on the stream (0 before any).
  uint64_t seen_seq() const { return stream_.seen_seq(); }

 private:
  RewardsProjection* const projection_;
  StreamFollower<::timebank::ledger::v1::JournalEntry> stream_;
  ActivityFollower activity_;
};

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_JOURNAL_FOLLOWER_H_
