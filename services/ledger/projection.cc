#include "services/ledger/projection.h"

#include <pthread.h>

#include <algorithm>

#include "services/ledger/effects.h"
#include "services/ledger/journal_codec.h"
#include "services/ledger/ledger_schema.h"
#include "storage/check.h"

namespace timebank::ledger {

Projection::Projection(storage::KvStore* store, LedgerReader* reader, uint64_t cursor,
                       std::vector<AccountInfo> accounts, std::vector<Balances> balances,
                       bool balances_stale, const Clock* clock)
    : store_(store),
      reader_(reader),
      accounts_(std::move(accounts)),
      balances_(std::move(balances)),
      all_balances_dirty_(balances_stale),
      clock_(clock),
      last_snapshot_(clock->Now()),
      cursor_(cursor) {
  TB_CHECK(accounts_.size() == balances_.size());
  for (const AccountInfo& a : accounts_) number_by_id_.emplace(a.id, a.number);
  absl::MutexLock lock(&mu_);
  head_ = cursor;
}

Projection::~Projection() { Stop(); }

void Projection::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Projection::Notify(uint64_t head) {
  absl::MutexLock lock(&mu_);
  head_ = std::max(head_, head);
}

void Projection::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stop_) return;
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
  // Snapshot every balance and persist the unlogged index so the next start
  // replays nothing.
  auto batch = store_->NewBatch();
  AddSnapshot(batch.get(), cursor());
  absl::Status s = store_->Write(batch.get(), {.sync = false, .disable_wal = true});
  if (s.ok()) {
    balances_dirty_.clear();
    all_balances_dirty_ = false;
    s = store_->Flush(schema::kIndex);
  }
  if (!s.ok())
    std::fprintf(stderr, "ledger: index flush at shutdown failed: %s\n",
                 std::string(s.message()).c_str());
}

void Projection::WaitFor(uint64_t seq) {
  absl::MutexLock lock(&mu_);
  auto reached = [this, seq]()
                     ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return cursor() >= seq || stop_; };
  mu_.Await(absl::Condition(&reached));
}

absl::Status Projection::health() const {
  absl::MutexLock lock(&mu_);
  return health_;
}

void Projection::AddSnapshot(storage::WriteBatch* batch, uint64_t through_seq) {
  auto put = [&](uint64_t n) {
    batch->Put(schema::kIndex, storage::KeyU64(schema::kBalancesTag, n),
               EncodeBalances(balances_[n - 1]));
  };
  if (all_balances_dirty_) {
    for (uint64_t n = 1; n <= balances_.size(); ++n) put(n);
  } else {
    std::vector<uint64_t> rows(balances_dirty_.begin(), balances_dirty_.end());
    std::sort(rows.begin(), rows.end());  // sorted keys insert faster
    for (uint64_t n : rows) {
      if (n <= balances_.size()) put(n);  // skip rows of a step that was rolled back
    }
  }
  std::string value;
  storage::PutU64(&value, through_seq);
  batch->Put(schema::kIndex, schema::kBalancesCursorKey, value);
}

void Projection::Run() {
  pthread_setname_np(pthread_self(), "tb-ledger-index");
  while (true) {
    uint64_t head;
    bool stopping;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]()
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_ || head_ > cursor(); };
      mu_.AwaitWithTimeout(absl::Condition(&ready), absl::Milliseconds(200));
      // Let a small step grow for a moment: fewer, larger index writes.
      auto big = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stop_ || head_ >= cursor() + kMinStepEntries;
      };
      if (head_ > cursor()) mu_.AwaitWithTimeout(absl::Condition(&big), kStepDelay);
      head = head_;
      stopping = stop_;
    }
    if (head > cursor()) {
      const bool snapshot = entries_since_snapshot_ >= kSnapshotEveryEntries ||
                            clock_->Now() - last_snapshot_ >= kSnapshotEvery;
      absl::Status s = Step(head, snapshot);
      absl::MutexLock lock(&mu_);
      health_ = s;
      if (!s.ok()) {
        // A failed step wrote nothing; try again shortly (and give up on shutdown).
        if (stopping) return;
        mu_.AwaitWithTimeout(absl::Condition(&stop_), absl::Milliseconds(100));
      }
      continue;
    }
    if (stopping) return;
  }
}

