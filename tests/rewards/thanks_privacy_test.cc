// Thank-you notes keep communities apart: a ListThanks page token says nothing about
// how many notes other communities wrote (it is the same whatever they did), and a
// token that this member's list did not return (another community's, another
// member's, made up) is refused INVALID_ARGUMENT naming page_token. A note a
// coordinator hid no longer shows its presence through its recognition notice.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/common/paging.h"
#include "services/rewards/notice_desk.h"
#include "tests/rewards/thanks_fixture.h"

namespace timebank::rewards {
namespace {

using C = absl::StatusCode;

class ThanksPrivacyTest : public ThanksTest {
 protected:
  // Thanks for exchanges `first`..`last` the provider gave the receiver in community c.
  void ThankExchanges(uint64_t first, uint64_t last, uint64_t c = kC) {
    for (uint64_t id = first; id <= last; ++id) Exchange(id, kProvider, kReceiver, c);
    ASSERT_TRUE(projection_.Apply(journal_.entries()).ok());
    for (uint64_t id = first; id <= last; ++id) {
      absl::StatusOr<xpb::ThankYouNote> n =
          desk_.Leave(Person(kReceiver, c), Thanks(id, absl::StrCat("thanks ", id), c));
      ASSERT_TRUE(n.ok()) << n.status();
    }
  }

  // The tokens of community c's provider's pages of one note each, first page first.
  std::vector<std::string> Tokens(uint64_t c) {
    std::vector<std::string> out;
    std::string token;
    do {
      xpb::ListThanksRequest r;
      r.set_community_id(c);
      r.set_member_id(kProvider);
      r.set_page_size(1);
      r.set_page_token(token);
      absl::StatusOr<xpb::ListThanksResponse> page = desk_.List(Person(kProvider, c), r);
      EXPECT_TRUE(page.ok()) << page.status();
      token = page.ok() ? page->next_page_token() : "";
      out.push_back(token);
    } while (!token.empty() && out.size() < 100);
    return out;
  }

