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
    ASSERT_NO_FATAL_FAILURE(::timebank::testing::StartTestNode(
        ::timebank::testing::TestNodeOptions(dir_.Sub("d")), &node_));
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
    const grpc::Status s = CallWithToken(
        activity_.get(), &apb::ActivityService::Stub::RecordExchange, As(as), req, &out);
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
  // Kim is not in the directory and has not answered: Bilal, who typed her id, learns
  // her number back but not her name (anyone may record an exchange naming anyone).
  EXPECT_EQ(made.receiver_name().display_name(), "");
  EXPECT_EQ(made.receiver_name().member_number(), "M00005");
  EXPECT_EQ(made.receiver_name().member_id(), kim_.subject_id());
  apb::RespondToExchangeRequest confirm;
  confirm.set_community_id(community_);
  confirm.set_activity_id(made.id());
  confirm.set_response(apb::RespondToExchangeRequest::RESPONSE_CONFIRM);
  apb::Activity confirmed;
  ASSERT_TRUE(CallWithToken(activity_.get(), &apb::ActivityService::Stub::RespondToExchange,
                            As(kim_), confirm, &confirmed)
                  .ok());
  for (const dpb::Principal* who : {&bilal_, &kim_, &ada_}) {
    apb::GetActivityRequest get;
    get.set_community_id(community_);
    get.set_activity_id(made.id());
    apb::Activity seen;
    ASSERT_TRUE(CallWithToken(activity_.get(), &apb::ActivityService::Stub::GetActivity, As(*who),
                              get, &seen)
                    .ok());
    EXPECT_EQ(seen.provider_name().display_name(), "Bilal Hussain");
    EXPECT_EQ(seen.receiver_name().display_name(), "Kim Otterly");
  }
  apb::ListActivitiesRequest list;
  list.set_community_id(community_);
  list.set_page_size(50);
  apb::ListActivitiesResponse page;
  ASSERT_TRUE(CallWithToken(activity_.get(), &apb::ActivityService::Stub::ListActivities, As(kim_),
                            list, &page)
                  .ok());
  ASSERT_EQ(page.activities_size(), 1);
  EXPECT_EQ(page.activities(0).provider_name().member_number(), "M00004");
  // Dee is no party: the exchange, and so the names on it, stay hidden from her.
  ASSERT_TRUE(CallWithToken(activity_.get(), &apb::ActivityService::Stub::ListActivities, As(dee_),
                            list, &page)
                  .ok());
  EXPECT_EQ(page.activities_size(), 0);
}

