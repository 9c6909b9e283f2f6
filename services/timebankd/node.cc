#include "services/timebankd/node.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "services/common/auth/token.h"
#include "services/common/ids.h"
#include "services/directory/directory_schema.h"
#include "services/ledger/ledger_schema.h"
#include "services/ledger/ledger_service.h"
#include "services/ledger/ledger_store.h"
#include "services/system/system_service.h"
#include "storage/check.h"
#include "storage/rocks_store.h"

namespace timebank {
namespace {
constexpr size_t kMaxQueuedReads = 4096;

bool Hosts(const std::vector<std::string>& services, const char* name) {
  return std::find(services.begin(), services.end(), name) != services.end();
}

// The services a member's erasure must reach: the ledger always (the directory needs
// it anyway), activity and expenses where this node hosts them or knows where they are.
std::vector<directory::ErasureTarget> ErasureTargetsOf(const std::vector<std::string>& services,
                                                       const NodeOptions& options) {
  std::vector<directory::ErasureTarget> targets = {directory::ErasureTarget::kLedger};
  if (Hosts(services, "activity") || !options.activity_address.empty()) {
    targets.push_back(directory::ErasureTarget::kActivity);
  } else {
    std::fprintf(stderr,
                 "timebankd: erasure will not reach the activity service: host it here or give "
                 "--activity_address\n");
  }
  if (Hosts(services, "expenses") || !options.expenses_address.empty()) {
    targets.push_back(directory::ErasureTarget::kExpenses);
  } else {
    std::fprintf(stderr,
                 "timebankd: erasure will not reach the expenses service: host it here or give "
                 "--expenses_address\n");
  }
  return targets;
}

}  // namespace

const std::vector<std::string>& KnownServices() {
  static const std::vector<std::string> kServices = {"ledger", "directory", "activity", "expenses"};
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
  const std::string keyring_path =
      options.keyring_path.empty() ? (std::filesystem::path(options.data_dir) / "keyring").string()
                                   : options.keyring_path;
  TB_ASSIGN_OR_RETURN(node->keyring_, auth::Keyring::Open(keyring_path));
  node->pool_ = std::make_unique<WorkerPool>(std::max(1, options.read_threads), kMaxQueuedReads);

  std::vector<system::BackupTarget> backups;
  std::vector<grpc::Service*> services;
  for (const std::string& s : node->services_) {
    if (s == "ledger") {
      TB_ASSIGN_OR_RETURN(
          auto store,
          ledger::OpenLedgerStore((std::filesystem::path(options.data_dir) / "ledger").string()));
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
    } else if (s == "directory") {
      storage::RocksStoreOptions ro;
      ro.path = (std::filesystem::path(options.data_dir) / "directory").string();
      ro.identity = directory::schema::kIdentity;
      ro.earlier_identities = {directory::schema::kIdentityBeforeScopedIds};
      ro.earlier_advice = kBeforeScopedIdsAdvice;
      ro.column_families = directory::schema::ColumnFamilies();
      ro.write_buffer_bytes = 8u << 20;
      ro.block_cache_bytes = 16u << 20;
      TB_ASSIGN_OR_RETURN(node->directory_store_, storage::OpenRocksStore(ro));
      node->ledger_accounts_ =
          std::make_unique<directory::GrpcLedgerAccounts>(node->keyring_.get());
      node->erasure_targets_ = std::make_unique<directory::GrpcErasureTargets>(
          node->keyring_.get(), ErasureTargetsOf(node->services_, options));
      node->directory_ = std::make_unique<directory::Directory>(
          node->directory_store_.get(), node->ledger_accounts_.get(), &node->revocations_,
          node->erasure_targets_.get());
      node->authenticator_ = std::make_unique<directory::Authenticator>(
          node->directory_.get(), node->keyring_.get(), options.auth);
      node->grpc_services_.push_back(std::make_unique<directory::DirectoryServiceImpl>(
          node->directory_.get(), node->authenticator_.get()));
      node->grpc_services_.push_back(
          std::make_unique<directory::AuthServiceImpl>(node->authenticator_.get()));
      backups.push_back(
          {"directory", [store = node->directory_store_.get()](const std::string& dir) {
             return store->Checkpoint(dir);
           }});
    }
  }
  // A service's own store: <data_dir>/<name>, one column family of records.
  auto open_records = [&](const std::string& name) {
    storage::RocksStoreOptions ro;
    ro.path = (std::filesystem::path(options.data_dir) / name).string();
    // Activity and expenses hold the ledger ids of their postings.
    ro.identity = absl::StrCat("timebank.", name, ".v1", kScopedIdsFormat);
    ro.earlier_identities = {absl::StrCat("timebank.", name, ".v1")};
    ro.earlier_advice = kBeforeScopedIdsAdvice;
    ro.column_families = {{"records", storage::CfProfile::kPointLookup}};
    ro.write_buffer_bytes = 16u << 20;
    ro.block_cache_bytes = 16u << 20;
    return storage::OpenRocksStore(ro);
  };
  if (std::find(node->services_.begin(), node->services_.end(), "activity") !=
      node->services_.end()) {
    TB_ASSIGN_OR_RETURN(node->activity_store_, open_records("activity"));
    node->activity_peers_ = std::make_unique<GrpcPeers>(node->keyring_.get(), "activity");
    node->activity_ = std::make_unique<activity::ActivityBook>(
        node->activity_store_.get(), node->activity_peers_.get(), node->activity_peers_.get());
    node->dispatcher_ = std::make_unique<OutboxPump>(
        "tb-act-dispatch", [book = node->activity_.get()] { return activity::PumpActivity(book); });
    node->grpc_services_.push_back(std::make_unique<activity::ActivityServiceImpl>(
        node->activity_.get(), node->dispatcher_.get()));
    backups.push_back({"activity", [store = node->activity_store_.get()](const std::string& dir) {
                         return store->Checkpoint(dir);
                       }});
  }
  if (std::find(node->services_.begin(), node->services_.end(), "expenses") !=
      node->services_.end()) {
    TB_ASSIGN_OR_RETURN(node->expenses_store_, open_records("expenses"));
    node->expenses_peers_ = std::make_unique<GrpcPeers>(node->keyring_.get(), "expenses");
    node->expenses_ = std::make_unique<expenses::ExpenseBook>(
        node->expenses_store_.get(), node->expenses_peers_.get(), node->expenses_peers_.get(),
        node->expenses_peers_.get());
    node->expenses_pump_ = std::make_unique<OutboxPump>(
        "tb-exp-dispatch", [book = node->expenses_.get()] { return book->Dispatch(); });
    node->grpc_services_.push_back(std::make_unique<expenses::ExpensesServiceImpl>(
        node->expenses_.get(), node->expenses_pump_.get()));
    backups.push_back({"expenses", [store = node->expenses_store_.get()](const std::string& dir) {
                         return store->Checkpoint(dir);
                       }});
  }
  // The signing keys go with the stores, so a restored node accepts current tokens.
  backups.push_back(
      {"keyring", [path = keyring_path](const std::string& dest) {
         std::error_code ec;
         std::filesystem::copy_file(path, dest, ec);
         if (ec) return absl::InternalError(absl::StrCat("copying the keyring: ", ec.message()));
         std::filesystem::permissions(
             dest, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
         return absl::OkStatus();
       }});
  node->grpc_services_.push_back(std::make_unique<system::SystemServiceImpl>(
      node->services_, std::move(backups), node->pool_.get()));
  for (auto& s : node->grpc_services_) services.push_back(s.get());

  // A process without the directory must follow its revocations (sign-outs, role
  // changes): until it has heard from the directory it refuses people's tokens.
  if (!node->directory_) node->revocations_.FollowDirectory();
  ServerConfig config;
  config.listen = options.listen;
  config.metrics = &node->metrics_;
  config.keyring = node->keyring_.get();
  config.revocations = &node->revocations_;
  TB_ASSIGN_OR_RETURN(node->server_, GrpcServer::Start(config, services));
  // Services that call the directory and the ledger: in this process, or where told.
  auto connect_peers = [&](const char* service, GrpcPeers* peers, OutboxPump* pump) {
    auto peer = [&](bool hosted, const std::string& address) {
      return hosted ? node->server_->InProcessChannel() : MakeChannel(address);
    };
    if ((!node->ledger_ && options.ledger_address.empty()) ||
        (!node->directory_ && options.directory_address.empty())) {
      return absl::InvalidArgumentError(
          absl::StrCat("--ledger_address/--directory_address: the ", service,
                       " service needs the ledger and the directory; host them too, or say "
                       "where they are"));
    }
    peers->Connect(peer(node->directory_ != nullptr, options.directory_address),
                   peer(node->ledger_ != nullptr, options.ledger_address));
    pump->Wake();
    return absl::OkStatus();
  };
  if (node->activity_) {
    TB_RETURN_IF_ERROR(
        connect_peers("activity", node->activity_peers_.get(), node->dispatcher_.get()));
  }
  if (node->expenses_) {
    TB_RETURN_IF_ERROR(
        connect_peers("expenses", node->expenses_peers_.get(), node->expenses_pump_.get()));
    // Lines may name the activity that caused them: checked where activity runs.
    if (node->activity_) {
      node->expenses_peers_->ConnectActivity(node->server_->InProcessChannel());
    } else if (!options.activity_address.empty()) {
      node->expenses_peers_->ConnectActivity(MakeChannel(options.activity_address));
    }
  }
  if (!node->directory_ && !options.directory_address.empty()) {
    node->revocation_follower_ = std::make_unique<auth::RevocationFollower>(
        node->keyring_.get(), &node->revocations_, MakeChannel(options.directory_address));
  } else if (!node->directory_) {
    std::fprintf(stderr,
                 "timebankd: no --directory_address: this process accepts only service "
                 "credentials, since it cannot follow the directory's sign-outs\n");
  }
  if (node->directory_) {
    auto peer = [&](bool hosted, const std::string& address) {
      return hosted ? node->server_->InProcessChannel() : MakeChannel(address);
    };
    node->erasure_targets_->Connect(directory::ErasureTarget::kLedger,
                                    peer(node->ledger_ != nullptr, options.ledger_address));
    if (node->activity_ || !options.activity_address.empty()) {
      node->erasure_targets_->Connect(directory::ErasureTarget::kActivity,
                                      peer(node->activity_ != nullptr, options.activity_address));
    }
    if (node->expenses_ || !options.expenses_address.empty()) {
      node->erasure_targets_->Connect(directory::ErasureTarget::kExpenses,
                                      peer(node->expenses_ != nullptr, options.expenses_address));
    }
    if (node->ledger_) {
      node->ledger_accounts_->Connect(node->server_->InProcessChannel());
    } else if (!options.ledger_address.empty()) {
      node->ledger_accounts_->Connect(MakeChannel(options.ledger_address));
    } else {
      return absl::InvalidArgumentError(
          "--ledger_address: the directory needs the ledger; host both, or say where the ledger "
          "is");
    }
    TB_RETURN_IF_ERROR(node->directory_->Start());
    TB_ASSIGN_OR_RETURN(node->setup_code_, node->authenticator_->EnsureOperator(
                                               options.admin_username, options.admin_password));
    node->outbox_thread_ = std::thread([n = node.get()] {
      pthread_setname_np(pthread_self(), "tb-dir-outbox");
      absl::MutexLock lock(&n->outbox_mu_);
      while (!n->outbox_stop_) {
        n->outbox_mu_.AwaitWithTimeout(absl::Condition(&n->outbox_stop_), absl::Seconds(2));
        if (n->outbox_stop_) break;
        n->outbox_mu_.Unlock();
        n->directory_->DrainOutbox();
        n->outbox_mu_.Lock();
      }
    });
  }
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
  if (outbox_thread_.joinable()) {
    {
      absl::MutexLock lock(&outbox_mu_);
      outbox_stop_ = true;
    }
    outbox_thread_.join();
  }
  revocation_follower_.reset();
  // First: a post in flight completes while the server still answers.
  dispatcher_.reset();
  expenses_pump_.reset();
  if (server_) server_->Shutdown(absl::Seconds(3));
  if (ledger_) ledger_->Stop();
  if (metrics_http_) metrics_http_->Stop();
  pool_.reset();
}

Node::~Node() { Shutdown(); }

storage::KvStore* Node::records_store(std::string_view service) const {
  if (service == "directory") return directory_store_.get();
  if (service == "activity") return activity_store_.get();
  if (service == "expenses") return expenses_store_.get();
  return nullptr;
}

std::string Node::ServiceToken(const std::string& name) const {
  return auth::MintServiceToken(*keyring_, name, absl::ToUnixSeconds(absl::Now()));
}

std::string Node::TokenFor(const ::timebank::directory::v1::Principal& p) const {
  TB_CHECK(directory_ != nullptr);
  const int64_t now_s = absl::ToUnixSeconds(absl::Now());
  ::timebank::directory::v1::TokenClaims claims;
  *claims.mutable_principal() = p;
  claims.set_issued_at_s(now_s);
  claims.set_expires_at_s(now_s + 3600);
  claims.set_epoch(directory_->Epoch(p.kind(), p.community_id(), p.subject_id()));
  return auth::MintToken(*keyring_, claims);
}

}  // namespace timebank
