#include "services/rewards/journal_follower.h"

#include <algorithm>
#include <functional>
#include <utility>
#include <vector>

#include "storage/check.h"

namespace timebank::rewards {

namespace lpb = ::timebank::ledger::v1;

JournalFollower::JournalFollower(RewardsProjection* projection, auth::Keyring* keyring,
                                 const Clock* clock)
    : projection_(projection),
      stream_({.cursor = std::bind_front(&RewardsProjection::journal_seq, projection),
               .apply = std::bind_front(&RewardsProjection::Apply, projection),
               .max_batch_entries = kMaxBatchEntries,
               .step_name = "projection",
               .source_name = "ledger"},
              keyring, clock),
      activity_(projection, keyring, clock) {}

JournalFollower::~JournalFollower() { Stop(); }

void JournalFollower::Start(std::shared_ptr<grpc::Channel> ledger) {
  std::shared_ptr<lpb::LedgerService::Stub> stub = lpb::LedgerService::NewStub(std::move(ledger));
  stream_.Start([stub](grpc::ClientContext* ctx, uint64_t from_seq) {
    lpb::WatchJournalRequest req;
    req.set_from_seq(from_seq);
    return stub->WatchJournal(ctx, req);
  });
}

void JournalFollower::FollowActivity(std::shared_ptr<grpc::Channel> activity) {
  activity_.Start(std::move(activity));
}

void JournalFollower::Stop() {
  activity_.Stop();
  stream_.Stop();
}

bool JournalFollower::AwaitSeq(uint64_t seq, absl::Duration timeout) {
  return stream_.AwaitSeq(seq, timeout);
}

absl::Status JournalFollower::Rebuild(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  const uint64_t activity_target = std::max(activity_.seen_seq(), projection_->activity_seq());
  TB_ASSIGN_OR_RETURN(const uint64_t target, stream_.Pause());
  // Neither thread touches the projection while paused; the wipe is disk work, done
  // outside the follower's lock.
  absl::Status wiped = projection_->Wipe();
  stream_.Resume();
  TB_RETURN_IF_ERROR(wiped);
  // The activity events are replayed from the first one too.
  activity_.ReadAgain();
  if (!AwaitSeq(target, timeout) ||
      (activity_.started() &&
       !activity_.AwaitSeq(activity_target,
                           std::max(deadline - absl::Now(), absl::ZeroDuration())))) {
    return absl::DeadlineExceededError("the rebuild goes on; ask again for the projection status");
  }
  return absl::OkStatus();
}

}  // namespace timebank::rewards
