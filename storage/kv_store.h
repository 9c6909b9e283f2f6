// KvStore is the storage interface every service is written against: named column
// families of ordered byte keys, atomic write batches (optionally synced to disk),
// point reads, ordered iteration and consistent snapshots. RocksStore implements it on
// RocksDB; MemStore implements it in memory for tests (with fault injection).
// Nothing here knows about time banking.
#ifndef TIMEBANK_STORAGE_KV_STORE_H_
#define TIMEBANK_STORAGE_KV_STORE_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace timebank::storage {

// Index into the column family list the store was opened with.
using ColumnFamily = int;

// An atomic group of writes. Savepoints let a caller undo the tail of a batch
// (used to drop a failed linked chain without rebuilding the batch).
class WriteBatch {
 public:
  virtual ~WriteBatch() = default;
  virtual void Put(ColumnFamily cf, std::string_view key, std::string_view value) = 0;
  virtual void Delete(ColumnFamily cf, std::string_view key) = 0;
  virtual void SetSavePoint() = 0;
  // Drops every write since the most recent savepoint and removes that savepoint.
  virtual void RollbackToSavePoint() = 0;
  // Removes the most recent savepoint, keeping its writes.
  virtual void PopSavePoint() = 0;
  virtual size_t Count() const = 0;
  virtual void Clear() = 0;
};

// Ordered cursor over one column family. Keys and values stay valid until the next move.
class Iterator {
 public:
  virtual ~Iterator() = default;
  virtual void Seek(std::string_view key) = 0;         // first key >= key
  virtual void SeekForPrev(std::string_view key) = 0;  // last key <= key
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  virtual bool Valid() const = 0;
  virtual void Next() = 0;
  virtual void Prev() = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  virtual absl::Status status() const = 0;
};

// A consistent, read-only view of the store at one instant.
class Snapshot {
 public:
  virtual ~Snapshot() = default;
};

struct WriteOptions {
  // true: the call returns only once the batch is on stable storage (fsync).
  bool sync = true;
  // true: skip the write-ahead log. Only for data that can be rebuilt from other,
  // logged data (projections): it is lost in a crash until flushed.
  bool disable_wal = false;
};

class KvStore {
 public:
  virtual ~KvStore() = default;

  virtual std::unique_ptr<WriteBatch> NewBatch() = 0;
  virtual absl::Status Write(WriteBatch* batch, const WriteOptions& options) = 0;

  // Returns true and fills *value when the key exists.
  virtual absl::StatusOr<bool> Get(ColumnFamily cf, std::string_view key, std::string* value,
                                   const Snapshot* snapshot = nullptr) = 0;
  virtual std::unique_ptr<Iterator> NewIterator(ColumnFamily cf,
                                                const Snapshot* snapshot = nullptr) = 0;
  virtual std::shared_ptr<const Snapshot> GetSnapshot() = 0;

  // Persists memtable contents of `cf` (including writes made without the WAL).
  virtual absl::Status Flush(ColumnFamily cf) = 0;
  // Writes a consistent, openable copy of the whole store into `dir` (must not exist).
  virtual absl::Status Checkpoint(const std::string& dir) = 0;

  // Makes deletes and overwrites in `cf` final on disk: once it returns, no file of the
  // store (table files, write-ahead logs) holds a value deleted or overwritten in
  // [begin, end] before the call ("" = unbounded), so neither does a checkpoint made
  // afterwards. For erasing personal data, not for routine deletes: it flushes every
  // family and rewrites every table file over the range. UNAVAILABLE (retry later) if a
  // snapshot older than the call still holds the old values.
  virtual absl::Status Purge(ColumnFamily cf, std::string_view begin, std::string_view end) = 0;
  absl::Status Purge(ColumnFamily cf) { return Purge(cf, "", ""); }
};

}  // namespace timebank::storage

#endif  // TIMEBANK_STORAGE_KV_STORE_H_
