// tb-loadgen: drives a timebank server with N concurrent clients and measures, in
// the same run and at the same concurrency, an empty RPC (SystemService.Ping) as the
// baseline. Prints throughput, latency percentiles and the ratio to the empty RPC.
//
//   tb-loadgen --mode=single --concurrency=64 --duration_s=10        (embedded server)
//   tb-loadgen --mode=batch --target=127.0.0.1:7400 --json
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "clients/common/contribution_import.h"
#include "clients/common/progress.h"
#include "services/common/auth/auth_interceptor.h"
#include "services/common/auth/keyring.h"
#include "services/common/auth/revocations.h"
#include "services/common/auth/token.h"
#include "services/common/grpc_util.h"
#include "services/common/ids.h"
#include "services/common/metrics.h"
#include "services/common/program_usage.h"
#include "services/common/server.h"
#include "services/ledger/model.h"
#include "services/system/system_service.h"
#include "services/timebankd/node.h"
#include "storage/check.h"
#include "timebank/activity/v1/activity.grpc.pb.h"
#include "timebank/expenses/v1/expenses.grpc.pb.h"
#include "timebank/ledger/v1/ledger.grpc.pb.h"
#include "timebank/system/v1/system.grpc.pb.h"

ABSL_FLAG(std::string, mode, "single",
          "single (1 transfer per RPC), batch (--batch_size per RPC), hot (every transfer "
          "touches one account)");
ABSL_FLAG(std::string, target, "",
          "Server address host:port; empty starts an embedded server on a temporary directory");
ABSL_FLAG(int, concurrency, 64, "RPCs in flight");
ABSL_FLAG(double, duration_s, 10, "Measured seconds per phase (empty RPC, then the mode)");
ABSL_FLAG(double, warmup_s, 1, "Unmeasured seconds before each phase");
ABSL_FLAG(int, accounts, 10000, "Accounts to spread transfers over");
ABSL_FLAG(std::string, token, "", "Access token for --target (a service's or an admin's)");
ABSL_FLAG(std::string, keyring, "",
          "With --target on the server's machine: sign a service token with this keyring file");
ABSL_FLAG(int, batch_size, 1000,
          "Transfers per RPC in batch mode (1 up to the ledger's per-call limit)");
