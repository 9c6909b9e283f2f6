#include "clients/common/contribution_import.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/common/csv_reader.h"
#include "clients/common/hours.h"
#include "clients/common/table.h"
#include "clients/common/typed_input.h"
#include "services/common/csv_writer.h"
#include "storage/absl_compat.h"
#include "storage/check.h"

namespace timebank::cli {
namespace {

namespace apb = ::timebank::activity::v1;
namespace lpb = ::timebank::ledger::v1;

enum Column { kMember, kDate, kHours, kOrganisation, kType, kDescription, kInput, kColumns };

struct ColumnSpec {
  const char* name;  // as the report and errors call it
  bool required;
  std::vector<const char*> aliases;  // normalised header spellings
};

const std::vector<ColumnSpec>& Columns() {
  static const auto* c = new std::vector<ColumnSpec>{
      {"member_number", true, {"member_number", "member_no", "member", "membership_number"}},
      {"date", true, {"date", "day"}},
      {"hours", true, {"hours", "time", "duration"}},
      {"organisation", true, {"organisation", "organization", "org"}},
      {"coproduction_type",
       true,
       {"coproduction_type", "coproduction", "co_production_type", "type"}},
      {"description", false, {"description", "activity", "notes"}},
      {"input", false, {"input", "input_kind"}},
  };
  return *c;
}

// "Member Number" -> "member_number".
std::string NormaliseHeader(std::string_view h) {
  std::string out;
  for (char ch : absl::StripAsciiWhitespace(AsAbsl(h))) {
    if (std::isalnum(static_cast<unsigned char>(ch))) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    } else if (!out.empty() && out.back() != '_') {
      out += '_';
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

// Letters and digits only, lower case: "Co-Design" -> "codesign".
std::string Squash(std::string_view s) {
  std::string out;
  for (char ch : s) {
    if (std::isalnum(static_cast<unsigned char>(ch)))
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  return out;
}

bool AllDigits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit((unsigned char)c); });
}

// A day as people write it in a spreadsheet (typed_input.h); returns YYYY-MM-DD.
absl::StatusOr<std::string> ParseIsoDay(std::string_view text) {
  absl::StatusOr<absl::CivilDay> day =
      ParseDay(text, absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()));
  if (!day.ok()) return absl::InvalidArgumentError(absl::StrCat("date: ", day.status().message()));
  return absl::FormatCivilTime(*day);
}

// Hours as people write them: "2", "1.5", "1,5", "1h30m", "1:30", "45m".
absl::StatusOr<int64_t> ParseHours(std::string_view text) {
  absl::StatusOr<int64_t> m = ParseDurationMinutes(text, BareNumber::kHours);
  if (!m.ok()) return absl::InvalidArgumentError(absl::StrCat("hours: ", m.status().message()));
  return m;
}

absl::StatusOr<lpb::CoproductionType> ParseType(std::string_view text) {
  const std::string s = Squash(text);
  if (s == "cocommission" || s == "commission") return lpb::COPRODUCTION_TYPE_CO_COMMISSION;
  if (s == "codesign" || s == "design") return lpb::COPRODUCTION_TYPE_CO_DESIGN;
  if (s == "codelivery" || s == "delivery") return lpb::COPRODUCTION_TYPE_CO_DELIVERY;
  if (s == "coassessment" || s == "assessment") return lpb::COPRODUCTION_TYPE_CO_ASSESSMENT;
  return absl::InvalidArgumentError(
      absl::StrCat("coproduction_type: '", AsAbsl(text),
                   "' is not one of co-commission, co-design, co-delivery, co-assessment"));
}

absl::StatusOr<uint64_t> ParseOrganisation(std::string_view text, const OrganisationNames& orgs) {
  const std::string t(absl::StripAsciiWhitespace(AsAbsl(text)));
  uint64_t id = 0;
  if (AllDigits(t) && absl::SimpleAtoi(t, &id) && orgs.names.count(id)) return id;
  auto it = orgs.by_lower_name.find(absl::AsciiStrToLower(t));
  if (it != orgs.by_lower_name.end()) return it->second;
  return absl::InvalidArgumentError(
      absl::StrCat("organisation: no organisation '", t,
                   "' in this community; use its id or exact name (tbctl org list)"));
}

// Fills `line` from its fields (`col` maps each Column to a field index, or -1).
absl::Status ReadLine(const std::vector<int>& col, const OrganisationNames& orgs,
                      ImportLine* line) {
  auto field = [&](Column c) -> std::string {
    const int i = col[c];
    if (i < 0 || static_cast<size_t>(i) >= line->fields.size()) return "";
    // A corrected import report imports as it is: the writer's apostrophe comes off.
    const std::string_view cell =
        CsvWriter::WithoutNeutraliser(line->fields[static_cast<size_t>(i)]);
    return std::string(absl::StripAsciiWhitespace(AsAbsl(cell)));
  };
  apb::ImportRow& row = line->row;
  row.set_row_number(line->line);
  row.set_member_number(field(kMember));
  if (row.member_number().empty()) {
    return absl::InvalidArgumentError("member_number: empty; every row needs the member's number");
  }
  TB_ASSIGN_OR_RETURN(std::string day, ParseIsoDay(field(kDate)));
  row.set_date(day);
  TB_ASSIGN_OR_RETURN(int64_t minutes, ParseHours(field(kHours)));
  row.set_minutes(minutes);
  TB_ASSIGN_OR_RETURN(line->organisation_id, ParseOrganisation(field(kOrganisation), orgs));
  TB_ASSIGN_OR_RETURN(lpb::CoproductionType type, ParseType(field(kType)));
  row.set_coproduction_type(type);
  row.set_description(field(kDescription));
  const std::string input = Squash(field(kInput));
  if (input == "collective" || input == "group") {
    row.set_input(apb::INPUT_KIND_COLLECTIVE);
  } else if (input == "individual" || input.empty()) {
    row.set_input(apb::INPUT_KIND_INDIVIDUAL);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("input: '", field(kInput), "' is not individual or collective"));
  }
  return absl::OkStatus();
}

