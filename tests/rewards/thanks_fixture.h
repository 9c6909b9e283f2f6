// The thank-you notes tests' fixture (thank_you_notes_test.cc, thanks_privacy_test.cc):
// three members of a community (and of a second one), the activities of every kind a
// note may or may not be left on, and the ThanksDesk over an in-memory projection.
#ifndef TIMEBANK_TESTS_REWARDS_THANKS_FIXTURE_H_
#define TIMEBANK_TESTS_REWARDS_THANKS_FIXTURE_H_

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/common/clock.h"
#include "services/common/ids.h"
#include "services/rewards/badge_book.h"
#include "services/rewards/projection.h"
#include "services/rewards/rewards_book.h"
#include "services/rewards/rewards_records.h"
#include "services/rewards/thank_you_notes.h"
#include "storage/mem_store.h"
#include "tests/rewards/projection_fixture.h"

namespace timebank::rewards {

namespace xpb = ::timebank::rewards::v1;

constexpr uint64_t kOrg = 40;
constexpr uint64_t kProvider = 1, kReceiver = 2, kCoordinator = 3;
// Activities: 11 an exchange (1 helped 2), 12 a contribution (1 to kOrg), 13 a
// reservation not yet posted, 14 a donation, 15 an exchange the coordinator gave.
constexpr uint64_t kExchange = 11, kContribution = 12, kPending = 13, kDonation = 14,
                   kCoordinatorGave = 15;

// A second community, whose members have the same numbers.
constexpr uint64_t kOtherC = kC + 1;

// Members 1 to 3 of kC and of kOtherC.
class ThreeMembers final : public LondonPeople {
 public:
  absl::StatusOr<dpb::Member> Member(uint64_t c, uint64_t id) override {
    if ((c != kC && c != kOtherC) || id < 1 || id > 3) {
      return absl::NotFoundError(absl::StrCat("member ", id, " is not in community ", c));
    }
    dpb::Member m;
    m.set_community_id(c);
    m.set_id(id);
    return m;
  }
};

inline dpb::Principal Person(uint64_t member, uint64_t c = kC) {
  dpb::Principal p;
  p.set_kind(dpb::Principal::KIND_MEMBER);
  p.set_community_id(c);
  p.set_subject_id(member);
  p.add_roles(dpb::ROLE_MEMBER);
  return p;
}

inline dpb::Principal CoordinatorOf(uint64_t org, uint64_t c = kC) {
  dpb::Principal p = Person(kCoordinator, c);
  p.add_roles(dpb::ROLE_COORDINATOR);
  p.add_coordinator_of(org);
  return p;
}

inline xpb::LeaveThanksRequest Thanks(uint64_t activity, const std::string& text, uint64_t c = kC) {
  xpb::LeaveThanksRequest r;
  r.set_community_id(c);
  r.set_activity_id(activity);
  r.set_text(text);
  return r;
}

inline xpb::HideThanksRequest Hide(uint64_t activity, const std::string& reason) {
  xpb::HideThanksRequest r;
  r.set_community_id(kC);
  r.set_activity_id(activity);
  r.set_reason(reason);
  return r;
}

class ThanksTest : public ::testing::Test {
 protected:
  ThanksTest() { clock_.Set(InWeek(3)); }
  void SetUp() override {
    ASSERT_TRUE(projection_.Open().ok());
    Activity(kExchange, lpb::TRANSFER_KIND_EXCHANGE, MemberAccountId(kC, kReceiver),
             MemberAccountId(kC, kProvider));
    Activity(kContribution, lpb::TRANSFER_KIND_CONTRIBUTION, OrganisationAccountId(kC, kOrg),
             MemberAccountId(kC, kProvider));
    Activity(kPending, lpb::TRANSFER_KIND_EXCHANGE, MemberAccountId(kC, kReceiver),
             MemberAccountId(kC, kProvider))
        .mutable_transfer()
        ->set_pending(true);
    Activity(kDonation, lpb::TRANSFER_KIND_DONATION, MemberAccountId(kC, kReceiver),
             PoolAccountId(kC));
    Activity(kCoordinatorGave, lpb::TRANSFER_KIND_EXCHANGE, MemberAccountId(kC, kReceiver),
             MemberAccountId(kC, kCoordinator));
    ASSERT_TRUE(projection_.Apply(journal_.entries()).ok());
  }

