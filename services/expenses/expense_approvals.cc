// ExpenseBook's approvals aggregate: finance officers' decisions on submitted claims
// (approve, twice by two different people above the policy's threshold; reject; ask
// for information) and reversing a mistaken approval. Separation of duties lives
// here: nobody decides or reverses their own claim, and the second approval must
// come from someone other than the first approver.
#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/expenses/expense_book.h"
#include "services/expenses/expense_rules.h"
#include "storage/check.h"

namespace timebank::expenses {

namespace dpb = ::timebank::directory::v1;
using D = xpb::DecideClaimRequest;

absl::StatusOr<xpb::Claim> ExpenseBook::DecideClaim(const Principal& caller, const D& req) {
  if (req.decision() == D::DECISION_UNSPECIFIED || !D::Decision_IsValid(req.decision())) {
    return FieldError("decision", "approve, reject or ask-for-info");
  }
  TB_RETURN_IF_ERROR(kReason.CheckRequired(req.reason(), req.decision() == D::DECISION_APPROVE
                                                             ? nullptr
                                                             : "required: tell the claimant why"));
  if (!IsFinanceOfficer(caller)) {
    return absl::PermissionDeniedError("only finance officers decide claims");
  }
  const uint64_t c = req.community_id();
  TB_ASSIGN_OR_RETURN(dpb::Community community, people_->Community(c));
  absl::MutexLock lock(&write_mu_);
  records::Tx tx = NewTx();
  TB_ASSIGN_OR_RETURN(xpb::Claim claim, records_.LoadClaim(tx, c, req.claim_id()));
  if (claim.state() == xpb::CLAIM_STATE_DRAFT) {
    return absl::NotFoundError(absl::StrCat("claim ", req.claim_id(), " does not exist"));
  }
  if (claim.claimant_member_id() == caller.subject_id()) {
    return absl::PermissionDeniedError(
        "nobody decides their own claim; another finance officer must");
  }
  if (claim.state() != xpb::CLAIM_STATE_SUBMITTED) {
    return absl::FailedPreconditionError(absl::StrCat("claim ", claim.id(), " is ",
                                                      xpb::ClaimState_Name(claim.state()),
                                                      "; only submitted claims are decided"));
  }
  TB_RETURN_IF_ERROR(records::CheckEtag(
      req.etag(), claim.etag(),
      absl::StrCat("claim ", claim.id(),
                   " changed since you read it (someone else may be acting on it); "
                   "read it again")));
  const xpb::ClaimState from = claim.state();
  std::string note = req.reason();
  if (req.decision() == D::DECISION_APPROVE) {
    TB_RETURN_IF_ERROR(Approve(tx, caller, &claim, &note));
  } else {
    TB_RETURN_IF_ERROR(SendBack(tx, req, community, &claim));
  }
  Save(tx, claim, from, caller.subject_id(), note);
  TB_RETURN_IF_ERROR(tx.Commit());
  return claim;
}

absl::Status ExpenseBook::Approve(records::Tx& tx, const Principal& caller, xpb::Claim* claim,
                                  std::string* note) {
  if (claim->needs_second_approval() && claim->first_approver_member_id() == 0) {
    claim->set_first_approver_member_id(caller.subject_id());
    *note = note->empty() ? "first approval" : absl::StrCat("first approval: ", *note);
    return absl::OkStatus();
  }
  if (claim->posting_state() == xpb::POSTING_STATE_QUEUED) {
    return absl::FailedPreconditionError(
        "the reversal of the last approval is still being posted; try again in a moment");
  }
  if (claim->first_approver_member_id() == caller.subject_id()) {
    return absl::PermissionDeniedError(
        "the second approval must come from a different finance officer");
  }
  claim->set_state(xpb::CLAIM_STATE_APPROVED);
  claim->set_posting_state(xpb::POSTING_STATE_QUEUED);
  claim->set_approval_round(claim->approval_round() + 1);
  return Queue(tx, Posting::kApproval, claim->community_id(), claim->id());
}

absl::Status ExpenseBook::SendBack(records::Tx& tx, const D& req, const dpb::Community& community,
                                   xpb::Claim* claim) {
  claim->clear_first_approver_member_id();
  claim->set_state(req.decision() == D::DECISION_REJECT ? xpb::CLAIM_STATE_REJECTED
                                                        : xpb::CLAIM_STATE_NEEDS_INFO);
  // No longer counted against the month (a resubmission counts it again).
  const int64_t month =
      MonthOf(absl::FromUnixSeconds(claim->submitted_at().seconds()), ZoneOf(community));
  TB_ASSIGN_OR_RETURN(int64_t counted, records_.MonthTotal(tx, claim->community_id(),
                                                           claim->claimant_member_id(), month));
  AddToMonth(tx, *claim, month, counted, -std::min(counted, claim->total_minor()));
  return absl::OkStatus();
}

absl::StatusOr<xpb::Claim> ExpenseBook::ReverseApproval(const Principal& caller,
                                                        const xpb::ReverseApprovalRequest& req) {
  TB_RETURN_IF_ERROR(
      kReason.CheckRequired(req.reason(), "required: what was wrong with the approval"));
  if (!IsFinanceOfficer(caller)) {
    return absl::PermissionDeniedError("only finance officers reverse approvals");
  }
  const uint64_t c = req.community_id();
  absl::MutexLock lock(&write_mu_);
  records::Tx tx = NewTx();
  TB_ASSIGN_OR_RETURN(xpb::Claim claim, records_.LoadClaim(tx, c, req.claim_id()));
  if (claim.claimant_member_id() == caller.subject_id()) {
    return absl::PermissionDeniedError(
        "nobody acts on their own claim; another finance officer must");
  }
  if (claim.state() != xpb::CLAIM_STATE_APPROVED || claim.payment_batch_id() != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "claim ", claim.id(), " is ", xpb::ClaimState_Name(claim.state()),
        claim.payment_batch_id() ? " and in a payment batch" : "",
        "; only approved claims not yet in a payment batch can have their approval reversed"));
  }
  TB_RETURN_IF_ERROR(records::CheckEtag(
      req.etag(), claim.etag(), absl::StrCat("claim ", claim.id(), " changed since you read it")));
  // One posting at a time per claim, so each reversal meets the approval it undoes.
  if (claim.posting_state() == xpb::POSTING_STATE_QUEUED) {
    return absl::FailedPreconditionError(
        "the approval is still being posted to the money book; try again in a moment");
  }
  const xpb::ClaimState from = claim.state();
  claim.set_state(xpb::CLAIM_STATE_SUBMITTED);
  claim.clear_first_approver_member_id();
  if (claim.posting_state() == xpb::POSTING_STATE_POSTED) {
    claim.set_posting_state(xpb::POSTING_STATE_QUEUED);
    TB_RETURN_IF_ERROR(Queue(tx, Posting::kReversal, c, claim.id()));
  } else {
    // The ledger refused the approval: nothing moved, nothing to reverse.
    claim.set_posting_state(xpb::POSTING_STATE_NOT_POSTED);
    claim.clear_ledger_result();
  }
  Save(tx, claim, from, caller.subject_id(), absl::StrCat("approval reversed: ", req.reason()));
  TB_RETURN_IF_ERROR(tx.Commit());
  return claim;
}

}  // namespace timebank::expenses
