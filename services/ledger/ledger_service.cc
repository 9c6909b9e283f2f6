#include "services/ledger/ledger_service.h"

#include <deque>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/auth/auth_interceptor.h"
#include "services/common/grpc_util.h"
#include "services/common/ids.h"
#include "services/common/paging.h"
#include "services/common/server.h"
#include "services/common/validation.h"
#include "services/ledger/ledger_convert.h"
#include "storage/absl_compat.h"
#include "storage/bytes.h"

namespace timebank::ledger {
namespace {

namespace dpb = ::timebank::directory::v1;

constexpr size_t kWatchBatch = 256;

// TIGER_STYLE: the per-call limit and the message limit agree. The largest transfer
// on the wire (five ids, a reference and a memo at their limits, each with its tag
// and length, and every number, flag and time set) stays under 1.3 KB, so a full
// call of kMaxBatchEvents fits well inside one gRPC message.
constexpr size_t kMaxTransferWireBytes =
    5 * (kMaxIdBytes + 3) + (kMaxReferenceBytes + 3) + (kMaxMemoBytes + 3) + 128;
static_assert(kMaxBatchEvents * (kMaxTransferWireBytes + 4) <=
              static_cast<size_t>(kMaxMessageBytes));

grpc::Status Invalid(const std::string& message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message);
}

grpc::Status CheckBatch(int size, const char* field) {
  if (size < 1 || static_cast<size_t>(size) > kMaxBatchEvents) {
    return Invalid(absl::StrCat(field, ": between 1 and ", kMaxBatchEvents, " per call (got ", size,
                                "); split larger batches"));
  }
  return grpc::Status::OK;
}

// Only the canonical spelling of an id is accepted (services/common/ids.h).
grpc::Status CheckId(const std::string& id, const std::string& field) {
  if (!ParseLedgerId(id)) {
    return Invalid(
        absl::StrCat(field, ": '", id.substr(0, kMaxIdBytes), "' is not an id; ", kLedgerIdRule));
  }
  return grpc::Status::OK;
}

// Every id of a batch lookup, checked at the edge.
grpc::Status CheckIds(const google::protobuf::RepeatedPtrField<std::string>& ids) {
  if (grpc::Status s = CheckBatch(ids.size(), "ids"); !s.ok()) return s;
  for (int i = 0; i < ids.size(); ++i) {
    if (grpc::Status s = CheckId(ids[i], absl::StrCat("ids[", i, "]")); !s.ok()) return s;
  }
  return grpc::Status::OK;
}

bool IsServiceCaller(const grpc::ServerContextBase& ctx) {
  const std::optional<dpb::Principal> caller = auth::CallerOf(ctx);
  return caller.has_value() && caller->kind() == dpb::Principal::KIND_SERVICE;
}

// A person (an admin, through tbctl) creates ids only in the person namespace
// (c<community>.x.<words>); every other name is derived by a service, and must stay
// unforgeable so that no person can take, or make collide, an id a service will
// derive. Malformed ids are left to the engine's result codes.
grpc::Status CheckPersonChosen(const std::string& id, const std::string& field) {
  const std::optional<LedgerId> parsed = ParseLedgerId(id);
  if (!parsed || parsed->person_chosen()) return grpc::Status::OK;
  return grpc::Status(
      grpc::StatusCode::PERMISSION_DENIED,
      absl::StrCat(
          field, ": '", id, "' is a name only timebank's services make; ids you choose start c",
          parsed->community_id, ".x. (for example c", parsed->community_id, ".x.gift-2026-11-20)"));
}

// A person posts, voids or reverses only what a person made: a service's transfer is
// undone through that service, which keeps its own records in step.
grpc::Status CheckPersonTarget(const std::string& id, const std::string& field) {
  const std::optional<LedgerId> parsed = ParseLedgerId(id);
  if (!parsed || parsed->person_chosen()) return grpc::Status::OK;
  return grpc::Status(
      grpc::StatusCode::PERMISSION_DENIED,
      absl::StrCat(field, ": '", id,
                   "' was made by a timebank service; undo it through that service (an "
                   "activity: tbctl activity reverse; an expense approval: tbctl finance "
                   "reverse)"));
}

grpc::Status CheckPersonTransfers(const pb::CreateTransfersRequest& req) {
  for (int i = 0; i < req.transfers_size(); ++i) {
    const pb::Transfer& t = req.transfers(i);
    const std::string at = absl::StrCat("transfers[", i, "].");
    // What it acts on first: "undo it through that service" is the useful answer.
    grpc::Status s = CheckPersonTarget(t.pending_id(), at + "pending_id");
    if (s.ok()) s = CheckPersonTarget(t.reverses_id(), at + "reverses_id");
    if (s.ok()) s = CheckPersonChosen(t.id(), at + "id");
    if (!s.ok()) return s;
  }
  return grpc::Status::OK;
}

grpc::Status Busy() {
  return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                      "the ledger is busy with other reads; retry shortly");
}

