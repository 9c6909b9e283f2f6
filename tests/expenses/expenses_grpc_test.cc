// The expenses service through gRPC with real roles and the real ledger: a claim's
// whole life (draft, receipt, submit, two approvals, batch, export, payment, and a
// reversed approval), checking after every step that the community's money accounts
// sum to zero, that time and money never mix, and that the journal verifies.
#include <grpcpp/grpcpp.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/common/ids.h"
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

class ExpensesGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(
        testing::StartTestNode(testing::TestNodeOptions(dir_.Sub("data")), &node_));
    auto people = testing::MakeExpensesCommunity(node_->directory());
    ASSERT_TRUE(people.ok()) << people.status();
    community_ = people->id;
    alice_ = people->alice;
    fiona_ = people->fiona;
    farid_ = people->farid;
    channel_ = MakeChannel(node_->address());
    stub_ = xpb::ExpensesService::NewStub(channel_);
    ledger_ = lpb::LedgerService::NewStub(channel_);
  }
  void TearDown() override { node_->Shutdown(); }

  template <typename Resp, typename Req, typename Method>
  grpc::Status Call(const dpb::Principal& who, Method method, const Req& req, Resp* resp) {
    return testing::CallWithToken(stub_.get(), method, node_->TokenFor(who), req, resp);
  }
  // Σ of the community's GBP balances is zero, no GBP account moved time, and the
  // journal verifies. Waits for the outbox to drain first.
  void CheckBooks(const std::string& when) {
    SCOPED_TRACE(when);
    for (int i = 0; i < 200 && node_->expenses()->OutboxSize() > 0; ++i) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    ASSERT_EQ(node_->expenses()->OutboxSize(), 0u);
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", node_->ServiceToken()));
    lpb::ListAccountsRequest req;
    req.set_community_id(community_);
    req.set_page_size(1000);
    lpb::ListAccountsResponse resp;
    ASSERT_TRUE(ledger_->ListAccounts(&ctx, req, &resp).ok());
    int64_t gbp = 0, time = 0;
    for (const lpb::Account& a : resp.accounts()) {
      (a.unit() == "GBP" ? gbp : time) += a.balance();
      if (absl::StrContains(a.id(), ".exp.") || absl::StrContains(a.id(), ".payable.") ||
          absl::EndsWith(a.id(), ".bank")) {
        EXPECT_EQ(a.unit(), "GBP") << a.id();
      }
    }
    EXPECT_EQ(gbp, 0);
    EXPECT_EQ(time, 0);
    grpc::ClientContext vctx;
    vctx.AddMetadata("authorization", absl::StrCat("Bearer ", node_->ServiceToken()));
    lpb::VerifyJournalResponse v;
    ASSERT_TRUE(ledger_->VerifyJournal(&vctx, lpb::VerifyJournalRequest(), &v).ok());
    EXPECT_TRUE(v.ok()) << v.message();
  }
  int64_t Balance(const std::string& account) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", node_->ServiceToken()));
    lpb::GetAccountsRequest req;
    req.add_ids(account);
    lpb::GetAccountsResponse resp;
    EXPECT_TRUE(ledger_->GetAccounts(&ctx, req, &resp).ok());
    return resp.accounts_size() == 1 ? resp.accounts(0).balance() : -999'999;
  }

  testing::TempDir dir_;
  std::unique_ptr<Node> node_;
  uint64_t community_ = 0;
  dpb::Principal alice_, fiona_, farid_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<xpb::ExpensesService::Stub> stub_;
  std::unique_ptr<lpb::LedgerService::Stub> ledger_;
};

using S = xpb::ExpensesService::Stub;

