// Erasure of a member's personal data, end to end through gRPC: a member's name and
// contact details, the descriptions of their contributions and exchanges (which reach
// the ledger's journal as memos), their offer, their expense claim's texts and receipt
// (whose title reaches the journal too) are all gone after EraseMember, from every file
// of a backup made afterwards and of the data directory after the node stops, while a
// backup made before holds every one of them (so the scan can find what it looks for).
// The journal still verifies, the books still balance, and what others wrote about
// themselves stays. A thank-you note Lee received loses its text in the rewards service
// (and in its event log) too.
#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/common/auth/auth_interceptor.h"
#include "services/common/ids.h"
#include "services/common/server.h"
#include "services/expenses/expense_book.h"
#include "services/timebankd/node.h"
#include "tests/common/test_util.h"
#include "timebank/activity/v1/activity.grpc.pb.h"
#include "timebank/directory/v1/directory.grpc.pb.h"
#include "timebank/expenses/v1/expenses.grpc.pb.h"
#include "timebank/ledger/v1/ledger.grpc.pb.h"
#include "timebank/rewards/v1/rewards.grpc.pb.h"
#include "timebank/system/v1/system.grpc.pb.h"

namespace timebank {
namespace {

namespace dpb = ::timebank::directory::v1;
namespace apb = ::timebank::activity::v1;
namespace lpb = ::timebank::ledger::v1;
namespace xpb = ::timebank::expenses::v1;
namespace fs = std::filesystem;

// What Lee wrote or what is written about Lee: each must be gone after the erasure.
const std::vector<std::string>& LeesTexts() {
  static const auto* texts = new std::vector<std::string>{
      "Lee Quokkafeather",           // display name
      "lee.quokka@example.org",      // email
      "leequokka",                   // username
      "marmalade-tango",             // tag
      "planted the PLUMTREE-7431",   // contribution description (and its ledger memo)
      "moved house WALRUS-2290",     // exchange description (ledger memo)
      "declined: NIGHTJAR-5150",     // a reason on an exchange
      "bike repair NARWHAL-8812",    // post title
      "spokes and NARWHAL-gears",    // post details
      "Bus to the PELICAN-3377",     // claim title (ledger memo of the approval)
      "return ticket PELICAN-line",  // claim line description
      "RECEIPT-IBIS-6654",           // receipt content
      "ibis-ticket.png",             // receipt filename
      "thanks for the WOMBAT-5521",  // a thank-you note Lee received (rewards)
      "after erasure ZEBU-4411",     // a memo written after the erasure
  };
  return *texts;
}

class ErasureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    NodeOptions o;
    o.listen = "127.0.0.1:0";
    o.data_dir = dir_.Sub("data");
    auto node = Node::Start(o);
    ASSERT_TRUE(node.ok()) << node.status();
    node_ = std::move(*node);
    auto ch = MakeChannel(node_->address());
    dir_stub_ = dpb::DirectoryService::NewStub(ch);
    activity_ = apb::ActivityService::NewStub(ch);
    expenses_ = xpb::ExpensesService::NewStub(ch);
    ledger_ = lpb::LedgerService::NewStub(ch);
    rewards_ = ::timebank::rewards::v1::RewardsService::NewStub(ch);
    system_ = ::timebank::system::v1::SystemService::NewStub(ch);

    directory::Directory* d = node_->directory();
    directory::Actor system;
    dpb::Community c;
    c.set_name("Riverside");
    c.set_expense_currency("GBP");
    c.set_member_credit_limit_minutes(600);
    c.set_organisation_credit_limit_minutes(60'000);
    community_ = d->CreateCommunity(system, c, "").value().id();
    dpb::Organisation org;
    org.set_community_id(community_);
    org.set_name("Carers");
    org.set_kind(dpb::ORGANISATION_KIND_CHARITY);
    org_ = d->CreateOrganisation(system, org, "").value().id();
    auto person = [&](dpb::Member m, dpb::Role role) {
      m.set_community_id(community_);
      m = d->CreateMember(system, m, "", "").value();
      if (role != dpb::ROLE_UNSPECIFIED) {
        m = d->GrantRole(system, community_, m.id(), role, 0, "").value();
      }
      return directory::Directory::PrincipalOf(m);
    };
    dpb::Member lee;
    lee.set_display_name("Lee Quokkafeather");
    lee.set_username("leequokka");
    lee.set_email("lee.quokka@example.org");
    lee.add_tags("marmalade-tango");
    lee_ = person(lee, dpb::ROLE_UNSPECIFIED);
    dpb::Member kim;
    kim.set_display_name("Kim Otterly");
    kim_ = person(kim, dpb::ROLE_UNSPECIFIED);
    dpb::Member ada;
    ada.set_display_name("Ada Admin");
    ada_ = person(ada, dpb::ROLE_ADMIN);
    dpb::Member fiona;
    fiona.set_display_name("Fiona Finance");
    fiona_ = person(fiona, dpb::ROLE_FINANCE);
  }
  void TearDown() override {
    if (node_) node_->Shutdown();
  }

