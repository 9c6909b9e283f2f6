// The directory's shared machinery: construction and Start (epochs, the legacy
// username index, the account pump), the outboxes (ledger accounts, erasures), the
// audit log's writer, ending tokens, and one page of a scan.
#include "services/directory/directory.h"

#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/auth/token.h"
#include "storage/absl_compat.h"
#include "storage/bytes.h"
#include "storage/check.h"

namespace timebank::directory {

std::string Actor::Label() const {
  switch (principal.kind()) {
    case dpb::Principal::KIND_MEMBER:
      return absl::StrCat(Is(dpb::ROLE_OPERATOR) ? "operator:" : "member:", principal.subject_id());
    case dpb::Principal::KIND_SERVICE:
      return absl::StrCat("service:", principal.name());
    case dpb::Principal::KIND_API_KEY:
      return absl::StrCat("apikey:", principal.subject_id());
    default:
      return "system";
  }
}

bool Actor::Is(dpb::Role role) const { return auth::HasRole(principal, role); }

Directory::Directory(storage::KvStore* store, LedgerAccounts* ledger,
                     auth::Revocations* revocations, ErasureTargets* erasure, const Clock* clock)
    : clock_(clock),
      store_(store),
      committed_(store, schema::kRecords),
      ledger_(ledger),
      revocations_(revocations),
      revocation_log_(store, schema::kRecords, revocations),
      erasures_(store, schema::kRecords, erasure),
      data_holders_(erasure),
      accounts_(store, schema::kRecords, ledger) {}

Directory::~Directory() { Stop(); }

void Directory::Stop() {
  std::unique_ptr<OutboxPump> pump;
  {
    absl::MutexLock lock(&pump_mu_);
    stopped_ = true;
    pump = std::move(pump_);
  }
  pump.reset();  // joins its thread; a round in progress finishes first
  accounts_.EndRounds();
}

void Directory::Audit(records::Tx& tx, uint64_t c, const Actor& a, const std::string& action,
                      uint64_t member_id, const std::string& detail) {
  absl::StatusOr<uint64_t> seq = tx.NextId(absl::StrCat("audit.", c));
  TB_CHECK(seq.ok());
  dpb::AuditEntry e;
  e.set_community_id(c);
  e.set_seq(*seq);
  *e.mutable_at() = Ts(Now());
  e.set_actor(a.Label());
  e.set_action(action);
  e.set_member_id(member_id);
  e.set_detail(detail);
  tx.Put(AuditKey(c, *seq), e.SerializeAsString());
}

absl::Status Directory::Start() {
  auto it = store_->NewIterator(schema::kRecords);
  const std::string prefix = EpochPrefix();
  for (it->Seek(prefix); it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix); it->Next()) {
    const std::string_view k = it->key();
    TB_CHECK(k.size() == 18 && it->value().size() == 8);
    revocations_->SetEpoch(static_cast<uint8_t>(k[1]), storage::DecodeU64(k.data() + 2),
                           storage::DecodeU64(k.data() + 10),
                           storage::DecodeU64(it->value().data()));
  }
  TB_RETURN_IF_ERROR(it->status());
  TB_RETURN_IF_ERROR(MoveLegacyUsernames());
  TB_RETURN_IF_ERROR(revocation_log_.Load(absl::ToUnixSeconds(Now())));
  DrainErasures();
  absl::MutexLock lock(&pump_mu_);
  TB_CHECK(pump_ == nullptr && !stopped_);
  // Starts woken: accounts left waiting by the last run are tried at once.
  pump_ = std::make_unique<OutboxPump>("tb-dir-accounts", [this]() -> absl::StatusOr<size_t> {
    AccountOutbox::Drained d = DrainAccounts();
    if (!d.unreachable.ok()) return d.unreachable;
    return d.waiting;
  });
  return absl::OkStatus();
}

