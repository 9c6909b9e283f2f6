// The storage layer: key encodings sort correctly, batches are atomic, savepoints
// undo, snapshots isolate, checkpoints open, purges leave nothing deleted in any file,
// and the hash chain detects change.
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "storage/bytes.h"
#include "storage/hash_chain.h"
#include "storage/mem_store.h"
#include "storage/rocks_store.h"
#include "storage/split_store.h"
#include "tests/common/test_util.h"

namespace timebank::storage {
namespace {

TEST(BytesTest, IntegersSortNumerically) {
  std::vector<uint64_t> u = {0, 1, 255, 256, 65535, uint64_t{1} << 40, ~uint64_t{0}};
  for (size_t i = 1; i < u.size(); ++i) {
    EXPECT_LT(KeyU64('k', u[i - 1]), KeyU64('k', u[i]));
  }
  std::vector<int64_t> s = {INT64_MIN, -1000, -1, 0, 1, 1000, INT64_MAX};
  for (size_t i = 1; i < s.size(); ++i) {
    std::string a, b;
    PutI64(&a, s[i - 1]);
    PutI64(&b, s[i]);
    EXPECT_LT(a, b);
    EXPECT_EQ(DecodeI64(b.data()), s[i]);
  }
  EXPECT_LT(KeyU64U64('a', 1, 99), KeyU64U64('a', 2, 0));
}

TEST(BytesTest, ReaderRejectsShortInput) {
  std::string v;
  PutU64(&v, 7);
  PutBytes(&v, "hello");
  ByteReader r(v);
  EXPECT_EQ(r.U64(), 7u);
  EXPECT_EQ(r.Bytes(), "hello");
  EXPECT_TRUE(r.ok() && r.done());
  ByteReader short_reader(std::string_view(v).substr(0, 10));
  short_reader.U64();
  short_reader.Bytes();
  EXPECT_FALSE(short_reader.ok());
  EXPECT_EQ(ToHex("\x01\xab"), "01ab");
}

TEST(HashChainTest, AnyChangeChangesTheHash) {
  const Hash256 a = ChainHash(kGenesisHash, "one");
  const Hash256 b = ChainHash(a, "two");
  EXPECT_NE(a, b);
  EXPECT_EQ(ChainHash(kGenesisHash, "one"), a);
  EXPECT_NE(ChainHash(kGenesisHash, "onf"), a);
  EXPECT_NE(ChainHash(ChainHash(kGenesisHash, "onf"), "two"), b);
  // Known answer: SHA-256 of 32 zero bytes (the genesis hash, empty record).
  EXPECT_EQ(ToHex(HashBytes(ChainHash(kGenesisHash, ""))),
            "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925");
}

class StoreTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      RocksStoreOptions o;
      o.path = dir_.Sub("db");
      o.identity = "test.v1";
      o.column_families = {{"a", CfProfile::kAppendLog}, {"b", CfProfile::kPointLookup}};
      auto s = OpenRocksStore(o);
      ASSERT_TRUE(s.ok()) << s.status();
      store_ = std::move(*s);
    } else {
      store_ = std::make_unique<MemStore>(2);
    }
  }
  std::string Get(ColumnFamily cf, std::string_view key, const Snapshot* snap = nullptr) {
    std::string v;
    auto found = store_->Get(cf, key, &v, snap);
    EXPECT_TRUE(found.ok());
    return found.ok() && *found ? v : "<none>";
  }
  testing::TempDir dir_;
  std::unique_ptr<KvStore> store_;
};

TEST_P(StoreTest, BatchesAreAtomicAndSavepointsUndo) {
  auto batch = store_->NewBatch();
  batch->Put(0, "k1", "v1");
  batch->SetSavePoint();
  batch->Put(0, "k2", "v2");
  batch->Put(1, "k3", "v3");
  batch->RollbackToSavePoint();
  batch->SetSavePoint();
  batch->Put(1, "k4", "v4");
  batch->PopSavePoint();
  EXPECT_EQ(batch->Count(), 2u);
  ASSERT_TRUE(store_->Write(batch.get(), {.sync = true}).ok());
  EXPECT_EQ(Get(0, "k1"), "v1");
  EXPECT_EQ(Get(0, "k2"), "<none>");
  EXPECT_EQ(Get(1, "k3"), "<none>");
  EXPECT_EQ(Get(1, "k4"), "v4");
}

