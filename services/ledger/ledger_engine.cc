#include "services/ledger/ledger_engine.h"

#include <pthread.h>

#include <chrono>
#include <future>
#include <limits>

#include "absl/strings/str_cat.h"
#include "services/ledger/journal_codec.h"
#include "services/ledger/ledger_schema.h"
#include "storage/check.h"

namespace timebank::ledger {
namespace {

constexpr size_t kMaxExpiriesPerCommit = 4096;
constexpr size_t kRecoveryChunk = 4096;

}  // namespace

struct LedgerEngine::Request {
  enum class Kind { kAccounts, kTransfers, kStatus, kErase };
  Kind kind;
  std::vector<AccountView> accounts;
  std::vector<Transfer> transfers;
  StatusChange status_change;
  std::vector<std::string> erase_accounts;
  Done<std::vector<AccountResult>> accounts_done;
  Done<std::vector<TransferResult>> transfers_done;
  Done<StatusResult> status_done;
  Done<uint64_t> erase_done;  // the head seq once the marks are durable

  std::vector<AccountResult> account_results;
  std::vector<TransferResult> transfer_results;
  uint64_t status_seq = 0;
  absl::Status error;

  size_t events() const {
    return kind == Kind::kAccounts    ? accounts.size()
           : kind == Kind::kTransfers ? transfers.size()
                                      : 1;
  }
  // Answers the request's caller with `s` (an error).
  void Fail(const absl::Status& s) {
    switch (kind) {
      case Kind::kAccounts:
        accounts_done(s);
        break;
      case Kind::kTransfers:
        transfers_done(s);
        break;
      case Kind::kStatus:
        status_done(s);
        break;
      case Kind::kErase:
        erase_done(s);
        break;
    }
  }
};

LedgerEngine::LedgerEngine(std::unique_ptr<storage::KvStore> store, LedgerOptions options)
    : store_(std::move(store)),
      options_(std::move(options)),
      reader_(store_.get()),
      state_(&reader_, options_.limits),
      batch_(store_->NewBatch()) {}

absl::StatusOr<std::unique_ptr<LedgerEngine>> LedgerEngine::Open(
    std::unique_ptr<storage::KvStore> store, LedgerOptions options) {
  TB_CHECK(store != nullptr);
  TB_CHECK(options.max_events_per_commit >= kMaxBatchEvents);
  TB_CHECK(options.max_queued_events >= kMaxBatchEvents);
  TB_CHECK(options.clock != nullptr);
  std::unique_ptr<LedgerEngine> engine(new LedgerEngine(std::move(store), std::move(options)));
  TB_RETURN_IF_ERROR(engine->Recover());
  engine->projection_->Start();
  engine->writer_ = std::thread([e = engine.get()] { e->WriterLoop(); });
  return engine;
}

LedgerEngine::~LedgerEngine() { Stop(); }

int64_t LedgerEngine::Now() const { return options_.clock->NowUnixNanos(); }

absl::Status LedgerEngine::Recover() {
  // Index rows are valid as of `cursor`, balance rows as of `balances_cursor`.
  TB_ASSIGN_OR_RETURN(const uint64_t cursor, reader_.Cursor(nullptr));
  TB_ASSIGN_OR_RETURN(const uint64_t balances_cursor, reader_.BalancesCursor(nullptr));
  const absl::Status damaged_index = absl::DataLossError(
      "the ledger index is inconsistent with itself or the journal: the data directory is "
      "damaged; restore from a backup (docs/OPERATIONS.md)");
  if (balances_cursor > cursor) return damaged_index;

  std::vector<AccountInfo> infos;
  {
    auto it = store_->NewIterator(schema::kIndex);
    std::string value;
    for (it->Seek(std::string(1, schema::kAccountTag));
         it->Valid() && it->key()[0] == schema::kAccountTag; it->Next()) {
      TB_ASSIGN_OR_RETURN(AccountInfo info, DecodeAccountInfo(it->value()));
      if (info.number != infos.size() + 1) return damaged_index;
      Balances b;  // accounts created after the balance snapshot start at zero
      TB_ASSIGN_OR_RETURN(
          bool found,
          store_->Get(schema::kIndex, storage::KeyU64(schema::kBalancesTag, info.number), &value));
      if (found) {
        TB_ASSIGN_OR_RETURN(b, DecodeBalances(value));
      }
      state_.LoadAccount(info, b);
      infos.push_back(std::move(info));
    }
    TB_RETURN_IF_ERROR(it->status());
    for (it->Seek(std::string(1, schema::kExpiryTag));
         it->Valid() && it->key()[0] == schema::kExpiryTag; it->Next()) {
      if (it->value().size() != 8) return damaged_index;
      state_.LoadExpiry(std::string(it->key().substr(1)), storage::DecodeI64(it->value().data()));
    }
    TB_RETURN_IF_ERROR(it->status());
  }

  {
    auto it = store_->NewIterator(schema::kTexts);
    for (it->Seek(std::string(1, schema::kErasedTag));
         it->Valid() && it->key()[0] == schema::kErasedTag; it->Next()) {
      erased_accounts_.emplace(it->key().substr(1));
    }
    TB_RETURN_IF_ERROR(it->status());
  }

  // Replay the journal from the balance snapshot, checking the hash chain all the
  // way: balances only up to the index cursor, everything after it.
  if (balances_cursor > 0) {
    TB_ASSIGN_OR_RETURN(std::vector<JournalEntry> at,
                        reader_.ReadJournal(balances_cursor, 1, nullptr,
                                            /*with_texts=*/false));
    if (at.empty()) return damaged_index;
    prev_hash_ = at[0].hash;
    last_ns_ = at[0].recorded_at_ns;
  }
  working_seq_ = balances_cursor;
  std::vector<Balances> indexed_balances;
  if (cursor == balances_cursor) indexed_balances = state_.WorkingBalances();
  std::string canonical;
  while (true) {
    TB_ASSIGN_OR_RETURN(std::vector<JournalEntry> chunk,
                        reader_.ReadJournal(working_seq_ + 1, kRecoveryChunk, nullptr,
                                            /*with_texts=*/false));
    for (JournalEntry& e : chunk) {
      canonical.clear();
      EncodeCanonical(e, &canonical);
      if (storage::ChainHash(prev_hash_, canonical) != e.hash) {
        return absl::DataLossError(absl::StrCat(
            "journal entry ", e.seq,
            " fails its hash check: the data directory is damaged; restore from a backup"));
      }
      if (e.seq <= cursor) {
        state_.ApplyBalancesOnly(e);
      } else {
        // Transfers past the index cursor go back into the overlay, where retries are
        // compared with them: they need their texts.
        TB_RETURN_IF_ERROR(reader_.JoinTexts(&e, nullptr));
        TB_RETURN_IF_ERROR(state_.Apply(e));
        state_.CommitUndo();
      }
      prev_hash_ = e.hash;
      last_ns_ = e.recorded_at_ns;
      working_seq_ = e.seq;
      if (e.seq == cursor) indexed_balances = state_.WorkingBalances();
    }
    if (chunk.size() < kRecoveryChunk) break;
  }
  if (working_seq_ < cursor) return damaged_index;
  state_.Publish();
  const std::string violation = state_.InvariantViolation();
  if (!violation.empty()) {
    return absl::DataLossError(absl::StrCat("ledger invariant broken after recovery: ", violation,
                                            "; restore from a backup"));
  }
  head_seq_.store(working_seq_, std::memory_order_release);
  projection_ = std::make_unique<Projection>(store_.get(), &reader_, cursor, std::move(infos),
                                             std::move(indexed_balances), balances_cursor < cursor,
                                             options_.clock);
  projection_->Notify(working_seq_);
  return absl::OkStatus();
}

// ---- Enqueueing -------------------------------------------------------------------

void LedgerEngine::Enqueue(std::unique_ptr<Request> request, bool bounded) {
  bool full = false;
  {
    absl::MutexLock lock(&queue_mu_);
    full = bounded && queued_events_ + request->events() > options_.max_queued_events;
    if (!stop_ && !full) {
      queued_events_ += request->events();
      queue_.push_back(std::move(request));
      return;
    }
  }
  if (full) {
    request->Fail(absl::ResourceExhaustedError(
        "the ledger has too much work waiting to be written; nothing of this call was "
        "recorded; retry in a moment"));
    return;
  }
  request->Fail(
      absl::UnavailableError("the ledger is shutting down; retry against the restarted server"));
}

void LedgerEngine::CreateAccounts(std::vector<AccountView> accounts,
                                  Done<std::vector<AccountResult>> done) {
  TB_CHECK(!accounts.empty() && accounts.size() <= kMaxBatchEvents);
  auto r = std::make_unique<Request>();
  r->kind = Request::Kind::kAccounts;
  r->accounts = std::move(accounts);
  r->accounts_done = std::move(done);
  Enqueue(std::move(r), /*bounded=*/true);
}

void LedgerEngine::CreateTransfers(std::vector<Transfer> transfers,
                                   Done<std::vector<TransferResult>> done) {
  TB_CHECK(!transfers.empty() && transfers.size() <= kMaxBatchEvents);
  auto r = std::make_unique<Request>();
  r->kind = Request::Kind::kTransfers;
  r->transfers = std::move(transfers);
  r->transfers_done = std::move(done);
  Enqueue(std::move(r), /*bounded=*/true);
}

void LedgerEngine::SetAccountStatus(StatusChange change, Done<StatusResult> done) {
  auto r = std::make_unique<Request>();
  r->kind = Request::Kind::kStatus;
  r->status_change = std::move(change);
  r->status_done = std::move(done);
  Enqueue(std::move(r));
}

// ---- The writer -------------------------------------------------------------------

void LedgerEngine::WriterLoop() {
  pthread_setname_np(pthread_self(), "tb-ledger-write");
  std::vector<std::unique_ptr<Request>> work;
  while (true) {
    bool stopping;
    {
      absl::MutexLock lock(&queue_mu_);
      absl::Duration wait = absl::Milliseconds(100);
      if (std::optional<int64_t> next = state_.NextExpiry()) {
        wait = std::min(wait, absl::Nanoseconds(std::max<int64_t>(0, *next - Now())));
      }
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_) {
        return !queue_.empty() || stop_;
      };
      queue_mu_.AwaitWithTimeout(absl::Condition(&ready), wait);
      size_t events = 0;
      while (!queue_.empty() &&
             events + queue_.front()->events() <= options_.max_events_per_commit) {
        events += queue_.front()->events();
        work.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      queued_events_ -= events;
      stopping = stop_ && queue_.empty();
    }
    CommitGroup(work);
    work.clear();
    if (stopping) return;
  }
}

LedgerEngine::Mark LedgerEngine::TakeMark() const {
  return Mark{state_.Mark(), working_seq_, prev_hash_, last_ns_};
}

void LedgerEngine::RollbackTo(const Mark& m) {
  state_.RollbackTo(m.undo);
  working_seq_ = m.seq;
  prev_hash_ = m.hash;
  last_ns_ = m.last_ns;
}

absl::Status LedgerEngine::Append(JournalEntry& e, int64_t now) {
  e.seq = working_seq_ + 1;
  e.recorded_at_ns = std::max(now, last_ns_ + 1);
  if (e.type == EntryType::kTransfer) {
    e.transfer.seq = e.seq;
    e.transfer.recorded_at_ns = e.recorded_at_ns;
    if (e.transfer.occurred_at_ns == 0) {
      e.transfer.occurred_at_ns = e.recorded_at_ns;
      e.transfer.defaulted |= kDefaultOccurredAt;
    }
  } else if (e.type == EntryType::kAccountCreated) {
    e.account.created_seq = e.seq;
    e.account.created_at_ns = e.recorded_at_ns;
  }
  texts_scratch_.clear();
  if (e.type == EntryType::kTransfer) SealTexts(e.transfer);
  scratch_.clear();
  EncodeCanonical(e, &scratch_);
  e.hash = storage::ChainHash(prev_hash_, scratch_);
  scratch_.append(storage::HashBytes(e.hash));
  // Apply can fail (a store read) and changes nothing then; it consumes e.transfer.
  TB_RETURN_IF_ERROR(state_.Apply(e));
  batch_->Put(schema::kJournal, schema::JournalKey(e.seq), scratch_);
  if (!texts_scratch_.empty())
    batch_->Put(schema::kTexts, schema::JournalKey(e.seq), texts_scratch_);
  working_seq_ = e.seq;
  prev_hash_ = e.hash;
  last_ns_ = e.recorded_at_ns;
  return absl::OkStatus();
}

void LedgerEngine::SealTexts(Transfer& t) {
  if (t.reference.empty() && t.memo.empty()) return;  // digest stays zero: nothing to keep
  if (salts_used_ == salts_.size()) {
    salts_ = storage::RandomBytes(kTextSaltBytes * kSaltsPerRefill);
    salts_used_ = 0;
  }
  const std::string_view salt = std::string_view(salts_).substr(salts_used_, kTextSaltBytes);
  salts_used_ += kTextSaltBytes;
  std::string record = EncodeTexts(salt, t.reference, t.memo, &t.text_digest);
  if (!erased_accounts_.empty() && (erased_accounts_.contains(t.debit_account_id) ||
                                    erased_accounts_.contains(t.credit_account_id))) {
    // A member's erased account keeps no new text either (the digest alone says nothing).
    t.reference.clear();
    t.memo.clear();
    t.text_erased = true;
    return;
  }
  texts_scratch_ = std::move(record);
}

void LedgerEngine::ExpireDue(int64_t now) {
  for (const std::string& id : state_.DuePending(now, kMaxExpiriesPerCommit)) {
    absl::StatusOr<Transfer> t = state_.ResolveExpiry(id);
    absl::Status s = t.status();
    if (t.ok()) {
      JournalEntry e;
      e.type = EntryType::kTransfer;
      e.transfer = std::move(*t);
      s = Append(e, now);
    }
    if (!s.ok()) {
      // Leave it for the next commit; the store read may succeed then.
      std::fprintf(stderr, "ledger: expiring pending transfer %s failed: %s\n", id.c_str(),
                   std::string(s.message()).c_str());
      return;
    }
  }
}

void LedgerEngine::ProcessAccounts(Request& r, int64_t now) {
  r.account_results.resize(r.accounts.size());
  for (size_t i = 0; i < r.accounts.size(); ++i) {
    AccountResult& result = r.account_results[i];
    result.code = state_.ValidateAccount(r.accounts[i], &result.seq);
    if (result.code != pb::CREATE_ACCOUNT_CREATED) continue;
    JournalEntry e;
    e.type = EntryType::kAccountCreated;
    e.account = state_.ResolveAccount(r.accounts[i]);
    TB_CHECK(Append(e, now).ok());  // account entries read nothing from the store
    result.seq = e.seq;
  }
}

void LedgerEngine::ProcessTransfers(Request& r, int64_t now) {
  std::vector<Transfer>& ts = r.transfers;
  const size_t n = ts.size();
  r.transfer_results.assign(n, TransferResult{});
  // A chain still open at the end of the batch fails whole, unevaluated.
  size_t open_chain = n;
  if (ts.back().is(kLinked)) {
    open_chain = n - 1;
    while (open_chain > 0 && ts[open_chain - 1].is(kLinked)) --open_chain;
  }
  const Mark request_mark = TakeMark();
  batch_->SetSavePoint();
  size_t i = 0;
  while (i < n) {
    if (i >= open_chain) {
      for (size_t k = i; k < n; ++k) {
        r.transfer_results[k].code = k == n - 1 ? pb::CREATE_TRANSFER_LINKED_EVENT_CHAIN_OPEN
                                                : pb::CREATE_TRANSFER_LINKED_EVENT_FAILED;
      }
      break;
    }
    size_t end = i;
    while (end + 1 < n && ts[end].is(kLinked)) ++end;
    const bool chain = end > i;
    const Mark chain_mark = TakeMark();
    if (chain) batch_->SetSavePoint();
    size_t failed = n;
    for (size_t k = i; k <= end; ++k) {
      Transfer resolved;
      TransferRecord existing;
      absl::StatusOr<pb::CreateTransferResultCode> code =
          state_.ValidateTransfer(ts[k], now, &resolved, &existing);
      absl::Status s = code.status();
      if (s.ok() && *code == pb::CREATE_TRANSFER_CREATED) {
        JournalEntry e;
        e.type = EntryType::kTransfer;
        e.transfer = std::move(resolved);
        s = Append(e, now);
        if (s.ok()) r.transfer_results[k] = {*code, e.seq, e.recorded_at_ns};
      } else if (s.ok()) {
        r.transfer_results[k] = {*code, existing.seq, resolved.recorded_at_ns};
        // EXISTS means "already done": it does not fail a chain.
        if (*code != pb::CREATE_TRANSFER_EXISTS) {
          failed = k;
          break;
        }
      }
      if (!s.ok()) {
        // The store could not be read: nothing of this request is applied.
        if (chain) batch_->RollbackToSavePoint();
        batch_->RollbackToSavePoint();
        RollbackTo(request_mark);
        r.error =
            absl::UnavailableError(absl::StrCat("the ledger could not read its store (",
                                                s.message(), "); nothing was recorded, retry"));
        return;
      }
    }
    if (chain) {
      if (failed < n) {
        batch_->RollbackToSavePoint();
        RollbackTo(chain_mark);
        for (size_t k = i; k <= end; ++k) {
          if (k != failed) r.transfer_results[k] = {pb::CREATE_TRANSFER_LINKED_EVENT_FAILED, 0, 0};
        }
      } else {
        batch_->PopSavePoint();
      }
    }
    i = end + 1;
  }
  batch_->PopSavePoint();
}

void LedgerEngine::ProcessStatus(Request& r, int64_t now) {
  absl::StatusOr<bool> change = state_.ValidateStatusChange(r.status_change);
  if (!change.ok()) {
    r.error = change.status();
    return;
  }
  if (!*change) return;
  JournalEntry e;
  e.type = EntryType::kAccountStatus;
  e.status_change = r.status_change;
  TB_CHECK(Append(e, now).ok());  // status entries read nothing from the store
  r.status_seq = e.seq;
}

void LedgerEngine::ProcessErase(Request& r) {
  for (const std::string& id : r.erase_accounts) {
    if (!erased_accounts_.insert(id).second) continue;
    batch_->Put(schema::kTexts, schema::ErasedAccountKey(id), "");
    newly_erased_.push_back(id);
  }
}

void LedgerEngine::CommitGroup(std::vector<std::unique_ptr<Request>>& work) {
  const int64_t now = Now();
  batch_->Clear();
  newly_erased_.clear();
  const Mark group_mark = TakeMark();
  TB_CHECK(group_mark.undo == 0);
  ExpireDue(now);
  for (auto& r : work) {
    switch (r->kind) {
      case Request::Kind::kAccounts:
        ProcessAccounts(*r, now);
        break;
      case Request::Kind::kTransfers:
        ProcessTransfers(*r, now);
        break;
      case Request::Kind::kStatus:
        ProcessStatus(*r, now);
        break;
      case Request::Kind::kErase:
        ProcessErase(*r);
        break;
    }
  }

  const size_t entries = working_seq_ - group_mark.seq;
  CommitStats stats{work.size(), entries, 0};
  absl::Status written;
  if (entries > 0 || batch_->Count() > 0) {
    const auto start = std::chrono::steady_clock::now();
    written = store_->Write(batch_.get(), {.sync = true});
    stats.write_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::steady_clock::now() - start)
                         .count();
  }
  if (!written.ok()) {
    RollbackTo(group_mark);
    for (const std::string& id : newly_erased_) erased_accounts_.erase(id);
    const absl::Status failure = absl::UnavailableError(
        absl::StrCat("the ledger could not write to disk (", written.message(),
                     "); nothing was recorded; retry, and check the server's disk if it persists"));
    for (auto& r : work) {
      if (r->error.ok()) r->error = failure;
      r->status_seq = 0;
    }
  } else {
    state_.CommitUndo();
    state_.Publish();
    if (entries > 0) {
      head_seq_.store(working_seq_, std::memory_order_release);
      projection_->Notify(working_seq_);
      absl::MutexLock lock(&listeners_mu_);
      for (auto& [id, fn] : listeners_) fn(working_seq_);
    }
  }
  if (options_.check_invariants_every_commit) {
    const std::string violation = state_.InvariantViolation();
    if (!violation.empty()) {
      std::fprintf(stderr, "ledger invariant violated: %s\n", violation.c_str());
      TB_CHECK(violation.empty());
    }
  }