  template <typename Stub, typename Req, typename Resp>
  grpc::Status Call(Stub* stub, const std::string& token,
                    grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                    const Req& req, Resp* resp) {
    grpc::ClientContext ctx;
    auth::AddBearer(&ctx, token);
    return (stub->*method)(&ctx, req, resp);
  }
  std::string As(const dpb::Principal& p) { return node_->TokenFor(p); }
  std::string Service() { return node_->ServiceToken(); }

  // Waits until the activity and expenses outboxes have posted everything.
  void WaitForPostings() {
    for (int i = 0; i < 500; ++i) {
      if (node_->activity()->OutboxSize() == 0 && node_->expenses()->OutboxSize() == 0) break;
      absl::SleepFor(absl::Milliseconds(10));
    }
    ASSERT_EQ(node_->activity()->OutboxSize(), 0u);
    ASSERT_EQ(node_->expenses()->OutboxSize(), 0u);
  }

  std::string Backup(const std::string& name) {
    ::timebank::system::v1::CreateBackupRequest req;
    req.set_dir(dir_.Sub(name));
    ::timebank::system::v1::CreateBackupResponse resp;
    const grpc::Status s =
        Call(system_.get(), Service(), &::timebank::system::v1::SystemService::Stub::CreateBackup,
             req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return req.dir();
  }

  std::vector<lpb::Transfer> Statement(const std::string& account) {
    lpb::ListTransfersRequest req;
    req.set_account_id(account);
    req.set_page_size(1000);
    lpb::ListTransfersResponse resp;
    EXPECT_TRUE(
        Call(ledger_.get(), Service(), &lpb::LedgerService::Stub::ListTransfers, req, &resp).ok());
    return {resp.transfers().begin(), resp.transfers().end()};
  }

  // Σ balances of each unit of the community.
  std::map<std::string, int64_t> Sums() {
    lpb::ListAccountsRequest req;
    req.set_community_id(community_);
    req.set_page_size(1000);
    lpb::ListAccountsResponse resp;
    EXPECT_TRUE(
        Call(ledger_.get(), Service(), &lpb::LedgerService::Stub::ListAccounts, req, &resp).ok());
    std::map<std::string, int64_t> sums;
    for (const lpb::Account& a : resp.accounts()) sums[a.unit()] += a.balance();
    return sums;
  }

  // Lee's life in the community: everything LeesTexts() lists but the last.
  void LeeTakesPart();

  testing::TempDir dir_;
  std::unique_ptr<Node> node_;
  std::unique_ptr<dpb::DirectoryService::Stub> dir_stub_;
  std::unique_ptr<apb::ActivityService::Stub> activity_;
  std::unique_ptr<xpb::ExpensesService::Stub> expenses_;
  std::unique_ptr<lpb::LedgerService::Stub> ledger_;
  std::unique_ptr<::timebank::rewards::v1::RewardsService::Stub> rewards_;
  std::unique_ptr<::timebank::system::v1::SystemService::Stub> system_;
  uint64_t community_ = 0, org_ = 0;
  dpb::Principal lee_, kim_, ada_, fiona_;
  uint64_t lee_contribution_ = 0, kim_group_record_ = 0, exchange_ = 0, claim_ = 0;
  lpb::Transfer lee_transfer_;  // the contribution's transfer as first posted
};

void ErasureTest::LeeTakesPart() {
  using A = apb::ActivityService::Stub;
  using X = xpb::ExpensesService::Stub;
  const absl::Time yesterday = absl::Now() - absl::Hours(20);
  // A contribution of Lee's alone, and one of Lee's and Kim's together.
  apb::LogContributionsRequest log;
  log.set_community_id(community_);
  log.set_organisation_id(org_);
  log.add_member_ids(lee_.subject_id());
  log.set_minutes(90);
  log.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(yesterday));
  log.set_description("planted the PLUMTREE-7431");
  log.set_coproduction_type(lpb::COPRODUCTION_TYPE_CO_DELIVERY);
  apb::LogContributionsResponse logged;
  ASSERT_TRUE(Call(activity_.get(), As(ada_), &A::LogContributions, log, &logged).ok());
  lee_contribution_ = logged.activities(0).id();
  log.add_member_ids(kim_.subject_id());
  log.set_description("cleared the OTTERBANK path together");
  ASSERT_TRUE(Call(activity_.get(), As(ada_), &A::LogContributions, log, &logged).ok());
  for (const apb::Activity& a : logged.activities()) {
    if (a.provider_member_id() == kim_.subject_id()) kim_group_record_ = a.id();
  }
  // An exchange Lee gave Kim, declined once (with a reason), then recorded and confirmed.
  apb::RecordExchangeRequest ex;
  ex.set_community_id(community_);
  ex.set_provider_member_id(lee_.subject_id());
  ex.set_receiver_member_id(kim_.subject_id());
  ex.set_minutes(60);
  ex.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(yesterday));
  ex.set_description("moved house WALRUS-2290");
  apb::Activity a;
  ASSERT_TRUE(Call(activity_.get(), As(lee_), &A::RecordExchange, ex, &a).ok());
  apb::RespondToExchangeRequest respond;
  respond.set_community_id(community_);
  respond.set_activity_id(a.id());
  respond.set_response(apb::RespondToExchangeRequest::RESPONSE_DECLINE);
  respond.set_reason("declined: NIGHTJAR-5150");
  grpc::Status s = Call(activity_.get(), As(kim_), &A::RespondToExchange, respond, &a);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ex.set_request_id("again");
  ASSERT_TRUE(Call(activity_.get(), As(lee_), &A::RecordExchange, ex, &a).ok());
  respond.set_activity_id(a.id());
  respond.set_response(apb::RespondToExchangeRequest::RESPONSE_CONFIRM);
  respond.clear_reason();
  s = Call(activity_.get(), As(kim_), &A::RespondToExchange, respond, &a);
  ASSERT_TRUE(s.ok()) << s.error_message();
  exchange_ = a.id();
  // Kim thanks Lee for it, once the rewards service has counted the exchange.
  ::timebank::rewards::v1::LeaveThanksRequest thank;
  thank.set_community_id(community_);
  thank.set_activity_id(exchange_);
  thank.set_text("thanks for the WOMBAT-5521");
  ::timebank::rewards::v1::ThankYouNote note;
  for (int i = 0; i < 200; ++i) {
    s = Call(rewards_.get(), As(kim_), &::timebank::rewards::v1::RewardsService::Stub::LeaveThanks,
             thank, &note);
    if (s.error_code() != grpc::StatusCode::NOT_FOUND) break;
    absl::SleepFor(absl::Milliseconds(25));
  }
  ASSERT_TRUE(s.ok()) << s.error_message();
  // An offer.
  apb::CreatePostRequest post;
  post.mutable_post()->set_community_id(community_);
  post.mutable_post()->set_kind(apb::POST_KIND_OFFER);
  post.mutable_post()->set_title("bike repair NARWHAL-8812");
  post.mutable_post()->set_details("spokes and NARWHAL-gears");
  apb::Post made;
  ASSERT_TRUE(Call(activity_.get(), As(lee_), &A::CreatePost, post, &made).ok());
  // An expense claim with a receipt, approved (its title becomes a ledger memo).
  xpb::SetPolicyRequest policy;
  policy.mutable_policy()->set_community_id(community_);
  policy.mutable_policy()->set_max_claim_minor(50'000);
  policy.mutable_policy()->set_max_month_minor(100'000);
  policy.mutable_policy()->set_claim_window_days(60);
  xpb::Policy p;
  ASSERT_TRUE(Call(expenses_.get(), As(fiona_), &X::SetPolicy, policy, &p).ok());
  xpb::CreateClaimRequest create;
  create.mutable_claim()->set_community_id(community_);
  create.mutable_claim()->set_title("Bus to the PELICAN-3377");
  xpb::ClaimLine* line = create.mutable_claim()->add_lines();
  line->set_category(xpb::CATEGORY_TRAVEL);
  line->set_date(absl::FormatTime("%Y-%m-%d", yesterday, absl::UTCTimeZone()));
  line->set_amount_minor(320);
  line->set_description("return ticket PELICAN-line");
  xpb::Claim claim;
  ASSERT_TRUE(Call(expenses_.get(), As(lee_), &X::CreateClaim, create, &claim).ok());
  xpb::AttachReceiptRequest attach;
  attach.set_community_id(community_);
  attach.set_claim_id(claim.id());
  attach.set_etag(claim.etag());
  attach.set_filename("ibis-ticket.png");
  attach.set_data(std::string("\x89PNG\r\n\x1A\n", 8) + "RECEIPT-IBIS-6654");
  ASSERT_TRUE(Call(expenses_.get(), As(lee_), &X::AttachReceipt, attach, &claim).ok());
  xpb::SubmitClaimRequest submit;
  submit.set_community_id(community_);
  submit.set_claim_id(claim.id());
  submit.set_etag(claim.etag());
  ASSERT_TRUE(Call(expenses_.get(), As(lee_), &X::SubmitClaim, submit, &claim).ok());
  xpb::DecideClaimRequest decide;
  decide.set_community_id(community_);
  decide.set_claim_id(claim.id());
  decide.set_decision(xpb::DecideClaimRequest::DECISION_APPROVE);
  decide.set_etag(claim.etag());
  s = Call(expenses_.get(), As(fiona_), &X::DecideClaim, decide, &claim);
  ASSERT_TRUE(s.ok()) << s.error_message();
  claim_ = claim.id();
  WaitForPostings();
  lpb::GetTransfersRequest get;
  get.add_ids(ActivityTransferId(community_, lee_contribution_));
  lpb::GetTransfersResponse got;
  ASSERT_TRUE(
      Call(ledger_.get(), Service(), &lpb::LedgerService::Stub::GetTransfers, get, &got).ok());
  apb::GetActivityRequest ga;
  ga.set_community_id(community_);
  ga.set_activity_id(lee_contribution_);
  apb::Activity posted;
  ASSERT_TRUE(
      Call(activity_.get(), Service(), &apb::ActivityService::Stub::GetActivity, ga, &posted).ok());
  ASSERT_EQ(got.transfers_size(), 1) << posted.DebugString();
  lee_transfer_ = got.transfers(0);
  ASSERT_EQ(lee_transfer_.memo(), "planted the PLUMTREE-7431");
}

TEST_F(ErasureTest, AfterErasureTheTextIsGoneFromEveryFileOfLaterBackupsAndTheDataDirectory) {
  ASSERT_NO_FATAL_FAILURE(LeeTakesPart());
  std::vector<std::string> before_texts = LeesTexts();
  before_texts.pop_back();  // written only after the erasure
  // A backup before the erasure holds every text: the scan finds what it looks for.
  const std::set<std::string> before = testing::TextsInFiles(Backup("before"), before_texts);
  for (const std::string& t : before_texts) EXPECT_TRUE(before.contains(t)) << t;

  dpb::EraseMemberRequest erase;
  erase.set_community_id(community_);
  erase.set_member_id(lee_.subject_id());
  erase.set_reason("erasure request of 2026-11-30");
  dpb::Member erased;
  grpc::Status s =
      Call(dir_stub_.get(), As(ada_), &dpb::DirectoryService::Stub::EraseMember, erase, &erased);
  ASSERT_TRUE(s.ok()) << s.error_message();
  for (int i = 0; i < 200 && node_->directory()->DrainOutbox() > 0; ++i) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_EQ(node_->directory()->DrainOutbox(), 0u) << "every service confirmed the erasure";

  // A transfer written afterwards that touches Lee's account keeps no text either.
  lpb::CreateTransfersRequest later;
  lpb::Transfer* t = later.add_transfers();
  t->set_id(PersonChosenId(community_, "after-erasure"));
  t->set_debit_account_id(MemberAccountId(community_, kim_.subject_id()));
  t->set_credit_account_id(MemberAccountId(community_, lee_.subject_id()));
  t->set_amount(15);
  t->set_kind(lpb::TRANSFER_KIND_ADJUSTMENT);
  t->set_memo("after erasure ZEBU-4411");
  lpb::CreateTransfersResponse created;
  ASSERT_TRUE(
      Call(ledger_.get(), As(ada_), &lpb::LedgerService::Stub::CreateTransfers, later, &created)
          .ok());
  ASSERT_EQ(created.results(0).code(), lpb::CREATE_TRANSFER_CREATED);

  // Reads say the text was erased.
  const std::vector<lpb::Transfer> statement =
      Statement(MemberAccountId(community_, lee_.subject_id()));
  ASSERT_GE(statement.size(), 4u);
  for (const lpb::Transfer& st : statement) {
    EXPECT_TRUE(st.text_erased()) << st.id();
    EXPECT_EQ(st.memo(), "") << st.id();
  }
  // The approval of Lee's claim, on Lee's payable account, too.
  const std::vector<lpb::Transfer> payable =
      Statement(PayableAccountId(community_, lee_.subject_id()));
  ASSERT_EQ(payable.size(), 1u);
  EXPECT_TRUE(payable[0].text_erased());
  // The outbox's retry of a transfer erased since it was first posted is EXISTS: an
  // erased text cannot differ.
  lpb::CreateTransfersRequest retry;
  lpb::Transfer again = lee_transfer_;
  for (int f : {20, 21, 22, 23, 24, 25}) {
    again.GetReflection()->ClearField(&again, again.GetDescriptor()->FindFieldByNumber(f));
  }
  *retry.add_transfers() = again;
  ASSERT_TRUE(
      Call(ledger_.get(), Service(), &lpb::LedgerService::Stub::CreateTransfers, retry, &created)
          .ok());
  EXPECT_EQ(created.results(0).code(), lpb::CREATE_TRANSFER_EXISTS);

  apb::GetActivityRequest get;
  get.set_community_id(community_);
  get.set_activity_id(lee_contribution_);
  apb::Activity a;
  ASSERT_TRUE(
      Call(activity_.get(), Service(), &apb::ActivityService::Stub::GetActivity, get, &a).ok());
  EXPECT_TRUE(a.text_erased());
  EXPECT_EQ(a.description(), "");
  EXPECT_EQ(a.minutes(), 90) << "what was done, when and for how long stays";
  // Kim's record of the group contribution is Kim's: it keeps its description.
  get.set_activity_id(kim_group_record_);
  ASSERT_TRUE(
      Call(activity_.get(), Service(), &apb::ActivityService::Stub::GetActivity, get, &a).ok());
  EXPECT_FALSE(a.text_erased());
  EXPECT_EQ(a.description(), "cleared the OTTERBANK path together");
  xpb::GetClaimRequest claim_req;
  claim_req.set_community_id(community_);
  claim_req.set_claim_id(claim_);
  xpb::Claim claim;
  ASSERT_TRUE(
      Call(expenses_.get(), As(fiona_), &xpb::ExpensesService::Stub::GetClaim, claim_req, &claim)
          .ok());
  EXPECT_TRUE(claim.text_erased());
  EXPECT_EQ(claim.total_minor(), 320);
  xpb::GetReceiptRequest receipt;
  receipt.set_community_id(community_);
  receipt.set_claim_id(claim_);
  receipt.set_receipt_id(claim.receipts(0).id());
  xpb::GetReceiptResponse file;
  EXPECT_EQ(
      Call(expenses_.get(), As(fiona_), &xpb::ExpensesService::Stub::GetReceipt, receipt, &file)
          .error_code(),
      grpc::StatusCode::NOT_FOUND);
  dpb::ListAuditRequest audit;
  audit.set_community_id(community_);
  audit.set_page_size(1000);
  dpb::ListAuditResponse log;
  ASSERT_TRUE(
      Call(dir_stub_.get(), As(ada_), &dpb::DirectoryService::Stub::ListAudit, audit, &log).ok());
  std::set<std::string> actions;
  for (const dpb::AuditEntry& e : log.entries()) {
    if (e.member_id() == lee_.subject_id()) actions.insert(e.action());
  }
  EXPECT_TRUE(actions.contains("member.erase"));
  EXPECT_TRUE(actions.contains("member.erase.complete"));
  EXPECT_TRUE(actions.contains("member.create")) << "who did what stays";

  // The chain still verifies; the texts still held match their digests.
  lpb::VerifyJournalResponse v;
  ASSERT_TRUE(Call(ledger_.get(), Service(), &lpb::LedgerService::Stub::VerifyJournal,
                   lpb::VerifyJournalRequest(), &v)
                  .ok());
  EXPECT_TRUE(v.ok()) << v.message();
  EXPECT_GE(v.texts_erased(), 5u);
  EXPECT_GE(v.texts_verified(), 1u);  // Kim's group contribution
  for (const auto& [unit, sum] : Sums()) EXPECT_EQ(sum, 0) << unit;

  // Nothing of Lee's is in any file of a backup made now, or of the data directory
  // once the node has stopped.
  const std::set<std::string> after = testing::TextsInFiles(Backup("after"), LeesTexts());
  EXPECT_TRUE(after.empty()) << *after.begin();
  EXPECT_TRUE(
      testing::TextsInFiles(Backup("after-control"), {"cleared the OTTERBANK path together"})
          .contains("cleared the OTTERBANK path together"))
      << "the scan finds texts that were not erased";
  node_->Shutdown();
  node_.reset();
  const std::set<std::string> live = testing::TextsInFiles(dir_.Sub("data"), LeesTexts());
  EXPECT_TRUE(live.empty()) << *live.begin();
}

}  // namespace
}  // namespace timebank
