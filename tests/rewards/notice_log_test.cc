// Recognition notices in the rewards projection: one per award and withdrawal, at the
// recording time of the entry that caused it; a streak milestone when a streak reaches
// 4 weeks and nothing when it ends; seqs counted per community and kept across a
// restart; and a rebuild, in steps unlike the live ones, makes exactly the same notices.
#include "services/rewards/notice_log.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/common/timestamps.h"
#include "services/rewards/projection.h"
#include "services/rewards/projection_tx.h"
#include "services/rewards/rewards_records.h"
#include "storage/mem_store.h"
#include "tests/rewards/projection_fixture.h"

namespace timebank::rewards {
namespace {

using ::timebank::rewards::v1::RecognitionNotice;

// "awarded first-hour-given", "withdrawn ...", "streak 4", "thanks 12".
std::string Describe(const RecognitionNotice& n) {
  if (n.has_badge_awarded()) return "awarded " + n.badge_awarded().badge_id();
  if (n.has_badge_withdrawn()) return "withdrawn " + n.badge_withdrawn().badge_id();
  if (n.has_streak_milestone()) return absl::StrCat("streak ", n.streak_milestone().weeks());
  if (n.has_thanks_received()) return absl::StrCat("thanks ", n.thanks_received().note_id());
  return "?";
}

class NoticeLogTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(projection_.Open().ok()); }
  absl::Status ApplyAll() { return projection_.Apply(journal_.entries()); }

  // Every committed notice of kC (member 0: all), read in batches as a stream would.
  std::vector<RecognitionNotice> NoticesOf(uint64_t member, uint64_t after_seq = 0) {
    std::vector<RecognitionNotice> out;
    for (;;) {
      absl::StatusOr<std::vector<RecognitionNotice>> batch =
          projection_.notices()->Read(kC, member, after_seq, 2);
      EXPECT_TRUE(batch.ok()) << batch.status();
      if (!batch.ok() || batch->empty()) return out;
      after_seq = batch->back().seq();
      out.insert(out.end(), batch->begin(), batch->end());
    }
  }
  std::vector<std::string> Described(uint64_t member) {
    std::vector<std::string> out;
    for (const RecognitionNotice& n : NoticesOf(member)) out.push_back(Describe(n));
    return out;
  }

  storage::MemStore store_{1};
  ZonePeople people_;
  RewardsProjection projection_{&store_, &people_};
  Journal journal_;
};

TEST_F(NoticeLogTest, AnAwardIsNoticedOnceAtTheRecordingTimeEvenWhenEntriesAreResent) {
  journal_.Exchange(1, 2, 60, 3);
  ASSERT_TRUE(ApplyAll().ok());
  journal_.Exchange(1, 3, 90, 4);
  ASSERT_TRUE(ApplyAll().ok());  // the first entry is resent and skipped
  const std::vector<RecognitionNotice> ones = NoticesOf(1);
  ASSERT_EQ(ones.size(), 1u);
  EXPECT_EQ(Describe(ones[0]), "awarded first-hour-given");
  EXPECT_EQ(ones[0].badge_awarded().name(), "First hour given");
  EXPECT_EQ(ones[0].member_id(), 1u);
  EXPECT_EQ(ones[0].community_id(), kC);
  EXPECT_EQ(FromTimestamp(ones[0].at()), absl::ToUnixNanos(InWeek(3) + absl::Hours(1)));
  EXPECT_EQ(Described(2), (std::vector<std::string>{"awarded first-hour-received"}));
  EXPECT_EQ(Described(3), (std::vector<std::string>{"awarded first-hour-received"}));
  // The community's log holds all three, numbered 1, 2, 3 in the order made.
  const std::vector<RecognitionNotice> all = NoticesOf(0);
  ASSERT_EQ(all.size(), 3u);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].seq(), i + 1);
  // from_seq resumes after the seq given, for a member and for the community.
  EXPECT_EQ(NoticesOf(0, 2).size(), 1u);
  EXPECT_TRUE(NoticesOf(1, ones[0].seq()).empty());
}

TEST_F(NoticeLogTest, AReversalNoticesTheWithdrawalAndEarningAgainNoticesTheAwardAgain) {
  const std::string id = journal_.Exchange(1, 2, 60, 0);
  ASSERT_TRUE(ApplyAll().ok());
  journal_.Reverse(id);
  ASSERT_TRUE(ApplyAll().ok());
  journal_.Exchange(1, 2, 75, 61);
  ASSERT_TRUE(ApplyAll().ok());
  EXPECT_EQ(Described(1),
            (std::vector<std::string>{"awarded first-hour-given", "withdrawn first-hour-given",
                                      "awarded first-hour-given"}));
  const std::vector<RecognitionNotice> ones = NoticesOf(1);
  EXPECT_EQ(ones[1].badge_withdrawn().name(), "First hour given");
  EXPECT_EQ(FromTimestamp(ones[1].at()), absl::ToUnixNanos(InWeek(60)));
}

