// Issue 11 item 8 through gRPC with a real ledger in its own node, stopped and
// started again: nine full payment batches (9,000 transfers, more than one ledger
// call takes) and later approvals queue while the ledger is down; once it is back,
// everything posts exactly once, the money book sums to zero and the journal verifies.
#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/common/server.h"
#include "services/expenses/expense_book.h"
#include "services/timebankd/node.h"
#include "tests/common/test_node.h"
#include "tests/common/test_util.h"
#include "timebank/expenses/v1/expenses.grpc.pb.h"
#include "timebank/ledger/v1/ledger.grpc.pb.h"

namespace timebank::expenses {
namespace {

namespace dpb = ::timebank::directory::v1;
namespace lpb = ::timebank::ledger::v1;
using S = xpb::ExpensesService::Stub;
constexpr int kBatches = 9;
constexpr int kClaims = kBatches * static_cast<int>(ExpenseLimits::kMaxBatchClaims);
constexpr int64_t kClaimMinor = 100;
constexpr int64_t kLaterMinor = 500;

class ExpensesLedgerOutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartLedger("127.0.0.1:0"));
    ledger_address_ = ledger_node_->address();
    NodeOptions o = testing::TestNodeOptions(dir_.Sub("app"));
    o.services = {"directory", "expenses"};
    o.keyring_path = dir_.Sub("keyring");
    o.ledger_address = ledger_address_;
    ASSERT_NO_FATAL_FAILURE(testing::StartTestNode(o, &app_));
    auto people = testing::MakeExpensesCommunity(app_->directory());
    ASSERT_TRUE(people.ok()) << people.status();
    community_ = people->id;
    alice_ = people->alice;
    fiona_ = people->fiona;
    farid_ = people->farid;
    stub_ = xpb::ExpensesService::NewStub(MakeChannel(app_->address()));
  }
  void TearDown() override {
    if (app_) app_->Shutdown();
    if (ledger_node_) ledger_node_->Shutdown();
  }
  void StartLedger(const std::string& listen) {
    NodeOptions o = testing::TestNodeOptions(dir_.Sub("ledger"));
    o.listen = listen;
    o.services = {"ledger"};
    o.keyring_path = dir_.Sub("keyring");
    ASSERT_NO_FATAL_FAILURE(testing::StartTestNode(o, &ledger_node_));
  }
  template <typename Resp, typename Req, typename Method>
  grpc::Status Call(const dpb::Principal& who, Method method, const Req& req, Resp* resp) {
    return testing::CallWithToken(stub_.get(), method, app_->TokenFor(who), req, resp);
  }
  xpb::Claim NewClaim(int64_t amount_minor) {
    xpb::Claim claim;
    claim.set_community_id(community_);
    claim.set_title("Bus fares");
    xpb::ClaimLine* line = claim.add_lines();
    line->set_category(amount_minor == kClaimMinor ? xpb::CATEGORY_TRAVEL
                                                   : xpb::CATEGORY_MATERIALS);
    line->set_date(
        absl::FormatTime("%Y-%m-%d", absl::Now() - absl::Hours(30), absl::UTCTimeZone()));
    line->set_amount_minor(amount_minor);
    line->set_description("to the workshop and back");
    return claim;
  }
  bool WaitForOutbox(absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (app_->expenses()->OutboxSize() > 0 && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(20));
    }
    return app_->expenses()->OutboxSize() == 0;
  }
  std::unique_ptr<lpb::LedgerService::Stub> LedgerStub(grpc::ClientContext* ctx) {
    ctx->AddMetadata("authorization", absl::StrCat("Bearer ", ledger_node_->ServiceToken()));
    return lpb::LedgerService::NewStub(MakeChannel(ledger_address_));
  }

  testing::TempDir dir_{testing::FastTempParent()};
  std::unique_ptr<Node> ledger_node_;
  std::unique_ptr<Node> app_;
  std::string ledger_address_;
  uint64_t community_ = 0;
  dpb::Principal alice_, fiona_, farid_;
  std::unique_ptr<S> stub_;
};