ABSL_FLAG(int, channels, 2, "gRPC channels (connections) the clients share");
ABSL_FLAG(bool, json, false, "Print one JSON object instead of a table");
ABSL_FLAG(int, rows, 100'000, "import mode: contribution rows in the generated CSV file");
ABSL_FLAG(int, claims, 100'000, "finance-queue mode: expense claims in the community");

namespace {

namespace lpb = ::timebank::ledger::v1;
namespace spb = ::timebank::system::v1;
using Clock = std::chrono::steady_clock;

constexpr int kMaxConcurrency = 4096;
// Transfers or accounts per call: the ledger's published limit.
constexpr int kMaxPerCall = static_cast<int>(timebank::ledger::kMaxBatchEvents);
constexpr int kMaxAccounts = 1'000'000;

struct PhaseResult {
  uint64_t calls = 0;
  uint64_t failed_calls = 0;
  uint64_t transfers_ok = 0;
  uint64_t transfers_rejected = 0;
  double seconds = 0;
  // CPU this process used in the measured window: with an embedded server it holds
  // client and server, so cpu_s / seconds near the core count means CPU-bound.
  double cpu_s = 0;
  std::vector<double> latencies_ms;
  std::string first_error;

  double Percentile(double p) const {
    if (latencies_ms.empty()) return 0;
    const size_t i = std::min(latencies_ms.size() - 1,
                              static_cast<size_t>(p * static_cast<double>(latencies_ms.size())));
    return latencies_ms[i];
  }
};

// Adds another run of the same phase (latencies re-sorted for percentiles).
void Merge(PhaseResult* into, PhaseResult r) {
  into->calls += r.calls;
  into->failed_calls += r.failed_calls;
  into->transfers_ok += r.transfers_ok;
  into->transfers_rejected += r.transfers_rejected;
  into->seconds += r.seconds;
  into->cpu_s += r.cpu_s;
  if (into->first_error.empty()) into->first_error = r.first_error;
  into->latencies_ms.insert(into->latencies_ms.end(), r.latencies_ms.begin(), r.latencies_ms.end());
  std::sort(into->latencies_ms.begin(), into->latencies_ms.end());
}

double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

// The ledger's gRPC surface without the ledger, for --mode=ceiling: CreateTransfers
// checks access and answers every transfer CREATED with the fields the real service
// fills, recording nothing. It runs on a server built like timebankd's (callback API,
// authentication interceptor, metrics), next to the same Ping.
// A new directory under $TMPDIR (or /tmp): a run can compare disks, e.g. tmpfs, where
// a sync costs nothing.
absl::StatusOr<std::string> MakeTempDir(const char* prefix) {
  const char* root = std::getenv("TMPDIR");
  std::string tmpl = absl::StrCat(root != nullptr && *root ? root : "/tmp", "/", prefix, "-XXXXXX");
  if (mkdtemp(tmpl.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("cannot create a temporary directory like ", tmpl));
  }
  return tmpl;
}

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
      timebank::ToTimestamp(now_ns, r->mutable_recorded_at());
    }
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  std::atomic<uint64_t> seq_{0};
};

class CeilingServer {
 public:
  static absl::StatusOr<std::unique_ptr<CeilingServer>> Start() {
    std::unique_ptr<CeilingServer> s(new CeilingServer());
    TB_ASSIGN_OR_RETURN(s->dir_, MakeTempDir("tb-loadgen-ceiling"));
    TB_ASSIGN_OR_RETURN(s->keyring_, timebank::auth::Keyring::Open(s->dir_ + "/keyring"));
    timebank::ServerConfig config;
    config.listen = "127.0.0.1:0";
    config.metrics = &s->metrics_;
    config.keyring = s->keyring_.get();
    config.revocations = &s->revocations_;
    TB_ASSIGN_OR_RETURN(s->server_,
                        timebank::GrpcServer::Start(config, {&s->ledger_, &s->system_}));
    return s;
  }
  ~CeilingServer() {
    server_->Shutdown(absl::Seconds(5));
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string address() const { return absl::StrCat("127.0.0.1:", server_->port()); }
  std::string ServiceToken() const {
    return timebank::auth::MintServiceToken(*keyring_, "tb-loadgen",
                                            absl::ToUnixSeconds(absl::Now()));
  }

 private:
  CeilingServer() : system_({"ledger"}, {}, nullptr) {}

  std::string dir_;
  timebank::MetricsRegistry metrics_;
  timebank::auth::Revocations revocations_;
  std::unique_ptr<timebank::auth::Keyring> keyring_;
  NullLedger ledger_;
  timebank::system::SystemServiceImpl system_;
  std::unique_ptr<timebank::GrpcServer> server_;
};

// CPU microseconds per call in a phase's measured window (whole process).
double PerCallUs(const PhaseResult& r) {
  return r.calls > 0 ? r.cpu_s * 1e6 / static_cast<double>(r.calls) : 0;
}

// Issues one call; reports (ok, transfers created, transfers rejected).
using CallDone = std::function<void(const grpc::Status&, uint64_t, uint64_t)>;
using IssueFn = std::function<void(int slot, uint64_t n, CallDone done)>;

// Keeps `concurrency` calls in flight until the deadline; returns what it measured
// (only calls that started after `measure_from`).
PhaseResult RunPhase(const std::string& label, int concurrency, double warmup_s, double duration_s,
                     const IssueFn& issue) {
  // Shared with in-flight callbacks, which may still be unwinding after the last
  // slot reports done; they hold it alive.
  struct State {
    absl::Mutex mu;
    int active = 0;
    PhaseResult result;
    std::vector<std::vector<double>> per_slot;
    std::vector<uint64_t> counters;
    Clock::time_point measure_from, deadline;
    std::function<void(int)> next;
  };
  auto st = std::make_shared<State>();
  const auto start = Clock::now();
  st->measure_from =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(warmup_s));
  st->deadline = st->measure_from + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(duration_s));
  st->per_slot.resize(concurrency);
  st->counters.assign(concurrency, 0);
  std::weak_ptr<State> weak = st;
  st->next = [weak, &issue](int slot) {
    std::shared_ptr<State> s = weak.lock();
    const auto call_start = Clock::now();
    if (call_start >= s->deadline) {
      absl::MutexLock lock(&s->mu);
      --s->active;
      return;
    }
    issue(slot, s->counters[slot]++,
          [s, slot, call_start](const grpc::Status& status, uint64_t ok, uint64_t rejected) {
            const auto end = Clock::now();
            if (call_start >= s->measure_from && end <= s->deadline) {
              s->per_slot[slot].push_back(
                  std::chrono::duration<double, std::milli>(end - call_start).count());
              absl::MutexLock lock(&s->mu);
              ++s->result.calls;
              if (!status.ok()) {
                ++s->result.failed_calls;
                if (s->result.first_error.empty()) s->result.first_error = status.error_message();
              }
              s->result.transfers_ok += ok;
              s->result.transfers_rejected += rejected;
            }
            s->next(slot);
          });
  };
  {
    absl::MutexLock lock(&st->mu);
    st->active = concurrency;
  }
  // Process CPU at the window's edges, read on time by a thread of its own.
  double cpu_at_start = 0, cpu_at_end = 0;
  std::thread cpu_clock([&] {
    std::this_thread::sleep_until(st->measure_from);
    cpu_at_start = ProcessCpuSeconds();
    std::this_thread::sleep_until(st->deadline);
    cpu_at_end = ProcessCpuSeconds();
  });
  for (int i = 0; i < concurrency; ++i) st->next(i);
  timebank::cli::ProgressBar bar(label, 0);
  PhaseResult r;
  {
    absl::MutexLock lock(&st->mu);
    while (st->active > 0) {
      st->mu.AwaitWithTimeout(absl::Condition(
                                  +[](int* a) { return *a == 0; }, &st->active),
                              absl::Milliseconds(200));
      bar.Update(st->result.calls);
    }
    r = std::move(st->result);
    for (auto& v : st->per_slot) r.latencies_ms.insert(r.latencies_ms.end(), v.begin(), v.end());
  }
  bar.Finish();
  cpu_clock.join();
  r.seconds = duration_s;
  r.cpu_s = cpu_at_end - cpu_at_start;
  std::sort(r.latencies_ms.begin(), r.latencies_ms.end());
  return r;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "tb-loadgen: %s\n", message.c_str());
  return 1;
}

}  // namespace