TEST_P(StoreTest, SnapshotsAndIterators) {
  auto batch = store_->NewBatch();
  for (int i = 0; i < 5; ++i) batch->Put(0, KeyU64('x', i), std::to_string(i));
  ASSERT_TRUE(store_->Write(batch.get(), {}).ok());
  auto snap = store_->GetSnapshot();
  batch = store_->NewBatch();
  batch->Put(0, KeyU64('x', 9), "9");
  batch->Delete(0, KeyU64('x', 0));
  ASSERT_TRUE(store_->Write(batch.get(), {}).ok());
  EXPECT_EQ(Get(0, KeyU64('x', 0), snap.get()), "0");
  EXPECT_EQ(Get(0, KeyU64('x', 0)), "<none>");
  std::vector<std::string> seen;
  auto it = store_->NewIterator(0, snap.get());
  for (it->SeekToFirst(); it->Valid(); it->Next()) seen.emplace_back(it->value());
  EXPECT_EQ(seen, (std::vector<std::string>{"0", "1", "2", "3", "4"}));
  it = store_->NewIterator(0);
  it->SeekForPrev(KeyU64('x', 5));
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->value(), "4");
  it->SeekToLast();
  EXPECT_EQ(it->value(), "9");
  it->Prev();
  EXPECT_EQ(it->value(), "4");
}

INSTANTIATE_TEST_SUITE_P(RocksAndMem, StoreTest, ::testing::Bool());