TEST_F(ExpensesLedgerOutageTest, NineFullPaymentBatchesAndLaterClaimsPostOnceWhenTheLedgerIsBack) {
  xpb::SetPolicyRequest policy;
  policy.mutable_policy()->set_community_id(community_);
  policy.mutable_policy()->set_max_claim_minor(50'000);
  policy.mutable_policy()->set_max_month_minor(ExpenseLimits::kMaxMinor);
  policy.mutable_policy()->set_claim_window_days(60);
  xpb::Policy p;
  ASSERT_TRUE(Call(fiona_, &S::SetPolicy, policy, &p).ok());
  // 9,000 approved claims, posted while the ledger is up (straight to the book: fast).
  ExpenseBook* book = app_->expenses();
  for (int i = 0; i < kClaims; ++i) {
    auto made = book->CreateClaim(alice_, NewClaim(kClaimMinor), "");
    ASSERT_TRUE(made.ok()) << made.status();
    auto sent = book->SubmitClaim(alice_, community_, made->id(), made->etag());
    ASSERT_TRUE(sent.ok()) << sent.status();
    xpb::DecideClaimRequest approve;
    approve.set_community_id(community_);
    approve.set_claim_id(sent->id());
    approve.set_etag(sent->etag());
    approve.set_decision(xpb::DecideClaimRequest::DECISION_APPROVE);
    ASSERT_TRUE(book->DecideClaim(fiona_, approve).ok());
  }
  ASSERT_TRUE(WaitForOutbox(absl::Seconds(120)));

  // The ledger goes down; finance pays nine full batches and approves three more claims.
  ledger_node_->Shutdown();
  ledger_node_.reset();
  std::vector<uint64_t> batches;
  for (int b = 0; b < kBatches; ++b) {
    xpb::CreatePaymentBatchRequest create;
    create.set_community_id(community_);
    xpb::PaymentBatch batch;
    ASSERT_TRUE(Call(fiona_, &S::CreatePaymentBatch, create, &batch).ok());
    ASSERT_EQ(batch.claim_ids_size(), static_cast<int>(ExpenseLimits::kMaxBatchClaims));
    xpb::MarkBatchPaidRequest paid;
    paid.set_community_id(community_);
    paid.set_batch_id(batch.id());
    paid.set_payment_reference(absl::StrCat("BACS ", b));
    ASSERT_TRUE(Call(farid_, &S::MarkBatchPaid, paid, &batch).ok());
    batches.push_back(batch.id());
  }
  std::vector<uint64_t> later;
  for (int i = 0; i < 3; ++i) {
    xpb::CreateClaimRequest create;
    *create.mutable_claim() = NewClaim(kLaterMinor);
    xpb::Claim claim;
    ASSERT_TRUE(Call(alice_, &S::CreateClaim, create, &claim).ok());
    ASSERT_TRUE(testing::SubmitAndApprove(stub_.get(), app_->TokenFor(alice_),
                                          app_->TokenFor(fiona_), &claim)
                    .ok());
    later.push_back(claim.id());
  }
  absl::SleepFor(absl::Seconds(1));  // the pump tries, fails and backs off meanwhile
  ASSERT_EQ(book->OutboxSize(), static_cast<size_t>(kBatches + 3));

  // The ledger is back on the same address: everything drains.
  ASSERT_NO_FATAL_FAILURE(StartLedger(ledger_address_));
  ASSERT_TRUE(WaitForOutbox(absl::Seconds(120))) << book->OutboxSize() << " entries still wait";
  for (uint64_t id : batches) {
    xpb::GetPaymentBatchRequest get;
    get.set_community_id(community_);
    get.set_batch_id(id);
    xpb::PaymentBatch batch;
    ASSERT_TRUE(Call(fiona_, &S::GetPaymentBatch, get, &batch).ok());
    EXPECT_EQ(batch.posting_state(), xpb::POSTING_STATE_POSTED) << batch.ledger_result();
  }
  for (uint64_t id : later) {
    xpb::GetClaimRequest get;
    get.set_community_id(community_);
    get.set_claim_id(id);
    xpb::Claim claim;
    ASSERT_TRUE(Call(alice_, &S::GetClaim, get, &claim).ok());
    EXPECT_EQ(claim.posting_state(), xpb::POSTING_STATE_POSTED) << claim.ledger_result();
  }

  // Exactly once: the bank holds every payment once, the payable only the later
  // claims, every GBP balance sums to zero, and the journal verifies.
  grpc::ClientContext list_ctx;
  auto ledger = LedgerStub(&list_ctx);
  lpb::ListAccountsRequest list;
  list.set_community_id(community_);
  list.set_unit("GBP");
  list.set_page_size(1000);
  lpb::ListAccountsResponse accounts;
  ASSERT_TRUE(ledger->ListAccounts(&list_ctx, list, &accounts).ok());
  int64_t sum = 0;
  std::map<std::string, int64_t> balance;
  for (const lpb::Account& a : accounts.accounts()) {
    sum += a.balance();
    balance[a.id()] = a.balance();
  }
  EXPECT_EQ(sum, 0);
  EXPECT_EQ(balance[BankAccountId(community_)], kClaimMinor * kClaims);
  EXPECT_EQ(balance[PayableAccountId(community_, alice_.subject_id())], 3 * kLaterMinor);
  EXPECT_EQ(balance[CategoryAccountId(community_, xpb::CATEGORY_TRAVEL)], -kClaimMinor * kClaims);
  grpc::ClientContext verify_ctx;
  auto verifier = LedgerStub(&verify_ctx);
  lpb::VerifyJournalResponse verified;
  ASSERT_TRUE(verifier->VerifyJournal(&verify_ctx, lpb::VerifyJournalRequest(), &verified).ok());
  EXPECT_TRUE(verified.ok()) << verified.message();
}

}  // namespace
}  // namespace timebank::expenses
