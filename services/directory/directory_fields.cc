#include "services/directory/directory_fields.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/ascii.h"
#include "services/common/text_fields.h"
#include "services/directory/directory.h"
#include "storage/check.h"

namespace timebank::directory {

using records::BoundedText;
using records::FieldError;

absl::Status CheckName(const char* field, const std::string& v, bool required) {
  if (v.empty()) return required ? FieldError(field, "required") : absl::OkStatus();
  TB_RETURN_IF_ERROR((BoundedText{field, {TextLimits::kNameBytes}}.Check(v)));
  if (absl::StripAsciiWhitespace(v).empty()) return FieldError(field, "must not be blank");
  return absl::OkStatus();
}

absl::Status CheckReason(const char* field, const std::string& v) {
  return BoundedText{field, {TextLimits::kReasonBytes}}.Check(v);
}

bool IsMemberNumber(const std::string& n) {
  return !n.empty() && n.size() <= kMaxMemberNumberBytes &&
         std::all_of(n.begin(), n.end(), [](char ch) {
           return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-';
         });
}

absl::Status ValidateUsername(const std::string& u) {
  if (u.size() < 3 || u.size() > 64 || !std::all_of(u.begin(), u.end(), [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
               ch == '-';
      })) {
    return FieldError("username", "3..64 of a-z, 0-9, . _ and -");
  }
  return absl::OkStatus();
}

absl::Status ValidatePassword(const std::string& p) {
  if (p.size() < 10 || p.size() > 256) {
    return FieldError("password", "10..256 bytes; a few unrelated words make a good one");
  }
  return absl::OkStatus();
}

}  // namespace timebank::directory
