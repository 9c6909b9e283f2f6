// Members by name, through gRPC as a client sees them: exchange partners see each
// other's names and member numbers on the activity, members see who posted an offer,
// and nobody learns a name through the activity service they could not already see
// (someone else's exchange stays hidden), nor contact details. ResolveMember finds
// whom a typed reference means, as the caller may see members.
#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/common/auth/auth_interceptor.h"
#include "services/common/client_channel.h"
#include "services/timebankd/node.h"
#include "tests/common/test_node.h"
#include "tests/common/test_util.h"
#include "timebank/activity/v1/activity.grpc.pb.h"
#include "timebank/directory/v1/directory.grpc.pb.h"

namespace timebank {
namespace {

namespace dpb = ::timebank::directory::v1;
namespace apb = ::timebank::activity::v1;
using ::timebank::testing::AddPerson;
using ::timebank::testing::CallWithToken;

class MemberNamesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(
        ::timebank::testing::StartTestNode(::timebank::testing::TestNodeOptions(dir_.Sub("d")),
                                           &node_));
    auto ch = MakeChannel(node_->address());
    directory_ = dpb::DirectoryService::NewStub(ch);
    activity_ = apb::ActivityService::NewStub(ch);
    directory::Directory* d = node_->directory();
    dpb::Community c;
    c.set_name("Aberteifi");
    c.set_member_credit_limit_minutes(600);
    community_ = d->CreateCommunity(directory::Actor(), c, "").value().id();
    bilal_ = AddPerson(d, community_, "Bilal Hussain", {}, 0, "M00004");
    kim_ = AddPerson(d, community_, "Kim Otterly", {}, 0, "M00005");  // not in the directory
    dee_ = AddPerson(d, community_, "Dee Stranger", {}, 0, "M00006");
    ada_ = AddPerson(d, community_, "Ada Admin", {dpb::ROLE_ADMIN});
  }
  void TearDown() override {
    if (node_) node_->Shutdown();
  }
  std::string As(const dpb::Principal& p) { return node_->TokenFor(p); }

  apb::Activity Record(const dpb::Principal& as) {
    apb::RecordExchangeRequest req;
    req.set_community_id(community_);
    req.set_provider_member_id(bilal_.subject_id());
    req.set_receiver_member_id(kim_.subject_id());
    req.set_minutes(90);
    req.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(absl::Now()) - 3600);
    req.set_description("fixed the gate");
    apb::Activity out;
    const grpc::Status s = CallWithToken(activity_.get(), &apb::ActivityService::Stub::RecordExchange,
                                         As(as), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  ::timebank::testing::TempDir dir_;
  std::unique_ptr<Node> node_;
  std::unique_ptr<dpb::DirectoryService::Stub> directory_;
  std::unique_ptr<apb::ActivityService::Stub> activity_;
  uint64_t community_ = 0;
  dpb::Principal bilal_, kim_, dee_, ada_;
};

TEST_F(MemberNamesTest, ExchangePartnersSeeEachOthersNamesAndNumbers) {
  const apb::Activity made = Record(bilal_);
  EXPECT_EQ(made.provider_name().display_name(), "Bilal Hussain");
  EXPECT_EQ(made.receiver_name().display_name(), "Kim Otterly");
  EXPECT_EQ(made.receiver_name().member_number(), "M00005");
  EXPECT_EQ(made.receiver_name().member_id(), kim_.subject_id());
  for (const dpb::Principal* who : {&kim_, &ada_}) {
    apb::GetActivityRequest get;
    get.set_community_id(community_);
    get.set_activity_id(made.id());
    apb::Activity seen;
    ASSERT_TRUE(CallWithToken(activity_.get(), &apb::ActivityService::Stub::GetActivity,
                              As(*who), get, &seen)
                    .ok());
    EXPECT_EQ(seen.provider_name().display_name(), "Bilal Hussain");
    EXPECT_EQ(seen.receiver_name().display_name(), "Kim Otterly");
  }
  apb::ListActivitiesRequest list;
  list.set_community_id(community_);
  list.set_page_size(50);
  apb::ListActivitiesResponse page;
  ASSERT_TRUE(CallWithToken(activity_.get(), &apb::ActivityService::Stub::ListActivities,
                            As(kim_), list, &page)
                  .ok());
  ASSERT_EQ(page.activities_size(), 1);
  EXPECT_EQ(page.activities(0).provider_name().member_number(), "M00004");
  // Dee is no party: the exchange, and so the names on it, stay hidden from her.
  ASSERT_TRUE(CallWithToken(activity_.get(), &apb::ActivityService::Stub::ListActivities,
                            As(dee_), list, &page)
                  .ok());
  EXPECT_EQ(page.activities_size(), 0);
}

TEST_F(MemberNamesTest, MembersSeeWhoPostedAnOffer) {
  apb::CreatePostRequest post;
  post.mutable_post()->set_community_id(community_);
  post.mutable_post()->set_kind(apb::POST_KIND_OFFER);
  post.mutable_post()->set_title("Lifts to the surgery");
  apb::Post made;
  ASSERT_TRUE(CallWithToken(activity_.get(), &apb::ActivityService::Stub::CreatePost, As(kim_),
                            post, &made)
                  .ok());
  EXPECT_EQ(made.posted_by().display_name(), "Kim Otterly");
  apb::SearchPostsRequest search;
  search.set_community_id(community_);
  apb::SearchPostsResponse found;
  ASSERT_TRUE(CallWithToken(activity_.get(), &apb::ActivityService::Stub::SearchPosts, As(dee_),
                            search, &found)
                  .ok());
  ASSERT_EQ(found.posts_size(), 1);
  EXPECT_EQ(found.posts(0).posted_by().display_name(), "Kim Otterly");
  EXPECT_EQ(found.posts(0).posted_by().member_number(), "M00005");
}

TEST_F(MemberNamesTest, AReferenceResolvesAsTheCallerMaySeeMembers) {
  auto resolve = [&](const dpb::Principal& as, const std::string& ref) {
    dpb::ResolveMemberRequest req;
    req.set_community_id(community_);
    req.set_reference(ref);
    dpb::ResolveMemberResponse out;
    const grpc::Status s = CallWithToken(
        directory_.get(), &dpb::DirectoryService::Stub::ResolveMember, As(as), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  };
  EXPECT_EQ(resolve(ada_, "kim").candidates(0).display_name(), "Kim Otterly");
  EXPECT_EQ(resolve(dee_, "kim").candidates_size(), 0);  // Kim is not in the directory
  const dpb::ResolveMemberResponse by_number = resolve(dee_, "M00005");
  ASSERT_EQ(by_number.candidates_size(), 1);
  EXPECT_EQ(by_number.candidates(0).member_id(), kim_.subject_id());
  EXPECT_EQ(by_number.candidates(0).display_name(), "");
  dpb::ResolveMemberRequest bad;
  bad.set_community_id(community_);
  dpb::ResolveMemberResponse out;
  const grpc::Status s = CallWithToken(directory_.get(),
                                       &dpb::DirectoryService::Stub::ResolveMember, As(dee_), bad,
                                       &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message().rfind("reference", 0), 0u) << s.error_message();
}

}  // namespace
}  // namespace timebank
