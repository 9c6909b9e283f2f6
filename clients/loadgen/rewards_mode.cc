// tb-loadgen --mode=rewards: a community of --members members (seeded through the
// directory core) and --transfers exchanges between random members spread over the
// last 104 weeks, posted through the ledger in batches; then what the rewards service
// costs: how fast its projection catches up with the journal, the lag from a
// transfer's acknowledgement to the projection counting it, dashboard and member
// summary latency through gRPC, a rebuild from the journal, and the process's RSS.
// Embedded only.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "clients/common/progress.h"
#include "clients/loadgen/modes.h"
#include "services/common/ids.h"
#include "services/common/timestamps.h"
#include "timebank/rewards/v1/rewards.grpc.pb.h"

namespace timebank::loadgen {
namespace {

namespace dpb = ::timebank::directory::v1;
namespace rpb = ::timebank::rewards::v1;

constexpr absl::Duration kSpread = absl::Hours(24 * 7 * 104);
// Longest wait for the projection to reach a seq (catch-up, rebuild, one lag sample).
constexpr absl::Duration kCatchUpWait = absl::Minutes(30);
constexpr auto kLagPoll = std::chrono::microseconds(200);
constexpr double kLagGiveUpS = 10;

struct RewardsCommunity {
  uint64_t id = 0;
  std::vector<dpb::Principal> members;
  std::vector<std::string> accounts;
  dpb::Principal admin;
};

double SecondsSince(absl::Time t0) { return absl::ToDoubleSeconds(absl::Now() - t0); }

// The community (credit limit at the maximum, so random exchanges are not refused),
// its members with their ledger accounts, and an admin who may read any summary.
absl::StatusOr<RewardsCommunity> SeedMembers(directory::Directory* dir, int members) {
  directory::Actor system;
  dpb::Community c;
  c.set_name("tb-loadgen rewards");
  c.set_member_credit_limit_minutes(directory::DirectoryLimits::kMaxMemberCreditLimitMinutes);
  absl::StatusOr<dpb::Community> made = dir->CreateCommunity(system, c, "");
  if (!made.ok()) return made.status();
  RewardsCommunity out;
  out.id = made->id();
  cli::ProgressBar bar("creating members", static_cast<uint64_t>(members) + 1);
  for (int i = 0; i <= members; ++i) {
    dpb::Member m;
    m.set_community_id(out.id);
    m.set_display_name(i == members ? std::string("Rewards admin") : absl::StrCat("Member ", i));
    absl::StatusOr<dpb::Member> member = dir->CreateMember(system, m, "", "");
    if (!member.ok()) return member.status();
    if (i == members) {
      member = dir->GrantRole(system, out.id, member->id(), dpb::ROLE_ADMIN, 0, "loadgen");
      if (!member.ok()) return member.status();
      out.admin = directory::Directory::PrincipalOf(*member);
      break;
    }
    out.members.push_back(directory::Directory::PrincipalOf(*member));
    out.accounts.push_back(member->account_id());
    if (i % 200 == 0) bar.Update(static_cast<uint64_t>(i));
  }
  bar.Update(static_cast<uint64_t>(members) + 1);
  if (size_t waiting = dir->DrainOutbox(); waiting != 0) {
    return absl::InternalError(absl::StrCat(waiting, " member accounts not opened in the ledger"));
  }
  return out;
}

// Exchanges between two random members of the community, with their own ids.
class ExchangeMaker {
 public:
  explicit ExchangeMaker(const RewardsCommunity& c) : c_(c), rng_(std::random_device{}()) {}

