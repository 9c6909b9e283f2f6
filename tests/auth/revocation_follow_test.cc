// Revocations across processes, with the real timebankd binary: the directory and the
// ledger in one process, the activity service in another that follows the directory's
// revocations. After a sign-out, a role change or a suspension in the first process,
// the second refuses the ended tokens within auth::kRevocationMaxLagMs; while the
// directory is down it refuses people's tokens rather than guess (and still serves
// other services).
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/common/auth/auth_interceptor.h"
#include "services/common/auth/keyring.h"
#include "services/common/auth/revocations.h"
#include "services/common/auth/token.h"
#include "services/common/server.h"
#include "tests/common/test_node.h"
#include "tests/common/test_util.h"
#include "timebank/activity/v1/activity.grpc.pb.h"
#include "timebank/directory/v1/auth.grpc.pb.h"
#include "timebank/directory/v1/directory.grpc.pb.h"

namespace timebank {
namespace {

namespace dpb = ::timebank::directory::v1;
namespace apb = ::timebank::activity::v1;

constexpr char kPassword[] = "a long enough password";

class RevocationFollowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::make_unique<testing::ChildProcess>(
        TIMEBANKD_PATH,
        std::vector<std::string>{"--services=ledger,directory", "--listen=127.0.0.1:0",
                                 "--metrics_listen=", "--data_dir=" + dir_.Sub("dir"),
                                 "--admin_username=operator"},
        std::vector<std::string>{std::string("TIMEBANK_ADMIN_PASSWORD=") + kPassword});
    ASSERT_FALSE(directory_->address().empty());
    auto channel = MakeChannel(directory_->address());
    auth_ = dpb::AuthService::NewStub(channel);
    dir_stub_ = dpb::DirectoryService::NewStub(channel);
    const std::string op = SignIn("operator").access_token();
    dpb::CreateCommunityRequest cc;
    cc.mutable_community()->set_name("Riverside");
    dpb::Community c;
    ASSERT_TRUE(Dir(op, &dpb::DirectoryService::Stub::CreateCommunity, cc, &c).ok());
    community_ = c.id();
    for (const char* name : {"ada", "moss", "nia"}) members_[name] = AddMember(op, name);
    dpb::GrantRoleRequest grant;
    grant.set_community_id(community_);
    grant.set_member_id(members_["ada"]);
    grant.set_role(dpb::ROLE_ADMIN);
    dpb::Member m;
    ASSERT_TRUE(Dir(op, &dpb::DirectoryService::Stub::GrantRole, grant, &m).ok());
    operator_token_ = op;

    activity_ = std::make_unique<testing::ChildProcess>(
        TIMEBANKD_PATH,
        std::vector<std::string>{"--services=activity", "--listen=127.0.0.1:0",
                                 "--metrics_listen=", "--data_dir=" + dir_.Sub("act"),
                                 "--keyring=" + dir_.Sub("dir/keyring"),
                                 "--directory_address=" + directory_->address(),
                                 "--ledger_address=" + directory_->address()});
    ASSERT_FALSE(activity_->address().empty());
    activity_stub_ = apb::ActivityService::NewStub(MakeChannel(activity_->address()));
  }

  uint64_t AddMember(const std::string& token, const std::string& username) {
    return testing::CreateMemberWithPassword(dir_stub_.get(), token, community_, username,
                                             kPassword);
  }

  dpb::Tokens SignIn(const std::string& username) {
    return testing::SignInWithPassword(auth_.get(), username, kPassword);
  }

  template <typename Req, typename Resp>
  grpc::Status Dir(const std::string& token,
                   grpc::Status (dpb::DirectoryService::Stub::*method)(grpc::ClientContext*,
                                                                       const Req&, Resp*),
                   const Req& req, Resp* resp) {
    grpc::ClientContext ctx;
    auth::AddBearer(&ctx, token);
    return (dir_stub_.get()->*method)(&ctx, req, resp);
  }

  // A call to the activity process as the token's holder.
  grpc::Status ListActivities(const std::string& token) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    auth::AddBearer(&ctx, token);
    apb::ListActivitiesRequest req;
    req.set_community_id(community_);
    apb::ListActivitiesResponse resp;
    return activity_stub_->ListActivities(&ctx, req, &resp);
  }

  // How long until `done` holds, polling every 20 ms, at most `limit`.
  static absl::Duration TimeUntil(const std::function<bool()>& done, absl::Duration limit) {
    const absl::Time start = absl::Now();
    while (!done() && absl::Now() - start < limit) absl::SleepFor(absl::Milliseconds(20));
    return absl::Now() - start;
  }

  static constexpr absl::Duration kBound = absl::Milliseconds(auth::kRevocationMaxLagMs);

  testing::TempDir dir_;
  std::unique_ptr<testing::ChildProcess> directory_, activity_;
  std::unique_ptr<dpb::AuthService::Stub> auth_;
  std::unique_ptr<dpb::DirectoryService::Stub> dir_stub_;
  std::unique_ptr<apb::ActivityService::Stub> activity_stub_;
  std::map<std::string, uint64_t> members_;
  std::string operator_token_;
  uint64_t community_ = 0;
};

