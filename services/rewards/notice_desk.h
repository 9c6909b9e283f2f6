// NoticeDesk answers WatchRecognition: which notices a request may see (one member's,
// or a whole community's for its coordinators and admins, the access rule having
// checked who may ask), and those notices in batches from the committed NoticeLog.
// Badges a member hid are left out of what anyone else is shown, as everywhere else,
// and a thank-you note a coordinator hid leaves its notice out of what members are
// shown (judged when the notice is read, so streams started before the hide too).
#ifndef TIMEBANK_SERVICES_REWARDS_NOTICE_DESK_H_
#define TIMEBANK_SERVICES_REWARDS_NOTICE_DESK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/peers.h"
#include "services/rewards/projection.h"
#include "timebank/directory/v1/auth.pb.h"
#include "timebank/rewards/v1/rewards.pb.h"

namespace timebank::rewards {

// Whose notices a stream carries.
struct NoticeScope {
  uint64_t community_id = 0;
  uint64_t member_id = 0;         // 0: every member of the community
  bool caller_is_member = false;  // the member themself (who sees the badges they hid)
  bool caller_moderates = false;  // a coordinator or admin (who sees hidden notes' notices)
};

// One batch of a stream: the notices to send, and the last seq read (notices left
// out included), from which the next batch continues.
struct NoticeBatch {
  std::vector<::timebank::rewards::v1::RecognitionNotice> notices;
  uint64_t last_seq = 0;
  bool full = false;  // the batch was as large as a read may be: more may follow at once
};

class NoticeDesk {
 public:
  // How long a following stream waits for a new step before it looks again (and sees
  // whether the client went away or the server is stopping).
  static constexpr absl::Duration kFollowWait = absl::Milliseconds(500);
  // A following stream holds a server thread while it is open: a caller may keep a
  // few (a phone and a laptop), one community's callers a quarter of all, and all
  // callers together a bounded number, so no one caller and no one community can use
  // up the threads that answer everyone else.
  static constexpr int kFollowingPerCallerMax = 4;
  static constexpr int kFollowingPerCommunityMax = 32;
  static constexpr int kFollowingMax = 128;
  static_assert(kFollowingPerCallerMax <= kFollowingPerCommunityMax &&
                4 * kFollowingPerCommunityMax <= kFollowingMax);

  NoticeDesk(RewardsProjection* projection, People* people)
      : projection_(projection), people_(people) {}

  // INVALID_ARGUMENT naming community_id for a member without a community; NOT_FOUND
  // for a member not in the community (the same answer as for another community's).
  absl::StatusOr<NoticeScope> Scope(const ::timebank::directory::v1::Principal& caller,
                                    const ::timebank::rewards::v1::WatchRecognitionRequest& req);

  // The committed notices of `scope` with seq > after_seq, at most one read's worth.
  absl::StatusOr<NoticeBatch> Next(const NoticeScope& scope, uint64_t after_seq);

  // Steps published so far, and the wait for a later one (NoticeLog).
  uint64_t published() const { return projection_->notices()->published(); }
  bool AwaitPublished(uint64_t seen, absl::Duration timeout) const {
    return projection_->notices()->AwaitPublished(seen, timeout);
  }

  // Takes a following stream's place for `caller`: RESOURCE_EXHAUSTED when the caller,
  // the caller's community or everyone has as many open as allowed. Every OK is matched by
  // EndFollowing.
  absl::Status BeginFollowing(const ::timebank::directory::v1::Principal& caller)
      ABSL_LOCKS_EXCLUDED(follow_mu_);
  void EndFollowing(const ::timebank::directory::v1::Principal& caller)
      ABSL_LOCKS_EXCLUDED(follow_mu_);

 private:
  // Whether the member hid the badge a badge notice is about.
  absl::StatusOr<bool> IsHidden(const ::timebank::rewards::v1::RecognitionNotice& notice);
  // Whether `scope` is shown `notice`: not a badge the member hid to anyone else, nor a
  // hidden thank-you note's notice to anyone but its moderators.
  absl::StatusOr<bool> IsShown(const NoticeScope& scope,
                               const ::timebank::rewards::v1::RecognitionNotice& notice);

  RewardsProjection* const projection_;
  People* const people_;
  absl::Mutex follow_mu_;
  absl::flat_hash_map<std::string, int> following_ ABSL_GUARDED_BY(follow_mu_);
  // Open streams by the callers' community (0: callers of no community, services).
  absl::flat_hash_map<uint64_t, int> following_by_community_ ABSL_GUARDED_BY(follow_mu_);
  int following_total_ ABSL_GUARDED_BY(follow_mu_) = 0;
};

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_NOTICE_DESK_H_