  // occurred_at `ago` before now (absl::ZeroDuration(): left unset, i.e. now).
  void Add(lpb::CreateTransfersRequest* req, absl::Duration ago) {
    lpb::Transfer* t = req->add_transfers();
    t->set_id(FormatLedgerId(c_.id, absl::StrCat("lg.r.", next_++)));
    const size_t n = c_.accounts.size();
    const size_t a = rng_() % n;
    const size_t b = (a + 1 + rng_() % (n - 1)) % n;
    t->set_debit_account_id(c_.accounts[a]);
    t->set_credit_account_id(c_.accounts[b]);
    t->set_amount(static_cast<int64_t>(15 + rng_() % 166));
    t->set_kind(lpb::TRANSFER_KIND_EXCHANGE);
    t->set_coproduction_type(static_cast<lpb::CoproductionType>(rng_() % 5));
    if (ago > absl::ZeroDuration()) {
      ToTimestamp(absl::ToUnixNanos(absl::Now() - ago), t->mutable_occurred_at());
    }
  }
  // A random time in the last 104 weeks (at least a minute ago: never in the future).
  absl::Duration RandomAgo() {
    return absl::Minutes(1) + absl::Seconds(static_cast<int64_t>(
                                  rng_() % static_cast<uint64_t>(absl::ToInt64Seconds(kSpread))));
  }
  std::mt19937_64& rng() { return rng_; }

 private:
  const RewardsCommunity& c_;
  std::mt19937_64 rng_;
  uint64_t next_ = 0;
};

// One CreateTransfers call; counts calls that failed and transfers not created.
// Returns the seq of the last transfer created (0 if none).
uint64_t Post(lpb::LedgerService::Stub* ledger, const std::string& bearer,
              const lpb::CreateTransfersRequest& req, PhaseResult* r) {
  lpb::CreateTransfersResponse resp;
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", bearer);
  grpc::Status s = ledger->CreateTransfers(&ctx, req, &resp);
  ++r->calls;
  if (!s.ok()) {
    ++r->failed_calls;
    if (r->first_error.empty()) r->first_error = s.error_message();
    return 0;
  }
  uint64_t seq = 0;
  for (const auto& res : resp.results()) {
    if (res.code() == lpb::CREATE_TRANSFER_CREATED) {
      ++r->transfers_ok;
      seq = res.seq();
    } else {
      ++r->transfers_rejected;
      if (r->first_error.empty()) r->first_error = lpb::CreateTransferResultCode_Name(res.code());
    }
  }
  return seq;
}

PhaseResult SeedExchanges(lpb::LedgerService::Stub* ledger, const std::string& bearer,
                          ExchangeMaker& maker, int64_t transfers) {
  PhaseResult r;
  cli::ProgressBar bar("posting exchanges", static_cast<uint64_t>(transfers));
  for (int64_t from = 0; from < transfers; from += kMaxPerCall) {
    lpb::CreateTransfersRequest req;
    const int64_t n = std::min<int64_t>(kMaxPerCall, transfers - from);
    for (int64_t i = 0; i < n; ++i) maker.Add(&req, maker.RandomAgo());
    Post(ledger, bearer, req, &r);
    bar.Update(static_cast<uint64_t>(from + n));
  }
  bar.Finish();
  return r;
}

// Acknowledged transfers (seq, when acknowledged) the projection has yet to count.
class LagWatch {
 public:
  explicit LagWatch(const rewards::RewardsProjection* projection)
      : projection_(projection), thread_([this] { Loop(); }) {}
  ~LagWatch() { Finish(); }

  void Acked(uint64_t seq) {
    absl::MutexLock l(&mu_);
    waiting_.push_back({seq, Clock::now()});
  }
  // Waits for the transfers still waiting (up to kLagGiveUpS; those left count as
  // failed) and returns the lags, sorted.
  PhaseResult Finish() {
    {
      absl::MutexLock l(&mu_);
      if (done_) return result_;
      done_ = true;
    }
    thread_.join();
    std::sort(result_.latencies_ms.begin(), result_.latencies_ms.end());
    return result_;
  }

 private:
  struct Pending {
    uint64_t seq;
    Clock::time_point acked_at;
  };
  void Loop() {
    std::optional<Clock::time_point> give_up;
    while (!Sweep(&give_up)) std::this_thread::sleep_for(kLagPoll);
  }
  // Records the lag of each transfer the projection now counts; true once finished.
  bool Sweep(std::optional<Clock::time_point>* give_up) {
    const uint64_t seq = projection_->journal_seq();
    const Clock::time_point now = Clock::now();
    absl::MutexLock l(&mu_);
    while (!waiting_.empty() && waiting_.front().seq <= seq) {
      result_.latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(now - waiting_.front().acked_at).count());
      waiting_.pop_front();
    }
    if (!done_) return false;
    if (!give_up->has_value()) {
      *give_up = now + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(kLagGiveUpS));
    }
    if (!waiting_.empty() && now <= **give_up) return false;
    result_.failed_calls += waiting_.size();
    return true;
  }

