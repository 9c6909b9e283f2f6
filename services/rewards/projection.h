// RewardsProjection is the rewards store's write side: it applies batches of journal
// entries in order, each batch in one ProjectionTx committed with the cursor (so each
// entry is counted exactly once across restarts and kill -9), wipes the projection for
// a rebuild, and digests it. One thread (the follower) applies; any thread may read
// the store, which only ever holds whole batches.
#ifndef TIMEBANK_SERVICES_REWARDS_PROJECTION_H_
#define TIMEBANK_SERVICES_REWARDS_PROJECTION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/rewards/projector.h"
#include "services/rewards/record_cache.h"
#include "services/rewards/zone_book.h"
#include "storage/kv_store.h"
#include "timebank/ledger/v1/ledger.pb.h"

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
  absl::Status Open();
  uint64_t journal_seq() const { return journal_seq_.load(std::memory_order_acquire); }

  // Applies `entries` (journal order; those at or below journal_seq() are skipped: a
  // reconnect may resend them) in one committed step. Looks up the timezones of
  // communities it has not met (the directory; UNAVAILABLE if unreachable: nothing is
  // written, retry). INTERNAL on a gap in the sequence (nothing written).
  absl::Status Apply(const std::vector<::timebank::ledger::v1::JournalEntry>& entries);

  // Deletes every projection record and the cursor (not the timezones: a rebuild
  // buckets weeks as the first pass did; not annotations). The follower must not be
  // applying.
  absl::Status Wipe();

  // The digest of the projection as committed now.
  absl::StatusOr<ProjectionDigest> Digest() const;

  storage::KvStore* store() const { return store_; }
  // Communities' timezones (readers Resolve() before asking a Zone()).
  ZoneBook* zones() { return &zones_; }

 private:
  storage::KvStore* const store_;
  ZoneBook zones_;
  Projector projector_;
  // Committed records kept parsed between steps (follower thread only).
  RecordCache cache_;
  std::atomic<uint64_t> journal_seq_{0};
};

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_PROJECTION_H_
