// Shared test helpers: temporary directories, a ledger engine on a real RocksDB
// store, and blocking wrappers around the engine's asynchronous calls.
#ifndef TIMEBANK_TESTS_COMMON_TEST_UTIL_H_
#define TIMEBANK_TESTS_COMMON_TEST_UTIL_H_

#include <sys/types.h>

#include <atomic>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "services/ledger/ledger_engine.h"
#include "storage/kv_store.h"

namespace timebank::testing {

// A fresh directory under `parent` (default /tmp), removed with everything in it on
// destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& parent = "/tmp");
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Where a test that commits many thousands of synced batches keeps its stores:
// /dev/shm (memory, where a sync costs nothing) when the machine has it, else /tmp.
std::string FastTempParent();

absl::StatusOr<std::unique_ptr<storage::KvStore>> OpenLedgerStore(const std::string& path);

// Which of `needles` occur in any file under `dir`: every byte of every file is
// scanned, and RocksDB table files also entry by entry, decompressed, with every old
// version still in them (sst_dump "raw"), since compression hides text from a byte scan.
std::set<std::string> TextsInFiles(const std::string& dir, const std::vector<std::string>& needles);

// A timebankd child process: started with `args` (after the program name) and extra
// `env` entries ("NAME=value"); waits for its "listening on" line. Killed with SIGKILL
// by Kill() or on destruction, so tests see what a crash leaves behind.
class ChildProcess {
 public:
  ChildProcess(const std::string& program, const std::vector<std::string>& args,
               const std::vector<std::string>& env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  void Kill();
  // Sends SIGTERM and waits: a clean shutdown.
  void Stop();
  // "host:port" it listens on; empty if it did not start.
  const std::string& address() const { return address_; }

 private:
  pid_t pid_ = -1;
  std::string address_;
};

// Engine options for tests: invariants checked after every commit; `clock` (a
// FakeClock, services/common/clock.h) when the test moves time, else the system clock.
ledger::LedgerOptions TestOptions(const Clock* clock = nullptr);

std::vector<ledger::TransferResult> CreateTransfers(ledger::LedgerEngine* engine,
                                                    std::vector<ledger::Transfer> transfers);
absl::StatusOr<std::vector<ledger::TransferResult>> TryCreateTransfers(
    ledger::LedgerEngine* engine, std::vector<ledger::Transfer> transfers);
std::vector<ledger::AccountResult> CreateAccounts(ledger::LedgerEngine* engine,
                                                  std::vector<ledger::AccountView> accounts);
absl::StatusOr<ledger::StatusResult> SetStatus(ledger::LedgerEngine* engine,
                                               ledger::StatusChange change);

// A member-style time account with the given limits.
ledger::AccountView TimeAccount(const std::string& id, uint64_t community = 1,
                                int64_t min_balance = ledger::kNoMinBalance,
                                int64_t max_balance = ledger::kNoMaxBalance,
                                const std::string& unit = "TIME");
ledger::Transfer Move(const std::string& id, const std::string& debit, const std::string& credit,
                      int64_t amount);
ledger::Balances BalancesOf(ledger::LedgerEngine* engine, const std::string& id);

}  // namespace timebank::testing

#endif  // TIMEBANK_TESTS_COMMON_TEST_UTIL_H_
