#include "clients/loadgen/phase.h"

#include <sys/resource.h>

#include <memory>
#include <thread>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "clients/common/progress.h"

namespace timebank::loadgen {

// Adds another run of the same phase (latencies re-sorted for percentiles).
void Merge(PhaseResult* into, PhaseResult r) {
  into->calls += r.calls;
  into->failed_calls += r.failed_calls;
  into->transfers_ok += r.transfers_ok;
  into->transfers_rejected += r.transfers_rejected;
  into->seconds += r.seconds;
  into->cpu_s += r.cpu_s;
  if (into->first_error.empty()) into->first_error = r.first_error;
  into->latencies_ms.insert(into->latencies_ms.end(), r.latencies_ms.begin(), r.latencies_ms.end());
  std::sort(into->latencies_ms.begin(), into->latencies_ms.end());
}

double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

double PerCallUs(const PhaseResult& r) {
  return r.calls > 0 ? r.cpu_s * 1e6 / static_cast<double>(r.calls) : 0;
}

namespace {

// A phase's shared state: shared with in-flight callbacks, which may still be
// unwinding after the last slot reports done; they hold it alive.
struct PhaseState {
  absl::Mutex mu;
  int active = 0;
  PhaseResult result;
  std::vector<std::vector<double>> per_slot;
  std::vector<uint64_t> counters;
  Clock::time_point measure_from, deadline;
  std::function<void(int)> next;
};

// What a slot does when its call returns: records it if it fell in the measured
// window, then issues the slot's next call (or, past the deadline, retires the slot).
std::function<void(int)> NextCall(std::weak_ptr<PhaseState> weak, const IssueFn& issue) {
  return [weak, &issue](int slot) {
    std::shared_ptr<PhaseState> s = weak.lock();
    const auto call_start = Clock::now();
    if (call_start >= s->deadline) {
      absl::MutexLock lock(&s->mu);
      --s->active;
      return;
    }
    issue(slot, s->counters[slot]++,
          [s, slot, call_start](const grpc::Status& status, uint64_t ok, uint64_t rejected) {
            const auto end = Clock::now();
            if (call_start >= s->measure_from && end <= s->deadline) {
              s->per_slot[slot].push_back(
                  std::chrono::duration<double, std::milli>(end - call_start).count());
              absl::MutexLock lock(&s->mu);
              ++s->result.calls;
              if (!status.ok()) {
                ++s->result.failed_calls;
                if (s->result.first_error.empty()) s->result.first_error = status.error_message();
              }
              s->result.transfers_ok += ok;
              s->result.transfers_rejected += rejected;
            }
            s->next(slot);
          });
  };
}

// Waits until every slot has retired, showing progress; the calls measured.
PhaseResult AwaitSlots(PhaseState* st, const std::string& label) {
  timebank::cli::ProgressBar bar(label, 0);
  PhaseResult r;
  {
    absl::MutexLock lock(&st->mu);
    while (st->active > 0) {
      st->mu.AwaitWithTimeout(absl::Condition(
                                  +[](int* a) { return *a == 0; }, &st->active),
                              absl::Milliseconds(200));
      bar.Update(st->result.calls);
    }
    r = std::move(st->result);
    for (auto& v : st->per_slot) r.latencies_ms.insert(r.latencies_ms.end(), v.begin(), v.end());
  }
  bar.Finish();
  return r;
}

}  // namespace

PhaseResult RunPhase(const std::string& label, int concurrency, double warmup_s, double duration_s,
                     const IssueFn& issue) {
  auto st = std::make_shared<PhaseState>();
  const auto start = Clock::now();
  st->measure_from =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(warmup_s));
  st->deadline = st->measure_from + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(duration_s));
  st->per_slot.resize(concurrency);
  st->counters.assign(concurrency, 0);
  st->next = NextCall(st, issue);
  {
    absl::MutexLock lock(&st->mu);
    st->active = concurrency;
  }
  // Process CPU at the window's edges, read on time by a thread of its own.
  double cpu_at_start = 0, cpu_at_end = 0;
  std::thread cpu_clock([&] {
    std::this_thread::sleep_until(st->measure_from);
    cpu_at_start = ProcessCpuSeconds();
    std::this_thread::sleep_until(st->deadline);
    cpu_at_end = ProcessCpuSeconds();
  });
  for (int i = 0; i < concurrency; ++i) st->next(i);
  PhaseResult r = AwaitSlots(st.get(), label);
  cpu_clock.join();
  r.seconds = duration_s;
  r.cpu_s = cpu_at_end - cpu_at_start;
  std::sort(r.latencies_ms.begin(), r.latencies_ms.end());
  return r;
}

}  // namespace timebank::loadgen
