// The storage layer: key encodings sort correctly, batches are atomic, savepoints
// undo, snapshots isolate, checkpoints open, and the hash chain detects change.
#include <filesystem>

#include "gtest/gtest.h"
#include "storage/bytes.h"
#include "storage/hash_chain.h"
#include "storage/mem_store.h"
#include "storage/rocks_store.h"
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

}  // namespace
}  // namespace timebank::storage
