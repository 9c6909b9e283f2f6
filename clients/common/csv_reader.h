// Reads CSV text (RFC 4180: quoted fields, doubled quotes, CRLF or LF line ends, a
// leading UTF-8 byte-order mark as spreadsheets write it) one record at a time, with
// the line each record starts on so errors can point at it. Bounded: a field over
// kMaxFieldBytes or a record over kMaxFields is an error for that record, and reading
// resumes at the next line.
#ifndef TIMEBANK_CLIENTS_COMMON_CSV_READER_H_
#define TIMEBANK_CLIENTS_COMMON_CSV_READER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace timebank::cli {

struct CsvRecord {
  uint32_t line = 0;  // 1-based line the record starts on
  std::vector<std::string> fields;
  std::string error;  // non-empty: the record is malformed (fields may be partial)
};

class CsvReader {
 public:
  static constexpr size_t kMaxFieldBytes = 4096;
  static constexpr size_t kMaxFields = 64;

  // `text` must outlive the reader.
  explicit CsvReader(std::string_view text);
  // The next record; false at the end. Blank lines are skipped.
  bool Next(CsvRecord* record);

 private:
  void SkipToNextLine();
  std::string_view text_;
  size_t pos_ = 0;
  uint32_t line_ = 1;
};

}  // namespace timebank::cli

#endif  // TIMEBANK_CLIENTS_COMMON_CSV_READER_H_
