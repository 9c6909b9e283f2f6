#include "services/rewards/journal_follower.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "services/common/auth/token.h"
#include "services/common/client_channel.h"
#include "storage/check.h"

namespace timebank::rewards {

namespace lpb = ::timebank::ledger::v1;

namespace {
constexpr absl::Duration kFirstBackoff = absl::Milliseconds(100);
constexpr absl::Duration kMaxBackoff = absl::Seconds(5);
}  // namespace

JournalFollower::JournalFollower(RewardsProjection* projection, auth::Keyring* keyring,
                                 const Clock* clock)
    : projection_(projection),
      keyring_(keyring),
      clock_(clock),
      activity_(projection, keyring, clock) {}

JournalFollower::~JournalFollower() { Stop(); }

void JournalFollower::Start(std::shared_ptr<grpc::Channel> ledger) {
  absl::MutexLock lock(&mu_);
  if (started_ || stop_) return;
  started_ = true;
  stub_ = lpb::LedgerService::NewStub(std::move(ledger));
  queued_seq_ = projection_->journal_seq();
  reader_ = std::thread([this] { ReadLoop(); });
  applier_ = std::thread([this] { ApplyLoop(); });
}

void JournalFollower::FollowActivity(std::shared_ptr<grpc::Channel> activity) {
  activity_.Start(std::move(activity));
}

void JournalFollower::Stop() {
  activity_.Stop();
  {
    absl::MutexLock lock(&mu_);
    if (!started_ || stop_) {
      stop_ = true;
      return;
    }
    stop_ = true;
    if (stream_ctx_ != nullptr) stream_ctx_->TryCancel();
  }
  if (reader_.joinable()) reader_.join();
  if (applier_.joinable()) applier_.join();
}

bool JournalFollower::Stopping() const {
  absl::MutexLock lock(&mu_);
  return stop_;
}

uint64_t JournalFollower::seen_seq() const {
  absl::MutexLock lock(&mu_);
  return seen_seq_;
}

void JournalFollower::ReadLoop() {
  absl::Duration backoff = kFirstBackoff;
  while (true) {
    uint64_t generation;
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
      generation = generation_;
    }
    grpc::Status s = ReadStream(generation);
    if (s.ok() || s.error_code() == grpc::StatusCode::CANCELLED) {
      backoff = kFirstBackoff;
      continue;
    }
    absl::MutexLock lock(&mu_);
    // Waits out the backoff unless told to stop.
    mu_.AwaitWithTimeout(absl::Condition(&stop_), backoff);
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

grpc::Status JournalFollower::ReadStream(uint64_t generation) {
  grpc::ClientContext ctx;
  auth::AddBearer(&ctx, auth::MintServiceToken(*keyring_, "rewards", clock_->NowUnixSeconds()));
  lpb::WatchJournalRequest req;
  {
    absl::MutexLock lock(&mu_);
    // A rebuild resets where to start from once its wipe is done.
    auto settled = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_ || !paused_; };
    mu_.Await(absl::Condition(&settled));
    if (stop_ || generation != generation_) return grpc::Status::CANCELLED;
    req.set_from_seq(queued_seq_ + 1);
    stream_ctx_ = &ctx;
  }
  std::unique_ptr<grpc::ClientReader<lpb::JournalEntry>> reader = stub_->WatchJournal(&ctx, req);
  {
    // A Stop or Rebuild that cancelled before the call began is applied now.
    absl::MutexLock lock(&mu_);
    if (stop_ || generation != generation_) ctx.TryCancel();
  }
  lpb::JournalEntry e;
  while (reader->Read(&e)) {
    absl::MutexLock lock(&mu_);
    auto room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stop_ || queue_.size() < kQueueEntries;
    };
    mu_.Await(absl::Condition(&room));
    if (stop_ || generation != generation_) break;
    seen_seq_ = std::max(seen_seq_, e.seq());
    if (e.seq() <= queued_seq_) continue;  // resent after a reconnect
    queued_seq_ = e.seq();
    queue_.push_back(std::move(e));
  }
  {
    absl::MutexLock lock(&mu_);
    stream_ctx_ = nullptr;
  }
  ctx.TryCancel();
  return reader->Finish();
}

void JournalFollower::ApplyLoop() {
  std::vector<lpb::JournalEntry> batch;
  absl::Duration backoff = kFirstBackoff;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stop_ || (!paused_ && !queue_.empty());
      };
      mu_.Await(absl::Condition(&ready));
      if (stop_) return;
      const size_t n = std::min(queue_.size(), kMaxBatchEntries);
      batch.assign(std::make_move_iterator(queue_.begin()),
                   std::make_move_iterator(queue_.begin() + static_cast<ptrdiff_t>(n)));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<ptrdiff_t>(n));
      applying_ = true;
    }
    absl::Status s = projection_->Apply(batch);
    absl::MutexLock lock(&mu_);
    applying_ = false;
    if (s.ok()) {
      backoff = kFirstBackoff;
      continue;
    }
    // Not applied (the directory unreachable, or the disk): put the batch back in
    // front and try again later.
    std::fprintf(stderr, "rewards: projection step failed, retrying: %s\n",
                 std::string(s.message()).c_str());
    queue_.insert(queue_.begin(), std::make_move_iterator(batch.begin()),
                  std::make_move_iterator(batch.end()));
    mu_.AwaitWithTimeout(absl::Condition(&stop_), backoff);
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

bool JournalFollower::AwaitSeq(uint64_t seq, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (projection_->journal_seq() < seq) {
    if (absl::Now() >= deadline || Stopping()) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

absl::Status JournalFollower::Rebuild(absl::Duration timeout) {
  uint64_t target;
  const absl::Time deadline = absl::Now() + timeout;
  const uint64_t activity_target = std::max(activity_.seen_seq(), projection_->activity_seq());
  {
    absl::MutexLock lock(&mu_);
    if (stop_ || !started_) {
      return absl::UnavailableError(
          "the rewards service is not following the ledger yet (or "
          "is stopping); try again in a moment");
    }
    if (paused_) return absl::FailedPreconditionError("a rebuild is already running");
    target = std::max(seen_seq_, projection_->journal_seq());
    paused_ = true;
    ++generation_;
    if (stream_ctx_ != nullptr) stream_ctx_->TryCancel();
    auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !applying_; };
    mu_.Await(absl::Condition(&idle));
    queue_.clear();
  }
  // Neither thread touches the projection while paused; the wipe is disk work, done
  // outside the lock.
  absl::Status wiped = projection_->Wipe();
  {
    absl::MutexLock lock(&mu_);
    queued_seq_ = projection_->journal_seq();
    paused_ = false;
  }
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
