#include "services/rewards/notice_log.h"

#include <bit>
#include <limits>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "services/common/records/record_key.h"
#include "services/common/timestamps.h"
#include "services/rewards/rewards_records.h"
#include "storage/absl_compat.h"
#include "storage/check.h"

namespace timebank::rewards {

using ::timebank::rewards::v1::RecognitionNotice;

absl::StatusOr<uint64_t> NoticeLog::Append(ProjectionTx& tx, uint64_t c, uint64_t member,
                                           absl::Time at, RecognitionNotice notice) {
  TB_CHECK(c != 0 && member != 0);
  TB_CHECK(notice.notice_case() != RecognitionNotice::NOTICE_NOT_SET);
  TB_ASSIGN_OR_RETURN(rpb::NoticeCounter * counter,
                      tx.Mutable<rpb::NoticeCounter>(NoticeCounterKey(c)));
  TB_CHECK(counter->last_seq() < std::numeric_limits<uint64_t>::max());
  const uint64_t seq = counter->last_seq() + 1;
  counter->set_last_seq(seq);
  notice.set_seq(seq);
  notice.set_community_id(c);
  notice.set_member_id(member);
  ToTimestamp(absl::ToUnixNanos(at), notice.mutable_at());
  TB_ASSIGN_OR_RETURN(RecognitionNotice * by_member,
                      tx.Mutable<RecognitionNotice>(MemberNoticeKey(c, member, seq)));
  TB_CHECK(by_member->seq() == 0);  // a seq is given once
  *by_member = notice;
  TB_ASSIGN_OR_RETURN(RecognitionNotice * by_community,
                      tx.Mutable<RecognitionNotice>(NoticeKey(c, seq)));
  TB_CHECK(by_community->seq() == 0);
  *by_community = std::move(notice);
  return seq;
}

absl::Status NoticeLog::AfterStreak(ProjectionTx& tx, uint64_t c, uint64_t member,
                                    const StreakSummary& streak, absl::Time at,
                                    rpb::MemberRecord* record) {
  if (streak.current_weeks == 0) return absl::OkStatus();  // ended: nothing is said
  TB_CHECK(streak.current_start_week != kNoWeek);
  uint32_t noticed = record->milestones_noticed_mask();
  // A streak starting later than the one noticed is a new one. One starting earlier is
  // the same streak grown back in time (activity recorded late): what was noticed stays.
  if (noticed == 0 || streak.current_start_week > record->milestone_streak_start_week()) {
    noticed = 0;
  }
  const uint32_t reached = streak.milestones_mask;
  // Below the first milestone there is nothing to remember: the record stays as it was
  // (so a transfer that is reversed leaves the record exactly as before it).
  if (reached == 0) return absl::OkStatus();
  const uint32_t fresh = reached & ~noticed;
  record->set_milestone_streak_start_week(streak.current_start_week);
  record->set_milestones_noticed_mask(noticed | reached);
  if (fresh == 0) return absl::OkStatus();
  const int highest = std::bit_width(fresh) - 1;
  TB_CHECK(highest >= 0 && highest < static_cast<int>(kStreakMilestonesWeeks.size()));
  RecognitionNotice notice;
  notice.mutable_streak_milestone()->set_weeks(kStreakMilestonesWeeks[highest]);
  return Append(tx, c, member, at, std::move(notice)).status();
}

absl::StatusOr<std::vector<RecognitionNotice>> NoticeLog::Read(uint64_t c, uint64_t member,
                                                               uint64_t after_seq,
                                                               size_t limit) const {
  TB_CHECK(limit <= NoticeLimits::kReadBatchMax);
  std::vector<RecognitionNotice> out;
  if (after_seq == std::numeric_limits<uint64_t>::max()) return out;
  const std::string prefix = member == 0 ? NoticePrefix(c) : MemberNoticePrefix(c, member);
  const std::string first =
      member == 0 ? NoticeKey(c, after_seq + 1) : MemberNoticeKey(c, member, after_seq + 1);
  std::unique_ptr<storage::Iterator> it = store_->NewIterator(kRecords);
  for (it->Seek(first); it->Valid() && out.size() < limit; it->Next()) {
    if (!absl::StartsWith(AsAbsl(it->key()), AsAbsl(prefix))) break;
    RecognitionNotice& n = out.emplace_back();
    if (!n.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("a recognition notice is damaged");
    }
    TB_CHECK(n.seq() > after_seq && n.community_id() == c);
  }
  TB_RETURN_IF_ERROR(it->status());
  return out;
}

void NoticeLog::Published() {
  absl::MutexLock lock(&mu_);
  ++published_;
}

uint64_t NoticeLog::published() const {
  absl::MutexLock lock(&mu_);
  return published_;
}

bool NoticeLog::AwaitPublished(uint64_t seen, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto later = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return published_ > seen; };
  return mu_.AwaitWithTimeout(absl::Condition(&later), timeout);
}

}  // namespace timebank::rewards
