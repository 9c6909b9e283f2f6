// Thank-you notes at their core (thank_you_notes.h): who may thank for which activity
// (the receiver of an exchange, a coordinator of the organisation a contribution was
// given to), every refusal with its code naming its field and nothing written, one
// note per activity and a retry answered as it stands, what the provider, the author
// and coordinators see (a hidden note never reaches members), the thank-you badge
// (awarded by a note, withdrawn when its only note is hidden, awarded again by the
// next), paging newest first, the summary's latest 20, and a rebuild that replays
// notes to the same digest.
#include "services/rewards/thank_you_notes.h"

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/common/ids.h"
#include "services/rewards/rewards_records.h"
#include "tests/rewards/thanks_fixture.h"

namespace timebank::rewards {
namespace {

using C = absl::StatusCode;

TEST_F(ThanksTest, EachRefusalHasItsCodeNamesItsFieldAndWritesNothing) {
  const dpb::Principal receiver = Person(kReceiver);
  xpb::LeaveThanksRequest no_community = Thanks(kExchange, "Thank you");
  no_community.set_community_id(0);
  EXPECT_EQ(LeaveRefused(receiver, no_community, "community_id"), C::kInvalidArgument);
  EXPECT_EQ(LeaveRefused(receiver, Thanks(0, "Thank you"), "activity_id"), C::kInvalidArgument);
  for (const std::string& bad :
       {std::string(), std::string("   "), std::string(281, 'x'), std::string("thanks\x07"),
        std::string("thank\nyou"), std::string("\xff thanks")}) {
    SCOPED_TRACE(absl::CHexEscape(bad));
    EXPECT_EQ(LeaveRefused(receiver, Thanks(kExchange, bad), "text"), C::kInvalidArgument);
  }
  // Unknown, not yet posted, or not an exchange or contribution: not found.
  for (uint64_t activity : {uint64_t{99}, kPending, kDonation}) {
    SCOPED_TRACE(activity);
    EXPECT_EQ(LeaveRefused(receiver, Thanks(activity, "Thank you"), "activity_id"), C::kNotFound);
  }
  // Not the receiver: the provider, another member, a coordinator of another
  // organisation, a coordinator thanking for time they gave themself.
  EXPECT_EQ(LeaveRefused(Person(kProvider), Thanks(kExchange, "Thanks"), "activity_id"),
            C::kFailedPrecondition);
  EXPECT_EQ(LeaveRefused(Person(kCoordinator), Thanks(kExchange, "Thanks"), "activity_id"),
            C::kFailedPrecondition);
  EXPECT_EQ(LeaveRefused(receiver, Thanks(kContribution, "Thanks"), "activity_id"),
            C::kFailedPrecondition);
  EXPECT_EQ(LeaveRefused(CoordinatorOf(kOrg + 1), Thanks(kContribution, "Thanks"), "activity_id"),
            C::kFailedPrecondition);
  dpb::Principal service;
  service.set_kind(dpb::Principal::KIND_SERVICE);
  service.set_community_id(kC);
  EXPECT_EQ(LeaveRefused(service, Thanks(kExchange, "Thanks"), "activity_id"),
            C::kFailedPrecondition);
  // 280 bytes is the limit; then one note per activity, and a retry writes nothing.
  const std::string longest(280, 'x');
  absl::StatusOr<xpb::ThankYouNote> note = desk_.Leave(receiver, Thanks(kExchange, longest));
  ASSERT_TRUE(note.ok()) << note.status();
  EXPECT_EQ(LeaveRefused(receiver, Thanks(kExchange, "Thanks again"), "activity_id"),
            C::kFailedPrecondition);
  const std::string after = Dump();
  absl::StatusOr<xpb::ThankYouNote> again = desk_.Leave(receiver, Thanks(kExchange, longest));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->SerializeAsString(), note->SerializeAsString());
  EXPECT_EQ(Dump(), after);
}

TEST_F(ThanksTest, TheProviderSeesNotesFromTheReceiverAndTheOrganisationNewestFirst) {
  absl::StatusOr<xpb::ThankYouNote> from_receiver =
      desk_.Leave(Person(kReceiver), Thanks(kExchange, "Thank you for fixing my gate"));
  ASSERT_TRUE(from_receiver.ok()) << from_receiver.status();
  EXPECT_EQ(from_receiver->provider_member_id(), kProvider);
  EXPECT_EQ(from_receiver->author_member_id(), kReceiver);
  EXPECT_EQ(from_receiver->organisation_id(), 0u);
  EXPECT_EQ(from_receiver->kind(), lpb::TRANSFER_KIND_EXCHANGE);
  EXPECT_EQ(from_receiver->minutes(), 60);
  clock_.Set(InWeek(3) + absl::Hours(1));
  absl::StatusOr<xpb::ThankYouNote> from_org =
      desk_.Leave(CoordinatorOf(kOrg), Thanks(kContribution, "The carers thank you"));
  ASSERT_TRUE(from_org.ok()) << from_org.status();
  EXPECT_EQ(from_org->organisation_id(), kOrg);
  EXPECT_EQ(from_org->author_member_id(), kCoordinator);

  absl::StatusOr<xpb::MemberSummary> s = book_.MemberSummary(Person(kProvider), 0, 0);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->thank_you_notes_size(), 2);
  EXPECT_EQ(s->thank_you_notes(0).text(), "The carers thank you");
  EXPECT_EQ(s->thank_you_notes(1).text(), "Thank you for fixing my gate");
  const xpb::ListThanksResponse provider = List(Person(kProvider), kProvider);
  ASSERT_EQ(provider.notes_size(), 2);
  EXPECT_TRUE(provider.notes(0).received());
  EXPECT_EQ(provider.notes(0).activity_id(), kContribution);
  EXPECT_EQ(provider.notes(1).activity_id(), kExchange);
  EXPECT_TRUE(provider.next_page_token().empty());
  // The receiver sees what they wrote (not received); their summary has no notes.
  const xpb::ListThanksResponse receiver = List(Person(kReceiver), kReceiver);
  ASSERT_EQ(receiver.notes_size(), 1);
  EXPECT_FALSE(receiver.notes(0).received());
  s = book_.MemberSummary(Person(kReceiver), 0, 0);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->thank_you_notes_size(), 0);
  // An unknown member is not found.
  xpb::ListThanksRequest unknown;
  unknown.set_community_id(kC);
  unknown.set_member_id(9);
  EXPECT_EQ(desk_.List(CoordinatorOf(kOrg), unknown).status().code(), C::kNotFound);
}

