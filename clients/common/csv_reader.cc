#include "clients/common/csv_reader.h"

namespace timebank::cli {

CsvReader::CsvReader(std::string_view text) : text_(text) {
  if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
}

void CsvReader::SkipToNextLine() {
  while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
  if (pos_ < text_.size()) {
    ++pos_;
    ++line_;
  }
}

bool CsvReader::Next(CsvRecord* record) {
  // Skip blank lines (including "\r\n").
  while (pos_ < text_.size() && (text_[pos_] == '\n' || text_[pos_] == '\r')) {
    if (text_[pos_] == '\n') ++line_;
    ++pos_;
  }
  if (pos_ >= text_.size()) return false;
  record->line = line_;
  record->fields.clear();
  record->error.clear();
  std::string field;
  bool quoted = false;      // inside a quoted field
  bool was_quoted = false;  // the current field was quoted (only a separator may follow)
  auto note = [&](const char* why) {
    if (record->error.empty()) record->error = why;
  };
  auto end_field = [&] {
    if (record->fields.size() < kMaxFields) {
      record->fields.push_back(std::move(field));
    } else {
      note("more than 64 fields");
    }
    field.clear();
    was_quoted = false;
  };
  while (pos_ < text_.size()) {
    const char c = text_[pos_++];
    if (quoted) {
      if (c == '"' && pos_ < text_.size() && text_[pos_] == '"') {
        ++pos_;
      } else if (c == '"') {
        quoted = false;
        continue;
      } else if (c == '\n') {
        ++line_;
      }
    } else if (c == ',') {
      end_field();
      continue;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
      ++line_;
      end_field();
      return true;
    } else if (c == '"' && field.empty() && !was_quoted) {
      quoted = was_quoted = true;
      continue;
    } else if (was_quoted) {
      note("text after a closing quote; quote the whole field");
    } else if (c == '"') {
      note("a quote inside an unquoted field; quote the field and double the quote");
    }
    if (field.size() < kMaxFieldBytes) {
      field += c;
    } else {
      note("a field longer than 4096 bytes");
    }
  }
  if (quoted) note("a quoted field is never closed");
  end_field();
  return true;
}

}  // namespace timebank::cli
