// Sessions through gRPC, as an outside client sees them: signing out ends that session's
// access tokens at once; signing out everywhere defaults to the caller; a sign-out
// without a live refresh token says so; a call with more than one credential is
// refused; revocations survive a restart of the directory and are fed to followers.
#include <grpcpp/grpcpp.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/common/auth/auth_interceptor.h"
#include "services/common/auth/token.h"
#include "services/common/server.h"
#include "services/timebankd/node.h"
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

class SessionsTest : public ::testing::Test {
 protected:
  void SetUp() override { StartNode(); }
  void TearDown() override { node_->Shutdown(); }

  void StartNode() {
    NodeOptions o;
    o.listen = "127.0.0.1:0";
    o.data_dir = dir_.Sub("data");
    o.admin_username = "operator";
    o.admin_password = kPassword;
    o.auth.argon2_memory_kib = 1024;  // the cost is a setting; the rules are tested here
    o.auth.argon2_passes = 1;
    auto node = Node::Start(o);
    ASSERT_TRUE(node.ok()) << node.status();
    node_ = std::move(*node);
    channel_ = MakeChannel(node_->address());
    auth_ = dpb::AuthService::NewStub(channel_);
    directory_ = dpb::DirectoryService::NewStub(channel_);
  }

  void Restart() {
    node_->Shutdown();
    node_.reset();
    StartNode();
  }

  // A community with an admin "ada" and a member "moss", both with passwords.
  void MakeCommunity() {
    const dpb::Tokens op = SignIn("operator");
    dpb::CreateCommunityRequest cc;
    cc.mutable_community()->set_name("Riverside");
    dpb::Community c;
    ASSERT_TRUE(
        Call(op.access_token(), &dpb::DirectoryService::Stub::CreateCommunity, cc, &c).ok());
    community_ = c.id();
    ada_ = AddMember(op.access_token(), "ada");
    dpb::GrantRoleRequest grant;
    grant.set_community_id(community_);
    grant.set_member_id(ada_);
    grant.set_role(dpb::ROLE_ADMIN);
    dpb::Member m;
    ASSERT_TRUE(Call(op.access_token(), &dpb::DirectoryService::Stub::GrantRole, grant, &m).ok());
    mo_ = AddMember(SignIn("ada").access_token(), "moss");
  }

  uint64_t AddMember(const std::string& token, const std::string& username) {
    return testing::CreateMemberWithPassword(directory_.get(), token, community_, username,
                                             kPassword);
  }

  dpb::Tokens SignIn(const std::string& username) {
    return testing::SignInWithPassword(auth_.get(), username, kPassword);
  }

  template <typename Req, typename Resp, typename Stub>
  grpc::Status Call(const std::string& token,
                    grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                    const Req& req, Resp* resp) {
    grpc::ClientContext ctx;
    auth::AddBearer(&ctx, token);
    Stub* stub = nullptr;
    if constexpr (std::is_same_v<Stub, dpb::AuthService::Stub>) {
      stub = auth_.get();
    } else {
      stub = directory_.get();
    }
    return (stub->*method)(&ctx, req, resp);
  }

  grpc::Status WhoAmI(const std::string& token) {
    dpb::Principal p;
    return Call(token, &dpb::AuthService::Stub::WhoAmI, dpb::WhoAmIRequest(), &p);
  }

  grpc::Status SignOut(const std::string& refresh_token) {
    grpc::ClientContext ctx;
    dpb::SignOutRequest req;
    req.set_refresh_token(refresh_token);
    dpb::SignOutResponse resp;
    return auth_->SignOut(&ctx, req, &resp);
  }

  testing::TempDir dir_;
  std::unique_ptr<Node> node_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<dpb::AuthService::Stub> auth_;
  std::unique_ptr<dpb::DirectoryService::Stub> directory_;
  uint64_t community_ = 0, ada_ = 0, mo_ = 0;
};

