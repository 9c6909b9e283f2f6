// The rewards projection folded from hand-made journal entries: each kind of transfer,
// reservations, reversals, money ignored, the cursor's exactly-once rule, and a
// randomized history (with reversals) checked against a recomputation from scratch.
#include "services/rewards/projection.h"

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/common/ids.h"
#include "services/common/timestamps.h"
#include "services/rewards/analysis/weeks.h"
#include "services/rewards/badge_book.h"
#include "services/rewards/rewards_records.h"
#include "storage/mem_store.h"
#include "tests/rewards/projection_fixture.h"

namespace timebank::rewards {
namespace {

namespace dpb = ::timebank::directory::v1;
namespace lpb = ::timebank::ledger::v1;

class ProjectionTest : public ::testing::Test {
 protected:
  template <class Msg>
  Msg Read(const std::string& key) {
    Msg m;
    std::string bytes;
    auto found = store_.Get(kRecords, key, &bytes, nullptr);
    EXPECT_TRUE(found.ok());
    if (found.ok() && *found) EXPECT_TRUE(m.ParseFromString(bytes));
    return m;
  }
  rpb::MemberRecord MemberOf(uint64_t m) { return Read<rpb::MemberRecord>(MemberKey(kC, m)); }
  rpb::CommunityBucket Week(int week, uint64_t org = 0) {
    return Read<rpb::CommunityBucket>(
        GroupBucketKey(kC, org, Grain::kWeek, WeekIndex(InWeek(week), London())));
  }
  static absl::TimeZone London() {
    absl::TimeZone tz;
    EXPECT_TRUE(absl::LoadTimeZone("Europe/London", &tz));
    return tz;
  }
  // Every record but the cursor (and those under `skip_tags`), readably (a failure
  // shows which record differs).
  std::string Dump(std::string_view skip_tags = "") {
    std::string out;
    auto it = store_.NewIterator(kRecords, nullptr);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->key() == CursorKey()) continue;
      if (skip_tags.find(it->key()[0]) != std::string_view::npos) continue;
      absl::StrAppend(&out, absl::CHexEscape(std::string(it->key())), " = ",
                      absl::CHexEscape(std::string(it->value())), "\n");
    }
    return out;
  }
  std::string Digest() {
    absl::StatusOr<ProjectionDigest> d = projection_.Digest();
    EXPECT_TRUE(d.ok()) << d.status();
    return d.ok() ? d->digest_hex : "";
  }

  storage::MemStore store_{1};
  ZonePeople people_;
  RewardsProjection projection_{&store_, &people_};
  Journal journal_;
};

TEST_F(ProjectionTest, AnExchangeCountsForBothSidesInItsWeekAndMonth) {
  journal_.Exchange(/*provider=*/1, /*receiver=*/2, 90, /*week=*/3);
  ASSERT_TRUE(projection_.Apply(journal_.entries()).ok());
  EXPECT_EQ(projection_.journal_seq(), 1u);
  const rpb::MemberRecord giver = MemberOf(1), receiver = MemberOf(2);
  EXPECT_EQ(giver.minutes_given(), 90);
  EXPECT_EQ(giver.minutes_received(), 0);
  EXPECT_EQ(giver.people_helped(), 1);
  EXPECT_EQ(receiver.minutes_received(), 90);
  EXPECT_EQ(receiver.helped_by(), 1);
  ASSERT_EQ(giver.star().minutes_size(), kStarTypes);
  EXPECT_EQ(giver.star().minutes(lpb::COPRODUCTION_TYPE_CO_DELIVERY - 1), 90);
  EXPECT_EQ(giver.active_weeks_size(), 1);
  const rpb::CommunityBucket w = Week(3);
  EXPECT_EQ(w.active_members(), 2);
  EXPECT_EQ(w.givers(), 1);
  EXPECT_EQ(w.receivers(), 1);
  EXPECT_EQ(w.both(), 0);
  EXPECT_EQ(w.new_members(), 2);
  EXPECT_EQ(w.minutes_given(), 90);
  const auto month = Read<rpb::CommunityBucket>(
      GroupBucketKey(kC, 0, Grain::kMonth, MonthIndex(InWeek(3), London())));
  EXPECT_EQ(month.minutes_given(), 90);
  EXPECT_EQ(people_.lookups, 1);
}

