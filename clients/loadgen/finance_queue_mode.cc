// tb-loadgen --mode=finance-queue: a community with --claims submitted expense
// claims (seeded through the expenses core, as members would create and submit
// them), then the finance queue's first page (50 oldest claims), read through gRPC
// by a finance officer as fast as it answers for --duration_s: latency percentiles;
// the same with a filter (claims of at least 80.00) that most claims fail, so the
// index scan must skip. Embedded only.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "clients/common/progress.h"
#include "clients/loadgen/modes.h"
#include "timebank/expenses/v1/expenses.grpc.pb.h"

namespace timebank::loadgen {
namespace {

namespace xpb = ::timebank::expenses::v1;
namespace dpb = ::timebank::directory::v1;

constexpr int kClaimants = 1000;
constexpr int kPageSize = 50;
// The filter's floor, in minor units: one claim in ten is at least this.
constexpr int64_t kFilterMinor = 8000;

struct QueueCommunity {
  uint64_t id = 0;
  std::vector<dpb::Principal> members;
  dpb::Principal finance;
};

// The community, its claimants, a finance officer, and a policy that allows the claims.
absl::StatusOr<QueueCommunity> SeedQueueCommunity(Node* node) {
  directory::Directory* dir = node->directory();
  directory::Actor system;
  QueueCommunity out;
  dpb::Community c;
  c.set_name("tb-loadgen finance queue");
  out.id = dir->CreateCommunity(system, c, "").value().id();
  for (int i = 0; i < kClaimants; ++i) {
    dpb::Member m;
    m.set_community_id(out.id);
    m.set_display_name(absl::StrCat("Claimant ", i));
    out.members.push_back(
        directory::Directory::PrincipalOf(dir->CreateMember(system, m, "", "").value()));
  }
  dpb::Member officer;
  officer.set_community_id(out.id);
  officer.set_display_name("Finance officer");
  officer = dir->CreateMember(system, officer, "", "").value();
  officer = dir->GrantRole(system, out.id, officer.id(), dpb::ROLE_FINANCE, 0, "loadgen").value();
  out.finance = directory::Directory::PrincipalOf(officer);
  xpb::Policy policy;
  policy.set_community_id(out.id);
  policy.set_max_claim_minor(10'000'000);
  policy.set_max_month_minor(10'000'000);
  policy.set_claim_window_days(90);
  if (!node->expenses()->SetPolicy(out.finance, policy).ok()) {
    return absl::InternalError("setting the expense policy failed");
  }
  return out;
}

absl::Status SubmitClaims(expenses::ExpenseBook* book, const QueueCommunity& community,
                          int claims) {
  cli::ProgressBar bar("submitting claims", static_cast<uint64_t>(claims));
  const std::string day =
      absl::FormatTime("%Y-%m-%d", absl::Now() - absl::Hours(48), absl::UTCTimeZone());
  for (int i = 0; i < claims; ++i) {
    xpb::Claim claim;
    claim.set_community_id(community.id);
    claim.set_title(absl::StrCat("Bus fares ", i));
    xpb::ClaimLine* line = claim.add_lines();
    line->set_category(xpb::CATEGORY_TRAVEL);
    line->set_date(day);
    // One claim in ten is 80.00 or more.
    line->set_amount_minor(i % 10 == 0 ? kFilterMinor + i % 1000 : 100 + i % 5000);
    line->set_description("bus to the workshop and back");
    const dpb::Principal& who = community.members[static_cast<size_t>(i % kClaimants)];
    auto made = book->CreateClaim(who, claim, "");
    if (!made.ok()) return made.status();
    auto sent = book->SubmitClaim(who, community.id, made->id(), made->etag());
    if (!sent.ok()) return sent.status();
    if (i % 500 == 0) bar.Update(static_cast<uint64_t>(i));
  }
  bar.Update(static_cast<uint64_t>(claims));
  return absl::OkStatus();
}

// The first page of the queue, read as fast as it answers for `duration_s`.
PhaseResult MeasureQueue(xpb::ExpensesService::Stub* stub, uint64_t community,
                         const std::string& bearer, int64_t min_total_minor, double duration_s) {
  PhaseResult r;
  const auto begin = std::chrono::steady_clock::now();
  const auto end = begin + std::chrono::duration<double>(duration_s);
  while (std::chrono::steady_clock::now() < end) {
    xpb::ListClaimsRequest req;
    req.set_community_id(community);
    req.set_state(xpb::CLAIM_STATE_SUBMITTED);
    req.set_min_total_minor(min_total_minor);
    req.set_page_size(kPageSize);
    xpb::ListClaimsResponse resp;
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", bearer);
    const auto t0 = std::chrono::steady_clock::now();
    grpc::Status s = stub->ListClaims(&ctx, req, &resp);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    ++r.calls;
    if (!s.ok() || resp.claims_size() != kPageSize) {
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
}

void PrintQueue(const PhaseResult& all, const PhaseResult& filtered, int claims, bool json) {
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
}

}  // namespace

int RunFinanceQueue(Session& session) {
  const Settings& settings = session.settings();
  if (absl::Status s = CheckClaims(settings); !s.ok()) return Fail(std::string(s.message()));
  absl::StatusOr<QueueCommunity> community = SeedQueueCommunity(session.node());
  if (!community.ok()) return Fail(std::string(community.status().message()));
  absl::Status submitted = SubmitClaims(session.node()->expenses(), *community, settings.claims);
  if (!submitted.ok()) return Fail(std::string(submitted.message()));
  const std::string bearer = absl::StrCat("Bearer ", session.node()->TokenFor(community->finance));
  auto stub = xpb::ExpensesService::NewStub(session.channel());
  const PhaseResult all = MeasureQueue(stub.get(), community->id, bearer, 0, settings.duration_s);
  const PhaseResult filtered =
      MeasureQueue(stub.get(), community->id, bearer, kFilterMinor, settings.duration_s);
  if (!all.first_error.empty()) {
    std::fprintf(stderr, "finance-queue: %s\n", all.first_error.c_str());
  }
  PrintQueue(all, filtered, settings.claims, settings.json);
  return all.failed_calls == 0 && filtered.failed_calls == 0 ? 0 : 2;
}

}  // namespace timebank::loadgen