// Exchange mode: pairs of members record an exchange, the receiver confirms it, and
// the time from the confirmation call to the provider's new balance being readable
// from the ledger is measured (the dispatcher posts it in between). Embedded only: it
// makes its own community and signs its members' tokens with the node's keyring.
PhaseResult RunExchanges(timebank::Node* node, const std::shared_ptr<grpc::Channel>& channel,
                         int threads, double warmup_s, double duration_s) {
  namespace apb = ::timebank::activity::v1;
  namespace dpb = ::timebank::directory::v1;
  timebank::directory::Directory* dir = node->directory();
  timebank::directory::Actor system;
  dpb::Community c;
  c.set_name("tb-loadgen exchanges");
  c.set_member_credit_limit_minutes(60'000);
  const uint64_t community = dir->CreateCommunity(system, c, "").value().id();
  struct Member {
    uint64_t id;
    std::string bearer;
  };
  auto make = [&](int i) {
    dpb::Member m;
    m.set_community_id(community);
    m.set_display_name(absl::StrCat("loadgen member ", i));
    const dpb::Member made = dir->CreateMember(system, m, "", "").value();
    return Member{
        made.id(),
        absl::StrCat("Bearer ", node->TokenFor(timebank::directory::Directory::PrincipalOf(made)))};
  };
  std::vector<std::pair<Member, Member>> pairs;
  for (int i = 0; i < threads; ++i) pairs.push_back({make(2 * i), make(2 * i + 1)});
  const std::string service = absl::StrCat("Bearer ", node->ServiceToken("tb-loadgen"));
  auto activity = apb::ActivityService::NewStub(channel);
  auto ledger = lpb::LedgerService::NewStub(channel);

  std::atomic<bool> measuring{false}, stop{false};
  absl::Mutex mu;
  PhaseResult result;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      const Member& provider = pairs[t].first;
      const Member& receiver = pairs[t].second;
      int64_t expected = 0;
      const std::string account = timebank::MemberAccountId(community, provider.id);
      while (!stop.load()) {
        grpc::ClientContext rc;
        rc.AddMetadata("authorization", provider.bearer);
        apb::RecordExchangeRequest rec;
        rec.set_community_id(community);
        rec.set_provider_member_id(provider.id);
        rec.set_receiver_member_id(receiver.id);
        rec.set_minutes(1);
        rec.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(absl::Now()) - 60);
        rec.set_description("loadgen exchange");
        apb::Activity recorded;
        grpc::Status s = activity->RecordExchange(&rc, rec, &recorded);
        const auto start = std::chrono::steady_clock::now();
        if (s.ok()) {
          grpc::ClientContext cc;
          cc.AddMetadata("authorization", receiver.bearer);
          apb::RespondToExchangeRequest confirm;
          confirm.set_community_id(community);
          confirm.set_activity_id(recorded.id());
          confirm.set_response(apb::RespondToExchangeRequest::RESPONSE_CONFIRM);
          apb::Activity confirmed;
          s = activity->RespondToExchange(&cc, confirm, &confirmed);
        }
        bool visible = false;
        if (s.ok()) {
          ++expected;
          for (int polls = 0; polls < 10'000 && !visible; ++polls) {
            grpc::ClientContext gc;
            gc.AddMetadata("authorization", service);
            lpb::GetAccountsRequest get;
            get.add_ids(account);
            lpb::GetAccountsResponse got;
            if (ledger->GetAccounts(&gc, get, &got).ok() && got.accounts_size() == 1 &&
                got.accounts(0).balance() >= expected) {
              visible = true;
            } else {
              std::this_thread::sleep_for(std::chrono::microseconds(500));
            }
          }
        }
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count();
        if (measuring.load()) {
          absl::MutexLock lock(&mu);
          ++result.calls;
          if (!s.ok() || !visible) {
            ++result.failed_calls;
            if (result.first_error.empty())
              result.first_error = s.ok() ? "never visible" : s.error_message();
          } else {
            ++result.transfers_ok;
            result.latencies_ms.push_back(ms);
          }
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(warmup_s));
  measuring = true;
  const auto begin = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(duration_s));
  measuring = false;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  stop = true;
  for (auto& w : workers) w.join();
  std::sort(result.latencies_ms.begin(), result.latencies_ms.end());
  return result;
}

