#include "services/directory/account_outbox.h"

#include <cstdio>
#include <map>
#include <utility>

#include "absl/strings/match.h"
#include "services/directory/directory_schema.h"
#include "storage/absl_compat.h"
#include "storage/bytes.h"
#include "storage/check.h"

namespace timebank::directory {
namespace {

namespace lpb = ::timebank::ledger::v1;

std::string EntryKey(const std::string& account_id) {
  return storage::KeyStr(schema::kAccountOutbox, account_id);
}

}  // namespace

lpb::Account TimeAccount(const std::string& id, uint64_t c, lpb::OwnerKind kind,
                         const std::string& owner_ref, std::optional<int64_t> min_balance) {
  lpb::Account a;
  a.set_id(id);
  a.set_community_id(c);
  a.set_unit("TIME");
  a.set_owner_kind(kind);
  a.set_owner_ref(owner_ref);
  if (min_balance) a.set_min_balance(*min_balance);
  return a;
}

AccountOutbox::AccountOutbox(storage::KvStore* store, storage::ColumnFamily cf,
                             LedgerAccounts* ledger)
    : store_(store), cf_(cf), opener_(ledger) {}

void AccountOutbox::Add(storage::RecordTx& tx, const lpb::Account& account) const {
  tx.Put(EntryKey(account.id()), account.SerializeAsString());
}

uint64_t AccountOutbox::NextRound() const {
  absl::MutexLock lock(&rounds_mu_);
  return rounds_started_ + 1;
}

bool AccountOutbox::AwaitRound(uint64_t round, absl::Duration timeout) const {
  absl::MutexLock lock(&rounds_mu_);
  auto done = [this, round]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(rounds_mu_) {
    return rounds_finished_ >= round || rounds_ended_;
  };
  rounds_mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
  return rounds_finished_ >= round;
}

void AccountOutbox::EndRounds() {
  absl::MutexLock lock(&rounds_mu_);
  rounds_ended_ = true;
}

AccountOutbox::Drained AccountOutbox::Drain() {
  absl::MutexLock draining(&drain_mu_);
  uint64_t round;
  {
    absl::MutexLock lock(&rounds_mu_);
    round = ++rounds_started_;
  }
  Drained out;
  std::vector<lpb::Account> accounts;
  std::vector<std::string> keys;
  {
    const std::string prefix(1, schema::kAccountOutbox);
    auto it = store_->NewIterator(cf_);
    for (it->Seek(prefix); it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix); it->Next()) {
      if (accounts.size() == kMaxAccountsPerDrain) {
        ++out.waiting;
        continue;
      }
      lpb::Account a;
      TB_CHECK(a.ParseFromArray(it->value().data(), static_cast<int>(it->value().size())));
      accounts.push_back(std::move(a));
      keys.emplace_back(it->key());
    }
    out.unreachable = it->status();
  }
  if (out.unreachable.ok() && !accounts.empty()) {
    // No lock of the directory is held here: the ledger may be slow.
    absl::StatusOr<std::map<std::string, std::string>> unusable = opener_.OpenAccounts(accounts);
    if (!unusable.ok()) {
      out.unreachable = unusable.status();
    } else {
      auto batch = store_->NewBatch();
      for (const std::string& k : keys) batch->Delete(cf_, k);
      out.unreachable = store_->Write(batch.get(), {.sync = true});  // opening again is harmless
      for (const lpb::Account& a : accounts) {
        auto refused = unusable->find(a.id());
        if (refused != unusable->end()) out.refused.push_back({a, refused->second});
      }
      if (!out.unreachable.ok()) out.refused.clear();
    }
  }
  if (!out.unreachable.ok()) {
    out.waiting += accounts.size();
    std::fprintf(stderr, "directory: %zu ledger accounts wait to be opened: %s\n", out.waiting,
                 out.unreachable.ToString().c_str());
  }
  {
    absl::MutexLock lock(&rounds_mu_);
    rounds_finished_ = round;
  }
  return out;
}

}  // namespace timebank::directory
