// libFuzzer target for the contribution import's CSV parsing (clients/common/
// csv_reader.h, contribution_import.h) and the report it writes back (through the one
// CSV writer). Properties: nothing crashes; records keep the reader's bounds and come
// in line order; every line either carries a row the parser checked (some minutes, a
// type, an organisation it knows) or a reason; and the report of rejected lines reads
// back as the same cells, formulas neutralised.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "clients/common/contribution_import.h"
#include "clients/common/csv_reader.h"
#include "services/common/csv_writer.h"
#include "storage/check.h"

namespace {

using timebank::cli::CsvReader;
using timebank::cli::CsvRecord;

const timebank::cli::OrganisationNames& Organisations() {
  static const auto* orgs = [] {
    auto* o = new timebank::cli::OrganisationNames();
    o->by_lower_name = {{"carers centre", 1}, {"nhs trust", 2}};
    o->names = {{1, "Carers Centre"}, {2, "NHS Trust"}};
    return o;
  }();
  return *orgs;
}

void CheckReader(std::string_view text) {
  CsvReader reader(text);
  CsvRecord record;
  uint32_t last_line = 0;
  while (reader.Next(&record)) {
    TB_CHECK(record.line > last_line);
    last_line = record.line;
    TB_CHECK(record.fields.size() <= CsvReader::kMaxFields);
    for (const std::string& f : record.fields) TB_CHECK(f.size() <= CsvReader::kMaxFieldBytes);
  }
}

// The report, read back, holds each reported line's cells as written.
void CheckReport(const timebank::cli::ParsedImport& parsed) {
  if (parsed.header.size() + 2 > CsvReader::kMaxFields) return;
  char* buffer = nullptr;
  size_t length = 0;
  FILE* out = open_memstream(&buffer, &length);
  TB_CHECK(out != nullptr);
  timebank::cli::WriteImportReport(parsed, out);
  std::fclose(out);
  const std::string report(buffer, length);
  std::free(buffer);
  CsvReader reader(report);
  CsvRecord record;
  TB_CHECK(reader.Next(&record));  // the header
  for (const timebank::cli::ImportLine& line : parsed.lines) {
    if (!timebank::cli::NeedsAttention(line)) continue;
    std::vector<std::string> cells = {std::to_string(line.line)};
    for (size_t i = 0; i < parsed.header.size(); ++i) {
      cells.push_back(i < line.fields.size() ? line.fields[i] : "");
    }
    cells.push_back(line.error);
    bool readable = true;
    for (const std::string& c : cells) readable &= c.size() + 1 <= CsvReader::kMaxFieldBytes;
    TB_CHECK(reader.Next(&record));
    if (!readable) continue;
    TB_CHECK(record.error.empty());
    TB_CHECK(record.fields.size() == cells.size());
    for (size_t i = 0; i < cells.size(); ++i) {
      const bool neutralised = timebank::CsvWriter::Neutralises(cells[i]);
      TB_CHECK(record.fields[i] == (neutralised ? "'" + cells[i] : cells[i]));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckReader(text);
  absl::StatusOr<timebank::cli::ParsedImport> parsed =
      timebank::cli::ParseContributionCsv(text, Organisations());
  if (!parsed.ok()) {
    TB_CHECK(!parsed.status().message().empty());
    return 0;
  }
  for (const timebank::cli::ImportLine& line : parsed->lines) {
    if (line.outcome == timebank::activity::v1::ImportRowResult::OUTCOME_REJECTED) {
      TB_CHECK(!line.error.empty());
      continue;
    }
    TB_CHECK(line.row.minutes() >= 1);  // the server bounds it further
    TB_CHECK(line.organisation_id == 1 || line.organisation_id == 2);
    TB_CHECK(line.row.coproduction_type() != timebank::ledger::v1::COPRODUCTION_TYPE_UNSPECIFIED);
  }
  CheckReport(*parsed);
  return 0;
}
