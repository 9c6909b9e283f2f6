// A small Prometheus registry: counters, gauges and histograms, each a named family
// of series told apart by a label string (e.g. `method="/pkg.Svc/Call",code="OK"`),
// rendered in the text exposition format. Updates are lock-free atomics; only
// registering a new series takes the registry's lock.
#ifndef TIMEBANK_SERVICES_COMMON_METRICS_H_
#define TIMEBANK_SERVICES_COMMON_METRICS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace timebank {

class Counter {
 public:
  void Add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// Cumulative histogram over fixed upper bounds (in the metric's unit, e.g. seconds).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  std::string Render(const std::string& name, const std::string& labels) const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1 (+Inf)
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

// Latency buckets in seconds, 50 us .. 10 s.
std::vector<double> LatencyBounds();
// Size buckets 1 .. 16384, powers of two.
std::vector<double> SizeBounds();

class MetricsRegistry {
 public:
  Counter* GetCounter(const std::string& name, const std::string& help,
                      const std::string& labels = "");
  Gauge* GetGauge(const std::string& name, const std::string& help, const std::string& labels = "");
  Histogram* GetHistogram(const std::string& name, const std::string& help,
                          const std::string& labels, std::vector<double> bounds);
  // A gauge computed when scraped.
  void AddGaugeCallback(const std::string& name, const std::string& help,
                        std::function<double()> fn);
  std::string Render() const;

 private:
  struct Family {
    std::string type;
    std::string help;
    std::map<std::string, std::unique_ptr<Counter>> counters;
    std::map<std::string, std::unique_ptr<Gauge>> gauges;
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
    std::function<double()> callback;
  };
  Family& FamilyFor(const std::string& name, const std::string& type, const std::string& help)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::string, Family> families_ ABSL_GUARDED_BY(mu_);
};

// Serves GET /metrics (and /healthz) on `listen` ("127.0.0.1:9464") in its own thread.
class MetricsHttpServer {
 public:
  MetricsHttpServer(MetricsRegistry* registry, std::string listen);
  ~MetricsHttpServer();
  // Binds and starts serving; false if the address cannot be bound.
  bool Start();
  void Stop();
  int port() const { return port_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  MetricsRegistry* registry_;
  std::string listen_;
  int port_ = 0;
};

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_COMMON_METRICS_H_
