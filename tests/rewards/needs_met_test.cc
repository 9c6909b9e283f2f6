// Needs met, folded from hand-made activity events: requests posted and answered, offers
// and requests open at each period's end, a request answered once (by its first
// confirmed exchange, in that exchange's week), an answer taken back when its exchange
// is reversed, events applied exactly once with their cursor, and a rebuild that
// replays them to the same digest.
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/common/clock.h"
#include "services/common/timestamps.h"
#include "services/rewards/analysis/weeks.h"
#include "services/rewards/annotations.h"
#include "services/rewards/projection.h"
#include "services/rewards/rewards_book.h"
#include "services/rewards/rewards_records.h"
#include "storage/mem_store.h"
#include "tests/rewards/projection_fixture.h"

namespace timebank::rewards {
namespace {

namespace apb = ::timebank::activity::v1;
namespace xpb = ::timebank::rewards::v1;

// The activity service's event log, as WatchActivity sends it.
class EventLog {
 public:
  // Member `member` posted `kind` in week `week`.
  uint64_t Post(apb::PostKind kind, int week, uint64_t member = 1) {
    apb::Post p;
    p.set_community_id(kC);
    p.set_id(++posts_);
    p.set_member_id(member);
    p.set_kind(kind);
    p.mutable_created_at()->set_seconds(absl::ToUnixSeconds(InWeek(week)));
    AddPost(p, InWeek(week));
    open_[p.id()] = p;
    return p.id();
  }
  void Close(uint64_t post, int week) {
    open_[post].set_closed(true);
    AddPost(open_[post], InWeek(week));
  }
  // An exchange answering `post` that happened in week `week`, in `state`.
  apb::Activity Exchange(uint64_t post, int week, apb::ActivityState state) {
    apb::Activity a;
    a.set_community_id(kC);
    a.set_id(++activities_);
    a.set_kind(apb::ACTIVITY_KIND_EXCHANGE);
    a.set_provider_member_id(2);
    a.set_receiver_member_id(1);
    a.set_minutes(60);
    a.set_post_id(post);
    a.set_state(state);
    ToTimestamp(absl::ToUnixNanos(InWeek(week)), a.mutable_occurred_at());
    Change(a);
    return a;
  }
  void Change(const apb::Activity& a) {
    apb::ActivityEvent& e = events_.emplace_back();
    e.set_seq(events_.size());
    *e.mutable_activity() = a;
  }
  std::vector<apb::ActivityEvent>& events() { return events_; }

 private:
  void AddPost(const apb::Post& p, absl::Time at) {
    apb::ActivityEvent& e = events_.emplace_back();
    e.set_seq(events_.size());
    *e.mutable_post() = p;
    ToTimestamp(absl::ToUnixNanos(at), e.mutable_changed_at());
  }
  std::vector<apb::ActivityEvent> events_;
  std::map<uint64_t, apb::Post> open_;
  uint64_t posts_ = 0;
  uint64_t activities_ = 0;
};

class NeedsMetTest : public ::testing::Test {
 protected:
  static absl::TimeZone London() {
    absl::TimeZone tz;
    EXPECT_TRUE(absl::LoadTimeZone("Europe/London", &tz));
    return tz;
  }
  rpb::CommunityBucket Week(int week) {
    rpb::CommunityBucket b;
    std::string bytes;
    auto found =
        store_.Get(kRecords, GroupBucketKey(kC, 0, Grain::kWeek, WeekIndex(InWeek(week), London())),
                   &bytes, nullptr);
    EXPECT_TRUE(found.ok());
    if (found.ok() && *found) EXPECT_TRUE(b.ParseFromString(bytes));
    return b;
  }
  // The weekly dashboard of weeks 0..`last` as the service answers it, asked in week `last`.
  xpb::Dashboard Dashboard(int last) {
    clock_.Set(InWeek(last));
    xpb::GetDashboardRequest req;
    req.set_community_id(kC);
    req.set_granularity(xpb::GRANULARITY_WEEK);
    ToTimestamp(absl::ToUnixNanos(InWeek(0) - absl::Hours(1)), req.mutable_from());
    absl::StatusOr<xpb::Dashboard> d = book_.Dashboard(req);
    EXPECT_TRUE(d.ok()) << d.status();
    return d.ok() ? *d : xpb::Dashboard();
  }
  const xpb::Series* SeriesNamed(const xpb::Dashboard& d, const std::string& name) {
    for (const xpb::Series& s : d.series()) {
      if (s.name() == name) return &s;
    }
    ADD_FAILURE() << "no series " << name;
    return nullptr;
  }
  std::string Digest() {
    absl::StatusOr<ProjectionDigest> d = projection_.Digest();
    EXPECT_TRUE(d.ok()) << d.status();
    return d.ok() ? d->digest_hex : "";
  }

