// ServiceModule is one service a timebankd node can host, declared in one place: how
// it opens its store, which gRPC services it registers, what a backup copies, which
// peers it needs, and which pumps and background threads it runs. Node::Start runs
// every hosted module through the same phases, so a new service is one module file
// plus a line in modules.cc, not edits across node.cc.
//
// Phases, in order: CheckPeers (before anything opens), Open (the store and the
// service's core), Services and Backups (handed to the node), Connect (after the
// server listens: peer channels, then pumps and threads), StopPumps (before the
// server stops, so a post in flight completes while calls are still answered) and
// StopAfterServer (once no call can arrive).
#ifndef TIMEBANK_SERVICES_TIMEBANKD_MODULE_H_
#define TIMEBANK_SERVICES_TIMEBANKD_MODULE_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/common/auth/keyring.h"
#include "services/common/auth/revocations.h"
#include "services/common/grpc_peers.h"
#include "services/common/metrics.h"
#include "services/common/server.h"
#include "services/common/worker_pool.h"
#include "services/system/system_service.h"
#include "services/timebankd/node_options.h"
#include "storage/kv_store.h"

namespace timebank {

// What the node shares with its modules. The node owns every object named here and
// outlives its modules; `server` is null until the server listens (Connect).
struct NodeContext {
  const NodeOptions* options = nullptr;
  // The services this node hosts, as named (--services order).
  const std::vector<std::string>* hosted = nullptr;
  std::string keyring_path;
  MetricsRegistry* metrics = nullptr;
  WorkerPool* pool = nullptr;
  auth::Keyring* keyring = nullptr;
  auth::Revocations* revocations = nullptr;
  // Every backup target the modules before the system module declared.
  std::vector<system::BackupTarget> backups;
  GrpcServer* server = nullptr;

  bool Hosts(const std::string& service) const;
  // A channel to `service`: in-process when this node hosts it, else to `address`.
  std::shared_ptr<grpc::Channel> Peer(const std::string& service, const std::string& address) const;
  // <data_dir>/<name>.
  std::string StorePath(const std::string& name) const;
};

class ServiceModule {
 public:
  virtual ~ServiceModule() = default;
  // The name --services uses.
  virtual const char* name() const = 0;
  // INVALID_ARGUMENT naming the flag when a peer it needs is neither hosted nor given.
  virtual absl::Status CheckPeers(const NodeContext& ctx) const { return absl::OkStatus(); }
  // Opens the store and builds the service's core; nothing listens yet.
  virtual absl::Status Open(NodeContext& ctx) = 0;
  // The gRPC services to register (called once, after Open).
  virtual std::vector<std::unique_ptr<grpc::Service>> Services() = 0;
  // What CreateBackup copies for this service.
  virtual std::vector<system::BackupTarget> Backups() { return {}; }
  // After the server listens: connects the peers and starts pumps and threads.
  virtual absl::Status Connect(NodeContext& ctx) { return absl::OkStatus(); }
  // Stops pumps and threads; the server still answers.
  virtual void StopPumps() {}
  // Once the server has stopped.
  virtual void StopAfterServer() {}
  // The store of a records service, for tests that check a refused call wrote
  // nothing; null for the others.
  virtual storage::KvStore* records_store() const { return nullptr; }
};

// A checkpoint of `store` into the directory a backup names.
system::BackupTarget StoreBackup(const std::string& name, storage::KvStore* store);
// A copy of the key file at `path` (a keyring), kept 0600 in the backup as `name`.
system::BackupTarget KeyFileBackup(const std::string& name, const std::string& path);

// Opens a records service's own store: <data_dir>/<name>, one column family of
// records (activity and expenses).
absl::StatusOr<std::unique_ptr<storage::KvStore>> OpenRecordsStore(const NodeContext& ctx,
                                                                   const std::string& name);

// For a service that calls the ledger and the directory: INVALID_ARGUMENT unless
// each is hosted here or its address is given.
absl::Status NeedLedgerAndDirectory(const NodeContext& ctx, const std::string& service);

// Connects `peers` to the directory and the ledger, in this process or where told.
void ConnectLedgerAndDirectory(const NodeContext& ctx, GrpcPeers* peers);

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_TIMEBANKD_MODULE_H_
