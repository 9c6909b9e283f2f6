// Node composes the services one timebankd process hosts: it opens each service's
// store under the data directory, starts the engines, the gRPC server and the
// metrics endpoint, and shuts them down in the order that loses nothing (stop
// accepting calls, finish in-flight commits, flush, close). tb-loadgen and the
// integration tests start the same Node in-process.
#ifndef TIMEBANK_SERVICES_TIMEBANKD_NODE_H_
#define TIMEBANK_SERVICES_TIMEBANKD_NODE_H_

#include <memory>
#include <string>
#include <string_view>
#include <thread>
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
  // Token signing keys; "" means <data_dir>/keyring. Every process of an installation
  // must share this file (see docs/OPERATIONS.md).
  std::string keyring_path;
  // Where the ledger and the directory are when this node does not host them. A node
  // without the directory follows the directory's revocations from directory_address;
  // without one it accepts only service credentials.
  std::string ledger_address;
  std::string directory_address;
  // Where the activity service is, for expenses hosted without it (lines that name
  // an activity are checked there; empty: such lines are refused) and for the
  // directory's erasures; and where expenses is, for the directory's erasures.
  std::string activity_address;
  std::string expenses_address;
  // The operator created on first start; without them a one-time setup code is made.
  std::string admin_username;
  std::string admin_password;
  directory::AuthOptions auth;
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
  directory::Directory* directory() { return directory_.get(); }
  activity::ActivityBook* activity() { return activity_.get(); }
  expenses::ExpenseBook* expenses() { return expenses_.get(); }
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
  const std::string& setup_code() const { return setup_code_; }
  // Idempotent: stops accepting calls, finishes in-flight ones, flushes stores.
  void Shutdown();

 private:
  Node() = default;
  NodeOptions options_;
  std::vector<std::string> services_;
  MetricsRegistry metrics_;
  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<ledger::LedgerEngine> ledger_;
  std::unique_ptr<auth::Keyring> keyring_;
  auth::Revocations revocations_;
  // Without the directory: keeps revocations_ up to date from it.
  std::unique_ptr<auth::RevocationFollower> revocation_follower_;
  std::unique_ptr<storage::KvStore> directory_store_;
  std::unique_ptr<directory::GrpcLedgerAccounts> ledger_accounts_;
  std::unique_ptr<directory::GrpcErasureTargets> erasure_targets_;
  std::unique_ptr<directory::Directory> directory_;
  std::unique_ptr<directory::Authenticator> authenticator_;
  std::string setup_code_;
  std::unique_ptr<storage::KvStore> activity_store_;
  std::unique_ptr<GrpcPeers> activity_peers_;
  std::unique_ptr<activity::ActivityBook> activity_;
  std::unique_ptr<OutboxPump> dispatcher_;
  std::unique_ptr<storage::KvStore> expenses_store_;
  std::unique_ptr<GrpcPeers> expenses_peers_;
  std::unique_ptr<expenses::ExpenseBook> expenses_;
  std::unique_ptr<OutboxPump> expenses_pump_;
  // Retries ledger accounts the directory could not open yet.
  std::thread outbox_thread_;
  absl::Mutex outbox_mu_;
  bool outbox_stop_ ABSL_GUARDED_BY(outbox_mu_) = false;
  std::vector<std::unique_ptr<grpc::Service>> grpc_services_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<MetricsHttpServer> metrics_http_;
  bool shut_down_ = false;
};

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_TIMEBANKD_NODE_H_