// Import mode: a community with 1,000 members and 10 organisations, a generated CSV of
// `rows` contribution rows on disk, then end to end what `tbctl contribution import`
// does (read, parse, send in batches, wait until posted), timed; then the ledger is
// checked: every organisation's balance is minus what the file gave it.
int RunImport(timebank::Node* node, const std::shared_ptr<grpc::Channel>& channel, int rows,
              bool json, const std::string& temp_dir) {
  namespace apb = ::timebank::activity::v1;
  namespace dpb = ::timebank::directory::v1;
  constexpr int kMembers = 1000, kOrganisations = 10;
  timebank::directory::Directory* dir = node->directory();
  timebank::directory::Actor system;
  dpb::Community c;
  c.set_name("tb-loadgen import");
  c.set_organisation_credit_limit_minutes(int64_t{1'000'000} * 60);
  const uint64_t community = dir->CreateCommunity(system, c, "").value().id();
  timebank::cli::OrganisationNames orgs;
  for (int i = 0; i < kOrganisations; ++i) {
    dpb::Organisation o;
    o.set_community_id(community);
    o.set_name(absl::StrCat("Organisation ", i));
    o.set_kind(dpb::ORGANISATION_KIND_CHARITY);
    const dpb::Organisation made = dir->CreateOrganisation(system, o, "").value();
    orgs.names[made.id()] = made.name();
    orgs.by_lower_name[absl::AsciiStrToLower(made.name())] = made.id();
  }
  {
    timebank::cli::ProgressBar bar("creating members", kMembers);
    for (int i = 0; i < kMembers; ++i) {
      dpb::Member m;
      m.set_community_id(community);
      m.set_display_name(absl::StrCat("Volunteer ", i));
      m.set_member_number(absl::StrFormat("L%05d", i));
      (void)dir->CreateMember(system, m, "", "").value();
      bar.Update(i + 1);
    }
  }
  dpb::Member admin;
  admin.set_community_id(community);
  admin.set_display_name("Import admin");
  admin = dir->CreateMember(system, admin, "", "").value();
  admin = dir->GrantRole(system, community, admin.id(), dpb::ROLE_ADMIN, 0, "loadgen").value();
  while (dir->DrainOutbox() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const std::string bearer =
      absl::StrCat("Bearer ", node->TokenFor(timebank::directory::Directory::PrincipalOf(admin)));

  // The file: each member gives 1, 1.5 or 2 hours on distinct recent days.
  const std::string path = temp_dir + "/import.csv";
  std::vector<int64_t> expected_minutes(kOrganisations, 0);
  {
    std::string text = "member_number,date,hours,organisation,coproduction_type,description\n";
    const char* types[] = {"co-design", "co-delivery", "co-assessment", "co-commission"};
    const absl::Time today = absl::Now();
    for (int i = 0; i < rows; ++i) {
      const int member = i % kMembers, days_ago = 1 + i / kMembers % 300,
                org = (i / 7) % kOrganisations;
      const int half_hours = 2 + i % 3;
      expected_minutes[org] += half_hours * 30;
      absl::StrAppend(
          &text, absl::StrFormat("L%05d", member), ",",
          absl::FormatTime("%Y-%m-%d", today - absl::Hours(24 * days_ago), absl::UTCTimeZone()),
          ",",
          half_hours % 2 == 0 ? absl::StrCat(half_hours / 2) : absl::StrCat(half_hours / 2, ".5"),
          ",Organisation ", org, ",", types[i % 4], ",Loadgen volunteering ", i / (kMembers * 300),
          "\n");
    }
    FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr || std::fwrite(text.data(), 1, text.size(), f) != text.size()) {
      std::fprintf(stderr, "tb-loadgen: cannot write %s\n", path.c_str());
      return 1;
    }
    std::fclose(f);
  }

  auto stub = apb::ActivityService::NewStub(channel);
  const auto begin = std::chrono::steady_clock::now();
  std::string text;
  {
    FILE* f = std::fopen(path.c_str(), "rb");
    char buf[1 << 16];
    for (size_t n; f != nullptr && (n = std::fread(buf, 1, sizeof buf, f)) > 0;)
      text.append(buf, n);
    if (f != nullptr) std::fclose(f);
  }
  absl::StatusOr<timebank::cli::ParsedImport> parsed =
      timebank::cli::ParseContributionCsv(text, orgs);
  if (!parsed.ok()) {
    std::fprintf(stderr, "tb-loadgen: %s\n", std::string(parsed.status().message()).c_str());
    return 1;
  }
  timebank::cli::ImportOptions options;
  options.community_id = community;
  options.prepare = [&bearer](grpc::ClientContext* ctx) {
    ctx->AddMetadata("authorization", bearer);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  };
  timebank::cli::ProgressBar bar("importing", parsed->lines.size());
  options.progress = [&bar](uint64_t done) { bar.Update(done); };
  const timebank::cli::ImportSummary sum =
      timebank::cli::RunContributionImport(stub.get(), options, &*parsed);
  bar.Finish();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  for (const timebank::cli::ImportLine& line : parsed->lines) {
    if (!timebank::cli::NeedsAttention(line)) continue;
    std::fprintf(stderr, "tb-loadgen: line %u: %s%s\n", line.line, line.error.c_str(),
                 line.ledger_result.c_str());
    break;
  }

  // The ledger's word: each organisation's balance.
  auto ledger = lpb::LedgerService::NewStub(channel);
  lpb::GetAccountsRequest get;
  for (const auto& [id, name] : orgs.names)
    get.add_ids(timebank::OrganisationAccountId(community, id));
  lpb::GetAccountsResponse got;
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", node->ServiceToken("tb-loadgen")));
  grpc::Status s = ledger->GetAccounts(&ctx, get, &got);
  bool ledger_ok = s.ok() && got.accounts_size() == kOrganisations;
  for (int i = 0; ledger_ok && i < kOrganisations; ++i) {
    ledger_ok = got.accounts(i).balance() == -expected_minutes[static_cast<size_t>(i)];
  }
  const bool ok = ledger_ok && sum.posted == static_cast<uint64_t>(rows) && sum.rejected == 0;
  const std::vector<std::pair<const char*, uint64_t>> counts = {
      {"imported", sum.imported}, {"already_imported", sum.already_imported},
      {"rejected", sum.rejected}, {"posted", sum.posted},
      {"refused", sum.refused},   {"queued", sum.queued}};
  std::string line;
  for (const auto& [name, n] : counts) {
    absl::StrAppend(&line, json ? ",\"" : line.empty() ? "" : ", ", name, json ? "\":" : " ", n);
  }
  if (json) {
    std::printf(
        "{\"mode\":\"import\",\"rows\":%d,\"seconds\":%.3f,\"rows_per_s\":%.1f%s,"
        "\"ledger_balances_match\":%s}\n",
        rows, seconds, rows / seconds, line.c_str(), ledger_ok ? "true" : "false");
  } else {
    std::printf(
        "tb-loadgen  mode=import  rows=%d  (embedded server)\n\n"
        "read, checked, imported and posted in %.2f s (%.0f rows/s)\n%s\n"
        "ledger balances match the file: %s\n",
        rows, seconds, rows / seconds, line.c_str(), ledger_ok ? "yes" : "NO");
  }
  return ok ? 0 : 2;
}