// Streams journal entries from a sequence number on, then follows new commits.
// All state is guarded by mu_; gRPC operations are started outside the lock.
class JournalWatcher final : public grpc::ServerWriteReactor<pb::JournalEntry> {
 public:
  JournalWatcher(LedgerEngine* engine, WorkerPool* pool, uint64_t from_seq)
      : engine_(engine), pool_(pool), next_seq_(std::max<uint64_t>(from_seq, 1)) {
    listener_id_ = engine_->AddCommitListener([this](uint64_t) { Wake(); });
    Wake();
  }

  void OnWriteDone(bool ok) override {
    Action a;
    {
      absl::MutexLock lock(&mu_);
      buffer_.pop_front();
      if (!ok) {
        writing_ = false;
        a.finish = FinishLocked(grpc::Status::CANCELLED);
      } else if (!buffer_.empty()) {
        a.write = &buffer_.front();
      } else {
        writing_ = false;
        a = NextLocked();
      }
    }
    Run(a);
  }

  void OnCancel() override {
    Action a;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      if (!fetching_ && !writing_) a.finish = FinishLocked(grpc::Status::CANCELLED);
    }
    Run(a);
  }

  void OnDone() override {
    // After this returns the writer can no longer be inside our listener.
    engine_->RemoveCommitListener(listener_id_);
    delete this;
  }

 private:
  struct Action {
    const pb::JournalEntry* write = nullptr;
    std::optional<grpc::Status> finish;
    bool fetch = false;
  };

  void Wake() {
    Action a;
    {
      absl::MutexLock lock(&mu_);
      wake_pending_ = true;
      a = NextLocked();
    }
    Run(a);
  }

  Action NextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Action a;
    if (finished_) return a;
    if (cancelled_) {
      if (!fetching_ && !writing_) a.finish = FinishLocked(grpc::Status::CANCELLED);
      return a;
    }
    if (fetching_ || writing_ || !wake_pending_) return a;
    wake_pending_ = false;
    fetching_ = true;
    a.fetch = true;
    return a;
  }

  std::optional<grpc::Status> FinishLocked(grpc::Status s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_) return std::nullopt;
    finished_ = true;
    return s;
  }

  void Run(const Action& a) {
    if (a.write) StartWrite(a.write);
    if (a.finish) Finish(*a.finish);
    if (a.fetch && !pool_->TrySubmit([this] { Fetch(); })) {
      Action f;
      {
        absl::MutexLock lock(&mu_);
        fetching_ = false;
        f.finish = FinishLocked(Busy());
      }
      Run(f);
    }
  }

  void Fetch() {
    uint64_t from;
    {
      absl::MutexLock lock(&mu_);
      from = next_seq_;
    }
    absl::StatusOr<std::vector<JournalEntry>> entries = engine_->ReadJournal(from, kWatchBatch);
    Action a;
    {
      absl::MutexLock lock(&mu_);
      fetching_ = false;
      if (!entries.ok()) {
        a.finish = FinishLocked(ToGrpc(entries.status()));
      } else {
        for (const JournalEntry& e : *entries) JournalEntryToProto(e, &buffer_.emplace_back());
        next_seq_ += entries->size();
        if (entries->size() == kWatchBatch) wake_pending_ = true;  // more may be waiting
        if (!buffer_.empty() && !cancelled_) {
          writing_ = true;
          a.write = &buffer_.front();
        } else {
          buffer_.clear();
          a = NextLocked();
        }
      }
    }
    Run(a);
  }

  LedgerEngine* const engine_;
  WorkerPool* const pool_;
  int listener_id_ = 0;
  absl::Mutex mu_;
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_);
  std::deque<pb::JournalEntry> buffer_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool fetching_ ABSL_GUARDED_BY(mu_) = false;
  bool wake_pending_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