TEST(RocksStoreTest, IdentityAndFamiliesAreChecked) {
  testing::TempDir dir;
  RocksStoreOptions o;
  o.path = dir.Sub("db");
  o.identity = "one.v1";
  o.column_families = {{"a", CfProfile::kAppendLog}};
  {
    auto s = OpenRocksStore(o);
    ASSERT_TRUE(s.ok());
    auto b = (*s)->NewBatch();
    b->Put(0, "k", "v");
    ASSERT_TRUE((*s)->Write(b.get(), {}).ok());
    ASSERT_TRUE((*s)->Checkpoint(dir.Sub("copy")).ok());
    EXPECT_FALSE((*s)->Checkpoint(dir.Sub("copy")).ok()) << "checkpoint dir must be new";
  }
  EXPECT_TRUE(OpenRocksStore(o).ok());
  RocksStoreOptions wrong_identity = o;
  wrong_identity.identity = "two.v1";
  EXPECT_EQ(OpenRocksStore(wrong_identity).status().code(), absl::StatusCode::kFailedPrecondition);
  // An earlier format of the same database is named as such, with what to do.
  RocksStoreOptions newer = o;
  newer.identity = "one.v2";
  newer.earlier_identities = {"one.v1"};
  newer.earlier_advice = "start with a new directory";
  const absl::Status older = OpenRocksStore(newer).status();
  EXPECT_EQ(older.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(older.message().find("written by an earlier version of timebank (one.v1"),
            absl::string_view::npos)
      << older;
  EXPECT_NE(older.message().find("start with a new directory"), absl::string_view::npos);
  RocksStoreOptions wrong_families = o;
  wrong_families.column_families = {{"b", CfProfile::kAppendLog}};
  EXPECT_EQ(OpenRocksStore(wrong_families).status().code(), absl::StatusCode::kFailedPrecondition);
  RocksStoreOptions copy = o;
  copy.path = dir.Sub("copy");
  auto c = OpenRocksStore(copy);
  ASSERT_TRUE(c.ok()) << c.status();
  std::string v;
  EXPECT_TRUE(*(*c)->Get(0, "k", &v));
  EXPECT_EQ(v, "v");
}

TEST(RocksStoreTest, ANewerVersionMayAddAFamily) {
  testing::TempDir dir;
  RocksStoreOptions o;
  o.path = dir.Sub("db");
  o.identity = "one.v1";
  o.column_families = {{"a", CfProfile::kAppendLog}};
  ASSERT_TRUE(OpenRocksStore(o).ok());
  o.column_families.push_back({"b", CfProfile::kPointLookup});
  auto s = OpenRocksStore(o);
  ASSERT_TRUE(s.ok()) << s.status();
  auto b = (*s)->NewBatch();
  b->Put(1, "k", "in the new family");
  EXPECT_TRUE((*s)->Write(b.get(), {}).ok());
}

// What Purge promises erasure: once it returns, no file of the store holds a value
// deleted or overwritten before it, whether it had reached table files or only the
// write-ahead log; a checkpoint made afterwards holds none either; the rest stays.
TEST(RocksStoreTest, PurgeForcesDeletedAndOverwrittenValuesOutOfEveryFile) {
  testing::TempDir dir;
  RocksStoreOptions o;
  o.path = dir.Sub("db");
  o.identity = "one.v1";
  o.column_families = {{"records", CfProfile::kPointLookup}, {"other", CfProfile::kAppendLog}};
  const std::vector<std::string> gone = {"DELETED-IN-A-TABLE", "OVERWRITTEN-IN-A-TABLE",
                                         "DELETED-IN-THE-LOG"};
  auto s = OpenRocksStore(o);
  ASSERT_TRUE(s.ok());
  KvStore& store = **s;
  auto put = [&](ColumnFamily cf, const std::string& k, const std::string& v) {
    auto b = store.NewBatch();
    b->Put(cf, k, v);
    ASSERT_TRUE(store.Write(b.get(), {}).ok());
  };
  put(0, "a", "DELETED-IN-A-TABLE");
  put(0, "b", "OVERWRITTEN-IN-A-TABLE");
  put(0, "c", "KEPT");
  put(1, "x", "OTHER-FAMILY");
  ASSERT_TRUE(store.Flush(0).ok());
  ASSERT_TRUE(store.Checkpoint(dir.Sub("before")).ok());
  put(0, "d", "DELETED-IN-THE-LOG");
  auto b = store.NewBatch();
  b->Delete(0, "a");
  b->Put(0, "b", "NEW");
  b->Delete(0, "d");
  ASSERT_TRUE(store.Write(b.get(), {}).ok());
  const std::set<std::string> before =
      testing::TextsInFiles(dir.Sub("before"), {gone[0], gone[1], "KEPT"});
  EXPECT_EQ(before.size(), 3u) << "the scan finds what is there";

  ASSERT_TRUE(store.Purge(0).ok());
  ASSERT_TRUE(store.Checkpoint(dir.Sub("after")).ok());
  EXPECT_TRUE(testing::TextsInFiles(dir.Sub("after"), gone).empty());
  EXPECT_TRUE(testing::TextsInFiles(dir.Sub("db"), gone).empty());
  EXPECT_EQ(testing::TextsInFiles(dir.Sub("after"), {"KEPT", "NEW", "OTHER-FAMILY"}).size(), 3u);
  std::string v;
  EXPECT_TRUE(*store.Get(0, "b", &v));
  EXPECT_EQ(v, "NEW");
  // A purge waits for an older snapshot, which would keep the old value readable.
  put(0, "e", "HELD-BY-A-SNAPSHOT");
  auto snap = store.GetSnapshot();
  b = store.NewBatch();
  b->Delete(0, "e");
  ASSERT_TRUE(store.Write(b.get(), {}).ok());
  std::thread release([&] {
    absl::SleepFor(absl::Milliseconds(300));
    snap.reset();
  });
  const absl::Time start = absl::Now();
  EXPECT_TRUE(store.Purge(0, "e", "e").ok());
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(250));
  release.join();
  EXPECT_TRUE(testing::TextsInFiles(dir.Sub("db"), {"HELD-BY-A-SNAPSHOT"}).empty());
}

