// ExpenseBook's payment batches: finance gathers approved claims that the money book
// has posted into a batch (idempotently), exports it (batch_export.cc), and marks it
// paid, which marks its claims paid and queues the payment posting. Nobody pays their
// own claim.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/text_fields.h"
#include "services/expenses/expense_book.h"
#include "services/expenses/expense_rules.h"
#include "storage/check.h"

namespace timebank::expenses {

namespace dpb = ::timebank::directory::v1;

absl::StatusOr<xpb::PaymentBatch> ExpenseBook::GetPaymentBatch(uint64_t c, uint64_t id) {
  return records_.LoadBatch(records_.Committed(), c, id);
}

absl::StatusOr<Page<xpb::PaymentBatch>> ExpenseBook::ListPaymentBatches(uint64_t c,
                                                                        uint64_t after_id,
                                                                        size_t limit) {
  PageBuilder<xpb::PaymentBatch> page(limit, ExpenseLimits::kMaxScan);
  // Newest first: a batch's position is its inverted id.
  const uint64_t after = after_id == 0 ? 0 : records::Key::Inverted(after_id);
  TB_RETURN_IF_ERROR(records_.Scan(
      ExpenseRecords::Batches(c), after, [&](uint64_t, uint64_t id) -> absl::StatusOr<bool> {
        if (!page.Visit(id)) return false;
        TB_ASSIGN_OR_RETURN(xpb::PaymentBatch b, records_.LoadBatch(records_.Committed(), c, id));
        page.Add(std::move(b));
        return true;
      }));
  return std::move(page).Finish();
}

absl::StatusOr<std::vector<uint64_t>> ExpenseBook::BatchClaimIds(
    records::Tx& tx, const xpb::CreatePaymentBatchRequest& req) {
  const uint64_t c = req.community_id();
  std::vector<uint64_t> ids(req.claim_ids().begin(), req.claim_ids().end());
  if (ids.empty()) {
    // Every approved, posted claim not in a batch yet, oldest first.
    TB_RETURN_IF_ERROR(records_.Scan(
        ExpenseRecords::ByState(c, xpb::CLAIM_STATE_APPROVED), 0,
        [&](uint64_t, uint64_t id) -> absl::StatusOr<bool> {
          if (ids.size() >= ExpenseLimits::kMaxBatchClaims) return false;
          TB_ASSIGN_OR_RETURN(xpb::Claim claim, records_.LoadClaim(tx, c, id));
          if (claim.payment_batch_id() == 0 && claim.posting_state() == xpb::POSTING_STATE_POSTED) {
            ids.push_back(id);
          }
          return true;
        }));
    if (ids.empty()) {
      return absl::FailedPreconditionError(
          "no approved claims are waiting to be paid (approvals post to the money book first)");
    }
  }
  std::vector<uint64_t> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    return FieldError("claim_ids", "a claim is listed twice");
  }
  return ids;
}

absl::StatusOr<xpb::PaymentBatch> ExpenseBook::CreatePaymentBatch(
    const Principal& caller, const xpb::CreatePaymentBatchRequest& req) {
  if (!IsFinanceOfficer(caller)) {
    return absl::PermissionDeniedError("only finance officers gather payment batches");
  }
  if (static_cast<size_t>(req.claim_ids_size()) > ExpenseLimits::kMaxBatchClaims) {
    return FieldError("claim_ids", "at most 1000 claims per batch");
  }
  TB_RETURN_IF_ERROR(records::CheckRequestId(req.request_id()));
  const uint64_t c = req.community_id();
  TB_ASSIGN_OR_RETURN(dpb::Community community, people_->Community(c));
  absl::MutexLock lock(&write_mu_);
  records::Tx tx = NewTx();
  TB_ASSIGN_OR_RETURN(
      xpb::PaymentBatch made,
      records::IdempotentCreate<xpb::PaymentBatch>(
          tx, BatchRequestKey(c, req.request_id()),
          [&](std::string_view first) {
            return records_.LoadBatch(tx, c, ExpenseRecords::RememberedId(first));
          },
          [&](records::Tx& tx) ABSL_EXCLUSIVE_LOCKS_REQUIRED(
              write_mu_) -> absl::StatusOr<records::Created<xpb::PaymentBatch>> {
            TB_ASSIGN_OR_RETURN(std::vector<uint64_t> ids, BatchClaimIds(tx, req));
            TB_ASSIGN_OR_RETURN(xpb::PaymentBatch batch, GatherBatch(tx, caller, community, ids));
            std::string remembered = ExpenseRecords::Remember(c, batch.id());
            return records::Created<xpb::PaymentBatch>{std::move(batch), std::move(remembered)};
          }));
  TB_RETURN_IF_ERROR(tx.Commit());
  return made;
}

