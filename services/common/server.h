// GrpcServer builds and runs the one gRPC server of a timebankd process: the given
// services plus gRPC health checking and reflection, with an interceptor that counts
// every call by method and status code and times it (Prometheus metrics).
#ifndef TIMEBANK_SERVICES_COMMON_SERVER_H_
#define TIMEBANK_SERVICES_COMMON_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/auth/keyring.h"
#include "services/common/auth/revocations.h"
#include "services/common/client_channel.h"
#include "services/common/clock.h"
#include "services/common/metrics.h"

namespace timebank {

struct ServerConfig {
  std::string listen = "127.0.0.1:7400";
  MetricsRegistry* metrics = nullptr;  // optional
  // Authentication and the access table (services/common/auth); both required for any
  // handler to accept a call.
  auth::Keyring* keyring = nullptr;
  const auth::Revocations* revocations = nullptr;
  // Where the access check reads the time of day (token expiry); tests may give a
  // FakeClock. Call latency is measured on the monotonic clock, not this one.
  const Clock* clock = SystemClock();
};

class GrpcServer {
 public:
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(
      const ServerConfig& config, const std::vector<grpc::Service*>& services);
  ~GrpcServer();

  int port() const { return port_; }
  // Stops accepting calls and waits (up to `deadline`) for in-flight ones to finish.
  void Shutdown(absl::Duration deadline);
  grpc::HealthCheckServiceInterface* health() { return server_->GetHealthCheckService(); }
  // A channel to this server that skips the network (used between co-located services).
  std::shared_ptr<grpc::Channel> InProcessChannel();

 private:
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  bool shut_down_ = false;
};

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_COMMON_SERVER_H_
