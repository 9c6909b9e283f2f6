// tb-loadgen --mode=import: a community with 1,000 members and 10 organisations, a
// generated CSV of --rows contribution rows on disk, then end to end what `tbctl
// contribution import` does (read, parse, send in batches, wait until posted),
// timed; then the ledger is checked: every organisation's balance is minus what the
// file gave it. Embedded only.
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "clients/common/contribution_import.h"
#include "clients/common/progress.h"
#include "clients/loadgen/modes.h"
#include "services/common/ids.h"
#include "timebank/activity/v1/activity.grpc.pb.h"

namespace timebank::loadgen {
namespace {

namespace apb = ::timebank::activity::v1;
namespace dpb = ::timebank::directory::v1;

constexpr int kMembers = 1000, kOrganisations = 10;

// The community an import fills, and the bearer of an admin of it.
struct ImportCommunity {
  uint64_t id = 0;
  cli::OrganisationNames orgs;
  std::string admin_bearer;
};

ImportCommunity SeedImportCommunity(Node* node) {
  directory::Directory* dir = node->directory();
  directory::Actor system;
  ImportCommunity out;
  dpb::Community c;
  c.set_name("tb-loadgen import");
  c.set_organisation_credit_limit_minutes(int64_t{1'000'000} * 60);
  out.id = dir->CreateCommunity(system, c, "").value().id();
  for (int i = 0; i < kOrganisations; ++i) {
    dpb::Organisation o;
    o.set_community_id(out.id);
    o.set_name(absl::StrCat("Organisation ", i));
    o.set_kind(dpb::ORGANISATION_KIND_CHARITY);
    const dpb::Organisation made = dir->CreateOrganisation(system, o, "").value();
    out.orgs.names[made.id()] = made.name();
    out.orgs.by_lower_name[absl::AsciiStrToLower(made.name())] = made.id();
  }
  {
    cli::ProgressBar bar("creating members", kMembers);
    for (int i = 0; i < kMembers; ++i) {
      dpb::Member m;
      m.set_community_id(out.id);
      m.set_display_name(absl::StrCat("Volunteer ", i));
      m.set_member_number(absl::StrFormat("L%05d", i));
      (void)dir->CreateMember(system, m, "", "").value();
      bar.Update(i + 1);
    }
  }
  dpb::Member admin;
  admin.set_community_id(out.id);
  admin.set_display_name("Import admin");
  admin = dir->CreateMember(system, admin, "", "").value();
  admin = dir->GrantRole(system, out.id, admin.id(), dpb::ROLE_ADMIN, 0, "loadgen").value();
  while (dir->DrainOutbox() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  out.admin_bearer =
      absl::StrCat("Bearer ", node->TokenFor(directory::Directory::PrincipalOf(admin)));
  return out;
}

// The file: each member gives 1, 1.5 or 2 hours on distinct recent days. Returns
// the minutes each organisation is given, or false when it cannot be written.
bool WriteCsv(const std::string& path, int rows, std::vector<int64_t>* expected_minutes) {
  expected_minutes->assign(kOrganisations, 0);
  std::string text = "member_number,date,hours,organisation,coproduction_type,description\n";
  const char* types[] = {"co-design", "co-delivery", "co-assessment", "co-commission"};
  const absl::Time today = absl::Now();
  for (int i = 0; i < rows; ++i) {
    const int member = i % kMembers, days_ago = 1 + i / kMembers % 300,
              org = (i / 7) % kOrganisations;
    const int half_hours = 2 + i % 3;
    (*expected_minutes)[org] += half_hours * 30;
    absl::StrAppend(
        &text, absl::StrFormat("L%05d", member), ",",
        absl::FormatTime("%Y-%m-%d", today - absl::Hours(24 * days_ago), absl::UTCTimeZone()), ",",
        half_hours % 2 == 0 ? absl::StrCat(half_hours / 2) : absl::StrCat(half_hours / 2, ".5"),
        ",Organisation ", org, ",", types[i % 4], ",Loadgen volunteering ", i / (kMembers * 300),
        "\n");
  }
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr || std::fwrite(text.data(), 1, text.size(), f) != text.size()) return false;
  std::fclose(f);
  return true;
}

std::string ReadFile(const std::string& path) {
  std::string text;
  FILE* f = std::fopen(path.c_str(), "rb");
  char buf[1 << 16];
  for (size_t n; f != nullptr && (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
  if (f != nullptr) std::fclose(f);
  return text;
}

// Sends the parsed file as `tbctl contribution import` does and waits until posted.
cli::ImportSummary Import(const std::shared_ptr<grpc::Channel>& channel,
                          const ImportCommunity& community, cli::ParsedImport* parsed) {
  auto stub = apb::ActivityService::NewStub(channel);
  cli::ImportOptions options;
  options.community_id = community.id;
  options.prepare = [&bearer = community.admin_bearer](grpc::ClientContext* ctx) {
    ctx->AddMetadata("authorization", bearer);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  };
  cli::ProgressBar bar("importing", parsed->lines.size());
  options.progress = [&bar](uint64_t done) { bar.Update(done); };
  const cli::ImportSummary sum = cli::RunContributionImport(stub.get(), options, parsed);
  bar.Finish();
  for (const cli::ImportLine& line : parsed->lines) {
    if (!cli::NeedsAttention(line)) continue;
    std::fprintf(stderr, "tb-loadgen: line %u: %s%s\n", line.line, line.error.c_str(),
                 line.ledger_result.c_str());
    break;
  }
  return sum;
}

// The ledger's word: each organisation's balance is minus what the file gave it.
bool BalancesMatch(Node* node, const std::shared_ptr<grpc::Channel>& channel,
                   const ImportCommunity& community, const std::vector<int64_t>& expected) {
  auto ledger = lpb::LedgerService::NewStub(channel);
  lpb::GetAccountsRequest get;
  for (const auto& [id, name] : community.orgs.names) {
    get.add_ids(OrganisationAccountId(community.id, id));
  }
  lpb::GetAccountsResponse got;
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", node->ServiceToken("tb-loadgen")));
  grpc::Status s = ledger->GetAccounts(&ctx, get, &got);
  bool ok = s.ok() && got.accounts_size() == kOrganisations;
  for (int i = 0; ok && i < kOrganisations; ++i) {
    ok = got.accounts(i).balance() == -expected[static_cast<size_t>(i)];
  }
  return ok;
}

void PrintImport(const cli::ImportSummary& sum, int rows, double seconds, bool ledger_ok,
                 bool json) {
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
}

}  // namespace

int RunImport(Session& session) {
  if (absl::Status s = CheckClaims(session.settings()); !s.ok()) {
    return Fail(std::string(s.message()));
  }
  const int rows = session.settings().rows;
  const ImportCommunity community = SeedImportCommunity(session.node());
  const std::string path = session.temp_dir() + "/import.csv";
  std::vector<int64_t> expected_minutes;
  if (!WriteCsv(path, rows, &expected_minutes)) {
    std::fprintf(stderr, "tb-loadgen: cannot write %s\n", path.c_str());
    return 1;
  }
  const auto begin = std::chrono::steady_clock::now();
  absl::StatusOr<cli::ParsedImport> parsed =
      cli::ParseContributionCsv(ReadFile(path), community.orgs);
  if (!parsed.ok()) {
    std::fprintf(stderr, "tb-loadgen: %s\n", std::string(parsed.status().message()).c_str());
    return 1;
  }
  const cli::ImportSummary sum = Import(session.channel(), community, &*parsed);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  const bool ledger_ok =
      BalancesMatch(session.node(), session.channel(), community, expected_minutes);
  PrintImport(sum, rows, seconds, ledger_ok, session.settings().json);
  const bool ok = ledger_ok && sum.posted == static_cast<uint64_t>(rows) && sum.rejected == 0;
  return ok ? 0 : 2;
}

}  // namespace timebank::loadgen
