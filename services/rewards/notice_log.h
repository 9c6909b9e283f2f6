// NoticeLog is the rewards store's log of recognition notices: badges awarded and
// withdrawn, streak milestones and thank-you notes received, numbered 1, 2, 3, ... per
// community (a global number would show one community how busy the others are). A
// notice is appended by the projection step that caused it, in that step's
// ProjectionTx, so it commits with the step and its cursor: a kill -9 neither loses nor
// repeats one, and a rebuild makes exactly the same notices again (their time is the
// journal entry's or the recognition event's, never the wall clock). The log is kept
// twice, by community and by member, so a member's stream never scans the community's.
// Readers (WatchRecognition) read committed notices and wait for the next commit.
#ifndef TIMEBANK_SERVICES_REWARDS_NOTICE_LOG_H_
#define TIMEBANK_SERVICES_REWARDS_NOTICE_LOG_H_

#include <cstdint>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/rewards/analysis/streaks.h"
#include "services/rewards/projection_tx.h"
#include "storage/kv_store.h"
#include "timebank/rewards/v1/rewards.pb.h"
#include "timebank/rewards/v1/rewards_records.pb.h"

namespace timebank::rewards {

struct NoticeLimits {
  // One read of the log (a stream's batch) returns at most this many notices.
  static constexpr size_t kReadBatchMax = 256;
};

class NoticeLog {
 public:
  explicit NoticeLog(storage::KvStore* store) : store_(store) {}

  // Appends `notice` (its oneof set) as community c's next notice, for `member` at
  // `at`; seq, community_id, member_id and at are set here. It is written when `tx`
  // commits. Returns the seq.
  static absl::StatusOr<uint64_t> Append(ProjectionTx& tx, uint64_t c, uint64_t member,
                                         absl::Time at,
                                         ::timebank::rewards::v1::RecognitionNotice notice);

  // After the member's streak was judged `streak` at `at`: appends a streak milestone
  // notice when the current streak reached a milestone not yet noticed for it (the
  // highest, if it reached several at once), and keeps in `record` which were. Nothing
  // when a streak ends ("a streak never shames"), nor when a streak that dipped (a
  // reversal) recovers to a milestone already noticed.
  static absl::Status AfterStreak(ProjectionTx& tx, uint64_t c, uint64_t member,
                                  const StreakSummary& streak, absl::Time at,
                                  ::timebank::rewards::v1::MemberRecord* record);

  // Up to `limit` (<= kReadBatchMax) committed notices of community c with seq >
  // after_seq, in seq order: one member's, or with member 0 every member's.
  absl::StatusOr<std::vector<::timebank::rewards::v1::RecognitionNotice>> Read(uint64_t c,
                                                                               uint64_t member,
                                                                               uint64_t after_seq,
                                                                               size_t limit) const;

  // The projection committed a step (or finished a wipe): wakes the waiting readers.
  void Published() ABSL_LOCKS_EXCLUDED(mu_);
  // How many steps were published so far: a reader notes it before it reads, then
  // waits for a later one.
  uint64_t published() const ABSL_LOCKS_EXCLUDED(mu_);
  // Whether a step after `seen` was published within `timeout`.
  bool AwaitPublished(uint64_t seen, absl::Duration timeout) const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  storage::KvStore* const store_;
  mutable absl::Mutex mu_;
  uint64_t published_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_NOTICE_LOG_H_
