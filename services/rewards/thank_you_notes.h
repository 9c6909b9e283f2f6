// Thank-you notes (issue 13): the receiver of an exchange, or a coordinator of the
// organisation a contribution was given to, leaves one short note on the activity for
// the member who gave the time; the provider sees it; coordinators and admins can hide
// an abusive one. A note is keyed by the activity id people see in tbctl (the activity
// service's id, whose ledger transfer the projection counted), one per activity.
//
// Leaving and hiding are RecognitionEvents (decision 0014), like streak pauses: the
// ThanksDesk validates a request against the committed projection and Record()s the
// event; the projection checks the rules again when it applies it (ApplyThanksLeft,
// ApplyThanksHidden) and stores the note under 'Y', so a rebuild replays every note at
// its journal position and reaches the same digest.
//
// The badge metric thank_you_notes_received_count counts the provider's notes that are
// not hidden. Hiding a note therefore re-evaluates the provider's badges: a
// "thank-you-received" badge that rested on that note alone is withdrawn (recorded and
// shown, like a reversal's withdrawal), and awarded again by the next note. A reversal
// of the thanked activity leaves its note as it is: the thanks was given.
#ifndef TIMEBANK_SERVICES_REWARDS_THANK_YOU_NOTES_H_
#define TIMEBANK_SERVICES_REWARDS_THANK_YOU_NOTES_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/clock.h"
#include "services/common/paging.h"
#include "services/common/peers.h"
#include "services/rewards/badge_projector.h"
#include "services/rewards/projection.h"
#include "services/rewards/projection_tx.h"
#include "storage/kv_store.h"
#include "timebank/directory/v1/auth.pb.h"
#include "timebank/rewards/v1/rewards.pb.h"
#include "timebank/rewards/v1/rewards_records.pb.h"

namespace timebank::rewards {

struct ThanksLimits {
  // A member's summary shows this many of the latest notes received...
  static constexpr int kSummaryNotesMax = 20;
  // ... looking at no more of their index entries than this (written ones and hidden
  // ones are passed over).
  static constexpr int kSummaryScanMax = 200;
  // One ListThanks call examines at most this many index entries.
  static constexpr size_t kListScanMax = 2000;
};

// Applies a ThanksLeft event (the rules checked again at the event's position): the
// note, the provider's and the author's index entries, the provider's count and
// badges. NOT_FOUND naming activity_id for an activity the projection does not count;
// FAILED_PRECONDITION naming activity_id for an author who may not thank for it, or an
// activity already thanked. A refusal writes nothing.
absl::Status ApplyThanksLeft(const ::timebank::rewards::v1::RecognitionEvent& event,
                             const BadgeProjector& badges, ProjectionTx& tx);
// Applies a ThanksHidden event: NOT_FOUND naming activity_id without a note,
// FAILED_PRECONDITION naming it when already hidden.
absl::Status ApplyThanksHidden(const ::timebank::rewards::v1::RecognitionEvent& event,
                               const BadgeProjector& badges, ProjectionTx& tx);

// Erases the text of every note the member received or wrote, in the notes and in the
// logged ThanksLeft events (MemberErased; `store` holds the committed index).
absl::Status EraseThanksTexts(storage::KvStore* store, uint64_t c, uint64_t member,
                              ProjectionTx& tx);

// One page of the notes the member received or wrote, newest first (ListThanks and
// the data export). Positions are the notes' activity ids.
struct ThanksPageQuery {
  uint64_t c = 0;
  uint64_t member = 0;
  IdPage page;
  bool with_hidden = false;      // hidden notes too (moderators; the member's own export)
  bool with_moderation = false;  // with the moderators' reasons (moderators only)
};
absl::StatusOr<Page<::timebank::rewards::v1::ThankYouNote>> ThanksPageOf(
    storage::KvStore* store, const storage::Snapshot* snapshot, const ThanksPageQuery& query);

// Coordinators and admins of community c moderate notes, and so see hidden ones (and
// the notices of hidden ones).
bool ModeratesThanks(const ::timebank::directory::v1::Principal& caller, uint64_t c);

// Whether the note on `activity_id` of community c was hidden (false without a note):
// a thanks_received notice of a hidden note is not shown to members.
absl::StatusOr<bool> IsThanksHidden(storage::KvStore* store, uint64_t c, uint64_t activity_id);

// The member's latest notes received and not hidden, newest first (MemberSummary).
absl::StatusOr<std::vector<::timebank::rewards::v1::ThankYouNote>> RecentThanksReceived(
    storage::KvStore* store, const storage::Snapshot* snapshot, uint64_t c, uint64_t member);

class ThanksDesk {
 public:
  ThanksDesk(RewardsProjection* projection, People* people, const Clock* clock)
      : projection_(projection), people_(people), clock_(clock) {}

  // The same note asked again by its author (a retry) is answered as it stands.
  absl::StatusOr<::timebank::rewards::v1::ThankYouNote> Leave(
      const ::timebank::directory::v1::Principal& caller,
      const ::timebank::rewards::v1::LeaveThanksRequest& req);
  // The member's notes, received and written, newest first; hidden ones only for
  // coordinators and admins of the community.
  absl::StatusOr<::timebank::rewards::v1::ListThanksResponse> List(
      const ::timebank::directory::v1::Principal& caller,
      const ::timebank::rewards::v1::ListThanksRequest& req);
  // Coordinators and admins of the community (the access rule sees to it).
  absl::StatusOr<::timebank::rewards::v1::ThankYouNote> Hide(
      const ::timebank::directory::v1::Principal& caller,
      const ::timebank::rewards::v1::HideThanksRequest& req);

 private:
  RewardsProjection* const projection_;
  People* const people_;
  const Clock* const clock_;
};

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_THANK_YOU_NOTES_H_
