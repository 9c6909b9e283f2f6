// tbctl's contribution commands: logging hours given (coordinators), reporting
// them for verification (members), approving or declining, and importing a CSV
// file of them (safe to run again: rows already imported are skipped).
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/cli/activity_common.h"
#include "clients/cli/commands.h"
#include "clients/cli/member_refs.h"
#include "clients/cli/paging.h"
#include "clients/common/contribution_import.h"
#include "clients/common/hours.h"
#include "clients/common/progress.h"
#include "clients/common/table.h"
#include "google/protobuf/struct.pb.h"

ABSL_DECLARE_FLAG(bool, collective);
ABSL_DECLARE_FLAG(std::string, coproduction);
ABSL_DECLARE_FLAG(bool, dry_run);
ABSL_DECLARE_FLAG(int, in_flight);
ABSL_DECLARE_FLAG(std::string, members);
ABSL_DECLARE_FLAG(uint64_t, org);
ABSL_DECLARE_FLAG(std::string, reason);
ABSL_DECLARE_FLAG(std::string, rejected);
ABSL_DECLARE_FLAG(std::string, request_id);
ABSL_DECLARE_FLAG(bool, wait);
ABSL_DECLARE_FLAG(std::string, what);

namespace timebank::cli {
namespace {

// The community's organisations, by id and by name, for an import file's column.
OrganisationNames LoadOrganisations(Client& c, uint64_t community) {
  OrganisationNames out;
  dpb::ListOrganisationsRequest req;
  req.set_community_id(community);
  ReadPages(/*limit_items=*/0, [&](int page_size, const std::string& page_token) {
    req.set_page_size(page_size);
    req.set_page_token(page_token);
    auto page = c.Call<dpb::ListOrganisationsResponse>(
        c.directory(), &dpb::DirectoryService::Stub::ListOrganisations, req);
    for (const dpb::Organisation& o : page.organisations()) {
      out.names[o.id()] = o.name();
      out.by_lower_name[absl::AsciiStrToLower(o.name())] = o.id();
    }
    return PageRead{page.organisations_size(), page.next_page_token()};
  });
  return out;
}

std::string ReadImportFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Die(absl::StrCat("cannot read ", path, ": check the path and permissions"));
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// `report`: where the rows that need attention were written ("" when none do).
void PrintImportJson(const ParsedImport& parsed, const ImportSummary& sum, const std::string& path,
                     bool dry_run, const std::string& report) {
  google::protobuf::Struct out;
  auto& f = *out.mutable_fields();
  f["file"].set_string_value(path);
  f["dry_run"].set_bool_value(dry_run);
  for (const auto& [name, n] :
       std::vector<std::pair<const char*, uint64_t>>{{"lines", sum.lines},
                                                     {"imported", sum.imported},
                                                     {"already_imported", sum.already_imported},
                                                     {"rejected", sum.rejected},
                                                     {"posted", sum.posted},
                                                     {"refused", sum.refused},
                                                     {"queued", sum.queued}}) {
    f[name].set_number_value(static_cast<double>(n));
  }
  f["report"].set_string_value(report);
  auto* rows = f["needs_attention"].mutable_list_value();
  for (const ImportLine& line : parsed.lines) {
    if (!NeedsAttention(line)) continue;
    auto& r = *rows->add_values()->mutable_struct_value()->mutable_fields();
    r["line"].set_number_value(line.line);
    r["reason"].set_string_value(line.outcome == apb::ImportRowResult::OUTCOME_REJECTED
                                     ? line.error
                                     : absl::StrCat("ledger refused: ", line.ledger_result));
  }
  PrintJson(out);
}

void PrintImportTable(const ParsedImport& parsed, const ImportSummary& sum, const std::string& path,
                      bool dry_run, uint64_t attention, const std::string& report) {
  std::printf("%s %s: %llu rows%s\n", dry_run ? "Checked" : "Imported", path.c_str(),
              static_cast<unsigned long long>(sum.lines),
              dry_run ? " (dry run: nothing was written)" : "");
  Table t({"", "rows"});
  t.Add({dry_run ? "would be imported" : "imported", absl::StrCat(sum.imported)});
  t.Add({"already imported (skipped)", absl::StrCat(sum.already_imported)});
  t.Add({"rejected", absl::StrCat(sum.rejected)});
  if (!dry_run) {
    t.Add({"posted to the ledger", absl::StrCat(sum.posted)});
    t.Add({"refused by the ledger", absl::StrCat(sum.refused)});
    t.Add({"waiting to be posted", absl::StrCat(sum.queued)});
  }
  t.Print(stdout);
  if (attention > 0) {
    Table r({"line", "reason"});
    for (const ImportLine& line : parsed.lines) {
      if (!NeedsAttention(line) || r.size() == 20) continue;
      r.Add({absl::StrCat(line.line), line.outcome == apb::ImportRowResult::OUTCOME_REJECTED
                                          ? line.error
                                          : absl::StrCat("ledger refused: ", line.ledger_result)});
    }
    std::printf("\n");
    r.Print(stdout);
    std::printf(
        "\n%llu row(s) need attention; all of them, with reasons, are in %s.\n"
        "Fix them in that file and import it (its line and reason columns are ignored).\n",
        static_cast<unsigned long long>(attention), report.c_str());
  }
  if (sum.queued > 0) {
    std::printf("%llu row(s) are recorded and will post when the ledger is reachable.\n",
                static_cast<unsigned long long>(sum.queued));
  }
}

// tbctl contribution import FILE: exit 0 when every row is in, 2 when some were rejected
// (or refused by the ledger) and listed in the report.
int Import(Client& c, const Args& a) {
  if (a.size() != 2) {
    Die("usage: tbctl contribution import FILE.csv [--dry_run] [--rejected=REPORT.csv]\n"
        "  columns: member_number,date,hours,organisation,coproduction_type[,description,input]");
  }
  const std::string& path = a[1];
  const std::string text = ReadImportFile(path);
  const uint64_t community = CurrentCommunity(c);
  absl::StatusOr<ParsedImport> parsed = ParseContributionCsv(text, LoadOrganisations(c, community));
  if (!parsed.ok()) Die(absl::StrCat(path, ": ", parsed.status().message()));

  const bool dry_run = absl::GetFlag(FLAGS_dry_run);
  ImportOptions options;
  options.community_id = community;
  options.dry_run = dry_run;
  options.in_flight = absl::GetFlag(FLAGS_in_flight);
  options.wait_ms = absl::GetFlag(FLAGS_wait) ? 20'000 : 0;
  options.prepare = [&c](grpc::ClientContext* ctx) { c.Prepare(ctx, 120); };
  ProgressBar bar(dry_run ? "checking" : "importing", parsed->lines.size());
  options.progress = [&bar](uint64_t done) { bar.Update(done); };
  const ImportSummary sum = RunContributionImport(c.activity(), options, &*parsed);
  bar.Finish();

  const uint64_t attention = sum.rejected + sum.refused;
  std::string report = absl::GetFlag(FLAGS_rejected);
  if (report.empty()) report = path + ".rejected.csv";
  if (attention > 0) {
    FILE* f = std::fopen(report.c_str(), "wb");
    if (f == nullptr) Die(absl::StrCat("cannot write the report to ", report, "; use --rejected"));
    WriteImportReport(*parsed, f);
    std::fclose(f);
  }
  if (Json()) {
    PrintImportJson(*parsed, sum, path, dry_run, attention > 0 ? report : "");
    return attention > 0 ? 2 : 0;
  }
  PrintImportTable(*parsed, sum, path, dry_run, attention, report);
  return attention > 0 ? 2 : 0;
}

int Contribution(Client& c, const Args& a) {
  const std::string sub = a.empty() ? "" : a[0];
  if (sub == "import") return Import(c, a);
  if (sub == "log") {
    apb::LogContributionsRequest req;
    req.set_community_id(CurrentCommunity(c));
    req.set_organisation_id(absl::GetFlag(FLAGS_org));
    for (uint64_t id :
         ResolveMemberRefs(c, req.community_id(), absl::GetFlag(FLAGS_members), "--members")) {
      req.add_member_ids(id);
    }
    req.set_minutes(Minutes(a, 1));
    *req.mutable_occurred_at() = When();
    req.set_description(absl::GetFlag(FLAGS_what));
    req.set_coproduction_type(ParseCoproduction(absl::GetFlag(FLAGS_coproduction)));
    req.set_input(absl::GetFlag(FLAGS_collective) ? apb::INPUT_KIND_COLLECTIVE
                                                  : apb::INPUT_KIND_UNSPECIFIED);
    req.set_request_id(absl::GetFlag(FLAGS_request_id));
    auto resp = c.Call<apb::LogContributionsResponse>(
        c.activity(), &apb::ActivityService::Stub::LogContributions, req);
    if (Json()) {
      PrintJson(resp);
    } else {
      std::printf("logged %d contribution(s); they post to the ledger within moments\n",
                  resp.activities_size());
      PrintActivities(resp.activities());
    }
    return 0;
  }
  if (sub == "report") {
    apb::ReportContributionRequest req;
    req.set_community_id(CurrentCommunity(c));
    req.set_organisation_id(absl::GetFlag(FLAGS_org));
    req.set_minutes(Minutes(a, 1));
    *req.mutable_occurred_at() = When();
    req.set_description(absl::GetFlag(FLAGS_what));
    req.set_coproduction_type(ParseCoproduction(absl::GetFlag(FLAGS_coproduction)));
    req.set_request_id(absl::GetFlag(FLAGS_request_id));
    return Show(
        c.Call<apb::Activity>(c.activity(), &apb::ActivityService::Stub::ReportContribution, req));
  }
  if ((sub == "approve" || sub == "decline") && a.size() == 2) {
    apb::ReviewContributionRequest req;
    req.set_community_id(CurrentCommunity(c));
    req.set_organisation_id(absl::GetFlag(FLAGS_org));
    req.set_activity_id(Id(a, 1, "an activity id"));
    req.set_approve(sub == "approve");
    req.set_reason(absl::GetFlag(FLAGS_reason));
    return Show(
        c.Call<apb::Activity>(c.activity(), &apb::ActivityService::Stub::ReviewContribution, req));
  }
  Die("usage: tbctl contribution log|report AMOUNT --org=ID [--members=..] --what=.. | "
      "approve|decline ID --org=ID | import FILE.csv [--dry_run]");
}

}  // namespace

int ContributionCommand(Client& c, const std::string&, const Args& a) { return Contribution(c, a); }

}  // namespace timebank::cli