TEST_F(ThanksTest, AHiddenNoteIsGoneForMembersMarkedForCoordinatorsAndTakesItsBadge) {
  ASSERT_TRUE(desk_.Leave(Person(kReceiver), Thanks(kExchange, "You are useless")).ok());
  const BadgeState* badge = ThankYouBadge();
  ASSERT_NE(badge, nullptr);
  EXPECT_TRUE(badge->awarded());

  EXPECT_EQ(HideRefused(Hide(kExchange, " "), "reason"), C::kInvalidArgument);
  EXPECT_EQ(HideRefused(Hide(kContribution, "abusive"), "activity_id"), C::kNotFound);
  xpb::HideThanksRequest no_activity = Hide(0, "abusive");
  EXPECT_EQ(HideRefused(no_activity, "activity_id"), C::kInvalidArgument);
  clock_.Set(InWeek(3) + absl::Hours(2));
  absl::StatusOr<xpb::ThankYouNote> hidden =
      desk_.Hide(CoordinatorOf(kOrg), Hide(kExchange, "abusive, not thanks"));
  ASSERT_TRUE(hidden.ok()) << hidden.status();
  EXPECT_TRUE(hidden->hidden());
  EXPECT_EQ(hidden->hidden_reason(), "abusive, not thanks");
  EXPECT_EQ(hidden->hidden_by(), kCoordinator);
  EXPECT_EQ(HideRefused(Hide(kExchange, "again"), "activity_id"), C::kFailedPrecondition);

  // Members see it nowhere; a coordinator sees it marked, with the reason.
  EXPECT_EQ(List(Person(kProvider), kProvider).notes_size(), 0);
  EXPECT_EQ(List(Person(kReceiver), kReceiver).notes_size(), 0);
  absl::StatusOr<xpb::MemberSummary> s = book_.MemberSummary(Person(kProvider), 0, 0);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->thank_you_notes_size(), 0);
  const xpb::ListThanksResponse seen = List(CoordinatorOf(kOrg), kProvider);
  ASSERT_EQ(seen.notes_size(), 1);
  EXPECT_TRUE(seen.notes(0).hidden());
  EXPECT_EQ(seen.notes(0).hidden_reason(), "abusive, not thanks");

  // The badge rested on that note alone: withdrawn (kept and shown), and awarded
  // again by the next note.
  badge = ThankYouBadge();
  ASSERT_NE(badge, nullptr);
  EXPECT_FALSE(badge->awarded());
  EXPECT_EQ(badge->times_withdrawn, 1u);
  ASSERT_TRUE(desk_.Leave(CoordinatorOf(kOrg), Thanks(kContribution, "Thank you")).ok());
  badge = ThankYouBadge();
  ASSERT_NE(badge, nullptr);
  EXPECT_TRUE(badge->awarded());
  EXPECT_EQ(badge->times_awarded, 2u);
}

