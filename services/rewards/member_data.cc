#include "services/rewards/member_data.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "services/common/paging.h"
#include "services/common/records/bounded_text.h"
#include "services/common/records/record_tx.h"
#include "services/rewards/badge_desk.h"
#include "services/rewards/rewards_records.h"
#include "services/rewards/thank_you_notes.h"
#include "storage/check.h"

namespace timebank::rewards {

namespace dpb = ::timebank::directory::v1;
namespace xpb = ::timebank::rewards::v1;

namespace {

absl::Status CheckIds(uint64_t community_id, uint64_t member_id) {
  if (community_id == 0) return records::FieldError("community_id", "the member's community");
  if (member_id == 0) return records::FieldError("member_id", "the member");
  return absl::OkStatus();
}

absl::StatusOr<bool> IsErased(storage::KvStore* store, uint64_t c, uint64_t member) {
  std::string bytes;
  TB_ASSIGN_OR_RETURN(bool found, store->Get(kRecords, MemberKey(c, member), &bytes, nullptr));
  if (!found) return false;
  TB_ASSIGN_OR_RETURN(rpb::MemberRecord record,
                      records::ParseRecord<rpb::MemberRecord>(bytes, "a member's rewards"));
  return record.erased();
}

}  // namespace

absl::StatusOr<xpb::MemberRewardsExport> MemberDataDesk::Export(
    const dpb::Principal& caller, const xpb::ExportMemberRewardsRequest& req) {
  TB_RETURN_IF_ERROR(CheckIds(req.community_id(), req.member_id()));
  TB_ASSIGN_OR_RETURN(IdPage page, ReadIdPage(req.page_size(), req.page_token()));
  xpb::MemberRewardsExport out;
  storage::KvStore* store = projection_->store();
  std::shared_ptr<const storage::Snapshot> snap = store->GetSnapshot();
  if (req.page_token().empty()) {  // the first page: the summary and the badges
    TB_ASSIGN_OR_RETURN(*out.mutable_summary(),
                        book_->MemberSummary(caller, req.community_id(), req.member_id()));
    // The journal is shared by every community: its position is not the member's data,
    // and it would tell them how busy other communities are.
    out.mutable_summary()->clear_as_of_journal_seq();
    TB_ASSIGN_OR_RETURN(std::vector<xpb::EarnedBadge> badges,
                        EarnedBadges(store, snap.get(), req.community_id(), req.member_id(),
                                     /*with_withdrawn=*/true, /*with_hidden=*/true));
    for (xpb::EarnedBadge& b : badges) *out.add_badges() = std::move(b);
  }
  // Their own notes, hidden ones too (without the moderators' reasons).
  TB_ASSIGN_OR_RETURN(Page<xpb::ThankYouNote> notes, ThanksPageOf(store, snap.get(),
                                                                  {.c = req.community_id(),
                                                                   .member = req.member_id(),
                                                                   .page = page,
                                                                   .with_hidden = true,
                                                                   .with_moderation = false}));
  for (xpb::ThankYouNote& n : notes.items) *out.add_thank_you_notes() = std::move(n);
  out.set_next_page_token(notes.NextPageToken());
  return out;
}

absl::StatusOr<xpb::EraseMemberRewardsResponse> MemberDataDesk::Erase(
    const dpb::Principal& caller, const xpb::EraseMemberRewardsRequest& req) {
  TB_RETURN_IF_ERROR(CheckIds(req.community_id(), req.member_id()));
  xpb::EraseMemberRewardsResponse out;
  storage::KvStore* store = projection_->store();
  TB_ASSIGN_OR_RETURN(bool erased, IsErased(store, req.community_id(), req.member_id()));
  if (!erased) {
    rpb::RecognitionEvent event;
    event.set_community_id(req.community_id());
    event.set_at_unix_ms(absl::ToUnixMillis(clock_->Now()));
    event.set_by_member_id(caller.subject_id());
    event.mutable_member_erased()->set_member_id(req.member_id());
    TB_RETURN_IF_ERROR(projection_->Record(std::move(event)).status());
    out.set_erased_now(true);
  }
  // Old versions of the records the erasure changed go from the files too, so no backup
  // made afterwards holds them (a retry purges again: cheap, and safe after a crash).
  TB_RETURN_IF_ERROR(store->Purge(kRecords));
  return out;
}

}  // namespace timebank::rewards
