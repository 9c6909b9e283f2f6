// Bulk contribution import: the CSV reader, the client-side checks of a spreadsheet's
// rows, and a file of mixed good and bad rows imported through gRPC by a coordinator,
// then again (nothing twice), checked against the ledger.
#include "clients/common/contribution_import.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "clients/common/csv_reader.h"
#include "gtest/gtest.h"
#include "services/common/ids.h"
#include "services/common/server.h"
#include "services/timebankd/node.h"
#include "tests/common/test_util.h"

namespace timebank::cli {
namespace {

namespace apb = ::timebank::activity::v1;
namespace dpb = ::timebank::directory::v1;
namespace lpb = ::timebank::ledger::v1;

std::vector<CsvRecord> ReadAll(std::string_view text) {
  CsvReader reader(text);
  std::vector<CsvRecord> out;
  CsvRecord r;
  while (reader.Next(&r)) out.push_back(r);
  return out;
}

TEST(CsvReaderTest, ReadsWhatSpreadsheetsWrite) {
  const auto recs = ReadAll(
      "\xEF\xBB\xBF"
      "a,b,c\r\n"
      "\"x, y\",\"say \"\"hi\"\"\",\r\n"
      "\r\n"
      "\"two\nlines\",2,3\n"
      "last,no,newline");
  ASSERT_EQ(recs.size(), 4u);
  EXPECT_EQ(recs[0].fields, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(recs[0].line, 1u);
  EXPECT_EQ(recs[1].fields, (std::vector<std::string>{"x, y", "say \"hi\"", ""}));
  EXPECT_EQ(recs[2].fields, (std::vector<std::string>{"two\nlines", "2", "3"}));
  EXPECT_EQ(recs[2].line, 4u);
  EXPECT_EQ(recs[3].line, 6u);
  EXPECT_EQ(recs[3].fields.back(), "newline");
  for (const auto& r : recs) EXPECT_EQ(r.error, "");
}

TEST(CsvReaderTest, MalformedRecordsAreFlaggedAndReadingGoesOn) {
  const auto recs = ReadAll("a\"b,c\n\"x\"y,z\nok,1\n" + std::string(5000, 'q') + ",1\n\"open");
  ASSERT_EQ(recs.size(), 5u);
  EXPECT_TRUE(absl::StrContains(recs[0].error, "quote inside an unquoted field"));
  EXPECT_TRUE(absl::StrContains(recs[1].error, "after a closing quote"));
  EXPECT_EQ(recs[2].error, "");
  EXPECT_EQ(recs[2].fields, (std::vector<std::string>{"ok", "1"}));
  EXPECT_TRUE(absl::StrContains(recs[3].error, "longer than 4096"));
  EXPECT_EQ(recs[3].fields[0].size(), CsvReader::kMaxFieldBytes);
  EXPECT_TRUE(absl::StrContains(recs[4].error, "never closed"));
  std::string wide;
  for (int i = 0; i < 70; ++i) wide += "x,";
  EXPECT_TRUE(absl::StrContains(ReadAll(wide)[0].error, "more than 64 fields"));
}

OrganisationNames Orgs() {
  OrganisationNames o;
  o.names = {{1, "Carers Centre"}, {2, "NHS Trust"}};
  o.by_lower_name = {{"carers centre", 1}, {"nhs trust", 2}};
  return o;
}

TEST(ParseContributionCsvTest, ChecksEachRowAndNamesTheProblem) {
  const std::string csv =
      "Member Number,Date,Hours,Organisation,Coproduction Type,Notes,Name\n"
      "M1,2026-11-20,2,Carers Centre,co-design,workshop,Alice\n"  // 2
      "M2,20/11/2026,1.5,2,Co Delivery,,Bob\n"                    // 3
      "M3,2026-11-20,1h15m,nhs trust,assessment,,Cy\n"            // 4
      "M1,2026-11-20,2,carers centre,CO-DESIGN,workshop,Alice\n"  // 5: same as 2
      "M4,2026-02-30,1,1,co-design,,D\n"                          // 6: no such day
      "M4,2026-11-20,0.33,1,co-design,,D\n"                       // 7: not whole minutes
      "M4,2026-11-20,2,Leisure,co-design,,D\n"                    // 8: unknown organisation
      "M4,2026-11-20,2,1,co-production,,D\n"                      // 9: unknown type
      ",2026-11-20,2,1,co-design,,D\n"                            // 10: no member
      "M4,2026-11-20,2,1\n"                                       // 11: short row
      "M5,2026-11-20,two,1,co-design,,E\n";                       // 12: not hours
  auto parsed = ParseContributionCsv(csv, Orgs());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->lines.size(), 11u);
  const auto& l = parsed->lines;
  EXPECT_EQ(l[0].error, "");
  EXPECT_EQ(l[0].row.minutes(), 120);
  EXPECT_EQ(l[0].row.description(), "workshop");
  EXPECT_EQ(l[0].row.coproduction_type(), lpb::COPRODUCTION_TYPE_CO_DESIGN);
  EXPECT_EQ(l[0].organisation_id, 1u);
  EXPECT_EQ(l[0].row.row_number(), 2u);
  EXPECT_EQ(l[1].error, "");
  EXPECT_EQ(l[1].row.date(), "2026-11-20");
  EXPECT_EQ(l[1].row.minutes(), 90);
  EXPECT_EQ(l[1].organisation_id, 2u);
  EXPECT_EQ(l[1].row.coproduction_type(), lpb::COPRODUCTION_TYPE_CO_DELIVERY);
  EXPECT_EQ(l[2].error, "");
  EXPECT_EQ(l[2].row.minutes(), 75);
  EXPECT_EQ(l[2].organisation_id, 2u);
  const std::vector<std::pair<size_t, std::string>> bad = {
      {3, "row: the same as line 2"},
      {4, "date: '2026-02-30' is not a day (that month has no such day)"},
      {5, "hours: '0.33' is not a whole number of minutes"},
      {6, "organisation: no organisation 'Leisure'"},
      {7, "coproduction_type: 'co-production'"},
      {8, "member_number: empty"},
      {9, "row: 4 fields but the header has 7"},
      {10, "hours: 'two'"}};
  for (const auto& [i, prefix] : bad) {
    EXPECT_EQ(l[i].outcome, apb::ImportRowResult::OUTCOME_REJECTED) << i;
    EXPECT_TRUE(absl::StartsWith(l[i].error, prefix)) << l[i].error;
  }
}

TEST(ParseContributionCsvTest, RefusesFilesItCannotRead) {
  EXPECT_TRUE(absl::StrContains(ParseContributionCsv("", Orgs()).status().message(), "empty"));
  auto missing = ParseContributionCsv("member_number,date,hours\nM1,2026-11-20,2\n", Orgs());
  EXPECT_TRUE(
      absl::StrContains(missing.status().message(), "missing: organisation, coproduction_type"))
      << missing.status();
  EXPECT_TRUE(absl::StrContains(
      ParseContributionCsv("member,member_number,date,hours,org,type\n", Orgs()).status().message(),
      "member_number column twice"));
}

// A coordinator of one organisation imports a mixed file through gRPC, twice.
TEST(ContributionImportGrpcTest, MixedFileImportsGoodRowsOnceAndReportsTheRest) {
  timebank::testing::TempDir dir;
  NodeOptions o;
  o.listen = "127.0.0.1:0";
  o.data_dir = dir.Sub("data");
  auto node = Node::Start(o);
  ASSERT_TRUE(node.ok()) << node.status();
  directory::Directory* d = (*node)->directory();
  directory::Actor system;
  dpb::Community c;
  c.set_name("Riverside");
  c.set_timezone("Europe/London");
  c.set_organisation_credit_limit_minutes(600);
  const uint64_t community = d->CreateCommunity(system, c, "").value().id();
  OrganisationNames orgs;
  for (const char* name : {"Carers Centre", "NHS Trust"}) {
    dpb::Organisation org;
    org.set_community_id(community);
    org.set_name(name);
    org.set_kind(dpb::ORGANISATION_KIND_CHARITY);
    const dpb::Organisation made = d->CreateOrganisation(system, org, "").value();
    orgs.names[made.id()] = name;
    orgs.by_lower_name[absl::AsciiStrToLower(name)] = made.id();
  }
  std::vector<uint64_t> ids;
  for (const char* number : {"R1", "R2", "R3"}) {
    dpb::Member m;
    m.set_community_id(community);
    m.set_display_name(std::string("Volunteer ") + number);
    m.set_member_number(number);
    ids.push_back(d->CreateMember(system, m, "", "").value().id());
  }
  directory::Actor admin;
  admin.principal.add_roles(dpb::ROLE_ADMIN);
  ASSERT_TRUE(
      d->SetMemberStatus(admin, community, ids[2], dpb::MEMBER_STATUS_SUSPENDED, "away").ok());
  dpb::Member coordinator;
  coordinator.set_community_id(community);
  coordinator.set_display_name("Callum");
  coordinator = d->CreateMember(system, coordinator, "", "").value();
  const uint64_t carers = orgs.by_lower_name.at("carers centre");
  coordinator =
      d->GrantRole(system, community, coordinator.id(), dpb::ROLE_COORDINATOR, carers, "").value();
  while (d->DrainOutbox() > 0) absl::SleepFor(absl::Milliseconds(20));

  const std::string yesterday =
      absl::FormatTime("%Y-%m-%d", absl::Now() - absl::Hours(24), absl::UTCTimeZone());
  const std::string csv = absl::StrCat(
      "member_number,date,hours,organisation,coproduction_type\n", "R1,", yesterday,
      ",2,Carers Centre,co-design\n",                        // 2: good
      "R2,", yesterday, ",1.5,Carers Centre,co-delivery\n",  // 3: good
      "R9,", yesterday, ",1,Carers Centre,co-design\n",      // 4: no such member
      "R3,", yesterday, ",1,Carers Centre,co-design\n",      // 5: suspended
      "R1,", yesterday, ",1,NHS Trust,co-design\n",          // 6: not their organisation
      "R2,", yesterday, ",7,Carers Centre,co-assessment\n",  // 7: beyond the org's limit
      "R1,2099-01-01,1,Carers Centre,co-design\n",           // 8: in the future
      "R1,", yesterday, ",2,Carers Centre\n");               // 9: malformed
  auto channel = MakeChannel((*node)->address());
  auto stub = apb::ActivityService::NewStub(channel);
  const std::string bearer =
      absl::StrCat("Bearer ", (*node)->TokenFor(directory::Directory::PrincipalOf(coordinator)));
  ImportOptions options;
  options.community_id = community;
  options.prepare = [&](grpc::ClientContext* ctx) { ctx->AddMetadata("authorization", bearer); };
  std::vector<uint64_t> progress;
  options.progress = [&](uint64_t done) { progress.push_back(done); };

  auto run = [&](bool dry_run) {
    auto parsed = ParseContributionCsv(csv, orgs);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    options.dry_run = dry_run;
    ImportSummary sum = RunContributionImport(stub.get(), options, &*parsed);
    return std::make_pair(sum, *parsed);
  };
  auto balance = [&](const std::string& account) {
    auto ledger = lpb::LedgerService::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", (*node)->ServiceToken()));
    lpb::GetAccountsRequest req;
    req.add_ids(account);
    lpb::GetAccountsResponse resp;
    EXPECT_TRUE(ledger->GetAccounts(&ctx, req, &resp).ok());
    return resp.accounts_size() == 1 ? resp.accounts(0).balance() : -1;
  };

  // A dry run: the same verdicts, nothing written.
  const ImportSummary dry = run(true).first;
  EXPECT_EQ(dry.imported, 3u);  // rows 2, 3 and 7 (the ledger's limit is not checked yet)
  EXPECT_EQ(dry.rejected, 5u);
  EXPECT_EQ(progress.back(), 8u);
  EXPECT_EQ(balance(MemberAccountId(community, ids[0])), 0);

  auto [first, parsed] = run(false);
  const std::vector<ImportLine>& lines = parsed.lines;
  EXPECT_EQ(first.lines, 8u);
  EXPECT_EQ(first.imported, 3u);
  EXPECT_EQ(first.rejected, 5u);
  EXPECT_EQ(first.posted, 2u);
  EXPECT_EQ(first.refused, 1u);  // row 7 took the organisation beyond its 10 hours
  EXPECT_EQ(first.queued, 0u);
  auto reason = [&](uint32_t line) {
    for (const ImportLine& l : lines) {
      if (l.line == line) return l.error.empty() ? l.ledger_result : l.error;
    }
    return std::string("?");
  };
  EXPECT_TRUE(absl::StartsWith(reason(4), "member_number: no member numbered 'R9'"));
  EXPECT_TRUE(absl::StrContains(reason(5), "not active"));
  EXPECT_TRUE(absl::StrContains(reason(6), "not sent:")) << reason(6);
  EXPECT_EQ(reason(7), "CREATE_TRANSFER_EXCEEDS_MIN_BALANCE");
  EXPECT_TRUE(absl::StartsWith(reason(8), "date: is in the future")) << reason(8);
  EXPECT_TRUE(absl::StartsWith(reason(9), "row: 4 fields")) << reason(9);
  EXPECT_EQ(balance(MemberAccountId(community, ids[0])), 120);
  EXPECT_EQ(balance(MemberAccountId(community, ids[1])), 90);
  EXPECT_EQ(balance(OrganisationAccountId(community, carers)), -210);

  // The report lists exactly the rows that need attention, with the original columns.
  char* buf = nullptr;
  size_t size = 0;
  FILE* mem = open_memstream(&buf, &size);
  WriteImportReport(parsed, mem);
  std::fclose(mem);
  const std::string report(buf, size);
  std::free(buf);
  auto report_lines = ReadAll(report);
  ASSERT_EQ(report_lines.size(), 7u);  // header + 6
  EXPECT_EQ(report_lines[0].fields.front(), "line");
  EXPECT_EQ(report_lines[0].fields.back(), "reason");
  EXPECT_EQ(report_lines[1].fields[0], "4");
  EXPECT_EQ(report_lines[1].fields[1], "R9");

  // Again: nothing new is recorded or posted.
  const ImportSummary again = run(false).first;
  EXPECT_EQ(again.imported, 0u);
  EXPECT_EQ(again.already_imported, 3u);
  EXPECT_EQ(again.posted, 2u);
  EXPECT_EQ(balance(MemberAccountId(community, ids[0])), 120);
  EXPECT_EQ(balance(OrganisationAccountId(community, carers)), -210);
  (*node)->Shutdown();
}

}  // namespace
}  // namespace timebank::cli
