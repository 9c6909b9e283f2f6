#include "services/common/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <string_view>
#include <thread>

#include "absl/strings/numbers.h"
#include "httplib.h"
#include "storage/check.h"

namespace timebank {

void Counter::Add(uint64_t n) { series_->Increment(static_cast<double>(n)); }
uint64_t Counter::value() const { return static_cast<uint64_t>(series_->Value()); }
void Gauge::Set(int64_t v) { series_->Set(static_cast<double>(v)); }
int64_t Gauge::value() const { return static_cast<int64_t>(series_->Value()); }
void Histogram::Observe(double v) { series_->Observe(v); }
uint64_t Histogram::count() const { return series_->Collect().histogram.sample_count; }

std::vector<double> LatencyBounds() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,    0.1,    0.25,    0.5,    1,     2.5,    5,     10};
}

std::vector<double> SizeBounds() {
  std::vector<double> b;
  for (double v = 1; v <= 16384; v *= 2) b.push_back(v);
  return b;
}

struct MetricsRegistry::Families {
  std::map<std::string, prometheus::Family<prometheus::Counter>*> counters;
  std::map<std::string, prometheus::Family<prometheus::Gauge>*> gauges;
  std::map<std::string, prometheus::Family<prometheus::Histogram>*> histograms;
};

MetricsRegistry::MetricsRegistry()
    : registry_(std::make_unique<prometheus::Registry>()),
      families_(std::make_unique<Families>()) {}

MetricsRegistry::~MetricsRegistry() = default;

void MetricsRegistry::ClaimName(const std::string& name, const char* type) {
  auto [it, added] = types_.emplace(name, type);
  TB_CHECK(added || std::string_view(it->second) == type);
}

Counter* MetricsRegistry::GetCounter(const std::string& name, const std::string& help,
                                     const MetricLabels& labels) {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<Counter>& slot = counters_[{name, labels}];
  if (slot) return slot.get();
  ClaimName(name, "counter");
  auto*& family = families_->counters[name];
  if (family == nullptr) {
    family = &prometheus::BuildCounter().Name(name).Help(help).Register(*registry_);
  }
  slot = std::make_unique<Counter>(&family->Add(labels));
  return slot.get();
}

Gauge* MetricsRegistry::GetGauge(const std::string& name, const std::string& help,
                                 const MetricLabels& labels) {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<Gauge>& slot = gauges_[{name, labels}];
  if (slot) return slot.get();
  ClaimName(name, "gauge");
  auto*& family = families_->gauges[name];
  if (family == nullptr) {
    family = &prometheus::BuildGauge().Name(name).Help(help).Register(*registry_);
  }
  slot = std::make_unique<Gauge>(&family->Add(labels));
  return slot.get();
}

Histogram* MetricsRegistry::GetHistogram(const std::string& name, const std::string& help,
                                         const MetricLabels& labels, std::vector<double> bounds) {
  TB_CHECK(std::is_sorted(bounds.begin(), bounds.end()));
  absl::MutexLock lock(&mu_);
  std::unique_ptr<Histogram>& slot = histograms_[{name, labels}];
  if (slot) return slot.get();
  ClaimName(name, "histogram");
  auto*& family = families_->histograms[name];
  if (family == nullptr) {
    family = &prometheus::BuildHistogram().Name(name).Help(help).Register(*registry_);
  }
  slot = std::make_unique<Histogram>(&family->Add(labels, std::move(bounds)));
  return slot.get();
}

MetricLabels MetricsRegistry::ParseLabels(std::string_view text) {
  MetricLabels labels;
  size_t i = 0;
  while (i < text.size()) {
    const size_t eq = text.find('=', i);
    TB_CHECK(eq != std::string_view::npos && eq + 1 < text.size() && text[eq + 1] == '"');
    const size_t close = text.find('"', eq + 2);
    TB_CHECK(close != std::string_view::npos);
    labels[std::string(text.substr(i, eq - i))] = std::string(text.substr(eq + 2, close - eq - 2));
    i = close + 1;
    if (i < text.size()) {
      TB_CHECK(text[i] == ',');
      ++i;
    }
  }
  return labels;
}

void MetricsRegistry::AddGaugeCallback(const std::string& name, const std::string& help,
                                       std::function<double()> fn) {
  absl::MutexLock lock(&mu_);
  ClaimName(name, "gauge");
  TB_CHECK(!families_->gauges.contains(name));  // a name is either kind of gauge, not both
  for (CallbackGauge& c : callbacks_) {
    if (c.name == name) {
      c.fn = std::move(fn);
      return;
    }
  }
  callbacks_.push_back({name, help, std::move(fn)});
}

std::string MetricsRegistry::Render() const {
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  {
    absl::MutexLock lock(&mu_);
    for (const CallbackGauge& c : callbacks_) {
      prometheus::MetricFamily& f = families.emplace_back();
      f.name = c.name;
      f.help = c.help;
      f.type = prometheus::MetricType::Gauge;
      f.metric.emplace_back().gauge.value = c.fn();
    }
  }
  std::sort(families.begin(), families.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return prometheus::TextSerializer().Serialize(families);
}

struct MetricsHttpServer::Impl {
  httplib::Server server;
  std::thread thread;
};

MetricsHttpServer::MetricsHttpServer(MetricsRegistry* registry, std::string listen)
    : impl_(std::make_unique<Impl>()), registry_(registry), listen_(std::move(listen)) {}

MetricsHttpServer::~MetricsHttpServer() { Stop(); }

bool MetricsHttpServer::Start() {
  const size_t colon = listen_.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen_.substr(colon + 1), &port)) {
    return false;
  }
  std::string host = listen_.substr(0, colon);
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
  impl_->server.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(registry_->Render(), "text/plain; version=0.0.4");
  });
  impl_->server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  if (port == 0) {
    port_ = impl_->server.bind_to_any_port(host.c_str());
    if (port_ < 0) return false;
  } else {
    if (!impl_->server.bind_to_port(host.c_str(), port)) return false;
    port_ = port;
  }
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  return true;
}

void MetricsHttpServer::Stop() {
  if (impl_->thread.joinable()) {
    impl_->server.stop();
    impl_->thread.join();
  }
}

}  // namespace timebank
