// tb-loadgen --mode=exchange: pairs of members record an exchange, the receiver
// confirms it, and the time from the confirmation call to the provider's new
// balance being readable from the ledger is measured (the dispatcher posts it in
// between). Embedded only: it makes its own community and signs its members' tokens
// with the node's keyring. Exchanges are sequential per pair; pairs run in parallel.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "clients/loadgen/modes.h"
#include "services/common/ids.h"
#include "timebank/activity/v1/activity.grpc.pb.h"

namespace timebank::loadgen {
namespace {

namespace apb = ::timebank::activity::v1;
namespace dpb = ::timebank::directory::v1;

// Most pairs exchanging at once.
constexpr int kMaxPairs = 16;
// Polls of the provider's balance before an exchange counts as never visible.
constexpr int kMaxPolls = 10'000;

struct Member {
  uint64_t id;
  std::string bearer;
};

struct Pair {
  Member provider;
  Member receiver;
};

// A community of its own with `count` pairs of members.
std::vector<Pair> MakePairs(Node* node, int count, uint64_t* community) {
  directory::Directory* dir = node->directory();
  directory::Actor system;
  dpb::Community c;
  c.set_name("tb-loadgen exchanges");
  c.set_member_credit_limit_minutes(60'000);
  *community = dir->CreateCommunity(system, c, "").value().id();
  auto make = [&](int i) {
    dpb::Member m;
    m.set_community_id(*community);
    m.set_display_name(absl::StrCat("loadgen member ", i));
    const dpb::Member made = dir->CreateMember(system, m, "", "").value();
    return Member{made.id(),
                  absl::StrCat("Bearer ", node->TokenFor(directory::Directory::PrincipalOf(made)))};
  };
  std::vector<Pair> pairs;
  for (int i = 0; i < count; ++i) pairs.push_back({make(2 * i), make(2 * i + 1)});
  return pairs;
}

// One pair's exchanges: record, confirm, then poll until the provider's balance shows it.
class PairWorker {
 public:
  PairWorker(const std::shared_ptr<grpc::Channel>& channel, uint64_t community, Pair pair,
             std::string service_bearer)
      : activity_(apb::ActivityService::NewStub(channel)),
        ledger_(lpb::LedgerService::NewStub(channel)),
        community_(community),
        pair_(std::move(pair)),
        service_bearer_(std::move(service_bearer)),
        account_(MemberAccountId(community, pair_.provider.id)) {}

  // One exchange; `ms`: from the confirmation to the balance being visible.
  grpc::Status ExchangeOnce(bool* visible, double* ms) {
    grpc::Status s = Record();
    const auto start = std::chrono::steady_clock::now();
    if (s.ok()) s = Confirm();
    *visible = false;
    if (s.ok()) {
      ++expected_;
      *visible = AwaitBalance();
    }
    *ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return s;
  }

 private:
  grpc::Status Record() {
    grpc::ClientContext rc;
    rc.AddMetadata("authorization", pair_.provider.bearer);
    apb::RecordExchangeRequest rec;
    rec.set_community_id(community_);
    rec.set_provider_member_id(pair_.provider.id);
    rec.set_receiver_member_id(pair_.receiver.id);
    rec.set_minutes(1);
    rec.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(absl::Now()) - 60);
    rec.set_description("loadgen exchange");
    return activity_->RecordExchange(&rc, rec, &recorded_);
  }

  grpc::Status Confirm() {
    grpc::ClientContext cc;
    cc.AddMetadata("authorization", pair_.receiver.bearer);
    apb::RespondToExchangeRequest confirm;
    confirm.set_community_id(community_);
    confirm.set_activity_id(recorded_.id());
    confirm.set_response(apb::RespondToExchangeRequest::RESPONSE_CONFIRM);
    apb::Activity confirmed;
    return activity_->RespondToExchange(&cc, confirm, &confirmed);
  }

  bool AwaitBalance() {
    for (int polls = 0; polls < kMaxPolls; ++polls) {
      grpc::ClientContext gc;
      gc.AddMetadata("authorization", service_bearer_);
      lpb::GetAccountsRequest get;
      get.add_ids(account_);
      lpb::GetAccountsResponse got;
      if (ledger_->GetAccounts(&gc, get, &got).ok() && got.accounts_size() == 1 &&
          got.accounts(0).balance() >= expected_) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    return false;
  }

  std::unique_ptr<apb::ActivityService::Stub> activity_;
  std::unique_ptr<lpb::LedgerService::Stub> ledger_;
  const uint64_t community_;
  const Pair pair_;
  const std::string service_bearer_;
  const std::string account_;
  apb::Activity recorded_;
  int64_t expected_ = 0;
};

PhaseResult RunExchanges(Node* node, const std::shared_ptr<grpc::Channel>& channel, int threads,
                         double warmup_s, double duration_s) {
  uint64_t community = 0;
  const std::vector<Pair> pairs = MakePairs(node, threads, &community);
  const std::string service = absl::StrCat("Bearer ", node->ServiceToken("tb-loadgen"));
  std::atomic<bool> measuring{false}, stop{false};
  absl::Mutex mu;
  PhaseResult result;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      PairWorker worker(channel, community, pairs[t], service);
      while (!stop.load()) {
        bool visible = false;
        double ms = 0;
        const grpc::Status s = worker.ExchangeOnce(&visible, &ms);
        if (!measuring.load()) continue;
        absl::MutexLock lock(&mu);
        ++result.calls;
        if (!s.ok() || !visible) {
          ++result.failed_calls;
          if (result.first_error.empty()) {
            result.first_error = s.ok() ? "never visible" : s.error_message();
          }
        } else {
          ++result.transfers_ok;
          result.latencies_ms.push_back(ms);
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

}  // namespace

int RunExchange(Session& session) {
  const Settings& settings = session.settings();
  const PhaseResult empty =
      session.Pings("empty RPC", false, settings.warmup_s, settings.duration_s);
  const PhaseResult work =
      RunExchanges(session.node(), session.channel(), std::min(settings.concurrency, kMaxPairs),
                   settings.warmup_s, settings.duration_s);
  if (!work.first_error.empty()) std::fprintf(stderr, "exchange: %s\n", work.first_error.c_str());
  return session.Report(empty, work);
}

}  // namespace timebank::loadgen