TEST_F(ProjectionTest, AReversalTakesBackExactlyWhatItsTransferAdded) {
  journal_.Exchange(1, 2, 60, 0);
  ASSERT_TRUE(projection_.Apply(journal_.entries()).ok());
  // Badges keep their history (a withdrawal is recorded, never deleted), and so do the
  // recognition notices of awards and withdrawals: compared below.
  const std::string badge_tags = {kBadgesTag, kEvidenceTag, kNoticeTag, kMemberNoticeTag,
                                  kNoticeCounterTag};
  const std::string records_after_first = Dump(badge_tags);
  const std::string id = journal_.Exchange(2, 1, 30, 4);
  journal_.Reverse(id);
  ASSERT_TRUE(projection_.Apply(journal_.entries()).ok());
  EXPECT_EQ(projection_.journal_seq(), 3u);
  // Every other record as before the reversed transfer.
  EXPECT_EQ(Dump(badge_tags), records_after_first);
  // Both gave and received for a moment: two-way street awarded, then withdrawn.
  for (uint64_t member : {1, 2}) {
    absl::StatusOr<MemberBadges> badges = ReadMemberBadges(&store_, nullptr, kC, member);
    ASSERT_TRUE(badges.ok());
    const BadgeState* two_way = badges->Find("two-way-street");
    ASSERT_NE(two_way, nullptr) << member;
    EXPECT_EQ(two_way->times_awarded, 1u);
    EXPECT_EQ(two_way->times_withdrawn, 1u);
    EXPECT_FALSE(two_way->awarded());
  }
  EXPECT_EQ(Week(4).active_members(), 0);
  EXPECT_EQ(MemberOf(1).minutes_received(), 0);
  EXPECT_EQ(MemberOf(2).people_helped(), 0);
  // The notices: the first hours, then two-way street awarded and withdrawn for each.
  absl::StatusOr<std::vector<v1::RecognitionNotice>> notices =
      projection_.notices()->Read(kC, 0, 0, 16);
  ASSERT_TRUE(notices.ok()) << notices.status();
  std::vector<std::string> said;
  for (const v1::RecognitionNotice& n : *notices) {
    said.push_back(absl::StrCat(
        n.member_id(), n.has_badge_awarded() ? " + " : " - ",
        n.has_badge_awarded() ? n.badge_awarded().badge_id() : n.badge_withdrawn().badge_id()));
  }
  EXPECT_EQ(said, (std::vector<std::string>{"1 + first-hour-given", "2 + first-hour-received",
                                            "2 + two-way-street", "1 + two-way-street",
                                            "2 - two-way-street", "1 - two-way-street"}));
}

TEST_F(ProjectionTest, AReservationCountsOnlyOncePostedAndAVoidCountsNothing) {
  lpb::Transfer held = journal_.Move(lpb::TRANSFER_KIND_EXCHANGE, MemberAccountId(kC, 2),
                                     MemberAccountId(kC, 1), 45, 1);
  held.set_pending(true);
  const std::string held_id = journal_.Add(held).transfer().id();
  ASSERT_TRUE(projection_.Apply(journal_.entries()).ok());
  EXPECT_EQ(MemberOf(1).minutes_given(), 0);
  lpb::Transfer post;
  post.set_id(held_id + ".post");
  post.set_post_pending(true);
  post.set_pending_id(held_id);
  journal_.Add(post);
  lpb::Transfer other = held;
  other.set_id(FormatLedgerId(kC, "x.other"));
  journal_.Add(other);
  lpb::Transfer release;
  release.set_id(FormatLedgerId(kC, "x.other.void"));
  release.set_void_pending(true);
  release.set_pending_id(other.id());
  journal_.Add(release);
  ASSERT_TRUE(projection_.Apply(journal_.entries()).ok());
  EXPECT_EQ(MemberOf(1).minutes_given(), 45);
  EXPECT_EQ(Week(1).minutes_given(), 45);
  journal_.Reverse(held_id + ".post");
  ASSERT_TRUE(projection_.Apply(journal_.entries()).ok());
  EXPECT_EQ(MemberOf(1).minutes_given(), 0);
}

