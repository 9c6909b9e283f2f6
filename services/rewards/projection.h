// RewardsProjection is the rewards store's write side: it applies batches of journal
// entries in order, each batch in one ProjectionTx committed with the cursor (so each
// entry is counted exactly once across restarts and kill -9), wipes the projection for
// a rebuild, and digests it. It also applies the activity service's events (the
// noticeboard's needs met, NeedsMet), each batch committed with the activity cursor in
// the same record. The followers apply (one step at a time, under mu_); any thread may
// read the store, which only ever holds whole batches.
//
// What people do in the rewards service itself (put badge rules in force, hide a badge)
// is a RecognitionEvent: logged at the journal position the projection stands at and
// applied in the same batch (Record), and replayed by a rebuild at exactly that
// position, so a rebuild reaches the same state as the live projection did.
#ifndef TIMEBANK_SERVICES_REWARDS_PROJECTION_H_
#define TIMEBANK_SERVICES_REWARDS_PROJECTION_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/rewards/badge_projector.h"
#include "services/rewards/needs_met.h"
#include "services/rewards/notice_log.h"
#include "services/rewards/projector.h"
#include "services/rewards/record_cache.h"
#include "services/rewards/zone_book.h"
#include "storage/kv_store.h"
#include "timebank/activity/v1/activity.pb.h"
#include "timebank/ledger/v1/ledger.pb.h"
#include "timebank/rewards/v1/rewards_records.pb.h"

namespace timebank::rewards {

struct ProjectionDigest {
  uint64_t journal_seq = 0;
  std::string digest_hex;  // SHA-256 over every projection record, in key order
  uint64_t records = 0;
};

class RewardsProjection {
 public:
  RewardsProjection(storage::KvStore* store, People* people);

  // The last journal sequence applied (0: none). Loaded by Open().
  absl::Status Open() ABSL_LOCKS_EXCLUDED(mu_);
  uint64_t journal_seq() const { return journal_seq_.load(std::memory_order_acquire); }

  // Applies `entries` (journal order; those at or below journal_seq() are skipped: a
  // reconnect may resend them) in one committed step, with the logged events due at
  // their positions (each in a step of its own). Looks up the timezones of
  // communities it has not met (the directory; UNAVAILABLE if unreachable: nothing is
  // written, retry). INTERNAL on a gap in the sequence (nothing written).
  absl::Status Apply(const std::vector<::timebank::ledger::v1::JournalEntry>& entries)
      ABSL_LOCKS_EXCLUDED(mu_);

  // The last activity event applied (0: none).
  uint64_t activity_seq() const { return activity_seq_pub_.load(std::memory_order_acquire); }

  // Applies activity `events` (log order) in one committed step; those at or below
  // activity_seq() are skipped. ABORTED (nothing written) if the first new one does not
  // follow activity_seq() (after a wipe, say): the follower reads again from
  // activity_seq() + 1. UNAVAILABLE if a community's timezone cannot be looked up.
  absl::Status ApplyActivity(const std::vector<::timebank::activity::v1::ActivityEvent>& events)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Logs `event` (its n and after_journal_seq are set here) and applies it, in one
  // batch. The event's own refusal (a badge never awarded, say) writes nothing.
  // UNAVAILABLE while logged events still wait to be replayed (a rebuild is under
  // way): try again shortly.
  absl::StatusOr<::timebank::rewards::v1::RecognitionEvent> Record(
      ::timebank::rewards::v1::RecognitionEvent event) ABSL_LOCKS_EXCLUDED(mu_);

  // Deletes every projection record and the cursor (not the timezones: a rebuild
  // buckets weeks as the first pass did; not annotations nor the event log, which
  // the rebuild replays). The follower must not be applying. It takes many batches; a
  // marker in the cursor makes Open finish a wipe that a crash interrupted.
  absl::Status Wipe() ABSL_LOCKS_EXCLUDED(mu_);

  // The digest of the projection as committed now.
  absl::StatusOr<ProjectionDigest> Digest() const;

  // Records the journal's steps have written (put or deleted) since Open: how much store
  // work an entry costs (tb-loadgen --mode=rewards reports it per rebuilt entry).
  uint64_t records_written() const { return records_written_.load(std::memory_order_relaxed); }

  storage::KvStore* store() const { return store_; }
  // Communities' timezones (readers Resolve() before asking a Zone()).
  ZoneBook* zones() { return &zones_; }
  // The recognition notices the steps made (read and awaited by any thread).
  const NoticeLog* notices() const { return &notices_; }

 private:
  // The events logged after event_n_ and due at or before journal position `seq`.
  absl::StatusOr<std::vector<::timebank::rewards::v1::RecognitionEvent>> DueEvents(uint64_t seq)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Applies one event in a step of its own; replaying, an event that no longer applies
  // (its refusal) is passed over, as it was when first recorded.
  absl::Status ReplayEvent(const ::timebank::rewards::v1::RecognitionEvent& event)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // What an event changes, in `tx`.
  absl::Status ApplyEvent(const ::timebank::rewards::v1::RecognitionEvent& event, ProjectionTx& tx)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status WipeLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status CommitStep(ProjectionTx& tx, uint64_t seq, uint64_t event_n)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  storage::KvStore* const store_;
  ZoneBook zones_;
  Projector projector_;
  BadgeProjector badges_;
  NoticeLog notices_;
  NeedsMet needs_;
  // Held while a step is applied or an event recorded: the two never interleave.
  absl::Mutex mu_;
  // Committed records kept parsed between steps (the applier and Record, under mu_).
  RecordCache cache_ ABSL_GUARDED_BY(mu_);
  // The position committed, and the one published to readers: the same once a call
  // that applies ends (events due at a position are applied before it is published).
  uint64_t applied_seq_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<uint64_t> journal_seq_{0};
  uint64_t event_n_ ABSL_GUARDED_BY(mu_) = 0;       // the last event applied
  uint64_t last_event_n_ ABSL_GUARDED_BY(mu_) = 0;  // the last event logged
  uint64_t activity_seq_ ABSL_GUARDED_BY(mu_) = 0;  // the last activity event applied
  std::atomic<uint64_t> activity_seq_pub_{0};
  std::atomic<uint64_t> records_written_{0};
};

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_PROJECTION_H_
