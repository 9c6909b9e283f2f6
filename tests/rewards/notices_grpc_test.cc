// Recognition notices through gRPC on a full node: they stream to their member or a
// coordinator, resume after a seq and follow new ones; a following stream ends when the
// server stops; a caller may keep only a few following streams open.
#include <algorithm>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "services/rewards/notice_desk.h"
#include "tests/rewards/rewards_grpc_fixture.h"

namespace timebank::rewards_grpc_test {
namespace {

// The badge ids of `notices` awarded, in order.
std::vector<std::string> Awarded(const std::vector<rpb::RecognitionNotice>& notices) {
  std::vector<std::string> out;
  for (const rpb::RecognitionNotice& n : notices) {
    if (n.has_badge_awarded()) out.push_back(n.badge_awarded().badge_id());
  }
  return out;
}

TEST_F(RewardsGrpcTest, NoticesStreamToTheirMemberOrACoordinatorResumeAndFollow) {
  MakeCommunity();
  const uint64_t last = Exchange(ana_, ben_, 60);
  ASSERT_TRUE(node_->rewards_follower()->AwaitSeq(last, absl::Seconds(10)));
  std::vector<rpb::RecognitionNotice> mine;
  grpc::Status s = WatchNotices(ana_, 0, 0, 0, &mine);  // "mine"
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(Awarded(mine), (std::vector<std::string>{"first-hour-given"}));
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].member_id(), ana_.subject_id());
  EXPECT_EQ(mine[0].badge_awarded().name(), "First hour given");
  std::vector<rpb::RecognitionNotice> after;
  ASSERT_TRUE(WatchNotices(ana_, community_, ana_.subject_id(), mine[0].seq(), &after).ok());
  EXPECT_TRUE(after.empty());
  // The coordinator sees the whole community's; nobody else may.
  std::vector<rpb::RecognitionNotice> all;
  ASSERT_TRUE(WatchNotices(coo_, community_, 0, 0, &all).ok());
  EXPECT_EQ(all.size(), 2u);
  std::vector<rpb::RecognitionNotice> refused;
  EXPECT_EQ(WatchNotices(ben_, community_, ana_.subject_id(), 0, &refused).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(WatchNotices(ben_, community_, 0, 0, &refused).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(WatchNotices(coo_, community_, 999'999, 0, &refused).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(refused.empty());

  // Following: what Ana earns next arrives on the open stream.
  rpb::WatchRecognitionRequest req;
  req.set_from_seq(all.back().seq());
  req.set_follow(true);
  grpc::ClientContext ctx;
  std::unique_ptr<grpc::ClientReader<rpb::RecognitionNotice>> reader =
      OpenNotices(&ctx, ana_, req, std::chrono::seconds(20));
  std::future<std::vector<std::string>> followed = std::async(std::launch::async, [&] {
    std::vector<rpb::RecognitionNotice> got;
    rpb::RecognitionNotice n;
    // first-hour-received and two-way-street, in either order.
    while (got.size() < 2 && reader->Read(&n)) got.push_back(n);
    return Awarded(got);
  });
  absl::SleepFor(absl::Milliseconds(200));  // the stream is open and waiting
  Exchange(ben_, ana_, 60);
  ASSERT_EQ(followed.wait_for(std::chrono::seconds(15)), std::future_status::ready);
  std::vector<std::string> got = followed.get();
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"first-hour-received", "two-way-street"}));
  ctx.TryCancel();
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);

  // A following stream ends when the server stops (it does not hold the shutdown up).
  grpc::ClientContext stopping;
  std::unique_ptr<grpc::ClientReader<rpb::RecognitionNotice>> open =
      OpenNotices(&stopping, ana_, req, std::chrono::seconds(30));
  absl::SleepFor(absl::Milliseconds(200));
  const absl::Time stop_began = absl::Now();
  node_->Shutdown();
  rpb::RecognitionNotice n;
  while (open->Read(&n)) {
  }
  EXPECT_FALSE(open->Finish().ok());
  EXPECT_LT(absl::Now() - stop_began, absl::Seconds(10));
}

// A following stream holds a server thread: a caller may keep only a few open at once,
// and one closed makes room again.
TEST_F(RewardsGrpcTest, ACallerMayKeepOnlyAFewFollowingNoticeStreamsOpen) {
  MakeCommunity();
  struct Open {
    grpc::ClientContext ctx;
    std::unique_ptr<grpc::ClientReader<rpb::RecognitionNotice>> reader;
  };
  auto follow = [&](Open* o) {
    rpb::WatchRecognitionRequest req;
    req.set_follow(true);
    o->reader = OpenNotices(&o->ctx, ana_, req, std::chrono::seconds(20));
    // The server has taken the stream once its headers arrive.
    o->reader->WaitForInitialMetadata();
  };
  std::vector<std::unique_ptr<Open>> open;
  for (int i = 0; i < rewards::NoticeDesk::kFollowingPerCallerMax; ++i) {
    open.push_back(std::make_unique<Open>());
    follow(open.back().get());
  }
  Open extra;
  follow(&extra);
  rpb::RecognitionNotice n;
  EXPECT_FALSE(extra.reader->Read(&n));
  const grpc::Status refused = extra.reader->Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << refused.error_message();
  EXPECT_EQ(refused.error_message().rfind("follow: ", 0), 0u) << refused.error_message();
  // Another member is not affected; without follow nobody is limited.
  std::vector<rpb::RecognitionNotice> bens;
  EXPECT_TRUE(WatchNotices(ben_, 0, 0, 0, &bens).ok());
  // One closed makes room for another.
  open.back()->ctx.TryCancel();
  (void)open.back()->reader->Finish();
  open.pop_back();
  grpc::Status again;
  for (int attempt = 0; attempt < 50; ++attempt) {
    Open retry;
    follow(&retry);
    retry.ctx.TryCancel();
    again = retry.reader->Finish();
    if (again.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) break;
    absl::SleepFor(absl::Milliseconds(100));  // the server notices the cancel within 500 ms
  }
  EXPECT_NE(again.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << again.error_message();
  for (auto& o : open) {
    o->ctx.TryCancel();
    (void)o->reader->Finish();
  }
}

}  // namespace
}  // namespace timebank::rewards_grpc_test
