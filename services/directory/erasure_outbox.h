// ErasureOutbox carries a member's erasure to every service that holds their personal
// data. EraseMember writes one entry per target in its own batch ('Z' u64 community,
// u64 member, u8 target -> ""), so an acknowledged erasure is never forgotten; Drain
// calls each target (idempotent service-only RPCs, behind ErasureTargets) and deletes
// an entry once its target answers OK, retrying the others on the next drain. The
// directory's own store is a target too: purging it forces the member's old values out
// of its files, so no backup made afterwards holds them (docs/decisions/0007).
#ifndef TIMEBANK_SERVICES_DIRECTORY_ERASURE_OUTBOX_H_
#define TIMEBANK_SERVICES_DIRECTORY_ERASURE_OUTBOX_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "storage/kv_store.h"
#include "storage/record_tx.h"

namespace timebank::directory {

enum class ErasureTarget : uint8_t {
  kDirectory = 0,  // this store: purged
  kLedger = 1,     // the texts of the member's accounts' transfers
  kActivity = 2,   // descriptions, reasons, posts
  kExpenses = 3,   // claim texts and receipts
  kRewards = 4,    // thank-you notes' texts, leaderboard presence
};
const char* ErasureTargetName(ErasureTarget t);

// The services other than the directory that hold members' personal data.
class ErasureTargets {
 public:
  virtual ~ErasureTargets() = default;
  // The targets this installation has; EraseMember writes an entry for each.
  virtual std::vector<ErasureTarget> Targets() const = 0;
  // OK: that service's copy of the member's data is gone, from its files too.
  virtual absl::Status Erase(ErasureTarget target, uint64_t community_id, uint64_t member_id) = 0;
  // That service's part of the member's data export, as one JSON value; UNIMPLEMENTED
  // when the service adds nothing there (its records are in the ledger's export).
  virtual absl::StatusOr<std::string> ExportJson(ErasureTarget target, uint64_t community_id,
                                                 uint64_t member_id) {
    (void)target, (void)community_id, (void)member_id;
    return absl::UnimplementedError("nothing to export");
  }
};

class ErasureOutbox {
 public:
  static constexpr size_t kMaxEntriesPerDrain = 100;

  // `targets` may be null: then only the directory's own store is purged.
  ErasureOutbox(storage::KvStore* store, storage::ColumnFamily cf, ErasureTargets* targets)
      : store_(store), cf_(cf), targets_(targets) {}

  // Adds an entry for every target to `tx` (the erasure's own batch).
  void Add(storage::RecordTx& tx, uint64_t community_id, uint64_t member_id) const;

  struct Drained {
    // Members whose erasure is now complete everywhere.
    std::vector<std::pair<uint64_t, uint64_t>> completed;
    size_t waiting = 0;  // entries still to do
  };
  // One drain at a time (the periodic one and EraseMember's own), so a member's
  // erasure is completed, and its audit line written, once.
  Drained Drain() ABSL_LOCKS_EXCLUDED(drain_mu_);

 private:
  absl::Mutex drain_mu_;
  storage::KvStore* const store_;
  const storage::ColumnFamily cf_;
  ErasureTargets* const targets_;
};

}  // namespace timebank::directory

#endif  // TIMEBANK_SERVICES_DIRECTORY_ERASURE_OUTBOX_H_
