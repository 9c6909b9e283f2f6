// EventLog is the activity service's event log: every change to an activity or a
// noticeboard post, in order, as an ActivityEvent under 'E' + u64 seq, appended in the
// same batch as the change (a post's event carries no text: AppendPost). Readers page through it
// (ReadEvents) or wait for the next event (WaitForEvent), woken by the commit that adds it.
#ifndef TIMEBANK_SERVICES_ACTIVITY_EVENT_LOG_H_
#define TIMEBANK_SERVICES_ACTIVITY_EVENT_LOG_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/records/records.h"
#include "storage/kv_store.h"
#include "timebank/activity/v1/activity.pb.h"

namespace timebank::activity {

class EventLog {
 public:
  EventLog(storage::KvStore* store, storage::ColumnFamily cf, char tag);

  // Appends the activity's new state to `tx`; watchers wake once it commits.
  void Append(records::Tx& tx, const ::timebank::activity::v1::Activity& a);
  // Appends the post's new state, changed at `at`, without its title, details or tags.
  void AppendPost(records::Tx& tx, const ::timebank::activity::v1::Post& p, absl::Time at);
  // Events from `from_seq`, at most `limit`, in order.
  absl::StatusOr<std::vector<::timebank::activity::v1::ActivityEvent>> Read(uint64_t from_seq,
                                                                            size_t limit) const;
  // True once an event after `after_seq` exists; false if `timeout` passes first.
  bool WaitFor(uint64_t after_seq, absl::Duration timeout);
  // Calls `edit` on every event (in order); rewrites in `tx` those it changed (returned
  // true for). Returns how many it changed.
  absl::StatusOr<size_t> Rewrite(
      records::Tx& tx,
      const std::function<bool(::timebank::activity::v1::ActivityEvent*)>& edit) const;

 private:
  void AppendEvent(records::Tx& tx, ::timebank::activity::v1::ActivityEvent& e);
  void Committed(uint64_t seq);
  storage::KvStore* const store_;
  const storage::ColumnFamily cf_;
  const char tag_;
  absl::Mutex mu_;
  // The newest event seq this process committed (0: none yet).
  uint64_t head_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace timebank::activity

#endif  // TIMEBANK_SERVICES_ACTIVITY_EVENT_LOG_H_
