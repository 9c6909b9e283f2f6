// Node composes the services one timebankd process hosts: it opens each service's
// store under the data directory, starts the engines, the gRPC server and the
// metrics endpoint, and shuts them down in the order that loses nothing (stop
// accepting calls, finish in-flight commits, flush, close). tb-loadgen and the
// integration tests start the same Node in-process.
#ifndef TIMEBANK_SERVICES_TIMEBANKD_NODE_H_
#define TIMEBANK_SERVICES_TIMEBANKD_NODE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/metrics.h"
#include "services/common/server.h"
#include "services/common/worker_pool.h"
#include "services/ledger/ledger_engine.h"

namespace timebank {

struct NodeOptions {
  std::string listen = "127.0.0.1:7400";
  std::string data_dir = "data";
  // Service names, or {"all"}.
  std::vector<std::string> services = {"all"};
  // "" disables the metrics endpoint.
  std::string metrics_listen;
  int read_threads = 2;
  ledger::LedgerOptions ledger;
};

// Every service a node can host, in start order.
const std::vector<std::string>& KnownServices();

class Node {
 public:
  static absl::StatusOr<std::unique_ptr<Node>> Start(NodeOptions options);
  ~Node();

  int port() const { return server_->port(); }
  std::string address() const;
  int metrics_port() const { return metrics_http_ ? metrics_http_->port() : 0; }
  const std::vector<std::string>& services() const { return services_; }
  ledger::LedgerEngine* ledger() { return ledger_.get(); }
  MetricsRegistry* metrics() { return &metrics_; }
  // Idempotent: stops accepting calls, finishes in-flight ones, flushes stores.
  void Shutdown();

 private:
  Node() = default;
  NodeOptions options_;
  std::vector<std::string> services_;
  MetricsRegistry metrics_;
  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<ledger::LedgerEngine> ledger_;
  std::vector<std::unique_ptr<grpc::Service>> grpc_services_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<MetricsHttpServer> metrics_http_;
  bool shut_down_ = false;
};

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_TIMEBANKD_NODE_H_
