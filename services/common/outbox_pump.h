// OutboxPump runs a service's outbox pump on its own thread whenever woken (and about
// once a second regardless), retrying with backoff (100 ms doubling to 5 s) while the
// peer it posts to is unreachable. The pump returns how many entries still wait (0:
// sleep until woken) or an error (back off). Used for every exactly-once hand-off
// between services: activity -> ledger, expenses -> ledger.
#ifndef TIMEBANK_SERVICES_COMMON_OUTBOX_PUMP_H_
#define TIMEBANK_SERVICES_COMMON_OUTBOX_PUMP_H_

#include <cstddef>
#include <functional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace timebank {

class OutboxPump {
 public:
  // `name`: for the thread and log lines (at most 15 bytes for the thread name).
  OutboxPump(std::string name, std::function<absl::StatusOr<size_t>()> pump);
  ~OutboxPump();  // Stop()
  // Wakes the pump; after Stop, does nothing (callers may still hold the pump).
  void Wake() ABSL_LOCKS_EXCLUDED(mu_);
  // Stops the thread and joins it (a round in progress finishes first). Idempotent.
  // The pump stays a valid object, so services that hold it while calls still arrive
  // (the node stops pumps before its server) can keep calling Wake.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Run();
  const std::string name_;
  const std::function<absl::StatusOr<size_t>()> pump_;
  absl::Mutex mu_;
  bool woken_ ABSL_GUARDED_BY(mu_) = true;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
  absl::Mutex join_mu_;  // one Stop joins; the others wait for it
};

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_COMMON_OUTBOX_PUMP_H_
