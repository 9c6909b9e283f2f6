// The expenses core over an in-memory store, with a fake directory and a small model
// ledger: every transition and every forbidden one, separation of duties, two
// approvers at once, policy limits, and the money book balancing to zero.
#include "services/expenses/expense_book.h"

#include <google/protobuf/util/message_differencer.h>

#include <atomic>
#include <limits>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "services/common/auth/token.h"
#include "services/common/clock.h"
#include "storage/bytes.h"
#include "storage/mem_store.h"
#include "tests/common/model_ledger.h"
#include "tests/common/test_util.h"

namespace timebank::expenses {
namespace {

namespace dpb = ::timebank::directory::v1;
namespace lpb = ::timebank::ledger::v1;
constexpr uint64_t kC = 1;

class FakePeople final : public People {
 public:
  absl::StatusOr<dpb::Member> Member(uint64_t c, uint64_t id) override {
    if (c != kC || id < 10 || id > 14) return absl::NotFoundError("no such member");
    dpb::Member m;
    m.set_community_id(c);
    m.set_id(id);
    m.set_status(id == 14 ? dpb::MEMBER_STATUS_SUSPENDED : dpb::MEMBER_STATUS_ACTIVE);
    return m;
  }
  absl::StatusOr<dpb::Community> Community(uint64_t c) override {
    if (c != kC) return absl::NotFoundError("community 1 only");
    dpb::Community community;
    community.set_id(kC);
    community.set_timezone("Europe/London");
    community.set_expense_currency("GBP");
    return community;
  }
  absl::StatusOr<std::vector<std::optional<dpb::Member>>> MembersByNumber(
      uint64_t, const std::vector<std::string>& numbers) override {
    return std::vector<std::optional<dpb::Member>>(numbers.size());
  }
  absl::StatusOr<dpb::Organisation> Organisation(uint64_t c, uint64_t o) override {
    if (c != kC || o != 1) return absl::NotFoundError("organisation 1 only");
    dpb::Organisation org;
    org.set_id(1);
    return org;
  }
};

// Activity 7: member 10 helped; activity 8: member 11 helped member 12.
class FakeActivities final : public ActivityLookup {
 public:
  absl::StatusOr<::timebank::activity::v1::Activity> Activity(uint64_t c, uint64_t id) override {
    ::timebank::activity::v1::Activity a;
    if (c != kC || (id != 7 && id != 8)) return absl::NotFoundError("no such activity");
    a.set_id(id);
    a.set_provider_member_id(id == 7 ? 10 : 11);
    a.set_receiver_member_id(id == 7 ? 0 : 12);
    return a;
  }
};

dpb::Principal Person(uint64_t id, std::vector<dpb::Role> roles = {}) {
  dpb::Principal p;
  p.set_kind(dpb::Principal::KIND_MEMBER);
  p.set_community_id(kC);
  p.set_subject_id(id);
  p.add_roles(dpb::ROLE_MEMBER);
  for (dpb::Role r : roles) p.add_roles(r);
  return p;
}

// When every test starts: the book reads the time from a FakeClock set to this
// (midday, mid-month, so a line two days old is in the same month in any zone).
const absl::Time kStart =
    absl::FromCivil(absl::CivilSecond(2026, 11, 18, 12, 0, 0), absl::UTCTimeZone());

std::string DaysAgo(int days, absl::Time now = kStart) {
  return absl::FormatTime("%Y-%m-%d", now - absl::Hours(24 * days),
                          absl::TimeZone(absl::FixedTimeZone(0)));
}

class ExpenseBookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    xpb::Policy p;
    p.set_community_id(kC);
    p.set_mileage_rate_minor(45);
    p.set_distance_unit(xpb::DISTANCE_UNIT_MILE);
    p.set_max_claim_minor(25'000);
    p.set_max_month_minor(40'000);
    p.set_claim_window_days(90);
    p.set_second_approval_above_minor(10'000);
    auto set = book.SetPolicy(admin, p);
    ASSERT_TRUE(set.ok()) << set.status();
    EXPECT_EQ(set->currency(), "GBP");
  }
  static xpb::ClaimLine Line(xpb::Category cat, int64_t amount_minor, int days_ago = 2) {
    xpb::ClaimLine l;
    l.set_category(cat);
    l.set_date(DaysAgo(days_ago));
    if (cat == xpb::CATEGORY_MILEAGE) {
      l.set_distance_tenths(amount_minor);
    } else {
      l.set_amount_minor(amount_minor);
    }
    l.set_description("to the co-design workshop");
    return l;
  }
  static xpb::Claim Draft(std::vector<xpb::ClaimLine> lines) {
    xpb::Claim c;
    c.set_community_id(kC);
    c.set_title("Workshop costs");
    for (auto& l : lines) *c.add_lines() = l;
    return c;
  }
  // Creates and submits a claim by `who`.
  xpb::Claim Submitted(uint64_t who, std::vector<xpb::ClaimLine> lines) {
    auto made = book.CreateClaim(Person(who), Draft(std::move(lines)), "");
    EXPECT_TRUE(made.ok()) << made.status();
    auto sent = book.SubmitClaim(Person(who), kC, made->id(), made->etag());
    EXPECT_TRUE(sent.ok()) << sent.status();
    return *sent;
  }
  absl::StatusOr<xpb::Claim> Decide(const dpb::Principal& who, const xpb::Claim& c,
                                    xpb::DecideClaimRequest::Decision d,
                                    const std::string& reason = "") {
    xpb::DecideClaimRequest r;
    r.set_community_id(kC);
    r.set_claim_id(c.id());
    r.set_etag(c.etag());
    r.set_decision(d);
    r.set_reason(reason);
    return book.DecideClaim(who, r);
  }

  storage::MemStore store{1};
  FakePeople people;
  testing::ModelLedger ledger{testing::ModelLedger::Options{.accounts_must_exist = true,
                                                            .default_min_balance = std::nullopt}};
  FakeActivities activities;
  FakeClock clock{kStart};
  testing::TempDir dir;
  const std::unique_ptr<auth::Keyring> bank_keys = *auth::Keyring::Open(dir.Sub("bank-keyring"));
  ExpenseBook book{&store, &people, &ledger, &activities, &clock, bank_keys.get()};
  const dpb::Principal admin = Person(11, {dpb::ROLE_ADMIN});
  const dpb::Principal fiona = Person(12, {dpb::ROLE_FINANCE});
  const dpb::Principal farid = Person(13, {dpb::ROLE_FINANCE});
  const dpb::Principal alice = Person(10);
};

using D = xpb::DecideClaimRequest;

TEST_F(ExpenseBookTest, TwoApproversPostTheClaimToTheMoneyBookOnce) {
  // 12.50 bus fare + 12.3 miles at 45p (553.5p, rounded half up to 554p).
  auto made = book.CreateClaim(
      alice, Draft({Line(xpb::CATEGORY_TRAVEL, 1250), Line(xpb::CATEGORY_MILEAGE, 123)}), "r1");
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(made->state(), xpb::CLAIM_STATE_DRAFT);
  EXPECT_EQ(made->lines(1).amount_minor(), 554);
  EXPECT_EQ(made->total_minor(), 1804);
  EXPECT_EQ(made->currency(), "GBP");
  EXPECT_FALSE(made->needs_second_approval());
  EXPECT_EQ(book.CreateClaim(alice, Draft({Line(xpb::CATEGORY_TRAVEL, 1)}), "r1")->id(),
            made->id());  // a retry creates nothing

  // Above the threshold once a big line is added: two approvers.
  xpb::Claim edit = *made;
  *edit.add_lines() = Line(xpb::CATEGORY_CARE_COVER, 9000);
  auto edited = book.UpdateClaim(alice, edit);
  ASSERT_TRUE(edited.ok()) << edited.status();
  EXPECT_EQ(edited->total_minor(), 10'804);
  EXPECT_TRUE(edited->needs_second_approval());
  auto sent = book.SubmitClaim(alice, kC, edited->id(), edited->etag());
  ASSERT_TRUE(sent.ok()) << sent.status();

  auto first = Decide(fiona, *sent, D::DECISION_APPROVE);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->state(), xpb::CLAIM_STATE_SUBMITTED);
  EXPECT_EQ(first->first_approver_member_id(), 12u);
  EXPECT_EQ(Decide(fiona, *first, D::DECISION_APPROVE).status().code(),
            absl::StatusCode::kPermissionDenied);  // the same person twice
  auto second = Decide(farid, *first, D::DECISION_APPROVE);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->state(), xpb::CLAIM_STATE_APPROVED);
  EXPECT_EQ(second->posting_state(), xpb::POSTING_STATE_QUEUED);

  ledger.down = true;
  EXPECT_FALSE(book.Dispatch().ok());
  EXPECT_EQ(book.OutboxSize(), 1u);
  ledger.down = false;
  ASSERT_EQ(book.Dispatch().value(), 0u);
  EXPECT_EQ(book.OutboxSize(), 0u);
  EXPECT_EQ(ledger.balance[CategoryAccountId(kC, xpb::CATEGORY_TRAVEL)], -1250);
  EXPECT_EQ(ledger.balance[CategoryAccountId(kC, xpb::CATEGORY_MILEAGE)], -554);
  EXPECT_EQ(ledger.balance[CategoryAccountId(kC, xpb::CATEGORY_CARE_COVER)], -9000);
  EXPECT_EQ(ledger.balance[PayableAccountId(kC, 10)], 10'804);
  EXPECT_EQ(ledger.Sum(), 0);
  EXPECT_EQ(ledger.posted.size(), 3u);
  for (const auto& [id, a] : ledger.accounts) EXPECT_EQ(a.unit(), "GBP") << id;
  EXPECT_TRUE(ledger.accounts[PayableAccountId(kC, 10)].has_min_balance());
  EXPECT_EQ(ledger.posted.begin()->second.kind(), lpb::TRANSFER_KIND_EXPENSE_APPROVAL);

  auto shown = book.GetClaim(alice, kC, made->id());
  ASSERT_TRUE(shown.ok());
  EXPECT_EQ(shown->posting_state(), xpb::POSTING_STATE_POSTED);
  // Every transition is recorded with who and from what to what.
  ASSERT_EQ(shown->history_size(), 4);  // created, submitted, first approval, approved
  EXPECT_EQ(shown->history(2).by_member_id(), 12u);
  EXPECT_EQ(shown->history(2).reason(), "first approval");
  EXPECT_EQ(shown->history(3).to(), xpb::CLAIM_STATE_APPROVED);
  EXPECT_EQ(shown->history(3).by_member_id(), 13u);
}

TEST_F(ExpenseBookTest, ForbiddenTransitionsAndSeparationOfDuties) {
  xpb::Claim c = Submitted(10, {Line(xpb::CATEGORY_SUBSISTENCE, 800)});
  // Nobody edits a submitted claim; only the claimant edits at all.
  xpb::Claim edit = c;
  edit.set_title("changed");
  EXPECT_EQ(book.UpdateClaim(alice, edit).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(book.SubmitClaim(alice, kC, c.id(), c.etag()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // Deciding needs a finance officer, a reason to reject or ask, and the current etag.
  EXPECT_EQ(Decide(admin, c, D::DECISION_APPROVE).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(absl::StartsWith(Decide(fiona, c, D::DECISION_REJECT).status().message(), "reason"));
  auto asked = Decide(fiona, c, D::DECISION_ASK_FOR_INFO, "which cafe?");
  ASSERT_TRUE(asked.ok()) << asked.status();
  EXPECT_EQ(asked->state(), xpb::CLAIM_STATE_NEEDS_INFO);
  EXPECT_EQ(Decide(farid, c, D::DECISION_APPROVE).status().code(),
            absl::StatusCode::kFailedPrecondition);  // not submitted any more
  // The claimant answers and submits again; a stale etag is refused.
  edit = *asked;
  edit.mutable_lines(0)->set_description("lunch at the Riverside cafe");
  EXPECT_EQ(book.UpdateClaim(Person(13), edit).status().code(),
            absl::StatusCode::kPermissionDenied);
  auto answered = book.UpdateClaim(alice, edit);
  ASSERT_TRUE(answered.ok()) << answered.status();
  EXPECT_EQ(book.SubmitClaim(alice, kC, c.id(), asked->etag()).status().code(),
            absl::StatusCode::kAborted);
  auto again = book.SubmitClaim(alice, kC, c.id(), answered->etag());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(Decide(fiona, *asked, D::DECISION_APPROVE).status().code(),
            absl::StatusCode::kAborted);  // it changed since fiona read it
  auto rejected = Decide(fiona, *again, D::DECISION_REJECT, "not a volunteering day");
  ASSERT_TRUE(rejected.ok()) << rejected.status();
  EXPECT_EQ(rejected->state(), xpb::CLAIM_STATE_REJECTED);
  EXPECT_EQ(Decide(farid, *rejected, D::DECISION_APPROVE).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(book.OutboxSize(), 0u);

  // A finance officer's own claim is decided by someone else.
  xpb::Claim own = Submitted(12, {Line(xpb::CATEGORY_MATERIALS, 500)});
  EXPECT_EQ(Decide(fiona, own, D::DECISION_APPROVE).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(Decide(farid, own, D::DECISION_APPROVE).ok());

  // Drafts are the claimant's alone.
  auto draft = book.CreateClaim(alice, Draft({Line(xpb::CATEGORY_OTHER, 100)}), "");
  ASSERT_TRUE(draft.ok());
  EXPECT_EQ(book.GetClaim(fiona, kC, draft->id()).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Decide(fiona, *draft, D::DECISION_APPROVE).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(book.GetClaim(farid, kC, c.id()).ok());  // finance reads submitted ones
  EXPECT_EQ(book.GetClaim(Person(13), kC, c.id()).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(book.GetClaim(Person(14), kC, c.id()).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ExpenseBookTest, TwoApproversAtOnceExactlyOneSucceeds) {
  for (int round = 0; round < 20; ++round) {
    xpb::Claim c = Submitted(10, {Line(xpb::CATEGORY_TRAVEL, 100)});
    std::atomic<int> ok{0};
    std::thread a([&] { ok += Decide(fiona, c, D::DECISION_APPROVE).ok(); });
    std::thread b([&] { ok += Decide(farid, c, D::DECISION_APPROVE).ok(); });
    a.join();
    b.join();
    EXPECT_EQ(ok.load(), 1) << "round " << round;
  }
  ASSERT_EQ(book.Dispatch().value(), 0u);
  EXPECT_EQ(ledger.posted.size(), 20u);
  EXPECT_EQ(ledger.balance[PayableAccountId(kC, 10)], 2000);
}

TEST_F(ExpenseBookTest, PolicyLimitsAndBadInputWriteNothing) {
  auto refused = [&](xpb::Claim c, const std::string& prefix) {
    auto r = book.CreateClaim(alice, c, "");
    EXPECT_FALSE(r.ok()) << prefix;
    EXPECT_TRUE(absl::StrContains(r.status().message(), prefix)) << r.status();
  };
  refused(Draft({Line(xpb::CATEGORY_TRAVEL, 0)}), "claim.lines[0].amount_minor");
  refused(Draft({Line(xpb::CATEGORY_TRAVEL, -5)}), "claim.lines[0].amount_minor");
  refused(Draft({Line(xpb::CATEGORY_TRAVEL, 20'000'000)}), "amount_minor");
  refused(Draft({Line(xpb::CATEGORY_TRAVEL, 100, -3)}), "date: is in the future");
  refused(Draft({Line(xpb::CATEGORY_TRAVEL, 100, 120)}), "outside the claim window of 90 days");
  refused(Draft({Line(xpb::CATEGORY_UNSPECIFIED, 100)}), "category");
  refused(Draft({Line(xpb::CATEGORY_MILEAGE, 0)}), "distance_tenths");
  refused(Draft({Line(xpb::CATEGORY_TRAVEL, 30'000)}), "limit per claim is \u00a3250.00");
  xpb::Claim bad = Draft({Line(xpb::CATEGORY_TRAVEL, 100)});
  bad.mutable_lines(0)->set_date("23/11/2026");
  refused(bad, "is not a date");
  bad = Draft({Line(xpb::CATEGORY_TRAVEL, 100)});
  bad.mutable_lines(0)->set_description("two\nlines");
  refused(bad, "description");
  bad.mutable_lines(0)->set_description("ok");
  bad.set_title("");
  refused(bad, "claim.title");
  bad = Draft({});
  refused(bad, "claim.lines: 1..50");
  for (int i = 0; i < 51; ++i) *bad.add_lines() = Line(xpb::CATEGORY_TRAVEL, 1);
  refused(bad, "claim.lines: 1..50");
  bad = Draft({Line(xpb::CATEGORY_TRAVEL, 100)});
  bad.set_organisation_id(9);
  EXPECT_EQ(book.CreateClaim(alice, bad, "").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(
      book.CreateClaim(Person(14), Draft({Line(xpb::CATEGORY_TRAVEL, 100)}), "").status().code(),
      absl::StatusCode::kFailedPrecondition);  // suspended
  xpb::ListClaimsRequest all;
  all.set_community_id(kC);
  EXPECT_TRUE(book.ListClaims(alice, all, 0, 100)->items.empty());

  // The month cap counts submitted claims; a rejection gives the allowance back.
  xpb::Claim a = Submitted(10, {Line(xpb::CATEGORY_TRAVEL, 20'000)});
  Submitted(10, {Line(xpb::CATEGORY_TRAVEL, 15'000)});
  auto third = book.CreateClaim(alice, Draft({Line(xpb::CATEGORY_TRAVEL, 6000)}), "");
  ASSERT_TRUE(third.ok());
  auto over = book.SubmitClaim(alice, kC, third->id(), third->etag());
  EXPECT_EQ(over.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(over.status().message(), "per member per month is \u00a3400.00"));
  ASSERT_TRUE(Decide(fiona, a, D::DECISION_REJECT, "duplicate").ok());
  EXPECT_TRUE(book.SubmitClaim(alice, kC, third->id(), third->etag()).ok());

  // Policies: each field checked, naming it.
  xpb::Policy p;
  p.set_community_id(kC);
  p.set_max_claim_minor(100);
  p.set_max_month_minor(100);
  p.set_claim_window_days(0);
  EXPECT_TRUE(
      absl::StartsWith(book.SetPolicy(admin, p).status().message(), "policy.claim_window_days"));
  p.set_claim_window_days(30);
  p.set_mileage_rate_minor(45);
  EXPECT_TRUE(
      absl::StartsWith(book.SetPolicy(admin, p).status().message(), "policy.distance_unit"));
  p.set_mileage_rate_minor(0);
  p.add_categories(xpb::CATEGORY_TRAVEL);
  p.add_categories(xpb::CATEGORY_TRAVEL);
  EXPECT_TRUE(absl::StartsWith(book.SetPolicy(admin, p).status().message(), "policy.categories"));
  p.clear_categories();
  p.add_categories(xpb::CATEGORY_TRAVEL);
  ASSERT_TRUE(book.SetPolicy(admin, p).ok());
  refused(Draft({Line(xpb::CATEGORY_MATERIALS, 50)}), "materials is not claimable");
  refused(Draft({Line(xpb::CATEGORY_MILEAGE, 10)}), "mileage is not claimable");
}

google::protobuf::FieldMask Mask(std::vector<std::string> paths) {
  google::protobuf::FieldMask m;
  for (std::string& p : paths) m.add_paths(std::move(p));
  return m;
}

// Issue 11 item 10: `expenses policy set` replaced the whole policy, so leaving out
// the second-approval threshold silently switched the two-approver rule off.
TEST_F(ExpenseBookTest, PolicyUpdatesChangeOnlyTheFieldsNamedAndASafeguardGoesOffOnlyByName) {
  xpb::Policy patch;
  patch.set_community_id(kC);
  patch.set_max_claim_minor(30'000);
  auto updated = book.UpdatePolicy(fiona, patch, Mask({"max_claim_minor"}));
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->max_claim_minor(), 30'000);
  EXPECT_EQ(updated->second_approval_above_minor(), 10'000);  // untouched
  EXPECT_EQ(updated->claim_window_days(), 90);
  EXPECT_EQ(updated->mileage_rate_minor(), 45);
  // Without a mask, only what the request sets changes.
  patch.clear_max_claim_minor();
  patch.set_max_month_minor(50'000);
  updated = book.UpdatePolicy(fiona, patch, google::protobuf::FieldMask());
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->max_month_minor(), 50'000);
  EXPECT_EQ(updated->max_claim_minor(), 30'000);
  EXPECT_EQ(updated->second_approval_above_minor(), 10'000);
  // Switching the second approver off: only by naming it.
  updated = book.UpdatePolicy(fiona, patch, Mask({"second_approval_above_minor"}));
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->second_approval_above_minor(), 0);
  EXPECT_EQ(updated->max_month_minor(), 50'000);

  // What cannot change, a stale etag, or a change that breaks a rule: refused,
  // naming the field, and nothing is written.
  const xpb::Policy before = *book.GetPolicy(kC);
  EXPECT_TRUE(absl::StartsWith(
      book.UpdatePolicy(fiona, patch, Mask({"currency"})).status().message(), "update_mask:"));
  xpb::Policy stale = patch;
  stale.set_etag("0000");
  EXPECT_EQ(book.UpdatePolicy(fiona, stale, Mask({"max_month_minor"})).status().code(),
            absl::StatusCode::kAborted);
  EXPECT_TRUE(absl::StartsWith(
      book.UpdatePolicy(fiona, patch, Mask({"claim_window_days"})).status().message(),
      "policy.claim_window_days"));
  EXPECT_EQ(book.GetPolicy(kC)->SerializeAsString(), before.SerializeAsString());
  // The current etag is accepted.
  xpb::Policy fresh = patch;
  fresh.set_etag(before.etag());
  EXPECT_TRUE(book.UpdatePolicy(fiona, fresh, Mask({"max_month_minor"})).ok());
}

TEST_F(ExpenseBookTest, AClaimEditChangesOnlyTheFieldsNamed) {
  auto made = book.CreateClaim(
      alice, Draft({Line(xpb::CATEGORY_TRAVEL, 1250), Line(xpb::CATEGORY_MATERIALS, 300)}), "");
  ASSERT_TRUE(made.ok());
  xpb::Claim patch;
  patch.set_community_id(kC);
  patch.set_id(made->id());
  patch.set_etag(made->etag());
  patch.set_title("Bus fares and ink");  // no lines in the request: they stay
  auto edited = book.UpdateClaim(alice, patch, Mask({"title"}));
  ASSERT_TRUE(edited.ok()) << edited.status();
  EXPECT_EQ(edited->title(), "Bus fares and ink");
  EXPECT_EQ(edited->lines_size(), 2);
  EXPECT_EQ(edited->total_minor(), 1550);
  patch.set_etag(edited->etag());
  EXPECT_TRUE(absl::StartsWith(book.UpdateClaim(alice, patch, Mask({"state"})).status().message(),
                               "update_mask:"));
}

TEST_F(ExpenseBookTest, FinanceQueueIsOldestFirstAndMembersSeeTheirOwn) {
  xpb::Claim small = Submitted(10, {Line(xpb::CATEGORY_TRAVEL, 300)});
  xpb::Claim big = Submitted(13, {Line(xpb::CATEGORY_TRAVEL, 9000)});
  xpb::ClaimLine org_line = Line(xpb::CATEGORY_TRAVEL, 400);
  xpb::Claim d = Draft({org_line});
  d.set_organisation_id(1);
  auto made = book.CreateClaim(alice, d, "");
  ASSERT_TRUE(made.ok()) << made.status();
  auto org = book.SubmitClaim(alice, kC, made->id(), made->etag());
  ASSERT_TRUE(org.ok());
  xpb::ListClaimsRequest q;
  q.set_community_id(kC);
  q.set_state(xpb::CLAIM_STATE_SUBMITTED);
  auto queue = book.ListClaims(fiona, q, 0, 2);
  ASSERT_TRUE(queue.ok()) << queue.status();
  ASSERT_EQ(queue->items.size(), 2u);
  EXPECT_EQ(queue->items[0].id(), small.id());
  EXPECT_EQ(queue->items[1].id(), big.id());
  ASSERT_TRUE(queue->next_after.has_value());
  auto rest = book.ListClaims(fiona, q, *queue->next_after, 2);
  ASSERT_EQ(rest->items.size(), 1u);
  EXPECT_EQ(rest->items[0].id(), org->id());
  EXPECT_FALSE(rest->next_after.has_value());
  q.set_min_total_minor(1000);
  EXPECT_EQ(book.ListClaims(fiona, q, 0, 10)->items.size(), 1u);
  q.set_min_total_minor(0);
  q.set_organisation_id(1);
  EXPECT_EQ(book.ListClaims(fiona, q, 0, 10)->items.size(), 1u);
  q.set_organisation_id(0);
  q.set_min_age_days(1);
  EXPECT_TRUE(book.ListClaims(fiona, q, 0, 10)->items.empty());
  // Members: their own only.
  xpb::ListClaimsRequest mine;
  mine.set_community_id(kC);
  auto own = book.ListClaims(alice, mine, 0, 10);
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own->items.size(), 2u);
  mine.set_member_id(13);
  EXPECT_EQ(book.ListClaims(alice, mine, 0, 10).status().code(),
            absl::StatusCode::kPermissionDenied);
}

// Issue 11 item 10: a member's `finance queue` printed an empty table instead of
// saying they may not see it.
TEST_F(ExpenseBookTest, AMemberAskingForTheFinanceQueueIsToldTheyMayNot) {
  Submitted(10, {Line(xpb::CATEGORY_TRAVEL, 100)});
  Submitted(11, {Line(xpb::CATEGORY_TRAVEL, 200)});
  xpb::ListClaimsRequest queue;
  queue.set_community_id(kC);
  queue.set_state(xpb::CLAIM_STATE_SUBMITTED);
  for (const dpb::Principal& who : {alice, Person(14, {dpb::ROLE_COORDINATOR})}) {
    auto refused = book.ListClaims(who, queue, 0, 10);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
    EXPECT_TRUE(absl::StrContains(refused.status().message(), "finance queue"));
  }
  EXPECT_EQ(book.ListClaims(fiona, queue, 0, 10)->items.size(), 2u);
  EXPECT_EQ(book.ListClaims(admin, queue, 0, 10)->items.size(), 2u);
  // Their own claims in a state, asked for by their own id, are theirs to see.
  queue.set_member_id(10);
  auto own = book.ListClaims(alice, queue, 0, 10);
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(own->items.size(), 1u);
}

// Reads CSV text back into rows of fields (quoted fields, doubled quotes, CRLF).
std::vector<std::vector<std::string>> ReadCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (quoted) {
      if (ch == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (ch == '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == ',') {
      rows.back().push_back(field);
      field.clear();
    } else if (ch == '\n') {
      rows.back().push_back(field);
      field.clear();
      rows.emplace_back();
    } else if (ch != '\r') {
      field += ch;
    }
  }
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

TEST_F(ExpenseBookTest, AMistakenApprovalIsReversedAndTheNextApprovalPostsAfresh) {
  xpb::Claim c = Submitted(10, {Line(xpb::CATEGORY_TRAVEL, 700), Line(xpb::CATEGORY_OTHER, 300)});
  auto approved = Decide(fiona, c, D::DECISION_APPROVE);
  ASSERT_TRUE(approved.ok()) << approved.status();
  xpb::ReverseApprovalRequest early;
  early.set_community_id(kC);
  early.set_claim_id(c.id());
  early.set_etag(approved->etag());
  early.set_reason("too soon");
  EXPECT_EQ(book.ReverseApproval(farid, early).status().code(),
            absl::StatusCode::kFailedPrecondition);  // the approval is not posted yet
  ASSERT_EQ(book.Dispatch().value(), 0u);
  EXPECT_EQ(ledger.balance[PayableAccountId(kC, 10)], 1000);
  auto loaded = book.GetClaim(fiona, kC, c.id());
  xpb::ReverseApprovalRequest r;
  r.set_community_id(kC);
  r.set_claim_id(c.id());
  r.set_etag(loaded->etag());
  EXPECT_TRUE(absl::StartsWith(book.ReverseApproval(farid, r).status().message(), "reason"));
  r.set_reason("approved the wrong claim");
  EXPECT_EQ(book.ReverseApproval(alice, r).status().code(), absl::StatusCode::kPermissionDenied);
  auto reversed = book.ReverseApproval(farid, r);
  ASSERT_TRUE(reversed.ok()) << reversed.status();
  EXPECT_EQ(reversed->state(), xpb::CLAIM_STATE_SUBMITTED);
  // Until the reversal is posted, the claim cannot be approved again.
  EXPECT_EQ(Decide(farid, *reversed, D::DECISION_APPROVE).status().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_EQ(book.Dispatch().value(), 0u);
  EXPECT_EQ(ledger.balance[PayableAccountId(kC, 10)], 0);
  EXPECT_EQ(ledger.balance[CategoryAccountId(kC, xpb::CATEGORY_TRAVEL)], 0);
  EXPECT_EQ(ledger.Sum(), 0);
  EXPECT_EQ(book.GetClaim(alice, kC, c.id())->posting_state(), xpb::POSTING_STATE_NOT_POSTED);
  // Approved again: new transfer ids, so it posts again rather than meeting EXISTS.
  auto again = Decide(farid, *book.GetClaim(farid, kC, c.id()), D::DECISION_APPROVE);
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_EQ(book.Dispatch().value(), 0u);
  EXPECT_EQ(ledger.balance[PayableAccountId(kC, 10)], 1000);
  EXPECT_EQ(book.GetClaim(alice, kC, c.id())->posting_state(), xpb::POSTING_STATE_POSTED);
  EXPECT_EQ(ledger.Sum(), 0);
}

TEST_F(ExpenseBookTest, PaymentBatchesPayOnceExportForTheBankAndKeepDutiesApart) {
  xpb::Claim a = Submitted(10, {Line(xpb::CATEGORY_TRAVEL, 1250)});
  xpb::Claim b = Submitted(12, {Line(xpb::CATEGORY_MATERIALS, 899)});  // fiona's own
  xpb::Claim waiting = Submitted(10, {Line(xpb::CATEGORY_TRAVEL, 100)});
  ASSERT_TRUE(Decide(fiona, a, D::DECISION_APPROVE).ok());
  ASSERT_TRUE(Decide(farid, b, D::DECISION_APPROVE).ok());
  xpb::CreatePaymentBatchRequest create;
  create.set_community_id(kC);
  // Not posted to the money book yet: nothing to pay.
  EXPECT_EQ(book.CreatePaymentBatch(fiona, create).status().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_EQ(book.Dispatch().value(), 0u);
  create.add_claim_ids(waiting.id());
  EXPECT_EQ(book.CreatePaymentBatch(fiona, create).status().code(),
            absl::StatusCode::kFailedPrecondition);  // not approved
  create.clear_claim_ids();
  create.set_request_id("run-1");
  EXPECT_EQ(book.CreatePaymentBatch(alice, create).status().code(),
            absl::StatusCode::kPermissionDenied);
  auto batch = book.CreatePaymentBatch(fiona, create);
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(batch->claim_ids_size(), 2);
  EXPECT_EQ(batch->total_minor(), 2149);
  EXPECT_EQ(book.CreatePaymentBatch(fiona, create)->id(), batch->id());  // a retry
  create.set_request_id("run-2");
  EXPECT_EQ(book.CreatePaymentBatch(fiona, create).status().code(),
            absl::StatusCode::kFailedPrecondition);  // everything is batched
  // Batched claims can no longer have their approval reversed.
  xpb::ReverseApprovalRequest r;
  r.set_community_id(kC);
  r.set_claim_id(a.id());
  r.set_etag(book.GetClaim(farid, kC, a.id())->etag());
  r.set_reason("late doubt");
  EXPECT_EQ(book.ReverseApproval(farid, r).status().code(), absl::StatusCode::kFailedPrecondition);

  // The bank's file, read back.
  xpb::ExportPaymentBatchRequest export_req;
  export_req.set_community_id(kC);
  export_req.set_batch_id(batch->id());
  auto exported = book.ExportPaymentBatch(fiona, export_req);
  ASSERT_TRUE(exported.ok()) << exported.status();
  const auto rows = ReadCsv(exported->csv());
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0],
            (std::vector<std::string>{"batch", "claim", "member_id", "member_number", "name",
                                      "amount", "currency", "reference", "pay_by"}));
  EXPECT_EQ(rows[1][8], "other means");  // nobody gave bank details
  // The export is on the batch's record: who, when, what.
  auto recorded = book.GetPaymentBatch(kC, batch->id());
  ASSERT_TRUE(recorded.ok());
  ASSERT_EQ(recorded->exports_size(), 1);
  EXPECT_EQ(recorded->exports(0).by_member_id(), fiona.subject_id());
  EXPECT_EQ(recorded->exports(0).format(), xpb::EXPORT_FORMAT_CSV);
  EXPECT_GT(recorded->exports(0).at().seconds(), 0);
  EXPECT_EQ(recorded->export_count(), 1u);
  EXPECT_EQ(rows[1][1], std::to_string(a.id()));
  EXPECT_EQ(rows[1][5], "12.50");
  EXPECT_EQ(rows[1][6], "GBP");
  EXPECT_EQ(rows[2][5], "8.99");
  EXPECT_EQ(rows[2][7], absl::StrCat("TB-1-", b.id()));

  xpb::MarkBatchPaidRequest paid;
  paid.set_community_id(kC);
  paid.set_batch_id(batch->id());
  EXPECT_TRUE(
      absl::StartsWith(book.MarkBatchPaid(farid, paid).status().message(), "payment_reference"));
  paid.set_payment_reference("BACS 2026-11-23");
  // Fiona has a claim in the batch: someone else marks it paid.
  EXPECT_EQ(book.MarkBatchPaid(fiona, paid).status().code(), absl::StatusCode::kPermissionDenied);
  auto done = book.MarkBatchPaid(farid, paid);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->state(), xpb::PaymentBatch::STATE_PAID);
  EXPECT_TRUE(book.MarkBatchPaid(farid, paid).ok());  // idempotent
  paid.set_payment_reference("another");
  EXPECT_EQ(book.MarkBatchPaid(farid, paid).status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_EQ(book.Dispatch().value(), 0u);
  EXPECT_EQ(book.Dispatch().value(), 0u);
  EXPECT_EQ(book.GetClaim(alice, kC, a.id())->state(), xpb::CLAIM_STATE_PAID);
  EXPECT_EQ(book.GetPaymentBatch(kC, batch->id())->posting_state(), xpb::POSTING_STATE_POSTED);
  EXPECT_EQ(ledger.balance[PayableAccountId(kC, 10)], 0);
  EXPECT_EQ(ledger.balance[PayableAccountId(kC, 12)], 0);
  EXPECT_EQ(ledger.balance[BankAccountId(kC)], 2149);
  EXPECT_EQ(ledger.Sum(), 0);
  EXPECT_EQ(ledger.posted.count(ExpensePaymentId(kC, a.id())), 1u);
  auto listed = book.ListPaymentBatches(kC, 0, 10);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->items.size(), 1u);
}

// Issue 11 item 8: nine full payment batches (9,000 transfers, more than one ledger
// call takes) queued while the ledger is down, then claims approved behind them.
// When the ledger is back, every call stays within its limit and everything posts
// exactly once.
TEST_F(ExpenseBookTest, NineFullPaymentBatchesQueuedWhileTheLedgerIsDownPostExactlyOnce) {
  xpb::Policy p = *book.GetPolicy(kC);
  p.set_max_month_minor(ExpenseLimits::kMaxMinor);
  ASSERT_TRUE(book.SetPolicy(admin, p).ok());
  constexpr int kBatches = 9;
  constexpr int kClaims = kBatches * static_cast<int>(ExpenseLimits::kMaxBatchClaims);
  for (int i = 0; i < kClaims; ++i) {
    ASSERT_TRUE(
        Decide(fiona, Submitted(10, {Line(xpb::CATEGORY_TRAVEL, 100)}), D::DECISION_APPROVE).ok());
  }
  for (int round = 0; round < 100 && book.OutboxSize() > 0; ++round)
    ASSERT_TRUE(book.Dispatch().ok());
  ASSERT_EQ(book.OutboxSize(), 0u);

  ledger.down = true;
  std::vector<uint64_t> batches;
  for (int b = 0; b < kBatches; ++b) {
    xpb::CreatePaymentBatchRequest create;
    create.set_community_id(kC);
    auto batch = book.CreatePaymentBatch(fiona, create);
    ASSERT_TRUE(batch.ok()) << batch.status();
    ASSERT_EQ(batch->claim_ids_size(), static_cast<int>(ExpenseLimits::kMaxBatchClaims));
    xpb::MarkBatchPaidRequest paid;
    paid.set_community_id(kC);
    paid.set_batch_id(batch->id());
    paid.set_payment_reference(absl::StrCat("BACS ", b));
    ASSERT_TRUE(book.MarkBatchPaid(farid, paid).ok());
    batches.push_back(batch->id());
  }
  std::vector<xpb::Claim> later;
  for (int i = 0; i < 3; ++i) {
    later.push_back(
        *Decide(fiona, Submitted(10, {Line(xpb::CATEGORY_MATERIALS, 500)}), D::DECISION_APPROVE));
  }
  EXPECT_FALSE(book.Dispatch().ok());
  ASSERT_EQ(book.OutboxSize(), static_cast<size_t>(kBatches + 3));

  ledger.down = false;
  const size_t calls_before = ledger.call_sizes.size();
  for (int round = 0; round < 10 && book.OutboxSize() > 0; ++round) {
    ASSERT_TRUE(book.Dispatch().ok());
  }
  ASSERT_EQ(book.OutboxSize(), 0u);
  for (size_t i = calls_before; i < ledger.call_sizes.size(); ++i) {
    EXPECT_LE(ledger.call_sizes[i], ledger::kMaxBatchEvents);
  }
  for (uint64_t id : batches) {
    auto batch = book.GetPaymentBatch(kC, id);
    EXPECT_EQ(batch->posting_state(), xpb::POSTING_STATE_POSTED) << batch->ledger_result();
  }
  for (const xpb::Claim& c : later) {
    EXPECT_EQ(book.GetClaim(fiona, kC, c.id())->posting_state(), xpb::POSTING_STATE_POSTED);
  }
  EXPECT_EQ(ledger.posted.size(), static_cast<size_t>(2 * kClaims + 3));
  EXPECT_EQ(ledger.balance[BankAccountId(kC)], int64_t{100} * kClaims);
  EXPECT_EQ(ledger.balance[PayableAccountId(kC, 10)], 3 * 500);
  EXPECT_EQ(ledger.Sum(), 0);
}

TEST_F(ExpenseBookTest, ALedgerRefusalIsRecordedOnItsClaimAndNeverBlocksTheClaimsBehindIt) {
  std::vector<xpb::Claim> claims;
  for (int i = 0; i < 5; ++i) {
    claims.push_back(
        *Decide(fiona, Submitted(10, {Line(xpb::CATEGORY_TRAVEL, 100 + i)}), D::DECISION_APPROVE));
  }
  // The ledger refuses any request carrying the second claim's approval.
  const std::string bad = ExpenseApprovalId(kC, claims[1].id(), 1, "travel");
  ledger.refuse = [&bad](const std::vector<lpb::Transfer>& ts) {
    for (const lpb::Transfer& t : ts) {
      if (t.id() == bad) return absl::InvalidArgumentError("transfers[0].memo: not valid UTF-8");
    }
    return absl::OkStatus();
  };
  ASSERT_EQ(book.Dispatch().value(), 0u);
  EXPECT_EQ(book.OutboxSize(), 0u);
  for (size_t i = 0; i < claims.size(); ++i) {
    const xpb::Claim c = *book.GetClaim(fiona, kC, claims[i].id());
    if (i == 1) {
      EXPECT_EQ(c.posting_state(), xpb::POSTING_STATE_REFUSED);
      EXPECT_TRUE(absl::StrContains(c.ledger_result(), "not valid UTF-8")) << c.ledger_result();
    } else {
      EXPECT_EQ(c.posting_state(), xpb::POSTING_STATE_POSTED) << i;
    }
  }
  EXPECT_EQ(ledger.posted.size(), 4u);
  EXPECT_EQ(ledger.Sum(), 0);
}

TEST_F(ExpenseBookTest, ReceiptsAreSniffedHashedRequiredAboveTheThresholdAndDuplicatesFlagged) {
  xpb::Policy p = *book.GetPolicy(kC);
  p.set_receipt_required_above_minor(2000);
  ASSERT_TRUE(book.SetPolicy(admin, p).ok());
  auto made = book.CreateClaim(alice, Draft({Line(xpb::CATEGORY_MATERIALS, 4500)}), "");
  ASSERT_TRUE(made.ok());
  auto refused = book.SubmitClaim(alice, kC, made->id(), made->etag());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "needs a receipt"));
  // Money said as money (issue 14), never in minor units.
  EXPECT_TRUE(absl::StrContains(refused.status().message(),
                                "\u00a345.00 is above the \u00a320.00 this community pays "
                                "without a receipt"))
      << refused.status().message();

  const std::string pdf = "%PDF-1.4\n% a receipt from the craft shop\n";
  xpb::AttachReceiptRequest a;
  a.set_community_id(kC);
  a.set_claim_id(made->id());
  a.set_etag(made->etag());
  a.set_filename("craft-shop.pdf");
  a.set_data("MZ\x90\x00 not a receipt");
  EXPECT_TRUE(
      absl::StartsWith(book.AttachReceipt(alice, a).status().message(), "data: not an image"));
  a.set_data(std::string(ExpenseLimits::kMaxReceiptBytes + 1, 'x'));
  EXPECT_TRUE(absl::StartsWith(book.AttachReceipt(alice, a).status().message(), "data:"));
  a.set_data(pdf);
  EXPECT_EQ(book.AttachReceipt(Person(13), a).status().code(), absl::StatusCode::kPermissionDenied);
  auto with = book.AttachReceipt(alice, a);
  ASSERT_TRUE(with.ok()) << with.status();
  ASSERT_EQ(with->receipts_size(), 1);
  EXPECT_EQ(with->receipts(0).content_type(), "application/pdf");
  EXPECT_EQ(with->receipts(0).size_bytes(), static_cast<int64_t>(pdf.size()));
  EXPECT_EQ(with->receipts(0).sha256_hex().size(), 64u);
  EXPECT_EQ(with->receipts(0).also_on_claim_ids_size(), 0);
  auto sent = book.SubmitClaim(alice, kC, made->id(), with->etag());
  ASSERT_TRUE(sent.ok()) << sent.status();
  // Finance reads the file; another member cannot.
  xpb::GetReceiptRequest g;
  g.set_community_id(kC);
  g.set_claim_id(made->id());
  g.set_receipt_id(with->receipts(0).id());
  EXPECT_EQ(book.GetReceipt(fiona, g)->data(), pdf);
  EXPECT_EQ(book.GetReceipt(Person(13), g).status().code(), absl::StatusCode::kNotFound);
  // Submitted: receipts can no longer change.
  a.set_etag(sent->etag());
  EXPECT_EQ(book.AttachReceipt(alice, a).status().code(), absl::StatusCode::kFailedPrecondition);

  // The same file on a second claim (of someone else) is flagged on both.
  auto second = book.CreateClaim(Person(13), Draft({Line(xpb::CATEGORY_MATERIALS, 4500)}), "");
  ASSERT_TRUE(second.ok());
  a.set_claim_id(second->id());
  a.set_etag(second->etag());
  a.set_filename("receipt.pdf");
  auto dup = book.AttachReceipt(Person(13), a);
  ASSERT_TRUE(dup.ok()) << dup.status();
  ASSERT_EQ(dup->receipts(0).also_on_claim_ids_size(), 1);
  EXPECT_EQ(dup->receipts(0).also_on_claim_ids(0), made->id());
  auto first_now = book.GetClaim(fiona, kC, made->id());
  ASSERT_EQ(first_now->receipts(0).also_on_claim_ids_size(), 1);
  EXPECT_EQ(first_now->receipts(0).also_on_claim_ids(0), second->id());
  // Detached, it no longer counts as a duplicate for later claims.
  xpb::DetachReceiptRequest d;
  d.set_community_id(kC);
  d.set_claim_id(second->id());
  d.set_etag(dup->etag());
  d.set_receipt_id(dup->receipts(0).id());
  auto without = book.DetachReceipt(Person(13), d);
  ASSERT_TRUE(without.ok()) << without.status();
  EXPECT_EQ(without->receipts_size(), 0);
  EXPECT_EQ(book.SubmitClaim(Person(13), kC, second->id(), without->etag()).status().code(),
            absl::StatusCode::kFailedPrecondition);  // needs a receipt again
  EXPECT_EQ(SniffReceiptType("\xFF\xD8\xFF\xE0...."), "image/jpeg");
  EXPECT_EQ(SniffReceiptType(std::string("\x89PNG\r\n\x1A\n....", 12)), "image/png");
  EXPECT_EQ(SniffReceiptType(std::string("RIFF\x10\x00\x00\x00WEBPVP8 ", 16)), "image/webp");
  EXPECT_EQ(SniffReceiptType(std::string("\x00\x00\x00\x18"
                                         "ftypheic",
                                         12)),
            "image/heic");
  EXPECT_EQ(SniffReceiptType("GIF89a"), "");
}

TEST_F(ExpenseBookTest, TheReportShowsSpendByMonthCategoryOrganisationAndWhatIsOwed) {
  xpb::Claim d = Draft({Line(xpb::CATEGORY_TRAVEL, 500), Line(xpb::CATEGORY_TRAVEL, 250)});
  d.set_organisation_id(1);
  auto made = book.CreateClaim(alice, d, "");
  ASSERT_TRUE(made.ok());
  auto sent = book.SubmitClaim(alice, kC, made->id(), made->etag());
  ASSERT_TRUE(Decide(fiona, *sent, D::DECISION_APPROVE).ok());
  xpb::Claim other = Submitted(13, {Line(xpb::CATEGORY_MATERIALS, 120)});
  ASSERT_TRUE(Decide(fiona, other, D::DECISION_APPROVE).ok());
  Submitted(10, {Line(xpb::CATEGORY_OTHER, 999)});  // submitted, not approved: not spend
  xpb::GetMoneyReportRequest req;
  req.set_community_id(kC);
  auto r = book.GetMoneyReport(req);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->currency(), "GBP");
  ASSERT_EQ(r->spend_size(), 2);
  int64_t total = 0;
  for (const auto& row : r->spend()) {
    total += row.total_minor();
    if (row.category() == xpb::CATEGORY_TRAVEL) {
      EXPECT_EQ(row.organisation_id(), 1u);
      EXPECT_EQ(row.lines(), 2);
      EXPECT_EQ(row.total_minor(), 750);
      EXPECT_EQ(row.month(), DaysAgo(2).substr(0, 7));
    }
  }
  EXPECT_EQ(total, 870);
  ASSERT_EQ(r->owed_size(), 2);
  EXPECT_EQ(r->owed(0).member_id(), 10u);
  EXPECT_EQ(r->owed(0).owed_minor(), 750);
  req.set_from_month("2099-01");
  EXPECT_EQ(book.GetMoneyReport(req)->spend_size(), 0);
  req.set_from_month("November");
  EXPECT_TRUE(absl::StartsWith(book.GetMoneyReport(req).status().message(), "from_month"));
}

TEST_F(ExpenseBookTest, LinesMayNameTheActivityThatCausedThem) {
  xpb::Claim c = Draft({Line(xpb::CATEGORY_TRAVEL, 300)});
  c.mutable_lines(0)->set_activity_id(7);
  auto made = book.CreateClaim(alice, c, "");
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(made->lines(0).activity_id(), 7u);
  c.mutable_lines(0)->set_activity_id(8);
  EXPECT_TRUE(
      absl::StrContains(book.CreateClaim(alice, c, "").status().message(),
                        "claim.lines[0].activity_id: activity 8 is not one you took part in"));
  EXPECT_TRUE(book.CreateClaim(Person(12), c, "").ok());  // the receiver may claim
  c.mutable_lines(0)->set_activity_id(99);
  EXPECT_TRUE(absl::StrContains(book.CreateClaim(alice, c, "").status().message(),
                                "activity 99 does not exist"));
  ExpenseBook without{&store, &people, &ledger, nullptr, &clock};
  c.mutable_lines(0)->set_activity_id(7);
  EXPECT_EQ(without.CreateClaim(alice, c, "").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

// Issue 12 item 3: the book reads the time from the clock it is given, never the
// host's (the host's date is not the FakeClock's, so each check below would fail).
TEST_F(ExpenseBookTest, TheClaimWindowTheMonthCapAndHistoryFollowTheBooksClock) {
  const xpb::ClaimLine today = Line(xpb::CATEGORY_TRAVEL, 100, 0);
  clock.Set(kStart - absl::Hours(24));  // the day before: today's line is in the future
  EXPECT_TRUE(absl::StrContains(book.CreateClaim(alice, Draft({today}), "").status().message(),
                                "claim.lines[0].date: is in the future"));
  clock.Set(kStart);
  auto made = book.CreateClaim(alice, Draft({today}), "");
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(made->created_at().seconds(), absl::ToUnixSeconds(kStart));
  EXPECT_EQ(made->history(0).at().seconds(), absl::ToUnixSeconds(kStart));
  clock.Advance(absl::Hours(24 * 92));  // past the 90-day window
  EXPECT_TRUE(
      absl::StrContains(book.SubmitClaim(alice, kC, made->id(), made->etag()).status().message(),
                        "claim.lines[0].date: is outside the claim window of 90 days"));

  // The month cap (40,000) counts the claims submitted in the clock's month.
  clock.Set(kStart);
  Submitted(10, {Line(xpb::CATEGORY_TRAVEL, 20'000)});
  Submitted(10, {Line(xpb::CATEGORY_TRAVEL, 20'000)});
  auto third = book.CreateClaim(alice, Draft({Line(xpb::CATEGORY_TRAVEL, 20'000)}), "");
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_TRUE(
      absl::StrContains(book.SubmitClaim(alice, kC, third->id(), third->etag()).status().message(),
                        "per member per month is \u00a3400.00"));
  const absl::Time december = kStart + absl::Hours(24 * 14);  // 2026-12-02
  clock.Set(december);
  auto sent = book.SubmitClaim(alice, kC, third->id(), third->etag());
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->submitted_at().seconds(), absl::ToUnixSeconds(december));
  EXPECT_EQ(sent->history().rbegin()->at().seconds(), absl::ToUnixSeconds(december));
}

// Issue 12 item 6: separation of duties and the second-approver rule, pinned with
// their messages, for every finance action: deciding, reversing, batching, paying.
TEST_F(ExpenseBookTest, NobodyActsOnTheirOwnClaimAndTwoDifferentPeopleApproveAboveTheThreshold) {
  const dpb::Principal fred = Person(11, {dpb::ROLE_FINANCE});  // a third finance officer
  dpb::Principal service;
  service.set_kind(dpb::Principal::KIND_SERVICE);
  service.set_community_id(kC);
  service.add_roles(dpb::ROLE_FINANCE);
  auto denied = [](const absl::Status& s, const std::string& message) {
    EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << s;
    EXPECT_EQ(s.message(), message);
  };
  const xpb::Claim big = Submitted(12, {Line(xpb::CATEGORY_CARE_COVER, 12'000)});  // fiona's
  ASSERT_TRUE(big.needs_second_approval());
  for (D::Decision d : {D::DECISION_APPROVE, D::DECISION_REJECT, D::DECISION_ASK_FOR_INFO}) {
    denied(Decide(fiona, big, d, "mine").status(),
           "nobody decides their own claim; another finance officer must");
  }
  denied(Decide(admin, big, D::DECISION_APPROVE).status(), "only finance officers decide claims");
  denied(Decide(service, big, D::DECISION_APPROVE).status(), "only finance officers decide claims");

  auto first = Decide(farid, big, D::DECISION_APPROVE);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->state(), xpb::CLAIM_STATE_SUBMITTED);
  EXPECT_EQ(first->first_approver_member_id(), 13u);
  denied(Decide(farid, *first, D::DECISION_APPROVE).status(),
         "the second approval must come from a different finance officer");
  denied(Decide(fiona, *first, D::DECISION_APPROVE).status(),
         "nobody decides their own claim; another finance officer must");
  auto second = Decide(fred, *first, D::DECISION_APPROVE);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->state(), xpb::CLAIM_STATE_APPROVED);
  ASSERT_EQ(book.Dispatch().value(), 0u);

  // Reversing: finance only, never the claimant; afterwards two approvers again.
  xpb::ReverseApprovalRequest r;
  r.set_community_id(kC);
  r.set_claim_id(big.id());
  r.set_etag(book.GetClaim(farid, kC, big.id())->etag());
  r.set_reason("wrong rate");
  denied(book.ReverseApproval(fiona, r).status(),
         "nobody acts on their own claim; another finance officer must");
  denied(book.ReverseApproval(admin, r).status(), "only finance officers reverse approvals");
  auto reversed = book.ReverseApproval(farid, r);
  ASSERT_TRUE(reversed.ok()) << reversed.status();
  EXPECT_EQ(reversed->first_approver_member_id(), 0u);
  ASSERT_EQ(book.Dispatch().value(), 0u);
  auto again = Decide(farid, *book.GetClaim(farid, kC, big.id()), D::DECISION_APPROVE);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->state(), xpb::CLAIM_STATE_SUBMITTED);  // a first approval, again
  denied(Decide(farid, *again, D::DECISION_APPROVE).status(),
         "the second approval must come from a different finance officer");
  ASSERT_TRUE(Decide(fred, *again, D::DECISION_APPROVE).ok());
  ASSERT_EQ(book.Dispatch().value(), 0u);

  // Batching is for finance officers; paying a batch is for anyone in finance but
  // the claimant of a claim in it.
  xpb::CreatePaymentBatchRequest create;
  create.set_community_id(kC);
  denied(book.CreatePaymentBatch(admin, create).status(),
         "only finance officers gather payment batches");
  auto batch = book.CreatePaymentBatch(fiona, create);
  ASSERT_TRUE(batch.ok()) << batch.status();
  xpb::MarkBatchPaidRequest paid;
  paid.set_community_id(kC);
  paid.set_batch_id(batch->id());
  paid.set_payment_reference("BACS 1");
  denied(book.MarkBatchPaid(admin, paid).status(), "only finance officers mark payments");
  denied(book.MarkBatchPaid(fiona, paid).status(),
         absl::StrCat("nobody pays their own claim: claim ", big.id(),
                      " in this batch is yours; another finance officer marks it paid"));
  EXPECT_TRUE(book.MarkBatchPaid(farid, paid).ok());
}

// Issue 12 item 4: the fake ledger refuses a call larger than the real ledger takes,
// as the real one does, so a test fails if the book ever sends one.
TEST_F(ExpenseBookTest, TheFakeLedgerRefusesAnOversizedCallAsTheRealLedgerDoes) {
  std::vector<lpb::Transfer> too_many(ledger::kMaxBatchEvents + 1);
  for (size_t i = 0; i < too_many.size(); ++i) too_many[i].set_id(absl::StrCat("t", i));
  auto posted = ledger.Post(too_many);
  EXPECT_EQ(posted.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(posted.status().message(), "transfers: between 1 and "));
  std::vector<lpb::Account> accounts(ledger::kMaxBatchEvents + 1);
  EXPECT_EQ(ledger.OpenAccounts(accounts).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ledger.call_sizes.empty());
  EXPECT_TRUE(ledger.account_call_sizes.empty());
  EXPECT_TRUE(ledger.posted.empty());
}

std::string Key(char tag, std::vector<uint64_t> parts) {
  std::string k(1, tag);
  for (uint64_t p : parts) storage::PutU64(&k, p);
  return k;
}

// Issue 12 item 5: the split keeps the on-disk layout, so an existing data directory
// opens unchanged. Every key one claim's whole life writes, built here by hand from
// the layout the store has always had.
TEST_F(ExpenseBookTest, TheRecordsKeepTheOnDiskLayoutOfEveryExistingDataDirectory) {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  auto made = book.CreateClaim(alice, Draft({Line(xpb::CATEGORY_TRAVEL, 700)}), "r1");
  ASSERT_TRUE(made.ok()) << made.status();
  const std::string png = "\x89PNG\r\n\x1A\nreceipt";
  xpb::AttachReceiptRequest attach;
  attach.set_community_id(kC);
  attach.set_claim_id(made->id());
  attach.set_etag(made->etag());
  attach.set_filename("bus.png");
  attach.set_data(png);
  auto attached = book.AttachReceipt(alice, attach);
  ASSERT_TRUE(attached.ok()) << attached.status();
  auto sent = book.SubmitClaim(alice, kC, made->id(), attached->etag());
  ASSERT_TRUE(sent.ok()) << sent.status();
  ASSERT_TRUE(Decide(fiona, *sent, D::DECISION_APPROVE).ok());
  ASSERT_EQ(book.Dispatch().value(), 0u);
  xpb::CreatePaymentBatchRequest create;
  create.set_community_id(kC);
  create.set_request_id("run-1");
  auto batch = book.CreatePaymentBatch(fiona, create);
  ASSERT_TRUE(batch.ok()) << batch.status();
  xpb::MarkBatchPaidRequest paid;
  paid.set_community_id(kC);
  paid.set_batch_id(batch->id());
  paid.set_payment_reference("BACS 1");
  ASSERT_TRUE(book.MarkBatchPaid(farid, paid).ok());
  ASSERT_EQ(book.Dispatch().value(), 0u);
  ASSERT_EQ(made->id(), 1u);
  ASSERT_EQ(batch->id(), 1u);

  std::string state_key = Key('s', {kC});
  storage::PutU8(&state_key, static_cast<uint8_t>(xpb::CLAIM_STATE_PAID));
  storage::PutU64(&state_key, 1);
  std::string month_key = Key('M', {kC, 10});
  storage::PutI64(&month_key, 202611);
  const std::set<std::string> expected = {
      Key('P', {kC}),
      Key('C', {kC, 1}),
      Key('a', {kC, kMax - 1}),
      Key('m', {kC, 10, kMax - 1}),
      state_key,
      month_key,
      "Qcreate:1:10:r1",
      Key('F', {kC, 1}),
      Key('h', {kC}) + auth::Sha256(png) + Key('_', {1}).substr(1),
      Key('B', {kC, 1}),
      Key('b', {kC, kMax - 1}),
      "Qbatch:1:run-1",
      "#claim.1",
      "#receipt.1",
      "#batch.1",
      "#outbox",
  };
  std::set<std::string> keys;
  std::map<std::string, std::string> values;
  auto it = static_cast<storage::KvStore&>(store).NewIterator(0);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    keys.emplace(it->key());
    values[std::string(it->key())] = std::string(it->value());
  }
  ASSERT_TRUE(it->status().ok());
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(values["Qcreate:1:10:r1"], Key('_', {kC, 1}).substr(1));  // u64 c, u64 claim
  EXPECT_EQ(values["Qbatch:1:run-1"], Key('_', {kC, 1}).substr(1));   // u64 c, u64 batch
  EXPECT_EQ(values[month_key].size(), 8u);
  EXPECT_EQ(storage::DecodeI64(values[month_key].data()), 700);
  EXPECT_EQ(values[Key('F', {kC, 1})], png);
  xpb::Claim stored;
  ASSERT_TRUE(stored.ParseFromString(values[Key('C', {kC, 1})]));
  EXPECT_EQ(stored.state(), xpb::CLAIM_STATE_PAID);
  EXPECT_EQ(stored.etag(), book.GetClaim(alice, kC, 1)->etag());
  xpb::Policy policy;
  ASSERT_TRUE(policy.ParseFromString(values[Key('P', {kC})]));
  EXPECT_EQ(policy.etag(), book.GetPolicy(kC)->etag());
}

}  // namespace
}  // namespace timebank::expenses

namespace timebank::expenses {
namespace {

xpb::SetBankDetailsRequest Bank(uint64_t member, const std::string& name, const std::string& sort,
                                const std::string& account) {
  xpb::SetBankDetailsRequest r;
  r.set_community_id(kC);
  r.set_member_id(member);
  r.set_account_name(name);
  r.set_sort_code(sort);
  r.set_account_number(account);
  return r;
}

TEST_F(ExpenseBookTest, BankDetailsAreTheMembersOwnSealedMaskedForFinanceAndErasedWithThem) {
  // Wrong form: refused naming the field, nothing written.
  auto bad = book.SetBankDetails(alice, Bank(10, "ALICE JONES", "12-34-5", "31926819"));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(bad.status().message(), "sort_code: ")) << bad.status();
  bad = book.SetBankDetails(alice, Bank(10, "ALICE JONES", "12-34-56", "3192681"));
  EXPECT_TRUE(absl::StartsWith(bad.status().message(), "account_number: ")) << bad.status();
  bad = book.SetBankDetails(alice, Bank(10, "ALICE JONES-WILLIAMSON", "12-34-56", "31926819"));
  EXPECT_TRUE(absl::StartsWith(bad.status().message(), "account_name: ")) << bad.status();
  EXPECT_EQ(book.GetBankDetails(alice, kC, 10).status().code(), absl::StatusCode::kNotFound);
  // Only for oneself.
  EXPECT_EQ(book.SetBankDetails(alice, Bank(12, "FIONA", "123456", "31926819")).status().code(),
            absl::StatusCode::kPermissionDenied);

  auto set = book.SetBankDetails(alice, Bank(10, "Alice Jones", "12 34 56", "31926819"));
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->account_name(), "ALICE JONES");
  EXPECT_EQ(set->sort_code(), "12-34-56");
  // The member sees their own; finance officers see them masked; nobody else at all.
  auto own = book.GetBankDetails(alice, kC, 10);
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(own->account_number(), "31926819");
  EXPECT_FALSE(own->masked());
  auto masked = book.GetBankDetails(fiona, kC, 10);
  ASSERT_TRUE(masked.ok()) << masked.status();
  EXPECT_EQ(masked->sort_code(), "**-**-56");
  EXPECT_EQ(masked->account_number(), "****6819");
  EXPECT_EQ(masked->account_name(), "ALICE JONES");
  EXPECT_TRUE(masked->masked());
  EXPECT_EQ(book.GetBankDetails(admin, kC, 10).status().code(),
            absl::StatusCode::kPermissionDenied);
  dpb::Principal elsewhere = fiona;
  elsewhere.set_community_id(2);
  EXPECT_EQ(book.GetBankDetails(elsewhere, kC, 10).status().code(),
            absl::StatusCode::kPermissionDenied);

  // At rest: none of the numbers or the name in the stored bytes.
  std::string stored;
  ASSERT_TRUE(store.Get(kRecords, BankKey(kC, 10), &stored, nullptr).value());
  for (const char* plain : {"31926819", "123456", "ALICE"}) {
    EXPECT_FALSE(absl::StrContains(stored, plain)) << plain;
  }

  // Replaced, then erased with the member (a retry finds nothing more).
  ASSERT_TRUE(book.SetBankDetails(alice, Bank(10, "A JONES", "654321", "00000001")).ok());
  EXPECT_EQ(book.GetBankDetails(alice, kC, 10)->sort_code(), "65-43-21");
  auto erased = book.EraseMember(kC, 10);
  ASSERT_TRUE(erased.ok()) << erased.status();
  EXPECT_TRUE(erased->bank_details_deleted());
  EXPECT_FALSE(book.EraseMember(kC, 10)->bank_details_deleted());
  EXPECT_EQ(book.GetBankDetails(alice, kC, 10).status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(store.Get(kRecords, BankKey(kC, 10), &stored, nullptr).value());

  // Removing one's own: once, then nothing to remove.
  ASSERT_TRUE(book.SetBankDetails(alice, Bank(10, "A JONES", "654321", "00000001")).ok());
  EXPECT_EQ(book.DeleteBankDetails(fiona, kC, 10).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(book.DeleteBankDetails(alice, kC, 10)->deleted());
  EXPECT_FALSE(book.DeleteBankDetails(alice, kC, 10)->deleted());
}

// Field `from`..`to` (1-based, inclusive) of a Standard 18 record, as the layout numbers
// them: the test's own reading of the file, sharing nothing with the writer.
std::string Pos(const std::string& record, size_t from, size_t to) {
  return record.substr(from - 1, to - from + 1);
}

struct Std18Read {
  std::vector<std::string> records;  // without their CRLF
  std::vector<std::string> credits;  // transaction code 99
  std::string contra;
  int64_t credit_pence = 0;
};

Std18Read ReadStd18(const std::string& file) {
  Std18Read r;
  size_t at = 0;
  while (at < file.size()) {
    const size_t end = file.find("\r\n", at);
    EXPECT_NE(end, std::string::npos) << "a record without CRLF";
    if (end == std::string::npos) break;
    r.records.push_back(file.substr(at, end - at));
    at = end + 2;
  }
  for (const std::string& rec : r.records) {
    EXPECT_EQ(rec.size(), 100u) << "'" << rec << "'";
    const std::string label = rec.substr(0, 4);
    if (label == "VOL1" || label == "HDR1" || label == "HDR2" || label == "UHL1" ||
        label == "EOF1" || label == "EOF2" || label == "UTL1") {
      continue;
    }
    if (Pos(rec, 16, 17) == "99") {
      r.credits.push_back(rec);
      r.credit_pence += std::stoll(Pos(rec, 36, 46));
    } else {
      EXPECT_EQ(Pos(rec, 16, 17), "17") << rec;
      r.contra = rec;
    }
  }
  return r;
}

TEST_F(ExpenseBookTest, ABatchExportsAsBacsStandard18ForThePayeesWithBankDetails) {
  ASSERT_TRUE(book.SetBankDetails(alice, Bank(10, "Alice Jones", "20-00-00", "55779911")).ok());
  ASSERT_TRUE(book.SetBankDetails(admin, Bank(11, "B Hussain", "404784", "70872490")).ok());
  xpb::Claim a1 = Submitted(10, {Line(xpb::CATEGORY_TRAVEL, 1250)});
  xpb::Claim a2 = Submitted(10, {Line(xpb::CATEGORY_MATERIALS, 320)});
  xpb::Claim b = Submitted(11, {Line(xpb::CATEGORY_TRAVEL, 4500)});
  xpb::Claim f = Submitted(12, {Line(xpb::CATEGORY_TRAVEL, 899)});  // fiona: no bank details
  for (const xpb::Claim& c : {a1, a2, b}) ASSERT_TRUE(Decide(fiona, c, D::DECISION_APPROVE).ok());
  ASSERT_TRUE(Decide(farid, f, D::DECISION_APPROVE).ok());
  ASSERT_EQ(book.Dispatch().value(), 0u);
  xpb::CreatePaymentBatchRequest create;
  create.set_community_id(kC);
  auto batch = book.CreatePaymentBatch(farid, create);
  ASSERT_TRUE(batch.ok()) << batch.status();
  ASSERT_EQ(batch->total_minor(), 1250 + 320 + 4500 + 899);

  xpb::ExportPaymentBatchRequest req;
  req.set_community_id(kC);
  req.set_batch_id(batch->id());
  req.set_format(xpb::EXPORT_FORMAT_BACS_STANDARD_18);
  EXPECT_EQ(book.ExportPaymentBatch(alice, req).status().code(),
            absl::StatusCode::kPermissionDenied);
  // No originating details yet: finance is told how to set them.
  auto refused = book.ExportPaymentBatch(farid, req);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "--bacs_sun")) << refused.status();
  xpb::Policy patch;
  patch.set_community_id(kC);
  xpb::BacsOriginator& o = *patch.mutable_bacs_originator();
  o.set_service_user_number("987654");
  o.set_sort_code("30-90-89");
  o.set_account_number("1234567");  // 7 digits
  o.set_account_name("riverside tb");
  google::protobuf::FieldMask mask;
  mask.add_paths("bacs_originator");
  auto bad = book.UpdatePolicy(fiona, patch, mask);
  EXPECT_TRUE(absl::StartsWith(bad.status().message(), "policy.bacs_originator.account_number: "))
      << bad.status();
  EXPECT_FALSE(book.GetPolicy(kC)->has_bacs_originator());  // nothing written
  o.set_account_number("12345678");
  auto policy = book.UpdatePolicy(fiona, patch, mask);
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->bacs_originator().sort_code(), "309089");
  EXPECT_EQ(policy->bacs_originator().account_name(), "RIVERSIDE TB");

  req.set_processing_date("2026-11-01");  // in the past
  EXPECT_TRUE(absl::StartsWith(book.ExportPaymentBatch(farid, req).status().message(),
                               "processing_date: "));
  req.clear_processing_date();  // the next weekday: Thursday 19 November 2026
  auto exported = book.ExportPaymentBatch(farid, req);
  ASSERT_TRUE(exported.ok()) << exported.status();
  const Std18Read file = ReadStd18(exported->bacs());

  // The labels, in order, with the originator's number and the processing day.
  ASSERT_EQ(file.records.size(), 4u + 2u + 1u + 3u);
  const std::vector<std::string> labels = {"VOL1", "HDR1", "HDR2", "UHL1"};
  for (size_t i = 0; i < labels.size(); ++i) EXPECT_EQ(Pos(file.records[i], 1, 4), labels[i]);
  EXPECT_EQ(Pos(file.records[0], 42, 47), "987654");  // VOL1 owner: the SUN
  EXPECT_EQ(Pos(file.records[0], 5, 10), exported->export_().volume_serial());
  EXPECT_EQ(Pos(file.records[1], 6, 11), "987654");   // HDR1 file identifier
  EXPECT_EQ(Pos(file.records[1], 42, 47), " 26322");  // created 18 November
  EXPECT_EQ(Pos(file.records[3], 5, 10), " 26323");   // UHL1: processing on the 19th
  EXPECT_EQ(Pos(file.records[7], 1, 4), "EOF1");
  EXPECT_EQ(Pos(file.records[8], 1, 4), "EOF2");
  const std::string& utl = file.records[9];
  EXPECT_EQ(Pos(utl, 1, 4), "UTL1");

  // One credit per payee (Alice's two claims together), in batch order.
  ASSERT_EQ(file.credits.size(), 2u);
  const std::string& alice_rec = file.credits[0];
  EXPECT_EQ(Pos(alice_rec, 1, 6), "200000");
  EXPECT_EQ(Pos(alice_rec, 7, 14), "55779911");
  EXPECT_EQ(Pos(alice_rec, 15, 15), "0");
  EXPECT_EQ(Pos(alice_rec, 18, 23), "309089");
  EXPECT_EQ(Pos(alice_rec, 24, 31), "12345678");
  EXPECT_EQ(Pos(alice_rec, 36, 46), "00000001570");
  EXPECT_EQ(Pos(alice_rec, 47, 64), "RIVERSIDE TB      ");
  EXPECT_EQ(Pos(alice_rec, 65, 82),
            absl::StrCat("EXPENSES B", batch->id(),
                         std::string(18 - 10 - absl::StrCat(batch->id()).size(), ' ')));
  EXPECT_EQ(Pos(alice_rec, 83, 100), "ALICE JONES       ");
  EXPECT_EQ(Pos(file.credits[1], 1, 14), "40478470872490");
  EXPECT_EQ(Pos(file.credits[1], 36, 46), "00000004500");
  EXPECT_EQ(Pos(file.credits[1], 83, 100), "B HUSSAIN         ");

  // Totals: the credits, the contra and the trailer agree with the batch less the claim
  // paid by other means.
  const int64_t bacs_total = batch->total_minor() - 899;
  EXPECT_EQ(file.credit_pence, bacs_total);
  EXPECT_EQ(Pos(file.contra, 1, 14), "30908912345678");
  EXPECT_EQ(std::stoll(Pos(file.contra, 36, 46)), bacs_total);
  EXPECT_EQ(Pos(file.contra, 65, 82), "CONTRA            ");
  EXPECT_EQ(std::stoll(Pos(utl, 5, 17)), bacs_total);   // debits: the contra
  EXPECT_EQ(std::stoll(Pos(utl, 18, 30)), bacs_total);  // credits
  EXPECT_EQ(Pos(utl, 31, 37), "0000001");
  EXPECT_EQ(Pos(utl, 38, 44), "0000002");

  // The claim without bank details: on the export, the batch and the other-means list.
  const xpb::BatchExport& e = exported->export_();
  EXPECT_EQ(e.bacs_payees(), 2);
  EXPECT_EQ(e.bacs_total_minor(), bacs_total);
  ASSERT_EQ(e.other_means_claim_ids_size(), 1);
  EXPECT_EQ(e.other_means_claim_ids(0), f.id());
  auto recorded = book.GetPaymentBatch(kC, batch->id());
  ASSERT_EQ(recorded->exports_size(), 1);
  EXPECT_EQ(recorded->exports(0).by_member_id(), farid.subject_id());
  EXPECT_EQ(recorded->exports(0).at().seconds(), absl::ToUnixSeconds(kStart));
  EXPECT_EQ(recorded->exports(0).processing_date(), "2026-11-19");
  xpb::ListOtherMeansClaimsRequest other;
  other.set_community_id(kC);
  other.set_batch_id(batch->id());
  auto list = book.ListOtherMeansClaims(other);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->claims_size(), 1);
  EXPECT_EQ(list->claims(0).claim_id(), f.id());
  EXPECT_EQ(list->claims(0).member_id(), 12u);
  EXPECT_EQ(list->total_minor(), 899);
  other.clear_batch_id();
  EXPECT_EQ(book.ListOtherMeansClaims(other)->claims_size(), 1);

  // A second Bacs file would pay everyone twice: refused unless the first never reached
  // the bank (again); it then gets its own volume serial. Once paid, no BACS file at all.
  auto twice = book.ExportPaymentBatch(farid, req);
  EXPECT_EQ(twice.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(twice.status().message(), "pays everyone twice")) << twice.status();
  EXPECT_EQ(book.GetPaymentBatch(kC, batch->id())->export_count(), 1u);
  req.set_again(true);
  auto again = book.ExportPaymentBatch(farid, req);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_NE(again->export_().volume_serial(), e.volume_serial());
  EXPECT_EQ(book.GetPaymentBatch(kC, batch->id())->export_count(), 2u);
  xpb::MarkBatchPaidRequest paid;
  paid.set_community_id(kC);
  paid.set_batch_id(batch->id());
  paid.set_payment_reference("BACS 19 NOV");
  ASSERT_TRUE(book.MarkBatchPaid(farid, paid).ok());
  EXPECT_EQ(book.ExportPaymentBatch(farid, req).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace timebank::expenses
