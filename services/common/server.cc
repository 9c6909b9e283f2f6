#include "services/common/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/support/server_interceptor.h>

#include <chrono>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "services/common/auth/auth_interceptor.h"

namespace timebank {
namespace {

// Per-method series, looked up once per method and then cached.
struct MethodMetrics {
  Histogram* latency;
  Counter* by_code[17];
};

class MetricsCache {
 public:
  explicit MetricsCache(MetricsRegistry* registry) : registry_(registry) {}
  const MethodMetrics* For(const char* method) {
    {
      absl::ReaderMutexLock lock(&mu_);
      if (auto it = cache_.find(method); it != cache_.end()) return it->second.get();
    }
    auto m = std::make_unique<MethodMetrics>();
    m->latency =
        registry_->GetHistogram("timebank_rpc_latency_seconds", "Server-side latency of gRPC calls",
                                MetricLabels{{"method", method}}, LatencyBounds());
    for (int code = 0; code < 17; ++code) {
      m->by_code[code] = registry_->GetCounter(
          "timebank_rpc_requests_total", "gRPC calls by method and status code",
          MetricLabels{{"method", method}, {"code", absl::StrCat(code)}});
    }
    absl::MutexLock lock(&mu_);
    auto& slot = cache_[method];
    if (!slot) slot = std::move(m);
    return slot.get();
  }

 private:
  MetricsRegistry* registry_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<MethodMetrics>> cache_ ABSL_GUARDED_BY(mu_);
};

class MetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit MetricsInterceptor(const MethodMetrics* m)
      : metrics_(m), start_(std::chrono::steady_clock::now()) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const int code = static_cast<int>(methods->GetSendStatus().error_code());
      metrics_->by_code[code >= 0 && code < 17 ? code : 2]->Add();
      metrics_->latency->Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
    }
    methods->Proceed();
  }

 private:
  const MethodMetrics* metrics_;
  std::chrono::steady_clock::time_point start_;
};

class MetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit MetricsInterceptorFactory(MetricsRegistry* registry) : cache_(registry) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new MetricsInterceptor(cache_.For(info->method()));
  }

 private:
  MetricsCache cache_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<GrpcServer>> GrpcServer::Start(
    const ServerConfig& config, const std::vector<grpc::Service*>& services) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  auto server = std::unique_ptr<GrpcServer>(new GrpcServer());
  builder.AddListeningPort(config.listen, grpc::InsecureServerCredentials(), &server->port_);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  for (grpc::Service* s : services) builder.RegisterService(s);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
  // Without the access interceptor every handler refuses (CheckAccess finds no decision).
  // It comes first: outgoing hooks run in order, and it may replace the status (of a
  // request that could not be decoded) that the metrics interceptor then counts.
  if (config.keyring != nullptr && config.revocations != nullptr) {
    factories.push_back(
        auth::MakeAccessInterceptorFactory(config.keyring, config.revocations, config.clock));
  }
  if (config.metrics != nullptr) {
    factories.push_back(std::make_unique<MetricsInterceptorFactory>(config.metrics));
  }
  if (!factories.empty()) builder.experimental().SetInterceptorCreators(std::move(factories));
  server->server_ = builder.BuildAndStart();
  if (!server->server_ || server->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", config.listen,
                     ": the address is in use or invalid; pick another with --listen"));
  }
  return server;
}

GrpcServer::~GrpcServer() { Shutdown(absl::Seconds(5)); }

void GrpcServer::Shutdown(absl::Duration deadline) {
  if (shut_down_) return;
  shut_down_ = true;
  server_->Shutdown(std::chrono::system_clock::now() + absl::ToChronoSeconds(deadline));
  server_->Wait();
}

std::shared_ptr<grpc::Channel> GrpcServer::InProcessChannel() {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  return server_->InProcessChannel(args);
}

}  // namespace timebank