  const rewards::RewardsProjection* const projection_;
  absl::Mutex mu_;
  std::deque<Pending> waiting_ ABSL_GUARDED_BY(mu_);
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  // Written by the thread; read once it is joined.
  PhaseResult result_;
  std::thread thread_;
};

// Single transfers as fast as the ledger answers; the lag of each acknowledged one.
PhaseResult MeasureLag(lpb::LedgerService::Stub* ledger, const std::string& bearer,
                       ExchangeMaker& maker, const rewards::RewardsProjection* projection,
                       double seconds) {
  PhaseResult posted;
  LagWatch watch(projection);
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    lpb::CreateTransfersRequest req;
    maker.Add(&req, absl::ZeroDuration());
    if (uint64_t seq = Post(ledger, bearer, req, &posted); seq != 0) watch.Acked(seq);
  }
  PhaseResult lag = watch.Finish();
  lag.calls = posted.calls;
  lag.failed_calls += posted.failed_calls + posted.transfers_rejected;
  lag.first_error = posted.first_error;
  return lag;
}

// Calls `call` (true when it answered as expected) as fast as it answers.
template <class Call>
PhaseResult MeasureCalls(double seconds, const std::string& what, Call call) {
  PhaseResult r;
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    const auto t0 = Clock::now();
    const bool ok = call();
    r.latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    ++r.calls;
    if (!ok) {
      ++r.failed_calls;
      if (r.first_error.empty()) r.first_error = what;
    }
  }
  std::sort(r.latencies_ms.begin(), r.latencies_ms.end());
  return r;
}

PhaseResult MeasureDashboard(rpb::RewardsService::Stub* stub, const RewardsCommunity& c,
                             const std::string& bearer, double seconds) {
  return MeasureCalls(seconds, "GetDashboard failed or had under 26 weeks", [&] {
    rpb::GetDashboardRequest req;
    req.set_community_id(c.id);
    req.set_granularity(rpb::GRANULARITY_WEEK);  // from defaults to 26 weeks back
    rpb::Dashboard resp;
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", bearer);
    return stub->GetDashboard(&ctx, req, &resp).ok() && resp.periods_size() >= 26;
  });
}

PhaseResult MeasureSummaries(rpb::RewardsService::Stub* stub, const RewardsCommunity& c,
                             const std::string& bearer, std::mt19937_64& rng, double seconds) {
  return MeasureCalls(seconds, "GetMemberSummary failed", [&] {
    rpb::GetMemberSummaryRequest req;
    req.set_community_id(c.id);
    req.set_member_id(c.members[rng() % c.members.size()].subject_id());
    rpb::MemberSummary resp;
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", bearer);
    return stub->GetMemberSummary(&ctx, req, &resp).ok();
  });
}

// VmRSS of this process in MiB (0 if /proc is not there).
double RssMib() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      double kib = 0;
      status >> kib;
      return kib / 1024;
    }
    status.ignore(1 << 12, '\n');
  }
  return 0;
}

struct RewardsFigures {
  int members = 0;
  int64_t transfers = 0;
  double seed_s = 0;
  double catchup_entries_per_s = 0;
  double catchup_wait_s = 0;
  PhaseResult lag, dashboard, summary;
  double rebuild_entries_per_s = 0;
  // The rebuild's ceiling: the journal read through WatchJournal and thrown away.
  double journal_read_entries_per_s = 0;
  double rebuild_records_per_entry = 0;  // records the rebuild's steps wrote, per entry
  bool rebuild_finished = false;         // false: the rate is how far it got in the wait
  uint64_t entries = 0;
  double rss_mib = 0;
  uint64_t failed = 0;
};

