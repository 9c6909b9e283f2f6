// Projection follows the journal on its own thread and maintains the index family:
// transfer records by id, statement keys by account, account rows with balances, and
// pending timers, together with the cursor they are valid for, in one batch per step.
// It writes without the WAL and without fsync: after a crash it simply resumes from
// the last cursor that reached disk, because the journal holds everything it needs.
// Keeping this off the writer's path leaves the writer one key per transfer.
// Account balances change with every transfer, so they are not rewritten per step:
// the projection snapshots the changed ones every kSnapshotEveryEntries entries, every
// kSnapshotEvery, and at Stop(), under their own cursor.
#ifndef TIMEBANK_SERVICES_LEDGER_PROJECTION_H_
#define TIMEBANK_SERVICES_LEDGER_PROJECTION_H_

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/ledger/ledger_reader.h"
#include "services/ledger/model.h"
#include "storage/kv_store.h"

namespace timebank::ledger {

class Projection {
 public:
  // `accounts` and `balances` are the index's rows as of `cursor` (number order).
  // `balances_stale`: the persisted balance rows are older than `cursor`, so the
  // next snapshot must rewrite all of them. `clock` times the snapshots.
  Projection(storage::KvStore* store, LedgerReader* reader, uint64_t cursor,
             std::vector<AccountInfo> accounts, std::vector<Balances> balances, bool balances_stale,
             const Clock* clock);
  ~Projection();

  void Start();
  // Tells the projection the journal is durable through `head`.
  void Notify(uint64_t head);
  // Catches up with the last notified head, flushes the index and stops.
  void Stop();
  uint64_t cursor() const { return cursor_.load(std::memory_order_acquire); }
  // Blocks until the cursor reaches `seq` (tests and clean shutdown).
  void WaitFor(uint64_t seq);
  // Last error (the projection retries failed steps); ok when healthy.
  absl::Status health() const;

  static constexpr size_t kMaxEntriesPerStep = 32768;
  static constexpr uint64_t kSnapshotEveryEntries = 1 << 20;
  static constexpr absl::Duration kSnapshotEvery = absl::Seconds(10);
  // A step waits this long for more entries unless kMinStepEntries are pending, so
  // steps are large enough to write efficiently.
  static constexpr absl::Duration kStepDelay = absl::Milliseconds(20);
  static constexpr uint64_t kMinStepEntries = 2048;

 private:
  void Run();
  absl::Status Step(uint64_t head, bool snapshot);
  // Adds the changed balance rows and the balances cursor to `batch`.
  void AddSnapshot(storage::WriteBatch* batch, uint64_t through_seq);

  storage::KvStore* const store_;
  LedgerReader* const reader_;
  std::vector<AccountInfo> accounts_;  // index = number - 1 (projection thread only)
  std::vector<Balances> balances_;
  absl::flat_hash_map<std::string, uint64_t> number_by_id_;
  absl::flat_hash_set<uint64_t> balances_dirty_;  // changed since the last snapshot
  bool all_balances_dirty_ = false;
  uint64_t entries_since_snapshot_ = 0;
  const Clock* const clock_;
  absl::Time last_snapshot_;

  std::atomic<uint64_t> cursor_;
  mutable absl::Mutex mu_;
  uint64_t head_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status health_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace timebank::ledger

#endif  // TIMEBANK_SERVICES_LEDGER_PROJECTION_H_