void Reject(ImportLine* line, std::string why) {
  line->outcome = apb::ImportRowResult::OUTCOME_REJECTED;
  line->error = std::move(why);
}

}  // namespace

absl::StatusOr<ParsedImport> ParseContributionCsv(std::string_view text,
                                                  const OrganisationNames& organisations) {
  if (text.size() > ImportLimits::kMaxFileBytes) {
    return absl::InvalidArgumentError("the file is over 256 MiB; split it into smaller files");
  }
  CsvReader reader(text);
  CsvRecord record;
  if (!reader.Next(&record)) return absl::InvalidArgumentError("the file is empty");
  if (!record.error.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("line ", record.line, ": ", record.error));
  }
  ParsedImport out;
  out.header = record.fields;
  std::vector<int> col(kColumns, -1);
  for (size_t i = 0; i < out.header.size(); ++i) {
    const std::string h = NormaliseHeader(out.header[i]);
    for (size_t c = 0; c < Columns().size(); ++c) {
      const auto& aliases = Columns()[c].aliases;
      if (std::find(aliases.begin(), aliases.end(), h) == aliases.end()) continue;
      if (col[c] >= 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("the header names the ", Columns()[c].name, " column twice"));
      }
      col[c] = static_cast<int>(i);
    }
  }
  std::vector<std::string> missing;
  for (size_t c = 0; c < Columns().size(); ++c) {
    if (Columns()[c].required && col[c] < 0) missing.push_back(Columns()[c].name);
  }
  if (!missing.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the first line must name the columns; missing: ", absl::StrJoin(missing, ", "),
        " (expected member_number,date,hours,organisation,coproduction_type[,description,input])"));
  }
  std::map<std::string, uint32_t> first_line_of;  // the same row twice is a mistake
  while (reader.Next(&record)) {
    if (out.lines.size() == ImportLimits::kMaxRows) {
      return absl::InvalidArgumentError("more than 1,000,000 rows; split the file");
    }
    ImportLine& line = out.lines.emplace_back();
    line.line = record.line;
    line.fields = std::move(record.fields);
    if (!record.error.empty()) {
      Reject(&line, absl::StrCat("row: ", record.error));
      continue;
    }
    if (line.fields.size() != out.header.size()) {
      Reject(&line, absl::StrCat("row: ", line.fields.size(), " fields but the header has ",
                                 out.header.size()));
      continue;
    }
    if (absl::Status s = ReadLine(col, organisations, &line); !s.ok()) {
      Reject(&line, std::string(s.message()));
      continue;
    }
    const apb::ImportRow& r = line.row;
    const std::string key =
        absl::StrCat(line.organisation_id, "|", r.member_number(), "|", r.date(), "|", r.minutes(),
                     "|", r.coproduction_type(), "|", r.input(), "|", r.description());
    auto [first, inserted] = first_line_of.emplace(key, line.line);
    if (!inserted) {
      Reject(&line, absl::StrCat("row: the same as line ", first->second,
                                 "; combine them into one row if both happened"));
    }
  }
  return out;
}

