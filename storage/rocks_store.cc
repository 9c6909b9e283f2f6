#include "storage/rocks_store.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/checkpoint.h"
#include "rocksdb/write_batch.h"
#include "storage/check.h"

namespace timebank::storage {
namespace {

constexpr char kIdentityKey[] = "__timebank_identity__";
// Purge waits this long for older snapshots (reads in progress) to be released.
constexpr int64_t kPurgeSnapshotWaitMs = 30'000;

absl::Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  std::string msg = absl::StrCat(std::string(what), ": ", s.ToString());
  if (s.IsCorruption()) return absl::DataLossError(msg);
  if (s.IsNotFound()) return absl::NotFoundError(msg);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(msg);
  if (s.IsBusy() || s.IsTryAgain() || s.IsTimedOut()) return absl::UnavailableError(msg);
  return absl::InternalError(msg);
}

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
std::string_view ToView(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

class RocksBatch final : public WriteBatch {
 public:
  explicit RocksBatch(const std::vector<rocksdb::ColumnFamilyHandle*>* handles)
      : handles_(handles) {}
  void Put(ColumnFamily cf, std::string_view key, std::string_view value) override {
    TB_CHECK(batch_.Put(handles_->at(cf), ToSlice(key), ToSlice(value)).ok());
  }
  void Delete(ColumnFamily cf, std::string_view key) override {
    TB_CHECK(batch_.Delete(handles_->at(cf), ToSlice(key)).ok());
  }
  void SetSavePoint() override { batch_.SetSavePoint(); }
  void RollbackToSavePoint() override { TB_CHECK(batch_.RollbackToSavePoint().ok()); }
  void PopSavePoint() override { TB_CHECK(batch_.PopSavePoint().ok()); }
  size_t Count() const override { return batch_.Count(); }
  void Clear() override { batch_.Clear(); }
  rocksdb::WriteBatch* rep() { return &batch_; }

 private:
  const std::vector<rocksdb::ColumnFamilyHandle*>* handles_;
  rocksdb::WriteBatch batch_;
};

class RocksIterator final : public Iterator {
 public:
  RocksIterator(std::unique_ptr<rocksdb::Iterator> it, std::shared_ptr<const Snapshot> keep)
      : it_(std::move(it)), keep_(std::move(keep)) {}
  void Seek(std::string_view key) override { it_->Seek(ToSlice(key)); }
  void SeekForPrev(std::string_view key) override { it_->SeekForPrev(ToSlice(key)); }
  void SeekToFirst() override { it_->SeekToFirst(); }
  void SeekToLast() override { it_->SeekToLast(); }
  bool Valid() const override { return it_->Valid(); }
  void Next() override { it_->Next(); }
  void Prev() override { it_->Prev(); }
  std::string_view key() const override { return ToView(it_->key()); }
  std::string_view value() const override { return ToView(it_->value()); }
  absl::Status status() const override { return FromRocks(it_->status(), "iterator"); }

 private:
  std::unique_ptr<rocksdb::Iterator> it_;
  std::shared_ptr<const Snapshot> keep_;
};

class RocksSnapshot final : public Snapshot {
 public:
  RocksSnapshot(rocksdb::DB* db, const rocksdb::Snapshot* snap) : db_(db), snap_(snap) {}
  ~RocksSnapshot() override { db_->ReleaseSnapshot(snap_); }
  const rocksdb::Snapshot* rep() const { return snap_; }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snap_;
};

// The memtable's insert hints for AppendRuns: the run a key belongs to.
class AppendRunPrefix final : public rocksdb::SliceTransform {
 public:
  explicit AppendRunPrefix(AppendRuns runs) : runs_(runs) {}
  const char* Name() const override { return "timebank.AppendRunPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), runs_.prefix_bytes);
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return key.size() >= runs_.prefix_bytes && key[0] == runs_.tag;
  }

 private:
  AppendRuns runs_;
};

rocksdb::ColumnFamilyOptions CfOptions(const CfSpec& spec, const RocksStoreOptions& options,
                                       const std::shared_ptr<rocksdb::Cache>& cache) {
  const CfProfile profile = spec.profile;
  rocksdb::ColumnFamilyOptions cf;
  cf.write_buffer_size = options.write_buffer_bytes;
  cf.max_write_buffer_number = 4;
  cf.compression = rocksdb::kLZ4Compression;
  cf.bottommost_compression = rocksdb::kZSTD;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  table.format_version = 5;
  if (profile == CfProfile::kPointLookup) {
    // Point reads usually miss (new ids): a bloom filter answers those without I/O.
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
    table.whole_key_filtering = true;
    // Filters and indexes in small partitions: once a store outgrows its block cache, a
    // whole-file filter (megabytes) was read back and checksummed for every Get, half
    // of a large rewards rebuild's CPU (docs/PERFORMANCE.md); a partition is 4 KiB.
    table.partition_filters = true;
    table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
    table.metadata_block_size = 4096;
    table.pin_top_level_index_and_filter = true;
    table.cache_index_and_filter_blocks_with_high_priority = true;
    cf.memtable_whole_key_filtering = true;
    cf.memtable_prefix_bloom_size_ratio = 0.05;
    cf.optimize_filters_for_hits = false;
  } else {
    cf.level_compaction_dynamic_level_bytes = true;
  }
  if (spec.append_runs) {
    TB_CHECK(spec.append_runs->prefix_bytes >= 1);
    cf.memtable_insert_with_hint_prefix_extractor =
        std::make_shared<AppendRunPrefix>(*spec.append_runs);
  }
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return cf;
}

class RocksStore final : public KvStore {
 public:
  RocksStore(std::unique_ptr<rocksdb::DB> db, std::vector<rocksdb::ColumnFamilyHandle*> handles,
             rocksdb::ColumnFamilyHandle* default_handle)
      : db_(std::move(db)), handles_(std::move(handles)), default_(default_handle) {}

  ~RocksStore() override {
    for (auto* h : handles_) TB_CHECK(db_->DestroyColumnFamilyHandle(h).ok());
    TB_CHECK(db_->DestroyColumnFamilyHandle(default_).ok());
    // Closing flushes nothing that is not already in the WAL; projection families
    // written without the WAL are flushed by their owners before shutdown.
    db_->Close().PermitUncheckedError();
  }

  std::unique_ptr<WriteBatch> NewBatch() override {
    return std::make_unique<RocksBatch>(&handles_);
  }

  absl::Status Write(WriteBatch* batch, const WriteOptions& options) override {
    rocksdb::WriteOptions wo;
    wo.sync = options.sync;
    wo.disableWAL = options.disable_wal;
    return FromRocks(db_->Write(wo, static_cast<RocksBatch*>(batch)->rep()), "write");
  }

  absl::StatusOr<bool> Get(ColumnFamily cf, std::string_view key, std::string* value,
                           const Snapshot* snapshot) override {
    rocksdb::ReadOptions ro;
    if (snapshot) ro.snapshot = static_cast<const RocksSnapshot*>(snapshot)->rep();
    rocksdb::Status s = db_->Get(ro, handles_.at(cf), ToSlice(key), value);
    if (s.IsNotFound()) return false;
    if (!s.ok()) return FromRocks(s, "get");
    return true;
  }

  std::unique_ptr<Iterator> NewIterator(ColumnFamily cf, const Snapshot* snapshot) override {
    rocksdb::ReadOptions ro;
    if (snapshot) ro.snapshot = static_cast<const RocksSnapshot*>(snapshot)->rep();
    return std::make_unique<RocksIterator>(
        std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(ro, handles_.at(cf))), nullptr);
  }

  std::shared_ptr<const Snapshot> GetSnapshot() override {
    return std::make_shared<RocksSnapshot>(db_.get(), db_->GetSnapshot());
  }

  absl::Status Flush(ColumnFamily cf) override {
    rocksdb::FlushOptions fo;
    fo.wait = true;
    return FromRocks(db_->Flush(fo, handles_.at(cf)), "flush");
  }

  absl::Status Checkpoint(const std::string& dir) override {
    rocksdb::Checkpoint* raw = nullptr;
    absl::Status s = FromRocks(rocksdb::Checkpoint::Create(db_.get(), &raw), "checkpoint");
    if (!s.ok()) return s;
    std::unique_ptr<rocksdb::Checkpoint> cp(raw);
    // Projection families may hold unlogged writes: flush everything first so the
    // copy is complete rather than "rebuildable".
    rocksdb::FlushOptions fo;
    TB_RETURN_IF_ERROR(FromRocks(db_->Flush(fo, handles_), "flush before checkpoint"));
    return FromRocks(cp->CreateCheckpoint(dir), "checkpoint " + dir);
  }

  absl::Status Purge(ColumnFamily cf, std::string_view begin, std::string_view end) override {
    // 1. Every family's memtable to table files: then no write-ahead log still needed
    //    holds the old values, and RocksDB deletes those logs (none are recycled).
    std::vector<rocksdb::ColumnFamilyHandle*> all = handles_;
    all.push_back(default_);
    rocksdb::FlushOptions fo;
    fo.wait = true;
    TB_RETURN_IF_ERROR(FromRocks(db_->Flush(fo, all), "flush before purge"));
    // 2. A compaction keeps any version an older snapshot can still read.
    TB_RETURN_IF_ERROR(AwaitSnapshotsAfter(db_->GetLatestSequenceNumber()));
    // 3. Rewrite every table file over the range, down to and including the bottom
    //    level, where deleted and overwritten values are finally dropped.
    rocksdb::CompactRangeOptions co;
    co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    const rocksdb::Slice b = ToSlice(begin), e = ToSlice(end);
    return FromRocks(db_->CompactRange(co, handles_.at(cf), begin.empty() ? nullptr : &b,
                                       end.empty() ? nullptr : &e),
                     "compaction to purge deleted values");
  }

 private:
  // Waits (at most kPurgeSnapshotWaitMs) until no snapshot older than `seq` is open.
  absl::Status AwaitSnapshotsAfter(rocksdb::SequenceNumber seq) {
    const absl::Time deadline = absl::Now() + absl::Milliseconds(kPurgeSnapshotWaitMs);
    while (true) {
      uint64_t oldest = 0;
      if (!db_->GetIntProperty(rocksdb::DB::Properties::kOldestSnapshotSequence, &oldest) ||
          oldest == 0 || oldest > seq) {
        return absl::OkStatus();
      }
      if (absl::Now() > deadline) {
        return absl::UnavailableError(
            "a long read still holds an old snapshot of the store, so deleted data cannot be "
            "purged yet; retry when it has finished");
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
  }

  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* default_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<KvStore>> OpenRocksStore(const RocksStoreOptions& options) {
  namespace fs = std::filesystem;
  TB_CHECK(!options.identity.empty());
  std::error_code ec;
  const fs::path path(options.path);
  const bool exists = fs::exists(path, ec);
  const bool has_db = exists && fs::exists(path / "CURRENT", ec);
  if (exists && !fs::is_directory(path, ec)) {
    return absl::FailedPreconditionError(
        absl::StrCat("data directory ", options.path, " is a file, not a directory"));
  }
  if (exists && !has_db && !fs::is_empty(path, ec)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "data directory ", options.path,
        " is not empty and holds no timebank database; choose an empty or new directory"));
  }

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = !has_db;
  db_options.create_missing_column_families = true;
  db_options.paranoid_checks = true;
  db_options.max_background_jobs = 2;
  db_options.bytes_per_sync = 1 << 20;
  db_options.enable_pipelined_write = true;
  db_options.keep_log_file_num = 5;
  // No recycled write-ahead logs: a reused log keeps the bytes of the records it held
  // before, and erased personal data must not outlive Purge in any file (measured: no
  // change in throughput, docs/PERFORMANCE.md).
  db_options.recycle_log_file_num = 0;
  db_options.max_total_wal_size = 512u << 20;

  std::vector<std::string> wanted = {rocksdb::kDefaultColumnFamilyName};
  for (const auto& cf : options.column_families) wanted.push_back(cf.name);

  if (has_db) {
    std::vector<std::string> present;
    rocksdb::Status s = rocksdb::DB::ListColumnFamilies(db_options, options.path, &present);
    if (!s.ok()) {
      return absl::DataLossError(absl::StrCat("cannot read the database in ", options.path, ": ",
                                              s.ToString(),
                                              ". Restore it from a backup (docs/OPERATIONS.md)."));
    }
    // A newer version may add families (created empty on open); a family this version
    // does not know means the directory holds something else.
    const std::set<std::string> known(wanted.begin(), wanted.end());
    if (!std::all_of(present.begin(), present.end(),
                     [&](const std::string& f) { return known.contains(f); })) {
      return absl::FailedPreconditionError(absl::StrCat(
          "data directory ", options.path, " holds a different database (column families: ",
          absl::StrJoin(present, ","), "); expected ", options.identity));
    }
  }

  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, CfOptions(CfSpec{}, options, cache));
  for (const auto& cf : options.column_families) {
    descriptors.emplace_back(cf.name, CfOptions(cf, options, cache));
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &raw);
  if (!s.ok()) {
    return absl::DataLossError(absl::StrCat("cannot open the database in ", options.path, ": ",
                                            s.ToString(),
                                            ". Restore it from a backup (docs/OPERATIONS.md)."));
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::ColumnFamilyHandle* default_handle = handles.front();
  std::vector<rocksdb::ColumnFamilyHandle*> user(handles.begin() + 1, handles.end());

  std::string identity;
  s = db->Get(rocksdb::ReadOptions(), default_handle, kIdentityKey, &identity);
  absl::Status result;
  if (s.IsNotFound() && !has_db) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    s = db->Put(wo, default_handle, kIdentityKey, options.identity);
    result = FromRocks(s, "write identity");
  } else if (s.IsNotFound()) {
    result = absl::FailedPreconditionError(
        absl::StrCat("data directory ", options.path, " is not a ", options.identity, " database"));
  } else if (!s.ok()) {
    result = FromRocks(s, "read identity");
  } else if (std::find(options.earlier_identities.begin(), options.earlier_identities.end(),
                       identity) != options.earlier_identities.end()) {
    result = absl::FailedPreconditionError(absl::StrCat(
        "data directory ", options.path, " was written by an earlier version of timebank (",
        identity, "; this version reads ", options.identity, "): ", options.earlier_advice));
  } else if (identity != options.identity) {
    result = absl::FailedPreconditionError(absl::StrCat(
        "data directory ", options.path, " belongs to ", identity, ", not ", options.identity));
  }
  auto store = std::make_unique<RocksStore>(std::move(db), std::move(user), default_handle);
  if (!result.ok()) return result;
  return store;
}

}  // namespace timebank::storage
