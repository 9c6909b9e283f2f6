#include "services/common/csv_writer.h"

#include "absl/strings/ascii.h"

namespace timebank {
namespace {

// What spreadsheets (Excel, LibreOffice, Google Sheets) take as the start of a formula.
bool StartsFormula(std::string_view v) {
  if (v.empty()) return false;
  const char c = v[0];
  return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

}  // namespace

bool CsvWriter::IsPlainNumber(std::string_view v) {
  size_t i = 0;
  if (i < v.size() && v[i] == '-') ++i;
  const size_t int_start = i;
  while (i < v.size() && absl::ascii_isdigit(v[i])) ++i;
  if (i == int_start) return false;
  if (i == v.size()) return true;
  if (v[i] != '.') return false;
  const size_t frac_start = ++i;
  while (i < v.size() && absl::ascii_isdigit(v[i])) ++i;
  return i > frac_start && i == v.size();
}

bool CsvWriter::Neutralises(std::string_view value) {
  return StartsFormula(value) && !IsPlainNumber(value);
}

std::string_view CsvWriter::WithoutNeutraliser(std::string_view cell) {
  if (cell.size() >= 2 && cell[0] == '\'' && Neutralises(cell.substr(1))) return cell.substr(1);
  return cell;
}

std::string CsvWriter::Cell(std::string_view value) {
  std::string v;
  v.reserve(value.size() + 3);
  if (Neutralises(value)) v += '\'';
  v.append(value);
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string quoted = "\"";
  for (char c : v) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

void CsvWriter::AddRow(const std::vector<std::string>& cells) {
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) text_ += ',';
    text_ += Cell(cells[i]);
  }
  text_ += "\r\n";
}

}  // namespace timebank
