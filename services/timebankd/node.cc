#include "services/timebankd/node.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "services/ledger/ledger_schema.h"
#include "services/ledger/ledger_service.h"
#include "services/system/system_service.h"
#include "storage/check.h"
#include "storage/rocks_store.h"

namespace timebank {
namespace {
constexpr size_t kMaxQueuedReads = 4096;
}  // namespace

const std::vector<std::string>& KnownServices() {
  static const std::vector<std::string> kServices = {"ledger"};
  return kServices;
}

absl::StatusOr<std::unique_ptr<Node>> Node::Start(NodeOptions options) {
  // Debian's Abseil is built with mutex deadlock detection on; it costs a graph
  // update per lock on the hot path. Lock order is checked by our tests and TSan
  // reviews instead.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::unique_ptr<Node> node(new Node());
  const auto& known = KnownServices();
  for (const std::string& s : options.services) {
    if (s == "all") {
      node->services_ = known;
    } else if (std::find(known.begin(), known.end(), s) == known.end()) {
      return absl::InvalidArgumentError(absl::StrCat("--services: unknown service '", s,
                                                     "'; known: all,", absl::StrJoin(known, ",")));
    } else if (std::find(node->services_.begin(), node->services_.end(), s) ==
               node->services_.end()) {
      node->services_.push_back(s);
    }
  }
  if (node->services_.empty()) {
    return absl::InvalidArgumentError("--services: name at least one service (or all)");
  }
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create data directory ", options.data_dir, ": ", ec.message()));
  }
  node->pool_ = std::make_unique<WorkerPool>(std::max(1, options.read_threads), kMaxQueuedReads);

  std::vector<system::BackupTarget> backups;
  std::vector<grpc::Service*> services;
  for (const std::string& s : node->services_) {
    if (s == "ledger") {
      storage::RocksStoreOptions ro;
      ro.path = (std::filesystem::path(options.data_dir) / "ledger").string();
      ro.identity = ledger::schema::kIdentity;
      ro.column_families = ledger::schema::ColumnFamilies();
      TB_ASSIGN_OR_RETURN(auto store, storage::OpenRocksStore(ro));
      ledger::LedgerOptions lo = options.ledger;
      auto commit_metrics = ledger::LedgerCommitMetrics(&node->metrics_);
      if (lo.on_commit) {
        lo.on_commit = [a = lo.on_commit, commit_metrics](const ledger::CommitStats& st) {
          a(st);
          commit_metrics(st);
        };
      } else {
        lo.on_commit = commit_metrics;
      }
      TB_ASSIGN_OR_RETURN(node->ledger_, ledger::LedgerEngine::Open(std::move(store), lo));
      ledger::RegisterLedgerGauges(&node->metrics_, node->ledger_.get());
      node->grpc_services_.push_back(
          std::make_unique<ledger::LedgerServiceImpl>(node->ledger_.get(), node->pool_.get()));
      backups.push_back({"ledger", [engine = node->ledger_.get()](const std::string& dir) {
                           return engine->Checkpoint(dir);
                         }});
    }
  }
  node->grpc_services_.push_back(std::make_unique<system::SystemServiceImpl>(
      node->services_, std::move(backups), node->pool_.get()));
  for (auto& s : node->grpc_services_) services.push_back(s.get());

  ServerConfig config;
  config.listen = options.listen;
  config.metrics = &node->metrics_;
  TB_ASSIGN_OR_RETURN(node->server_, GrpcServer::Start(config, services));
  if (!options.metrics_listen.empty()) {
    node->metrics_http_ =
        std::make_unique<MetricsHttpServer>(&node->metrics_, options.metrics_listen);
    if (!node->metrics_http_->Start()) {
      return absl::UnavailableError(absl::StrCat("cannot serve metrics on ", options.metrics_listen,
                                                 ": pick another with --metrics_listen"));
    }
  }
  node->options_ = std::move(options);
  return node;
}

std::string Node::address() const {
  const std::string& listen = options_.listen;
  const std::string host = listen.substr(0, listen.rfind(':'));
  return absl::StrCat(host == "0.0.0.0" || host == "[::]" ? "127.0.0.1" : host, ":", port());
}

void Node::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  // In-flight calls finish first: their commits complete (in milliseconds) while the
  // engine still runs. Calls still open after the grace period, such as journal
  // watchers, are cancelled.
  if (server_) server_->Shutdown(absl::Seconds(3));
  if (ledger_) ledger_->Stop();
  if (metrics_http_) metrics_http_->Stop();
  pool_.reset();
}

Node::~Node() { Shutdown(); }

}  // namespace timebank