  for (auto& r : work) {
    switch (r->kind) {
      case Request::Kind::kAccounts:
        if (r->error.ok()) {
          r->accounts_done(std::move(r->account_results));
        } else {
          r->accounts_done(r->error);
        }
        break;
      case Request::Kind::kTransfers:
        if (r->error.ok()) {
          r->transfers_done(std::move(r->transfer_results));
        } else {
          r->transfers_done(r->error);
        }
        break;
      case Request::Kind::kStatus:
        if (r->error.ok()) {
          auto views = state_.ReadAccounts({r->status_change.account_id});
          TB_CHECK(views[0].has_value());
          r->status_done(StatusResult{std::move(*views[0]), r->status_seq});
        } else {
          r->status_done(r->error);
        }
        break;
      case Request::Kind::kErase:
        if (r->error.ok()) {
          r->erase_done(working_seq_);
        } else {
          r->erase_done(r->error);
        }
        break;
    }
  }
  state_.PruneOverlay(projection_->cursor());
  if (options_.on_commit) options_.on_commit(stats);
}

// ---- Reads and control ------------------------------------------------------------

std::vector<std::optional<AccountView>> LedgerEngine::GetAccounts(
    const std::vector<std::string>& ids) const {
  return state_.ReadAccounts(ids);
}

