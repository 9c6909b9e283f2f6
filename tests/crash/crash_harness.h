// What the kill -9 tests share: a timebankd child process on a data directory, a
// channel that calls it as a trusted service, a log of the transfers sent while it
// may die (which were acknowledged, which answers were lost and must be retried), and
// a walk of the ledger's journal that checks the hash chain and that no transfer id
// was posted twice. Each test keeps only its own load and its own invariants.
#ifndef TIMEBANK_TESTS_CRASH_CRASH_HARNESS_H_
#define TIMEBANK_TESTS_CRASH_CRASH_HARNESS_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tests/common/test_util.h"
#include "timebank/ledger/v1/ledger.grpc.pb.h"

namespace timebank::testing {

// The real timebankd binary (TIMEBANKD_PATH, given by the build) serving every
// service on `data_dir`, on a free local port and without a metrics port; `args`
// and `env` are added to its command line and environment.
class Timebankd : public ChildProcess {
 public:
  explicit Timebankd(const std::string& data_dir, const std::vector<std::string>& args = {},
                     const std::vector<std::string>& env = {});
};

// A channel to `address` whose calls carry a service token signed with the keyring
// of `data_dir` (a trusted service such as activity). nullptr, with a test failure,
// when the keyring cannot be opened.
std::shared_ptr<grpc::Channel> ServiceChannel(const std::string& data_dir,
                                              const std::string& address);

// Every transfer sent to a server that may be killed at any moment, by what its
// sender learnt: acknowledged (answered CREATED), or uncertain (the call failed, so
// it may or may not have been posted). Thread-safe; clients Record() each call.
class TransferLog {
 public:
  // Files the transfers of one CreateTransfers call by its status and answer; an
  // answer other than CREATED (a refusal) files nothing. Returns the ids created.
  std::vector<std::string> Record(const std::vector<::timebank::ledger::v1::Transfer>& sent,
                                  const grpc::Status& status,
                                  const ::timebank::ledger::v1::CreateTransfersResponse& resp);

  // Retries every uncertain transfer as sent: each must answer CREATED or EXISTS (it
  // is posted exactly once) and becomes acknowledged. Fatal failures otherwise: call
  // it under ASSERT_NO_FATAL_FAILURE.
  void ResolveUncertain(::timebank::ledger::v1::LedgerService::Stub* ledger);

  // Every acknowledged transfer is in the ledger, with the amount it was sent with
  // (when the sender gave one). Fatal failures otherwise.
  void ExpectAcknowledgedPresent(::timebank::ledger::v1::LedgerService::Stub* ledger);

  // By id, as sent (a reversal's amount and accounts are the ledger's to fill in).
  std::map<std::string, ::timebank::ledger::v1::Transfer> acknowledged() const;
  size_t uncertain_count() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, ::timebank::ledger::v1::Transfer> acknowledged_, uncertain_;
};

// The ledger's journal, read from entry 1 to the head VerifyJournal reports.
struct JournalContents {
  uint64_t head_seq = 0;
  // The transfers, in journal order.
  std::vector<::timebank::ledger::v1::Transfer> transfers;
};

// Verifies the hash chain and reads the journal: consecutive seqs, no transfer id
// twice. Fatal failures otherwise: call it under ASSERT_NO_FATAL_FAILURE.
void ReadJournal(::timebank::ledger::v1::LedgerService::Stub* ledger, JournalContents* out);

}  // namespace timebank::testing

#endif  // TIMEBANK_TESTS_CRASH_CRASH_HARNESS_H_