TEST(MemStoreTest, InjectedFailureWritesNothing) {
  MemStore store(1);
  store.FailWrites(1);
  auto b = store.NewBatch();
  b->Put(0, "k", "v");
  EXPECT_EQ(store.Write(b.get(), {}).code(), absl::StatusCode::kUnavailable);
  std::string v;
  EXPECT_FALSE(*store.Get(0, "k", &v, nullptr));
  EXPECT_TRUE(store.Write(b.get(), {}).ok());
  EXPECT_TRUE(*store.Get(0, "k", &v, nullptr));
}

// Forwards to a MemStore and notes each snapshot and checkpoint it is asked for.
class OrderLog final : public KvStore {
 public:
  OrderLog(int families, std::string name, std::vector<std::string>* log)
      : mem_(families), name_(std::move(name)), log_(log) {}
  std::unique_ptr<WriteBatch> NewBatch() override { return mem_.NewBatch(); }
  absl::Status Write(WriteBatch* b, const WriteOptions& o) override { return mem_.Write(b, o); }
  absl::StatusOr<bool> Get(ColumnFamily cf, std::string_view key, std::string* value,
                           const Snapshot* snap) override {
    return mem_.Get(cf, key, value, snap);
  }
  std::unique_ptr<Iterator> NewIterator(ColumnFamily cf, const Snapshot* snap) override {
    return mem_.NewIterator(cf, snap);
  }
  std::shared_ptr<const Snapshot> GetSnapshot() override {
    log_->push_back("snapshot " + name_);
    return mem_.GetSnapshot();
  }
  absl::Status Flush(ColumnFamily cf) override { return mem_.Flush(cf); }
  absl::Status Checkpoint(const std::string& dir) override {
    log_->push_back("checkpoint " + std::filesystem::path(dir).filename().string());
    return absl::OkStatus();
  }
  absl::Status Purge(ColumnFamily cf, std::string_view begin, std::string_view end) override {
    log_->push_back("purge " + name_);
    return mem_.Purge(cf, begin, end);
  }
  MemStore& mem() { return mem_; }

 private:
  MemStore mem_;
  std::string name_;
  std::vector<std::string>* log_;
};

