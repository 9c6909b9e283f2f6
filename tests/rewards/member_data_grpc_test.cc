// A member's data through gRPC on a full node: the directory's export holds their
// rewards; an erasure (the rewards service's own, or the directory's whole one) takes
// them off the leaderboard and erases the text of their thank-you notes.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/rewards/rewards_grpc_fixture.h"

namespace timebank::rewards_grpc_test {
namespace {

// A member's data export holds their rewards; an erasure takes them off every
// leaderboard for good (even where the directory would still show them), is answered
// once, and a rebuild of the projection afterwards reaches the same digest.
TEST_F(RewardsGrpcTest, TheExportHoldsAMembersRewardsAndErasureTakesThemOffTheLeaderboard) {
  MakeCommunity();
  directory::Directory* d = node_->directory();
  const dpb::Principal admin = testing::AddPerson(d, community_, "Admin", {dpb::ROLE_ADMIN});
  for (const dpb::Principal& p : {ana_, ben_}) {
    ASSERT_NO_FATAL_FAILURE(SetLeaderboardConsent(p, true));
  }
  constexpr uint64_t kAnasHelp = 77;
  constexpr uint64_t kCoosHelp = 78;
  Exchange(ana_, ben_, 75, kAnasHelp);
  Exchange(coo_, ben_, 20, kCoosHelp);
  const uint64_t last = Exchange(ben_, ana_, 30);
  ASSERT_TRUE(node_->rewards_follower()->AwaitSeq(last, absl::Seconds(10)));
  rpb::ThankYouNote note;
  grpc::Status left =
      LeaveThanks(ben_, kAnasHelp, "Thank you Ana, the KESTREL-1187 shelf is up", &note);
  ASSERT_TRUE(left.ok()) << left.error_message();
  // A coordinator hides it with a reason that quotes it.
  grpc::Status hidden =
      HideThanks(coo_, kAnasHelp, "test of hiding: quotes the KESTREL-1187 shelf", &note);
  ASSERT_TRUE(hidden.ok()) << hidden.error_message();

  // Ana's export, asked by Ana through the directory, holds her rewards.
  auto directory = dpb::DirectoryService::NewStub(MakeChannel(node_->address()));
  dpb::ExportMemberDataRequest ex;
  ex.set_community_id(community_);
  ex.set_member_id(ana_.subject_id());
  dpb::ExportMemberDataResponse exported;
  grpc::Status s = CallWithToken(directory.get(), &dpb::DirectoryService::Stub::ExportMemberData,
                                 node_->TokenFor(ana_), ex, &exported);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(absl::StrContains(exported.json(), "\"rewards\": {")) << exported.json();
  EXPECT_TRUE(absl::StrContains(exported.json(), "\"minutes_given\": \"75\"")) << exported.json();
  EXPECT_TRUE(absl::StrContains(exported.json(), "\"badge_id\": \"first-hour-given\""))
      << exported.json();
  EXPECT_TRUE(absl::StrContains(exported.json(), "\"badge_id\": \"two-way-street\""))
      << exported.json();
  EXPECT_TRUE(absl::StrContains(exported.json(), "KESTREL-1187 shelf")) << exported.json();
  // The rewards part alone is for services only.
  rpb::ExportMemberRewardsRequest direct;
  NameMember(ana_.subject_id(), &direct);
  rpb::MemberRewardsExport part;
  EXPECT_EQ(CallRewards(&rpb::RewardsService::Stub::ExportMemberRewards, node_->TokenFor(ana_),
                        direct, &part)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  direct.set_member_id(0);
  const grpc::Status unnamed = CallRewards(&rpb::RewardsService::Stub::ExportMemberRewards,
                                           node_->ServiceToken(), direct, &part);
  EXPECT_EQ(unnamed.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(unnamed.error_message().rfind("member_id: ", 0), 0u) << unnamed.error_message();

  auto board = [&]() {
    rpb::ListLeaderboardResponse out;
    grpc::Status st = Leaderboard(admin, community_, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
    std::vector<uint64_t> ids;
    for (const rpb::LeaderboardEntry& e : out.entries()) ids.push_back(e.member_id());
    return ids;
  };
  ASSERT_EQ(board().size(), 2u);
  // The rewards service's own erasure, as the directory's outbox calls it: Ben is off
  // the board though the directory (not asked here) still has his consent.
  rpb::EraseMemberRewardsRequest erase;
  NameMember(ben_.subject_id(), &erase);
  rpb::EraseMemberRewardsResponse erased;
  auto erase_as = [&](const std::string& token) {
    return CallRewards(&rpb::RewardsService::Stub::EraseMemberRewards, token, erase, &erased);
  };
  EXPECT_EQ(erase_as(node_->TokenFor(admin)).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(erase_as(node_->ServiceToken()).ok());
  EXPECT_TRUE(erased.erased_now());
  ASSERT_TRUE(erase_as(node_->ServiceToken()).ok());
  EXPECT_FALSE(erased.erased_now()) << "a retry changes nothing";
  // Ben, erased here, can no longer leave a note (a token still valid elsewhere).
  grpc::Status late = LeaveThanks(ben_, kCoosHelp, "Thanks for the tea", &note);
  EXPECT_EQ(late.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << late.error_message();
  EXPECT_EQ(board(), std::vector<uint64_t>{ana_.subject_id()});
  erase.set_member_id(0);
  EXPECT_EQ(erase_as(node_->ServiceToken()).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // The whole erasure through the directory reaches rewards too.
  dpb::EraseMemberRequest whole;
  whole.set_community_id(community_);
  whole.set_member_id(ana_.subject_id());
  whole.set_reason("asked to be forgotten");
  dpb::Member gone;
  s = CallWithToken(directory.get(), &dpb::DirectoryService::Stub::EraseMember,
                    node_->TokenFor(admin), whole, &gone);
  ASSERT_TRUE(s.ok()) << s.error_message();
  for (int i = 0; i < 200 && d->DrainOutbox() > 0; ++i) absl::SleepFor(absl::Milliseconds(20));
  ASSERT_EQ(d->DrainOutbox(), 0u) << "every service, rewards included, confirmed the erasure";
  EXPECT_TRUE(board().empty());
  // Ana's thank-you note from Ben lost its text; who thanked whom for what stays.
  auto bens_notes = [&]() {
    rpb::ListThanksResponse notes;
    grpc::Status st = ListThanks(coo_, ben_.subject_id(), &notes);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return notes;
  };
  rpb::ListThanksResponse notes = bens_notes();
  ASSERT_EQ(notes.notes_size(), 1) << notes.ShortDebugString();
  EXPECT_EQ(notes.notes(0).text(), "");
  EXPECT_TRUE(notes.notes(0).text_erased());
  EXPECT_TRUE(notes.notes(0).hidden());
  EXPECT_EQ(notes.notes(0).hidden_reason(), "") << "the reason may quote the note: erased too";
  EXPECT_EQ(notes.notes(0).provider_member_id(), ana_.subject_id());
  EXPECT_EQ(notes.notes(0).activity_id(), kAnasHelp);

  // A rebuild replays the erasures where they happened: the same projection.
  const rpb::ProjectionStatus live = Status();
  rpb::ProjectionStatus rebuilt;
  s = Rebuild(&rebuilt);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(rebuilt.digest_hex(), live.digest_hex());
  EXPECT_TRUE(board().empty());
  notes = bens_notes();
  ASSERT_EQ(notes.notes_size(), 1) << "the erased note is replayed, without its text";
  EXPECT_TRUE(notes.notes(0).text_erased());
}

}  // namespace
}  // namespace timebank::rewards_grpc_test
