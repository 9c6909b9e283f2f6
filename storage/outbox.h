// An outbox in a record store: work another service must be told about, written in
// the same batch as the change that causes it and removed once the other side has
// acknowledged it. Entries are kept in order under one tag (u64 seq -> u64 scope,
// u64 id, u8 kind); what a kind means is the caller's business.
#ifndef TIMEBANK_STORAGE_OUTBOX_H_
#define TIMEBANK_STORAGE_OUTBOX_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/kv_store.h"
#include "storage/record_tx.h"

namespace timebank::storage {

struct OutboxEntry {
  std::string key;  // delete it (in the acknowledging batch) when done
  uint64_t scope = 0;
  uint64_t id = 0;
  uint8_t kind = 0;
};

class Outbox {
 public:
  Outbox(KvStore* store, ColumnFamily cf, char tag) : store_(store), cf_(cf), tag_(tag) {}
  // Appends an entry to `tx`.
  absl::Status Add(RecordTx& tx, uint64_t scope, uint64_t id, uint8_t kind) const;
  // The oldest `max` entries; *waiting counts the rest.
  absl::StatusOr<std::vector<OutboxEntry>> Oldest(size_t max, size_t* waiting) const;
  size_t Size() const;

 private:
  KvStore* const store_;
  const ColumnFamily cf_;
  const char tag_;
};

}  // namespace timebank::storage

#endif  // TIMEBANK_STORAGE_OUTBOX_H_