LedgerServiceImpl::LedgerServiceImpl(LedgerEngine* engine, WorkerPool* pool)
    : engine_(engine), pool_(pool) {}

grpc::ServerUnaryReactor* LedgerServiceImpl::CreateAccounts(grpc::CallbackServerContext* ctx,
                                                            const pb::CreateAccountsRequest* req,
                                                            pb::CreateAccountsResponse* resp) {
  auto* reactor = ctx->DefaultReactor();
  TB_FINISH_IF_DENIED(ctx, reactor);
  grpc::Status checked = CheckBatch(req->accounts_size(), "accounts");
  if (checked.ok() && !IsServiceCaller(*ctx)) {
    for (int i = 0; i < req->accounts_size() && checked.ok(); ++i) {
      checked = CheckPersonChosen(req->accounts(i).id(), absl::StrCat("accounts[", i, "].id"));
    }
  }
  if (!checked.ok()) {
    reactor->Finish(checked);
    return reactor;
  }
  std::vector<AccountView> accounts;
  accounts.reserve(req->accounts_size());
  for (const pb::Account& a : req->accounts()) accounts.push_back(AccountFromProto(a));
  std::vector<std::string> ids;
  for (const AccountView& a : accounts) ids.push_back(a.info.id);
  engine_->CreateAccounts(
      std::move(accounts),
      [reactor, resp, ids = std::move(ids)](absl::StatusOr<std::vector<AccountResult>> results) {
        if (!results.ok()) {
          reactor->Finish(ToGrpc(results.status()));
          return;
        }
        for (size_t i = 0; i < results->size(); ++i) {
          auto* r = resp->add_results();
          r->set_index(static_cast<uint32_t>(i));
          r->set_id(ids[i]);
          r->set_code((*results)[i].code);
          r->set_seq((*results)[i].seq);
        }
        reactor->Finish(grpc::Status::OK);
      });
  return reactor;
}

