// MemStore: an in-memory KvStore for tests. Snapshots copy the data (tests are small).
// Fault injection: FailWrites(n) makes the next n writes fail with UNAVAILABLE and
// write nothing, as a full disk would.
#ifndef TIMEBANK_STORAGE_MEM_STORE_H_
#define TIMEBANK_STORAGE_MEM_STORE_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "storage/kv_store.h"

namespace timebank::storage {

class MemStore final : public KvStore {
 public:
  explicit MemStore(int column_families);

  std::unique_ptr<WriteBatch> NewBatch() override;
  absl::Status Write(WriteBatch* batch, const WriteOptions& options) override;
  absl::StatusOr<bool> Get(ColumnFamily cf, std::string_view key, std::string* value,
                           const Snapshot* snapshot) override;
  std::unique_ptr<Iterator> NewIterator(ColumnFamily cf, const Snapshot* snapshot) override;
  std::shared_ptr<const Snapshot> GetSnapshot() override;
  absl::Status Flush(ColumnFamily cf) override { return absl::OkStatus(); }
  absl::Status Checkpoint(const std::string& dir) override;
  // In memory a deleted value is gone at once.
  absl::Status Purge(ColumnFamily, std::string_view, std::string_view) override {
    return absl::OkStatus();
  }
  using KvStore::Purge;

  void FailWrites(int count);
  int writes() const;

  using Table = std::map<std::string, std::string, std::less<>>;
  using Tables = std::vector<Table>;

 private:
  // The snapshot's tables, or the current ones.
  std::shared_ptr<const Tables> View(const Snapshot* snapshot);

  mutable absl::Mutex mu_;
  std::shared_ptr<Tables> tables_ ABSL_GUARDED_BY(mu_);  // copy-on-write when shared
  int fail_writes_ ABSL_GUARDED_BY(mu_) = 0;
  int writes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace timebank::storage

#endif  // TIMEBANK_STORAGE_MEM_STORE_H_
