#include "clients/loadgen/session.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "clients/common/progress.h"
#include "services/common/auth/auth_interceptor.h"
#include "services/common/auth/keyring.h"
#include "services/common/auth/token.h"
#include "services/common/ids.h"
#include "services/common/server.h"

namespace timebank::loadgen {

int Fail(const std::string& message) {
  std::fprintf(stderr, "tb-loadgen: %s\n", message.c_str());
  return 1;
}

absl::Status CheckClaims(const Settings& settings) {
  if (settings.claims < kMinClaims || settings.claims > kMaxClaims) {
    return absl::InvalidArgumentError(absl::StrCat("--claims: ", kMinClaims, "..", kMaxClaims));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> MakeTempDir(const char* prefix) {
  const char* root = std::getenv("TMPDIR");
  std::string tmpl = absl::StrCat(root != nullptr && *root ? root : "/tmp", "/", prefix, "-XXXXXX");
  if (mkdtemp(tmpl.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("cannot create a temporary directory like ", tmpl));
  }
  return tmpl;
}

Session::Session(Settings settings)
    : settings_(std::move(settings)), target_(settings_.target), rng_(std::random_device{}()) {
  // Accounts for this run, in a community of its own.
  community_ = (rng_() >> 1) | 1;
  for (int i = 0; i < settings_.accounts; ++i) {
    account_ids_.push_back(FormatLedgerId(community_, absl::StrCat("lg.a", i)));
  }
}

Session::~Session() {
  ledgers_.clear();
  systems_.clear();
  channels_.clear();
  if (embedded_) {
    embedded_->Shutdown();
    embedded_.reset();
    std::error_code ec;
    std::filesystem::remove_all(temp_dir_, ec);
  }
  own_.reset();
}

absl::Status Session::Connect(std::unique_ptr<OwnServer> own) {
  if (absl::Status s = StartServer(std::move(own)); !s.ok()) return s;
  if (absl::Status s = MakeCredential(); !s.ok()) return s;
  return OpenChannels();
}

// The given target, or an embedded server on a temporary directory.
absl::Status Session::StartServer(std::unique_ptr<OwnServer> own) {
  if (own) {
    own_ = std::move(own);
    target_ = own_->address();
    return absl::OkStatus();
  }
  if (!target_.empty()) return absl::OkStatus();
  absl::StatusOr<std::string> dir = MakeTempDir("tb-loadgen");
  if (!dir.ok()) return dir.status();
  temp_dir_ = *dir;
  NodeOptions options;
  options.listen = "127.0.0.1:0";
  options.data_dir = temp_dir_;
  absl::StatusOr<std::unique_ptr<Node>> node = Node::Start(options);
  if (!node.ok()) return node.status();
  embedded_ = std::move(*node);
  target_ = embedded_->address();
  return absl::OkStatus();
}

// The ledger is for services: sign a service token (embedded server, or --keyring on
// the server's machine), or use --token.
absl::Status Session::MakeCredential() {
  token_ = settings_.token;
  if (own_) {
    token_ = own_->ServiceToken();
  } else if (embedded_) {
    token_ = embedded_->ServiceToken("tb-loadgen");
  } else if (token_.empty() && !settings_.keyring.empty()) {
    absl::StatusOr<std::unique_ptr<auth::Keyring>> keyring = auth::Keyring::Open(settings_.keyring);
    if (!keyring.ok()) return keyring.status();
    token_ = auth::MintServiceToken(**keyring, "tb-loadgen", absl::ToUnixSeconds(absl::Now()));
  }
  if (token_.empty()) {
    return absl::InvalidArgumentError(
        "--keyring or --token: the ledger needs a service credential (see --help)");
  }
  bearer_ = absl::StrCat("Bearer ", token_);
  return absl::OkStatus();
}

absl::Status Session::OpenChannels() {
  for (int i = 0; i < settings_.channels; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("grpc.channel_id", i);  // distinct connections
    args.SetMaxReceiveMessageSize(kMaxMessageBytes);
    args.SetMaxSendMessageSize(kMaxMessageBytes);
    channels_.push_back(
        grpc::CreateCustomChannel(target_, grpc::InsecureChannelCredentials(), args));
    ledgers_.push_back(lpb::LedgerService::NewStub(channels_.back()));
    systems_.push_back(spb::SystemService::NewStub(channels_.back()));
  }
  if (!channels_[0]->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(5))) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to ", target_, "; is timebankd running there?"));
  }
  return absl::OkStatus();
}

absl::Status Session::CreateAccounts() {
  const int num_accounts = settings_.accounts;
  cli::ProgressBar bar("creating accounts", num_accounts);
  for (int from = 0; from < num_accounts; from += kMaxPerCall) {
    lpb::CreateAccountsRequest req;
    for (int i = from; i < std::min(num_accounts, from + kMaxPerCall); ++i) {
      auto* a = req.add_accounts();
      a->set_id(account_ids_[i]);
      a->set_community_id(community_);
      a->set_unit("TIME");
      a->set_owner_kind(i == 0 ? lpb::OWNER_KIND_COMMUNITY_POOL : lpb::OWNER_KIND_MEMBER);
    }
    lpb::CreateAccountsResponse resp;
    grpc::ClientContext ctx;
    auth::AddBearer(&ctx, token_);
    grpc::Status s = ledgers_[0]->CreateAccounts(&ctx, req, &resp);
    if (!s.ok()) {
      return absl::InternalError(absl::StrCat("creating accounts failed: ", s.error_message()));
    }
    for (const auto& r : resp.results()) {
      if (r.code() != lpb::CREATE_ACCOUNT_CREATED) {
        return absl::InternalError(
            absl::StrCat("account ", r.id(), ": ", lpb::CreateAccountResultCode_Name(r.code())));
      }
    }
    bar.Update(std::min(num_accounts, from + kMaxPerCall));
  }
  return absl::OkStatus();
}

PhaseResult Session::Pings(const std::string& label, bool with_token, double warmup_s,
                           double duration_s) {
  IssueFn ping = [&](int slot, uint64_t, CallDone done) {
    struct Call {
      grpc::ClientContext ctx;
      spb::PingRequest req;
      spb::PingResponse resp;
    };
    auto* call = new Call();
    if (with_token) call->ctx.AddMetadata("authorization", bearer_);
    systems_[slot % settings_.channels]->async()->Ping(&call->ctx, &call->req, &call->resp,
                                                       [call, done](grpc::Status s) {
                                                         delete call;
                                                         done(s, 0, 0);
                                                       });
  };
  return RunPhase(label, settings_.concurrency, warmup_s, duration_s, ping);
}

PhaseResult Session::Transfers(const std::string& label, int batch_size, bool hot) {
  std::vector<std::mt19937_64> rngs;
  for (int i = 0; i < settings_.concurrency; ++i) rngs.emplace_back(rng_());
  const size_t num_accounts = account_ids_.size();
  IssueFn transfer = [&](int slot, uint64_t n, CallDone done) {
    struct Call {
      grpc::ClientContext ctx;
      lpb::CreateTransfersRequest req;
      lpb::CreateTransfersResponse resp;
    };
    auto* call = new Call();
    call->ctx.AddMetadata("authorization", bearer_);
    std::mt19937_64& r = rngs[slot];
    for (int i = 0; i < batch_size; ++i) {
      auto* t = call->req.add_transfers();
      t->set_id(FormatLedgerId(community_, absl::StrCat("lg.", slot, ".", n, ".", i)));
      size_t a = hot ? 0 : r() % num_accounts;
      size_t b = 1 + r() % (num_accounts - 1);
      if (!hot && b == a) b = 0;
      if (hot && (r() & 1)) std::swap(a, b);
      t->set_debit_account_id(account_ids_[a]);
      t->set_credit_account_id(account_ids_[b]);
      t->set_amount(static_cast<int64_t>(1 + r() % 120));
      t->set_kind(lpb::TRANSFER_KIND_EXCHANGE);
    }
    ledgers_[slot % settings_.channels]->async()->CreateTransfers(
        &call->ctx, &call->req, &call->resp, [call, done](grpc::Status s) {
          uint64_t ok = 0, rejected = 0;
          for (const auto& res : call->resp.results()) {
            (res.code() == lpb::CREATE_TRANSFER_CREATED ? ok : rejected)++;
          }
          delete call;
          done(s, ok, rejected);
        });
  };
  return RunPhase(label, settings_.concurrency, settings_.warmup_s, settings_.duration_s, transfer);
}

// Where the calls went, as printed: the embedded node, a mode's own server, or --target.
std::string Session::TargetLabel() const {
  if (embedded_) return "embedded";
  if (own_) return own_->label();
  return target_;
}

int Session::Report(const PhaseResult& empty, const PhaseResult& work) const {
  if (settings_.json) {
    PrintJson(empty, work);
  } else {
    PrintTable(empty, work);
  }
  if (!work.first_error.empty() || !empty.first_error.empty()) {
    std::fprintf(stderr, "first error: %s\n",
                 (work.first_error.empty() ? empty.first_error : work.first_error).c_str());
  }
  return work.failed_calls + empty.failed_calls == 0 ? 0 : 2;
}

void Session::PrintJson(const PhaseResult& empty, const PhaseResult& work) const {
  const Settings& s = settings_;
  const double empty_per_s = static_cast<double>(empty.calls) / empty.seconds;
  const double transfers_per_s = static_cast<double>(work.transfers_ok) / work.seconds;
  const double rpcs_per_s = static_cast<double>(work.calls) / work.seconds;
  const double ratio = empty_per_s > 0 ? transfers_per_s / empty_per_s : 0;
  std::printf(
      "{\"mode\":\"%s\",\"target\":\"%s\",\"concurrency\":%d,\"duration_s\":%g,"
      "\"batch_size\":%d,\"accounts\":%d,\"transfers_per_s\":%.1f,\"rpcs_per_s\":%.1f,"
      "\"empty_rpc_per_s\":%.1f,\"ratio_to_empty\":%.4f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
      "\"p999_ms\":%.3f,\"empty_p50_ms\":%.3f,\"empty_p99_ms\":%.3f,\"failed_rpcs\":%llu,"
      "\"rejected_transfers\":%llu,\"cores_used\":%.2f,\"empty_cores_used\":%.2f,"
      "\"cpu_us_per_rpc\":%.1f,\"empty_cpu_us_per_rpc\":%.1f}\n",
      s.mode.c_str(), TargetLabel().c_str(), s.concurrency, s.duration_s, s.batch_size, s.accounts,
      transfers_per_s, rpcs_per_s, empty_per_s, ratio, work.Percentile(0.5), work.Percentile(0.99),
      work.Percentile(0.999), empty.Percentile(0.5), empty.Percentile(0.99),
      static_cast<unsigned long long>(work.failed_calls + empty.failed_calls),
      static_cast<unsigned long long>(work.transfers_rejected), work.cpu_s / work.seconds,
      empty.cpu_s / empty.seconds, PerCallUs(work), PerCallUs(empty));
}

void Session::PrintTable(const PhaseResult& empty, const PhaseResult& work) const {
  const Settings& s = settings_;
  const double empty_per_s = static_cast<double>(empty.calls) / empty.seconds;
  const double transfers_per_s = static_cast<double>(work.transfers_ok) / work.seconds;
  const double rpcs_per_s = static_cast<double>(work.calls) / work.seconds;
  const double ratio = empty_per_s > 0 ? transfers_per_s / empty_per_s : 0;
  std::printf("tb-loadgen  mode=%s  concurrency=%d  duration=%gs  accounts=%d  batch=%d  %s\n\n",
              s.mode.c_str(), s.concurrency, s.duration_s, s.accounts, s.batch_size,
              TargetLabel().c_str());
  std::printf("%-12s %14s %10s %10s %10s\n", "phase", "per second", "p50 ms", "p99 ms", "p99.9 ms");
  std::printf("%-12s %14.0f %10.3f %10.3f %10.3f\n", "empty RPC", empty_per_s,
              empty.Percentile(0.5), empty.Percentile(0.99), empty.Percentile(0.999));
  std::printf("%-12s %14.0f %10.3f %10.3f %10.3f\n", "transfers", transfers_per_s,
              work.Percentile(0.5), work.Percentile(0.99), work.Percentile(0.999));
  std::printf(
      "\nRPCs/s %.0f   ratio to empty RPC %.3f   failed RPCs %llu   rejected "
      "transfers %llu\n",
      rpcs_per_s, ratio, static_cast<unsigned long long>(work.failed_calls + empty.failed_calls),
      static_cast<unsigned long long>(work.transfers_rejected));
  std::printf(
      "CPU (this process%s): empty RPC %.2f cores, %.1f us/call; work %.2f cores, %.1f us/RPC\n",
      embedded_ || own_ ? ", client and server" : ", client only", empty.cpu_s / empty.seconds,
      PerCallUs(empty), work.cpu_s / work.seconds, PerCallUs(work));
}

}  // namespace timebank::loadgen
