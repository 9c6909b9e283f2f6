// CsvWriter is the one writer of every CSV file timebank produces (statements and
// lists from tbctl, payment batches, the money book's journal export, import reports).
// It writes RFC 4180 (CRLF line ends; a field is quoted when it holds a comma, a quote
// or a line break, quotes doubled) for finance staff who open the files in
// spreadsheets, so it also neutralises formulas: a cell that starts with = + - @, a tab
// or a carriage return, which a spreadsheet would run as a formula, is written with a
// leading apostrophe and reads as the text it is ("'=HYPERLINK(...)").
// Numbers stay numbers: a cell that is wholly a plain decimal number (an optional
// minus, digits, and optionally a point and more digits: "-12.50", "-90") cannot be a
// formula, so it is written as is and a spreadsheet reads it as a number. That keeps
// the negative amounts and balances the programs format themselves usable in sums,
// whoever typed the cell; a duration such as "-1h30m" is not a number to a
// spreadsheet, and is neutralised like any other text (statements carry the plain
// minutes in their own column).
#ifndef TIMEBANK_SERVICES_COMMON_CSV_WRITER_H_
#define TIMEBANK_SERVICES_COMMON_CSV_WRITER_H_

#include <string>
#include <string_view>
#include <vector>

namespace timebank {

class CsvWriter {
 public:
  // Appends one record.
  void AddRow(const std::vector<std::string>& cells);
  const std::string& text() const { return text_; }
  std::string Take() && { return std::move(text_); }

  // One cell as it is written: neutralised if a formula could start it, then quoted
  // if it needs to be.
  static std::string Cell(std::string_view value);
  // True when the cell is written behind an apostrophe (a formula could start it).
  static bool Neutralises(std::string_view value);
  // A cell as read back from a file this writer wrote, without the apostrophe it put
  // before a formula ("'=x" -> "=x"); any other cell unchanged.
  static std::string_view WithoutNeutraliser(std::string_view cell);
  // True for a plain decimal number: -?[0-9]+(\.[0-9]+)?
  static bool IsPlainNumber(std::string_view value);

 private:
  std::string text_;
};

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_COMMON_CSV_WRITER_H_