TEST_F(SessionsTest, SignOutEndsThatSessionsAccessTokensAtOnceAndOnlyThem) {
  MakeCommunity();
  const dpb::Tokens phone = SignIn("moss");
  const dpb::Tokens laptop = SignIn("moss");
  ASSERT_TRUE(WhoAmI(phone.access_token()).ok());
  ASSERT_TRUE(WhoAmI(laptop.access_token()).ok());
  ASSERT_TRUE(SignOut(phone.refresh_token()).ok());
  const grpc::Status s = WhoAmI(phone.access_token());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "signed out")) << s.error_message();
  EXPECT_TRUE(WhoAmI(laptop.access_token()).ok()) << "the other session is not signed out";
  // Nor can the ended session be refreshed into new tokens.
  grpc::ClientContext ctx;
  dpb::RefreshRequest refresh;
  refresh.set_refresh_token(phone.refresh_token());
  dpb::Tokens fresh;
  EXPECT_EQ(auth_->Refresh(&ctx, refresh, &fresh).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(SessionsTest, RefreshedTokensOfASignedOutSessionStopToo) {
  MakeCommunity();
  const dpb::Tokens first = SignIn("moss");
  grpc::ClientContext ctx;
  dpb::RefreshRequest refresh;
  refresh.set_refresh_token(first.refresh_token());
  dpb::Tokens second;
  ASSERT_TRUE(auth_->Refresh(&ctx, refresh, &second).ok());
  ASSERT_TRUE(SignOut(second.refresh_token()).ok());
  // Both access tokens of the session, the first and the refreshed one, stop.
  EXPECT_EQ(WhoAmI(first.access_token()).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(WhoAmI(second.access_token()).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(SessionsTest, SignOutWithoutALiveRefreshTokenSaysWhatIsWrong) {
  MakeCommunity();
  grpc::Status s = SignOut("");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "refresh_token: required")) << s.error_message();
  s = SignOut("not-a-refresh-token");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "refresh_token:")) << s.error_message();
  s = SignOut("tbr_never-issued");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "no live session")) << s.error_message();
  const dpb::Tokens t = SignIn("moss");
  ASSERT_TRUE(SignOut(t.refresh_token()).ok());
  EXPECT_EQ(SignOut(t.refresh_token()).error_code(), grpc::StatusCode::NOT_FOUND)
      << "signing out twice is answered, not silently accepted";
}

