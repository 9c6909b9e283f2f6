// RewardsGrpcTest: a full node (with an operator) for the rewards service's gRPC tests
// (rewards_grpc_test.cc, thanks_grpc_test.cc, notices_grpc_test.cc,
// member_data_grpc_test.cc), a community of Ana, Ben and a coordinator, and the calls
// those tests make again and again: exchanges through the ledger, summaries, the
// dashboard, thank-you notes, the leaderboard, notice streams and a rebuild.
#ifndef TIMEBANK_TESTS_REWARDS_REWARDS_GRPC_FIXTURE_H_
#define TIMEBANK_TESTS_REWARDS_REWARDS_GRPC_FIXTURE_H_

#include <google/protobuf/field_mask.pb.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "services/common/client_channel.h"
#include "services/common/ids.h"
#include "tests/common/test_node.h"
#include "tests/common/test_util.h"
#include "timebank/activity/v1/activity.grpc.pb.h"
#include "timebank/directory/v1/directory.grpc.pb.h"
#include "timebank/ledger/v1/ledger.grpc.pb.h"
#include "timebank/rewards/v1/rewards.grpc.pb.h"

namespace timebank::rewards_grpc_test {

namespace apb = ::timebank::activity::v1;
namespace dpb = ::timebank::directory::v1;
namespace lpb = ::timebank::ledger::v1;
namespace rpb = ::timebank::rewards::v1;
using ::timebank::testing::CallWithToken;

class RewardsGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(Start()); }

  void Start() {
    ASSERT_NO_FATAL_FAILURE(testing::StartTestNode(
        testing::TestNodeOptions(dir_.Sub("data"), /*with_operator=*/true), &node_));
    auto ch = MakeChannel(node_->address());
    rewards_ = rpb::RewardsService::NewStub(ch);
    ledger_ = lpb::LedgerService::NewStub(ch);
    activity_ = apb::ActivityService::NewStub(ch);
  }

  void MakeCommunity() {
    directory::Directory* d = node_->directory();
    dpb::Community c;
    c.set_name("Riverside");
    c.set_timezone("Europe/London");
    c.set_member_credit_limit_minutes(600);
    community_ = d->CreateCommunity(directory::Actor(), c, "").value().id();
    ana_ = testing::AddPerson(d, community_, "Ana");
    ben_ = testing::AddPerson(d, community_, "Ben");
    dpb::Organisation org;
    org.set_community_id(community_);
    org.set_name("Carers");
    org.set_kind(dpb::ORGANISATION_KIND_CHARITY);
    carers_ = d->CreateOrganisation(directory::Actor(), org, "").value().id();
    coo_ = testing::AddPerson(d, community_, "Coordinator", {dpb::ROLE_COORDINATOR}, carers_);
  }

  // Posts an exchange (giver helped receiver) through the ledger's gRPC API, retrying
  // while the directory is still opening the accounts; its journal seq.
  // With an activity id, the transfer is the one the activity service posts for it.
  uint64_t Exchange(const dpb::Principal& giver, const dpb::Principal& receiver, int64_t minutes,
                    uint64_t activity_id = 0) {
    lpb::CreateTransfersRequest req;
    lpb::Transfer* t = req.add_transfers();
    t->set_id(activity_id != 0 ? ActivityTransferId(community_, activity_id)
                               : PersonChosenId(community_, absl::StrCat("t", ++transfers_)));
    t->set_kind(lpb::TRANSFER_KIND_EXCHANGE);
    t->set_debit_account_id(MemberAccountId(community_, receiver.subject_id()));
    t->set_credit_account_id(MemberAccountId(community_, giver.subject_id()));
    t->set_amount(minutes);
    return Post(req);
  }

  uint64_t Post(const lpb::CreateTransfersRequest& req) {
    std::string last;
    for (int attempt = 0; attempt < 100; ++attempt) {
      lpb::CreateTransfersResponse resp;
      grpc::Status s = CallWithToken(ledger_.get(), &lpb::LedgerService::Stub::CreateTransfers,
                                     node_->ServiceToken(), req, &resp);
      if (s.ok() && resp.results_size() == 1 &&
          resp.results(0).code() == lpb::CREATE_TRANSFER_CREATED) {
        return resp.results(0).seq();
      }
      last = s.ok() ? resp.ShortDebugString() : s.error_message();
      absl::SleepFor(absl::Milliseconds(20));
    }
    ADD_FAILURE() << "the transfer was never created: " << last;
    return 0;
  }

  // A unary call of the rewards service's `method` with `token`.
  template <typename Method, typename Req, typename Resp>
  grpc::Status CallRewards(Method method, const std::string& token, const Req& req, Resp* resp) {
    return CallWithToken(rewards_.get(), method, token, req, resp);
  }

  // Names `member` of the community in `req`; 0 leaves both ids 0 (the caller's own).
  template <typename Req>
  void NameMember(uint64_t member, Req* req) {
    if (member != 0) {
      req->set_community_id(community_);
      req->set_member_id(member);
    }
  }

  // Names `activity` of the community in `req` (a thank-you note's key).
  template <typename Req>
  void NameActivity(uint64_t activity, Req* req) {
    req->set_community_id(community_);
    req->set_activity_id(activity);
  }

  grpc::Status Summary(const dpb::Principal& as, uint64_t member, rpb::MemberSummary* out) {
    rpb::GetMemberSummaryRequest req;
    NameMember(member, &req);
    return CallRewards(&rpb::RewardsService::Stub::GetMemberSummary, node_->TokenFor(as), req, out);
  }

  // `as` posts an offer or a request on the noticeboard; its id.
  uint64_t Post(const dpb::Principal& as, apb::PostKind kind, const std::string& title) {
    apb::CreatePostRequest req;
    req.mutable_post()->set_community_id(community_);
    req.mutable_post()->set_kind(kind);
    req.mutable_post()->set_title(title);
    apb::Post out;
    grpc::Status s = CallWithToken(activity_.get(), &apb::ActivityService::Stub::CreatePost,
                                   node_->TokenFor(as), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.id();
  }

  // The weekly dashboard's current week once `done` holds for it (or after 10 s).
  rpb::DashboardPeriod ThisWeekOnce(const std::function<bool(const rpb::DashboardPeriod&)>& done) {
    rpb::GetDashboardRequest req;
    req.set_community_id(community_);
    req.set_granularity(rpb::GRANULARITY_WEEK);
    rpb::Dashboard dash;
    for (int attempt = 0; attempt < 500; ++attempt) {
      grpc::Status s =
          CallRewards(&rpb::RewardsService::Stub::GetDashboard, node_->TokenFor(coo_), req, &dash);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      if (done(dash.periods(dash.periods_size() - 1))) break;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return dash.periods(dash.periods_size() - 1);
  }

  // Expects the needs-met counts of one dashboard `week`.
  static void ExpectNeedsMet(const rpb::DashboardPeriod& week, int64_t requests_posted,
                             int64_t requests_answered, int64_t open_requests,
                             int64_t open_offers) {
    EXPECT_EQ(week.requests_posted(), requests_posted);
    EXPECT_EQ(week.requests_answered(), requests_answered);
    EXPECT_EQ(week.open_requests(), open_requests);
    EXPECT_EQ(week.open_offers(), open_offers);
  }

  rpb::ProjectionStatus Status() {
    rpb::ProjectionStatus out;
    grpc::Status s = CallRewards(&rpb::RewardsService::Stub::GetProjectionStatus,
                                 node_->ServiceToken(), rpb::GetProjectionStatusRequest(), &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  // Rebuilds the projection as the node's operator; `out` is its status afterwards.
  grpc::Status Rebuild(rpb::ProjectionStatus* out) {
    absl::StatusOr<dpb::Principal> op = testing::OperatorPrincipal(node_.get());
    EXPECT_TRUE(op.ok()) << op.status();
    if (!op.ok()) return grpc::Status(grpc::StatusCode::INTERNAL, "no operator to rebuild as");
    return CallRewards(&rpb::RewardsService::Stub::RebuildProjection, node_->TokenFor(*op),
                       rpb::RebuildProjectionRequest(), out);
  }

  // `as` thanks the provider of `activity` with `text`.
  grpc::Status LeaveThanks(const dpb::Principal& as, uint64_t activity, const std::string& text,
                           rpb::ThankYouNote* out) {
    rpb::LeaveThanksRequest req;
    NameActivity(activity, &req);
    req.set_text(text);
    return CallRewards(&rpb::RewardsService::Stub::LeaveThanks, node_->TokenFor(as), req, out);
  }

  // The thank-you notes of `member` (0: the caller's own) as `as` sees them.
  grpc::Status ListThanks(const dpb::Principal& as, uint64_t member, rpb::ListThanksResponse* out) {
    rpb::ListThanksRequest req;
    NameMember(member, &req);
    return CallRewards(&rpb::RewardsService::Stub::ListThanks, node_->TokenFor(as), req, out);
  }

  // `as` hides the thank-you note for `activity`, giving `reason`.
  grpc::Status HideThanks(const dpb::Principal& as, uint64_t activity, const std::string& reason,
                          rpb::ThankYouNote* out) {
    rpb::HideThanksRequest req;
    NameActivity(activity, &req);
    req.set_reason(reason);
    return CallRewards(&rpb::RewardsService::Stub::HideThanks, node_->TokenFor(as), req, out);
  }

  // Gives (or withdraws) `p`'s consent to appear on leaderboards, in the directory.
  void SetLeaderboardConsent(const dpb::Principal& p, bool yes) {
    directory::Directory* d = node_->directory();
    absl::StatusOr<dpb::Member> m = d->GetMember(p.community_id(), p.subject_id());
    ASSERT_TRUE(m.ok()) << m.status();
    m->mutable_consent()->set_appear_on_leaderboards(yes);
    google::protobuf::FieldMask mask;
    mask.add_paths("consent.appear_on_leaderboards");
    ASSERT_TRUE(d->UpdateMember(directory::Actor(), *m, mask).ok());
  }

  // Community `community`'s leaderboard as `as` sees it.
  grpc::Status Leaderboard(const dpb::Principal& as, uint64_t community,
                           rpb::ListLeaderboardResponse* out) {
    rpb::ListLeaderboardRequest req;
    req.set_community_id(community);
    return CallRewards(&rpb::RewardsService::Stub::ListLeaderboard, node_->TokenFor(as), req, out);
  }

  // Opens WatchRecognition as `as` on `ctx`, which ends after `deadline`.
  std::unique_ptr<grpc::ClientReader<rpb::RecognitionNotice>> OpenNotices(
      grpc::ClientContext* ctx, const dpb::Principal& as, const rpb::WatchRecognitionRequest& req,
      std::chrono::seconds deadline) {
    auth::AddBearer(ctx, node_->TokenFor(as));
    ctx->set_deadline(std::chrono::system_clock::now() + deadline);
    return rewards_->WatchRecognition(ctx, req);
  }

  // Reads the recognition notices (not following) of community `c`'s `member` after
  // `from_seq` as `as` sees them (ids 0: the caller's own) into `out`.
  grpc::Status WatchNotices(const dpb::Principal& as, uint64_t c, uint64_t member,
                            uint64_t from_seq, std::vector<rpb::RecognitionNotice>* out) {
    rpb::WatchRecognitionRequest req;
    req.set_community_id(c);
    req.set_member_id(member);
    req.set_from_seq(from_seq);
    grpc::ClientContext ctx;
    std::unique_ptr<grpc::ClientReader<rpb::RecognitionNotice>> reader =
        OpenNotices(&ctx, as, req, std::chrono::seconds(10));
    rpb::RecognitionNotice n;
    while (reader->Read(&n)) out->push_back(n);
    return reader->Finish();
  }

  testing::TempDir dir_;
  std::unique_ptr<Node> node_;
  std::unique_ptr<rpb::RewardsService::Stub> rewards_;
  std::unique_ptr<lpb::LedgerService::Stub> ledger_;
  std::unique_ptr<apb::ActivityService::Stub> activity_;
  uint64_t community_ = 0;
  uint64_t carers_ = 0;
  int transfers_ = 0;
  dpb::Principal ana_, ben_, coo_;
};

}  // namespace timebank::rewards_grpc_test

#endif  // TIMEBANK_TESTS_REWARDS_REWARDS_GRPC_FIXTURE_H_
