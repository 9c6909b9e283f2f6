// LedgerEngine is the ledger service's core: one writer thread that owns the
// LedgerState, a queue that callers enqueue into without blocking, and group commit.
// The writer drains whatever is queued (up to a bound), validates and applies it in
// order, writes ONE store batch with fsync, publishes the new balances, and only then
// completes every waiting call. Acknowledged therefore means on disk.
//
// Reads (accounts, transfers, statements, the journal) go to published memory or to
// store snapshots and never wait for the writer.
#ifndef TIMEBANK_SERVICES_LEDGER_LEDGER_ENGINE_H_
#define TIMEBANK_SERVICES_LEDGER_LEDGER_ENGINE_H_

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/common/clock.h"
#include "services/ledger/ledger_reader.h"
#include "services/ledger/ledger_state.h"
#include "services/ledger/model.h"
#include "services/ledger/projection.h"
#include "storage/kv_store.h"

namespace timebank::ledger {

struct CommitStats {
  size_t requests = 0;
  size_t entries = 0;
  int64_t write_ns = 0;  // time in the synced store write
};

struct LedgerOptions {
  LedgerLimits limits;
  // Upper bound on events taken into one group commit.
  size_t max_events_per_commit = 16384;
  // Upper bound on account and transfer events waiting for the writer. A call that
  // would go beyond it is answered RESOURCE_EXHAUSTED at once and nothing of it is
  // recorded, so a slow disk pushes back on callers instead of growing memory without
  // limit. Eight group commits' worth: loadgen's batch mode (64 calls of 1000) fits.
  size_t max_queued_events = 8 * 16384;
  // Re-check every invariant over all accounts after each commit (tests).
  bool check_invariants_every_commit = false;
  // Where the engine reads the time of day (recorded_at, pending timeouts); tests
  // give a FakeClock. Never null.
  const Clock* clock = SystemClock();
  // Observes each group commit (metrics). Runs on the writer thread.
  std::function<void(const CommitStats&)> on_commit;
};

struct TransferResult {
  pb::CreateTransferResultCode code = pb::CREATE_TRANSFER_RESULT_CODE_UNSPECIFIED;
  uint64_t seq = 0;
  int64_t recorded_at_ns = 0;
};

struct AccountResult {
  pb::CreateAccountResultCode code = pb::CREATE_ACCOUNT_RESULT_CODE_UNSPECIFIED;
  uint64_t seq = 0;
};

struct StatusResult {
  AccountView account;
  uint64_t seq = 0;  // 0 when the account already had that status
};

struct EraseResult {
  // Transfers that touch the accounts and had texts: all of them are gone now.
  uint64_t transfers_erased = 0;
  // Transfers in the first journal encoding, whose texts are in the chain itself.
  uint64_t transfers_not_erasable = 0;
};

class LedgerEngine {
 public:
  template <typename T>
  using Done = absl::AnyInvocable<void(absl::StatusOr<T>)>;

  static absl::StatusOr<std::unique_ptr<LedgerEngine>> Open(std::unique_ptr<storage::KvStore> store,
                                                            LedgerOptions options);
  ~LedgerEngine();
  LedgerEngine(const LedgerEngine&) = delete;
  LedgerEngine& operator=(const LedgerEngine&) = delete;

  // Mutations: `done` runs on the writer thread once the outcome is durable. Callers
  // validate batch sizes (1..kMaxBatchEvents) before calling. CreateAccounts and
  // CreateTransfers answer RESOURCE_EXHAUSTED (on the caller's thread, before
  // returning) when the queue holds options.max_queued_events already.
  void CreateAccounts(std::vector<AccountView> accounts, Done<std::vector<AccountResult>> done);
  void CreateTransfers(std::vector<Transfer> transfers, Done<std::vector<TransferResult>> done);
  void SetAccountStatus(StatusChange change, Done<StatusResult> done);

  // Erases the memo and reference of every transfer that touches one of `account_ids`
  // (erasing a member's personal data; docs/decisions/0007), and keeps none of later
  // transfers that touch them. The journal keeps each entry's text digest, so the chain
  // still verifies. Blocks (call it from a worker thread, never the writer): the
  // accounts are marked in one group commit, then the texts of every earlier entry are
  // deleted and purged from the store's files. Idempotent; UNAVAILABLE means retry.
  absl::StatusOr<EraseResult> EraseTexts(const std::vector<std::string>& account_ids);

