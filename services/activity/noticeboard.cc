// The noticeboard: members' offers and requests. Members post their own; the poster,
// coordinators and admins close them; everyone in the community searches them, newest
// first. An exchange may name the post it answers (exchanges.cc).
#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/activity/activity_book.h"
#include "storage/absl_compat.h"
#include "storage/bytes.h"
#include "storage/check.h"

namespace timebank::activity {
namespace {

namespace dpb = ::timebank::directory::v1;

constexpr records::BoundedText kTitle{
    "post.title", {TextLimits::kPostTitleBytes}, "required: 1..128 bytes of one-line text"};
constexpr records::BoundedText kDetails{"post.details",
                                        {TextLimits::kPostDetailsBytes, Lines::kMany}};
constexpr records::BoundedText kTag{
    "post.tags", {TextLimits::kTagBytes}, "each 1..40 bytes of one-line text"};
constexpr records::BoundedText kSearchText{"text", {TextLimits::kPostTitleBytes}};
constexpr records::BoundedText kSearchTag{"tag", {TextLimits::kTagBytes}};

// The post's fields as a member wrote them; tags made lower case and trimmed.
absl::Status CheckPost(apb::Post* post) {
  if (post->kind() != apb::POST_KIND_OFFER && post->kind() != apb::POST_KIND_REQUEST) {
    return FieldError("post.kind", "offer or request");
  }
  TB_RETURN_IF_ERROR(kTitle.Check(post->title()));
  TB_RETURN_IF_ERROR(kDetails.Check(post->details()));
  if (static_cast<size_t>(post->tags_size()) > ActivityLimits::kMaxPostTags) {
    return FieldError("post.tags", "at most 16 tags");
  }
  for (std::string& t : *post->mutable_tags()) {
    t = absl::AsciiStrToLower(absl::StripAsciiWhitespace(t));
    TB_RETURN_IF_ERROR(kTag.Check(t));
  }
  return absl::OkStatus();
}

bool Matches(const apb::SearchPostsRequest& req, const std::string& text, const std::string& tag,
             const apb::Post& p) {
  if (p.closed() && !req.include_closed()) return false;
  if (req.kind() != apb::POST_KIND_UNSPECIFIED && p.kind() != req.kind()) return false;
  auto has_tag = [&p](const std::string& t) {
    return std::find(p.tags().begin(), p.tags().end(), t) != p.tags().end();
  };
  if (!tag.empty() && !has_tag(tag)) return false;
  return text.empty() || absl::StrContains(absl::AsciiStrToLower(p.title()), text) ||
         absl::StrContains(absl::AsciiStrToLower(p.details()), text) || has_tag(text);
}

}  // namespace

absl::StatusOr<apb::Post> ActivityBook::CreatePost(const dpb::Principal& caller, apb::Post post,
                                                   const std::string& request_id) {
  if (!IsMember(caller)) {
    return absl::PermissionDeniedError("only members post offers and requests");
  }
  TB_RETURN_IF_ERROR(CheckPost(&post));
  TB_RETURN_IF_ERROR(records::CheckRequestId(request_id));
  const uint64_t c = post.community_id();
  TB_RETURN_IF_ERROR(ActiveMember(c, caller.subject_id(), "member").status());
  const std::string request_key =
      records::RequestKey(kRequestTag, {"post", c, caller.subject_id()}, request_id);
  absl::MutexLock lock(&write_mu_);
  records::Tx tx = records_.NewTx();
  TB_ASSIGN_OR_RETURN(std::optional<std::string> seen, records::Remembered(tx, request_key));
  // A post's request remembers its id alone (u64).
  if (seen && seen->size() == 8) return records_.LoadPost(tx, c, records::U64At(*seen, 0));
  TB_ASSIGN_OR_RETURN(uint64_t id, tx.NextId(absl::StrCat("post.", c)));
  post.set_id(id);
  post.set_member_id(caller.subject_id());
  post.clear_posted_by();  // output only: named on the way out (MemberNamer)
  post.set_closed(false);
  const absl::Time now = Now();
  post.mutable_created_at()->set_seconds(absl::ToUnixSeconds(now));
  records_.PutPost(tx, c, post, now);
  if (!request_key.empty()) {
    std::string remembered;
    storage::PutU64(&remembered, id);
    tx.Put(request_key, remembered);
  }
  TB_RETURN_IF_ERROR(tx.Commit());
  return post;
}

absl::StatusOr<apb::Post> ActivityBook::ClosePost(const dpb::Principal& caller, uint64_t c,
                                                  uint64_t id) {
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(apb::Post post, records_.LoadPost(records_.Committed(), c, id));
  if (!IsStaff(caller) && !(IsMember(caller) && caller.subject_id() == post.member_id())) {
    return absl::PermissionDeniedError(
        "permission denied: only whoever posted it (or a coordinator) closes a post");
  }
  if (post.closed()) return post;
  post.set_closed(true);
  records::Tx tx = records_.NewTx();
  records_.PutPost(tx, c, post, Now());
  TB_RETURN_IF_ERROR(tx.Commit());
  return post;
}

absl::StatusOr<Page<apb::Post>> ActivityBook::SearchPosts(const apb::SearchPostsRequest& req,
                                                          uint64_t before_id, size_t limit) {
  TB_RETURN_IF_ERROR(kSearchText.Check(req.text()));
  TB_RETURN_IF_ERROR(kSearchTag.Check(req.tag()));
  const std::string text = absl::AsciiStrToLower(req.text());
  const std::string tag = absl::AsciiStrToLower(req.tag());
  const std::string prefix = PostPrefix(req.community_id());
  PageBuilder<apb::Post> page(limit, ActivityLimits::kMaxListScan);
  auto it = records_.store()->NewIterator(kRecords);
  for (it->Seek(IndexStart(prefix, before_id));
       it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix); it->Next()) {
    if (!page.Visit(PostIdOf(it->key()))) break;
    TB_ASSIGN_OR_RETURN(apb::Post p, records::ParseRecord<apb::Post>(it->value(), "a post"));
    if (!Matches(req, text, tag, p)) continue;
    page.Add(std::move(p));
  }
  TB_RETURN_IF_ERROR(it->status());
  return std::move(page).Finish();
}

}  // namespace timebank::activity
