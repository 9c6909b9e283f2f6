// Node composes the services one timebankd process hosts: it runs each hosted
// service's module (services/timebankd/module.h) through its phases — check peers,
// open the store, register the gRPC services and backups, start the server, connect
// peers and start pumps — then serves metrics, and shuts them down in the order that
// loses nothing (stop pumps, stop accepting calls, finish in-flight commits, flush,
// close). tb-loadgen and the integration tests start the same Node in-process.
#ifndef TIMEBANK_SERVICES_TIMEBANKD_NODE_H_
#define TIMEBANK_SERVICES_TIMEBANKD_NODE_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/activity/activity_book.h"
#include "services/activity/activity_service.h"
#include "services/common/auth/keyring.h"
#include "services/common/auth/revocation_follower.h"
#include "services/common/auth/revocations.h"
#include "services/common/metrics.h"
#include "services/common/server.h"
#include "services/common/worker_pool.h"
#include "services/directory/authenticator.h"
#include "services/directory/directory.h"
#include "services/directory/directory_service.h"
#include "services/expenses/expense_book.h"
#include "services/expenses/expenses_service.h"
#include "services/ledger/ledger_engine.h"
#include "services/rewards/journal_follower.h"
#include "services/rewards/projection.h"
#include "services/timebankd/module.h"
#include "services/timebankd/modules.h"
#include "services/timebankd/node_options.h"

namespace timebank {

class Node {
 public:
  static absl::StatusOr<std::unique_ptr<Node>> Start(NodeOptions options);
  ~Node();

  int port() const { return server_->port(); }
  std::string address() const;
  int metrics_port() const { return metrics_http_ ? metrics_http_->port() : 0; }
  const std::vector<std::string>& services() const { return services_; }
  // The hosted service's core; null when this node does not host it.
  ledger::LedgerEngine* ledger() const;
  MetricsRegistry* metrics() { return &metrics_; }
  directory::Directory* directory() const;
  activity::ActivityBook* activity() const;
  expenses::ExpenseBook* expenses() const;
  // The rewards projection and the follower that keeps it up with the journal.
  rewards::RewardsProjection* rewards_projection() const;
  rewards::JournalFollower* rewards_follower() const;
  auth::Keyring* keyring() { return keyring_.get(); }
  // The records store of a hosted "directory", "activity" or "expenses" service, for
  // tests that check a refused call wrote nothing; null for any other name.
  storage::KvStore* records_store(std::string_view service) const;
  // A fresh credential for a trusted in-process client (tests, embedded tb-loadgen).
  std::string ServiceToken(const std::string& name = "node") const;
  // A fresh access token (one hour) for a principal of this node's directory, as
  // signing in would give (tests and embedded tb-loadgen act as members with it).
  std::string TokenFor(const ::timebank::directory::v1::Principal& principal) const;
  // The one-time setup code printed on first start ("" when an operator exists).
  const std::string& setup_code() const;
  // Idempotent: stops accepting calls, finishes in-flight ones, flushes stores.
  void Shutdown();

 private:
  explicit Node(const Clock* clock) : revocations_(clock) {}
  // The modules of the hosted services, plus the system module, in start order.
  absl::Status MakeModules();
  absl::Status OpenModules();
  absl::Status StartServer();
  // A process without the directory follows its revocations from directory_address.
  void FollowRevocations();
  absl::Status StartMetrics();
  // The hosted module named `name`, as its own type; null when not hosted.
  template <class M>
  M* Find(std::string_view name) const {
    for (const auto& m : modules_) {
      if (name == m->name()) return static_cast<M*>(m.get());
    }
    return nullptr;
  }

  NodeOptions options_;
  std::vector<std::string> services_;
  MetricsRegistry metrics_;
  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<auth::Keyring> keyring_;
  auth::Revocations revocations_;
  // Without the directory: keeps revocations_ up to date from it.
  std::unique_ptr<auth::RevocationFollower> revocation_follower_;
  NodeContext context_;
  std::vector<std::unique_ptr<ServiceModule>> modules_;
  std::vector<std::unique_ptr<grpc::Service>> grpc_services_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<MetricsHttpServer> metrics_http_;
  bool shut_down_ = false;
};

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_TIMEBANKD_NODE_H_