TEST_F(ProjectionTest, MoneyAndAccountsNotOfPeopleAreNotCounted) {
  lpb::Transfer money = journal_.Move(lpb::TRANSFER_KIND_EXCHANGE, MemberAccountId(kC, 2),
                                      MemberAccountId(kC, 1), 500, 0);
  money.set_unit("GBP");
  journal_.Add(money);
  journal_.Add(journal_.Move(lpb::TRANSFER_KIND_EXCHANGE, PersonChosenId(kC, "float"),
                             MemberAccountId(kC, 1), 30, 0));
  journal_.Add(journal_.Move(lpb::TRANSFER_KIND_ADJUSTMENT, MemberAccountId(kC, 2),
                             MemberAccountId(kC, 1), 30, 0));
  ASSERT_TRUE(projection_.Apply(journal_.entries()).ok());
  EXPECT_EQ(projection_.journal_seq(), 3u);
  EXPECT_EQ(MemberOf(1).minutes_given(), 0);
  EXPECT_EQ(Week(0).active_members(), 0);
}

TEST_F(ProjectionTest, DonationsAndRedemptionsAreTotalledButDoNotMakeAMemberActive) {
  journal_.Add(journal_.Move(lpb::TRANSFER_KIND_DONATION, MemberAccountId(kC, 3), PoolAccountId(kC),
                             120, 2));
  journal_.Add(journal_.Move(lpb::TRANSFER_KIND_REDEMPTION, MemberAccountId(kC, 3),
                             OrganisationAccountId(kC, 9), 60, 2));
  ASSERT_TRUE(projection_.Apply(journal_.entries()).ok());
  const rpb::MemberRecord m = MemberOf(3);
  EXPECT_EQ(m.minutes_donated(), 120);
  EXPECT_EQ(m.donations(), 1);
  EXPECT_EQ(m.minutes_redeemed(), 60);
  EXPECT_EQ(m.redemptions(), 1);
  EXPECT_EQ(m.active_weeks_size(), 0);
  EXPECT_EQ(Week(2).minutes_donated(), 120);
  EXPECT_EQ(Week(2).minutes_redeemed(), 60);
  EXPECT_EQ(Week(2, 9).minutes_redeemed(), 60);
  EXPECT_EQ(Week(2).active_members(), 0);
}

TEST_F(ProjectionTest, AnEarlierActivityMakesTheMemberNewThenAndReturningLater) {
  journal_.Contribution(5, /*org=*/4, 60, 6);
  ASSERT_TRUE(projection_.Apply(journal_.entries()).ok());
  EXPECT_EQ(Week(6).new_members(), 1);
  EXPECT_EQ(Week(6, 4).new_members(), 1);
  const std::string late = journal_.Contribution(5, 4, 30, 2);  // recorded late
  ASSERT_TRUE(projection_.Apply(journal_.entries()).ok());
  EXPECT_EQ(Week(2).new_members(), 1);
  EXPECT_EQ(Week(6).new_members(), 0);
  EXPECT_EQ(Week(6).returning_members(), 1);
  EXPECT_EQ(Week(6, 4).returning_members(), 1);
  EXPECT_EQ(MemberOf(5).organisations_given_to(), 1);
  journal_.Reverse(late);
  ASSERT_TRUE(projection_.Apply(journal_.entries()).ok());
  EXPECT_EQ(Week(6).new_members(), 1);
  EXPECT_EQ(Week(6).returning_members(), 0);
  EXPECT_EQ(Week(6, 4).new_members(), 1);
}

TEST_F(ProjectionTest, EntriesAlreadyAppliedAreSkippedAndAGapIsRefusedWritingNothing) {
  journal_.Exchange(1, 2, 60, 0);
  journal_.Exchange(1, 2, 60, 0);
  ASSERT_TRUE(projection_.Apply(journal_.entries()).ok());
  ASSERT_TRUE(projection_.Apply(journal_.entries()).ok());  // a reconnect resends them
  EXPECT_EQ(MemberOf(1).minutes_given(), 120);
  const std::string before = Digest();
  journal_.Exchange(1, 2, 60, 0);
  journal_.Exchange(1, 2, 60, 0);
  std::vector<lpb::JournalEntry> gap = {journal_.entries()[3]};
  absl::Status s = projection_.Apply(gap);
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal) << s;
  EXPECT_EQ(projection_.journal_seq(), 2u);
  EXPECT_EQ(Digest(), before);
}