void PrintRewards(const RewardsFigures& f, bool json) {
  if (json) {
    std::printf(
        "{\"mode\":\"rewards\",\"members\":%d,\"transfers\":%lld,\"journal_entries\":%llu,"
        "\"seed_s\":%.2f,\"catchup_entries_per_s\":%.0f,\"catchup_wait_s\":%.3f,"
        "\"lag_samples\":%zu,\"lag_p50_ms\":%.3f,\"lag_p99_ms\":%.3f,"
        "\"dashboard_p50_ms\":%.3f,\"dashboard_p99_ms\":%.3f,\"summary_p50_ms\":%.3f,"
        "\"summary_p99_ms\":%.3f,\"rebuild_entries_per_s\":%.0f,"
        "\"rebuild_finished\":%s,\"journal_read_entries_per_s\":%.0f,"
        "\"rebuild_records_per_entry\":%.2f,"
        "\"rss_mib\":%.1f,\"failed\":%llu}\n",
        f.members, static_cast<long long>(f.transfers), static_cast<unsigned long long>(f.entries),
        f.seed_s, f.catchup_entries_per_s, f.catchup_wait_s, f.lag.latencies_ms.size(),
        f.lag.Percentile(0.5), f.lag.Percentile(0.99), f.dashboard.Percentile(0.5),
        f.dashboard.Percentile(0.99), f.summary.Percentile(0.5), f.summary.Percentile(0.99),
        f.rebuild_entries_per_s, f.rebuild_finished ? "true" : "false",
        f.journal_read_entries_per_s, f.rebuild_records_per_entry, f.rss_mib,
        static_cast<unsigned long long>(f.failed));
    return;
  }
  std::printf(
      "tb-loadgen  mode=rewards  members=%d  transfers=%lld  journal entries=%llu  (embedded)\n\n"
      "seeding + catch-up  %.0f entries/s  (posted in %.1f s, then waited %.3f s)\n"
      "projection lag      p50 %.3f ms  p99 %.3f ms  (%zu transfers)\n"
      "dashboard (26 wk)   p50 %.3f ms  p99 %.3f ms  (%llu calls)\n"
      "member summary      p50 %.3f ms  p99 %.3f ms  (%llu calls)\n"
      "rebuild             %.0f entries/s  (%.2f records written per entry)%s\n"
      "journal read alone  %.0f entries/s  (the rebuild's ceiling)\n"
      "RSS %.1f MiB   failed %llu\n",
      f.members, static_cast<long long>(f.transfers), static_cast<unsigned long long>(f.entries),
      f.catchup_entries_per_s, f.seed_s, f.catchup_wait_s, f.lag.Percentile(0.5),
      f.lag.Percentile(0.99), f.lag.latencies_ms.size(), f.dashboard.Percentile(0.5),
      f.dashboard.Percentile(0.99), static_cast<unsigned long long>(f.dashboard.calls),
      f.summary.Percentile(0.5), f.summary.Percentile(0.99),
      static_cast<unsigned long long>(f.summary.calls), f.rebuild_entries_per_s,
      f.rebuild_records_per_entry, f.rebuild_finished ? "" : "  (not finished in the wait)",
      f.journal_read_entries_per_s, f.rss_mib, static_cast<unsigned long long>(f.failed));
}

void ReportError(const PhaseResult& r) {
  if (!r.first_error.empty()) std::fprintf(stderr, "rewards: %s\n", r.first_error.c_str());
}

// Seeding, then how long the projection took to reach the journal's head, counted
// from the first exchange posted: its catch-up rate while the ledger is written.
absl::Status SeedAndCatchUp(Node* node, lpb::LedgerService::Stub* ledger, const std::string& bearer,
                            ExchangeMaker& maker, RewardsFigures* f) {
  const uint64_t seq_before = node->ledger()->head_seq();
  const absl::Time began = absl::Now();
  PhaseResult seeded = SeedExchanges(ledger, bearer, maker, f->transfers);
  f->seed_s = SecondsSince(began);
  f->failed += seeded.failed_calls + seeded.transfers_rejected;
  ReportError(seeded);
  const uint64_t head = node->ledger()->head_seq();
  const absl::Time waited = absl::Now();
  if (!node->rewards_follower()->AwaitSeq(head, kCatchUpWait)) {
    return absl::DeadlineExceededError("the rewards projection did not catch up with the ledger");
  }
  f->catchup_wait_s = SecondsSince(waited);
  f->catchup_entries_per_s = static_cast<double>(head - seq_before) / SecondsSince(began);
  return absl::OkStatus();
}

