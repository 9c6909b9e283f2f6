#include "services/common/outbox_pump.h"

#include <pthread.h>

#include <algorithm>
#include <cstdio>

#include "absl/time/time.h"

namespace timebank {

OutboxPump::OutboxPump(std::string name, std::function<absl::StatusOr<size_t>()> pump)
    : name_(std::move(name)), pump_(std::move(pump)), thread_([this] { Run(); }) {}

OutboxPump::~OutboxPump() { Stop(); }

void OutboxPump::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  absl::MutexLock join(&join_mu_);
  if (thread_.joinable()) thread_.join();
}

void OutboxPump::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
}

void OutboxPump::Run() {
  pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
  absl::Duration backoff = absl::Milliseconds(100);
  absl::Duration wait = absl::ZeroDuration();
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return woken_ || stop_; };
      mu_.AwaitWithTimeout(absl::Condition(&ready), wait);
      if (stop_) return;
      woken_ = false;
    }
    absl::StatusOr<size_t> waiting = pump_();
    if (!waiting.ok()) {
      std::fprintf(stderr, "%s: posting failed, retrying in %s: %s\n", name_.c_str(),
                   absl::FormatDuration(backoff).c_str(), waiting.status().ToString().c_str());
      wait = backoff;
      backoff = std::min(backoff * 2, absl::Seconds(5));
      continue;
    }
    backoff = absl::Milliseconds(100);
    wait = *waiting > 0 ? absl::ZeroDuration() : absl::Seconds(1);
  }
}

}  // namespace timebank
