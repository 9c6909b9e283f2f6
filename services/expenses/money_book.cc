// ExpenseBook's money book: the dispatcher that posts the outbox in three steps. It
// plans a round (each entry's chain from its claim or batch, money_book_plan.h), sends
// it through the shared LedgerPoster (which alone splits it into calls the ledger
// accepts), and records each entry's outcome on its claim or batch, removing the
// entry in the same batch. An unreachable ledger leaves the unanswered entries queued.
#include <map>
#include <string>
#include <vector>

#include "services/expenses/expense_book.h"
#include "storage/check.h"

namespace timebank::expenses {

namespace lpb = ::timebank::ledger::v1;

size_t ExpenseBook::OutboxSize() { return records_.outbox().Size(); }

absl::Status ExpenseBook::Queue(records::Tx& tx, Posting posting, uint64_t c, uint64_t id) {
  return records_.outbox().Add(tx, c, id, static_cast<uint8_t>(posting));
}

absl::StatusOr<PlannedPosting> ExpenseBook::PlanEntry(const storage::OutboxEntry& e) {
  const Posting posting = static_cast<Posting>(e.kind);
  if (posting != Posting::kPayment) {
    TB_ASSIGN_OR_RETURN(xpb::Claim claim, records_.LoadClaim(records_.Committed(), e.scope, e.id));
    return PlanClaimPosting(posting, claim);
  }
  TB_ASSIGN_OR_RETURN(xpb::PaymentBatch batch,
                      records_.LoadBatch(records_.Committed(), e.scope, e.id));
  std::vector<xpb::Claim> claims;
  claims.reserve(batch.claim_ids_size());
  for (uint64_t claim_id : batch.claim_ids()) {
    TB_ASSIGN_OR_RETURN(xpb::Claim claim,
                        records_.LoadClaim(records_.Committed(), e.scope, claim_id));
    claims.push_back(std::move(claim));
  }
  return PlanPayment(batch, claims);
}

absl::StatusOr<size_t> ExpenseBook::Dispatch() {
  absl::MutexLock dispatching(&dispatch_mu_);
  size_t waiting = 0;
  TB_ASSIGN_OR_RETURN(std::vector<storage::OutboxEntry> entries,
                      records_.outbox().Oldest(ExpenseLimits::kMaxDispatchClaims, &waiting));
  if (entries.empty()) return 0;
  // 1. Plan: each entry becomes one linked chain; a round holds about one call's worth.
  RoundPlan round(ExpenseLimits::kMaxDispatchTransfers);
  for (const storage::OutboxEntry& e : entries) {
    TB_ASSIGN_OR_RETURN(PlannedPosting posting, PlanEntry(e));
    if (!round.Add(std::move(posting))) break;
  }
  const std::vector<std::vector<lpb::Transfer>>& chains = round.chains();
  waiting += entries.size() - chains.size();
  // 2. Call the ledger (no lock held: a slow ledger never stalls the book's writes).
  const std::vector<lpb::Account> accounts = round.Accounts();
  std::map<std::string, std::string> unusable;  // account id -> why
  if (!accounts.empty()) {
    TB_ASSIGN_OR_RETURN(unusable, poster_.OpenAccounts(accounts));
  }
  const PostingReport report = poster_.Post(chains);
  // 3. Record what each answered entry came to.
  absl::MutexLock lock(&write_mu_);
  records::Tx tx = NewTx();
  bool changed = false;
  for (size_t i = 0; i < chains.size(); ++i) {
    if (report.outcomes[i].kind == PostingOutcome::Kind::kNotSent) {
      ++waiting;
      continue;
    }
    TB_RETURN_IF_ERROR(
        RecordPosting(tx, entries[i], Refusal(chains[i], report.outcomes[i], unusable)));
    changed = true;
  }
  if (changed) TB_RETURN_IF_ERROR(tx.Commit());
  TB_RETURN_IF_ERROR(report.unreachable);  // the rest waits: back off
  return waiting;
}

absl::Status ExpenseBook::RecordPosting(records::Tx& tx, const storage::OutboxEntry& e,
                                        const std::string& refused) {
  const Posting posting = static_cast<Posting>(e.kind);
  if (posting == Posting::kPayment) {
    TB_ASSIGN_OR_RETURN(xpb::PaymentBatch batch, records_.LoadBatch(tx, e.scope, e.id));
    RecordBatchOutcome(refused, &batch);
    records_.PutBatch(tx, batch);
  } else {
    // Reload: the claim may have changed since (history appended).
    TB_ASSIGN_OR_RETURN(xpb::Claim claim, records_.LoadClaim(tx, e.scope, e.id));
    RecordClaimOutcome(posting, refused, &claim);
    records_.PutClaim(tx, claim, claim.state());
  }
  tx.Delete(e.key);
  return absl::OkStatus();
}

}  // namespace timebank::expenses
