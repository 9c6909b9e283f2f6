// The opt-in leaderboard (ListLeaderboard) over a projection folded from hand-made
// journal entries and a fake directory: only members who consented appear, ordered by
// people helped then weeks active (never hours); another community's members never
// appear; organisation boards count the weeks given to that organisation; the period
// bounds the weeks; pages walk the whole board once; bad requests name their field.
#include "services/rewards/leaderboard.h"

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/common/ids.h"
#include "services/common/paging.h"
#include "services/common/timestamps.h"
#include "storage/mem_store.h"
#include "tests/rewards/projection_fixture.h"

namespace timebank::rewards::leaderboard_test {
namespace {

namespace dpb = ::timebank::directory::v1;
namespace lpb = ::timebank::ledger::v1;
namespace xpb = ::timebank::rewards::v1;

constexpr uint64_t kC = 7;      // the community listed
constexpr uint64_t kOther = 8;  // another community, with the same member ids
constexpr uint64_t kGarden = 5, kCafe = 6;

// The directory: members (with their consent) and organisations, per community.
class FakeDirectory final : public LondonPeople {
 public:
  absl::StatusOr<dpb::Member> Member(uint64_t c, uint64_t id) override {
    ++member_lookups;
    if (unreachable) return absl::UnavailableError("directory down");
    auto it = members.find({c, id});
    if (it == members.end()) return absl::NotFoundError("member: not in the community");
    return it->second;
  }
  absl::StatusOr<dpb::Organisation> Organisation(uint64_t c, uint64_t id) override {
    if (c != kC || (id != kGarden && id != kCafe)) {
      return absl::NotFoundError("organisation_id: not in the community");
    }
    dpb::Organisation o;
    o.set_community_id(c);
    o.set_id(id);
    return o;
  }
  // A member of `c`, active, consenting or not.
  void Add(uint64_t c, uint64_t id, bool consents) {
    dpb::Member m;
    m.set_community_id(c);
    m.set_id(id);
    m.set_display_name(absl::StrCat("Member ", c, ".", id));
    m.set_status(dpb::MEMBER_STATUS_ACTIVE);
    m.mutable_consent()->set_appear_on_leaderboards(consents);
    members[{c, id}] = m;
  }

  std::map<std::pair<uint64_t, uint64_t>, dpb::Member> members;
  bool unreachable = false;
  int member_lookups = 0;
};

// Monday 2026-01-05 12:00 London plus `week` weeks.
absl::Time InWeek(int week) {
  return absl::FromCivil(absl::CivilSecond(2026, 1, 5, 12, 0, 0), absl::UTCTimeZone()) +
         absl::Hours(24 * 7 * week);
}

class LeaderboardTest : public ::testing::Test {
 protected:
  // `provider` helped `receiver` in week `week`, in community `c`.
  void Exchange(uint64_t provider, uint64_t receiver, int64_t minutes, int week, uint64_t c = kC) {
    Post(c, lpb::TRANSFER_KIND_EXCHANGE, MemberAccountId(c, receiver), MemberAccountId(c, provider),
         minutes, week);
  }
  void Contribution(uint64_t member, uint64_t org, int64_t minutes, int week) {
    Post(kC, lpb::TRANSFER_KIND_CONTRIBUTION, OrganisationAccountId(kC, org),
         MemberAccountId(kC, member), minutes, week);
  }
  void Post(uint64_t c, lpb::TransferKind kind, std::string debit, std::string credit,
            int64_t minutes, int week) {
    lpb::JournalEntry& e = entries_.emplace_back();
    e.set_seq(entries_.size());
    lpb::Transfer* t = e.mutable_transfer();
    t->set_id(FormatLedgerId(c, absl::StrCat("x.t", entries_.size())));
    t->set_community_id(c);
    t->set_unit("TIME");
    t->set_kind(kind);
    t->set_debit_account_id(std::move(debit));
    t->set_credit_account_id(std::move(credit));
    t->set_amount(minutes);
    t->set_coproduction_type(lpb::COPRODUCTION_TYPE_CO_DELIVERY);
    ToTimestamp(absl::ToUnixNanos(InWeek(week)), t->mutable_occurred_at());
  }
  void Project() { ASSERT_TRUE(projection_.Apply(entries_).ok()); }