  // Reads.
  std::vector<std::optional<AccountView>> GetAccounts(const std::vector<std::string>& ids) const;
  // One page of a community's accounts in id order (services/common/paging.h).
  Page<AccountView, std::string> ListAccounts(uint64_t community_id, std::string_view unit,
                                              std::string_view after_id, size_t limit) const;
  absl::StatusOr<std::vector<std::optional<StoredTransfer>>> GetTransfers(
      const std::vector<std::string>& ids);
  // NOT_FOUND when the account does not exist.
  absl::StatusOr<StatementPage> ListTransfers(StatementQuery query);
  absl::StatusOr<std::vector<JournalEntry>> ReadJournal(uint64_t from_seq, size_t max_entries);
  absl::StatusOr<VerifyResult> VerifyJournal();

  // The last durable journal sequence number.
  uint64_t head_seq() const { return head_seq_.load(std::memory_order_acquire); }
  uint64_t index_cursor() const { return projection_->cursor(); }

  // `fn(head)` runs on the writer thread after each commit that added entries. It
  // must return quickly and must not add or remove listeners.
  int AddCommitListener(std::function<void(uint64_t)> fn);
  void RemoveCommitListener(int id);

  // Consistent copy of the store, openable as a data directory.
  absl::Status Checkpoint(const std::string& dir);
  // Waits until the projection has indexed everything committed so far.
  void WaitForIndex();

  // Finishes queued work, stops the threads and flushes the index. Idempotent.
  void Stop();

 private:
  struct Request;
  struct Mark {
    size_t undo;
    uint64_t seq;
    storage::Hash256 hash;
    int64_t last_ns;
  };

  LedgerEngine(std::unique_ptr<storage::KvStore> store, LedgerOptions options);
  absl::Status Recover();
  // `bounded`: refuse the request when the queue is full (accounts and transfers).
  void Enqueue(std::unique_ptr<Request> request, bool bounded = false);
  void WriterLoop();
  void CommitGroup(std::vector<std::unique_ptr<Request>>& work);
  void ProcessAccounts(Request& r, int64_t now);
  void ProcessTransfers(Request& r, int64_t now);
  void ProcessStatus(Request& r, int64_t now);
  void ProcessErase(Request& r);
  // Gives a transfer about to be journaled its text digest, and the text record to
  // write beside it in texts_scratch_ (left empty when there is no text to keep).
  void SealTexts(Transfer& t);
  void ExpireDue(int64_t now);
  absl::Status Append(JournalEntry& e, int64_t now);
  Mark TakeMark() const;
  void RollbackTo(const Mark& m);
  int64_t Now() const;

  std::unique_ptr<storage::KvStore> store_;
  const LedgerOptions options_;
  LedgerReader reader_;
  LedgerState state_;  // writer thread only (except its thread-safe readers)
  std::unique_ptr<Projection> projection_;

  // Writer-thread state of the journal being built.
  std::unique_ptr<storage::WriteBatch> batch_;
  uint64_t working_seq_ = 0;
  storage::Hash256 prev_hash_ = storage::kGenesisHash;
  int64_t last_ns_ = 0;
  std::string scratch_;
  std::string texts_scratch_;
  // Salts for texts, drawn from the RNG kSaltsPerRefill at a time.
  static constexpr size_t kSaltsPerRefill = 256;
  std::string salts_;
  size_t salts_used_ = 0;
  // Accounts whose texts were erased (writer thread), and those this group added.
  absl::flat_hash_set<std::string> erased_accounts_;
  std::vector<std::string> newly_erased_;

  std::atomic<uint64_t> head_seq_{0};

  absl::Mutex queue_mu_;
  std::deque<std::unique_ptr<Request>> queue_ ABSL_GUARDED_BY(queue_mu_);
  size_t queued_events_ ABSL_GUARDED_BY(queue_mu_) = 0;  // Σ events() over queue_
  bool stop_ ABSL_GUARDED_BY(queue_mu_) = false;
  bool stopped_ = false;  // Stop() has finished (caller thread only)
  std::thread writer_;

  absl::Mutex listeners_mu_;
  int next_listener_id_ ABSL_GUARDED_BY(listeners_mu_) = 1;
  std::vector<std::pair<int, std::function<void(uint64_t)>>> listeners_
      ABSL_GUARDED_BY(listeners_mu_);
};

}  // namespace timebank::ledger

#endif  // TIMEBANK_SERVICES_LEDGER_LEDGER_ENGINE_H_
