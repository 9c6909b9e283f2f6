#include "services/rewards/thank_you_notes.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/auth/token.h"
#include "services/common/ids.h"
#include "services/common/paging.h"
#include "services/common/records/records.h"
#include "services/common/text_fields.h"
#include "services/common/timestamps.h"
#include "services/rewards/badge_desk.h"
#include "services/rewards/notice_log.h"
#include "services/rewards/rewards_records.h"
#include "storage/absl_compat.h"
#include "storage/check.h"

namespace timebank::rewards {
namespace {

namespace dpb = ::timebank::directory::v1;
namespace lpb = ::timebank::ledger::v1;
using rpb::ThanksRecord;
using rpb::ThanksRef;
using rpb::ThankYouNote;
using rpb::TransferFacts;

constexpr records::BoundedText kThanksText = {
    "text",
    {TextLimits::kThankYouBytes, Lines::kOne},
    "required: a few words of thanks, e.g. \"Thank you for fixing my gate\""};
constexpr records::BoundedText kHideReason = {
    "reason", {TextLimits::kReasonBytes, Lines::kOne}, "required: why the note is hidden"};

// A note the desk recorded is gone again: a rebuild wiped the projection meanwhile (the
// note comes back when the rebuild replays its event).
absl::Status ReplayingNow() {
  return absl::UnavailableError(
      "the note is saved, and the rewards service is replaying its history (a rebuild is "
      "under way); look again in a minute");
}

absl::Status Refused(std::string_view why) {
  return absl::FailedPreconditionError(absl::StrCat("activity_id: ", AsAbsl(why)));
}

// The ledger transfers an activity may stand as: its own id, or (a reservation that
// was posted) the posting's.
std::vector<std::string> TransferKeysOf(uint64_t c, uint64_t activity_id) {
  return {TransferKey(ActivityTransferId(c, activity_id)),
          TransferKey(ActivityPostId(c, activity_id))};
}

bool IsThankable(const TransferFacts& f) {
  return !f.pending() &&
         (f.kind() == lpb::TRANSFER_KIND_EXCHANGE || f.kind() == lpb::TRANSFER_KIND_CONTRIBUTION);
}

// The counted exchange or contribution behind `activity_id`, read by `read` (the
// committed store or a step's tx). NOT_FOUND naming activity_id otherwise.
template <class Read>
absl::StatusOr<TransferFacts> CountedActivity(uint64_t c, uint64_t activity_id, Read read) {
  for (const std::string& key : TransferKeysOf(c, activity_id)) {
    TB_ASSIGN_OR_RETURN(TransferFacts f, read(key));
    if (f.kind() != 0 && f.community_id() == c && IsThankable(f)) return f;
  }
  return absl::NotFoundError(absl::StrCat("activity_id: no exchange or contribution ", activity_id,
                                          " of community ", c,
                                          " has been counted (a pending or reversed activity, or "
                                          "a donation or redemption, cannot be thanked)"));
}

// Whether `author` may thank for the activity on behalf of `organisation` (0: for
// themself): the receiver of an exchange, or (checked by the desk: the principal's
// coordinator_of) a coordinator writing for the organisation a contribution was given to.
absl::Status CheckAuthor(const TransferFacts& f, uint64_t author, uint64_t organisation) {
  if (author == f.credit_owner_id()) {
    return Refused("you gave the time for this activity; a thank-you comes from the other side");
  }
  if (f.kind() == lpb::TRANSFER_KIND_EXCHANGE) {
    if (organisation != 0 || author != f.debit_owner_id()) {
      return Refused("only the member who received this exchange can thank for it");
    }
    return absl::OkStatus();
  }
  TB_CHECK(f.kind() == lpb::TRANSFER_KIND_CONTRIBUTION);
  if (organisation != f.debit_owner_id()) {
    return Refused(absl::StrCat("only a coordinator of organisation ", f.debit_owner_id(),
                                ", which this contribution was given to, can thank for it"));
  }
  return absl::OkStatus();
}

ThankYouNote ToNote(uint64_t c, const ThanksRecord& r, bool with_moderation) {
  ThankYouNote n;
  n.set_community_id(c);
  n.set_activity_id(r.activity_id());
  n.set_author_member_id(r.author_member_id());
  n.set_organisation_id(r.organisation_id());
  n.set_provider_member_id(r.provider_member_id());
  n.set_text(r.text());
  n.set_text_erased(r.text_erased());
  ToTimestamp(r.left_at_unix_ms() * 1'000'000, n.mutable_left_at());
  n.set_kind(static_cast<lpb::TransferKind>(r.kind()));
  n.set_minutes(r.minutes());
  n.set_hidden(r.hidden());
  if (r.hidden() && with_moderation) {
    n.set_hidden_reason(r.hidden_reason());
    ToTimestamp(r.hidden_at_unix_ms() * 1'000'000, n.mutable_hidden_at());
    n.set_hidden_by(r.hidden_by_member_id());
  }
  return n;
}

absl::StatusOr<std::optional<ThanksRecord>> StoredNote(storage::KvStore* store,
                                                       const storage::Snapshot* snap, uint64_t c,
                                                       uint64_t activity_id) {
  std::string bytes;
  TB_ASSIGN_OR_RETURN(bool found, store->Get(kRecords, ThanksKey(c, activity_id), &bytes, snap));
  if (!found) return std::nullopt;
  return records::ParseRecord<ThanksRecord>(bytes, "a thank-you note");
}

}  // namespace

bool ModeratesThanks(const dpb::Principal& p, uint64_t c) {
  return p.community_id() == c &&
         (auth::HasRole(p, dpb::ROLE_ADMIN) ||
          (p.kind() == dpb::Principal::KIND_MEMBER && auth::HasRole(p, dpb::ROLE_COORDINATOR)));
}

absl::StatusOr<bool> IsThanksHidden(storage::KvStore* store, uint64_t c, uint64_t activity_id) {
  TB_ASSIGN_OR_RETURN(std::optional<ThanksRecord> note, StoredNote(store, nullptr, c, activity_id));
  return note.has_value() && note->hidden();
}

namespace {

absl::Status AddRef(uint64_t c, uint64_t member, uint64_t event_n, uint64_t activity_id,
                    bool received, ProjectionTx& tx) {
  TB_ASSIGN_OR_RETURN(ThanksRef * ref, tx.Mutable<ThanksRef>(ThanksRefKey(c, member, event_n)));
  TB_CHECK(ref->activity_id() == 0);  // event numbers are never reused
  ref->set_activity_id(activity_id);
  ref->set_received(received);
  return absl::OkStatus();
}

// Adds `delta` to the provider's count of visible notes and re-evaluates their badges.
absl::Status CountForProvider(uint64_t c, uint64_t provider, int delta, absl::Time at,
                              const BadgeProjector& badges, ProjectionTx& tx) {
  TB_ASSIGN_OR_RETURN(rpb::MemberRecord * record,
                      tx.Mutable<rpb::MemberRecord>(MemberKey(c, provider)));
  record->set_thank_you_notes_received(record->thank_you_notes_received() + delta);
  TB_CHECK(record->thank_you_notes_received() >= 0);
  return badges.Evaluate(c, provider, at, tx);
}

}  // namespace

absl::Status ApplyThanksLeft(const rpb::RecognitionEvent& event, const BadgeProjector& badges,
                             ProjectionTx& tx) {
  const uint64_t c = event.community_id();
  const rpb::ThanksLeft& left = event.thanks_left();
  TB_ASSIGN_OR_RETURN(TransferFacts f,
                      CountedActivity(c, left.activity_id(),
                                      [&](const std::string& key) -> absl::StatusOr<TransferFacts> {
                                        TB_ASSIGN_OR_RETURN(TransferFacts * f,
                                                            tx.Mutable<TransferFacts>(key));
                                        return *f;
                                      }));
  TB_RETURN_IF_ERROR(CheckAuthor(f, event.by_member_id(), left.organisation_id()));
  if (f.credit_owner_id() != left.provider_member_id()) {  // judged on another state
    return Refused("the activity's provider is not the member the note was left for");
  }
  if (!left.text_erased()) TB_RETURN_IF_ERROR(kThanksText.Check(left.text()));
  TB_ASSIGN_OR_RETURN(rpb::MemberRecord * provider,
                      tx.Mutable<rpb::MemberRecord>(MemberKey(c, f.credit_owner_id())));
  if (provider->erased()) return Refused("the member who gave this time has left the community");
  TB_ASSIGN_OR_RETURN(rpb::MemberRecord * author,
                      tx.Mutable<rpb::MemberRecord>(MemberKey(c, event.by_member_id())));
  if (author->erased()) return Refused("your data was erased from this community");
  TB_ASSIGN_OR_RETURN(ThanksRecord * note,
                      tx.Mutable<ThanksRecord>(ThanksKey(c, left.activity_id())));
  if (note->activity_id() != 0) return Refused("already thanked: one note per activity");
  note->set_activity_id(left.activity_id());
  note->set_author_member_id(event.by_member_id());
  note->set_provider_member_id(f.credit_owner_id());
  note->set_organisation_id(left.organisation_id());
  note->set_text(left.text());
  note->set_text_erased(left.text_erased());
  note->set_left_at_unix_ms(event.at_unix_ms());
  note->set_event_n(event.n());
  note->set_kind(f.kind());
  note->set_minutes(f.minutes());
  TB_RETURN_IF_ERROR(AddRef(c, f.credit_owner_id(), event.n(), left.activity_id(), true, tx));
  TB_RETURN_IF_ERROR(AddRef(c, event.by_member_id(), event.n(), left.activity_id(), false, tx));
  const absl::Time at = absl::FromUnixMillis(event.at_unix_ms());
  // The provider is told (the notice holds no text: a note can be hidden or erased).
  rpb::RecognitionNotice notice;
  notice.mutable_thanks_received()->set_note_id(left.activity_id());
  notice.mutable_thanks_received()->set_activity_id(left.activity_id());
  TB_RETURN_IF_ERROR(NoticeLog::Append(tx, c, f.credit_owner_id(), at, std::move(notice)).status());
  return CountForProvider(c, f.credit_owner_id(), +1, at, badges, tx);
}

absl::Status ApplyThanksHidden(const rpb::RecognitionEvent& event, const BadgeProjector& badges,
                               ProjectionTx& tx) {
  const uint64_t c = event.community_id();
  const rpb::ThanksHidden& hidden = event.thanks_hidden();
  TB_ASSIGN_OR_RETURN(ThanksRecord * note,
                      tx.Mutable<ThanksRecord>(ThanksKey(c, hidden.activity_id())));
  if (note->activity_id() == 0) {
    return absl::NotFoundError(
        absl::StrCat("activity_id: activity ", hidden.activity_id(), " has no thank-you note"));
  }
  if (note->hidden()) return Refused("this note is already hidden");
  note->set_hidden(true);
  note->set_hidden_reason(hidden.reason());
  note->set_hidden_at_unix_ms(event.at_unix_ms());
  note->set_hidden_by_member_id(event.by_member_id());
  note->set_hidden_event_n(event.n());
  return CountForProvider(c, note->provider_member_id(), -1,
                          absl::FromUnixMillis(event.at_unix_ms()), badges, tx);
}

absl::StatusOr<std::vector<ThankYouNote>> RecentThanksReceived(storage::KvStore* store,
                                                               const storage::Snapshot* snap,
                                                               uint64_t c, uint64_t member) {
  std::vector<ThankYouNote> out;
  const std::string prefix = ThanksRefPrefix(c, member);
  std::unique_ptr<storage::Iterator> it = store->NewIterator(kRecords, snap);
  int scanned = 0;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (++scanned > ThanksLimits::kSummaryScanMax || out.size() == ThanksLimits::kSummaryNotesMax) {
      break;
    }
    TB_ASSIGN_OR_RETURN(ThanksRef ref, records::ParseRecord<ThanksRef>(it->value(),
                                                                       "a note's "
                                                                       "index entry"));
    if (!ref.received()) continue;
    TB_ASSIGN_OR_RETURN(std::optional<ThanksRecord> note,
                        StoredNote(store, snap, c, ref.activity_id()));
    if (!note.has_value() || note->hidden()) continue;
    out.push_back(ToNote(c, *note, /*with_moderation=*/false));
  }
  TB_RETURN_IF_ERROR(it->status());
  return out;
}