absl::Status Rebuild(Node* node, RewardsFigures* f) {
  f->entries = node->ledger()->head_seq();
  const uint64_t written_before = node->rewards_projection()->records_written();
  const absl::Time began = absl::Now();
  absl::Status s = node->rewards_follower()->Rebuild(kCatchUpWait);
  // A rebuild that outlasts the wait still has a rate: how far it got.
  if (!s.ok() && !absl::IsDeadlineExceeded(s)) return s;
  f->rebuild_finished = s.ok();
  const uint64_t reached = s.ok() ? f->entries : node->rewards_projection()->journal_seq();
  f->rebuild_entries_per_s = static_cast<double>(reached) / SecondsSince(began);
  f->rebuild_records_per_entry =
      static_cast<double>(node->rewards_projection()->records_written() - written_before) /
      static_cast<double>(std::max<uint64_t>(f->entries, 1));
  return absl::OkStatus();
}

// Reads the whole journal through WatchJournal, as the rebuild does, and throws it
// away: how fast the ledger can hand the journal over, which bounds any rebuild.
absl::StatusOr<double> JournalReadRate(Node* node, lpb::LedgerService::Stub* ledger,
                                       const std::string& bearer) {
  const uint64_t head = node->ledger()->head_seq();
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", bearer);
  lpb::WatchJournalRequest req;
  req.set_from_seq(1);
  const absl::Time began = absl::Now();
  std::unique_ptr<grpc::ClientReader<lpb::JournalEntry>> reader = ledger->WatchJournal(&ctx, req);
  lpb::JournalEntry e;
  uint64_t read = 0;
  while (read < head && reader->Read(&e)) ++read;
  const double rate = static_cast<double>(read) / SecondsSince(began);
  ctx.TryCancel();
  reader->Finish();
  if (read < head) return absl::UnavailableError("the journal stream ended before its head");
  return rate;
}

}  // namespace

int RunRewards(Session& session) {
  const Settings& settings = session.settings();
  Node* node = session.node();
  if (node->rewards_projection() == nullptr || node->ledger() == nullptr) {
    return Fail("the embedded node hosts no rewards service");
  }
  absl::StatusOr<RewardsCommunity> community = SeedMembers(node->directory(), settings.members);
  if (!community.ok()) return Fail(std::string(community.status().message()));
  RewardsFigures f;
  f.members = settings.members;
  f.transfers = settings.transfers;
  const std::string service = absl::StrCat("Bearer ", node->ServiceToken("tb-loadgen"));
  auto ledger = lpb::LedgerService::NewStub(session.channel());
  ExchangeMaker maker(*community);
  if (absl::Status s = SeedAndCatchUp(node, ledger.get(), service, maker, &f); !s.ok()) {
    return Fail(std::string(s.message()));
  }
  const double third_s = settings.duration_s / 3;
  f.lag = MeasureLag(ledger.get(), service, maker, node->rewards_projection(), third_s);
  auto rewards = rpb::RewardsService::NewStub(session.channel());
  f.dashboard =
      MeasureDashboard(rewards.get(), *community,
                       absl::StrCat("Bearer ", node->TokenFor(community->members[0])), third_s);
  f.summary = MeasureSummaries(rewards.get(), *community,
                               absl::StrCat("Bearer ", node->TokenFor(community->admin)),
                               maker.rng(), third_s);
  absl::StatusOr<double> read_rate = JournalReadRate(node, ledger.get(), service);
  if (!read_rate.ok()) return Fail(std::string(read_rate.status().message()));
  f.journal_read_entries_per_s = *read_rate;
  if (absl::Status s = Rebuild(node, &f); !s.ok()) return Fail(std::string(s.message()));
  f.rss_mib = RssMib();
  f.failed += f.lag.failed_calls + f.dashboard.failed_calls + f.summary.failed_calls;
  for (const PhaseResult* r : {&f.lag, &f.dashboard, &f.summary}) ReportError(*r);
  PrintRewards(f, settings.json);
  return f.failed == 0 ? 0 : 2;
}

}  // namespace timebank::loadgen
