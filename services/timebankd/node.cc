#include "services/timebankd/node.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "services/common/auth/token.h"
#include "services/timebankd/activity_module.h"
#include "services/timebankd/directory_module.h"
#include "services/timebankd/expenses_module.h"
#include "services/timebankd/ledger_module.h"
#include "services/timebankd/rewards_module.h"
#include "storage/check.h"

namespace timebank {
namespace {
constexpr size_t kMaxQueuedReads = 4096;

// The services --services names, each once, in the order given ("all": every one).
absl::StatusOr<std::vector<std::string>> SelectServices(const std::vector<std::string>& names) {
  const auto& known = KnownServices();
  std::vector<std::string> selected;
  for (const std::string& s : names) {
    if (s == "all") {
      selected = known;
    } else if (std::find(known.begin(), known.end(), s) == known.end()) {
      return absl::InvalidArgumentError(absl::StrCat("--services: unknown service '", s,
                                                     "'; known: all,", absl::StrJoin(known, ",")));
    } else if (std::find(selected.begin(), selected.end(), s) == selected.end()) {
      selected.push_back(s);
    }
  }
  if (selected.empty()) {
    return absl::InvalidArgumentError("--services: name at least one service (or all)");
  }
  return selected;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Node>> Node::Start(NodeOptions options) {
  // Debian's Abseil is built with mutex deadlock detection on; it costs a graph
  // update per lock on the hot path. Lock order is checked by our tests and TSan
  // reviews instead.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::unique_ptr<Node> node(new Node(options.clock));
  TB_ASSIGN_OR_RETURN(node->services_, SelectServices(options.services));
  node->options_ = std::move(options);
  const NodeOptions& o = node->options_;
  std::error_code ec;
  std::filesystem::create_directories(o.data_dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create data directory ", o.data_dir, ": ", ec.message()));
  }
  NodeContext& ctx = node->context_;
  ctx.options = &node->options_;
  ctx.hosted = &node->services_;
  ctx.keyring_path = o.keyring_path.empty()
                         ? (std::filesystem::path(o.data_dir) / "keyring").string()
                         : o.keyring_path;
  TB_ASSIGN_OR_RETURN(node->keyring_, auth::Keyring::Open(ctx.keyring_path, o.clock));
  node->pool_ = std::make_unique<WorkerPool>(std::max(1, o.read_threads), kMaxQueuedReads);
  ctx.metrics = &node->metrics_;
  ctx.pool = node->pool_.get();
  ctx.keyring = node->keyring_.get();
  ctx.revocations = &node->revocations_;
  TB_RETURN_IF_ERROR(node->MakeModules());
  TB_RETURN_IF_ERROR(node->OpenModules());
  TB_RETURN_IF_ERROR(node->StartServer());
  for (auto& m : node->modules_) TB_RETURN_IF_ERROR(m->Connect(ctx));
  node->FollowRevocations();
  TB_RETURN_IF_ERROR(node->StartMetrics());
  return node;
}

absl::Status Node::MakeModules() {
  for (const std::string& name : KnownServices()) {
    if (context_.Hosts(name)) modules_.push_back(MakeModule(name));
  }
  modules_.push_back(MakeModule("system"));
  // Before any store opens: a missing peer is a mistake in the flags.
  for (const auto& m : modules_) TB_RETURN_IF_ERROR(m->CheckPeers(context_));
  return absl::OkStatus();
}

absl::Status Node::OpenModules() {
  for (auto& m : modules_) {
    TB_RETURN_IF_ERROR(m->Open(context_));
    for (auto& s : m->Services()) grpc_services_.push_back(std::move(s));
    for (auto& b : m->Backups()) context_.backups.push_back(std::move(b));
  }
  return absl::OkStatus();
}

absl::Status Node::StartServer() {
  // A process without the directory must follow its revocations (sign-outs, role
  // changes): until it has heard from the directory it refuses people's tokens.
  if (!context_.Hosts("directory")) revocations_.FollowDirectory();
  std::vector<grpc::Service*> services;
  for (auto& s : grpc_services_) services.push_back(s.get());
  ServerConfig config;
  config.listen = options_.listen;
  config.metrics = &metrics_;
  config.keyring = keyring_.get();
  config.revocations = &revocations_;
  config.clock = options_.clock;
  TB_ASSIGN_OR_RETURN(server_, GrpcServer::Start(config, services));
  context_.server = server_.get();
  return absl::OkStatus();
}

void Node::FollowRevocations() {
  if (context_.Hosts("directory")) return;
  if (!options_.directory_address.empty()) {
    revocation_follower_ = std::make_unique<auth::RevocationFollower>(
        keyring_.get(), &revocations_, MakeChannel(options_.directory_address), options_.clock);
  } else {
    std::fprintf(stderr,
                 "timebankd: no --directory_address: this process accepts only service "
                 "credentials, since it cannot follow the directory's sign-outs\n");
  }
}

absl::Status Node::StartMetrics() {
  if (options_.metrics_listen.empty()) return absl::OkStatus();
  metrics_http_ = std::make_unique<MetricsHttpServer>(&metrics_, options_.metrics_listen);
  if (!metrics_http_->Start()) {
    return absl::UnavailableError(absl::StrCat("cannot serve metrics on ", options_.metrics_listen,
                                               ": pick another with --metrics_listen"));
  }
  return absl::OkStatus();
}

std::string Node::address() const {
  const std::string& listen = options_.listen;
  const std::string host = listen.substr(0, listen.rfind(':'));
  return absl::StrCat(host == "0.0.0.0" || host == "[::]" ? "127.0.0.1" : host, ":", port());
}

void Node::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  revocation_follower_.reset();
  // First: a post in flight completes while the server still answers.
  for (auto& m : modules_) m->StopPumps();
  // In-flight calls finish next: their commits complete (in milliseconds) while the
  // engine still runs. Calls still open after the grace period, such as journal
  // watchers, are cancelled.
  if (server_) server_->Shutdown(absl::Seconds(3));
  for (auto& m : modules_) m->StopAfterServer();
  if (metrics_http_) metrics_http_->Stop();
  pool_.reset();
}

Node::~Node() {
  Shutdown();
  // The server and its services go before the cores they call; then the modules in
  // reverse start order, so nothing outlives what it points to.
  metrics_http_.reset();
  server_.reset();
  grpc_services_.clear();
  while (!modules_.empty()) modules_.pop_back();
}

ledger::LedgerEngine* Node::ledger() const {
  const auto* m = Find<LedgerModule>("ledger");
  return m ? m->engine() : nullptr;
}

directory::Directory* Node::directory() const {
  const auto* m = Find<DirectoryModule>("directory");
  return m ? m->directory() : nullptr;
}

activity::ActivityBook* Node::activity() const {
  const auto* m = Find<ActivityModule>("activity");
  return m ? m->book() : nullptr;
}

expenses::ExpenseBook* Node::expenses() const {
  const auto* m = Find<ExpensesModule>("expenses");
  return m ? m->book() : nullptr;
}

rewards::RewardsProjection* Node::rewards_projection() const {
  const auto* m = Find<RewardsModule>("rewards");
  return m ? m->projection() : nullptr;
}

rewards::JournalFollower* Node::rewards_follower() const {
  const auto* m = Find<RewardsModule>("rewards");
  return m ? m->follower() : nullptr;
}

const std::string& Node::setup_code() const {
  static const std::string* kNone = new std::string;
  const auto* m = Find<DirectoryModule>("directory");
  return m ? m->setup_code() : *kNone;
}

storage::KvStore* Node::records_store(std::string_view service) const {
  const auto* m = Find<ServiceModule>(service);
  return m ? m->records_store() : nullptr;
}

std::string Node::ServiceToken(const std::string& name) const {
  return auth::MintServiceToken(*keyring_, name, options_.clock->NowUnixSeconds());
}

std::string Node::TokenFor(const ::timebank::directory::v1::Principal& p) const {
  directory::Directory* dir = directory();
  TB_CHECK(dir != nullptr);
  const int64_t now_s = options_.clock->NowUnixSeconds();
  ::timebank::directory::v1::TokenClaims claims;
  *claims.mutable_principal() = p;
  claims.set_issued_at_s(now_s);
  claims.set_expires_at_s(now_s + 3600);
  claims.set_epoch(dir->Epoch(p.kind(), p.community_id(), p.subject_id()));
  return auth::MintToken(*keyring_, claims);
}

}  // namespace timebank
