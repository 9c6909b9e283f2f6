// RecordTx is one atomic, synced change to a store of records: a WriteBatch plus named
// id counters it advances (read once, then kept in the batch). Services with simple
// record stores (directory, activity) build every mutation with one of these, under
// their own write mutex, so checks and writes never interleave.
#ifndef TIMEBANK_STORAGE_RECORD_TX_H_
#define TIMEBANK_STORAGE_RECORD_TX_H_

#include <cstdint>
#include <map>
#include <memory>
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
  void Put(std::string_view key, std::string_view value) { batch_->Put(cf_, key, value); }
  void Delete(std::string_view key) { batch_->Delete(cf_, key); }
  // Writes everything with sync; UNAVAILABLE (nothing written) if the disk refuses.
  absl::Status Commit();

 private:
  KvStore* const store_;
  const ColumnFamily cf_;
  const char counter_tag_;
  std::unique_ptr<WriteBatch> batch_;
  std::map<std::string, uint64_t> counters_;
};

}  // namespace timebank::storage

#endif  // TIMEBANK_STORAGE_RECORD_TX_H_