  storage::MemStore store_{1};
  ZonePeople people_;
  RewardsProjection projection_{&store_, &people_};
  FakeClock clock_;
  AnnotationBook annotations_{&store_, &people_, &clock_};
  RewardsBook book_{&projection_, &annotations_, &people_, &clock_};
  EventLog log_;
};

TEST_F(NeedsMetTest, RequestsPostedAndAnsweredCountInTheirWeeksAndOpenPostsAtEachWeeksEnd) {
  const uint64_t request = log_.Post(apb::POST_KIND_REQUEST, 1);
  const uint64_t offer = log_.Post(apb::POST_KIND_OFFER, 1);
  log_.Post(apb::POST_KIND_REQUEST, 2);  // never answered, never closed
  // Proposed first: not an answer yet; confirmed in week 3, it is.
  apb::Activity a = log_.Exchange(request, 3, apb::ACTIVITY_STATE_PROPOSED);
  a.set_state(apb::ACTIVITY_STATE_CONFIRMED);
  log_.Change(a);
  a.set_posting_state(apb::POSTING_STATE_POSTED);  // its posting: the same answer
  log_.Change(a);
  log_.Exchange(request, 4, apb::ACTIVITY_STATE_CONFIRMED);  // answered already
  log_.Exchange(offer, 4, apb::ACTIVITY_STATE_CONFIRMED);    // offers are not needs
  log_.Close(request, 4);
  log_.Close(request, 5);  // closing again changes nothing
  log_.Close(offer, 5);
  ASSERT_TRUE(projection_.ApplyActivity(log_.events()).ok());
  EXPECT_EQ(projection_.activity_seq(), log_.events().size());

  EXPECT_EQ(Week(1).requests_posted(), 1);
  EXPECT_EQ(Week(1).offers_opened(), 1);
  EXPECT_EQ(Week(2).requests_posted(), 1);
  EXPECT_EQ(Week(3).requests_answered(), 1);
  EXPECT_EQ(Week(4).requests_answered(), 0);
  EXPECT_EQ(Week(4).requests_closed(), 1);
  EXPECT_EQ(Week(5).offers_closed(), 1);
  EXPECT_EQ(Week(5).requests_closed(), 0);

  const xpb::Dashboard d = Dashboard(6);
  ASSERT_EQ(d.periods_size(), 7);  // weeks 0..6
  const std::vector<int> posted = {0, 1, 1, 0, 0, 0, 0};
  const std::vector<int> answered = {0, 0, 0, 1, 0, 0, 0};
  const std::vector<int> open_offers = {0, 1, 1, 1, 1, 0, 0};
  const std::vector<int> open_requests = {0, 1, 2, 2, 1, 1, 1};
  for (int i = 0; i < d.periods_size(); ++i) {
    SCOPED_TRACE(d.periods(i).start());
    EXPECT_EQ(d.periods(i).requests_posted(), posted[i]);
    EXPECT_EQ(d.periods(i).requests_answered(), answered[i]);
    EXPECT_EQ(d.periods(i).open_offers(), open_offers[i]);
    EXPECT_EQ(d.periods(i).open_requests(), open_requests[i]);
  }
  // Each is a series with its analysis, like every other figure.
  const xpb::Series* s = SeriesNamed(d, "open_requests");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(std::vector<double>(s->values().begin(), s->values().end()),
            std::vector<double>(open_requests.begin(), open_requests.end()));
  EXPECT_TRUE(s->run_chart().not_enough_points());
  for (const char* name : {"requests_posted", "requests_answered", "open_offers"}) {
    EXPECT_NE(SeriesNamed(d, name), nullptr);
  }

  // A period starting later still knows what was open before it.
  clock_.Set(InWeek(6));
  xpb::GetDashboardRequest later;
  later.set_community_id(kC);
  later.set_granularity(xpb::GRANULARITY_WEEK);
  ToTimestamp(absl::ToUnixNanos(InWeek(3) - absl::Hours(1)), later.mutable_from());
  ToTimestamp(absl::ToUnixNanos(InWeek(4) + absl::Hours(1)), later.mutable_until());
  absl::StatusOr<xpb::Dashboard> part = book_.Dashboard(later);
  ASSERT_TRUE(part.ok()) << part.status();
  ASSERT_EQ(part->periods_size(), 2);
  EXPECT_EQ(part->periods(0).open_requests(), 2);
  EXPECT_EQ(part->periods(1).open_requests(), 1);
  EXPECT_EQ(part->periods(1).open_offers(), 1);
}

TEST_F(NeedsMetTest, AReversedAnswerIsTakenBackAndALaterExchangeAnswersAgain) {
  const uint64_t request = log_.Post(apb::POST_KIND_REQUEST, 0);
  apb::Activity first = log_.Exchange(request, 1, apb::ACTIVITY_STATE_CONFIRMED);
  apb::Activity other = log_.Exchange(request, 2, apb::ACTIVITY_STATE_PROPOSED);
  other.set_state(apb::ACTIVITY_STATE_REVERSED);  // never the answer: changes nothing
  log_.Change(other);
  ASSERT_TRUE(projection_.ApplyActivity(log_.events()).ok());
  EXPECT_EQ(Week(1).requests_answered(), 1);
  first.set_state(apb::ACTIVITY_STATE_REVERSED);
  log_.Change(first);
  ASSERT_TRUE(projection_.ApplyActivity(log_.events()).ok());
  EXPECT_EQ(Week(1).requests_answered(), 0);
  log_.Exchange(request, 3, apb::ACTIVITY_STATE_CONFIRMED);
  ASSERT_TRUE(projection_.ApplyActivity(log_.events()).ok());
  EXPECT_EQ(Week(1).requests_answered(), 0);
  EXPECT_EQ(Week(3).requests_answered(), 1);
  EXPECT_EQ(Week(0).requests_posted(), 1);
}

TEST_F(NeedsMetTest, EventsCountOnceWithTheirCursorAndAGapWritesNothing) {
  log_.Post(apb::POST_KIND_REQUEST, 1);
  log_.Post(apb::POST_KIND_OFFER, 1);
  ASSERT_TRUE(projection_.ApplyActivity(log_.events()).ok());
  ASSERT_TRUE(projection_.ApplyActivity(log_.events()).ok());  // resent after a reconnect
  EXPECT_EQ(Week(1).requests_posted(), 1);
  EXPECT_EQ(Week(1).offers_opened(), 1);
  const std::string before = Digest();
  log_.Post(apb::POST_KIND_REQUEST, 2);
  log_.Post(apb::POST_KIND_REQUEST, 2);
  std::vector<apb::ActivityEvent> gap = {log_.events().back()};
  EXPECT_EQ(projection_.ApplyActivity(gap).code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Digest(), before);
  EXPECT_EQ(projection_.activity_seq(), 2u);
  // The cursor survives reopening; the journal's position in it is untouched.
  RewardsProjection reopened(&store_, &people_);
  ASSERT_TRUE(reopened.Open().ok());
  EXPECT_EQ(reopened.activity_seq(), 2u);
  EXPECT_EQ(reopened.journal_seq(), 0u);
  ASSERT_TRUE(reopened.ApplyActivity(log_.events()).ok());
  EXPECT_EQ(Week(2).requests_posted(), 2);
}

TEST_F(NeedsMetTest, ARebuildReplaysTheEventsToTheSameDigest) {
  Journal journal;
  journal.Exchange(1, 2, 30, 3);
  ASSERT_TRUE(projection_.Apply(journal.entries()).ok());
  const uint64_t request = log_.Post(apb::POST_KIND_REQUEST, 3);
  log_.Exchange(request, 3, apb::ACTIVITY_STATE_CONFIRMED);
  log_.Close(request, 4);
  ASSERT_TRUE(projection_.ApplyActivity(log_.events()).ok());
  const std::string live = Digest();
  ASSERT_TRUE(projection_.Wipe().ok());
  EXPECT_EQ(projection_.activity_seq(), 0u);
  EXPECT_EQ(Week(3).requests_posted(), 0);
  // The two streams replay in another interleaving: the sums are the same.
  ASSERT_TRUE(projection_.ApplyActivity(log_.events()).ok());
  ASSERT_TRUE(projection_.Apply(journal.entries()).ok());
  EXPECT_EQ(Digest(), live);
  EXPECT_EQ(Week(3).requests_answered(), 1);
  EXPECT_EQ(Week(3).minutes_given(), 30);
}

TEST_F(NeedsMetTest, PostsFromBeforeEventsAndUnknownPostsCountNothing) {
  // A post first met closed was never counted open: its closing counts nothing.
  apb::ActivityEvent closed;
  closed.set_seq(1);
  closed.mutable_post()->set_community_id(kC);
  closed.mutable_post()->set_id(40);
  closed.mutable_post()->set_kind(apb::POST_KIND_REQUEST);
  closed.mutable_post()->set_closed(true);
  ToTimestamp(absl::ToUnixNanos(InWeek(2)), closed.mutable_changed_at());
  apb::ActivityEvent answer;
  answer.set_seq(2);
  answer.mutable_activity()->set_community_id(kC);
  answer.mutable_activity()->set_id(9);
  answer.mutable_activity()->set_kind(apb::ACTIVITY_KIND_EXCHANGE);
  answer.mutable_activity()->set_state(apb::ACTIVITY_STATE_CONFIRMED);
  answer.mutable_activity()->set_post_id(41);  // a post never seen
  ToTimestamp(absl::ToUnixNanos(InWeek(2)), answer.mutable_activity()->mutable_occurred_at());
  ASSERT_TRUE(projection_.ApplyActivity({closed, answer}).ok());
  const rpb::CommunityBucket w = Week(2);
  EXPECT_EQ(w.requests_closed(), 0);
  EXPECT_EQ(w.requests_answered(), 0);
  const xpb::Dashboard d = Dashboard(3);
  for (const auto& p : d.periods()) EXPECT_EQ(p.open_requests(), 0) << p.start();
}

}  // namespace
}  // namespace timebank::rewards