TEST_F(ProjectionTest, AnUnreachableDirectoryWritesNothingAndTheStepCanBeRetried) {
  people_.unreachable = true;
  journal_.Exchange(1, 2, 60, 0);
  EXPECT_EQ(projection_.Apply(journal_.entries()).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(projection_.journal_seq(), 0u);
  people_.unreachable = false;
  ASSERT_TRUE(projection_.Apply(journal_.entries()).ok());
  EXPECT_EQ(MemberOf(1).minutes_given(), 60);
}

TEST_F(ProjectionTest, AStepTheDiskRefusedLeavesNothingBehindInMemoryEither) {
  journal_.Exchange(1, 2, 60, 0);
  ASSERT_TRUE(projection_.Apply(journal_.entries()).ok());  // member 1's record now kept
  journal_.Exchange(1, 2, 30, 0);
  store_.FailWrites(1);
  EXPECT_EQ(projection_.Apply(journal_.entries()).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(projection_.journal_seq(), 1u);
  EXPECT_EQ(MemberOf(1).minutes_given(), 60);
  ASSERT_TRUE(projection_.Apply(journal_.entries()).ok());  // the retry counts it once
  EXPECT_EQ(MemberOf(1).minutes_given(), 90);
  EXPECT_EQ(MemberOf(2).minutes_received(), 90);
  storage::MemStore fresh_store(1);
  RewardsProjection fresh(&fresh_store, &people_);
  ASSERT_TRUE(fresh.Apply(journal_.entries()).ok());
  EXPECT_EQ(fresh.Digest()->digest_hex, Digest());
}

TEST_F(ProjectionTest, AWipeForgetsTheRecordsKeptBetweenSteps) {
  journal_.Exchange(1, 2, 60, 0);
  ASSERT_TRUE(projection_.Apply(journal_.entries()).ok());
  const std::string live = Digest();
  ASSERT_TRUE(projection_.Wipe().ok());
  ASSERT_TRUE(projection_.Apply(journal_.entries()).ok());  // not 120 from a kept record
  EXPECT_EQ(MemberOf(1).minutes_given(), 60);
  EXPECT_EQ(Digest(), live);
}

TEST_F(ProjectionTest, TheCursorSurvivesReopeningAndAWipeKeepsTheZones) {
  journal_.Exchange(1, 2, 60, 0);
  ASSERT_TRUE(projection_.Apply(journal_.entries()).ok());
  RewardsProjection reopened(&store_, &people_);
  ASSERT_TRUE(reopened.Open().ok());
  EXPECT_EQ(reopened.journal_seq(), 1u);
  const std::string live = Digest();
  ASSERT_TRUE(reopened.Wipe().ok());
  EXPECT_EQ(reopened.journal_seq(), 0u);
  absl::StatusOr<ProjectionDigest> wiped = reopened.Digest();
  ASSERT_TRUE(wiped.ok());
  EXPECT_EQ(wiped->records, 0u);  // the community's timezone is kept, but not projection
  ASSERT_TRUE(reopened.Apply(journal_.entries()).ok());
  EXPECT_EQ(Digest(), live);
  EXPECT_EQ(people_.lookups, 1);  // the rebuild used the zone it had kept
}

// ---- randomized: the projection against a recomputation from the surviving transfers

// A store whose writes fail from the `fail_from`-th on (a process killed mid-wipe).
class WritesStopAt final : public storage::KvStore {
 public:
  explicit WritesStopAt(storage::KvStore* inner) : inner_(inner) {}
  std::unique_ptr<storage::WriteBatch> NewBatch() override { return inner_->NewBatch(); }
  absl::Status Write(storage::WriteBatch* b, const storage::WriteOptions& o) override {
    if (fail_from > 0 && ++writes >= fail_from) return absl::UnavailableError("killed");
    return inner_->Write(b, o);
  }
  absl::StatusOr<bool> Get(storage::ColumnFamily cf, std::string_view key, std::string* value,
                           const storage::Snapshot* snap) override {
    return inner_->Get(cf, key, value, snap);
  }
  std::unique_ptr<storage::Iterator> NewIterator(storage::ColumnFamily cf,
                                                 const storage::Snapshot* snap) override {
    return inner_->NewIterator(cf, snap);
  }
  std::shared_ptr<const storage::Snapshot> GetSnapshot() override { return inner_->GetSnapshot(); }
  absl::Status Flush(storage::ColumnFamily cf) override { return inner_->Flush(cf); }
  absl::Status Checkpoint(const std::string& dir) override { return inner_->Checkpoint(dir); }
  absl::Status Purge(storage::ColumnFamily cf, std::string_view b, std::string_view e) override {
    return inner_->Purge(cf, b, e);
  }
  int fail_from = 0;
  int writes = 0;

 private:
  storage::KvStore* const inner_;
};

TEST_F(ProjectionTest, AWipeStoppedPartWayIsFinishedByOpenSoNothingIsCountedTwice) {
  for (int i = 0; i < 30; ++i) journal_.Exchange(1 + i % 5, 1 + (i + 1) % 5, 30, i % 8);
  ASSERT_TRUE(projection_.Apply(journal_.entries()).ok());
  const std::string live = Digest();
  // The wipe's marker is written, then the process dies before the deletes.
  WritesStopAt killed(&store_);
  killed.fail_from = 2;
  {
    RewardsProjection wiping(&killed, &people_);
    ASSERT_TRUE(wiping.Open().ok());
    EXPECT_FALSE(wiping.Wipe().ok());
  }
  RewardsProjection restarted(&store_, &people_);
  ASSERT_TRUE(restarted.Open().ok());
  EXPECT_EQ(restarted.journal_seq(), 0u);  // finished the wipe: replays from the start
  ASSERT_TRUE(restarted.Apply(journal_.entries()).ok());
  absl::StatusOr<ProjectionDigest> d = restarted.Digest();
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->digest_hex, live);
}

struct ModelTransfer {
  bool exchange;
  uint64_t giver, other;  // other: the receiver, or the organisation
  int64_t minutes;
  int week;
  bool reversed = false;
};

void CheckAgainstModel(const std::vector<ModelTransfer>& history, storage::KvStore& store,
                       int weeks);

TEST(ProjectionModelTest, RandomHistoriesWithReversalsMatchARecomputationFromScratch) {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    std::mt19937 rng(seed);
    storage::MemStore store(1);
    ZonePeople people;
    RewardsProjection projection(&store, &people);
    Journal journal;
    std::vector<ModelTransfer> history;
    std::vector<std::string> ids;
    constexpr int kMembers = 6, kOrgs = 3, kWeeks = 12;
    for (int i = 0; i < 300; ++i) {
      const int roll = static_cast<int>(rng() % 10);
      if (roll < 2 && !ids.empty()) {
        const size_t pick = rng() % ids.size();
        if (!history[pick].reversed) {
          history[pick].reversed = true;
          journal.Reverse(ids[pick]);
        }
        continue;
      }
      ModelTransfer m;
      m.exchange = roll < 7;
      m.giver = 1 + rng() % kMembers;
      m.other = m.exchange ? 1 + rng() % kMembers : 1 + rng() % kOrgs;
      if (m.exchange && m.other == m.giver) m.other = m.giver % kMembers + 1;
      m.minutes = 15 * (1 + static_cast<int64_t>(rng() % 8));
      m.week = static_cast<int>(rng() % kWeeks);
      ids.push_back(m.exchange ? journal.Exchange(m.giver, m.other, m.minutes, m.week)
                               : journal.Contribution(m.giver, m.other, m.minutes, m.week));
      history.push_back(m);
    }
    // Applied in random steps, as the follower would.
    std::vector<lpb::JournalEntry>& all = journal.entries();
    for (size_t at = 0; at < all.size();) {
      const size_t n = std::min(all.size() - at, size_t{1} + rng() % 40);
      ASSERT_TRUE(projection.Apply({all.begin() + at, all.begin() + at + n}).ok());
      at += n;
    }
    ASSERT_NO_FATAL_FAILURE(CheckAgainstModel(history, store, kWeeks));
  }
}

