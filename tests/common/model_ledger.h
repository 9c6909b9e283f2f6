// ModelLedger: a small in-memory model of the ledger behind the LedgerClient
// interface, for tests of the services that post to it. It keeps the ledger's
// rules that those services depend on: the published per-call limit (1..
// kMaxBatchEvents, INVALID_ARGUMENT otherwise, as the real service answers),
// idempotent ids (a retry is EXISTS only when every field is the same, else
// EXISTS_WITH_DIFFERENT_FIELDS), linked chains all or nothing (the failing transfer gets its own
// code, the rest LINKED_EVENT_FAILED; a chain still open at the end of a call
// fails whole), reversals, posting a pending transfer, and minimum balances. It can
// be down, lose a reply, or refuse calls, and it records the size of every call.
#ifndef TIMEBANK_TESTS_COMMON_MODEL_LEDGER_H_
#define TIMEBANK_TESTS_COMMON_MODEL_LEDGER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "services/common/peers.h"

namespace timebank::testing {

class ModelLedger final : public LedgerClient {
 public:
  struct Options {
    // Transfers between accounts nobody opened are refused (DEBIT/CREDIT_ACCOUNT_NOT_FOUND).
    bool accounts_must_exist = false;
    // The lowest balance of an account opened without a minimum, or never opened.
    std::optional<int64_t> default_min_balance;
  };
  ModelLedger() : ModelLedger(Options()) {}
  explicit ModelLedger(Options options) : options_(options) {}

  absl::StatusOr<std::vector<::timebank::ledger::v1::CreateTransferResult>> Post(
      const std::vector<::timebank::ledger::v1::Transfer>& transfers) override;
  absl::StatusOr<std::vector<::timebank::ledger::v1::CreateAccountResult>> OpenAccounts(
      const std::vector<::timebank::ledger::v1::Account>& accounts) override;

  // Σ of every balance (0 unless a rule broke).
  int64_t Sum() const;

  // UNAVAILABLE for every call while set.
  bool down = false;
  // The next Post is applied but its reply is lost (DEADLINE_EXCEEDED).
  bool lose_reply = false;
  // When set and it answers an error for a Post, the whole call is refused with it
  // and nothing is applied (a request the ledger will not take).
  std::function<absl::Status(const std::vector<::timebank::ledger::v1::Transfer>&)> refuse;
  // Sizes of the calls the ledger accepted (not refused, not while down).
  std::vector<size_t> call_sizes;
  std::vector<size_t> account_call_sizes;
  std::map<std::string, ::timebank::ledger::v1::Account> accounts;
  // Posted transfers by id; a reversal is stored as the movement it made.
  std::map<std::string, ::timebank::ledger::v1::Transfer> posted;
  // Transfers as they were sent, by id: what a retry is compared with.
  std::map<std::string, ::timebank::ledger::v1::Transfer> requests;
  std::map<std::string, int64_t> balance;

 private:
  ::timebank::ledger::v1::CreateTransferResultCode Apply(const ::timebank::ledger::v1::Transfer& t);
  // A transfer whose id the ledger has not seen.
  ::timebank::ledger::v1::CreateTransferResultCode ApplyNew(
      const ::timebank::ledger::v1::Transfer& t);
  const Options options_;
};

}  // namespace timebank::testing

#endif  // TIMEBANK_TESTS_COMMON_MODEL_LEDGER_H_