  absl::StatusOr<xpb::ListLeaderboardResponse> List(xpb::ListLeaderboardRequest req) {
    if (req.community_id() == 0) req.set_community_id(kC);
    return board_.List(req);
  }
  // The member ids of a whole board, one page.
  std::vector<uint64_t> Ids(xpb::ListLeaderboardRequest req = {}) {
    absl::StatusOr<xpb::ListLeaderboardResponse> out = List(req);
    EXPECT_TRUE(out.ok()) << out.status();
    std::vector<uint64_t> ids;
    if (!out.ok()) return ids;
    EXPECT_EQ(out->next_page_token(), "");
    for (const auto& e : out->entries()) ids.push_back(e.member_id());
    return ids;
  }

  storage::MemStore store_{1};
  FakeDirectory directory_;
  RewardsProjection projection_{&store_, &directory_};
  FakeClock clock_{InWeek(20)};
  Leaderboard board_{&projection_, &directory_, &clock_};
  std::vector<lpb::JournalEntry> entries_;
};

TEST_F(LeaderboardTest, RanksByPeopleHelpedThenWeeksActiveNeverByHours) {
  for (uint64_t m = 1; m <= 12; ++m) directory_.Add(kC, m, /*consents=*/true);
  // 1 helped three people, a few minutes each; 2 helped one person for many hours over
  // three weeks; 3 and 4 helped one person in one week (a tie, by member id).
  Exchange(1, 10, 5, 18);
  Exchange(1, 11, 5, 18);
  Exchange(1, 12, 5, 18);
  for (int week : {16, 17, 18}) Exchange(2, 10, 600, week);
  Exchange(4, 11, 30, 19);
  Exchange(3, 12, 30, 19);
  Project();
  absl::StatusOr<xpb::ListLeaderboardResponse> out = List({});
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_GE(out->entries_size(), 4);
  EXPECT_EQ(out->entries(0).member_id(), 1u);
  EXPECT_EQ(out->entries(0).people_helped(), 3);
  EXPECT_EQ(out->entries(0).weeks_active(), 1);
  EXPECT_EQ(out->entries(0).display_name(), "Member 7.1");
  EXPECT_EQ(out->entries(1).member_id(), 2u);
  EXPECT_EQ(out->entries(1).people_helped(), 1);
  EXPECT_EQ(out->entries(1).weeks_active(), 3);
  EXPECT_EQ(out->entries(2).member_id(), 3u);
  EXPECT_EQ(out->entries(3).member_id(), 4u);
  // Those who were helped were active too (they received), and helped nobody: after.
  EXPECT_EQ(Ids(), (std::vector<uint64_t>{1, 2, 3, 4, 10, 11, 12}));
  EXPECT_EQ(out->as_of_journal_seq(), entries_.size());
}

TEST_F(LeaderboardTest, AnEntryCarriesNoHoursMinutesOrBalance) {
  const auto* d = xpb::LeaderboardEntry::descriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const std::string name = d->field(i)->name();
    for (const char* word : {"minute", "hour", "balance", "rank"}) {
      EXPECT_EQ(name.find(word), std::string::npos) << name;
    }
  }
}

TEST_F(LeaderboardTest, AMemberWithoutConsentNeverAppears) {
  directory_.Add(kC, 1, /*consents=*/false);  // the community's greatest helper
  directory_.Add(kC, 2, true);
  for (uint64_t partner = 10; partner < 15; ++partner) Exchange(1, partner, 60, 19);
  Exchange(2, 10, 60, 19);
  Project();
  EXPECT_EQ(Ids(), (std::vector<uint64_t>{2}));  // 10..14 are not in the directory
  // Consent is read when asked: withdrawing it, or giving it, takes effect at once.
  directory_.Add(kC, 1, true);
  EXPECT_EQ(Ids(), (std::vector<uint64_t>{1, 2}));
  directory_.Add(kC, 1, false);
  EXPECT_EQ(Ids(), (std::vector<uint64_t>{2}));
  // Nor does a member who left, was suspended or was erased (erasure clears consent).
  directory_.members[{kC, 2}].set_status(dpb::MEMBER_STATUS_SUSPENDED);
  EXPECT_EQ(Ids(), (std::vector<uint64_t>{}));
}

TEST_F(LeaderboardTest, AnotherCommunitysMembersNeverAppear) {
  for (uint64_t c : {kC, kOther}) {
    for (uint64_t m = 1; m <= 3; ++m) directory_.Add(c, m, true);
  }
  Exchange(1, 2, 60, 19);
  Exchange(3, 1, 60, 19, kOther);
  Exchange(3, 2, 60, 19, kOther);
  Project();
  absl::StatusOr<xpb::ListLeaderboardResponse> out = List({});
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->entries_size(), 2);
  for (const auto& e : out->entries()) {
    EXPECT_EQ(e.display_name().rfind("Member 7.", 0), 0u) << e.display_name();
    EXPECT_LE(e.people_helped(), 1);  // community 8's member 3 helped two people
  }
  xpb::ListLeaderboardRequest other;
  other.set_community_id(kOther);
  EXPECT_EQ(Ids(other), (std::vector<uint64_t>{3, 1, 2}));
}