  // A transfer as the activity service posts it for activity `id` (of community c).
  lpb::JournalEntry& Activity(uint64_t id, lpb::TransferKind kind, std::string debit,
                              std::string credit, uint64_t c = kC) {
    lpb::Transfer t = journal_.Move(kind, std::move(debit), std::move(credit), 60, 1);
    t.set_id(ActivityTransferId(c, id));
    lpb::JournalEntry& e = journal_.Add(std::move(t));
    e.mutable_transfer()->set_community_id(c);
    return e;
  }
  // An exchange `provider` gave `receiver` as activity `id` of community c.
  lpb::JournalEntry& Exchange(uint64_t id, uint64_t provider, uint64_t receiver, uint64_t c = kC) {
    return Activity(id, lpb::TRANSFER_KIND_EXCHANGE, MemberAccountId(c, receiver),
                    MemberAccountId(c, provider), c);
  }

  std::string Dump() {
    std::string out;
    auto it = store_.NewIterator(kRecords, nullptr);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      absl::StrAppend(&out, absl::CHexEscape(std::string(it->key())), " = ",
                      absl::CHexEscape(std::string(it->value())), "\n");
    }
    return out;
  }
  // The refusal's code; its message names `field`, and nothing was written.
  template <class Call>
  absl::StatusCode Refused(Call call, const std::string& field) {
    const std::string before = Dump();
    absl::Status s = call();
    EXPECT_FALSE(s.ok());
    EXPECT_EQ(s.message().rfind(field + ": ", 0), 0u) << s;
    EXPECT_EQ(Dump(), before) << "a refusal wrote something: " << s;
    return s.code();
  }
  absl::StatusCode LeaveRefused(const dpb::Principal& as, const xpb::LeaveThanksRequest& r,
                                const std::string& field) {
    return Refused([&] { return desk_.Leave(as, r).status(); }, field);
  }
  absl::StatusCode HideRefused(const xpb::HideThanksRequest& r, const std::string& field) {
    return Refused([&] { return desk_.Hide(CoordinatorOf(kOrg), r).status(); }, field);
  }
  xpb::ListThanksResponse List(const dpb::Principal& as, uint64_t member, int page_size = 0,
                               const std::string& token = "") {
    xpb::ListThanksRequest r;
    r.set_community_id(kC);
    r.set_member_id(member);
    r.set_page_size(page_size);
    r.set_page_token(token);
    absl::StatusOr<xpb::ListThanksResponse> out = desk_.List(as, r);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? *out : xpb::ListThanksResponse();
  }
  const BadgeState* ThankYouBadge() {
    absl::StatusOr<MemberBadges> b = ReadMemberBadges(&store_, nullptr, kC, kProvider);
    EXPECT_TRUE(b.ok()) << b.status();
    badges_ = b.ok() ? *b : MemberBadges();
    return badges_.Find("thank-you-received");
  }
  std::string DigestOf() {
    absl::StatusOr<ProjectionDigest> d = projection_.Digest();
    EXPECT_TRUE(d.ok()) << d.status();
    return d.ok() ? d->digest_hex : "";
  }

  storage::MemStore store_{1};
  ThreeMembers people_;
  FakeClock clock_;
  Journal journal_;
  RewardsProjection projection_{&store_, &people_};
  ThanksDesk desk_{&projection_, &people_, &clock_};
  AnnotationBook annotations_{&store_, &people_, &clock_};
  RewardsBook book_{&projection_, &annotations_, &people_, &clock_};
  MemberBadges badges_;
};

}  // namespace timebank::rewards

#endif  // TIMEBANK_TESTS_REWARDS_THANKS_FIXTURE_H_
