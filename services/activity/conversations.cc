// Conversations about offers and requests ("I can help"): a member answering a post
// writes to whoever posted it, who answers them. Each conversation belongs to the
// poster and one member (the helper); nobody else reads it, staff included, and it
// carries names only: people share contact details themselves if they want to.
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/activity/activity_book.h"
#include "storage/absl_compat.h"
#include "storage/bytes.h"
#include "storage/check.h"

namespace timebank::activity {
namespace {

namespace dpb = ::timebank::directory::v1;

constexpr records::BoundedText kMessageText{
    "text", {TextLimits::kPostMessageBytes, Lines::kMany}, "required: 1..1000 bytes of text"};

// The conversation's helper as the caller names it: the poster must say whose
// conversation; anyone else has only their own.
absl::StatusOr<uint64_t> HelperOf(uint64_t me, const apb::Post& post, uint64_t asked,
                                  bool listing) {
  if (me == post.member_id()) {
    if (asked == me || (asked == 0 && !listing)) {
      return FieldError("helper_member_id",
                        "say whose conversation you answer: the member who wrote to you about "
                        "this post");
    }
    return asked;  // listing: 0 is every conversation on the post
  }
  if (asked != 0 && asked != me) {
    return absl::PermissionDeniedError(
        "permission denied: a conversation about a post is only its poster's and the member "
        "who answered it");
  }
  return me;
}

struct PostMessages {
  size_t total = 0;
  size_t with_helper = 0;
};

absl::StatusOr<PostMessages> CountMessages(const ActivityRecords& records, uint64_t c,
                                           uint64_t post_id, uint64_t helper) {
  PostMessages out;
  const std::string prefix = MessagePrefix(c, post_id);
  auto it = records.store()->NewIterator(kRecords);
  for (it->Seek(prefix); it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix); it->Next()) {
    TB_ASSIGN_OR_RETURN(apb::PostMessage m,
                        records::ParseRecord<apb::PostMessage>(it->value(), "a message"));
    ++out.total;
    if (m.helper_member_id() == helper) ++out.with_helper;
  }
  TB_RETURN_IF_ERROR(it->status());
  return out;
}

// May this message go into the conversation, given what the post already holds?
absl::Status CheckRoom(const apb::Post& post, uint64_t me, uint64_t helper,
                       const PostMessages& held) {
  if (held.total >= ActivityLimits::kMaxMessagesPerPost) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "post ", post.id(), " holds its most messages (", ActivityLimits::kMaxMessagesPerPost,
        "); carry on in person, or by the contact details you choose to share"));
  }
  if (held.with_helper > 0) return absl::OkStatus();
  if (me == post.member_id()) {
    return absl::FailedPreconditionError(
        absl::StrCat("helper_member_id: member ", helper,
                     " has not written about this post; you answer people who write to you"));
  }
  if (post.closed()) {
    return absl::FailedPreconditionError(
        absl::StrCat("post ", post.id(), " is closed: it takes no new answers"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<apb::PostMessage> ActivityBook::SendPostMessage(
    const dpb::Principal& caller, const apb::SendPostMessageRequest& req) {
  if (!IsMember(caller)) {
    return absl::PermissionDeniedError("permission denied: only members write about posts");
  }
  TB_RETURN_IF_ERROR(kMessageText.Check(req.text()));
  TB_RETURN_IF_ERROR(records::CheckRequestId(req.request_id()));
  const uint64_t c = req.community_id();
  const uint64_t me = caller.subject_id();
  TB_RETURN_IF_ERROR(ActiveMember(c, me, "member").status());
  const std::string request_key =
      records::RequestKey(kRequestTag, {"message", c, me}, req.request_id());
  absl::MutexLock lock(&write_mu_);
  records::Tx tx = records_.NewTx();
  TB_ASSIGN_OR_RETURN(std::optional<std::string> seen, records::Remembered(tx, request_key));
  if (seen && seen->size() == 16) {  // a message's request remembers (post id, message id)
    return records::LoadRecord<apb::PostMessage>(
        tx, MessageKey(c, records::U64At(*seen, 0), records::U64At(*seen, 8)), "a message",
        "the message this request sent is gone");
  }
  TB_ASSIGN_OR_RETURN(apb::Post post, records_.LoadPost(tx, c, req.post_id()));
  TB_ASSIGN_OR_RETURN(uint64_t helper, HelperOf(me, post, req.helper_member_id(), false));
  TB_ASSIGN_OR_RETURN(PostMessages held, CountMessages(records_, c, post.id(), helper));
  TB_RETURN_IF_ERROR(CheckRoom(post, me, helper, held));
  TB_ASSIGN_OR_RETURN(uint64_t id, tx.NextId(absl::StrCat("message.", c)));
  apb::PostMessage m;
  m.set_community_id(c);
  m.set_post_id(post.id());
  m.set_helper_member_id(helper);
  m.set_id(id);
  m.set_from_member_id(me);
  m.set_text(req.text());
  m.mutable_sent_at()->set_seconds(absl::ToUnixSeconds(Now()));
  tx.Put(MessageKey(c, post.id(), id), m.SerializeAsString());
  if (!request_key.empty()) {
    std::string remembered;
    storage::PutU64(&remembered, post.id());
    storage::PutU64(&remembered, id);
    tx.Put(request_key, remembered);
  }
  TB_RETURN_IF_ERROR(tx.Commit());
  return m;
}

absl::StatusOr<Page<apb::PostMessage>> ActivityBook::ListPostMessages(
    const dpb::Principal& caller, const apb::ListPostMessagesRequest& req, uint64_t after_id,
    size_t limit) {
  if (!IsMember(caller)) {
    return absl::PermissionDeniedError("permission denied: only members read conversations");
  }
  const uint64_t c = req.community_id();
  TB_ASSIGN_OR_RETURN(apb::Post post, records_.LoadPost(records_.Committed(), c, req.post_id()));
  TB_ASSIGN_OR_RETURN(uint64_t helper,
                      HelperOf(caller.subject_id(), post, req.helper_member_id(), true));
  const std::string prefix = MessagePrefix(c, post.id());
  PageBuilder<apb::PostMessage> page(limit, ActivityLimits::kMaxListScan);
  auto it = records_.store()->NewIterator(kRecords);
  for (it->Seek(MessageKey(c, post.id(), after_id + 1));
       it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix); it->Next()) {
    if (!page.Visit(MessageIdOf(it->key()))) break;
    TB_ASSIGN_OR_RETURN(apb::PostMessage m,
                        records::ParseRecord<apb::PostMessage>(it->value(), "a message"));
    if (helper != 0 && m.helper_member_id() != helper) continue;
    page.Add(std::move(m));
  }
  TB_RETURN_IF_ERROR(it->status());
  return std::move(page).Finish();
}

}  // namespace timebank::activity
