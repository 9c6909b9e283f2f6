#include "services/rewards/notice_desk.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "services/common/records/record_tx.h"
#include "services/rewards/badge_desk.h"
#include "services/rewards/notice_log.h"
#include "services/rewards/rewards_records.h"
#include "services/rewards/thank_you_notes.h"
#include "storage/check.h"

namespace timebank::rewards {

namespace dpb = ::timebank::directory::v1;
using ::timebank::rewards::v1::RecognitionNotice;
using ::timebank::rewards::v1::WatchRecognitionRequest;

absl::StatusOr<NoticeScope> NoticeDesk::Scope(const dpb::Principal& caller,
                                              const WatchRecognitionRequest& req) {
  NoticeScope scope;
  if (req.community_id() == 0 && req.member_id() == 0) {
    TB_ASSIGN_OR_RETURN(MemberRef me, MemberMeant(caller, 0, 0, "notices"));
    scope.community_id = me.community_id;
    scope.member_id = me.member_id;
  } else if (req.community_id() == 0) {
    return absl::InvalidArgumentError(
        "community_id: give the member's community, or neither id for your own notices");
  } else {
    scope.community_id = req.community_id();
    scope.member_id = req.member_id();
  }
  if (scope.member_id != 0) {
    TB_RETURN_IF_ERROR(people_->Member(scope.community_id, scope.member_id).status());
  }
  scope.caller_is_member =
      scope.member_id != 0 && IsCallerMember(caller, scope.community_id, scope.member_id);
  scope.caller_moderates = ModeratesThanks(caller, scope.community_id);
  return scope;
}

absl::StatusOr<NoticeBatch> NoticeDesk::Next(const NoticeScope& scope, uint64_t after_seq) {
  TB_ASSIGN_OR_RETURN(std::vector<RecognitionNotice> read,
                      projection_->notices()->Read(scope.community_id, scope.member_id, after_seq,
                                                   NoticeLimits::kReadBatchMax));
  NoticeBatch batch;
  batch.last_seq = read.empty() ? after_seq : read.back().seq();
  batch.full = read.size() == NoticeLimits::kReadBatchMax;
  for (RecognitionNotice& n : read) {
    TB_ASSIGN_OR_RETURN(bool shown, IsShown(scope, n));
    if (shown) batch.notices.push_back(std::move(n));
  }
  return batch;
}

absl::StatusOr<bool> NoticeDesk::IsShown(const NoticeScope& scope, const RecognitionNotice& n) {
  if (!scope.caller_is_member) {
    TB_ASSIGN_OR_RETURN(bool hidden, IsHidden(n));
    if (hidden) return false;
  }
  if (n.has_thanks_received() && !scope.caller_moderates) {
    TB_ASSIGN_OR_RETURN(bool hidden, IsThanksHidden(projection_->store(), n.community_id(),
                                                    n.thanks_received().activity_id()));
    if (hidden) return false;
  }
  return true;
}

absl::StatusOr<bool> NoticeDesk::IsHidden(const RecognitionNotice& n) {
  const std::string* badge_id = nullptr;
  if (n.has_badge_awarded()) badge_id = &n.badge_awarded().badge_id();
  if (n.has_badge_withdrawn()) badge_id = &n.badge_withdrawn().badge_id();
  if (badge_id == nullptr) return false;
  std::string bytes;
  TB_ASSIGN_OR_RETURN(
      bool found, projection_->store()->Get(kRecords, BadgesKey(n.community_id(), n.member_id()),
                                            &bytes, nullptr));
  if (!found) return false;
  TB_ASSIGN_OR_RETURN(rpb::MemberBadgeStates states,
                      records::ParseRecord<rpb::MemberBadgeStates>(bytes, "a member's badges"));
  for (const rpb::BadgeState& s : states.badges()) {
    if (s.badge_id() == *badge_id) return s.hidden();
  }
  return false;
}

namespace {
// Whose streams these are: the kind and id of the caller (a member, a key, a service).
std::string FollowerKey(const ::timebank::directory::v1::Principal& p) {
  return absl::StrCat(static_cast<int>(p.kind()), ":", p.community_id(), ":", p.subject_id());
}
}  // namespace

absl::Status NoticeDesk::BeginFollowing(const ::timebank::directory::v1::Principal& caller) {
  absl::MutexLock lock(&follow_mu_);
  int& mine = following_[FollowerKey(caller)];
  int& community = following_by_community_[caller.community_id()];
  if (mine >= kFollowingPerCallerMax || community >= kFollowingPerCommunityMax ||
      following_total_ >= kFollowingMax) {
    if (mine == 0) following_.erase(FollowerKey(caller));
    if (community == 0) following_by_community_.erase(caller.community_id());
    return absl::ResourceExhaustedError(
        absl::StrCat("follow: too many notice streams are open (at most ", kFollowingPerCallerMax,
                     " each); close one, or ask without follow and look again later"));
  }
  ++mine;
  ++community;
  ++following_total_;
  return absl::OkStatus();
}

void NoticeDesk::EndFollowing(const ::timebank::directory::v1::Principal& caller) {
  absl::MutexLock lock(&follow_mu_);
  auto it = following_.find(FollowerKey(caller));
  auto community = following_by_community_.find(caller.community_id());
  TB_CHECK(it != following_.end() && it->second > 0 && following_total_ > 0);
  TB_CHECK(community != following_by_community_.end() && community->second > 0);
  --following_total_;
  if (--it->second == 0) following_.erase(it);
  if (--community->second == 0) following_by_community_.erase(community);
}

}  // namespace timebank::rewards