TEST_F(LeaderboardTest, AnOrganisationsBoardCountsTheWeeksGivenToIt) {
  for (uint64_t m = 1; m <= 4; ++m) directory_.Add(kC, m, true);
  Contribution(1, kGarden, 60, 17);
  Contribution(1, kGarden, 60, 18);
  Contribution(2, kGarden, 600, 18);
  Contribution(2, kCafe, 60, 17);
  Contribution(2, kCafe, 60, 19);
  Contribution(3, kCafe, 60, 19);
  Exchange(3, 4, 30, 16);  // 3 has helped someone; that ranks first on any board
  Project();
  xpb::ListLeaderboardRequest garden;
  garden.set_organisation_id(kGarden);
  absl::StatusOr<xpb::ListLeaderboardResponse> out = List(garden);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->entries_size(), 2);
  EXPECT_EQ(out->entries(0).member_id(), 1u);
  EXPECT_EQ(out->entries(0).weeks_active(), 2);
  EXPECT_EQ(out->entries(1).member_id(), 2u);
  EXPECT_EQ(out->entries(1).weeks_active(), 1);
  xpb::ListLeaderboardRequest cafe;
  cafe.set_organisation_id(kCafe);
  EXPECT_EQ(Ids(cafe), (std::vector<uint64_t>{3, 2}));
  xpb::ListLeaderboardRequest unknown;
  unknown.set_organisation_id(99);
  EXPECT_EQ(List(unknown).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(LeaderboardTest, ThePeriodBoundsTheWeeksCounted) {
  for (uint64_t m = 1; m <= 3; ++m) directory_.Add(kC, m, true);
  Exchange(1, 3, 60, 2);   // 19 weeks before this one (week 20)
  Exchange(2, 3, 60, 10);  // 11 weeks before
  Exchange(2, 3, 60, 20);
  Project();
  // The default, 13 weeks: 1 was not active in them.
  absl::StatusOr<xpb::ListLeaderboardResponse> out = List({});
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->entries_size(), 2);
  EXPECT_EQ(out->entries(0).member_id(), 2u);
  EXPECT_EQ(out->entries(0).weeks_active(), 2);
  xpb::ListLeaderboardRequest four;
  four.set_weeks(4);
  out = List(four);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->entries_size(), 2);
  EXPECT_EQ(out->entries(0).weeks_active(), 1);
  xpb::ListLeaderboardRequest lifetime;
  lifetime.set_lifetime(true);
  EXPECT_EQ(Ids(lifetime), (std::vector<uint64_t>{2, 1, 3}));
}