Page<AccountView, std::string> LedgerEngine::ListAccounts(uint64_t community_id,
                                                          std::string_view unit,
                                                          std::string_view after_id,
                                                          size_t limit) const {
  return state_.ListAccounts(community_id, unit, after_id, limit);
}

absl::StatusOr<std::vector<std::optional<StoredTransfer>>> LedgerEngine::GetTransfers(
    const std::vector<std::string>& ids) {
  return reader_.GetTransfers(ids);
}

absl::StatusOr<StatementPage> LedgerEngine::ListTransfers(StatementQuery query) {
  auto views = state_.ReadAccounts({query.account_id});
  if (!views[0]) {
    return absl::NotFoundError(absl::StrCat("account '", query.account_id, "' does not exist"));
  }
  query.account_number = views[0]->info.number;
  return reader_.ListTransfers(query);
}

absl::StatusOr<std::vector<JournalEntry>> LedgerEngine::ReadJournal(uint64_t from_seq,
                                                                    size_t max_entries) {
  return reader_.ReadJournal(from_seq, max_entries);
}

absl::StatusOr<VerifyResult> LedgerEngine::VerifyJournal() { return reader_.Verify(); }

absl::StatusOr<EraseResult> LedgerEngine::EraseTexts(const std::vector<std::string>& account_ids) {
  // 1. From this commit on, nothing that touches the accounts keeps a text.
  std::promise<absl::StatusOr<uint64_t>> marked;
  auto r = std::make_unique<Request>();
  r->kind = Request::Kind::kErase;
  r->erase_accounts = account_ids;
  r->erase_done = [&marked](absl::StatusOr<uint64_t> head) { marked.set_value(std::move(head)); };
  Enqueue(std::move(r));
  TB_ASSIGN_OR_RETURN(const uint64_t head, marked.get_future().get());

  // 2. Every earlier entry with texts, from the accounts' statements.
  EraseResult result;
  std::vector<uint64_t> seqs;  // entries whose text records go
  uint64_t first = std::numeric_limits<uint64_t>::max(), last = 0;
  for (const std::string& id : account_ids) {
    StatementQuery q;
    q.account_id = id;
    q.oldest_first = true;
    q.page_size = kMaxPageSize;
    do {
      absl::StatusOr<StatementPage> page = ListTransfers(q);
      if (page.status().code() == absl::StatusCode::kNotFound) break;
      TB_RETURN_IF_ERROR(page.status());
      for (const StoredTransfer& st : page->items) {
        const Transfer& t = st.transfer;
        if (t.seq > head) break;
        if (t.text_digest == storage::Hash256{}) {
          if (!t.memo.empty() || !t.reference.empty()) ++result.transfers_not_erasable;
          continue;
        }
        ++result.transfers_erased;
        first = std::min(first, t.seq);
        last = std::max(last, t.seq);
        if (!t.text_erased) seqs.push_back(t.seq);
      }
      q.after_seq = page->next_after.value_or(0);
    } while (q.after_seq != 0 && q.after_seq < head);
  }

  // 3. Delete their text records (the writer only ever adds records past `head`).
  constexpr size_t kDeletesPerBatch = 10'000;
  for (size_t from = 0; from < seqs.size(); from += kDeletesPerBatch) {
    auto batch = store_->NewBatch();
    for (size_t i = from; i < std::min(seqs.size(), from + kDeletesPerBatch); ++i) {
      batch->Delete(schema::kTexts, schema::JournalKey(seqs[i]));
    }
    TB_RETURN_IF_ERROR(store_->Write(batch.get(), {.sync = true}));
  }
  // 4. ... and out of every file, so that no backup made from now on holds them. Also
  //    on a retry that found them deleted already: an earlier purge may have failed.
  if (last != 0) {
    TB_RETURN_IF_ERROR(
        store_->Purge(schema::kTexts, schema::JournalKey(first), schema::JournalKey(last)));
  }
  return result;
}

int LedgerEngine::AddCommitListener(std::function<void(uint64_t)> fn) {
  absl::MutexLock lock(&listeners_mu_);
  const int id = next_listener_id_++;
  listeners_.emplace_back(id, std::move(fn));
  return id;
}

void LedgerEngine::RemoveCommitListener(int id) {
  absl::MutexLock lock(&listeners_mu_);
  std::erase_if(listeners_, [id](const auto& l) { return l.first == id; });
}

absl::Status LedgerEngine::Checkpoint(const std::string& dir) { return store_->Checkpoint(dir); }

void LedgerEngine::WaitForIndex() { projection_->WaitFor(head_seq()); }

void LedgerEngine::Stop() {
  if (stopped_) return;
  {
    absl::MutexLock lock(&queue_mu_);
    stop_ = true;
  }
  if (writer_.joinable()) writer_.join();
  if (projection_) projection_->Stop();
  stopped_ = true;
}

}  // namespace timebank::ledger
