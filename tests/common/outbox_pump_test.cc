// OutboxPump: it pumps at once when started and when woken, again at once while
// entries wait, and backs off (100 ms, doubling) while the pump fails, never spinning.
#include "services/common/outbox_pump.h"

#include <chrono>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"

namespace timebank {
namespace {

using Instant = std::chrono::steady_clock::time_point;
using std::chrono::milliseconds;

// A pump whose answers the test scripts; records when it was called (monotonic).
class ScriptedPump {
 public:
  explicit ScriptedPump(std::vector<absl::StatusOr<size_t>> script) : script_(std::move(script)) {}
  absl::StatusOr<size_t> operator()() {
    absl::MutexLock lock(&mu_);
    calls_.push_back(std::chrono::steady_clock::now());
    const size_t i = calls_.size() - 1;
    return i < script_.size() ? script_[i] : absl::StatusOr<size_t>(0);
  }
  // Waits up to `timeout` for `n` calls; returns their times (fewer on timeout).
  std::vector<Instant> AwaitCalls(size_t n, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto enough = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return calls_.size() >= n; };
    mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
    return calls_;
  }

 private:
  const std::vector<absl::StatusOr<size_t>> script_;
  absl::Mutex mu_;
  std::vector<Instant> calls_ ABSL_GUARDED_BY(mu_);
};

TEST(OutboxPumpTest, PumpsAtStartAgainAtOnceWhileEntriesWaitAndWhenWoken) {
  ScriptedPump script({3, 2, 1, 0});
  OutboxPump pump("test-pump", [&] { return script(); });
  // Four calls back to back: none waits the idle second.
  std::vector<Instant> calls = script.AwaitCalls(4, absl::Milliseconds(900));
  ASSERT_EQ(calls.size(), 4u);
  // Idle now (it answered 0); a wake brings the next call well before the idle second.
  const Instant woken = std::chrono::steady_clock::now();
  pump.Wake();
  calls = script.AwaitCalls(5, absl::Milliseconds(700));
  ASSERT_EQ(calls.size(), 5u) << "Wake() did not bring a pump";
  EXPECT_LT(calls[4] - woken, milliseconds(700));
}

TEST(OutboxPumpTest, StopJoinsOnceAndLaterWakesPumpNothing) {
  ScriptedPump script({0});
  OutboxPump pump("test-stop", [&] { return script(); });
  ASSERT_EQ(script.AwaitCalls(1, absl::Seconds(5)).size(), 1u);
  pump.Stop();
  pump.Stop();  // idempotent
  // A service still holding the pump may wake it: nothing runs any more.
  pump.Wake();
  EXPECT_EQ(script.AwaitCalls(2, absl::Milliseconds(1500)).size(), 1u);
}

TEST(OutboxPumpTest, BacksOffWhileThePumpFailsInsteadOfRetryingAtOnce) {
  const absl::Status down = absl::UnavailableError("ledger down");
  ScriptedPump script({down, down, down, 0});
  OutboxPump pump("test-backoff", [&] { return script(); });
  std::vector<Instant> calls = script.AwaitCalls(4, absl::Seconds(10));
  ASSERT_EQ(calls.size(), 4u);
  // 100 ms, then 200 ms, then 400 ms (a little slack for coarse timers).
  EXPECT_GE(calls[1] - calls[0], milliseconds(95));
  EXPECT_GE(calls[2] - calls[1], milliseconds(195));
  EXPECT_GE(calls[3] - calls[2], milliseconds(395));
}

TEST(OutboxPumpTest, StopsWithoutAnotherPumpWhenDestroyedWhileIdle) {
  ScriptedPump script({0});
  {
    OutboxPump pump("test-stop", [&] { return script(); });
    ASSERT_EQ(script.AwaitCalls(1, absl::Seconds(5)).size(), 1u);
  }
  EXPECT_EQ(script.AwaitCalls(2, absl::Milliseconds(1200)).size(), 1u)
      << "the pump ran after its OutboxPump was destroyed";
}

}  // namespace
}  // namespace timebank