grpc::ServerUnaryReactor* LedgerServiceImpl::GetAccounts(grpc::CallbackServerContext* ctx,
                                                         const pb::GetAccountsRequest* req,
                                                         pb::GetAccountsResponse* resp) {
  auto* reactor = ctx->DefaultReactor();
  TB_FINISH_IF_DENIED(ctx, reactor);
  if (grpc::Status s = CheckIds(req->ids()); !s.ok()) {
    reactor->Finish(s);
    return reactor;
  }
  std::vector<std::string> ids(req->ids().begin(), req->ids().end());
  std::vector<std::optional<AccountView>> views = engine_->GetAccounts(ids);
  for (size_t i = 0; i < views.size(); ++i) {
    if (views[i]) {
      AccountToProto(*views[i], resp->add_accounts());
    } else {
      resp->add_not_found_ids(ids[i]);
    }
  }
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* LedgerServiceImpl::ListAccounts(grpc::CallbackServerContext* ctx,
                                                          const pb::ListAccountsRequest* req,
                                                          pb::ListAccountsResponse* resp) {
  auto* reactor = ctx->DefaultReactor();
  TB_FINISH_IF_DENIED(ctx, reactor);
  absl::StatusOr<KeyPage> page = ReadKeyPage(req->page_size(), req->page_token());
  grpc::Status s;
  if (req->community_id() == 0) {
    s = Invalid("community_id: required");
  } else if (!req->unit().empty() && req->unit() != kTimeUnit && !CurrencyExponent(req->unit())) {
    s = Invalid("unit: must be TIME or an ISO 4217 currency code such as GBP");
  } else if (!page.ok()) {
    s = ToGrpc(page.status());
  }
  if (!s.ok()) {
    reactor->Finish(s);
    return reactor;
  }
  Page<AccountView, std::string> views =
      engine_->ListAccounts(req->community_id(), req->unit(), page->after_key, page->size);
  for (const AccountView& v : views.items) AccountToProto(v, resp->add_accounts());
  resp->set_next_page_token(views.NextPageToken());
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* LedgerServiceImpl::SetAccountStatus(
    grpc::CallbackServerContext* ctx, const pb::SetAccountStatusRequest* req,
    pb::SetAccountStatusResponse* resp) {
  auto* reactor = ctx->DefaultReactor();
  TB_FINISH_IF_DENIED(ctx, reactor);
  if (grpc::Status s = CheckId(req->id(), "id"); !s.ok()) {
    reactor->Finish(s);
    return reactor;
  }
  StatusChange change{req->id(), req->status(), req->reason()};
  engine_->SetAccountStatus(std::move(change),
                            [reactor, resp](absl::StatusOr<StatusResult> result) {
                              if (result.ok()) {
                                AccountToProto(result->account, resp->mutable_account());
                                resp->set_seq(result->seq);
                              }
                              reactor->Finish(ToGrpc(result.status()));
                            });
  return reactor;
}

grpc::ServerUnaryReactor* LedgerServiceImpl::CreateTransfers(grpc::CallbackServerContext* ctx,
                                                             const pb::CreateTransfersRequest* req,
                                                             pb::CreateTransfersResponse* resp) {
  auto* reactor = ctx->DefaultReactor();
  TB_FINISH_IF_DENIED(ctx, reactor);
  grpc::Status checked = CheckBatch(req->transfers_size(), "transfers");
  if (checked.ok() && !IsServiceCaller(*ctx)) checked = CheckPersonTransfers(*req);
  if (!checked.ok()) {
    reactor->Finish(checked);
    return reactor;
  }
  std::vector<Transfer> transfers;
  transfers.reserve(req->transfers_size());
  for (const pb::Transfer& t : req->transfers()) transfers.push_back(TransferFromProto(t));
  engine_->CreateTransfers(
      std::move(transfers),
      [reactor, req, resp](absl::StatusOr<std::vector<TransferResult>> results) {
        if (!results.ok()) {
          reactor->Finish(ToGrpc(results.status()));
          return;
        }
        resp->mutable_results()->Reserve(static_cast<int>(results->size()));
        for (size_t i = 0; i < results->size(); ++i) {
          const TransferResult& tr = (*results)[i];
          auto* r = resp->add_results();
          r->set_index(static_cast<uint32_t>(i));
          r->set_id(req->transfers(static_cast<int>(i)).id());
          r->set_code(tr.code);
          r->set_seq(tr.seq);
          if (tr.recorded_at_ns != 0) ToTimestamp(tr.recorded_at_ns, r->mutable_recorded_at());
        }
        reactor->Finish(grpc::Status::OK);
      });
  return reactor;
}

grpc::ServerUnaryReactor* LedgerServiceImpl::GetTransfers(grpc::CallbackServerContext* ctx,
                                                          const pb::GetTransfersRequest* req,
                                                          pb::GetTransfersResponse* resp) {
  auto* reactor = ctx->DefaultReactor();
  TB_FINISH_IF_DENIED(ctx, reactor);
  if (grpc::Status s = CheckIds(req->ids()); !s.ok()) {
    reactor->Finish(s);
    return reactor;
  }
  const bool queued = pool_->TrySubmit([this, reactor, req, resp] {
    std::vector<std::string> ids(req->ids().begin(), req->ids().end());
    auto found = engine_->GetTransfers(ids);
    if (!found.ok()) {
      reactor->Finish(ToGrpc(found.status()));
      return;
    }
    for (size_t i = 0; i < found->size(); ++i) {
      if ((*found)[i]) {
        TransferToProto(*(*found)[i], resp->add_transfers());
      } else {
        resp->add_not_found_ids(ids[i]);
      }
    }
    reactor->Finish(grpc::Status::OK);
  });
  if (!queued) reactor->Finish(Busy());
  return reactor;
}

grpc::ServerUnaryReactor* LedgerServiceImpl::ListTransfers(grpc::CallbackServerContext* ctx,
                                                           const pb::ListTransfersRequest* req,
                                                           pb::ListTransfersResponse* resp) {
  auto* reactor = ctx->DefaultReactor();
  TB_FINISH_IF_DENIED(ctx, reactor);
  absl::StatusOr<IdPage> page = ReadIdPage(req->page_size(), req->page_token());
  StatementQuery q;
  grpc::Status s = CheckId(req->account_id(), "account_id");
  if (s.ok() && !page.ok()) s = ToGrpc(page.status());
  if (s.ok() && req->has_start_time()) s = ToGrpc(CheckTimestamp(req->start_time(), "start_time"));
  if (s.ok() && req->has_end_time()) s = ToGrpc(CheckTimestamp(req->end_time(), "end_time"));
  if (s.ok() && req->has_start_time() && req->has_end_time() &&
      FromTimestamp(req->end_time()) <= FromTimestamp(req->start_time())) {
    s = Invalid("end_time: must be after start_time");
  }
  if (!s.ok()) {
    reactor->Finish(s);
    return reactor;
  }
  q.account_id = req->account_id();
  q.oldest_first = req->oldest_first();
  q.page_size = page->size;
  q.after_seq = page->after_id;
  if (req->has_start_time()) q.start_ns = std::max<int64_t>(1, FromTimestamp(req->start_time()));
  if (req->has_end_time()) q.end_ns = std::max<int64_t>(1, FromTimestamp(req->end_time()));
  const bool queued = pool_->TrySubmit([this, reactor, resp, q = std::move(q)] {
    auto page = engine_->ListTransfers(q);
    if (!page.ok()) {
      reactor->Finish(ToGrpc(page.status()));
      return;
    }
    for (const StoredTransfer& t : page->items) TransferToProto(t, resp->add_transfers());
    resp->set_next_page_token(page->NextPageToken());
    reactor->Finish(grpc::Status::OK);
  });
  if (!queued) reactor->Finish(Busy());
  return reactor;
}

grpc::ServerWriteReactor<pb::JournalEntry>* LedgerServiceImpl::WatchJournal(
    grpc::CallbackServerContext* ctx, const pb::WatchJournalRequest* req) {
  if (grpc::Status denied = auth::CheckAccess(*ctx); !denied.ok()) {
    return new auth::RefusedStream<pb::JournalEntry>(std::move(denied));
  }
  return new JournalWatcher(engine_, pool_, req->from_seq());
}

grpc::ServerUnaryReactor* LedgerServiceImpl::VerifyJournal(grpc::CallbackServerContext* ctx,
                                                           const pb::VerifyJournalRequest* req,
                                                           pb::VerifyJournalResponse* resp) {
  auto* reactor = ctx->DefaultReactor();
  TB_FINISH_IF_DENIED(ctx, reactor);
  const bool queued = pool_->TrySubmit([this, reactor, resp] {
    auto result = engine_->VerifyJournal();
    if (!result.ok()) {
      reactor->Finish(ToGrpc(result.status()));
      return;
    }
    resp->set_ok(result->ok);
    resp->set_entries_checked(result->entries_checked);
    resp->set_head_seq(result->head_seq);
    resp->set_head_hash_hex(storage::ToHex(storage::HashBytes(result->head_hash)));
    resp->set_first_bad_seq(result->first_bad_seq);
    resp->set_message(result->message);
    resp->set_texts_verified(result->texts_verified);
    resp->set_texts_erased(result->texts_erased);
    reactor->Finish(grpc::Status::OK);
  });
  if (!queued) reactor->Finish(Busy());
  return reactor;
}

grpc::ServerUnaryReactor* LedgerServiceImpl::EraseMemberTexts(
    grpc::CallbackServerContext* ctx, const pb::EraseMemberTextsRequest* req,
    pb::EraseMemberTextsResponse* resp) {
  auto* reactor = ctx->DefaultReactor();
  TB_FINISH_IF_DENIED(ctx, reactor);
  if (req->community_id() == 0 || req->member_id() == 0) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "community_id and member_id: required"));
    return reactor;
  }
  const uint64_t c = req->community_id();
  const std::string owner = absl::StrCat("communities/", c, "/members/", req->member_id());
  const bool queued = pool_->TrySubmit([this, reactor, resp, c, owner] {
    // The member's accounts: every account of the community they own.
    std::vector<std::string> ids;
    std::optional<std::string> after = "";
    while (after) {
      Page<AccountView, std::string> page = engine_->ListAccounts(c, "", *after, kMaxPageSize);
      for (const AccountView& v : page.items) {
        if (v.info.owner_kind == pb::OWNER_KIND_MEMBER && v.info.owner_ref == owner) {
          ids.push_back(v.info.id);
        }
      }
      after = std::move(page.next_after);
    }
    absl::StatusOr<EraseResult> erased = engine_->EraseTexts(ids);
    if (!erased.ok()) {
      reactor->Finish(ToGrpc(erased.status()));
      return;
    }
    for (const std::string& id : ids) resp->add_account_ids(id);
    resp->set_transfers_erased(erased->transfers_erased);
    resp->set_transfers_not_erasable(erased->transfers_not_erasable);
    reactor->Finish(grpc::Status::OK);
  });
  if (!queued) reactor->Finish(Busy());
  return reactor;
}