TEST(SplitStoreTest, RoutesFamiliesAndRefusesABatchAcrossParts) {
  std::vector<std::string> order;
  auto a = std::make_unique<OrderLog>(2, "first", &order);
  auto b = std::make_unique<OrderLog>(1, "second", &order);
  MemStore& mem_a = a->mem();
  MemStore& mem_b = b->mem();
  std::vector<SplitPart> parts;
  parts.push_back({"first", std::move(a), {0, 2}});  // families 0 and 2 live in "first"
  parts.push_back({"second", std::move(b), {1}});
  std::unique_ptr<KvStore> split = NewSplitStore(std::move(parts));
  auto read = [](KvStore& s, ColumnFamily cf, std::string_view key,
                 const Snapshot* snap = nullptr) -> std::string {
    std::string v;
    auto found = s.Get(cf, key, &v, snap);
    EXPECT_TRUE(found.ok());
    return found.ok() && *found ? v : "<none>";
  };

  // One part per batch, savepoints included.
  auto batch = split->NewBatch();
  batch->Put(0, "k", "zero");
  batch->SetSavePoint();
  batch->Put(2, "k", "dropped");
  batch->RollbackToSavePoint();
  batch->Put(2, "k", "two");
  EXPECT_EQ(batch->Count(), 2u);
  ASSERT_TRUE(split->Write(batch.get(), {}).ok());
  EXPECT_EQ(read(mem_a, 0, "k"), "zero");
  EXPECT_EQ(read(mem_a, 1, "k"), "two");  // the part's own family numbers
  EXPECT_EQ(read(mem_b, 0, "k"), "<none>");
  batch = split->NewBatch();
  batch->Put(1, "k", "one");
  ASSERT_TRUE(split->Write(batch.get(), {}).ok());
  EXPECT_EQ(read(mem_b, 0, "k"), "one");
  EXPECT_EQ(read(*split, 1, "k"), "one");

  // Across parts: refused, and neither part changes.
  const int writes_a = mem_a.writes(), writes_b = mem_b.writes();
  batch = split->NewBatch();
  batch->Put(0, "k", "changed");
  batch->Put(1, "k", "changed");
  absl::Status across = split->Write(batch.get(), {});
  EXPECT_EQ(across.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(across.message().find("first"), absl::string_view::npos);
  EXPECT_EQ(mem_a.writes(), writes_a);
  EXPECT_EQ(mem_b.writes(), writes_b);
  EXPECT_EQ(read(*split, 0, "k"), "zero");
  EXPECT_EQ(read(*split, 1, "k"), "one");
  batch->Clear();
  EXPECT_TRUE(split->Write(batch.get(), {}).ok()) << "an empty batch writes nothing";

  // A snapshot covers every part, the last part's taken first; iterators follow the
  // routing.
  auto snap = split->GetSnapshot();
  EXPECT_EQ(order, (std::vector<std::string>{"snapshot second", "snapshot first"}));
  order.clear();
  for (ColumnFamily cf : {0, 1}) {
    batch = split->NewBatch();
    batch->Put(cf, "k", "later");
    ASSERT_TRUE(split->Write(batch.get(), {}).ok());
  }
  EXPECT_EQ(read(*split, 0, "k", snap.get()), "zero");
  EXPECT_EQ(read(*split, 1, "k", snap.get()), "one");
  EXPECT_EQ(read(*split, 1, "k"), "later");
  auto it = split->NewIterator(2, snap.get());
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->value(), "two");

  // Checkpoints: the last part first, each into its own subdirectory.
  testing::TempDir dir;
  ASSERT_TRUE(split->Checkpoint(dir.Sub("copy")).ok());
  EXPECT_EQ(order, (std::vector<std::string>{"checkpoint second", "checkpoint first"}));
  EXPECT_FALSE(split->Checkpoint(dir.Sub("copy")).ok()) << "checkpoint dir must be new";
}

TEST(SplitStoreTest, CheckpointOfRocksPartsOpens) {
  testing::TempDir dir;
  auto open = [&](const std::string& path, const char* family) {
    RocksStoreOptions o;
    o.path = path;
    o.identity = absl::StrCat("split.", family);
    o.column_families = {{family, CfProfile::kPointLookup}};
    return OpenRocksStore(o);
  };
  {
    auto a = open(dir.Sub("a"), "a");
    auto b = open(dir.Sub("b"), "b");
    ASSERT_TRUE(a.ok() && b.ok());
    std::vector<SplitPart> parts;
    parts.push_back({"a", std::move(*a), {0}});
    parts.push_back({"b", std::move(*b), {1}});
    auto split = NewSplitStore(std::move(parts));
    for (ColumnFamily cf : {0, 1}) {
      auto batch = split->NewBatch();
      batch->Put(cf, "k", absl::StrCat("v", cf));
      // Unlogged writes too: the checkpoint flushes them into the copy.
      ASSERT_TRUE(split->Write(batch.get(), {.sync = false, .disable_wal = cf == 1}).ok());
    }
    ASSERT_TRUE(split->Checkpoint(dir.Sub("copy")).ok());
  }
  for (const char* family : {"a", "b"}) {
    auto copy = open(dir.Sub(absl::StrCat("copy/", family)), family);
    ASSERT_TRUE(copy.ok()) << copy.status();
    std::string v;
    EXPECT_TRUE(*(*copy)->Get(0, "k", &v));
    EXPECT_EQ(v, family == std::string("a") ? "v0" : "v1");
  }
}

}  // namespace
}  // namespace timebank::storage