TEST_F(RevocationFollowTest, AnotherProcessRefusesASignedOutSessionWithinTheBound) {
  const dpb::Tokens ended = SignIn("moss");
  const dpb::Tokens other = SignIn("moss");
  // The follower accepts people's tokens once it has heard from the directory.
  TimeUntil([&] { return ListActivities(ended.access_token()).ok(); }, absl::Seconds(10));
  ASSERT_TRUE(ListActivities(ended.access_token()).ok());

  grpc::ClientContext ctx;
  dpb::SignOutRequest out;
  out.set_refresh_token(ended.refresh_token());
  dpb::SignOutResponse out_resp;
  ASSERT_TRUE(auth_->SignOut(&ctx, out, &out_resp).ok());
  const absl::Duration took = TimeUntil(
      [&] {
        return ListActivities(ended.access_token()).error_code() ==
               grpc::StatusCode::UNAUTHENTICATED;
      },
      kBound + absl::Seconds(5));
  EXPECT_LE(took, kBound) << "the activity process served a signed-out session for " << took;
  std::printf("the other process refused the signed-out session after %s (bound %s)\n",
              absl::FormatDuration(took).c_str(), absl::FormatDuration(kBound).c_str());
  EXPECT_EQ(ListActivities(ended.access_token()).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(ListActivities(other.access_token()).ok()) << "only that session ended";
}

TEST_F(RevocationFollowTest, AnotherProcessRefusesTokensEndedByRoleChangesAndSuspension) {
  const dpb::Tokens ada = SignIn("ada");
  const dpb::Tokens moss = SignIn("moss");
  TimeUntil([&] { return ListActivities(moss.access_token()).ok(); }, absl::Seconds(10));
  ASSERT_TRUE(ListActivities(ada.access_token()).ok());
  ASSERT_TRUE(ListActivities(moss.access_token()).ok());

  dpb::RevokeRoleRequest revoke;
  revoke.set_community_id(community_);
  revoke.set_member_id(members_["ada"]);
  revoke.set_role(dpb::ROLE_ADMIN);
  revoke.set_reason("stepped down");
  dpb::Member m;
  ASSERT_TRUE(Dir(operator_token_, &dpb::DirectoryService::Stub::RevokeRole, revoke, &m).ok());
  dpb::SetMemberStatusRequest suspend;
  suspend.set_community_id(community_);
  suspend.set_member_id(members_["moss"]);
  suspend.set_status(dpb::MEMBER_STATUS_SUSPENDED);
  suspend.set_reason("paused");
  dpb::GrantRoleRequest grant;  // nia becomes the admin who suspends moss
  grant.set_community_id(community_);
  grant.set_member_id(members_["nia"]);
  grant.set_role(dpb::ROLE_ADMIN);
  ASSERT_TRUE(Dir(operator_token_, &dpb::DirectoryService::Stub::GrantRole, grant, &m).ok());
  ASSERT_TRUE(
      Dir(SignIn("nia").access_token(), &dpb::DirectoryService::Stub::SetMemberStatus, suspend, &m)
          .ok());
  for (const std::string& token : {ada.access_token(), moss.access_token()}) {
    const absl::Duration took = TimeUntil(
        [&] { return ListActivities(token).error_code() == grpc::StatusCode::UNAUTHENTICATED; },
        kBound + absl::Seconds(5));
    EXPECT_LE(took, kBound);
    EXPECT_EQ(ListActivities(token).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
}

TEST_F(RevocationFollowTest, WithoutTheDirectoryPeoplesTokensAreRefusedNotTrusted) {
  const dpb::Tokens nia = SignIn("nia");
  TimeUntil([&] { return ListActivities(nia.access_token()).ok(); }, absl::Seconds(10));
  ASSERT_TRUE(ListActivities(nia.access_token()).ok());
  auto keyring = auth::Keyring::Open(dir_.Sub("dir/keyring"));
  ASSERT_TRUE(keyring.ok());
  directory_->Kill();
  const absl::Duration took = TimeUntil(
      [&] {
        return ListActivities(nia.access_token()).error_code() == grpc::StatusCode::UNAVAILABLE;
      },
      kBound + absl::Seconds(5));
  EXPECT_LE(took, kBound + absl::Milliseconds(auth::kRevocationPollIntervalMs));
  const grpc::Status s = ListActivities(nia.access_token());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "signed out")) << s.error_message();
  // Services are not revocable (they hold the keyring) and are still served.
  const std::string svc =
      auth::MintServiceToken(**keyring, "test", absl::ToUnixSeconds(absl::Now()));
  EXPECT_TRUE(ListActivities(svc).ok());
}

}  // namespace
}  // namespace timebank