absl::StatusOr<ThankYouNote> ThanksDesk::Leave(const dpb::Principal& caller,
                                               const rpb::LeaveThanksRequest& req) {
  const uint64_t c = req.community_id();
  if (c == 0) return records::FieldError("community_id", "required");
  if (req.activity_id() == 0) return records::FieldError("activity_id", "required");
  TB_ASSIGN_OR_RETURN(std::string text, kThanksText.Normalise(req.text()));
  if (caller.kind() != dpb::Principal::KIND_MEMBER || caller.community_id() != c) {
    return Refused("only a member of the community can leave a thank-you note");
  }
  storage::KvStore* store = projection_->store();
  TB_ASSIGN_OR_RETURN(
      TransferFacts f,
      CountedActivity(c, req.activity_id(),
                      [&](const std::string& key) -> absl::StatusOr<TransferFacts> {
                        std::string bytes;
                        TB_ASSIGN_OR_RETURN(bool found, store->Get(kRecords, key, &bytes, nullptr));
                        if (!found) return TransferFacts();
                        return records::ParseRecord<TransferFacts>(bytes, "a transfer's facts");
                      }));
  uint64_t organisation = 0;
  if (f.kind() == lpb::TRANSFER_KIND_CONTRIBUTION) {
    const auto& orgs = caller.coordinator_of();
    if (std::find(orgs.begin(), orgs.end(), f.debit_owner_id()) != orgs.end()) {
      organisation = f.debit_owner_id();
    }
  }
  TB_RETURN_IF_ERROR(CheckAuthor(f, caller.subject_id(), organisation));
  TB_ASSIGN_OR_RETURN(std::optional<ThanksRecord> existing,
                      StoredNote(store, nullptr, c, req.activity_id()));
  if (existing.has_value()) {
    // The same note asked again (a retry): answered as it stands, nothing written.
    if (existing->author_member_id() == caller.subject_id() && existing->text() == text) {
      return ToNote(c, *existing, ModeratesThanks(caller, c));
    }
    return Refused("already thanked: one note per activity");
  }
  rpb::RecognitionEvent event;
  event.set_community_id(c);
  event.set_at_unix_ms(absl::ToUnixMillis(clock_->Now()));
  event.set_by_member_id(caller.subject_id());
  rpb::ThanksLeft* left = event.mutable_thanks_left();
  left->set_activity_id(req.activity_id());
  left->set_provider_member_id(f.credit_owner_id());
  left->set_organisation_id(organisation);
  left->set_text(text);
  TB_RETURN_IF_ERROR(projection_->Record(std::move(event)).status());
  TB_ASSIGN_OR_RETURN(std::optional<ThanksRecord> note,
                      StoredNote(store, nullptr, c, req.activity_id()));
  // Recorded and applied in one batch; only a rebuild begun since can have wiped it.
  if (!note.has_value()) return ReplayingNow();
  return ToNote(c, *note, ModeratesThanks(caller, c));
}

