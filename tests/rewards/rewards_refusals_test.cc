// What the rewards service refuses, at its cores (AnnotationBook, RewardsBook): an
// annotation with a bad date, no text or an unknown organisation (each naming its
// field, nothing written), an annotation retried with its request_id (the first answer
// back, nothing written), and dashboards whose period ends before it starts or spans
// more than ten years, with no granularity or an unknown rule set.
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/common/clock.h"
#include "services/common/timestamps.h"
#include "services/rewards/annotations.h"
#include "services/rewards/projection.h"
#include "services/rewards/rewards_book.h"
#include "services/rewards/rewards_records.h"
#include "storage/mem_store.h"
#include "tests/rewards/projection_fixture.h"

namespace timebank::rewards::refusals_test {
namespace {

namespace dpb = ::timebank::directory::v1;
namespace xpb = ::timebank::rewards::v1;

constexpr uint64_t kGarden = 5;

// The directory: community kC (London) with one organisation, kGarden.
class OneCommunity final : public LondonPeople {
 public:
  absl::StatusOr<dpb::Organisation> Organisation(uint64_t c, uint64_t id) override {
    if (c != kC || id != kGarden) {
      return absl::NotFoundError(absl::StrCat("organisation ", id, " does not exist"));
    }
    dpb::Organisation o;
    o.set_community_id(c);
    o.set_id(id);
    return o;
  }
};

class RewardsRefusalsTest : public ::testing::Test {
 protected:
  RewardsRefusalsTest() {
    coordinator_.set_kind(dpb::Principal::KIND_MEMBER);
    coordinator_.set_community_id(kC);
    coordinator_.set_subject_id(3);
  }

  // Every record of the store, readably (a failure shows what was written).
  std::string Dump() {
    std::string out;
    auto it = store_.NewIterator(kRecords, nullptr);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      absl::StrAppend(&out, absl::CHexEscape(std::string(it->key())), " = ",
                      absl::CHexEscape(std::string(it->value())), "\n");
    }
    return out;
  }
  static xpb::Annotation Note(const std::string& date, const std::string& text, uint64_t org = 0) {
    xpb::Annotation a;
    a.set_community_id(kC);
    a.set_organisation_id(org);
    a.set_date(date);
    a.set_text(text);
    return a;
  }
  // A refusal with `code` whose message begins with "<field>: ", and nothing written.
  void ExpectRefused(const xpb::Annotation& a, absl::StatusCode code, const std::string& field) {
    const std::string before = Dump();
    absl::StatusOr<xpb::Annotation> out = annotations_.Annotate(coordinator_, a, "r-refused");
    EXPECT_EQ(out.status().code(), code) << out.status();
    if (!field.empty()) {
      EXPECT_EQ(out.status().message().rfind(field + ": ", 0), 0u) << out.status();
    }
    EXPECT_EQ(Dump(), before) << "a refused annotation wrote something";
  }
  xpb::GetDashboardRequest Weeks() {
    xpb::GetDashboardRequest r;
    r.set_community_id(kC);
    r.set_granularity(xpb::GRANULARITY_WEEK);
    return r;
  }
  void ExpectDashboardRefused(const xpb::GetDashboardRequest& r, const std::string& field) {
    absl::StatusOr<xpb::Dashboard> out = book_.Dashboard(r);
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << out.status();
    EXPECT_EQ(out.status().message().rfind(field + ": ", 0), 0u) << out.status();
  }
  static void At(absl::Time t, google::protobuf::Timestamp* ts) {
    ToTimestamp(absl::ToUnixNanos(t), ts);
  }

