// StreamFollower<Entry> is the stream-to-projection mechanism the rewards followers
// share (JournalFollower for WatchJournal, ActivityFollower for WatchActivity): one
// thread reads a server stream, as the rewards service, from the projection's cursor + 1
// into a bounded queue (so a slow projection holds the stream back instead of growing
// memory); another applies what is queued in steps of up to max_batch_entries, each one
// committed step. A step that fails is put back in front of the queue and tried again
// with backoff, so nothing is missed; entries at or below what was queued (resent after
// a reconnect) are dropped, so nothing is counted twice. A dropped stream reconnects
// with backoff from wherever the follower stands.
//
// Pause/Resume serve a rebuild: Pause stops both threads touching the projection (the
// applier finishes its step, the queue is dropped, the stream cancelled and a new one
// waits), so the projection can be wiped; Resume reads again from its cursor. ReadAgain
// drops what is queued and reads from the cursor without pausing (after a wipe that
// someone else did). Every such restart bumps a generation: entries read by an older
// stream are dropped.
#ifndef TIMEBANK_SERVICES_REWARDS_STREAM_FOLLOWER_H_
#define TIMEBANK_SERVICES_REWARDS_STREAM_FOLLOWER_H_

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/auth/keyring.h"
#include "services/common/auth/token.h"
#include "services/common/client_channel.h"
#include "services/common/clock.h"

namespace timebank::rewards {

// What a StreamFollower follows and how it applies it. `Entry` is a message with a
// uint64 seq() that grows along the stream.
template <typename Entry>
struct StreamFollowerOptions {
  // Opens the stream on `ctx` (which carries the service token) from `from_seq`.
  using OpenFn = std::function<std::unique_ptr<grpc::ClientReader<Entry>>(grpc::ClientContext* ctx,
                                                                          uint64_t from_seq)>;
  // The newest entry the projection has committed (where a stream resumes after).
  std::function<uint64_t()> cursor;
  // Commits one step of entries (in seq order) with the cursor.
  std::function<absl::Status(const std::vector<Entry>&)> apply;
  // One step applies at most this many entries; the queue holds two steps.
  size_t max_batch_entries = 0;
  // Named in the retry log line ("rewards: <step_name> step failed, retrying").
  std::string step_name;
  // Named when a rebuild is refused before Start ("not following the <source_name>").
  std::string source_name;
  // Whether an ABORTED step (the projection was wiped or stands elsewhere) makes it
  // read again from the projection's cursor instead of retrying the step.
  bool reread_on_aborted = false;
};

template <typename Entry>
class StreamFollower {
 public:
  using Options = StreamFollowerOptions<Entry>;

  StreamFollower(Options options, auth::Keyring* keyring, const Clock* clock)
      : options_(std::move(options)), keyring_(keyring), clock_(clock) {}
  ~StreamFollower() { Stop(); }
  StreamFollower(const StreamFollower&) = delete;
  StreamFollower& operator=(const StreamFollower&) = delete;

  // Starts both threads, reading streams `open` opens (once; later calls do nothing).
  void Start(typename Options::OpenFn open) {
    absl::MutexLock lock(&mu_);
    if (started_ || stop_) return;
    started_ = true;
    open_ = std::move(open);
    queued_seq_ = options_.cursor();
    reader_ = std::thread([this] { ReadLoop(); });
    applier_ = std::thread([this] { ApplyLoop(); });
  }

  // Joins both threads; safe to call twice and before Start.
  void Stop() {
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

  bool started() const {
    absl::MutexLock lock(&mu_);
    return started_;
  }
  bool stopping() const {
    absl::MutexLock lock(&mu_);
    return stop_;
  }
  // The newest entry seen on the stream (0 before any).
  uint64_t seen_seq() const {
    absl::MutexLock lock(&mu_);
    return seen_seq_;
  }

  // Drops what is queued and reads again from the projection's cursor.
  void ReadAgain() {
    absl::MutexLock lock(&mu_);
    if (started_ && !stop_) Restart();
  }

  // Stops both threads touching the projection until Resume; returns the newest entry
  // seen or applied at the call (what a replay must reach). UNAVAILABLE before Start or
  // once stopping; FAILED_PRECONDITION while already paused.
  absl::StatusOr<uint64_t> Pause();
  // Reads again from the projection's cursor (after a wipe: from the first entry).
  void Resume() {
    absl::MutexLock lock(&mu_);
    queued_seq_ = options_.cursor();
    paused_ = false;
  }

  // Whether the projection reached `seq` within `timeout`.
  bool AwaitSeq(uint64_t seq, absl::Duration timeout) const {
    const absl::Time deadline = absl::Now() + timeout;
    while (options_.cursor() < seq) {
      if (absl::Now() >= deadline || stopping()) return false;
      absl::SleepFor(absl::Milliseconds(1));
    }
    return true;
  }

 private:
  static constexpr absl::Duration kFirstBackoff = absl::Milliseconds(100);
  static constexpr absl::Duration kMaxBackoff = absl::Seconds(5);

  void ReadLoop();
  // One stream from the queued position; returns when it ends.
  grpc::Status ReadStream(uint64_t generation);
  // Waits until it may open a stream of `generation`; false when it should not.
  bool OpenReady(uint64_t generation, grpc::ClientContext* ctx, uint64_t* from_seq);
  void ApplyLoop();
  // Moves the next step out of the queue into `batch`; false when stopping.
  bool TakeBatch(std::vector<Entry>* batch, uint64_t* generation);
  // Drops what is queued and has the reader start again from the projection's cursor.
  void Restart() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    ++generation_;
    queue_.clear();
    queued_seq_ = options_.cursor();
    if (stream_ctx_ != nullptr) stream_ctx_->TryCancel();
  }