absl::StatusOr<rpb::ListThanksResponse> ThanksDesk::List(const dpb::Principal& caller,
                                                         const rpb::ListThanksRequest& req) {
  TB_ASSIGN_OR_RETURN(MemberRef m,
                      MemberMeant(caller, req.community_id(), req.member_id(), "thank-you notes"));
  TB_ASSIGN_OR_RETURN(IdPage page, ReadIdPage(req.page_size(), req.page_token()));
  TB_RETURN_IF_ERROR(people_->Member(m.community_id, m.member_id).status());
  const bool moderator = ModeratesThanks(caller, m.community_id);
  storage::KvStore* store = projection_->store();
  std::shared_ptr<const storage::Snapshot> snap = store->GetSnapshot();
  TB_ASSIGN_OR_RETURN(Page<ThankYouNote> done, ThanksPageOf(store, snap.get(),
                                                            {.c = m.community_id,
                                                             .member = m.member_id,
                                                             .page = page,
                                                             .with_hidden = moderator,
                                                             .with_moderation = moderator}));
  rpb::ListThanksResponse out;
  out.set_next_page_token(done.NextPageToken());
  for (ThankYouNote& n : done.items) *out.add_notes() = std::move(n);
  return out;
}

absl::StatusOr<ThankYouNote> ThanksDesk::Hide(const dpb::Principal& caller,
                                              const rpb::HideThanksRequest& req) {
  const uint64_t c = req.community_id();
  if (c == 0) return records::FieldError("community_id", "required");
  if (req.activity_id() == 0) return records::FieldError("activity_id", "required");
  TB_ASSIGN_OR_RETURN(std::string reason, kHideReason.Normalise(req.reason()));
  storage::KvStore* store = projection_->store();
  TB_ASSIGN_OR_RETURN(std::optional<ThanksRecord> existing,
                      StoredNote(store, nullptr, c, req.activity_id()));
  if (!existing.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("activity_id: activity ", req.activity_id(), " has no thank-you note"));
  }
  if (existing->hidden()) return Refused("this note is already hidden");
  rpb::RecognitionEvent event;
  event.set_community_id(c);
  event.set_at_unix_ms(absl::ToUnixMillis(clock_->Now()));
  event.set_by_member_id(caller.subject_id());
  event.mutable_thanks_hidden()->set_activity_id(req.activity_id());
  event.mutable_thanks_hidden()->set_reason(reason);
  TB_RETURN_IF_ERROR(projection_->Record(std::move(event)).status());
  TB_ASSIGN_OR_RETURN(std::optional<ThanksRecord> note,
                      StoredNote(store, nullptr, c, req.activity_id()));
  if (!note.has_value() || !note->hidden()) return ReplayingNow();  // as in Leave
  return ToNote(c, *note, /*with_moderation=*/true);
}

