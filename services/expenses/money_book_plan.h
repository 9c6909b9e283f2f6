// The money book's plan: what the ledger must be sent for one outbox entry, worked out
// from the claim or payment batch alone (no I/O, no clock), so it is tested directly.
// An approval posts one transfer per category of the claim (category -> the claimant's
// payable), a reversal reverses each of them, a payment moves each claim of the batch
// from its claimant's payable to the bank; each entry is one linked chain with ids
// derived from the claim (services/common/ids.h), so a retry posts nothing twice.
// RoundPlan gathers entries into one dispatch round; LedgerPoster
// (services/common/ledger_poster.h) splits a round into calls the ledger accepts.
#ifndef TIMEBANK_SERVICES_EXPENSES_MONEY_BOOK_PLAN_H_
#define TIMEBANK_SERVICES_EXPENSES_MONEY_BOOK_PLAN_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "services/common/ledger_poster.h"
#include "timebank/expenses/v1/expenses.pb.h"
#include "timebank/ledger/v1/ledger.pb.h"

namespace timebank::expenses {

namespace xpb = ::timebank::expenses::v1;

// What an outbox entry asks the dispatcher to post (stored as the entry's kind: an
// on-disk format).
enum class Posting : uint8_t { kApproval = 0, kReversal = 1, kPayment = 2 };

// One entry's transfers (a closed linked chain) and the accounts they touch, which are
// opened (idempotently) before the transfers are sent.
struct PlannedPosting {
  std::vector<::timebank::ledger::v1::Transfer> chain;
  std::vector<::timebank::ledger::v1::Account> accounts;
};

// An approval (kApproval) or its reversal (kReversal) of `claim`, in its approval round.
PlannedPosting PlanClaimPosting(Posting posting, const xpb::Claim& claim);
// The payment of `batch`; `claims` are its claims, in the batch's order.
PlannedPosting PlanPayment(const xpb::PaymentBatch& batch, const std::vector<xpb::Claim>& claims);

// The entries one dispatch round posts, oldest first, within a budget of transfers
// (one entry always fits, however long: the poster refuses what no call can hold).
class RoundPlan {
 public:
  explicit RoundPlan(size_t max_transfers) : max_transfers_(max_transfers) {}
  // Takes the next entry's posting, or answers false (and takes nothing) when it
  // would go over the budget: it and the entries after it wait for the next round.
  bool Add(PlannedPosting posting);
  const std::vector<std::vector<::timebank::ledger::v1::Transfer>>& chains() const {
    return chains_;
  }
  // Every account the round's chains touch, each once.
  std::vector<::timebank::ledger::v1::Account> Accounts() const;

 private:
  const size_t max_transfers_;
  size_t transfers_ = 0;
  std::vector<std::vector<::timebank::ledger::v1::Transfer>> chains_;
  std::map<std::string, ::timebank::ledger::v1::Account> accounts_;
};

// Why the ledger did not post `chain` ("" when it did), naming an account that could
// not be opened (`unusable`: account id -> why) where that was the cause.
std::string Refusal(const std::vector<::timebank::ledger::v1::Transfer>& chain,
                    const PostingOutcome& outcome,
                    const std::map<std::string, std::string>& unusable);

// Records on the claim what its approval or reversal posting came to (`refused`: ""
// when posted, else why not).
void RecordClaimOutcome(Posting posting, const std::string& refused, xpb::Claim* claim);
// Records on the batch what its payment posting came to.
void RecordBatchOutcome(const std::string& refused, xpb::PaymentBatch* batch);

}  // namespace timebank::expenses

#endif  // TIMEBANK_SERVICES_EXPENSES_MONEY_BOOK_PLAN_H_