TEST_F(NoticeLogTest, AFourWeekStreakIsNoticedOnceAndNothingIsSaidWhenItEnds) {
  for (int week = 0; week <= 5; ++week) journal_.Contribution(4, 9, 20, week);
  ASSERT_TRUE(ApplyAll().ok());
  // Weeks 0-3 make 4 weeks (the steady badge too); weeks 4 and 5 add nothing to say.
  std::vector<std::string> said = Described(4);
  EXPECT_EQ(std::count(said.begin(), said.end(), "streak 4"), 1);
  EXPECT_EQ(std::count(said.begin(), said.end(), "awarded steady"), 1);
  const size_t before_the_end = said.size();
  // Weeks 6-9 missed: the streak ends. Activity in week 10 starts a new one; the end is
  // not noticed, nor is the new one until it reaches 4 weeks itself.
  journal_.Contribution(4, 9, 20, 10);
  ASSERT_TRUE(ApplyAll().ok());
  said = Described(4);
  EXPECT_EQ(said.size(), before_the_end) << "something was said about the streak ending";
  for (int week = 11; week <= 13; ++week) journal_.Contribution(4, 9, 20, week);
  ASSERT_TRUE(ApplyAll().ok());
  said = Described(4);
  EXPECT_EQ(std::count(said.begin(), said.end(), "streak 4"), 2);  // the new streak's
  for (const RecognitionNotice& n : NoticesOf(4)) {
    if (n.has_streak_milestone()) EXPECT_GT(n.streak_milestone().weeks(), 0);
  }
}

TEST_F(NoticeLogTest, SeqsCountPerCommunityAndContinueAfterARestart) {
  auto append = [&](uint64_t c, uint64_t member) {
    ProjectionTx tx(&store_);
    RecognitionNotice n;
    n.mutable_thanks_received()->set_note_id(member);
    absl::StatusOr<uint64_t> seq = NoticeLog::Append(tx, c, member, InWeek(1), n);
    EXPECT_TRUE(seq.ok()) << seq.status();
    EXPECT_TRUE(tx.Commit(rpb::Cursor()).ok());
    return seq.value_or(0);
  };
  EXPECT_EQ(append(7, 1), 1u);
  EXPECT_EQ(append(7, 2), 2u);
  EXPECT_EQ(append(8, 1), 1u);  // another community starts at 1: no one learns 7's volume
  RewardsProjection reopened(&store_, &people_);
  ASSERT_TRUE(reopened.Open().ok());
  EXPECT_EQ(append(7, 1), 3u);
  absl::StatusOr<std::vector<RecognitionNotice>> of_one = reopened.notices()->Read(7, 1, 0, 10);
  ASSERT_TRUE(of_one.ok());
  ASSERT_EQ(of_one->size(), 2u);
  EXPECT_EQ((*of_one)[0].seq(), 1u);
  EXPECT_EQ((*of_one)[1].seq(), 3u);
  absl::StatusOr<std::vector<RecognitionNotice>> of_eight = reopened.notices()->Read(8, 0, 0, 10);
  ASSERT_TRUE(of_eight.ok());
  ASSERT_EQ(of_eight->size(), 1u);
  EXPECT_EQ((*of_eight)[0].community_id(), 8u);
}

TEST_F(NoticeLogTest, ARebuildInOtherStepsMakesExactlyTheSameNoticesAndDigest) {
  const std::string id = journal_.Exchange(1, 2, 60, 0);
  for (int week = 0; week <= 4; ++week) journal_.Contribution(3, 9, 60, week);
  journal_.Exchange(2, 1, 60, 2);
  journal_.Reverse(id);
  journal_.Exchange(1, 4, 60, 61);
  ASSERT_TRUE(ApplyAll().ok());
  const std::vector<RecognitionNotice> live = NoticesOf(0);
  ASSERT_GE(live.size(), 8u);
  const uint64_t published = projection_.notices()->published();
  absl::StatusOr<ProjectionDigest> before = projection_.Digest();
  ASSERT_TRUE(before.ok());
  ASSERT_TRUE(projection_.Wipe().ok());
  EXPECT_TRUE(NoticesOf(0).empty());
  EXPECT_GT(projection_.notices()->published(), published);  // waiting readers look again
  std::vector<lpb::JournalEntry>& all = journal_.entries();
  for (size_t at = 0; at < all.size(); at += 3) {
    ASSERT_TRUE(
        projection_.Apply({all.begin() + at, all.begin() + std::min(at + 3, all.size())}).ok());
  }
  const std::vector<RecognitionNotice> rebuilt = NoticesOf(0);
  ASSERT_EQ(rebuilt.size(), live.size());
  for (size_t i = 0; i < live.size(); ++i) {
    EXPECT_EQ(rebuilt[i].SerializeAsString(), live[i].SerializeAsString()) << i;
  }
  absl::StatusOr<ProjectionDigest> after = projection_.Digest();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->digest_hex, before->digest_hex);
}

TEST_F(NoticeLogTest, AWaitingReaderIsWokenByTheNextCommittedStep) {
  const uint64_t seen = projection_.notices()->published();
  EXPECT_FALSE(projection_.notices()->AwaitPublished(seen, absl::Milliseconds(10)));
  journal_.Exchange(1, 2, 60, 0);
  ASSERT_TRUE(ApplyAll().ok());
  EXPECT_TRUE(projection_.notices()->AwaitPublished(seen, absl::Milliseconds(10)));
}

}  // namespace
}  // namespace timebank::rewards