absl::Status EraseThanksTexts(storage::KvStore* store, uint64_t c, uint64_t member,
                              ProjectionTx& tx) {
  const std::string prefix = ThanksRefPrefix(c, member);
  std::unique_ptr<storage::Iterator> it = store->NewIterator(kRecords);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    TB_ASSIGN_OR_RETURN(ThanksRef ref,
                        records::ParseRecord<ThanksRef>(it->value(), "a note's index entry"));
    TB_ASSIGN_OR_RETURN(ThanksRecord * note,
                        tx.Mutable<ThanksRecord>(ThanksKey(c, ref.activity_id())));
    TB_CHECK(note->activity_id() == ref.activity_id());  // an index entry names a note
    note->clear_text();
    note->set_text_erased(true);
    // The logged event that left it too, or a backup of the log would keep the text.
    TB_ASSIGN_OR_RETURN(rpb::RecognitionEvent * left,
                        tx.Mutable<rpb::RecognitionEvent>(EventKey(note->event_n())));
    TB_CHECK(left->has_thanks_left() && left->thanks_left().activity_id() == ref.activity_id());
    left->mutable_thanks_left()->clear_text();
    left->mutable_thanks_left()->set_text_erased(true);
    // A moderator's reason for hiding it may quote it: erased with it, in the log too.
    note->clear_hidden_reason();
    if (note->hidden_event_n() != 0) {
      TB_ASSIGN_OR_RETURN(rpb::RecognitionEvent * hid,
                          tx.Mutable<rpb::RecognitionEvent>(EventKey(note->hidden_event_n())));
      TB_CHECK(hid->has_thanks_hidden());
      hid->mutable_thanks_hidden()->clear_reason();
    }
  }
  return it->status();
}

