// Micro-benchmarks of the ledger's hot path (Google Benchmark). Programs, not tests:
//   build/tests/ledger_bench --benchmark_min_time=1
// They isolate what tb-loadgen measures end to end: the state machine per transfer,
// the canonical encoding + SHA-256 chain, RocksDB's cost per key in a synced batch,
// and the edge check of enums and times every request passes (services/common/
// request_check.h) on a full CreateTransfers batch; and the rewards projection's
// store work per new record.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>
#include <vector>

#include "services/common/request_check.h"
#include "services/ledger/journal_codec.h"
#include "services/ledger/ledger_schema.h"
#include "services/ledger/ledger_state.h"
#include "storage/bytes.h"
#include "storage/check.h"
#include "storage/rocks_store.h"
#include "tests/common/test_util.h"
#include "timebank/ledger/v1/ledger.pb.h"

namespace timebank::ledger {
namespace {

class NoStore final : public TransferLookup {
 public:
  absl::StatusOr<std::optional<StoredTransfer>> Find(std::string_view) override {
    return std::nullopt;
  }
};

// Validate + apply one transfer between random accounts (no I/O).
void BM_ValidateAndApply(benchmark::State& state) {
  NoStore store;
  LedgerState ledger(&store, LedgerLimits{});
  constexpr int kAccounts = 10000;
  uint64_t seq = 0;
  for (int i = 0; i < kAccounts; ++i) {
    JournalEntry e;
    e.type = EntryType::kAccountCreated;
    e.seq = ++seq;
    e.account = ledger.ResolveAccount(testing::TimeAccount("c1.a" + std::to_string(i)));
    benchmark::DoNotOptimize(ledger.Apply(e));
  }
  ledger.CommitUndo();
  uint64_t n = 0;
  for (auto _ : state) {
    Transfer req = testing::Move("c1.bench-transfer-" + std::to_string(n),
                                 "c1.a" + std::to_string(n % kAccounts),
                                 "c1.a" + std::to_string((n * 7 + 1) % kAccounts), 30);
    Transfer resolved;
    TransferRecord existing;
    auto code = ledger.ValidateTransfer(req, 1, &resolved, &existing);
    JournalEntry e;
    e.type = EntryType::kTransfer;
    e.seq = ++seq;
    e.transfer = std::move(resolved);
    e.transfer.seq = e.seq;
    benchmark::DoNotOptimize(code);
    benchmark::DoNotOptimize(ledger.Apply(e));
    if (++n % 4096 == 0) {
      ledger.CommitUndo();
      ledger.PruneOverlay(seq);
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ValidateAndApply);

// Canonical bytes + one link of the SHA-256 chain.
void BM_EncodeAndHash(benchmark::State& state) {
  JournalEntry e;
  e.type = EntryType::kTransfer;
  e.transfer = testing::Move("c1.act.1234567", "c1.m123", "c1.o7", 90);
  e.transfer.memo = "co-design workshop";
  std::string out;
  storage::Hash256 prev{};
  for (auto _ : state) {
    out.clear();
    EncodeCanonical(e, &out);
    prev = storage::ChainHash(prev, out);
    benchmark::DoNotOptimize(prev);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeAndHash);

// RocksDB: synced batches of 1,000 transfers writing `keys` keys each.
void BM_RocksSyncedBatch(benchmark::State& state) {
  const int keys = static_cast<int>(state.range(0));
  testing::TempDir dir;
  auto store = testing::OpenLedgerStore(dir.Sub("db"));
  std::string value(150, 'v');
  uint64_t seq = 0;
  for (auto _ : state) {
    auto batch = (*store)->NewBatch();
    for (int i = 0; i < 1000; ++i) {
      ++seq;
      batch->Put(schema::kJournal, schema::JournalKey(seq), value);
      for (int k = 1; k < keys; ++k) {
        batch->Put(schema::kIndex, storage::KeyU64U64('a', (seq * 2654435761u + k) % 10000, seq),
                   "");
      }
    }
    benchmark::DoNotOptimize((*store)->Write(batch.get(), {.sync = true}));
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_RocksSyncedBatch)->Arg(1)->Arg(2)->Arg(4)->UseRealTime();

// The rewards projection's store work per record at rebuild scale: a Get that misses
// (a new key: a member's week bucket, a pair, a transfer's facts) and a Put of about
// 40 bytes, 16,384 x 9 records a step (a rebuild step of 16,384 entries touches about
// 9 records each), the keys sorted, one synced batch per step, in a store opened as
// timebankd opens the rewards store (point-lookup profile, 16 MiB memtable and block
// cache). Items are records: entries/s = records/s / records per entry.
void BM_RewardsStepNewRecords(benchmark::State& state) {
  constexpr int kRecordsPerStep = 16'384 * 9;
  testing::TempDir dir;
  storage::RocksStoreOptions ro;
  ro.path = dir.Sub("rewards");
  ro.identity = "bench.rewards";
  ro.column_families = {{"records", storage::CfProfile::kPointLookup}};
  ro.write_buffer_bytes = 16u << 20;
  ro.block_cache_bytes = 16u << 20;
  auto store = storage::OpenRocksStore(ro);
  TB_CHECK(store.ok());
  const std::string value(40, 'v');
  std::string got;
  uint64_t step = 0;
  for (auto _ : state) {
    ++step;
    std::vector<std::string> keys;
    keys.reserve(kRecordsPerStep);
    for (uint64_t i = 0; i < kRecordsPerStep; ++i) {
      // Spread as member ids are: not in key order until sorted.
      keys.push_back(storage::KeyU64U64('B', (i * 2654435761u) % 100'000, step));
    }
    auto batch = (*store)->NewBatch();
    for (const std::string& k : keys) {
      benchmark::DoNotOptimize((*store)->Get(0, k, &got));
    }
    std::sort(keys.begin(), keys.end());
    for (const std::string& k : keys) batch->Put(0, k, value);
    benchmark::DoNotOptimize((*store)->Write(batch.get(), {.sync = true}));
  }
  state.SetItemsProcessed(state.iterations() * kRecordsPerStep);
}
BENCHMARK(BM_RewardsStepNewRecords)->UseRealTime()->Unit(benchmark::kMillisecond);

// The edge check of one CreateTransfers request of 1000 transfers, as tb-loadgen's
// batch mode sends them (kind, coproduction type and occurred_at set).
void BM_RequestCheckTransferBatch(benchmark::State& state) {
  ::timebank::ledger::v1::CreateTransfersRequest req;
  for (int i = 0; i < 1000; ++i) {
    auto* t = req.add_transfers();
    t->set_id("bench-" + std::to_string(i));
    t->set_debit_account_id("a1");
    t->set_credit_account_id("a2");
    t->set_amount(1);
    t->set_kind(::timebank::ledger::v1::TRANSFER_KIND_EXCHANGE);
    t->set_coproduction_type(::timebank::ledger::v1::COPRODUCTION_TYPE_CO_DELIVERY);
    t->mutable_occurred_at()->set_seconds(1'700'000'000);
  }
  const RequestCheck* check = RequestCheck::For(req.GetDescriptor());
  for (auto _ : state) benchmark::DoNotOptimize(check->Check(req));
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_RequestCheckTransferBatch);

}  // namespace
}  // namespace timebank::ledger

BENCHMARK_MAIN();