  storage::MemStore store_{1};
  OneCommunity people_;
  FakeClock clock_;  // 2026-01-01
  RewardsProjection projection_{&store_, &people_};
  AnnotationBook annotations_{&store_, &people_, &clock_};
  RewardsBook book_{&projection_, &annotations_, &people_, &clock_};
  dpb::Principal coordinator_;
};

TEST_F(RewardsRefusalsTest, AnAnnotationWithABadDateNoTextOrAnUnknownOrganisationWritesNothing) {
  for (const char* date :
       {"", "2026-13-01", "14/09/2026", "2026-9-14", "2026-02-30", "2040-01-01"}) {
    SCOPED_TRACE(date);
    ExpectRefused(Note(date, "Saturday sessions start"), absl::StatusCode::kInvalidArgument,
                  "annotation.date");
  }
  ExpectRefused(Note("2025-12-01", ""), absl::StatusCode::kInvalidArgument, "annotation.text");
  ExpectRefused(Note("2025-12-01", "   "), absl::StatusCode::kInvalidArgument, "annotation.text");
  ExpectRefused(Note("2025-12-01", "two\nlines"), absl::StatusCode::kInvalidArgument,
                "annotation.text");
  ExpectRefused(Note("2025-12-01", std::string(201, 'x')), absl::StatusCode::kInvalidArgument,
                "annotation.text");
  ExpectRefused(Note("2025-12-01", "Saturday sessions start", /*org=*/99),
                absl::StatusCode::kNotFound, "");
  xpb::Annotation no_community = Note("2025-12-01", "Saturday sessions start");
  no_community.set_community_id(0);
  ExpectRefused(no_community, absl::StatusCode::kInvalidArgument, "annotation.community_id");
  // And the same note for a known organisation is taken.
  EXPECT_TRUE(
      annotations_.Annotate(coordinator_, Note("2025-12-01", "Saturday", kGarden), "r-ok").ok());
}

TEST_F(RewardsRefusalsTest,
       AnAnnotationRetriedWithItsRequestIdReturnsTheFirstAnswerAndWritesNothing) {
  absl::StatusOr<xpb::Annotation> first =
      annotations_.Annotate(coordinator_, Note("2025-12-01", "Saturday sessions start"), "r-1");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_NE(first->id(), 0u);
  const std::string after_first = Dump();
  clock_.Advance(absl::Hours(1));
  absl::StatusOr<xpb::Annotation> again =
      annotations_.Annotate(coordinator_, Note("2025-12-01", "Saturday sessions start"), "r-1");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->SerializeAsString(), first->SerializeAsString());  // created_at included
  EXPECT_EQ(Dump(), after_first);
  // Another request_id is another note.
  absl::StatusOr<xpb::Annotation> second =
      annotations_.Annotate(coordinator_, Note("2025-12-01", "Saturday sessions start"), "r-2");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(second->id(), first->id());
  EXPECT_NE(Dump(), after_first);
}

TEST_F(RewardsRefusalsTest, ADashboardsPeriodGranularityAndRuleSetAreCheckedNamingTheField) {
  const absl::Time now = clock_.Now();
  xpb::GetDashboardRequest backwards = Weeks();
  At(now - absl::Hours(24 * 7), backwards.mutable_from());
  At(now - absl::Hours(24 * 14), backwards.mutable_until());
  ExpectDashboardRefused(backwards, "until");
  xpb::GetDashboardRequest empty = Weeks();
  At(now - absl::Hours(24 * 7), empty.mutable_from());
  At(now - absl::Hours(24 * 7), empty.mutable_until());
  ExpectDashboardRefused(empty, "until");
  xpb::GetDashboardRequest long_weeks = Weeks();
  At(now - absl::Hours(24 * 366 * 11), long_weeks.mutable_from());
  ExpectDashboardRefused(long_weeks, "from");
  xpb::GetDashboardRequest long_months = Weeks();
  long_months.set_granularity(xpb::GRANULARITY_MONTH);
  At(now - absl::Hours(24 * 366 * 11), long_months.mutable_from());
  ExpectDashboardRefused(long_months, "from");
  xpb::GetDashboardRequest no_granularity = Weeks();
  no_granularity.set_granularity(xpb::GRANULARITY_UNSPECIFIED);
  ExpectDashboardRefused(no_granularity, "granularity");
  xpb::GetDashboardRequest odd_granularity = Weeks();
  odd_granularity.set_granularity(static_cast<xpb::Granularity>(9));
  ExpectDashboardRefused(odd_granularity, "granularity");
  xpb::GetDashboardRequest bad_rules = Weeks();
  bad_rules.set_rule_set(static_cast<xpb::RuleSet>(7));
  ExpectDashboardRefused(bad_rules, "rule_set");
  xpb::GetDashboardRequest no_community = Weeks();
  no_community.set_community_id(0);
  ExpectDashboardRefused(no_community, "community_id");
  // Ten years exactly is allowed, and so is the default period.
  xpb::GetDashboardRequest ten_years = Weeks();
  At(now - absl::Hours(24 * 7 * 520), ten_years.mutable_from());
  EXPECT_TRUE(book_.Dashboard(ten_years).ok());
  EXPECT_TRUE(book_.Dashboard(Weeks()).ok());
}

}  // namespace
}  // namespace timebank::rewards::refusals_test