template <class Msg>
Msg ReadIn(storage::KvStore& store, const std::string& key) {
  Msg m;
  std::string bytes;
  auto found = store.Get(kRecords, key, &bytes, nullptr);
  EXPECT_TRUE(found.ok());
  if (found.ok() && *found) EXPECT_TRUE(m.ParseFromString(bytes));
  return m;
}

void CheckAgainstModel(const std::vector<ModelTransfer>& history, storage::KvStore& store,
                       int weeks) {
  absl::TimeZone tz;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/London", &tz));
  std::map<uint64_t, int64_t> given, received;
  std::map<uint64_t, std::set<uint64_t>> helped, helped_by, orgs;
  std::map<uint64_t, std::map<int, std::pair<int64_t, int64_t>>> by_week;  // given, received
  std::map<uint64_t, std::map<uint64_t, std::set<int>>> org_weeks;         // org -> member
  for (const ModelTransfer& m : history) {
    if (m.reversed) continue;
    given[m.giver] += m.minutes;
    by_week[m.giver][m.week].first += m.minutes;
    if (m.exchange) {
      received[m.other] += m.minutes;
      by_week[m.other][m.week].second += m.minutes;
      helped[m.giver].insert(m.other);
      helped_by[m.other].insert(m.giver);
    } else {
      orgs[m.giver].insert(m.other);
      org_weeks[m.other][m.giver].insert(m.week);
    }
  }
  for (uint64_t member = 1; member <= 6; ++member) {
    const auto r = ReadIn<rpb::MemberRecord>(store, MemberKey(kC, member));
    EXPECT_EQ(r.minutes_given(), given[member]) << member;
    EXPECT_EQ(r.minutes_received(), received[member]) << member;
    EXPECT_EQ(r.people_helped(), static_cast<int>(helped[member].size())) << member;
    EXPECT_EQ(r.helped_by(), static_cast<int>(helped_by[member].size())) << member;
    EXPECT_EQ(r.organisations_given_to(), static_cast<int>(orgs[member].size())) << member;
    EXPECT_EQ(r.active_weeks_size(), static_cast<int>(by_week[member].size())) << member;
  }
  for (int w = 0; w < weeks; ++w) {
    int active = 0, givers = 0, receivers = 0, both = 0, fresh = 0;
    for (const auto& [member, weeks_of] : by_week) {
      auto it = weeks_of.find(w);
      if (it == weeks_of.end()) continue;
      ++active;
      givers += it->second.first > 0;
      receivers += it->second.second > 0;
      both += it->second.first > 0 && it->second.second > 0;
      fresh += weeks_of.begin()->first == w;
    }
    const auto b = ReadIn<rpb::CommunityBucket>(
        store, GroupBucketKey(kC, 0, Grain::kWeek, WeekIndex(InWeek(w), tz)));
    EXPECT_EQ(b.active_members(), active) << "week " << w;
    EXPECT_EQ(b.givers(), givers) << "week " << w;
    EXPECT_EQ(b.receivers(), receivers) << "week " << w;
    EXPECT_EQ(b.both(), both) << "week " << w;
    EXPECT_EQ(b.new_members(), fresh) << "week " << w;
    EXPECT_EQ(b.returning_members(), active - fresh) << "week " << w;
    for (const auto& [org, members] : org_weeks) {
      int org_active = 0, org_fresh = 0;
      for (const auto& [member, member_weeks] : members) {
        org_active += member_weeks.contains(w);
        org_fresh += member_weeks.contains(w) && *member_weeks.begin() == w;
      }
      const auto ob = ReadIn<rpb::CommunityBucket>(
          store, GroupBucketKey(kC, org, Grain::kWeek, WeekIndex(InWeek(w), tz)));
      EXPECT_EQ(ob.active_members(), org_active) << "org " << org << " week " << w;
      EXPECT_EQ(ob.new_members(), org_fresh) << "org " << org << " week " << w;
    }
  }
}

}  // namespace
}  // namespace timebank::rewards
