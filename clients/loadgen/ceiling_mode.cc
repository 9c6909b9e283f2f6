// tb-loadgen --mode=ceiling: single mode against a ledger that records nothing.
// NullLedger is the ledger's gRPC surface without the ledger: CreateTransfers checks
// access and answers every transfer CREATED with the fields the real service fills,
// recording nothing. It runs on a server built like timebankd's (callback API,
// authentication interceptor, metrics), next to the same Ping, so the ratio to the
// empty RPC is what an engine that cost nothing would reach on this machine.
#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "clients/loadgen/modes.h"
#include "services/common/auth/auth_interceptor.h"
#include "services/common/auth/keyring.h"
#include "services/common/auth/revocations.h"
#include "services/common/auth/token.h"
#include "services/common/grpc_util.h"
#include "services/common/metrics.h"
#include "services/common/server.h"
#include "services/system/system_service.h"
#include "storage/check.h"

namespace timebank::loadgen {
namespace {

class NullLedger final : public lpb::LedgerService::CallbackService {
 public:
  grpc::ServerUnaryReactor* CreateTransfers(grpc::CallbackServerContext* ctx,
                                            const lpb::CreateTransfersRequest* req,
                                            lpb::CreateTransfersResponse* resp) override {
    auto* reactor = ctx->DefaultReactor();
    TB_FINISH_IF_DENIED(ctx, reactor);
    const int64_t now_ns = absl::GetCurrentTimeNanos();
    for (int i = 0; i < req->transfers_size(); ++i) {
      auto* r = resp->add_results();
      r->set_index(static_cast<uint32_t>(i));
      r->set_id(req->transfers(i).id());
      r->set_code(lpb::CREATE_TRANSFER_CREATED);
      r->set_seq(seq_.fetch_add(1, std::memory_order_relaxed) + 1);
      ToTimestamp(now_ns, r->mutable_recorded_at());
    }
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  std::atomic<uint64_t> seq_{0};
};

class CeilingServer final : public OwnServer {
 public:
  static absl::StatusOr<std::unique_ptr<CeilingServer>> Start() {
    std::unique_ptr<CeilingServer> s(new CeilingServer());
    TB_ASSIGN_OR_RETURN(s->dir_, MakeTempDir("tb-loadgen-ceiling"));
    TB_ASSIGN_OR_RETURN(s->keyring_, auth::Keyring::Open(s->dir_ + "/keyring"));
    ServerConfig config;
    config.listen = "127.0.0.1:0";
    config.metrics = &s->metrics_;
    config.keyring = s->keyring_.get();
    config.revocations = &s->revocations_;
    TB_ASSIGN_OR_RETURN(s->server_, GrpcServer::Start(config, {&s->ledger_, &s->system_}));
    return s;
  }
  ~CeilingServer() override {
    server_->Shutdown(absl::Seconds(5));
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string address() const override { return absl::StrCat("127.0.0.1:", server_->port()); }
  std::string label() const override { return "null ledger (in process)"; }
  std::string ServiceToken() const override {
    return auth::MintServiceToken(*keyring_, "tb-loadgen", absl::ToUnixSeconds(absl::Now()));
  }

 private:
  CeilingServer() : system_({"ledger"}, {}, nullptr) {}

  std::string dir_;
  MetricsRegistry metrics_;
  auth::Revocations revocations_;
  std::unique_ptr<auth::Keyring> keyring_;
  NullLedger ledger_;
  system::SystemServiceImpl system_;
  std::unique_ptr<GrpcServer> server_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<OwnServer>> StartNullLedger() {
  absl::StatusOr<std::unique_ptr<CeilingServer>> s = CeilingServer::Start();
  if (!s.ok()) return s.status();
  return std::unique_ptr<OwnServer>(std::move(*s));
}

int RunCeiling(Session& session) {
  // The null ledger accepts any account: none are created.
  const Settings& settings = session.settings();
  const PhaseResult empty =
      session.Pings("empty RPC", false, settings.warmup_s, settings.duration_s);
  const PhaseResult work = session.Transfers("ceiling transfers", 1, false);
  return session.Report(empty, work);
}

}  // namespace timebank::loadgen
