#include "clients/common/table.h"

#include <algorithm>

namespace timebank::cli {
namespace {

// Display width: counts UTF-8 code points, not bytes.
size_t Width(const std::string& s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

}  // namespace

void Table::Print(FILE* out) const {
  std::vector<size_t> widths(headers_.size());
  for (size_t i = 0; i < headers_.size(); ++i) widths[i] = Width(headers_[i]);
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], Width(row[i]));
    }
  }
  auto print_row = [&](const std::vector<std::string>& row, bool header) {
    std::string line;
    for (size_t i = 0; i < widths.size(); ++i) {
      const std::string cell = i < row.size() ? row[i] : "";
      const std::string pad(widths[i] - Width(cell), ' ');
      const bool right = !header && LooksNumeric(cell);
      line += right ? pad + cell : cell + pad;
      if (i + 1 < widths.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::fprintf(out, "%s\n", line.c_str());
  };
  print_row(headers_, true);
  for (const auto& row : rows_) print_row(row, false);
}

void Table::PrintCsv(FILE* out) const {
  CsvWriter csv;
  csv.AddRow(headers_);
  for (const auto& row : rows_) csv.AddRow(row);
  std::fwrite(csv.text().data(), 1, csv.text().size(), out);
}

}  // namespace timebank::cli
