#include "services/common/records/bounded_text.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/validation.h"
#include "storage/absl_compat.h"

namespace timebank::records {

absl::Status FieldError(std::string_view field, std::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(AsAbsl(field), ": ", AsAbsl(problem)));
}

absl::Status CheckRequestId(std::string_view request_id) {
  if (!request_id.empty() && !IsValidId(request_id, kMaxRequestIdBytes)) {
    return FieldError("request_id", "1..64 of A-Z a-z 0-9 . _ : -");
  }
  return absl::OkStatus();
}

namespace {
// Spaces alone say nothing: a required field holding only them is missing.
bool Blank(std::string_view text) { return absl::StripAsciiWhitespace(AsAbsl(text)).empty(); }
}  // namespace

absl::Status BoundedText::Check(std::string_view text) const {
  if (Blank(text) && !when_missing.empty()) return FieldError(field, when_missing);
  return CheckText(field, text, rule);
}

absl::Status BoundedText::CheckRequired(std::string_view text, const char* why) const {
  if (Blank(text) && why != nullptr) return FieldError(field, why);
  return CheckText(field, text, rule);
}

absl::StatusOr<std::string> BoundedText::Normalise(std::string_view text) const {
  if (Blank(text) && !when_missing.empty()) return FieldError(field, when_missing);
  return NormaliseText(field, text, rule);
}

}  // namespace timebank::records
