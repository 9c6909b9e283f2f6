#include "services/common/metrics.h"

#include <algorithm>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "httplib.h"
#include "storage/check.h"

namespace timebank {
namespace {

std::string Series(const std::string& name, const std::string& labels) {
  return labels.empty() ? name : absl::StrCat(name, "{", labels, "}");
}

std::string Join(const std::string& labels, const std::string& extra) {
  return labels.empty() ? extra : absl::StrCat(labels, ",", extra);
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  TB_CHECK(std::is_sorted(bounds_.begin(), bounds_.end()));
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::Observe(double v) {
  const size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  double old = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(old, old + v, std::memory_order_relaxed)) {
  }
}

std::string Histogram::Render(const std::string& name, const std::string& labels) const {
  std::string out;
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    const std::string le = i < bounds_.size() ? absl::StrCat(bounds_[i]) : "+Inf";
    absl::StrAppend(&out, Series(name + "_bucket", Join(labels, absl::StrCat("le=\"", le, "\""))),
                    " ", cumulative, "\n");
  }
  absl::StrAppend(&out, Series(name + "_sum", labels), " ", sum_.load(), "\n");
  absl::StrAppend(&out, Series(name + "_count", labels), " ", count_.load(), "\n");
  return out;
}

std::vector<double> LatencyBounds() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,    0.1,    0.25,    0.5,    1,     2.5,    5,     10};
}

std::vector<double> SizeBounds() {
  std::vector<double> b;
  for (double v = 1; v <= 16384; v *= 2) b.push_back(v);
  return b;
}

MetricsRegistry::Family& MetricsRegistry::FamilyFor(const std::string& name,
                                                    const std::string& type,
                                                    const std::string& help) {
  Family& f = families_[name];
  if (f.type.empty()) {
    f.type = type;
    f.help = help;
  }
  TB_CHECK(f.type == type);
  return f;
}

Counter* MetricsRegistry::GetCounter(const std::string& name, const std::string& help,
                                     const std::string& labels) {
  absl::MutexLock lock(&mu_);
  auto& slot = FamilyFor(name, "counter", help).counters[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return slot.get();
}

Gauge* MetricsRegistry::GetGauge(const std::string& name, const std::string& help,
                                 const std::string& labels) {
  absl::MutexLock lock(&mu_);
  auto& slot = FamilyFor(name, "gauge", help).gauges[labels];
  if (!slot) slot = std::make_unique<Gauge>();
  return slot.get();
}

Histogram* MetricsRegistry::GetHistogram(const std::string& name, const std::string& help,
                                         const std::string& labels, std::vector<double> bounds) {
  absl::MutexLock lock(&mu_);
  auto& slot = FamilyFor(name, "histogram", help).histograms[labels];
  if (!slot) slot = std::make_unique<Histogram>(std::move(bounds));
  return slot.get();
}

void MetricsRegistry::AddGaugeCallback(const std::string& name, const std::string& help,
                                       std::function<double()> fn) {
  absl::MutexLock lock(&mu_);
  FamilyFor(name, "gauge", help).callback = std::move(fn);
}

std::string MetricsRegistry::Render() const {
  absl::MutexLock lock(&mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    absl::StrAppend(&out, "# HELP ", name, " ", f.help, "\n# TYPE ", name, " ", f.type, "\n");
    for (const auto& [labels, c] : f.counters) {
      absl::StrAppend(&out, Series(name, labels), " ", c->value(), "\n");
    }
    for (const auto& [labels, g] : f.gauges) {
      absl::StrAppend(&out, Series(name, labels), " ", g->value(), "\n");
    }
    if (f.callback) absl::StrAppend(&out, name, " ", f.callback(), "\n");
    for (const auto& [labels, h] : f.histograms) absl::StrAppend(&out, h->Render(name, labels));
  }
  return out;
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