TEST_F(ThanksTest, ListsPageNewestFirstAndEveryNoteOnce) {
  // Six more exchanges from the provider to the receiver, each thanked.
  for (uint64_t id = 20; id < 26; ++id) {
    Activity(id, lpb::TRANSFER_KIND_EXCHANGE, MemberAccountId(kC, kReceiver),
             MemberAccountId(kC, kProvider));
  }
  ASSERT_TRUE(projection_.Apply(journal_.entries()).ok());
  for (uint64_t id = 20; id < 26; ++id) {
    ASSERT_TRUE(desk_.Leave(Person(kReceiver), Thanks(id, absl::StrCat("thanks ", id))).ok());
  }
  std::vector<uint64_t> seen;
  std::string token;
  int pages = 0;
  do {
    const xpb::ListThanksResponse page = List(Person(kProvider), kProvider, 4, token);
    for (const xpb::ThankYouNote& n : page.notes()) seen.push_back(n.activity_id());
    token = page.next_page_token();
    ASSERT_LT(++pages, 10);
  } while (!token.empty());
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(seen, (std::vector<uint64_t>{25, 24, 23, 22, 21, 20}));
  xpb::ListThanksRequest bad;
  bad.set_page_token("not a token");
  EXPECT_EQ(desk_.List(Person(kProvider), bad).status().code(), C::kInvalidArgument);
}

TEST_F(ThanksTest, TheSummaryShowsTheLatestTwentyNotesReceived) {
  for (uint64_t id = 100; id < 125; ++id) {
    Activity(id, lpb::TRANSFER_KIND_EXCHANGE, MemberAccountId(kC, kReceiver),
             MemberAccountId(kC, kProvider));
  }
  ASSERT_TRUE(projection_.Apply(journal_.entries()).ok());
  for (uint64_t id = 100; id < 125; ++id) {
    ASSERT_TRUE(desk_.Leave(Person(kReceiver), Thanks(id, absl::StrCat("thanks ", id))).ok());
  }
  ASSERT_TRUE(desk_.Hide(CoordinatorOf(kOrg), Hide(124, "a test")).ok());
  absl::StatusOr<xpb::MemberSummary> s = book_.MemberSummary(Person(kProvider), 0, 0);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->thank_you_notes_size(), ThanksLimits::kSummaryNotesMax);
  EXPECT_EQ(s->thank_you_notes(0).activity_id(), 123u);  // the newest shown (124 is hidden)
  EXPECT_EQ(s->thank_you_notes(19).activity_id(), 104u);
  // The whole list still has every one the provider may see.
  EXPECT_EQ(List(Person(kProvider), kProvider).notes_size(), 24);
}

TEST_F(ThanksTest, ARebuildReplaysNotesAndHidingToTheSameDigest) {
  ASSERT_TRUE(desk_.Leave(Person(kReceiver), Thanks(kExchange, "Thank you")).ok());
  ASSERT_TRUE(desk_.Leave(CoordinatorOf(kOrg), Thanks(kContribution, "Thanks")).ok());
  ASSERT_TRUE(desk_.Hide(CoordinatorOf(kOrg), Hide(kContribution, "a test")).ok());
  const std::string live = DigestOf();
  const xpb::ListThanksResponse before = List(CoordinatorOf(kOrg), kProvider);
  ASSERT_TRUE(projection_.Wipe().ok());
  EXPECT_NE(DigestOf(), live);
  ASSERT_TRUE(projection_.Apply(journal_.entries()).ok());
  EXPECT_EQ(DigestOf(), live);
  EXPECT_EQ(List(CoordinatorOf(kOrg), kProvider).SerializeAsString(), before.SerializeAsString());
  std::string bytes;
  ASSERT_TRUE(store_.Get(kRecords, MemberKey(kC, kProvider), &bytes, nullptr).ok());
  rpb::MemberRecord record;
  ASSERT_TRUE(record.ParseFromString(bytes));
  EXPECT_EQ(record.thank_you_notes_received(), 1) << "replayed once: one shown, one hidden";
}

}  // namespace
}  // namespace timebank::rewards
