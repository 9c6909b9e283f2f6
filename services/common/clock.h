// Clock is where every service reads the time of day. Production code is given
// SystemClock(); tests give a FakeClock and move it, so expiry, week boundaries and
// lapses are tested without sleeping. One interface for all services: nothing reads
// absl::Now() or std::chrono's clocks directly outside this file.
#ifndef TIMEBANK_SERVICES_COMMON_CLOCK_H_
#define TIMEBANK_SERVICES_COMMON_CLOCK_H_

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace timebank {

class Clock {
 public:
  virtual ~Clock() = default;
  // The time of day (wall clock: it may step when the host's clock is set).
  virtual absl::Time Now() const = 0;

  int64_t NowUnixNanos() const { return absl::ToUnixNanos(Now()); }
  int64_t NowUnixSeconds() const { return absl::ToUnixSeconds(Now()); }
};

// The host's clock. One instance for the program; never destroyed.
const Clock* SystemClock();

// A clock that stands still until a test moves it. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1'767'225'600))  // 2026-01-01
      : now_(start) {}
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Set(absl::Time t) {
    absl::MutexLock lock(&mu_);
    now_ = t;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_COMMON_CLOCK_H_