  const Options options_;
  auth::Keyring* const keyring_;
  const Clock* const clock_;
  typename Options::OpenFn open_;  // set once by Start, before the threads

  mutable absl::Mutex mu_;
  std::deque<Entry> queue_ ABSL_GUARDED_BY(mu_);
  // The last entry queued or applied: a stream resumes after it.
  uint64_t queued_seq_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t seen_seq_ ABSL_GUARDED_BY(mu_) = 0;
  // Bumped by Pause and Restart: entries read by an older stream are dropped.
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  bool paused_ ABSL_GUARDED_BY(mu_) = false;
  bool applying_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* stream_ctx_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::thread reader_;
  std::thread applier_;
};

template <typename Entry>
absl::StatusOr<uint64_t> StreamFollower<Entry>::Pause() {
  absl::MutexLock lock(&mu_);
  if (stop_ || !started_) {
    return absl::UnavailableError(absl::StrCat("the rewards service is not following the ",
                                               options_.source_name,
                                               " yet (or is stopping); try again in a moment"));
  }
  if (paused_) return absl::FailedPreconditionError("a rebuild is already running");
  const uint64_t target = std::max(seen_seq_, options_.cursor());
  paused_ = true;
  ++generation_;
  if (stream_ctx_ != nullptr) stream_ctx_->TryCancel();
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !applying_; };
  mu_.Await(absl::Condition(&idle));
  queue_.clear();
  return target;
}

template <typename Entry>
void StreamFollower<Entry>::ReadLoop() {
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

template <typename Entry>
bool StreamFollower<Entry>::OpenReady(uint64_t generation, grpc::ClientContext* ctx,
                                      uint64_t* from_seq) {
  absl::MutexLock lock(&mu_);
  // A rebuild resets where to start from once its wipe is done.
  auto settled = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_ || !paused_; };
  mu_.Await(absl::Condition(&settled));
  if (stop_ || generation != generation_) return false;
  *from_seq = queued_seq_ + 1;
  stream_ctx_ = ctx;
  return true;
}

template <typename Entry>
grpc::Status StreamFollower<Entry>::ReadStream(uint64_t generation) {
  grpc::ClientContext ctx;
  auth::AddBearer(&ctx, auth::MintServiceToken(*keyring_, "rewards", clock_->NowUnixSeconds()));
  uint64_t from_seq = 0;
  if (!OpenReady(generation, &ctx, &from_seq)) return grpc::Status::CANCELLED;
  std::unique_ptr<grpc::ClientReader<Entry>> reader = open_(&ctx, from_seq);
  {
    // A Stop, Pause or Restart that cancelled before the call began is applied now.
    absl::MutexLock lock(&mu_);
    if (stop_ || generation != generation_) ctx.TryCancel();
  }
  Entry e;
  while (reader->Read(&e)) {
    absl::MutexLock lock(&mu_);
    auto room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stop_ || queue_.size() < 2 * options_.max_batch_entries;
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

template <typename Entry>
bool StreamFollower<Entry>::TakeBatch(std::vector<Entry>* batch, uint64_t* generation) {
  absl::MutexLock lock(&mu_);
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stop_ || (!paused_ && !queue_.empty());
  };
  mu_.Await(absl::Condition(&ready));
  if (stop_) return false;
  const size_t n = std::min(queue_.size(), options_.max_batch_entries);
  batch->assign(std::make_move_iterator(queue_.begin()),
                std::make_move_iterator(queue_.begin() + static_cast<ptrdiff_t>(n)));
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<ptrdiff_t>(n));
  *generation = generation_;
  applying_ = true;
  return true;
}

template <typename Entry>
void StreamFollower<Entry>::ApplyLoop() {
  std::vector<Entry> batch;
  absl::Duration backoff = kFirstBackoff;
  uint64_t generation = 0;
  while (TakeBatch(&batch, &generation)) {
    absl::Status s = options_.apply(batch);
    absl::MutexLock lock(&mu_);
    applying_ = false;
    if (s.ok()) {
      backoff = kFirstBackoff;
      continue;
    }
    if (generation != generation_) continue;  // paused or restarted meanwhile: dropped
    if (options_.reread_on_aborted && s.code() == absl::StatusCode::kAborted) {
      // The projection was wiped (a rebuild) or stands elsewhere: read from it again.
      Restart();
      continue;
    }
    // Not applied (the directory unreachable, or the disk): put the batch back in
    // front and try again later.
    std::fprintf(stderr, "rewards: %s step failed, retrying: %s\n", options_.step_name.c_str(),
                 std::string(s.message()).c_str());
    queue_.insert(queue_.begin(), std::make_move_iterator(batch.begin()),
                  std::make_move_iterator(batch.end()));
    mu_.AwaitWithTimeout(absl::Condition(&stop_), backoff);
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_STREAM_FOLLOWER_H_