std::function<void(const CommitStats&)> LedgerCommitMetrics(MetricsRegistry* registry) {
  Histogram* entries = registry->GetHistogram("timebank_ledger_commit_entries",
                                              "Journal entries per group commit", {}, SizeBounds());
  Histogram* requests = registry->GetHistogram(
      "timebank_ledger_commit_requests", "Calls completed per group commit", {}, SizeBounds());
  Histogram* write_s = registry->GetHistogram("timebank_ledger_commit_write_seconds",
                                              "Time in the synced store write of a group commit",
                                              {}, LatencyBounds());
  Counter* committed = registry->GetCounter("timebank_ledger_entries_committed_total",
                                            "Journal entries made durable");
  return [=](const CommitStats& s) {
    if (s.entries == 0) return;
    entries->Observe(static_cast<double>(s.entries));
    requests->Observe(static_cast<double>(s.requests));
    write_s->Observe(static_cast<double>(s.write_ns) / 1e9);
    committed->Add(s.entries);
  };
}

void RegisterLedgerGauges(MetricsRegistry* registry, LedgerEngine* engine) {
  registry->AddGaugeCallback("timebank_ledger_journal_head_seq",
                             "Sequence number of the last durable journal entry",
                             [engine] { return static_cast<double>(engine->head_seq()); });
  registry->AddGaugeCallback(
      "timebank_ledger_index_lag_entries", "Journal entries not yet in the index",
      [engine] { return static_cast<double>(engine->head_seq() - engine->index_cursor()); });
}

}  // namespace timebank::ledger
