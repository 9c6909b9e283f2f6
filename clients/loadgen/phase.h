// The measurement every tb-loadgen mode shares: a phase keeps N calls in flight
// for a warm-up and then a measured window, and records calls, failures, transfers,
// latency percentiles and the process's CPU in that window.
#ifndef TIMEBANK_CLIENTS_LOADGEN_PHASE_H_
#define TIMEBANK_CLIENTS_LOADGEN_PHASE_H_

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace timebank::loadgen {

using Clock = std::chrono::steady_clock;

struct PhaseResult {
  uint64_t calls = 0;
  uint64_t failed_calls = 0;
  uint64_t transfers_ok = 0;
  uint64_t transfers_rejected = 0;
  double seconds = 0;
  // CPU this process used in the measured window: with an embedded server it holds
  // client and server, so cpu_s / seconds near the core count means CPU-bound.
  double cpu_s = 0;
  std::vector<double> latencies_ms;
  std::string first_error;

  double Percentile(double p) const {
    if (latencies_ms.empty()) return 0;
    const size_t i = std::min(latencies_ms.size() - 1,
                              static_cast<size_t>(p * static_cast<double>(latencies_ms.size())));
    return latencies_ms[i];
  }
};

// Adds another run of the same phase (latencies re-sorted for percentiles).
void Merge(PhaseResult* into, PhaseResult r);

// CPU seconds this process has used.
double ProcessCpuSeconds();

// CPU microseconds per call in a phase's measured window (whole process).
double PerCallUs(const PhaseResult& r);

// Issues one call; reports (ok, transfers created, transfers rejected).
using CallDone = std::function<void(const grpc::Status&, uint64_t, uint64_t)>;
using IssueFn = std::function<void(int slot, uint64_t n, CallDone done)>;

// Keeps `concurrency` calls in flight until the deadline; returns what it measured
// (only calls that started after the warm-up).
PhaseResult RunPhase(const std::string& label, int concurrency, double warmup_s, double duration_s,
                     const IssueFn& issue);

}  // namespace timebank::loadgen

#endif  // TIMEBANK_CLIENTS_LOADGEN_PHASE_H_