absl::Status Projection::Step(uint64_t head, bool snapshot) {
  const uint64_t from = cursor() + 1;
  const size_t count = std::min<uint64_t>(head - from + 1, kMaxEntriesPerStep);
  TB_ASSIGN_OR_RETURN(std::vector<JournalEntry> entries,
                      reader_->ReadJournal(from, count, nullptr,
                                           /*with_texts=*/false));
  TB_CHECK(entries.size() == count);

  auto batch = store_->NewBatch();
  // Puts are sorted before they go into the batch: inserting keys in order lets the
  // memtable's skiplist reuse its search path (measured: the index write was the
  // largest CPU cost of a batched load). Deletes follow the puts.
  // Keys and values live in one arena string: no allocation per key.
  struct PutRef {
    uint32_t offset, key_bytes, value_bytes;
  };
  std::string arena;
  std::vector<PutRef> puts;
  arena.reserve(entries.size() * 96);  // three keys and a record per transfer
  puts.reserve(entries.size() * 3);
  std::vector<std::string> deletes;
  auto put = [&](std::string_view key, std::string_view value) {
    puts.push_back({static_cast<uint32_t>(arena.size()), static_cast<uint32_t>(key.size()),
                    static_cast<uint32_t>(value.size())});
    arena.append(key);
    arena.append(value);
  };
  absl::flat_hash_map<std::string, TransferRecord> records;  // changed in this step
  std::vector<uint64_t> changed_infos;  // account rows to write in this step (may repeat)
  std::string value;

  // The in-memory rows change in place; a failed write puts them back. (A row marked
  // for the next balance snapshot by a failed step is harmless: the snapshot writes
  // the row's value at that time.)
  const size_t accounts_before = accounts_.size();
  absl::flat_hash_map<uint64_t, std::pair<Balances, pb::AccountStatus>> saved;
  auto touch = [&](uint64_t n) {
    balances_dirty_.insert(n);
    if (n <= accounts_before) {
      saved.try_emplace(n, std::make_pair(balances_[n - 1], accounts_[n - 1].status));
    }
  };
  auto rollback = [&] {
    for (size_t i = accounts_before; i < accounts_.size(); ++i) {
      number_by_id_.erase(accounts_[i].id);
    }
    accounts_.resize(accounts_before);
    balances_.resize(accounts_before);
    for (const auto& [n, prior] : saved) {
      balances_[n - 1] = prior.first;
      accounts_[n - 1].status = prior.second;
    }
  };
  auto number_of = [&](const std::string& id) -> uint64_t {
    auto it = number_by_id_.find(id);
    TB_CHECK(it != number_by_id_.end());
    return it->second;
  };
  auto& accounts = accounts_;
  auto& balances = balances_;

  for (const JournalEntry& e : entries) {
    switch (e.type) {
      case EntryType::kAccountCreated:
        TB_CHECK(e.account.number == accounts.size() + 1);
        accounts.push_back(e.account);
        balances.emplace_back();
        number_by_id_.emplace(e.account.id, e.account.number);
        touch(e.account.number);
        changed_infos.push_back(e.account.number);
        break;
      case EntryType::kAccountStatus: {
        const uint64_t n = number_of(e.status_change.account_id);
        touch(n);
        changed_infos.push_back(n);
        accounts[n - 1].status = e.status_change.status;
        break;
      }
      case EntryType::kTransfer: {
        const Transfer& t = e.transfer;
        const uint64_t d = number_of(t.debit_account_id);
        const uint64_t c = number_of(t.credit_account_id);
        touch(d);
        touch(c);
        ApplyBalanceEffects(t, &balances[d - 1], &balances[c - 1]);
        put(storage::KeyU64U64(schema::kStatementTag, d, e.seq), "");
        put(storage::KeyU64U64(schema::kStatementTag, c, e.seq), "");
        RecordChange changes[2];
        const int n = RecordChangesOf(t, changes);
        for (int i = 0; i < n; ++i) {
          std::string id(changes[i].id);
          auto it = records.find(id);
          if (it == records.end() && changes[i].op != RecordChange::Op::kCreate) {
            absl::StatusOr<bool> found =
                store_->Get(schema::kIndex, storage::KeyStr(schema::kRecordTag, id), &value);
            absl::StatusOr<TransferRecord> prior =
                found.ok() ? DecodeRecord(value) : absl::StatusOr<TransferRecord>(found.status());
            if (!prior.ok()) {
              rollback();
              return prior.status();
            }
            TB_CHECK(*found);
            it = records.emplace(id, *prior).first;
          } else if (it == records.end()) {
            it = records.emplace(id, TransferRecord{}).first;
          }
          ApplyRecordChange(changes[i], e.seq, &it->second);
        }
        if (t.is(kPending) && t.timeout_s > 0) {
          std::string expires;
          storage::PutI64(&expires, t.expires_at_ns());
          put(storage::KeyStr(schema::kExpiryTag, t.id), expires);
        }
        if (t.is(kPostPending) || t.is(kVoidPending)) {
          deletes.push_back(storage::KeyStr(schema::kExpiryTag, t.pending_id));
        }
        break;
      }
    }
  }
  for (const auto& [id, record] : records) {
    put(storage::KeyStr(schema::kRecordTag, id), EncodeRecord(record));
  }
  std::sort(changed_infos.begin(), changed_infos.end());
  changed_infos.erase(std::unique(changed_infos.begin(), changed_infos.end()), changed_infos.end());
  for (uint64_t n : changed_infos) {
    put(storage::KeyU64(schema::kAccountTag, n), EncodeAccountInfo(accounts[n - 1]));
  }
  auto key_of = [&arena](const PutRef& r) {
    return std::string_view(arena).substr(r.offset, r.key_bytes);
  };
  std::sort(puts.begin(), puts.end(),
            [&](const PutRef& a, const PutRef& b) { return key_of(a) < key_of(b); });
  for (const PutRef& r : puts) {
    batch->Put(schema::kIndex, key_of(r),
               std::string_view(arena).substr(r.offset + r.key_bytes, r.value_bytes));
  }
  for (const auto& key : deletes) batch->Delete(schema::kIndex, key);
  const uint64_t last = entries.back().seq;
  if (snapshot) AddSnapshot(batch.get(), last);
  std::string cursor_value;
  storage::PutU64(&cursor_value, last);
  batch->Put(schema::kIndex, schema::kCursorKey, cursor_value);
  absl::Status written = store_->Write(batch.get(), {.sync = false, .disable_wal = true});
  if (!written.ok()) {
    rollback();
    return written;
  }
  entries_since_snapshot_ += entries.size();
  if (snapshot) {
    balances_dirty_.clear();
    all_balances_dirty_ = false;
    entries_since_snapshot_ = 0;
    last_snapshot_ = clock_->Now();
  }
  {
    absl::MutexLock lock(&mu_);
    cursor_.store(last, std::memory_order_release);
  }
  return absl::OkStatus();
}

}  // namespace timebank::ledger
