// RewardsBook::MemberSummary: one member record, the member's weekly buckets of the
// last 52 weeks, and the streak computed from the active weeks the record keeps.
#include <algorithm>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/common/records/record_key.h"
#include "services/rewards/analysis/streaks.h"
#include "services/rewards/analysis/weeks.h"
#include "services/rewards/badge_desk.h"
#include "services/rewards/badge_projector.h"
#include "services/rewards/rewards_book.h"
#include "services/rewards/rewards_records.h"
#include "services/rewards/star_cells.h"
#include "services/rewards/streak_pauses.h"
#include "services/rewards/thank_you_notes.h"
#include "storage/check.h"

namespace timebank::rewards {

namespace dpb = ::timebank::directory::v1;
using ::timebank::rewards::v1::MemberSummary;

namespace {

constexpr int32_t kRecentWeeks[] = {4, 13, 52};

// Sums the member's weekly buckets of the last 4, 13 and 52 weeks into `out`.
absl::Status AddRecent(storage::KvStore* store, const storage::Snapshot* snap, uint64_t c,
                       uint64_t member, int32_t this_week, MemberSummary* out) {
  for (int32_t weeks : kRecentWeeks) {
    auto* r = out->add_recent();
    r->set_weeks(weeks);
  }
  const int32_t oldest = this_week - kRecentWeeks[2] + 1;
  std::unique_ptr<storage::Iterator> it = store->NewIterator(kRecords, snap);
  const std::string end = MemberBucketKey(c, member, Grain::kWeek, this_week);
  for (it->Seek(MemberBucketKey(c, member, Grain::kWeek, oldest)); it->Valid() && it->key() <= end;
       it->Next()) {
    rpb::MemberBucket b;
    if (!b.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("a rewards record (a member's week) is damaged");
    }
    const int64_t week = records::I64At(it->key(), it->key().size() - 8);
    for (int i = 0; i < out->recent_size(); ++i) {
      if (week > this_week - out->recent(i).weeks()) {
        auto* r = out->mutable_recent(i);
        r->set_minutes_given(r->minutes_given() + b.minutes_given());
        r->set_minutes_received(r->minutes_received() + b.minutes_received());
      }
    }
  }
  return it->status();
}

void CopyLifetime(const rpb::MemberRecord& r, MemberSummary* out) {
  out->set_minutes_given(r.minutes_given());
  out->set_minutes_received(r.minutes_received());
  out->set_two_way(r.minutes_given() > 0 && r.minutes_received() > 0);
  out->set_people_helped(r.people_helped());
  out->set_helped_by(r.helped_by());
  out->set_organisations_given_to(r.organisations_given_to());
  AppendStarCells(r.star(), out->mutable_star());
  out->set_minutes_donated(r.minutes_donated());
  out->set_donations(r.donations());
  out->set_minutes_redeemed(r.minutes_redeemed());
  out->set_redemptions(r.redemptions());
}

}  // namespace

absl::StatusOr<MemberSummary> RewardsBook::MemberSummary(const dpb::Principal& caller, uint64_t c,
                                                         uint64_t member) {
  TB_ASSIGN_OR_RETURN(MemberRef meant, MemberMeant(caller, c, member, "a summary"));
  c = meant.community_id;
  member = meant.member_id;
  TB_RETURN_IF_ERROR(people_->Member(c, member).status());
  TB_RETURN_IF_ERROR(projection_->zones()->Resolve(c));
  const absl::TimeZone tz = projection_->zones()->Zone(c);
  const int32_t this_week = WeekIndex(clock_->Now(), tz);

  ::timebank::rewards::v1::MemberSummary out;
  out.set_community_id(c);
  out.set_member_id(member);
  storage::KvStore* store = projection_->store();
  std::shared_ptr<const storage::Snapshot> snap = store->GetSnapshot();
  TB_ASSIGN_OR_RETURN(rpb::Cursor cursor, LoadCursor(store, snap.get()));
  out.set_as_of_journal_seq(cursor.journal_seq());
  std::string bytes;
  TB_ASSIGN_OR_RETURN(bool found, store->Get(kRecords, MemberKey(c, member), &bytes, snap.get()));
  rpb::MemberRecord r;
  if (found && !r.ParseFromString(bytes)) {
    return absl::DataLossError(
        absl::StrCat("the rewards record of member ", member, " is damaged"));
  }
  CopyLifetime(r, &out);
  TB_RETURN_IF_ERROR(AddRecent(store, snap.get(), c, member, this_week, &out));
  if (!r.active_weeks().empty()) {
    out.set_first_active_week(absl::FormatCivilTime(WeekStart(r.active_weeks(0))));
    out.set_last_active_week(
        absl::FormatCivilTime(WeekStart(r.active_weeks(r.active_weeks_size() - 1))));
  }
  const MemberFacts facts = FactsOf(r, this_week);
  out.set_current_streak_weeks(static_cast<int32_t>(facts.current_streak_weeks));
  out.set_longest_streak_weeks(static_cast<int32_t>(facts.longest_streak_weeks));
  for (const WeekRange& p : PausesOf(r)) *out.add_streak_pauses() = ToStreakPause(p);
  TB_ASSIGN_OR_RETURN(std::vector<rpb::EarnedBadge> badges,
                      EarnedBadges(store, snap.get(), c, member, /*with_withdrawn=*/false,
                                   /*with_hidden=*/IsCallerMember(caller, c, member)));
  for (rpb::EarnedBadge& b : badges) *out.add_badges() = std::move(b);
  TB_ASSIGN_OR_RETURN(std::vector<rpb::ThankYouNote> notes,
                      RecentThanksReceived(store, snap.get(), c, member));
  for (rpb::ThankYouNote& n : notes) *out.add_thank_you_notes() = std::move(n);
  return out;
}

}  // namespace timebank::rewards