namespace {

// The index key a page of the member's notes starts at: after the note on activity
// `after_activity` (0: the first page). The token names that activity, which is
// community-local, never the global event number the index is ordered by (its gaps
// would count the notes every community wrote in between). A token naming no note of
// this member (another member's, another community's, made up) is refused.
absl::StatusOr<std::string> ThanksPageStart(storage::KvStore* store, const storage::Snapshot* snap,
                                            uint64_t c, uint64_t member, uint64_t after_activity) {
  if (after_activity == 0) return ThanksRefPrefix(c, member);
  TB_ASSIGN_OR_RETURN(std::optional<ThanksRecord> note, StoredNote(store, snap, c, after_activity));
  if (!note.has_value() ||
      (note->author_member_id() != member && note->provider_member_id() != member)) {
    return absl::InvalidArgumentError("page_token: not a token this list returned");
  }
  // Keys hold ~event_n (newest first): event_n - 1 is the first key after this note's.
  return ThanksRefKey(c, member, note->event_n() - 1);
}

}  // namespace

absl::StatusOr<Page<ThankYouNote>> ThanksPageOf(storage::KvStore* store,
                                                const storage::Snapshot* snap,
                                                const ThanksPageQuery& q) {
  const std::string prefix = ThanksRefPrefix(q.c, q.member);
  TB_ASSIGN_OR_RETURN(std::string start,
                      ThanksPageStart(store, snap, q.c, q.member, q.page.after_id));
  std::unique_ptr<storage::Iterator> it = store->NewIterator(kRecords, snap);
  PageBuilder<ThankYouNote> builder(q.page.size, ThanksLimits::kListScanMax);
  for (it->Seek(start); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    TB_ASSIGN_OR_RETURN(ThanksRef ref,
                        records::ParseRecord<ThanksRef>(it->value(), "a note's index entry"));
    if (!builder.Visit(ref.activity_id())) break;
    TB_ASSIGN_OR_RETURN(std::optional<ThanksRecord> note,
                        StoredNote(store, snap, q.c, ref.activity_id()));
    if (!note.has_value() || (note->hidden() && !q.with_hidden)) continue;
    ThankYouNote n = ToNote(q.c, *note, q.with_moderation);
    n.set_received(ref.received());
    builder.Add(std::move(n));
  }
  TB_RETURN_IF_ERROR(it->status());
  return std::move(builder).Finish();
}

}  // namespace timebank::rewards
