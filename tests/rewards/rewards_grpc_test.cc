// The rewards service from outside, through gRPC on a full node: transfers posted to
// the ledger reach a member's summary and the community's dashboard; members see only
// their own summary; a rebuild from the journal gives the same digest; a restarted
// node resumes from its cursor without counting anything twice; the leaderboard shows
// only members who consented, and only the community's own; badges are listed and
// hidden, and badge rules replaced only when valid; a streak is paused by its member or
// a coordinator, and the pause outlives a rebuild. Thank-you notes, recognition notices
// and a member's data are in thanks_grpc_test.cc, notices_grpc_test.cc and
// member_data_grpc_test.cc.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "services/common/timestamps.h"
#include "tests/rewards/rewards_grpc_fixture.h"

namespace timebank::rewards_grpc_test {
namespace {

TEST_F(RewardsGrpcTest, AnExchangeReachesBothSummariesAndTheDashboard) {
  MakeCommunity();
  Exchange(ana_, ben_, 90);
  const uint64_t last = Exchange(ben_, ana_, 30);
  ASSERT_TRUE(node_->rewards_follower()->AwaitSeq(last, absl::Seconds(10)));

  rpb::MemberSummary me;
  grpc::Status s = Summary(ana_, 0, &me);  // "me"
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(me.member_id(), ana_.subject_id());
  EXPECT_EQ(me.minutes_given(), 90);
  EXPECT_EQ(me.minutes_received(), 30);
  EXPECT_TRUE(me.two_way());
  EXPECT_EQ(me.people_helped(), 1);
  EXPECT_EQ(me.current_streak_weeks(), 1);
  ASSERT_EQ(me.recent_size(), 3);
  EXPECT_EQ(me.recent(0).weeks(), 4);
  EXPECT_EQ(me.recent(0).minutes_given(), 90);
  EXPECT_GE(me.as_of_journal_seq(), last);

  rpb::GetDashboardRequest dreq;
  dreq.set_community_id(community_);
  dreq.set_granularity(rpb::GRANULARITY_WEEK);
  rpb::Dashboard dash;
  s = CallRewards(&rpb::RewardsService::Stub::GetDashboard, node_->TokenFor(ben_), dreq, &dash);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(dash.periods_size(), 26);
  const rpb::DashboardPeriod& now = dash.periods(25);
  EXPECT_EQ(now.active_members(), 2);
  EXPECT_EQ(now.both(), 2);
  EXPECT_DOUBLE_EQ(now.reciprocity_rate(), 1.0);
  EXPECT_EQ(now.minutes_given(), 120);
  ASSERT_FALSE(dash.series().empty());
  EXPECT_TRUE(dash.series(0).run_chart().not_enough_points());  // one week with activity
}

// Issue 13 item 3: needs met, from the noticeboard through the activity service's
// events: requests posted and answered by an exchange, open offers and requests; a
// rebuild replays the events to the same digest.
TEST_F(RewardsGrpcTest, RequestsPostedAndAnsweredReachTheDashboardAndSurviveARebuild) {
  MakeCommunity();
  const uint64_t lift = Post(ana_, apb::POST_KIND_REQUEST, "A lift to the clinic");
  const uint64_t shelf = Post(ana_, apb::POST_KIND_REQUEST, "Put up a shelf");
  Post(ben_, apb::POST_KIND_OFFER, "Dog walking");
  apb::RecordExchangeRequest ex;
  ex.set_community_id(community_);
  ex.set_provider_member_id(ben_.subject_id());
  ex.set_receiver_member_id(ana_.subject_id());
  ex.set_minutes(45);
  ToTimestamp(absl::ToUnixNanos(absl::Now() - absl::Minutes(5)), ex.mutable_occurred_at());
  ex.set_description("drove Ana");
  ex.set_post_id(lift);
  apb::Activity recorded;
  grpc::Status s = CallWithToken(activity_.get(), &apb::ActivityService::Stub::RecordExchange,
                                 node_->TokenFor(ben_), ex, &recorded);
  ASSERT_TRUE(s.ok()) << s.error_message();
  // Proposed only: not an answer yet.
  rpb::DashboardPeriod week = ThisWeekOnce([](const rpb::DashboardPeriod& p) {
    return p.requests_posted() == 2 && p.open_offers() == 1;
  });
  ExpectNeedsMet(week, /*requests_posted=*/2, /*requests_answered=*/0, /*open_requests=*/2,
                 /*open_offers=*/1);

  apb::RespondToExchangeRequest yes;
  yes.set_community_id(community_);
  yes.set_activity_id(recorded.id());
  yes.set_response(apb::RespondToExchangeRequest::RESPONSE_CONFIRM);
  apb::Activity confirmed;
  s = CallWithToken(activity_.get(), &apb::ActivityService::Stub::RespondToExchange,
                    node_->TokenFor(ana_), yes, &confirmed);
  ASSERT_TRUE(s.ok()) << s.error_message();
  apb::ClosePostRequest close;
  close.set_community_id(community_);
  close.set_post_id(shelf);
  apb::Post closed;
  s = CallWithToken(activity_.get(), &apb::ActivityService::Stub::ClosePost, node_->TokenFor(ana_),
                    close, &closed);
  ASSERT_TRUE(s.ok()) << s.error_message();
  week = ThisWeekOnce([](const rpb::DashboardPeriod& p) {
    return p.requests_answered() == 1 && p.open_requests() == 1;
  });
  ExpectNeedsMet(week, /*requests_posted=*/2, /*requests_answered=*/1, /*open_requests=*/1,
                 /*open_offers=*/1);

  // The confirmed exchange reaches the ledger, then the projection, too.
  rpb::MemberSummary ana;
  for (int attempt = 0; attempt < 500 && ana.minutes_received() != 45; ++attempt) {
    ASSERT_TRUE(Summary(ana_, 0, &ana).ok());
    if (ana.minutes_received() != 45) absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_EQ(ana.minutes_received(), 45);
  const rpb::ProjectionStatus live = Status();
  rpb::ProjectionStatus rebuilt;
  s = Rebuild(&rebuilt);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(rebuilt.digest_hex(), live.digest_hex());
  week = ThisWeekOnce([](const rpb::DashboardPeriod&) { return true; });
  EXPECT_EQ(week.requests_answered(), 1);
  EXPECT_EQ(week.open_requests(), 1);

  // A restarted node resumes from the activity cursor: nothing counted twice.
  node_->Shutdown();
  node_.reset();
  ASSERT_NO_FATAL_FAILURE(Start());
  Post(ben_, apb::POST_KIND_REQUEST, "Help with a form");
  week = ThisWeekOnce([](const rpb::DashboardPeriod& p) { return p.requests_posted() >= 3; });
  ExpectNeedsMet(week, /*requests_posted=*/3, /*requests_answered=*/1, /*open_requests=*/2,
                 /*open_offers=*/1);
}

TEST_F(RewardsGrpcTest, AMemberSeesOnlyTheirOwnSummaryAndACoordinatorSeesAnyone) {
  MakeCommunity();
  rpb::MemberSummary out;
  EXPECT_EQ(Summary(ana_, ben_.subject_id(), &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(Summary(coo_, ben_.subject_id(), &out).ok());
  EXPECT_EQ(Summary(coo_, 999'999, &out).error_code(), grpc::StatusCode::NOT_FOUND);
  rpb::GetDashboardRequest bad;
  bad.set_community_id(community_);
  rpb::Dashboard dash;
  grpc::Status s =
      CallRewards(&rpb::RewardsService::Stub::GetDashboard, node_->TokenFor(ana_), bad, &dash);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message().rfind("granularity: ", 0), 0u) << s.error_message();
}

TEST_F(RewardsGrpcTest, ARebuildAndARestartGiveTheSameProjection) {
  MakeCommunity();
  uint64_t last = 0;
  // The first ten are activities; between the two halves their receivers thank for
  // two of them (recognition events logged mid-journal, which a rebuild replays there).
  for (int i = 0; i < 20; ++i) {
    if (i == 10) {
      ASSERT_TRUE(node_->rewards_follower()->AwaitSeq(last, absl::Seconds(10)));
      for (uint64_t activity : {100, 101}) {
        rpb::ThankYouNote note;
        grpc::Status s = LeaveThanks(activity == 100 ? ana_ : ben_, activity,
                                     absl::StrCat("thanks for ", activity), &note);
        ASSERT_TRUE(s.ok()) << s.error_message();
      }
    }
    last = Exchange(i % 2 ? ana_ : ben_, i % 2 ? ben_ : ana_, 15 + i, i < 10 ? 100 + i : 0);
  }
  ASSERT_TRUE(node_->rewards_follower()->AwaitSeq(last, absl::Seconds(10)));
  const rpb::ProjectionStatus live = Status();
  EXPECT_GT(live.records(), 0u);

  rpb::ProjectionStatus rebuilt;
  grpc::Status s = Rebuild(&rebuilt);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(rebuilt.digest_hex(), live.digest_hex());
  EXPECT_EQ(rebuilt.journal_seq(), live.journal_seq());

  node_->Shutdown();
  node_.reset();
  ASSERT_NO_FATAL_FAILURE(Start());
  const uint64_t more = Exchange(ana_, ben_, 60);
  ASSERT_TRUE(node_->rewards_follower()->AwaitSeq(more, absl::Seconds(10)));
  rpb::MemberSummary ana;
  ASSERT_TRUE(Summary(ana_, 0, &ana).ok());
  int64_t given = 60;
  for (int i = 0; i < 20; ++i) given += i % 2 ? 15 + i : 0;
  EXPECT_EQ(ana.minutes_given(), given);     // nothing counted twice after the restart
  ASSERT_EQ(ana.thank_you_notes_size(), 1);  // Ben thanked her for activity 101, once
  EXPECT_EQ(ana.thank_you_notes(0).text(), "thanks for 101");
}

TEST_F(RewardsGrpcTest, TheLeaderboardShowsOnlyMembersWhoConsentedAndOnlyOfTheCommunity) {
  MakeCommunity();
  directory::Directory* d = node_->directory();
  const dpb::Principal admin = testing::AddPerson(d, community_, "Admin", {dpb::ROLE_ADMIN});
  SetLeaderboardConsent(ana_, true);  // Ben, who helped more, has not consented
  // Another community whose member consented and helped two people.
  dpb::Community other;
  other.set_name("Hillside");
  other.set_member_credit_limit_minutes(600);
  const uint64_t hillside = d->CreateCommunity(directory::Actor(), other, "").value().id();
  const dpb::Principal hal = testing::AddPerson(d, hillside, "Hal");
  const dpb::Principal ivy = testing::AddPerson(d, hillside, "Ivy");
  const dpb::Principal jo = testing::AddPerson(d, hillside, "Jo");
  SetLeaderboardConsent(hal, true);

  Exchange(ben_, ana_, 60);
  Exchange(ben_, coo_, 60);
  Exchange(ana_, ben_, 15);
  const uint64_t home = community_;
  community_ = hillside;
  Exchange(hal, ivy, 30);
  uint64_t last = Exchange(hal, jo, 30);
  community_ = home;
  ASSERT_TRUE(node_->rewards_follower()->AwaitSeq(last, absl::Seconds(10)));

  for (const dpb::Principal& as : {admin, ben_, ana_}) {
    rpb::ListLeaderboardResponse out;
    grpc::Status s = Leaderboard(as, community_, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(out.entries_size(), 1) << out.ShortDebugString();
    EXPECT_EQ(out.entries(0).member_id(), ana_.subject_id());
    EXPECT_EQ(out.entries(0).display_name(), "Ana");
    EXPECT_EQ(out.entries(0).people_helped(), 1);
    EXPECT_EQ(out.entries(0).weeks_active(), 1);
    EXPECT_EQ(out.next_page_token(), "");
  }
  // Withdrawn consent takes effect at once; another community's board is refused.
  SetLeaderboardConsent(ana_, false);
  rpb::ListLeaderboardResponse out;
  ASSERT_TRUE(Leaderboard(admin, community_, &out).ok());
  EXPECT_EQ(out.entries_size(), 0) << out.ShortDebugString();
  grpc::Status s = Leaderboard(admin, hillside, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Leaderboard(ivy, hillside, &out).ok());
  ASSERT_EQ(out.entries_size(), 1);
  EXPECT_EQ(out.entries(0).member_id(), hal.subject_id());
  EXPECT_EQ(out.entries(0).people_helped(), 2);
}

TEST_F(RewardsGrpcTest, BadgesAreListedHiddenFromOthersAndRulesAreReplacedOnlyWhenValid) {
  MakeCommunity();
  const dpb::Principal admin =
      testing::AddPerson(node_->directory(), community_, "Admin", {dpb::ROLE_ADMIN});
  ASSERT_TRUE(node_->rewards_follower()->AwaitSeq(Exchange(ana_, ben_, 60), absl::Seconds(10)));
  auto list = [&](const dpb::Principal& as, uint64_t member, rpb::ListBadgesResponse* out) {
    rpb::ListBadgesRequest req;
    NameMember(member, &req);
    return CallRewards(&rpb::RewardsService::Stub::ListBadges, node_->TokenFor(as), req, out);
  };
  rpb::ListBadgesResponse mine;
  ASSERT_TRUE(list(ana_, 0, &mine).ok());
  ASSERT_EQ(mine.badges_size(), 1);
  EXPECT_EQ(mine.badges(0).badge_id(), "first-hour-given");
  EXPECT_FALSE(mine.badges(0).criteria().empty());  // why it was awarded
  ASSERT_EQ(mine.badges(0).evidence_size(), 1);
  EXPECT_EQ(mine.badges(0).evidence(0).role(), "given");
  // Another member may not look; the coordinator may.
  rpb::ListBadgesResponse seen;
  EXPECT_EQ(list(ben_, ana_.subject_id(), &seen).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(list(coo_, ana_.subject_id(), &seen).ok());
  EXPECT_EQ(seen.badges_size(), 1);
  // Hidden: the coordinator no longer sees it, in the list or the summary; Ana still does.
  rpb::HideBadgeRequest hide;
  hide.set_badge_id("first-hour-given");
  hide.set_hidden(true);
  rpb::EarnedBadge hidden;
  ASSERT_TRUE(
      CallRewards(&rpb::RewardsService::Stub::HideBadge, node_->TokenFor(ana_), hide, &hidden)
          .ok());
  EXPECT_TRUE(hidden.hidden());
  ASSERT_TRUE(list(coo_, ana_.subject_id(), &seen).ok());
  EXPECT_EQ(seen.badges_size(), 0);
  rpb::MemberSummary summary;
  ASSERT_TRUE(Summary(coo_, ana_.subject_id(), &summary).ok());
  EXPECT_EQ(summary.badges_size(), 0);
  ASSERT_TRUE(Summary(ana_, 0, &summary).ok());
  EXPECT_EQ(summary.badges_size(), 1);
  hide.set_badge_id("connector");
  EXPECT_EQ(CallRewards(&rpb::RewardsService::Stub::HideBadge, node_->TokenFor(ana_), hide, &hidden)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);

  // Rules: a bad set is refused naming the rule and field, and changes nothing.
  rpb::GetBadgeRulesRequest get;
  get.set_community_id(community_);
  rpb::BadgeRulesInForce before;
  ASSERT_TRUE(
      CallRewards(&rpb::RewardsService::Stub::GetBadgeRules, node_->TokenFor(ben_), get, &before)
          .ok());
  EXPECT_TRUE(before.defaults());
  rpb::SetBadgeRulesRequest set;
  set.set_community_id(community_);
  *set.mutable_rules() = before.rules();
  set.mutable_rules()->mutable_rules(0)->set_threshold(0);
  rpb::BadgeRulesInForce answer;
  grpc::Status refused =
      CallRewards(&rpb::RewardsService::Stub::SetBadgeRules, node_->TokenFor(admin), set, &answer);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(refused.error_message().find("first-hour-given"), std::string::npos)
      << refused.error_message();
  EXPECT_NE(refused.error_message().find("threshold"), std::string::npos);
  // A coordinator may not set rules; an admin may, and validate_only writes nothing.
  *set.mutable_rules() = before.rules();
  for (auto& r : *set.mutable_rules()->mutable_rules()) {
    if (r.id() == "connector") r.set_threshold(1);
  }
  EXPECT_EQ(
      CallRewards(&rpb::RewardsService::Stub::SetBadgeRules, node_->TokenFor(coo_), set, &answer)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  const std::string digest = Status().digest_hex();
  set.set_validate_only(true);
  ASSERT_TRUE(
      CallRewards(&rpb::RewardsService::Stub::SetBadgeRules, node_->TokenFor(admin), set, &answer)
          .ok());
  EXPECT_EQ(Status().digest_hex(), digest);
  set.set_validate_only(false);
  ASSERT_TRUE(
      CallRewards(&rpb::RewardsService::Stub::SetBadgeRules, node_->TokenFor(admin), set, &answer)
          .ok());
  // Ana helped one person: with connector at 1 she is a connector now.
  ASSERT_TRUE(list(ana_, 0, &mine).ok());
  bool connector = false;
  for (const auto& b : mine.badges()) connector |= b.badge_id() == "connector" && !b.withdrawn();
  EXPECT_TRUE(connector);
  // And a rebuild replays the change in place.
  rpb::ProjectionStatus rebuilt;
  const std::string live = Status().digest_hex();
  ASSERT_TRUE(Rebuild(&rebuilt).ok());
  EXPECT_EQ(rebuilt.digest_hex(), live);
}

TEST_F(RewardsGrpcTest, AStreakIsPausedByItsMemberOrACoordinatorAndARebuildKeepsThePause) {
  MakeCommunity();
  const uint64_t last = Exchange(ana_, ben_, 60);
  ASSERT_TRUE(node_->rewards_follower()->AwaitSeq(last, absl::Seconds(10)));
  const std::string next_week =
      absl::FormatTime("%Y-%m-%d", absl::Now() + absl::Hours(24 * 7), absl::UTCTimeZone());
  auto pause = [&](const dpb::Principal& as, uint64_t member, const std::string& starts_on,
                   int weeks, rpb::StreakPause* out) {
    rpb::PauseStreakRequest req;
    NameMember(member, &req);
    req.set_starts_on(starts_on);
    req.set_weeks(weeks);
    return CallRewards(&rpb::RewardsService::Stub::PauseStreak, node_->TokenFor(as), req, out);
  };
  rpb::StreakPause paused;
  grpc::Status s = pause(ana_, 0, next_week, 3, &paused);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(paused.weeks(), 3);
  // Another member may not pause Ana's streak; her coordinator may pause Ben's.
  EXPECT_EQ(pause(ben_, ana_.subject_id(), next_week, 1, &paused).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(pause(coo_, ben_.subject_id(), next_week, 1, &paused).ok());
  EXPECT_EQ(pause(coo_, 999'999, next_week, 1, &paused).error_code(), grpc::StatusCode::NOT_FOUND);
  s = pause(ana_, 0, next_week, 2, &paused);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message().rfind("starts_on: ", 0), 0u) << s.error_message();
  s = pause(ana_, 0, next_week, 13, &paused);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message().rfind("weeks: ", 0), 0u) << s.error_message();
  rpb::MemberSummary ana;
  ASSERT_TRUE(Summary(ana_, 0, &ana).ok());
  ASSERT_EQ(ana.streak_pauses_size(), 1);
  EXPECT_EQ(ana.streak_pauses(0).weeks(), 3);
  EXPECT_EQ(ana.current_streak_weeks(), 1);
  const std::string live = Status().digest_hex();
  rpb::ProjectionStatus rebuilt;
  ASSERT_TRUE(Rebuild(&rebuilt).ok());
  EXPECT_EQ(rebuilt.digest_hex(), live);
  ASSERT_TRUE(Summary(ana_, 0, &ana).ok());
  EXPECT_EQ(ana.streak_pauses_size(), 1);
}

}  // namespace
}  // namespace timebank::rewards_grpc_test