TEST_F(ExpensesGrpcTest, AClaimsWholeLifeKeepsTheMoneyBookBalanced) {
  xpb::SetPolicyRequest policy;
  policy.mutable_policy()->set_community_id(community_);
  policy.mutable_policy()->set_mileage_rate_minor(45);
  policy.mutable_policy()->set_distance_unit(xpb::DISTANCE_UNIT_MILE);
  policy.mutable_policy()->set_max_claim_minor(50'000);
  policy.mutable_policy()->set_max_month_minor(100'000);
  policy.mutable_policy()->set_claim_window_days(60);
  policy.mutable_policy()->set_second_approval_above_minor(10'000);
  policy.mutable_policy()->set_receipt_required_above_minor(5'000);
  xpb::Policy p;
  EXPECT_EQ(Call(alice_, &S::SetPolicy, policy, &p).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Call(fiona_, &S::SetPolicy, policy, &p).ok());

  const std::string day =
      absl::FormatTime("%Y-%m-%d", absl::Now() - absl::Hours(30), absl::UTCTimeZone());
  xpb::CreateClaimRequest create;
  xpb::Claim& draft = *create.mutable_claim();
  draft.set_community_id(community_);
  draft.set_title("Carers' conference");
  for (auto [cat, amount] : {std::pair{xpb::CATEGORY_TRAVEL, int64_t{8'500}},
                             std::pair{xpb::CATEGORY_MILEAGE, int64_t{200}},
                             std::pair{xpb::CATEGORY_CARE_COVER, int64_t{6'000}}}) {
    xpb::ClaimLine* l = draft.add_lines();
    l->set_category(cat);
    l->set_date(day);
    (cat == xpb::CATEGORY_MILEAGE ? l->set_distance_tenths(amount) : l->set_amount_minor(amount));
    l->set_description("conference day");
  }
  xpb::Claim claim;
  ASSERT_TRUE(Call(alice_, &S::CreateClaim, create, &claim).ok());
  EXPECT_EQ(claim.total_minor(), 8'500 + 900 + 6'000);
  xpb::SubmitClaimRequest submit;
  submit.set_community_id(community_);
  submit.set_claim_id(claim.id());
  submit.set_etag(claim.etag());
  xpb::Claim out;
  EXPECT_EQ(Call(alice_, &S::SubmitClaim, submit, &out).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);  // needs a receipt
  xpb::AttachReceiptRequest attach;
  attach.set_community_id(community_);
  attach.set_claim_id(claim.id());
  attach.set_etag(claim.etag());
  attach.set_filename("tickets.png");
  attach.set_data(std::string("\x89PNG\r\n\x1A\n", 8) + "train tickets");
  ASSERT_TRUE(Call(alice_, &S::AttachReceipt, attach, &claim).ok());
  submit.set_etag(claim.etag());
  ASSERT_TRUE(Call(alice_, &S::SubmitClaim, submit, &claim).ok());
  CheckBooks("submitted");

  xpb::DecideClaimRequest decide;
  decide.set_community_id(community_);
  decide.set_claim_id(claim.id());
  decide.set_decision(xpb::DecideClaimRequest::DECISION_APPROVE);
  decide.set_etag(claim.etag());
  EXPECT_EQ(Call(alice_, &S::DecideClaim, decide, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Call(fiona_, &S::DecideClaim, decide, &claim).ok());
  decide.set_etag(claim.etag());
  EXPECT_EQ(Call(fiona_, &S::DecideClaim, decide, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Call(farid_, &S::DecideClaim, decide, &claim).ok());
  EXPECT_EQ(claim.state(), xpb::CLAIM_STATE_APPROVED);
  CheckBooks("approved");
  const std::string payable = PayableAccountId(community_, alice_.subject_id());
  EXPECT_EQ(Balance(payable), 15'400);
  EXPECT_EQ(Balance(CategoryAccountId(community_, xpb::CATEGORY_MILEAGE)), -900);

  // A mistaken approval reversed, then approved again.
  xpb::GetClaimRequest get;
  get.set_community_id(community_);
  get.set_claim_id(claim.id());
  ASSERT_TRUE(Call(farid_, &S::GetClaim, get, &claim).ok());
  xpb::ReverseApprovalRequest reverse;
  reverse.set_community_id(community_);
  reverse.set_claim_id(claim.id());
  reverse.set_etag(claim.etag());
  reverse.set_reason("approved before the receipt was checked");
  ASSERT_TRUE(Call(fiona_, &S::ReverseApproval, reverse, &claim).ok());
  CheckBooks("reversed");
  EXPECT_EQ(Balance(payable), 0);
  decide.set_etag(claim.etag());
  ASSERT_TRUE(Call(farid_, &S::DecideClaim, decide, &claim).ok());
  decide.set_etag(claim.etag());
  ASSERT_TRUE(Call(fiona_, &S::DecideClaim, decide, &claim).ok());
  CheckBooks("approved again");
  EXPECT_EQ(Balance(payable), 15'400);

  // Batch, export, pay (twice: nothing more moves).
  xpb::CreatePaymentBatchRequest batch_req;
  batch_req.set_community_id(community_);
  xpb::PaymentBatch batch;
  ASSERT_TRUE(Call(fiona_, &S::CreatePaymentBatch, batch_req, &batch).ok());
  EXPECT_EQ(batch.total_minor(), 15'400);
  xpb::ExportPaymentBatchRequest get_batch;
  get_batch.set_community_id(community_);
  get_batch.set_batch_id(batch.id());
  xpb::ExportPaymentBatchResponse csv;
  ASSERT_TRUE(Call(fiona_, &S::ExportPaymentBatch, get_batch, &csv).ok());
  EXPECT_TRUE(absl::StrContains(csv.csv(), ",Alice,154.00,GBP,TB-")) << csv.csv();
  xpb::MarkBatchPaidRequest paid;
  paid.set_community_id(community_);
  paid.set_batch_id(batch.id());
  paid.set_payment_reference("BACS 0042");
  ASSERT_TRUE(Call(farid_, &S::MarkBatchPaid, paid, &batch).ok());
  CheckBooks("paid");
  ASSERT_TRUE(Call(farid_, &S::MarkBatchPaid, paid, &batch).ok());
  CheckBooks("paid again");
  EXPECT_EQ(Balance(payable), 0);
  EXPECT_EQ(Balance(BankAccountId(community_)), 15'400);
  ASSERT_TRUE(Call(alice_, &S::GetClaim, get, &claim).ok());
  EXPECT_EQ(claim.state(), xpb::CLAIM_STATE_PAID);

  // Time never moves into a money account.
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", node_->ServiceToken()));
  lpb::CreateTransfersRequest mix;
  lpb::Transfer* t = mix.add_transfers();
  t->set_id("mix-1");
  t->set_debit_account_id(MemberAccountId(community_, alice_.subject_id()));
  t->set_credit_account_id(BankAccountId(community_));
  t->set_amount(60);
  t->set_kind(lpb::TRANSFER_KIND_ADJUSTMENT);
  lpb::CreateTransfersResponse mixed;
  ASSERT_TRUE(ledger_->CreateTransfers(&ctx, mix, &mixed).ok());
  EXPECT_NE(mixed.results(0).code(), lpb::CREATE_TRANSFER_CREATED);
  CheckBooks("after a refused mix of time and money");
}

// SetPolicy and UpdateClaim through the API apply the request's update_mask.
TEST_F(ExpensesGrpcTest, UpdatesThroughTheApiChangeOnlyTheFieldsTheMaskNames) {
  xpb::SetPolicyRequest set;
  xpb::Policy& full = *set.mutable_policy();
  full.set_community_id(community_);
  full.set_max_claim_minor(50'000);
  full.set_max_month_minor(100'000);
  full.set_claim_window_days(60);
  full.set_second_approval_above_minor(10'000);
  full.set_receipt_required_above_minor(5'000);
  xpb::Policy p;
  ASSERT_TRUE(Call(fiona_, &S::SetPolicy, set, &p).ok());
  xpb::SetPolicyRequest change;
  change.mutable_policy()->set_community_id(community_);
  change.mutable_policy()->set_max_claim_minor(20'000);
  change.mutable_update_mask()->add_paths("max_claim_minor");
  ASSERT_TRUE(Call(fiona_, &S::SetPolicy, change, &p).ok());
  EXPECT_EQ(p.max_claim_minor(), 20'000);
  EXPECT_EQ(p.second_approval_above_minor(), 10'000);
  EXPECT_EQ(p.receipt_required_above_minor(), 5'000);
  change.mutable_update_mask()->add_paths("etag");
  EXPECT_EQ(Call(fiona_, &S::SetPolicy, change, &p).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  xpb::CreateClaimRequest create;
  xpb::Claim& draft = *create.mutable_claim();
  draft.set_community_id(community_);
  draft.set_title("Bus");
  xpb::ClaimLine* l = draft.add_lines();
  l->set_category(xpb::CATEGORY_TRAVEL);
  l->set_date(absl::FormatTime("%Y-%m-%d", absl::Now() - absl::Hours(30), absl::UTCTimeZone()));
  l->set_amount_minor(320);
  l->set_description("to the workshop");
  xpb::Claim claim;
  ASSERT_TRUE(Call(alice_, &S::CreateClaim, create, &claim).ok());
  xpb::UpdateClaimRequest edit;
  edit.mutable_claim()->set_community_id(community_);
  edit.mutable_claim()->set_id(claim.id());
  edit.mutable_claim()->set_etag(claim.etag());
  edit.mutable_claim()->set_title("Bus fares");
  edit.mutable_update_mask()->add_paths("title");
  ASSERT_TRUE(Call(alice_, &S::UpdateClaim, edit, &claim).ok());
  EXPECT_EQ(claim.title(), "Bus fares");
  EXPECT_EQ(claim.lines_size(), 1);
  EXPECT_EQ(claim.total_minor(), 320);
}

}  // namespace
}  // namespace timebank::expenses

namespace timebank::expenses {
namespace {

// Bank details and a BACS export through the service: the access table's rules (the
// member themself; finance masked; nobody else), bad input refused naming the field,
// the BACS file with the member's full numbers, and erasure through EraseMemberData.
TEST_F(ExpensesGrpcTest, BankDetailsAndABacsExportThroughTheService) {
  xpb::SetPolicyRequest policy;
  xpb::Policy& p = *policy.mutable_policy();
  p.set_community_id(community_);
  p.set_max_claim_minor(50'000);
  p.set_max_month_minor(100'000);
  p.set_claim_window_days(60);
  xpb::BacsOriginator& o = *p.mutable_bacs_originator();
  o.set_service_user_number("123456");
  o.set_sort_code("12-34-56");
  o.set_account_number("87654321");
  o.set_account_name("Riverside TB");
  xpb::Policy set;
  grpc::Status policy_set = Call(fiona_, &S::SetPolicy, policy, &set);
  ASSERT_TRUE(policy_set.ok()) << policy_set.error_message();
  EXPECT_EQ(set.bacs_originator().account_name(), "RIVERSIDE TB");

  xpb::SetBankDetailsRequest bank;
  bank.set_community_id(community_);
  bank.set_member_id(alice_.subject_id());
  bank.set_account_name("Alice Jones");
  bank.set_sort_code("40 47 84");
  bank.set_account_number("7087249");
  xpb::BankDetails d;
  grpc::Status s = Call(alice_, &S::SetBankDetails, bank, &d);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "account_number: ")) << s.error_message();
  bank.set_account_number("70872490");
  EXPECT_EQ(Call(fiona_, &S::SetBankDetails, bank, &d).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);  // only the member themself
  ASSERT_TRUE(Call(alice_, &S::SetBankDetails, bank, &d).ok());
  xpb::GetBankDetailsRequest get;
  get.set_community_id(community_);
  get.set_member_id(alice_.subject_id());
  ASSERT_TRUE(Call(alice_, &S::GetBankDetails, get, &d).ok());
  EXPECT_EQ(d.account_number(), "70872490");
  ASSERT_TRUE(Call(fiona_, &S::GetBankDetails, get, &d).ok());
  EXPECT_EQ(d.sort_code(), "**-**-84");
  EXPECT_EQ(d.account_number(), "****2490");
  get.set_member_id(fiona_.subject_id());
  EXPECT_EQ(Call(alice_, &S::GetBankDetails, get, &d).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);  // not another member's

  // A claim of Alice's, approved, batched and exported as BACS.
  xpb::CreateClaimRequest create;
  xpb::Claim& draft = *create.mutable_claim();
  draft.set_community_id(community_);
  draft.set_title("Bus fares");
  xpb::ClaimLine& line = *draft.add_lines();
  line.set_category(xpb::CATEGORY_TRAVEL);
  line.set_date(absl::FormatTime("%Y-%m-%d", absl::Now() - absl::Hours(30), absl::UTCTimeZone()));
  line.set_amount_minor(2'345);
  line.set_description("to the lunch club");
  xpb::Claim claim;
  ASSERT_TRUE(Call(alice_, &S::CreateClaim, create, &claim).ok());
  ASSERT_TRUE(testing::SubmitAndApprove(stub_.get(), node_->TokenFor(alice_),
                                        node_->TokenFor(fiona_), &claim)
                  .ok());
  CheckBooks("approved");
  xpb::CreatePaymentBatchRequest batch_req;
  batch_req.set_community_id(community_);
  xpb::PaymentBatch batch;
  ASSERT_TRUE(Call(fiona_, &S::CreatePaymentBatch, batch_req, &batch).ok());
  xpb::ExportPaymentBatchRequest ex;
  ex.set_community_id(community_);
  ex.set_batch_id(batch.id());
  ex.set_format(xpb::EXPORT_FORMAT_BACS_STANDARD_18);
  xpb::ExportPaymentBatchResponse file;
  ASSERT_TRUE(Call(farid_, &S::ExportPaymentBatch, ex, &file).ok());
  // Read independently: the one credit (positions 1-14, 16-17, 36-46) and UTL1's credit
  // total (18-30) are the batch's.
  const std::vector<std::string> recs = absl::StrSplit(file.bacs(), "\r\n", absl::SkipEmpty());
  ASSERT_EQ(recs.size(), 9u);  // 4 labels, the credit, the contra, 3 trailer labels
  for (const std::string& r : recs) EXPECT_EQ(r.size(), 100u);
  EXPECT_EQ(recs[4].substr(0, 14), "40478470872490");
  EXPECT_EQ(recs[4].substr(15, 2), "99");
  EXPECT_EQ(std::stoll(recs[4].substr(35, 11)), batch.total_minor());
  EXPECT_EQ(recs[8].substr(0, 4), "UTL1");
  EXPECT_EQ(std::stoll(recs[8].substr(17, 13)), batch.total_minor());
  xpb::GetPaymentBatchRequest gb;
  gb.set_community_id(community_);
  gb.set_batch_id(batch.id());
  ASSERT_TRUE(Call(fiona_, &S::GetPaymentBatch, gb, &batch).ok());
  ASSERT_EQ(batch.exports_size(), 1);
  EXPECT_EQ(batch.exports(0).by_member_id(), farid_.subject_id());

  // Erased with the member (the directory's EraseMember calls this).
  xpb::EraseMemberDataRequest erase;
  erase.set_community_id(community_);
  erase.set_member_id(alice_.subject_id());
  xpb::EraseMemberDataResponse erased;
  ASSERT_TRUE(testing::CallWithToken(stub_.get(), &S::EraseMemberData, node_->ServiceToken(), erase,
                                     &erased)
                  .ok());
  EXPECT_TRUE(erased.bank_details_deleted());
  get.set_member_id(alice_.subject_id());
  EXPECT_EQ(Call(fiona_, &S::GetBankDetails, get, &d).error_code(), grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace timebank::expenses