absl::StatusOr<xpb::PaymentBatch> ExpenseBook::GatherBatch(records::Tx& tx, const Principal& caller,
                                                           const dpb::Community& community,
                                                           const std::vector<uint64_t>& ids) {
  const uint64_t c = community.id();
  TB_ASSIGN_OR_RETURN(uint64_t batch_id, tx.NextId(absl::StrCat("batch.", c)));
  xpb::PaymentBatch batch;
  batch.set_community_id(c);
  batch.set_id(batch_id);
  batch.set_currency(community.expense_currency());
  batch.set_state(xpb::PaymentBatch::STATE_OPEN);
  batch.set_created_by_member_id(caller.subject_id());
  batch.mutable_created_at()->set_seconds(absl::ToUnixSeconds(Now()));
  batch.set_posting_state(xpb::POSTING_STATE_NOT_POSTED);
  for (uint64_t id : ids) {
    TB_ASSIGN_OR_RETURN(xpb::Claim claim, records_.LoadClaim(tx, c, id));
    if (claim.state() != xpb::CLAIM_STATE_APPROVED || claim.payment_batch_id() != 0 ||
        claim.posting_state() != xpb::POSTING_STATE_POSTED) {
      return absl::FailedPreconditionError(absl::StrCat(
          "claim_ids: claim ", id,
          " is not an approved claim posted to the money book and not yet in a batch"));
    }
    claim.set_payment_batch_id(batch_id);
    Save(tx, claim, claim.state(), caller.subject_id(),
         absl::StrCat("added to payment batch ", batch_id));
    batch.add_claim_ids(id);
    batch.set_total_minor(batch.total_minor() + claim.total_minor());
  }
  records_.PutBatch(tx, batch);
  records_.IndexNewBatch(tx, batch);
  return batch;
}

absl::StatusOr<xpb::PaymentBatch> ExpenseBook::MarkBatchPaid(const Principal& caller,
                                                             const xpb::MarkBatchPaidRequest& req) {
  if (!IsFinanceOfficer(caller)) {
    return absl::PermissionDeniedError("only finance officers mark payments");
  }
  const std::string& ref = req.payment_reference();
  TB_RETURN_IF_ERROR(kPaymentReference.Check(ref));
  const uint64_t c = req.community_id();
  absl::MutexLock lock(&write_mu_);
  records::Tx tx = NewTx();
  TB_ASSIGN_OR_RETURN(xpb::PaymentBatch batch, records_.LoadBatch(tx, c, req.batch_id()));
  if (batch.state() == xpb::PaymentBatch::STATE_PAID) {
    if (batch.payment_reference() == ref) return batch;  // paying again changes nothing
    return absl::FailedPreconditionError(absl::StrCat("payment batch ", batch.id(),
                                                      " was already paid with reference '",
                                                      batch.payment_reference(), "'"));
  }
  std::vector<xpb::Claim> claims;
  for (uint64_t id : batch.claim_ids()) {
    TB_ASSIGN_OR_RETURN(xpb::Claim claim, records_.LoadClaim(tx, c, id));
    if (claim.claimant_member_id() == caller.subject_id()) {
      return absl::PermissionDeniedError(
          absl::StrCat("nobody pays their own claim: claim ", id,
                       " in this batch is yours; another finance officer marks it paid"));
    }
    TB_CHECK(claim.state() == xpb::CLAIM_STATE_APPROVED && claim.payment_batch_id() == batch.id());
    claims.push_back(std::move(claim));
  }
  for (xpb::Claim& claim : claims) {
    claim.set_state(xpb::CLAIM_STATE_PAID);
    Save(tx, claim, xpb::CLAIM_STATE_APPROVED, caller.subject_id(),
         absl::StrCat("paid in batch ", batch.id(), ", reference ", ref));
  }
  batch.set_state(xpb::PaymentBatch::STATE_PAID);
  batch.set_payment_reference(ref);
  batch.set_paid_by_member_id(caller.subject_id());
  batch.mutable_paid_at()->set_seconds(absl::ToUnixSeconds(Now()));
  batch.set_posting_state(xpb::POSTING_STATE_QUEUED);
  TB_RETURN_IF_ERROR(Queue(tx, Posting::kPayment, c, batch.id()));
  records_.PutBatch(tx, batch);
  TB_RETURN_IF_ERROR(tx.Commit());
  return batch;
}

}  // namespace timebank::expenses