absl::Status Directory::MoveLegacyUsernames() {
  absl::MutexLock lock(&write_mu_);
  records::Tx tx = NewTx();
  bool moved = false;
  const std::string prefix = LegacyUsernamePrefix();
  auto it = store_->NewIterator(schema::kRecords);
  for (it->Seek(prefix); it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix); it->Next()) {
    tx.Put(UsernameKey(std::string(it->key().substr(1))), it->value());
    tx.Delete(it->key());
    moved = true;
  }
  TB_RETURN_IF_ERROR(it->status());
  if (!moved) return absl::OkStatus();
  TB_RETURN_IF_ERROR(tx.Commit());
  return store_->Purge(schema::kRecords);  // the old keys named people
}

size_t Directory::DrainErasures() {
  const ErasureOutbox::Drained d = erasures_.Drain();
  if (d.completed.empty()) return d.waiting;
  absl::MutexLock lock(&write_mu_);
  records::Tx tx = NewTx();
  Actor system;
  for (const auto& [c, m] : d.completed) {
    Audit(tx, c, system, "member.erase.complete", m,
          "every service confirmed that it holds no personal data of the member");
  }
  if (!tx.Commit().ok()) return d.waiting;  // the audit line is lost, never the erasure
  return d.waiting;
}

AccountOutbox::Drained Directory::DrainAccounts() {
  AccountOutbox::Drained d = accounts_.Drain();
  if (d.refused.empty()) return d;
  // Refused for good (the ledger will never open them as they are): recorded where the
  // community's admins look, and the queue moves on.
  absl::MutexLock lock(&write_mu_);
  records::Tx tx = NewTx();
  Actor system;
  for (const AccountOutbox::Refused& r : d.refused) {
    std::fprintf(stderr, "directory: the ledger refused to open account %s: %s\n",
                 r.account.id().c_str(), r.why.c_str());
    Audit(tx, r.account.community_id(), system, "account.refused", 0,
          absl::StrCat("the ledger refused to open time account ", r.account.id(), " (", r.why,
                       "); ask the operator to check the ledger"));
  }
  if (!tx.Commit().ok()) return d;  // the audit line is lost; the log line stays
  return d;
}

void Directory::AwaitAccounts(uint64_t round) {
  {
    absl::MutexLock lock(&pump_mu_);
    // Not started, or stopping: the accounts wait for the next start's pump.
    if (pump_ == nullptr) return;
    pump_->Wake();
  }
  if (accounts_.AwaitRound(round, absl::Milliseconds(DirectoryLimits::kAccountOpenWaitMs))) return;
  absl::MutexLock lock(&pump_mu_);
  if (stopped_) {
    std::fprintf(stderr, "directory: stopping; the new account is opened at the next start\n");
    return;
  }
  std::fprintf(stderr,
               "directory: the ledger did not answer within %lld ms; the new account is "
               "opened when it does\n",
               static_cast<long long>(DirectoryLimits::kAccountOpenWaitMs));
}

size_t Directory::DrainOutbox() { return DrainErasures() + DrainAccounts().waiting; }

absl::Status Directory::EndTokens(records::Tx& tx, int kind, uint64_t c, uint64_t s) {
  const uint64_t next = Epoch(kind, c, s) + 1;
  tx.Put(EpochKey(kind, c, s), U64Value(next));
  dpb::Revocation r;
  r.set_kind(static_cast<dpb::Principal::Kind>(kind));
  r.set_community_id(c);
  r.set_subject_id(s);
  r.set_epoch(next);
  TB_ASSIGN_OR_RETURN(r, revocation_log_.Add(tx, std::move(r), absl::ToUnixSeconds(Now())));
  PublishOnCommit(tx, std::move(r));
  return absl::OkStatus();
}

void Directory::PublishOnCommit(records::Tx& tx, dpb::Revocation r) {
  tx.OnCommit([this, r = std::move(r)] { revocation_log_.Publish({r}); });
}

dpb::PollRevocationsResponse Directory::PollRevocations(uint64_t after_seq) {
  return revocation_log_.Since(after_seq, absl::ToUnixSeconds(Now()));
}

uint64_t Directory::Epoch(int kind, uint64_t c, uint64_t s) {
  return revocations_->Epoch(kind, c, s);
}

}  // namespace timebank::directory