TEST_F(MemberNamesTest, MembersSeeWhoPostedAnOffer) {
  apb::CreatePostRequest post;
  post.mutable_post()->set_community_id(community_);
  post.mutable_post()->set_kind(apb::POST_KIND_OFFER);
  post.mutable_post()->set_title("Lifts to the surgery");
  apb::Post made;
  ASSERT_TRUE(
      CallWithToken(activity_.get(), &apb::ActivityService::Stub::CreatePost, As(kim_), post, &made)
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
  const grpc::Status s = CallWithToken(
      directory_.get(), &dpb::DirectoryService::Stub::ResolveMember, As(dee_), bad, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message().rfind("reference", 0), 0u) << s.error_message();
}

// "I can help": a conversation between a post's poster and each member who answers it.
class ConversationTest : public MemberNamesTest {
 protected:
  void SetUp() override {
    MemberNamesTest::SetUp();
    apb::CreatePostRequest post;
    post.mutable_post()->set_community_id(community_);
    post.mutable_post()->set_kind(apb::POST_KIND_REQUEST);
    post.mutable_post()->set_title("Help with a form");
    apb::Post made;
    ASSERT_TRUE(CallWithToken(activity_.get(), &apb::ActivityService::Stub::CreatePost, As(kim_),
                              post, &made)
                    .ok());
    post_ = made.id();
  }
  grpc::Status Send(const dpb::Principal& as, const std::string& text, uint64_t helper = 0,
                    apb::PostMessage* out = nullptr, const std::string& request_id = "") {
    apb::SendPostMessageRequest req;
    req.set_community_id(community_);
    req.set_post_id(post_);
    req.set_helper_member_id(helper);
    req.set_text(text);
    req.set_request_id(request_id);
    apb::PostMessage ignored;
    return CallWithToken(activity_.get(), &apb::ActivityService::Stub::SendPostMessage, As(as), req,
                         out ? out : &ignored);
  }
  // What `as` reads: "from: text" lines, oldest first.
  std::vector<std::string> Read(const dpb::Principal& as, uint64_t helper = 0,
                                grpc::StatusCode want = grpc::StatusCode::OK) {
    apb::ListPostMessagesRequest req;
    req.set_community_id(community_);
    req.set_post_id(post_);
    req.set_helper_member_id(helper);
    req.set_page_size(2);  // several pages
    std::vector<std::string> out;
    for (;;) {
      apb::ListPostMessagesResponse page;
      const grpc::Status s = CallWithToken(
          activity_.get(), &apb::ActivityService::Stub::ListPostMessages, As(as), req, &page);
      EXPECT_EQ(s.error_code(), want) << s.error_message();
      if (!s.ok()) return out;
      for (const auto& m : page.messages()) {
        out.push_back(absl::StrCat(m.from_name().display_name(), " to ",
                                   m.helper_name().display_name(), "'s: ", m.text()));
      }
      if (page.next_page_token().empty()) return out;
      req.set_page_token(page.next_page_token());
    }
  }
  uint64_t post_ = 0;
};

TEST_F(ConversationTest, EachConversationIsOnlyThePostersAndTheHelpers) {
  apb::PostMessage first;
  ASSERT_TRUE(Send(dee_, "I can help on Saturday", 0, &first).ok());
  EXPECT_EQ(first.from_name().display_name(), "Dee Stranger");
  EXPECT_EQ(first.helper_member_id(), dee_.subject_id());
  ASSERT_TRUE(Send(bilal_, "I could do Monday").ok());
  ASSERT_TRUE(Send(kim_, "Saturday is great, thank you", dee_.subject_id()).ok());
  using V = std::vector<std::string>;
  EXPECT_EQ(Read(kim_), (V{"Dee Stranger to Dee Stranger's: I can help on Saturday",
                           "Bilal Hussain to Bilal Hussain's: I could do Monday",
                           "Kim Otterly to Dee Stranger's: Saturday is great, thank you"}));
  EXPECT_EQ(Read(kim_, bilal_.subject_id()),
            V{"Bilal Hussain to Bilal Hussain's: I could do Monday"});
  EXPECT_EQ(Read(dee_), (V{"Dee Stranger to Dee Stranger's: I can help on Saturday",
                           "Kim Otterly to Dee Stranger's: Saturday is great, thank you"}));
  Read(dee_, bilal_.subject_id(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Read(ada_), V{});  // staff read no one's conversation but their own
  // The poster must say whom they answer, and answers only people who wrote.
  EXPECT_EQ(Send(kim_, "hello?").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Send(kim_, "hello?", ada_.subject_id()).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Send(dee_, "psst", bilal_.subject_id()).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Read(kim_).size(), 3u);  // nothing written by the refusals
}

TEST_F(ConversationTest, BadInputIsRefusedAndWritesNothing) {
  const grpc::Status empty = Send(dee_, "");
  EXPECT_EQ(empty.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(empty.error_message().rfind("text", 0), 0u) << empty.error_message();
  EXPECT_EQ(Send(dee_,
                 "bad\x07"
                 "bell")
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Send(dee_, std::string(1001, 'a')).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(Send(dee_, "two lines\nare fine").ok());
  apb::SendPostMessageRequest other;
  other.set_community_id(community_);
  other.set_post_id(post_ + 100);
  other.set_text("hello");
  apb::PostMessage out;
  EXPECT_EQ(CallWithToken(activity_.get(), &apb::ActivityService::Stub::SendPostMessage, As(dee_),
                          other, &out)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Read(kim_).size(), 1u);
}

TEST_F(ConversationTest, AClosedPostTakesNoNewAnswersAndARetryPostsOnce) {
  apb::PostMessage a, b;
  ASSERT_TRUE(Send(dee_, "I can help", 0, &a, "dee-1").ok());
  ASSERT_TRUE(Send(dee_, "I can help", 0, &b, "dee-1").ok());  // the same request again
  EXPECT_EQ(a.id(), b.id());
  apb::ClosePostRequest close;
  close.set_community_id(community_);
  close.set_post_id(post_);
  apb::Post closed;
  ASSERT_TRUE(CallWithToken(activity_.get(), &apb::ActivityService::Stub::ClosePost, As(kim_),
                            close, &closed)
                  .ok());
  const grpc::Status late = Send(bilal_, "am I too late?");
  EXPECT_EQ(late.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(late.error_message().find("is closed"), std::string::npos) << late.error_message();
  EXPECT_TRUE(Send(dee_, "see you Saturday").ok());  // a conversation already going on goes on
  EXPECT_EQ(Read(kim_).size(), 2u);
}

TEST_F(ConversationTest, ErasingAMemberErasesWhatTheyWrote) {
  ASSERT_TRUE(Send(dee_, "my number is 07700 900123").ok());
  ASSERT_TRUE(Send(kim_, "thanks Dee", dee_.subject_id()).ok());
  auto erased = node_->activity()->EraseMember(community_, dee_.subject_id());
  ASSERT_TRUE(erased.ok()) << erased.status();
  EXPECT_EQ(erased->messages_erased(), 1u);
  const std::vector<std::string> left = Read(kim_);
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].find("07700"), std::string::npos) << left[0];
  EXPECT_NE(left[1].find("thanks Dee"), std::string::npos);
}

}  // namespace
}  // namespace timebank
