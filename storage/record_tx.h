// RecordTx is one atomic, synced change to a store of records: the puts and deletes it
// stages plus named id counters it advances (read once, then kept in the transaction).
// Reads through the transaction see its own staged writes first (read-your-writes), so a
// check made inside the transaction sees what the transaction already did; scans
// (iterators) read the store only. Services build every mutation with one of these, under
// their own write mutex, so checks and writes never interleave.
// services/common/records/ builds a service's record layer on top of this.
#ifndef TIMEBANK_STORAGE_RECORD_TX_H_
#define TIMEBANK_STORAGE_RECORD_TX_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "storage/kv_store.h"

namespace timebank::storage {

class RecordTx {
 public:
  // Counters are stored under counter_tag + name.
  RecordTx(KvStore* store, ColumnFamily cf, char counter_tag);
  // The next value of counter `name` (1, 2, ...), as of this transaction.
  absl::StatusOr<uint64_t> NextId(const std::string& name);
  void Put(std::string_view key, std::string_view value) {
    staged_.insert_or_assign(std::string(key), std::string(value));
  }
  void Delete(std::string_view key) { staged_.insert_or_assign(std::string(key), std::nullopt); }
  // The value of `key` as this transaction would leave it: its own put or delete if it
  // staged one, else the store's. False when there is none.
  absl::StatusOr<bool> Get(std::string_view key, std::string* value) const;
  // Whether the transaction has neither staged a write nor advanced a counter.
  bool Empty() const { return staged_.empty() && counters_.empty(); }
  // Writes everything with sync; UNAVAILABLE (nothing written) if the disk refuses.
  absl::Status Commit();

 private:
  KvStore* const store_;
  const ColumnFamily cf_;
  const char counter_tag_;
  // Key -> value to put, or nullopt to delete; the last write to a key wins, as in a batch.
  std::map<std::string, std::optional<std::string>, std::less<>> staged_;
  std::map<std::string, uint64_t> counters_;
};

}  // namespace timebank::storage

#endif  // TIMEBANK_STORAGE_RECORD_TX_H_