TEST_F(LeaderboardTest, PagesWalkTheWholeBoardOnceInOrder) {
  std::vector<uint64_t> expected;
  for (uint64_t m = 1; m <= 25; ++m) {
    directory_.Add(kC, m, /*consents=*/m % 5 != 0);  // every fifth declines
    directory_.Add(kC, 100 + m, false);              // the people helped decline
    // Member m helped (m % 4) + 1 people, in (m % 3) + 1 weeks.
    for (uint64_t p = 0; p <= m % 4; ++p) {
      for (int w = 0; w <= static_cast<int>(m % 3); ++w) Exchange(m, 100 + m + p, 10, 18 + w);
    }
  }
  Project();
  const std::vector<uint64_t> all = Ids();
  ASSERT_EQ(all.size(), 20u);
  for (size_t i = 1; i < all.size(); ++i) {
    const uint64_t a = all[i - 1], b = all[i];
    const std::pair<uint64_t, uint64_t> fa{a % 4, a % 3}, fb{b % 4, b % 3};
    EXPECT_TRUE(fa > fb || (fa == fb && a < b)) << a << " before " << b;
  }
  xpb::ListLeaderboardRequest req;
  req.set_page_size(7);
  std::vector<uint64_t> walked;
  std::vector<int> lengths;
  for (int page = 0; page < 10; ++page) {
    absl::StatusOr<xpb::ListLeaderboardResponse> out = List(req);
    ASSERT_TRUE(out.ok()) << out.status();
    lengths.push_back(out->entries_size());
    for (const auto& e : out->entries()) walked.push_back(e.member_id());
    if (out->next_page_token().empty()) break;
    req.set_page_token(out->next_page_token());
  }
  EXPECT_EQ(walked, all);
  EXPECT_EQ(lengths, (std::vector<int>{7, 7, 6}));
}

TEST_F(LeaderboardTest, BadRequestsNameTheirFieldAndAnUnreachableDirectoryIsUnavailable) {
  directory_.Add(kC, 1, true);
  Exchange(1, 2, 60, 19);
  Project();
  auto message_of = [&](xpb::ListLeaderboardRequest req) {
    absl::StatusOr<xpb::ListLeaderboardResponse> out = List(req);
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << out.status();
    return std::string(out.status().message());
  };
  xpb::ListLeaderboardRequest r;
  r.set_weeks(523);
  EXPECT_EQ(message_of(r).rfind("weeks: ", 0), 0u) << message_of(r);
  r.set_weeks(-1);
  EXPECT_EQ(message_of(r).rfind("weeks: ", 0), 0u);
  r.set_weeks(4);
  r.set_lifetime(true);
  EXPECT_EQ(message_of(r).rfind("weeks: ", 0), 0u);
  r = {};
  r.set_page_size(1001);
  EXPECT_EQ(message_of(r).rfind("page_size: ", 0), 0u);
  r = {};
  r.set_page_token("not a token");
  EXPECT_EQ(message_of(r).rfind("page_token: ", 0), 0u);
  r.set_page_token(EncodePageToken("short"));
  EXPECT_EQ(message_of(r).rfind("page_token: ", 0), 0u);
  EXPECT_EQ(board_.List({}).status().message().rfind("community_id: ", 0), 0u);
  directory_.unreachable = true;
  EXPECT_EQ(List({}).status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(LeaderboardTest, DirectoryLookUpsPerCallAreBounded) {
  // More candidates than one call may look up, none of them consenting: the call ends
  // after kMaxLookups with a token to go on from, and a walk still ends.
  const int n = static_cast<int>(Leaderboard::kMaxLookups) + 5;
  for (int m = 1; m <= n; ++m) {
    directory_.Add(kC, m, m == n);  // only the last consents
    Exchange(m, m + 1, 1, 19);
  }
  Project();
  xpb::ListLeaderboardRequest req;
  absl::StatusOr<xpb::ListLeaderboardResponse> out = List(req);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->entries_size(), 0);
  EXPECT_LE(directory_.member_lookups, static_cast<int>(Leaderboard::kMaxLookups));
  ASSERT_NE(out->next_page_token(), "");
  req.set_page_token(out->next_page_token());
  out = List(req);
  ASSERT_TRUE(out.ok()) << out.status();
  std::set<uint64_t> ids;
  for (const auto& e : out->entries()) ids.insert(e.member_id());
  EXPECT_TRUE(ids.count(n)) << out->ShortDebugString();
  EXPECT_EQ(out->next_page_token(), "");
}

}  // namespace
}  // namespace timebank::rewards::leaderboard_test
