// The money book's plan, tested directly (no store, no ledger, no clock): what each
// outbox entry posts, which accounts it opens, how a round is bounded, how the
// ledger's answer reads as a refusal, and what each outcome records.
#include "services/expenses/money_book_plan.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/common/ids.h"
#include "services/expenses/expense_book.h"

namespace timebank::expenses {
namespace {

namespace lpb = ::timebank::ledger::v1;
constexpr uint64_t kPlanCommunity = 3;

xpb::Claim ClaimOf(uint64_t id, uint64_t member,
                   std::vector<std::pair<xpb::Category, int64_t>> lines, uint64_t round = 1) {
  xpb::Claim c;
  c.set_community_id(kPlanCommunity);
  c.set_id(id);
  c.set_claimant_member_id(member);
  c.set_title("Workshop costs");
  c.set_currency("GBP");
  c.set_approval_round(round);
  int64_t total = 0;
  for (const auto& [category, amount] : lines) {
    xpb::ClaimLine* l = c.add_lines();
    l->set_category(category);
    l->set_amount_minor(amount);
    total += amount;
  }
  c.set_total_minor(total);
  return c;
}

// One expected transfer: id, debit, credit, amount, kind, the id it reverses.
struct Row {
  std::string id, debit, credit;
  int64_t amount;
  lpb::TransferKind kind;
  std::string reverses;
};

void ExpectChain(const PlannedPosting& plan, const std::vector<Row>& rows, const std::string& memo,
                 const std::vector<std::string>& references) {
  ASSERT_EQ(plan.chain.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE(rows[i].id);
    const lpb::Transfer& t = plan.chain[i];
    EXPECT_EQ(t.id(), rows[i].id);
    EXPECT_EQ(t.debit_account_id(), rows[i].debit);
    EXPECT_EQ(t.credit_account_id(), rows[i].credit);
    EXPECT_EQ(t.amount(), rows[i].amount);
    EXPECT_EQ(t.kind(), rows[i].kind);
    EXPECT_EQ(t.reverses_id(), rows[i].reverses);
    EXPECT_EQ(t.memo(), memo);
    EXPECT_EQ(t.reference(), references[i]);
    EXPECT_EQ(t.linked(), i + 1 < rows.size()) << "one linked chain, closed by its last";
  }
}

std::vector<std::string> AccountIds(const std::vector<lpb::Account>& accounts) {
  std::vector<std::string> out;
  for (const lpb::Account& a : accounts) out.push_back(a.id());
  return out;
}

TEST(MoneyBookPlanTest, AnApprovalPostsEachCategoryOnceFromItsBookToTheClaimantsPayable) {
  const std::string travel = CategoryAccountId(kPlanCommunity, xpb::CATEGORY_TRAVEL);
  const std::string other = CategoryAccountId(kPlanCommunity, xpb::CATEGORY_OTHER);
  const std::string payable = PayableAccountId(kPlanCommunity, 10);
  const std::string ref = "communities/3/claims/5";
  struct Case {
    const char* name;
    xpb::Claim claim;
    std::vector<Row> rows;
  } cases[] = {
      {"one line",
       ClaimOf(5, 10, {{xpb::CATEGORY_TRAVEL, 1250}}),
       {{ExpenseApprovalId(kPlanCommunity, 5, 1, "travel"), travel, payable, 1250,
         lpb::TRANSFER_KIND_EXPENSE_APPROVAL, ""}}},
      {"lines of a category add up; categories in their order",
       ClaimOf(
           5, 10,
           {{xpb::CATEGORY_OTHER, 300}, {xpb::CATEGORY_TRAVEL, 500}, {xpb::CATEGORY_TRAVEL, 250}}),
       {{ExpenseApprovalId(kPlanCommunity, 5, 1, "travel"), travel, payable, 750,
         lpb::TRANSFER_KIND_EXPENSE_APPROVAL, ""},
        {ExpenseApprovalId(kPlanCommunity, 5, 1, "other"), other, payable, 300,
         lpb::TRANSFER_KIND_EXPENSE_APPROVAL, ""}}},
      {"a later approval round has new ids",
       ClaimOf(5, 10, {{xpb::CATEGORY_TRAVEL, 100}}, 3),
       {{ExpenseApprovalId(kPlanCommunity, 5, 3, "travel"), travel, payable, 100,
         lpb::TRANSFER_KIND_EXPENSE_APPROVAL, ""}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const PlannedPosting plan = PlanClaimPosting(Posting::kApproval, c.claim);
    ExpectChain(plan, c.rows, "Workshop costs", std::vector<std::string>(c.rows.size(), ref));
    ASSERT_FALSE(plan.accounts.empty());
    EXPECT_EQ(plan.accounts[0].id(), payable);
    for (const lpb::Account& a : plan.accounts) {
      EXPECT_EQ(a.community_id(), kPlanCommunity);
      EXPECT_EQ(a.unit(), "GBP");
      // Only the payable never goes below zero.
      EXPECT_EQ(a.has_min_balance(), a.id() == payable) << a.id();
    }
    EXPECT_EQ(plan.accounts.size(), 1 + c.rows.size());
  }
}

TEST(MoneyBookPlanTest, AReversalUndoesEachApprovalTransferOfTheSameRound) {
  const xpb::Claim claim =
      ClaimOf(5, 10, {{xpb::CATEGORY_TRAVEL, 500}, {xpb::CATEGORY_MILEAGE, 554}}, 2);
  const PlannedPosting plan = PlanClaimPosting(Posting::kReversal, claim);
  ExpectChain(plan,
              {{ExpenseApprovalReversalId(kPlanCommunity, 5, 2, "travel"), "", "", 0,
                lpb::TRANSFER_KIND_REVERSAL, ExpenseApprovalId(kPlanCommunity, 5, 2, "travel")},
               {ExpenseApprovalReversalId(kPlanCommunity, 5, 2, "mileage"), "", "", 0,
                lpb::TRANSFER_KIND_REVERSAL, ExpenseApprovalId(kPlanCommunity, 5, 2, "mileage")}},
              "approval reversed", {"communities/3/claims/5", "communities/3/claims/5"});
}

TEST(MoneyBookPlanTest, APaymentMovesEachClaimOfTheBatchFromItsPayableToTheBank) {
  xpb::PaymentBatch batch;
  batch.set_community_id(kPlanCommunity);
  batch.set_id(4);
  batch.set_currency("GBP");
  batch.set_payment_reference("BACS 7");
  const std::vector<xpb::Claim> claims = {ClaimOf(5, 10, {{xpb::CATEGORY_TRAVEL, 700}}),
                                          ClaimOf(6, 11, {{xpb::CATEGORY_OTHER, 300}}),
                                          ClaimOf(8, 10, {{xpb::CATEGORY_TRAVEL, 50}})};
  const PlannedPosting plan = PlanPayment(batch, claims);
  const std::string bank = BankAccountId(kPlanCommunity);
  ExpectChain(plan,
              {{ExpensePaymentId(kPlanCommunity, 5), PayableAccountId(kPlanCommunity, 10), bank,
                700, lpb::TRANSFER_KIND_EXPENSE_PAYMENT, ""},
               {ExpensePaymentId(kPlanCommunity, 6), PayableAccountId(kPlanCommunity, 11), bank,
                300, lpb::TRANSFER_KIND_EXPENSE_PAYMENT, ""},
               {ExpensePaymentId(kPlanCommunity, 8), PayableAccountId(kPlanCommunity, 10), bank, 50,
                lpb::TRANSFER_KIND_EXPENSE_PAYMENT, ""}},
              "payment batch 4: BACS 7",
              {"communities/3/claims/5", "communities/3/claims/6", "communities/3/claims/8"});
  // The bank, then each claimant's payable once.
  EXPECT_EQ(AccountIds(plan.accounts),
            (std::vector<std::string>{bank, PayableAccountId(kPlanCommunity, 10),
                                      PayableAccountId(kPlanCommunity, 11)}));
}

PlannedPosting Entry(std::string id, size_t transfers, std::string account) {
  PlannedPosting p;
  for (size_t i = 0; i < transfers; ++i) p.chain.emplace_back().set_id(absl::StrCat(id, i));
  lpb::Account& a = p.accounts.emplace_back();
  a.set_id(std::move(account));
  a.set_owner_ref(id);  // which entry asked for it
  return p;
}

TEST(MoneyBookPlanTest, ARoundTakesEntriesInOrderUntilTheNextWouldGoOverItsBudget) {
  struct Case {
    const char* name;
    size_t budget;
    std::vector<size_t> sizes;
    size_t taken;
  } cases[] = {
      {"everything fits", 10, {3, 3, 4}, 3},
      {"exactly the budget", 6, {3, 3, 1}, 2},
      {"the rest waits even if a later one would fit", 5, {3, 3, 1}, 1},
      {"the first entry always goes, however long", 2, {5, 1}, 1},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RoundPlan round(c.budget);
    size_t taken = 0;
    for (size_t i = 0; i < c.sizes.size(); ++i) {
      if (!round.Add(Entry(absl::StrCat("e", i, "."), c.sizes[i], "acct"))) break;
      ++taken;
    }
    EXPECT_EQ(taken, c.taken);
    ASSERT_EQ(round.chains().size(), c.taken);
    for (size_t i = 0; i < taken; ++i) EXPECT_EQ(round.chains()[i].size(), c.sizes[i]);
  }
  EXPECT_EQ(ExpenseLimits::kMaxDispatchTransfers, ledger::kMaxBatchEvents);
}

TEST(MoneyBookPlanTest, ARoundOpensEachAccountOnceAsTheFirstEntryNeedingItAsked) {
  RoundPlan round(100);
  ASSERT_TRUE(round.Add(Entry("a", 1, "y")));
  ASSERT_TRUE(round.Add(Entry("b", 1, "x")));
  ASSERT_TRUE(round.Add(Entry("c", 1, "y")));
  const std::vector<lpb::Account> accounts = round.Accounts();
  EXPECT_EQ(AccountIds(accounts), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(accounts[1].owner_ref(), "a");
}

lpb::CreateTransferResult Result(lpb::CreateTransferResultCode code) {
  lpb::CreateTransferResult r;
  r.set_code(code);
  return r;
}

TEST(MoneyBookPlanTest, TheRefusalNamesTheTransferThatFailedTheChainOrTheAccountBehindIt) {
  std::vector<lpb::Transfer> chain(3);
  chain[0].set_debit_account_id("book");
  chain[0].set_credit_account_id("payable.10");
  chain[1].set_debit_account_id("book");
  chain[1].set_credit_account_id("payable.11");
  chain[2].set_debit_account_id("book");
  chain[2].set_credit_account_id("payable.12");
  const auto kCreated = lpb::CREATE_TRANSFER_CREATED;
  const auto kExists = lpb::CREATE_TRANSFER_EXISTS;
  const auto kLinked = lpb::CREATE_TRANSFER_LINKED_EVENT_FAILED;
  const auto kNoCredit = lpb::CREATE_TRANSFER_CREDIT_ACCOUNT_NOT_FOUND;
  struct Case {
    const char* name;
    PostingOutcome::Kind kind;
    std::vector<lpb::CreateTransferResultCode> codes;
    std::map<std::string, std::string> unusable;
    std::string refusal;
  } cases[] = {
      {"posted", PostingOutcome::Kind::kAnswered, {kCreated, kCreated, kCreated}, {}, ""},
      {"posted before (a retry)",
       PostingOutcome::Kind::kAnswered,
       {kExists, kCreated, kExists},
       {},
       ""},
      {"the failing transfer, not the linked ones",
       PostingOutcome::Kind::kAnswered,
       {kLinked, kNoCredit, kLinked},
       {},
       "CREATE_TRANSFER_CREDIT_ACCOUNT_NOT_FOUND"},
      {"only linked failures: the first",
       PostingOutcome::Kind::kAnswered,
       {kCreated, kLinked, kLinked},
       {},
       "CREATE_TRANSFER_LINKED_EVENT_FAILED"},
      {"an account that could not be opened",
       PostingOutcome::Kind::kAnswered,
       {kLinked, kNoCredit, kLinked},
       {{"payable.11", "closed"}},
       "payable.11: closed"},
      {"the whole request refused",
       PostingOutcome::Kind::kRefused,
       {},
       {},
       "transfers[0].memo: not valid UTF-8"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    PostingOutcome outcome;
    outcome.kind = c.kind;
    for (auto code : c.codes) outcome.results.push_back(Result(code));
    if (c.kind == PostingOutcome::Kind::kRefused) outcome.refusal = c.refusal;
    EXPECT_EQ(Refusal(chain, outcome, c.unusable), c.refusal);
  }
}

TEST(MoneyBookPlanTest, EachOutcomeRecordsItsPostingStateAndTheLedgersReason) {
  struct Case {
    const char* name;
    Posting posting;
    std::string refused;
    xpb::PostingState state;
    std::string result;
  } cases[] = {
      {"approval posted", Posting::kApproval, "", xpb::POSTING_STATE_POSTED, ""},
      {"approval refused", Posting::kApproval, "NO", xpb::POSTING_STATE_REFUSED, "NO"},
      {"reversal posted: nothing stays posted", Posting::kReversal, "",
       xpb::POSTING_STATE_NOT_POSTED, ""},
      {"reversal refused", Posting::kReversal, "NO", xpb::POSTING_STATE_REFUSED, "reversal: NO"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    xpb::Claim claim;
    claim.set_posting_state(xpb::POSTING_STATE_QUEUED);
    claim.set_ledger_result("earlier");
    RecordClaimOutcome(c.posting, c.refused, &claim);
    EXPECT_EQ(claim.posting_state(), c.state);
    EXPECT_EQ(claim.ledger_result(), c.result);
  }
  xpb::PaymentBatch batch;
  RecordBatchOutcome("", &batch);
  EXPECT_EQ(batch.posting_state(), xpb::POSTING_STATE_POSTED);
  RecordBatchOutcome("NO", &batch);
  EXPECT_EQ(batch.posting_state(), xpb::POSTING_STATE_REFUSED);
  EXPECT_EQ(batch.ledger_result(), "NO");
}

}  // namespace
}  // namespace timebank::expenses
