// The money book's pure plan: an outbox entry's chain and accounts, a round's budget,
// and reading the ledger's answer (money_book_plan.h).
#include "services/expenses/money_book_plan.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/ids.h"
#include "services/expenses/expense_book.h"
#include "services/expenses/expense_rules.h"
#include "storage/check.h"

namespace timebank::expenses {
namespace {

namespace lpb = ::timebank::ledger::v1;

// Adds the account (once) that a chain of community `c` in `currency` needs.
void NeedAccount(PlannedPosting* plan, const std::string& id, uint64_t c,
                 const std::string& currency, lpb::OwnerKind kind, const std::string& owner_ref,
                 bool never_negative) {
  for (const lpb::Account& a : plan->accounts) {
    if (a.id() == id) return;
  }
  lpb::Account& a = plan->accounts.emplace_back();
  a.set_id(id);
  a.set_community_id(c);
  a.set_unit(currency);
  a.set_owner_kind(kind);
  a.set_owner_ref(owner_ref);
  if (never_negative) a.set_min_balance(0);
}

// The claimant's payable account (it never goes below zero), added to the plan.
std::string NeedPayable(PlannedPosting* plan, const xpb::Claim& claim) {
  const uint64_t c = claim.community_id();
  const std::string id = PayableAccountId(c, claim.claimant_member_id());
  NeedAccount(plan, id, c, claim.currency(), lpb::OWNER_KIND_MEMBER,
              absl::StrCat("communities/", c, "/members/", claim.claimant_member_id()), true);
  return id;
}

lpb::Transfer* AddTransfer(PlannedPosting* plan, std::string id, std::string debit,
                           std::string credit, int64_t amount, lpb::TransferKind kind,
                           const std::string& memo, const std::string& reference) {
  lpb::Transfer& t = plan->chain.emplace_back();
  t.set_id(std::move(id));
  t.set_debit_account_id(std::move(debit));
  t.set_credit_account_id(std::move(credit));
  t.set_amount(amount);
  t.set_kind(kind);
  t.set_memo(memo);
  t.set_reference(reference);
  t.set_linked(true);
  return &t;
}

void CloseChain(PlannedPosting* plan) {
  if (!plan->chain.empty()) plan->chain.back().set_linked(false);
}

std::string ClaimReference(const xpb::Claim& claim) {
  return absl::StrCat("communities/", claim.community_id(), "/claims/", claim.id());
}

std::map<xpb::Category, int64_t> ByCategory(const xpb::Claim& claim) {
  std::map<xpb::Category, int64_t> out;
  for (const xpb::ClaimLine& l : claim.lines()) out[l.category()] += l.amount_minor();
  return out;
}

// The approval transfer of one category of a claim, in its approval round.
std::string ApprovalId(const xpb::Claim& claim, xpb::Category category) {
  return ExpenseApprovalId(claim.community_id(), claim.id(), claim.approval_round(),
                           CategoryWord(category));
}

}  // namespace

std::string CategoryAccountId(uint64_t c, xpb::Category category) {
  return ExpenseCategoryAccountId(c, CategoryWord(category));
}

PlannedPosting PlanClaimPosting(Posting posting, const xpb::Claim& claim) {
  TB_CHECK(posting == Posting::kApproval || posting == Posting::kReversal);
  PlannedPosting plan;
  const uint64_t c = claim.community_id();
  const std::string to = NeedPayable(&plan, claim);
  const std::string ref = ClaimReference(claim);
  for (const auto& [category, amount] : ByCategory(claim)) {
    const std::string book = CategoryAccountId(c, category);
    NeedAccount(&plan, book, c, claim.currency(), lpb::OWNER_KIND_EXPENSE_BOOK,
                absl::StrCat("communities/", c, "/expenses/", CategoryWord(category)), false);
    if (posting == Posting::kApproval) {
      AddTransfer(&plan, ApprovalId(claim, category), book, to, amount,
                  lpb::TRANSFER_KIND_EXPENSE_APPROVAL, claim.title(), ref);
    } else {
      AddTransfer(
          &plan,
          ExpenseApprovalReversalId(c, claim.id(), claim.approval_round(), CategoryWord(category)),
          "", "", 0, lpb::TRANSFER_KIND_REVERSAL, "approval reversed", ref)
          ->set_reverses_id(ApprovalId(claim, category));
    }
  }
  CloseChain(&plan);
  return plan;
}

PlannedPosting PlanPayment(const xpb::PaymentBatch& batch, const std::vector<xpb::Claim>& claims) {
  PlannedPosting plan;
  const uint64_t c = batch.community_id();
  NeedAccount(&plan, BankAccountId(c), c, batch.currency(), lpb::OWNER_KIND_EXPENSE_BOOK,
              absl::StrCat("communities/", c, "/expenses/bank"), false);
  for (const xpb::Claim& claim : claims) {
    AddTransfer(&plan, ExpensePaymentId(c, claim.id()), NeedPayable(&plan, claim), BankAccountId(c),
                claim.total_minor(), lpb::TRANSFER_KIND_EXPENSE_PAYMENT,
                absl::StrCat("payment batch ", batch.id(), ": ", batch.payment_reference()),
                ClaimReference(claim));
  }
  CloseChain(&plan);
  return plan;
}

bool RoundPlan::Add(PlannedPosting posting) {
  if (!chains_.empty() && transfers_ + posting.chain.size() > max_transfers_) return false;
  transfers_ += posting.chain.size();
  for (lpb::Account& a : posting.accounts) {
    const std::string id = a.id();
    accounts_.emplace(id, std::move(a));  // the first entry to need an account opens it
  }
  chains_.push_back(std::move(posting.chain));
  return true;
}

std::vector<lpb::Account> RoundPlan::Accounts() const {
  std::vector<lpb::Account> out;
  out.reserve(accounts_.size());
  for (const auto& [id, a] : accounts_) out.push_back(a);
  return out;
}

std::string Refusal(const std::vector<lpb::Transfer>& chain, const PostingOutcome& outcome,
                    const std::map<std::string, std::string>& unusable) {
  if (outcome.kind == PostingOutcome::Kind::kRefused) return outcome.refusal;
  // The transfer that failed the chain (the others say LINKED_EVENT_FAILED).
  size_t failed = chain.size();
  for (size_t i = 0; i < chain.size(); ++i) {
    const lpb::CreateTransferResultCode code = outcome.results[i].code();
    if (code == lpb::CREATE_TRANSFER_CREATED || code == lpb::CREATE_TRANSFER_EXISTS) continue;
    if (failed == chain.size()) failed = i;
    if (code != lpb::CREATE_TRANSFER_LINKED_EVENT_FAILED) {
      failed = i;
      break;
    }
  }
  if (failed == chain.size()) return "";
  for (const std::string& id :
       {chain[failed].debit_account_id(), chain[failed].credit_account_id()}) {
    if (auto it = unusable.find(id); it != unusable.end()) {
      return absl::StrCat(id, ": ", it->second);
    }
  }
  return lpb::CreateTransferResultCode_Name(outcome.results[failed].code());
}

void RecordClaimOutcome(Posting posting, const std::string& refused, xpb::Claim* claim) {
  if (posting == Posting::kApproval) {
    claim->set_posting_state(refused.empty() ? xpb::POSTING_STATE_POSTED
                                             : xpb::POSTING_STATE_REFUSED);
    claim->set_ledger_result(refused);
    return;
  }
  // A reversed approval: nothing stays posted (or, if refused, say so).
  claim->set_posting_state(refused.empty() ? xpb::POSTING_STATE_NOT_POSTED
                                           : xpb::POSTING_STATE_REFUSED);
  claim->set_ledger_result(refused.empty() ? "" : absl::StrCat("reversal: ", refused));
}

void RecordBatchOutcome(const std::string& refused, xpb::PaymentBatch* batch) {
  batch->set_posting_state(refused.empty() ? xpb::POSTING_STATE_POSTED
                                           : xpb::POSTING_STATE_REFUSED);
  batch->set_ledger_result(refused);
}

}  // namespace timebank::expenses
