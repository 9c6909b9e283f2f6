// Plain-text tables and CSV for client output. Tables size each column to its
// widest cell; CSV goes through the one CSV writer (services/common/csv_writer.h),
// which quotes per RFC 4180 and neutralises cells a spreadsheet would run as formulas.
#ifndef TIMEBANK_CLIENTS_COMMON_TABLE_H_
#define TIMEBANK_CLIENTS_COMMON_TABLE_H_

#include <cstdio>
#include <string>
#include <vector>

#include "services/common/csv_writer.h"
#include "services/common/text_formats.h"

namespace timebank::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  size_t size() const { return rows_.size(); }
  void Print(FILE* out) const;
  void PrintCsv(FILE* out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace timebank::cli

#endif  // TIMEBANK_CLIENTS_COMMON_TABLE_H_
