// WorkerPool runs blocking work (store scans, journal verification) off gRPC's
// reactor threads, which must never block. The queue is bounded: when it is full,
// TrySubmit refuses and the caller answers RESOURCE_EXHAUSTED instead of queueing
// without limit.
#ifndef TIMEBANK_SERVICES_COMMON_WORKER_POOL_H_
#define TIMEBANK_SERVICES_COMMON_WORKER_POOL_H_

#include <deque>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace timebank {

class WorkerPool {
 public:
  WorkerPool(int threads, size_t max_queued);
  ~WorkerPool();  // finishes queued work, then joins
  bool TrySubmit(absl::AnyInvocable<void()> fn);

 private:
  void Run();
  const size_t max_queued_;
  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_COMMON_WORKER_POOL_H_
