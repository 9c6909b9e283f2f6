#include "services/rewards/activity_follower.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "services/common/auth/token.h"
#include "storage/check.h"

namespace timebank::rewards {

namespace apb = ::timebank::activity::v1;

namespace {
constexpr absl::Duration kStreamFirstBackoff = absl::Milliseconds(100);
constexpr absl::Duration kStreamMaxBackoff = absl::Seconds(5);
}  // namespace

ActivityFollower::ActivityFollower(RewardsProjection* projection, auth::Keyring* keyring,
                                   const Clock* clock)
    : projection_(projection), keyring_(keyring), clock_(clock) {}

ActivityFollower::~ActivityFollower() { Stop(); }

void ActivityFollower::Start(std::shared_ptr<grpc::Channel> activity) {
  absl::MutexLock lock(&mu_);
  if (started_ || stop_) return;
  started_ = true;
  stub_ = apb::ActivityService::NewStub(std::move(activity));
  queued_seq_ = projection_->activity_seq();
  reader_ = std::thread([this] { ReadLoop(); });
  applier_ = std::thread([this] { ApplyLoop(); });
}

void ActivityFollower::Stop() {
  {
    absl::MutexLock lock(&mu_);
    const bool running = started_ && !stop_;
    stop_ = true;
    if (!running) return;
    if (stream_ctx_ != nullptr) stream_ctx_->TryCancel();
  }
  if (reader_.joinable()) reader_.join();
  if (applier_.joinable()) applier_.join();
}

bool ActivityFollower::started() const {
  absl::MutexLock lock(&mu_);
  return started_;
}

uint64_t ActivityFollower::seen_seq() const {
  absl::MutexLock lock(&mu_);
  return seen_seq_;
}

void ActivityFollower::ReadAgain() {
  absl::MutexLock lock(&mu_);
  if (started_ && !stop_) Restart();
}

void ActivityFollower::Restart() {
  ++generation_;
  queue_.clear();
  queued_seq_ = projection_->activity_seq();
  if (stream_ctx_ != nullptr) stream_ctx_->TryCancel();
}

void ActivityFollower::ReadLoop() {
  absl::Duration backoff = kStreamFirstBackoff;
  while (true) {
    uint64_t generation;
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
      generation = generation_;
    }
    grpc::Status s = ReadStream(generation);
    if (s.ok() || s.error_code() == grpc::StatusCode::CANCELLED) {
      backoff = kStreamFirstBackoff;
      continue;
    }
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stop_), backoff);
    backoff = std::min(backoff * 2, kStreamMaxBackoff);
  }
}

grpc::Status ActivityFollower::ReadStream(uint64_t generation) {
  grpc::ClientContext ctx;
  auth::AddBearer(&ctx, auth::MintServiceToken(*keyring_, "rewards", clock_->NowUnixSeconds()));
  apb::WatchActivityRequest req;
  {
    absl::MutexLock lock(&mu_);
    if (stop_ || generation != generation_) return grpc::Status::CANCELLED;
    req.set_from_seq(queued_seq_ + 1);
    stream_ctx_ = &ctx;
  }
  std::unique_ptr<grpc::ClientReader<apb::ActivityEvent>> reader = stub_->WatchActivity(&ctx, req);
  {
    absl::MutexLock lock(&mu_);  // a Stop or Restart before the call began
    if (stop_ || generation != generation_) ctx.TryCancel();
  }
  apb::ActivityEvent e;
  while (reader->Read(&e)) {
    absl::MutexLock lock(&mu_);
    auto room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stop_ || queue_.size() < kQueueEvents;
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

void ActivityFollower::ApplyLoop() {
  std::vector<apb::ActivityEvent> batch;
  absl::Duration backoff = kStreamFirstBackoff;
  while (true) {
    uint64_t generation;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_ || !queue_.empty(); };
      mu_.Await(absl::Condition(&ready));
      if (stop_) return;
      const size_t n = std::min(queue_.size(), kMaxBatchEvents);
      batch.assign(std::make_move_iterator(queue_.begin()),
                   std::make_move_iterator(queue_.begin() + static_cast<ptrdiff_t>(n)));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<ptrdiff_t>(n));
      generation = generation_;
    }
    absl::Status s = projection_->ApplyActivity(batch);
    absl::MutexLock lock(&mu_);
    if (s.ok()) {
      backoff = kStreamFirstBackoff;
      continue;
    }
    if (generation != generation_) continue;  // restarted meanwhile: dropped
    if (s.code() == absl::StatusCode::kAborted) {
      // The projection was wiped (a rebuild) or stands elsewhere: read from it again.
      Restart();
      continue;
    }
    std::fprintf(stderr, "rewards: activity step failed, retrying: %s\n",
                 std::string(s.message()).c_str());
    queue_.insert(queue_.begin(), std::make_move_iterator(batch.begin()),
                  std::make_move_iterator(batch.end()));
    mu_.AwaitWithTimeout(absl::Condition(&stop_), backoff);
    backoff = std::min(backoff * 2, kStreamMaxBackoff);
  }
}

bool ActivityFollower::AwaitSeq(uint64_t seq, absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  while (projection_->activity_seq() < seq) {
    if (absl::Now() >= deadline) return false;
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return false;
    }
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

}  // namespace timebank::rewards