ImportSummary RunContributionImport(apb::ActivityService::Stub* stub, const ImportOptions& options,
                                    ParsedImport* parsed) {
  // Batches: up to kRowsPerCall lines of one organisation, in file order.
  std::vector<std::vector<size_t>> batches;
  std::map<uint64_t, size_t> open_batch;  // organisation -> index in batches
  uint64_t settled_locally = 0;
  for (size_t i = 0; i < parsed->lines.size(); ++i) {
    const ImportLine& line = parsed->lines[i];
    if (line.outcome == apb::ImportRowResult::OUTCOME_REJECTED) {
      ++settled_locally;
      continue;
    }
    auto it = open_batch.find(line.organisation_id);
    if (it == open_batch.end() || batches[it->second].size() == ImportLimits::kRowsPerCall) {
      batches.emplace_back();
      it = open_batch.insert_or_assign(line.organisation_id, batches.size() - 1).first;
    }
    batches[it->second].push_back(i);
  }

  absl::Mutex mu;
  uint64_t settled = settled_locally;
  if (options.progress) options.progress(settled);
  std::atomic<size_t> next{0};
  auto send = [&](const std::vector<size_t>& batch) {
    apb::ImportContributionsRequest req;
    req.set_community_id(options.community_id);
    req.set_organisation_id(parsed->lines[batch[0]].organisation_id);
    req.set_dry_run(options.dry_run);
    req.set_wait_ms(options.wait_ms);
    for (size_t i : batch) *req.add_rows() = parsed->lines[i].row;
    apb::ImportContributionsResponse resp;
    grpc::Status s;
    for (int attempt = 0; attempt < ImportLimits::kMaxAttempts; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(250 << attempt));
      grpc::ClientContext ctx;
      if (options.prepare) options.prepare(&ctx);
      resp.Clear();
      s = stub->ImportContributions(&ctx, req, &resp);
      // Retrying is safe: rows already recorded come back as already imported.
      if (s.error_code() != grpc::StatusCode::UNAVAILABLE &&
          s.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED &&
          s.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) {
        break;
      }
    }
    if (s.ok() && resp.results_size() != static_cast<int>(batch.size())) {
      s = grpc::Status(grpc::StatusCode::INTERNAL,
                       "the server answered for a different number of rows");
    }
    for (size_t k = 0; k < batch.size(); ++k) {
      ImportLine& line = parsed->lines[batch[k]];
      if (!s.ok()) {
        Reject(&line, absl::StrCat("not sent: ", s.error_message()));
        continue;
      }
      const apb::ImportRowResult& r = resp.results(static_cast<int>(k));
      line.outcome = r.outcome();
      line.error = r.error();
      line.activity_id = r.activity_id();
      line.posting_state = r.posting_state();
      line.ledger_result = r.ledger_result();
    }
    absl::MutexLock lock(&mu);
    settled += batch.size();
    if (options.progress) options.progress(settled);
  };
  const int threads = std::clamp(options.in_flight, 1,
                                 std::min<int>(ImportLimits::kMaxInFlight,
                                               std::max<int>(1, static_cast<int>(batches.size()))));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (size_t b = next++; b < batches.size(); b = next++) send(batches[b]);
    });
  }
  for (std::thread& w : workers) w.join();

  ImportSummary sum;
  for (const ImportLine& line : parsed->lines) {
    ++sum.lines;
    switch (line.outcome) {
      case apb::ImportRowResult::OUTCOME_IMPORTED:
        ++sum.imported;
        break;
      case apb::ImportRowResult::OUTCOME_ALREADY_IMPORTED:
        ++sum.already_imported;
        break;
      default:
        ++sum.rejected;
        continue;
    }
    if (options.dry_run) continue;
    if (line.posting_state == apb::POSTING_STATE_POSTED) ++sum.posted;
    if (line.posting_state == apb::POSTING_STATE_REFUSED) ++sum.refused;
    if (line.posting_state == apb::POSTING_STATE_QUEUED) ++sum.queued;
  }
  return sum;
}

bool NeedsAttention(const ImportLine& line) {
  return line.outcome == apb::ImportRowResult::OUTCOME_REJECTED ||
         line.posting_state == apb::POSTING_STATE_REFUSED;
}

void WriteImportReport(const ParsedImport& parsed, FILE* out) {
  std::vector<std::string> headers = {"line"};
  headers.insert(headers.end(), parsed.header.begin(), parsed.header.end());
  headers.push_back("reason");
  Table t(headers);
  for (const ImportLine& line : parsed.lines) {
    if (!NeedsAttention(line)) continue;
    std::vector<std::string> row = {absl::StrCat(line.line)};
    for (size_t i = 0; i < parsed.header.size(); ++i) {
      row.push_back(i < line.fields.size() ? line.fields[i] : "");
    }
    row.push_back(line.outcome == apb::ImportRowResult::OUTCOME_REJECTED
                      ? line.error
                      : absl::StrCat("recorded as activity ", line.activity_id,
                                     " but the ledger refused it (", line.ledger_result,
                                     "); see tbctl activity show ", line.activity_id));
    t.Add(std::move(row));
  }
  t.PrintCsv(out);
}

}  // namespace timebank::cli