  absl::Status ListWith(const dpb::Principal& as, uint64_t c, uint64_t member,
                        const std::string& token) {
    xpb::ListThanksRequest r;
    r.set_community_id(c);
    r.set_member_id(member);
    r.set_page_size(1);
    r.set_page_token(token);
    return desk_.List(as, r).status();
  }
};

// The same notes in two communities, written one after another in the other one and
// with many notes of the other community between them in this one: the same tokens.
TEST_F(ThanksPrivacyTest, APageTokenIsTheSameWhateverOtherCommunitiesWrote) {
  ThankExchanges(20, 22, kOtherC);
  ThankExchanges(20, 20);
  ThankExchanges(500, 530, kOtherC);
  ThankExchanges(21, 21);
  ThankExchanges(600, 640, kOtherC);
  ThankExchanges(22, 22);
  const std::vector<std::string> quiet = Tokens(kC);
  ASSERT_EQ(quiet.size(), 3u);
  EXPECT_EQ(quiet.back(), "");
  // The other community's provider has 75 notes; their last three pages' tokens
  // continue after the same activities as ours.
  std::vector<std::string> other = Tokens(kOtherC);
  ASSERT_EQ(other.size(), 75u);
  EXPECT_EQ(std::vector<std::string>(other.end() - 3, other.end()), quiet)
      << "a token reveals how many notes another community wrote";
}

TEST_F(ThanksPrivacyTest, ATokenThisListDidNotReturnIsRefusedNamingPageToken) {
  ThankExchanges(20, 22);
  ThankExchanges(40, 42, kOtherC);
  // The other community's member 1 (same number) has a token for their own list.
  xpb::ListThanksRequest theirs;
  theirs.set_community_id(kOtherC);
  theirs.set_member_id(kProvider);
  theirs.set_page_size(1);
  absl::StatusOr<xpb::ListThanksResponse> page = desk_.List(Person(kProvider, kOtherC), theirs);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_FALSE(page->next_page_token().empty());
  const std::string own = List(Person(kProvider), kProvider, 1).next_page_token();
  ASSERT_FALSE(own.empty());
  ASSERT_TRUE(ListWith(Person(kProvider), kC, kProvider, own).ok());

  const std::string made_up = EncodePageToken("999");
  for (const std::string& token :
       {page->next_page_token(), made_up, EncodePageToken("7x"), std::string("p1.zz")}) {
    SCOPED_TRACE(token);
    absl::Status s = ListWith(Person(kProvider), kC, kProvider, token);
    EXPECT_EQ(s.code(), C::kInvalidArgument) << s;
    EXPECT_EQ(s.message().rfind("page_token: ", 0), 0u) << s;
  }
  // A token of the provider's list, after a note the receiver has no part in, does
  // not page the receiver's list.
  ThankExchanges(70, 70);  // the receiver wrote this one: theirs too
  Exchange(71, kCoordinator, kProvider);
  ASSERT_TRUE(projection_.Apply(journal_.entries()).ok());
  ASSERT_TRUE(desk_.Leave(Person(kProvider), Thanks(71, "thanks back")).ok());
  const std::string after_71 = List(Person(kProvider), kProvider, 1).next_page_token();
  absl::Status s = ListWith(CoordinatorOf(kOrg), kC, kReceiver, after_71);
  EXPECT_EQ(s.code(), C::kInvalidArgument) << s;
}

// The activities of the thanks_received notices `scope` is shown, from the first.
std::vector<uint64_t> ThanksNoticed(NoticeDesk& desk, const NoticeScope& scope) {
  std::vector<uint64_t> out;
  absl::StatusOr<NoticeBatch> batch = desk.Next(scope, 0);
  EXPECT_TRUE(batch.ok()) << batch.status();
  if (!batch.ok()) return out;
  for (const xpb::RecognitionNotice& n : batch->notices) {
    if (n.has_thanks_received()) out.push_back(n.thanks_received().activity_id());
  }
  return out;
}

TEST_F(ThanksPrivacyTest, AHiddenNotesNoticeIsNoLongerShownToItsProvider) {
  NoticeDesk notices(&projection_, &people_);
  ASSERT_TRUE(desk_.Leave(Person(kReceiver), Thanks(kExchange, "You are useless")).ok());
  ASSERT_TRUE(desk_.Leave(CoordinatorOf(kOrg), Thanks(kContribution, "Thank you")).ok());
  xpb::WatchRecognitionRequest own;  // both ids 0: the caller's own notices
  absl::StatusOr<NoticeScope> before = notices.Scope(Person(kProvider), own);
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(ThanksNoticed(notices, *before), (std::vector<uint64_t>{kExchange, kContribution}));

  ASSERT_TRUE(desk_.Hide(CoordinatorOf(kOrg), Hide(kExchange, "abusive")).ok());
  // A stream started before the hide, reading on, and one started after: neither
  // shows the hidden note's notice; the other note's stays.
  EXPECT_EQ(ThanksNoticed(notices, *before), std::vector<uint64_t>{kContribution});
  absl::StatusOr<NoticeScope> after = notices.Scope(Person(kProvider), own);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(ThanksNoticed(notices, *after), std::vector<uint64_t>{kContribution});
  // Coordinators, who still see the note (marked hidden), still see its notice.
  xpb::WatchRecognitionRequest provider;
  provider.set_community_id(kC);
  provider.set_member_id(kProvider);
  absl::StatusOr<NoticeScope> moderator = notices.Scope(CoordinatorOf(kOrg), provider);
  ASSERT_TRUE(moderator.ok()) << moderator.status();
  EXPECT_EQ(ThanksNoticed(notices, *moderator), (std::vector<uint64_t>{kExchange, kContribution}));
}

TEST_F(ThanksPrivacyTest, OneCommunityCannotTakeEveryNoticeStream) {
  NoticeDesk notices(&projection_, &people_);
  constexpr int kPerCaller = NoticeDesk::kFollowingPerCallerMax;
  constexpr int kCallers = NoticeDesk::kFollowingPerCommunityMax / kPerCaller;
  for (int m = 1; m <= kCallers; ++m) {
    for (int i = 0; i < kPerCaller; ++i) {
      ASSERT_TRUE(notices.BeginFollowing(Person(100 + m)).ok()) << m << " " << i;
    }
  }
  // The community has its share open: another of its members is refused, naming follow...
  absl::Status full = notices.BeginFollowing(Person(100 + kCallers + 1));
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted) << full;
  EXPECT_EQ(full.message().rfind("follow: ", 0), 0u) << full;
  // ...while another community's members can still follow.
  const uint64_t other = kC + 1;
  ASSERT_TRUE(notices.BeginFollowing(Person(7, other)).ok());
  notices.EndFollowing(Person(7, other));
  // A stream closed frees its place for the community.
  notices.EndFollowing(Person(101));
  EXPECT_TRUE(notices.BeginFollowing(Person(100 + kCallers + 1)).ok());
  notices.EndFollowing(Person(100 + kCallers + 1));
  for (int m = 1; m <= kCallers; ++m) {
    for (int i = 0; i < kPerCaller - (m == 1 ? 1 : 0); ++i) notices.EndFollowing(Person(100 + m));
  }
}

}  // namespace
}  // namespace timebank::rewards
