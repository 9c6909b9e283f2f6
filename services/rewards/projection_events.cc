// RewardsProjection's recognition events: what people do in the rewards service itself,
// logged at the projection's journal position and applied with it (projection.h).
#include <memory>

#include "absl/strings/str_cat.h"
#include "services/common/records/record_key.h"
#include "services/common/records/record_tx.h"
#include "services/rewards/projection.h"
#include "services/rewards/rewards_records.h"
#include "services/rewards/thank_you_notes.h"
#include "storage/check.h"

namespace timebank::rewards {

absl::StatusOr<rpb::RecognitionEvent> RewardsProjection::Record(rpb::RecognitionEvent event) {
  TB_CHECK(event.event_case() != rpb::RecognitionEvent::EVENT_NOT_SET);
  TB_RETURN_IF_ERROR(zones_.Resolve(event.community_id()));  // outside the lock
  absl::MutexLock lock(&mu_);
  if (event_n_ != last_event_n_) {
    return absl::UnavailableError(
        "the rewards service is replaying its history (a rebuild is under way); try again "
        "in a minute");
  }
  event.set_n(last_event_n_ + 1);
  event.set_after_journal_seq(applied_seq_);
  ProjectionTx tx(store_, &cache_);
  TB_RETURN_IF_ERROR(ApplyEvent(event, tx));
  TB_ASSIGN_OR_RETURN(rpb::RecognitionEvent * logged,
                      tx.Mutable<rpb::RecognitionEvent>(EventKey(event.n())));
  *logged = event;
  TB_RETURN_IF_ERROR(CommitStep(tx, applied_seq_, event.n()));
  last_event_n_ = event.n();
  return event;
}

absl::StatusOr<std::vector<rpb::RecognitionEvent>> RewardsProjection::DueEvents(uint64_t seq) {
  std::vector<rpb::RecognitionEvent> due;
  if (event_n_ == last_event_n_) return due;  // the usual case: nothing waits
  std::unique_ptr<storage::Iterator> it = store_->NewIterator(kRecords);
  for (it->Seek(EventKey(event_n_ + 1)); it->Valid() && it->key()[0] == kEventTag; it->Next()) {
    TB_ASSIGN_OR_RETURN(rpb::RecognitionEvent e, records::ParseRecord<rpb::RecognitionEvent>(
                                                     it->value(), "a recognition event"));
    if (e.after_journal_seq() > seq) break;  // logged in journal order
    due.push_back(std::move(e));
  }
  TB_RETURN_IF_ERROR(it->status());
  return due;
}

absl::Status RewardsProjection::ReplayEvent(const rpb::RecognitionEvent& event) {
  TB_CHECK(event.n() == event_n_ + 1);
  TB_RETURN_IF_ERROR(zones_.Resolve(event.community_id()));
  auto tx = std::make_unique<ProjectionTx>(store_, &cache_);
  absl::Status applied = ApplyEvent(event, *tx);
  if (absl::IsUnavailable(applied) || absl::IsDataLoss(applied)) return applied;
  // Refused when it was recorded too (so it was never logged), or no longer applicable
  // after an erasure: it changes nothing, as then.
  if (!applied.ok()) tx = std::make_unique<ProjectionTx>(store_, &cache_);
  return CommitStep(*tx, applied_seq_, event.n());
}

absl::Status RewardsProjection::ApplyEvent(const rpb::RecognitionEvent& event, ProjectionTx& tx) {
  const uint64_t c = event.community_id();
  const absl::Time at = absl::FromUnixMillis(event.at_unix_ms());
  switch (event.event_case()) {
    case rpb::RecognitionEvent::kRulesSet: {
      std::vector<uint64_t> members;
      const std::string prefix = MemberPrefix(c);
      std::unique_ptr<storage::Iterator> it = store_->NewIterator(kRecords);
      for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
        members.push_back(records::U64At(it->key(), prefix.size()));
      }
      TB_RETURN_IF_ERROR(it->status());
      return badges_.PutRulesInForce(c, event.rules_set(), members, at, tx);
    }
    case rpb::RecognitionEvent::kBadgeHidden: {
      const rpb::BadgeHidden& h = event.badge_hidden();
      return badges_.SetHidden(c, h.member_id(), h.badge_id(), h.hidden(), tx);
    }
    case rpb::RecognitionEvent::kStreakPaused: {
      const rpb::StreakPaused& p = event.streak_paused();
      if (p.ended()) {
        return badges_.EndStreakPause(c, p.member_id(), p.first_week(), p.weeks(), at, tx);
      }
      return badges_.PauseStreak(c, p.member_id(), p.first_week(), p.weeks(), at, tx);
    }
    case rpb::RecognitionEvent::kMemberErased: {
      TB_ASSIGN_OR_RETURN(rpb::MemberRecord * record, tx.Mutable<rpb::MemberRecord>(MemberKey(
                                                          c, event.member_erased().member_id())));
      record->set_erased(true);
      return EraseThanksTexts(store_, c, event.member_erased().member_id(), tx);
    }
    case rpb::RecognitionEvent::kThanksLeft:
      return ApplyThanksLeft(event, badges_, tx);
    case rpb::RecognitionEvent::kThanksHidden:
      return ApplyThanksHidden(event, badges_, tx);
    default:
      break;
  }
  return absl::InternalError(absl::StrCat("recognition event ", event.n(), " has no known kind"));
}

}  // namespace timebank::rewards
