// Prometheus metrics for a timebank process, kept in a prometheus-cpp registry
// (docs/decisions/0009): counters, gauges and histograms, each a named family of
// series told apart by labels, plus gauges computed when scraped. Render() gives the
// text exposition format; MetricsHttpServer serves it on GET /metrics.
//
// The handles (Counter, Gauge, Histogram) are looked up once and kept: an update is
// a prometheus-cpp update (atomic for counters and gauges; a short per-series lock
// for histograms), never a registry lookup. prometheus-cpp stays out of this header
// so that every service does not compile it.
#ifndef TIMEBANK_SERVICES_COMMON_METRICS_H_
#define TIMEBANK_SERVICES_COMMON_METRICS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
}  // namespace prometheus

namespace timebank {

// A series' labels, name -> value (e.g. {{"method", "/pkg.Svc/Call"}, {"code", "0"}}).
using MetricLabels = std::map<std::string, std::string>;

class Counter {
 public:
  explicit Counter(prometheus::Counter* series) : series_(series) {}
  void Add(uint64_t n = 1);
  uint64_t value() const;

 private:
  prometheus::Counter* const series_;
};

class Gauge {
 public:
  explicit Gauge(prometheus::Gauge* series) : series_(series) {}
  void Set(int64_t v);
  int64_t value() const;

 private:
  prometheus::Gauge* const series_;
};

// Cumulative histogram over fixed upper bounds (in the metric's unit, e.g. seconds).
class Histogram {
 public:
  explicit Histogram(prometheus::Histogram* series) : series_(series) {}
  void Observe(double v);
  uint64_t count() const;

 private:
  prometheus::Histogram* const series_;
};

// Latency buckets in seconds, 50 us .. 10 s.
std::vector<double> LatencyBounds();
// Size buckets 1 .. 16384, powers of two.
std::vector<double> SizeBounds();

class MetricsRegistry {
  template <typename Text>
  using LabelText = std::enable_if_t<std::is_convertible_v<const Text&, std::string_view>>;

 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // The same name and labels give the same handle; a name keeps the type it was first
  // registered with (TB_CHECK). The handles live as long as the registry.
  Counter* GetCounter(const std::string& name, const std::string& help,
                      const MetricLabels& labels = {});
  Gauge* GetGauge(const std::string& name, const std::string& help,
                  const MetricLabels& labels = {});
  Histogram* GetHistogram(const std::string& name, const std::string& help,
                          const MetricLabels& labels, std::vector<double> bounds);
  // The same with labels in exposition syntax (`method="/pkg.Svc/Call",code="0"`, or
  // "" for none): kept for callers written before MetricLabels. Values hold no quote.
  // (Templates, so that `{}` still means MetricLabels{}.)
  template <typename Text, typename = LabelText<Text>>
  Counter* GetCounter(const std::string& name, const std::string& help, const Text& labels) {
    return GetCounter(name, help, ParseLabels(labels));
  }
  template <typename Text, typename = LabelText<Text>>
  Gauge* GetGauge(const std::string& name, const std::string& help, const Text& labels) {
    return GetGauge(name, help, ParseLabels(labels));
  }
  template <typename Text, typename = LabelText<Text>>
  Histogram* GetHistogram(const std::string& name, const std::string& help, const Text& labels,
                          std::vector<double> bounds) {
    return GetHistogram(name, help, ParseLabels(labels), std::move(bounds));
  }
  // A gauge computed when scraped (no labels).
  void AddGaugeCallback(const std::string& name, const std::string& help,
                        std::function<double()> fn);
  // Every series in the Prometheus text exposition format (version 0.0.4).
  std::string Render() const;

 private:
  struct Families;
  struct CallbackGauge {
    std::string name;
    std::string help;
    std::function<double()> fn;
  };
  // Parses `k="v",k2="v2"` (TB_CHECK: well formed).
  static MetricLabels ParseLabels(std::string_view text);
  // Remembers `name`'s type; TB_CHECKs that it does not change.
  void ClaimName(const std::string& name, const char* type) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::unique_ptr<prometheus::Registry> registry_;  // thread-safe itself
  std::unique_ptr<Families> families_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, const char*> types_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, MetricLabels>, std::unique_ptr<Counter>> counters_
      ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, MetricLabels>, std::unique_ptr<Gauge>> gauges_
      ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, MetricLabels>, std::unique_ptr<Histogram>> histograms_
      ABSL_GUARDED_BY(mu_);
  std::vector<CallbackGauge> callbacks_ ABSL_GUARDED_BY(mu_);
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