TEST_F(SessionsTest, SignOutEverywhereDefaultsToTheCallerForAMember) {
  MakeCommunity();
  const dpb::Tokens a = SignIn("moss");
  const dpb::Tokens b = SignIn("moss");
  const dpb::Tokens admin = SignIn("ada");
  dpb::SignOutEverywhereResponse resp;
  const grpc::Status s = Call(a.access_token(), &dpb::AuthService::Stub::SignOutEverywhere,
                              dpb::SignOutEverywhereRequest(), &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.sessions_revoked(), 2);
  EXPECT_EQ(WhoAmI(a.access_token()).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(WhoAmI(b.access_token()).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(WhoAmI(admin.access_token()).ok()) << "nobody else is signed out";
}

TEST_F(SessionsTest, SignOutEverywhereNamesOnlyOneselfUnlessAdmin) {
  MakeCommunity();
  const dpb::Tokens mo = SignIn("moss");
  const dpb::Tokens ada = SignIn("ada");
  dpb::SignOutEverywhereRequest req;
  req.set_community_id(community_);
  req.set_member_id(ada_);
  dpb::SignOutEverywhereResponse resp;
  EXPECT_EQ(
      Call(mo.access_token(), &dpb::AuthService::Stub::SignOutEverywhere, req, &resp).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  req.set_community_id(0);  // a member id without its community is a mistake, not "me"
  req.set_member_id(mo_);
  grpc::Status s = Call(mo.access_token(), &dpb::AuthService::Stub::SignOutEverywhere, req, &resp);
  EXPECT_NE(s.error_code(), grpc::StatusCode::OK);
  req.set_community_id(community_);
  req.set_member_id(0);
  s = Call(ada.access_token(), &dpb::AuthService::Stub::SignOutEverywhere, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "member_id:")) << s.error_message();
  req.set_member_id(mo_);
  s = Call(ada.access_token(), &dpb::AuthService::Stub::SignOutEverywhere, req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(WhoAmI(mo.access_token()).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // A service has no sessions of its own to default to.
  s = Call(node_->ServiceToken(), &dpb::AuthService::Stub::SignOutEverywhere,
           dpb::SignOutEverywhereRequest(), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(SessionsTest, MoreThanOneCredentialOnACallIsRefused) {
  MakeCommunity();
  const std::string mo = SignIn("moss").access_token();
  const std::string ada = SignIn("ada").access_token();
  auto who_am_i = [&](const std::vector<std::pair<std::string, std::string>>& headers) {
    grpc::ClientContext ctx;
    for (const auto& [k, v] : headers) ctx.AddMetadata(k, v);
    dpb::Principal p;
    return auth_->WhoAmI(&ctx, dpb::WhoAmIRequest(), &p);
  };
  for (const auto& headers : std::vector<std::vector<std::pair<std::string, std::string>>>{
           {{"authorization", "Bearer " + mo}, {"authorization", "Bearer " + ada}},
           {{"authorization", "Bearer " + ada}, {"authorization", "Bearer " + mo}},
           {{"authorization", "Bearer " + mo}, {"authorization", "Bearer " + mo}},
           {{"authorization", "Bearer " + mo}, {"authorization-bin", "Bearer " + ada}}}) {
    const grpc::Status s = who_am_i(headers);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_TRUE(absl::StrContains(s.error_message(), "send exactly one")) << s.error_message();
  }
  EXPECT_TRUE(who_am_i({{"authorization", "Bearer " + mo}}).ok());
  // A call that carries its own credential must not carry a bearer token as well.
  grpc::ClientContext ctx;
  auth::AddBearer(&ctx, ada);
  dpb::SignInRequest in;
  in.set_username("moss");
  in.set_password(kPassword);
  dpb::Tokens t;
  const grpc::Status s = auth_->SignIn(&ctx, in, &t);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "exactly one credential")) << s.error_message();
  grpc::ClientContext out_ctx;
  auth::AddBearer(&out_ctx, mo);
  dpb::SignOutRequest out;
  out.set_refresh_token(SignIn("moss").refresh_token());
  dpb::SignOutResponse out_resp;
  EXPECT_EQ(auth_->SignOut(&out_ctx, out, &out_resp).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(SessionsTest, SignOutsAndEpochsSurviveARestart) {
  MakeCommunity();
  const dpb::Tokens ended = SignIn("moss");
  const dpb::Tokens live = SignIn("moss");
  const dpb::Tokens admin = SignIn("ada");
  ASSERT_TRUE(SignOut(ended.refresh_token()).ok());
  dpb::RevokeRoleRequest revoke;  // a role change ends the admin's tokens
  revoke.set_community_id(community_);
  revoke.set_member_id(ada_);
  revoke.set_role(dpb::ROLE_ADMIN);
  revoke.set_reason("stepped down");
  dpb::Member m;
  ASSERT_TRUE(
      Call(SignIn("operator").access_token(), &dpb::DirectoryService::Stub::RevokeRole, revoke, &m)
          .ok());
  Restart();
  EXPECT_EQ(WhoAmI(ended.access_token()).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(WhoAmI(admin.access_token()).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(WhoAmI(live.access_token()).ok());
}

TEST_F(SessionsTest, LockedOutMembersAreToldToWaitOrAskAnAdminWhoseNewPasswordLiftsTheLock) {
  MakeCommunity();
  auto sign_in = [&](const std::string& password) {
    grpc::ClientContext ctx;
    dpb::SignInRequest req;
    req.set_username("moss");
    req.set_password(password);
    dpb::Tokens t;
    return auth_->SignIn(&ctx, req, &t);
  };
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(sign_in("a wrong password " + std::to_string(i)).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  const grpc::Status locked = sign_in(kPassword);
  EXPECT_EQ(locked.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(absl::StrContains(locked.error_message(), "wait 15 minute(s)"))
      << locked.error_message();
  EXPECT_TRUE(absl::StrContains(locked.error_message(), "ask an admin of your community to set"))
      << locked.error_message();
  // A coordinator cannot set passwords; an admin can, and that lifts the lock at once.
  dpb::SetPasswordRequest set;
  set.set_community_id(community_);
  set.set_member_id(mo_);
  set.set_new_password("a brand new password");
  dpb::SetPasswordResponse resp;
  ASSERT_TRUE(
      Call(SignIn("ada").access_token(), &dpb::AuthService::Stub::SetPassword, set, &resp).ok());
  const grpc::Status after = sign_in("a brand new password");
  EXPECT_TRUE(after.ok()) << after.error_message();
}

TEST_F(SessionsTest, PollRevocationsFeedsEverySignOutAndEpochToServicesOnly) {
  MakeCommunity();
  const std::string svc = node_->ServiceToken();
  dpb::PollRevocationsRequest req;
  dpb::PollRevocationsResponse before;
  ASSERT_TRUE(Call(svc, &dpb::AuthService::Stub::PollRevocations, req, &before).ok());
  const dpb::Tokens t = SignIn("moss");
  ASSERT_TRUE(SignOut(t.refresh_token()).ok());
  dpb::SignOutEverywhereResponse everywhere;
  ASSERT_TRUE(Call(SignIn("moss").access_token(), &dpb::AuthService::Stub::SignOutEverywhere,
                   dpb::SignOutEverywhereRequest(), &everywhere)
                  .ok());
  req.set_after_seq(before.head_seq());
  dpb::PollRevocationsResponse after;
  ASSERT_TRUE(Call(svc, &dpb::AuthService::Stub::PollRevocations, req, &after).ok());
  ASSERT_EQ(after.revocations_size(), 2);
  EXPECT_NE(after.revocations(0).session_id(), 0u);
  EXPECT_EQ(after.revocations(0).subject_id(), mo_);
  EXPECT_EQ(after.revocations(1).session_id(), 0u);
  EXPECT_GT(after.revocations(1).epoch(), 0u);
  EXPECT_EQ(after.head_seq(), after.revocations(1).seq());
  EXPECT_FALSE(after.more());
  // Nothing new: an empty answer with the same head.
  req.set_after_seq(after.head_seq());
  ASSERT_TRUE(Call(svc, &dpb::AuthService::Stub::PollRevocations, req, &after).ok());
  EXPECT_EQ(after.revocations_size(), 0);
  EXPECT_EQ(after.head_seq(), req.after_seq());
  // People cannot read the feed.
  EXPECT_EQ(
      Call(SignIn("ada").access_token(), &dpb::AuthService::Stub::PollRevocations, req, &after)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace timebank
