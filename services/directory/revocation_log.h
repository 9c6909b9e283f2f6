// RevocationLog is the directory's record of the revocations it commits (a subject's
// new epoch, an ended session), for the processes that do not host the directory
// (AuthService.PollRevocations). Each event is written in the batch of the change that
// causes it, under the 'V' tag, so a revocation and its record commit together; once
// the batch is durable, Publish applies the events to this process's Revocations (they
// take effect here at once) and to the poll feed. Events older than
// auth::kRevocationWindowS matter to nobody (the tokens they end have expired) and are
// dropped, so the log stays small.
#ifndef TIMEBANK_SERVICES_DIRECTORY_REVOCATION_LOG_H_
#define TIMEBANK_SERVICES_DIRECTORY_REVOCATION_LOG_H_

#include <cstdint>
#include <deque>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/common/auth/revocations.h"
#include "storage/kv_store.h"
#include "storage/record_tx.h"
#include "timebank/directory/v1/auth.pb.h"

namespace timebank::directory {

class RevocationLog {
 public:
  // At most this many events in one PollRevocations answer.
  static constexpr size_t kMaxEventsPerPoll = 10'000;

  RevocationLog(storage::KvStore* store, storage::ColumnFamily cf, auth::Revocations* revocations)
      : store_(store), cf_(cf), revocations_(revocations) {}

  // At start: applies the events recent enough to matter, deletes the others.
  absl::Status Load(int64_t now_s);
  // Adds `event` to `tx` (giving it the next seq and the time) and drops, in the same
  // batch, events that no longer matter. The caller commits, then Publishes. Callers
  // serialise (the directory's write mutex), so seqs are assigned in commit order.
  absl::StatusOr<::timebank::directory::v1::Revocation> Add(
      storage::RecordTx& tx, ::timebank::directory::v1::Revocation event, int64_t now_s);
  // The events of a committed batch: in force here from now on, and in the feed.
  void Publish(const std::vector<::timebank::directory::v1::Revocation>& events);
  // Events after `after_seq` still in the window, at most kMaxEventsPerPoll.
  ::timebank::directory::v1::PollRevocationsResponse Since(uint64_t after_seq, int64_t now_s) const;

 private:
  void Apply(const ::timebank::directory::v1::Revocation& event);

  storage::KvStore* const store_;
  const storage::ColumnFamily cf_;
  auth::Revocations* const revocations_;
  mutable absl::Mutex mu_;
  std::deque<::timebank::directory::v1::Revocation> recent_ ABSL_GUARDED_BY(mu_);  // seq order
  uint64_t head_seq_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace timebank::directory

#endif  // TIMEBANK_SERVICES_DIRECTORY_REVOCATION_LOG_H_
