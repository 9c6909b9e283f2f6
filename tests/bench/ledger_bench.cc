// Micro-benchmarks of the ledger's hot path (Google Benchmark). Programs, not tests:
//   build/tests/ledger_bench --benchmark_min_time=1
// They isolate what tb-loadgen measures end to end: the state machine per transfer,
// the canonical encoding + SHA-256 chain, RocksDB's cost per key in a synced batch,
// and the edge check of enums and times every request passes (services/common/
// request_check.h) on a full CreateTransfers batch.
#include <benchmark/benchmark.h>

#include "services/common/request_check.h"
#include "services/ledger/journal_codec.h"
#include "services/ledger/ledger_schema.h"
#include "services/ledger/ledger_state.h"
#include "storage/bytes.h"
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