// Finance-queue mode: a community with `claims` submitted expense claims (seeded
// through the expenses core, as members would create and submit them), then the
// finance queue's first page (50 oldest claims), read through gRPC by a finance officer
// as fast as it answers for `duration_s`: latency percentiles; the same with a filter
// (claims of at least 80.00) that most claims fail, so the index scan must skip.
int RunFinanceQueue(timebank::Node* node, const std::shared_ptr<grpc::Channel>& channel, int claims,
                    double duration_s, bool json) {
  namespace xpb = ::timebank::expenses::v1;
  namespace dpb = ::timebank::directory::v1;
  constexpr int kMembers = 1000;
  timebank::directory::Directory* dir = node->directory();
  timebank::expenses::ExpenseBook* book = node->expenses();
  timebank::directory::Actor system;
  dpb::Community c;
  c.set_name("tb-loadgen finance queue");
  const uint64_t community = dir->CreateCommunity(system, c, "").value().id();
  std::vector<dpb::Principal> members;
  for (int i = 0; i < kMembers; ++i) {
    dpb::Member m;
    m.set_community_id(community);
    m.set_display_name(absl::StrCat("Claimant ", i));
    members.push_back(
        timebank::directory::Directory::PrincipalOf(dir->CreateMember(system, m, "", "").value()));
  }
  dpb::Member officer;
  officer.set_community_id(community);
  officer.set_display_name("Finance officer");
  officer = dir->CreateMember(system, officer, "", "").value();
  officer =
      dir->GrantRole(system, community, officer.id(), dpb::ROLE_FINANCE, 0, "loadgen").value();
  const dpb::Principal finance = timebank::directory::Directory::PrincipalOf(officer);
  xpb::Policy policy;
  policy.set_community_id(community);
  policy.set_max_claim_minor(10'000'000);
  policy.set_max_month_minor(10'000'000);
  policy.set_claim_window_days(90);
  if (!book->SetPolicy(finance, policy).ok()) return Fail("setting the expense policy failed");
  {
    timebank::cli::ProgressBar bar("submitting claims", static_cast<uint64_t>(claims));
    const std::string day =
        absl::FormatTime("%Y-%m-%d", absl::Now() - absl::Hours(48), absl::UTCTimeZone());
    for (int i = 0; i < claims; ++i) {
      xpb::Claim claim;
      claim.set_community_id(community);
      claim.set_title(absl::StrCat("Bus fares ", i));
      xpb::ClaimLine* line = claim.add_lines();
      line->set_category(xpb::CATEGORY_TRAVEL);
      line->set_date(day);
      // One claim in ten is 80.00 or more.
      line->set_amount_minor(i % 10 == 0 ? 8000 + i % 1000 : 100 + i % 5000);
      line->set_description("bus to the workshop and back");
      const dpb::Principal& who = members[static_cast<size_t>(i % kMembers)];
      auto made = book->CreateClaim(who, claim, "");
      if (!made.ok()) return Fail(std::string(made.status().message()));
      auto sent = book->SubmitClaim(who, community, made->id(), made->etag());
      if (!sent.ok()) return Fail(std::string(sent.status().message()));
      if (i % 500 == 0) bar.Update(static_cast<uint64_t>(i));
    }
    bar.Update(static_cast<uint64_t>(claims));
  }
  const std::string bearer = absl::StrCat("Bearer ", node->TokenFor(finance));
  auto stub = xpb::ExpensesService::NewStub(channel);
  auto measure = [&](int64_t min_total_minor) {
    PhaseResult r;
    const auto begin = std::chrono::steady_clock::now();
    const auto end = begin + std::chrono::duration<double>(duration_s);
    while (std::chrono::steady_clock::now() < end) {
      xpb::ListClaimsRequest req;
      req.set_community_id(community);
      req.set_state(xpb::CLAIM_STATE_SUBMITTED);
      req.set_min_total_minor(min_total_minor);
      req.set_page_size(50);
      xpb::ListClaimsResponse resp;
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", bearer);
      const auto t0 = std::chrono::steady_clock::now();
      grpc::Status s = stub->ListClaims(&ctx, req, &resp);
      const double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      ++r.calls;
      if (!s.ok() || resp.claims_size() != 50) {
        ++r.failed_calls;
        if (r.first_error.empty()) {
          r.first_error = s.ok() ? absl::StrCat(resp.claims_size(), " claims on the first page")
                                 : s.error_message();
        }
      }
      r.latencies_ms.push_back(ms);
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    std::sort(r.latencies_ms.begin(), r.latencies_ms.end());
    return r;
  };
  const PhaseResult all = measure(0);
  const PhaseResult filtered = measure(8000);
  const bool ok = all.failed_calls == 0 && filtered.failed_calls == 0;
  if (!all.first_error.empty())
    std::fprintf(stderr, "finance-queue: %s\n", all.first_error.c_str());
  if (json) {
    std::printf(
        "{\"mode\":\"finance-queue\",\"claims\":%d,\"page_size\":50,\"queries\":%llu,"
        "\"queries_per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,"
        "\"filtered_p50_ms\":%.3f,\"filtered_p99_ms\":%.3f,\"failed\":%llu}\n",
        claims, static_cast<unsigned long long>(all.calls),
        static_cast<double>(all.calls) / all.seconds, all.Percentile(0.5), all.Percentile(0.99),
        all.Percentile(0.999), filtered.Percentile(0.5), filtered.Percentile(0.99),
        static_cast<unsigned long long>(all.failed_calls + filtered.failed_calls));
  } else {
    std::printf(
        "tb-loadgen  mode=finance-queue  claims=%d  (embedded server)\n\n"
        "first page (50 oldest submitted claims): p50 %.3f ms  p99 %.3f ms  p99.9 %.3f ms  "
        "(%llu queries)\nwith a filter most claims fail: p50 %.3f ms  p99 %.3f ms\n",
        claims, all.Percentile(0.5), all.Percentile(0.99), all.Percentile(0.999),
        static_cast<unsigned long long>(all.calls), filtered.Percentile(0.5),
        filtered.Percentile(0.99));
  }
  return ok ? 0 : 2;
}

int main(int argc, char** argv) {
  timebank::SetProgramUsage(
      "loadgen/main.cc",
      "measures ledger throughput and latency against the empty-RPC baseline.\n"
      "Usage: tb-loadgen [--mode=single|batch|hot|auth|exchange|import|finance-queue|ceiling] "
      "[--concurrency=64] "
      "[--duration_s=10]\n"
      "                  [--target=host:port [--keyring=PATH | --token=T]] [--json]\n"
      "auth: the same empty RPC without and then with an access token (the token check's cost)\n"
      "exchange: record + confirm an exchange; p50/p99 = confirmation to balance visible\n"
      "import: a generated CSV of --rows contribution rows imported end to end (as tbctl\n"
      "        contribution import does), all posted to the ledger; prints seconds taken\n"
      "finance-queue: --claims submitted expense claims, then the finance queue's first\n"
      "        page read for --duration_s: p50/p99 latency\n"
      "ceiling: single mode against a ledger that records nothing (same gRPC server setup,\n"
      "        authentication and access check, same messages): the ratio an engine that\n"
      "        cost nothing would reach on this machine");
  timebank::ParseCommandLine(argc, argv);
  const std::string mode = absl::GetFlag(FLAGS_mode);
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  const double duration_s = absl::GetFlag(FLAGS_duration_s);
  const double warmup_s = absl::GetFlag(FLAGS_warmup_s);
  const int num_accounts = absl::GetFlag(FLAGS_accounts);
  const int batch_size = mode == "batch" ? absl::GetFlag(FLAGS_batch_size) : 1;
  const int num_channels = absl::GetFlag(FLAGS_channels);
  if (mode != "single" && mode != "batch" && mode != "hot" && mode != "auth" &&
      mode != "exchange" && mode != "import" && mode != "finance-queue" && mode != "ceiling") {
    return Fail(
        "--mode: must be single, batch, hot, auth, exchange, import, finance-queue or ceiling");
  }
  if ((mode == "exchange" || mode == "import" || mode == "finance-queue" || mode == "ceiling") &&
      !absl::GetFlag(FLAGS_target).empty()) {
    return Fail(absl::StrCat("--mode=", mode,
                             " runs against a server of its own, in this process; drop --target"));
  }
  const int rows = absl::GetFlag(FLAGS_rows);
  if (rows < 1 || rows > static_cast<int>(timebank::cli::ImportLimits::kMaxRows)) {
    return Fail("--rows: 1..1000000");
  }
  const bool auth_mode = mode == "auth";
  if (concurrency < 1 || concurrency > kMaxConcurrency) {
    return Fail(absl::StrCat("--concurrency: 1..", kMaxConcurrency));
  }
  if (!(duration_s > 0 && duration_s <= 3600) || !(warmup_s >= 0 && warmup_s <= 600)) {
    return Fail("--duration_s: 0..3600 seconds; --warmup_s: 0..600 seconds");
  }
  if (num_accounts < 2 || num_accounts > kMaxAccounts) {
    return Fail(absl::StrCat("--accounts: 2..", kMaxAccounts));
  }
  if (batch_size < 1 || batch_size > kMaxPerCall) {
    return Fail(absl::StrCat("--batch_size: 1..", kMaxPerCall, " (the ledger's per-call limit)"));
  }
  if (num_channels < 1 || num_channels > 64) return Fail("--channels: 1..64");

  // Server: the given target, or an embedded one on a temporary directory.
  std::string target = absl::GetFlag(FLAGS_target);
  std::unique_ptr<timebank::Node> embedded;
  std::string temp_dir;
  std::unique_ptr<CeilingServer> ceiling;
  if (mode == "ceiling") {
    auto started = CeilingServer::Start();
    if (!started.ok()) return Fail(std::string(started.status().message()));
    ceiling = std::move(*started);
    target = ceiling->address();
  } else if (target.empty()) {
    auto dir = MakeTempDir("tb-loadgen");
    if (!dir.ok()) return Fail(std::string(dir.status().message()));
    temp_dir = *dir;
    timebank::NodeOptions options;
    options.listen = "127.0.0.1:0";
    options.data_dir = temp_dir;
    auto node = timebank::Node::Start(options);
    if (!node.ok()) return Fail(std::string(node.status().message()));
    embedded = std::move(*node);
    target = embedded->address();
  }
  // The ledger is for services: sign a service token (embedded server, or --keyring on
  // the server's machine), or use --token.
  std::string token = absl::GetFlag(FLAGS_token);
  if (ceiling) {
    token = ceiling->ServiceToken();
  } else if (embedded) {
    token = embedded->ServiceToken("tb-loadgen");
  } else if (token.empty() && !absl::GetFlag(FLAGS_keyring).empty()) {
    auto keyring = timebank::auth::Keyring::Open(absl::GetFlag(FLAGS_keyring));
    if (!keyring.ok()) return Fail(std::string(keyring.status().message()));
    token =
        timebank::auth::MintServiceToken(**keyring, "tb-loadgen", absl::ToUnixSeconds(absl::Now()));
  }
  if (token.empty()) {
    return Fail("--keyring or --token: the ledger needs a service credential (see --help)");
  }
  const std::string bearer = absl::StrCat("Bearer ", token);

  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<lpb::LedgerService::Stub>> ledgers;
  std::vector<std::unique_ptr<spb::SystemService::Stub>> systems;
  for (int i = 0; i < num_channels; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("grpc.channel_id", i);  // distinct connections
    args.SetMaxReceiveMessageSize(timebank::kMaxMessageBytes);
    args.SetMaxSendMessageSize(timebank::kMaxMessageBytes);
    channels.push_back(grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
    ledgers.push_back(lpb::LedgerService::NewStub(channels.back()));
    systems.push_back(spb::SystemService::NewStub(channels.back()));
  }
  if (!channels[0]->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(5))) {
    return Fail(absl::StrCat("cannot connect to ", target, "; is timebankd running there?"));
  }

  if (mode == "import" || mode == "finance-queue") {
    const int claims = absl::GetFlag(FLAGS_claims);
    if (claims < 50 || claims > 1'000'000) return Fail("--claims: 50..1000000");
    const int code = mode == "import" ? RunImport(embedded.get(), channels[0], rows,
                                                  absl::GetFlag(FLAGS_json), temp_dir)
                                      : RunFinanceQueue(embedded.get(), channels[0], claims,
                                                        duration_s, absl::GetFlag(FLAGS_json));
    channels.clear();
    embedded->Shutdown();
    embedded.reset();
    std::error_code ec;
    std::filesystem::remove_all(temp_dir, ec);
    return code;
  }

  // Accounts for this run, in a community of its own.
  std::mt19937_64 rng(std::random_device{}());
  const uint64_t community = (rng() >> 1) | 1;
  std::vector<std::string> account_ids;
  for (int i = 0; i < num_accounts; ++i) {
    account_ids.push_back(timebank::FormatLedgerId(community, absl::StrCat("lg.a", i)));
  }
  if (!auth_mode && mode != "exchange" && !ceiling) {
    timebank::cli::ProgressBar bar("creating accounts", num_accounts);
    for (int from = 0; from < num_accounts; from += kMaxPerCall) {
      lpb::CreateAccountsRequest req;
      for (int i = from; i < std::min(num_accounts, from + kMaxPerCall); ++i) {
        auto* a = req.add_accounts();
        a->set_id(account_ids[i]);
        a->set_community_id(community);
        a->set_unit("TIME");
        a->set_owner_kind(i == 0 ? lpb::OWNER_KIND_COMMUNITY_POOL : lpb::OWNER_KIND_MEMBER);
      }
      lpb::CreateAccountsResponse resp;
      grpc::ClientContext ctx;
      timebank::auth::AddBearer(&ctx, token);
      grpc::Status s = ledgers[0]->CreateAccounts(&ctx, req, &resp);
      if (!s.ok()) return Fail(absl::StrCat("creating accounts failed: ", s.error_message()));
      for (const auto& r : resp.results()) {
        if (r.code() != lpb::CREATE_ACCOUNT_CREATED) {
          return Fail(
              absl::StrCat("account ", r.id(), ": ", lpb::CreateAccountResultCode_Name(r.code())));
        }
      }
      bar.Update(std::min(num_accounts, from + kMaxPerCall));
    }
  }

  // Phase 1: the empty RPC.
  bool with_token = false;
  IssueFn ping = [&](int slot, uint64_t, CallDone done) {
    struct Call {
      grpc::ClientContext ctx;
      spb::PingRequest req;
      spb::PingResponse resp;
    };
    auto* call = new Call();
    if (with_token) call->ctx.AddMetadata("authorization", bearer);
    systems[slot % num_channels]->async()->Ping(&call->ctx, &call->req, &call->resp,
                                                [call, done](grpc::Status s) {
                                                  delete call;
                                                  done(s, 0, 0);
                                                });
  };
  // Auth mode compares two variants of one RPC, so it alternates them in short rounds:
  // a slow drift of this noisy machine then falls on both alike.
  constexpr int kAuthRounds = 5;
  PhaseResult empty;
  PhaseResult work;
  if (auth_mode) {
    for (int round = 0; round < kAuthRounds; ++round) {
      const double warm = round == 0 ? warmup_s : 0.2;
      with_token = false;
      Merge(&empty, RunPhase("empty RPC", concurrency, warm, duration_s / kAuthRounds, ping));
      with_token = true;
      Merge(&work,
            RunPhase("authenticated empty RPC", concurrency, warm, duration_s / kAuthRounds, ping));
    }
    work.transfers_ok = work.calls;  // reported as calls per second
  } else {
    empty = RunPhase("empty RPC", concurrency, warmup_s, duration_s, ping);
  }

  // Phase 2: transfers.
  std::vector<std::mt19937_64> rngs;
  for (int i = 0; i < concurrency; ++i) rngs.emplace_back(rng());
  const bool hot = mode == "hot";
  IssueFn transfer = [&](int slot, uint64_t n, CallDone done) {
    struct Call {
      grpc::ClientContext ctx;
      lpb::CreateTransfersRequest req;
      lpb::CreateTransfersResponse resp;
    };
    auto* call = new Call();
    call->ctx.AddMetadata("authorization", bearer);
    std::mt19937_64& r = rngs[slot];
    for (int i = 0; i < batch_size; ++i) {
      auto* t = call->req.add_transfers();
      t->set_id(timebank::FormatLedgerId(community, absl::StrCat("lg.", slot, ".", n, ".", i)));
      size_t a = hot ? 0 : r() % num_accounts;
      size_t b = 1 + r() % (num_accounts - 1);
      if (!hot && b == a) b = 0;
      if (hot && (r() & 1)) std::swap(a, b);
      t->set_debit_account_id(account_ids[a]);
      t->set_credit_account_id(account_ids[b]);
      t->set_amount(static_cast<int64_t>(1 + r() % 120));
      t->set_kind(lpb::TRANSFER_KIND_EXCHANGE);
    }
    ledgers[slot % num_channels]->async()->CreateTransfers(
        &call->ctx, &call->req, &call->resp, [call, done](grpc::Status s) {
          uint64_t ok = 0, rejected = 0;
          for (const auto& res : call->resp.results()) {
            (res.code() == lpb::CREATE_TRANSFER_CREATED ? ok : rejected)++;
          }
          delete call;
          done(s, ok, rejected);
        });
  };
  if (mode == "exchange") {
    // Exchanges are sequential per pair (record, confirm, read); pairs run in parallel.
    work =
        RunExchanges(embedded.get(), channels[0], std::min(concurrency, 16), warmup_s, duration_s);
    if (!work.first_error.empty()) std::fprintf(stderr, "exchange: %s\n", work.first_error.c_str());
  } else if (!auth_mode) {
    work = RunPhase(absl::StrCat(mode, " transfers"), concurrency, warmup_s, duration_s, transfer);
  }

  // Where the calls went, as printed: the embedded node, the null ledger, or --target.
  const std::string target_label = embedded  ? "embedded"
                                   : ceiling ? "null ledger (in process)"
                                             : target;
  const double empty_per_s = static_cast<double>(empty.calls) / empty.seconds;
  const double transfers_per_s = static_cast<double>(work.transfers_ok) / work.seconds;
  const double rpcs_per_s = static_cast<double>(work.calls) / work.seconds;
  const double ratio = empty_per_s > 0 ? transfers_per_s / empty_per_s : 0;

  if (absl::GetFlag(FLAGS_json)) {
    std::printf(
        "{\"mode\":\"%s\",\"target\":\"%s\",\"concurrency\":%d,\"duration_s\":%g,"
        "\"batch_size\":%d,\"accounts\":%d,\"transfers_per_s\":%.1f,\"rpcs_per_s\":%.1f,"
        "\"empty_rpc_per_s\":%.1f,\"ratio_to_empty\":%.4f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
        "\"p999_ms\":%.3f,\"empty_p50_ms\":%.3f,\"empty_p99_ms\":%.3f,\"failed_rpcs\":%llu,"
        "\"rejected_transfers\":%llu,\"cores_used\":%.2f,\"empty_cores_used\":%.2f,"
        "\"cpu_us_per_rpc\":%.1f,\"empty_cpu_us_per_rpc\":%.1f}\n",
        mode.c_str(), target_label.c_str(), concurrency, duration_s, batch_size, num_accounts,
        transfers_per_s, rpcs_per_s, empty_per_s, ratio, work.Percentile(0.5),
        work.Percentile(0.99), work.Percentile(0.999), empty.Percentile(0.5),
        empty.Percentile(0.99),
        static_cast<unsigned long long>(work.failed_calls + empty.failed_calls),
        static_cast<unsigned long long>(work.transfers_rejected), work.cpu_s / work.seconds,
        empty.cpu_s / empty.seconds, PerCallUs(work), PerCallUs(empty));
  } else {
    std::printf("tb-loadgen  mode=%s  concurrency=%d  duration=%gs  accounts=%d  batch=%d  %s\n\n",
                mode.c_str(), concurrency, duration_s, num_accounts, batch_size,
                target_label.c_str());
    std::printf("%-12s %14s %10s %10s %10s\n", "phase", "per second", "p50 ms", "p99 ms",
                "p99.9 ms");
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
        embedded || ceiling ? ", client and server" : ", client only", empty.cpu_s / empty.seconds,
        PerCallUs(empty), work.cpu_s / work.seconds, PerCallUs(work));
  }
  if (!work.first_error.empty() || !empty.first_error.empty()) {
    std::fprintf(stderr, "first error: %s\n",
                 (work.first_error.empty() ? empty.first_error : work.first_error).c_str());
  }

  channels.clear();
  if (embedded) {
    embedded->Shutdown();
    embedded.reset();
    std::error_code ec;
    std::filesystem::remove_all(temp_dir, ec);
  }
  return work.failed_calls + empty.failed_calls == 0 ? 0 : 2;
}
