// AccountOutbox opens in the ledger the time accounts the directory creates (a
// community's pool, an organisation's and a member's account). The change that creates
// the owner stages the account here, in its own batch ('Y' ledger account id -> ledger
// Account, the directory's stored format since it had an outbox), so an acknowledged
// create never loses its account. Drain opens the waiting accounts through the one
// ledger poster's accounts half (LedgerAccountOpener, services/common/ledger_poster.h:
// calls within the ledger's limit, a refused account told from an unreachable ledger)
// and is what the directory's
// OutboxPump runs; no drain ever runs under the directory's write lock.
//
// It keeps its own layout rather than storage/outbox.h's (seq -> scope, id, kind):
// an entry carries the whole Account as it was decided when its owner was created
// (the credit limit of that moment), and data directories written before this class
// hold entries in this layout.
#ifndef TIMEBANK_SERVICES_DIRECTORY_ACCOUNT_OUTBOX_H_
#define TIMEBANK_SERVICES_DIRECTORY_ACCOUNT_OUTBOX_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/ledger_poster.h"
#include "services/common/peers.h"
#include "storage/kv_store.h"
#include "storage/record_tx.h"
#include "timebank/ledger/v1/ledger.pb.h"

namespace timebank::directory {

// Opens ledger accounts (the ledger's CreateAccounts; a fake in tests) and exports
// one. The directory only opens accounts, so it is a LedgerAccountsClient and never a
// transfers client.
class LedgerAccounts : public LedgerAccountsClient {
 public:
  // Balances and transfers of one account, as JSON, for the data export.
  virtual absl::StatusOr<std::string> ExportAccount(const std::string& account_id) = 0;
  // The accounts found among `ids` (up to 8,190), with their balances; an account not
  // opened yet is left out. For ListOrganisationBalances.
  virtual absl::StatusOr<std::vector<::timebank::ledger::v1::Account>> GetAccounts(
      const std::vector<std::string>& ids) = 0;
};

// The time account of a community pool, organisation or member (unit TIME).
::timebank::ledger::v1::Account TimeAccount(const std::string& id, uint64_t community_id,
                                            ::timebank::ledger::v1::OwnerKind kind,
                                            const std::string& owner_ref,
                                            std::optional<int64_t> min_balance);

class AccountOutbox {
 public:
  // Accounts read per drain; the poster splits them into calls within the ledger's limit.
  static constexpr size_t kMaxAccountsPerDrain = 1000;

  AccountOutbox(storage::KvStore* store, storage::ColumnFamily cf, LedgerAccounts* ledger);

  // Stages `account` to be opened, in the batch that creates its owner.
  void Add(storage::RecordTx& tx, const ::timebank::ledger::v1::Account& account) const;

  struct Refused {
    ::timebank::ledger::v1::Account account;
    std::string why;
  };
  struct Drained {
    size_t waiting = 0;            // entries still to open
    std::vector<Refused> refused;  // removed: the ledger will never open them as they are
    absl::Status unreachable;      // not OK: the ledger could not be reached (back off)
  };
  // One round: opens up to kMaxAccountsPerDrain waiting accounts and removes the
  // entries the ledger answered (opened, or refused for good). One round at a time.
  Drained Drain() ABSL_LOCKS_EXCLUDED(drain_mu_, rounds_mu_);

  // A round that starts after this call sees every entry committed before it.
  uint64_t NextRound() const ABSL_LOCKS_EXCLUDED(rounds_mu_);
  // Waits until round `round` has finished (the accounts committed before NextRound
  // was called were tried once), at most `timeout`. False on timeout, or at once once
  // EndRounds was called and the round has not finished.
  bool AwaitRound(uint64_t round, absl::Duration timeout) const ABSL_LOCKS_EXCLUDED(rounds_mu_);
  // No more rounds will run (the pump has stopped): every waiter returns now, so a
  // stopping directory never holds a call for the whole wait.
  void EndRounds() ABSL_LOCKS_EXCLUDED(rounds_mu_);

 private:
  storage::KvStore* const store_;
  const storage::ColumnFamily cf_;
  LedgerAccountOpener opener_;
  absl::Mutex drain_mu_;
  mutable absl::Mutex rounds_mu_;
  uint64_t rounds_started_ ABSL_GUARDED_BY(rounds_mu_) = 0;
  uint64_t rounds_finished_ ABSL_GUARDED_BY(rounds_mu_) = 0;
  bool rounds_ended_ ABSL_GUARDED_BY(rounds_mu_) = false;
};

}  // namespace timebank::directory

#endif  // TIMEBANK_SERVICES_DIRECTORY_ACCOUNT_OUTBOX_H_
