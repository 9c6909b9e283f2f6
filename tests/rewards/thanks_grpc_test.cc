// Thank-you notes through the rewards service's gRPC API on a full node: a note reaches
// the provider (told by a notice, without the text), only the receiver may leave one,
// once; a coordinator hides it with a reason; both outlive a rebuild.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/rewards/rewards_grpc_fixture.h"

namespace timebank::rewards_grpc_test {
namespace {

TEST_F(RewardsGrpcTest, AThankYouReachesTheProviderACoordinatorHidesItAndARebuildKeepsBoth) {
  MakeCommunity();
  constexpr uint64_t kActivity = 41;
  const uint64_t last = Exchange(ana_, ben_, 90, kActivity);  // Ana helped Ben
  ASSERT_TRUE(node_->rewards_follower()->AwaitSeq(last, absl::Seconds(10)));
  auto expect_refused = [](const grpc::Status& s, grpc::StatusCode code, const std::string& field) {
    EXPECT_EQ(s.error_code(), code) << s.error_message();
    EXPECT_EQ(s.error_message().rfind(field + ": ", 0), 0u) << s.error_message();
  };
  rpb::ThankYouNote note;
  expect_refused(LeaveThanks(ana_, kActivity, "Thanks me", &note),
                 grpc::StatusCode::FAILED_PRECONDITION, "activity_id");
  expect_refused(LeaveThanks(ben_, 999, "Thank you", &note), grpc::StatusCode::NOT_FOUND,
                 "activity_id");
  expect_refused(LeaveThanks(ben_, kActivity, std::string(281, 'x'), &note),
                 grpc::StatusCode::INVALID_ARGUMENT, "text");
  expect_refused(LeaveThanks(ben_, kActivity, "tab\there", &note),
                 grpc::StatusCode::INVALID_ARGUMENT, "text");
  grpc::Status s = LeaveThanks(ben_, kActivity, "Thank you for the lift to the clinic", &note);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(note.provider_member_id(), ana_.subject_id());
  EXPECT_EQ(note.author_member_id(), ben_.subject_id());
  expect_refused(LeaveThanks(ben_, kActivity, "And again", &note),
                 grpc::StatusCode::FAILED_PRECONDITION, "activity_id");
  // Ana is told, without the text (a note can be hidden or erased later).
  {
    std::vector<rpb::RecognitionNotice> notices;
    ASSERT_TRUE(WatchNotices(ana_, 0, 0, 0, &notices).ok());  // ids 0: the caller's own
    std::vector<rpb::RecognitionNotice> thanked;
    for (const rpb::RecognitionNotice& n : notices) {
      if (n.has_thanks_received()) thanked.push_back(n);
    }
    ASSERT_EQ(thanked.size(), 1u);
    EXPECT_EQ(thanked[0].thanks_received().activity_id(), kActivity);
    EXPECT_EQ(thanked[0].member_id(), ana_.subject_id());
    EXPECT_EQ(thanked[0].ShortDebugString().find("clinic"), std::string::npos);
  }

  rpb::MemberSummary ana;
  ASSERT_TRUE(Summary(ana_, 0, &ana).ok());
  ASSERT_EQ(ana.thank_you_notes_size(), 1);
  EXPECT_EQ(ana.thank_you_notes(0).text(), "Thank you for the lift to the clinic");
  rpb::ListThanksResponse listed;
  ASSERT_TRUE(ListThanks(ana_, 0, &listed).ok());
  ASSERT_EQ(listed.notes_size(), 1);
  EXPECT_TRUE(listed.notes(0).received());
  EXPECT_EQ(ListThanks(ben_, ana_.subject_id(), &listed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // Only coordinators and admins hide, with a reason; then members see it nowhere.
  EXPECT_EQ(HideThanks(ana_, kActivity, "I do not like it", &note).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  expect_refused(HideThanks(coo_, kActivity, "", &note), grpc::StatusCode::INVALID_ARGUMENT,
                 "reason");
  s = HideThanks(coo_, kActivity, "names another member", &note);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(note.hidden());
  ASSERT_TRUE(Summary(ana_, 0, &ana).ok());
  EXPECT_EQ(ana.thank_you_notes_size(), 0);
  ASSERT_TRUE(ListThanks(ana_, 0, &listed).ok());
  EXPECT_EQ(listed.notes_size(), 0);
  ASSERT_TRUE(ListThanks(coo_, ana_.subject_id(), &listed).ok());
  ASSERT_EQ(listed.notes_size(), 1);
  EXPECT_TRUE(listed.notes(0).hidden());
  EXPECT_EQ(listed.notes(0).hidden_reason(), "names another member");

  const std::string live = Status().digest_hex();
  rpb::ProjectionStatus rebuilt;
  ASSERT_TRUE(Rebuild(&rebuilt).ok());
  EXPECT_EQ(rebuilt.digest_hex(), live);
  rpb::ListThanksResponse after;
  ASSERT_TRUE(ListThanks(coo_, ana_.subject_id(), &after).ok());
  EXPECT_EQ(after.SerializeAsString(), listed.SerializeAsString());
}

}  // namespace
}  // namespace timebank::rewards_grpc_test
