// Bounded text checks for the record kit (services/common/records/records.h): a text
// field named as its errors name it, with a limit from services/common/text_fields.h's
// TextLimits and the one text rule (services/common/text_rule.h), and whether it is
// required. Plus the two checks every service repeats: INVALID_ARGUMENT "field: problem"
// and the request_id rule.
#ifndef TIMEBANK_SERVICES_COMMON_RECORDS_BOUNDED_TEXT_H_
#define TIMEBANK_SERVICES_COMMON_RECORDS_BOUNDED_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/common/text_rule.h"

namespace timebank::records {

// INVALID_ARGUMENT "<field>: <problem>": bad input names the field.
absl::Status FieldError(std::string_view field, std::string_view problem);

// A request_id: empty (no idempotency) or 1..kMaxRequestIdBytes of [A-Za-z0-9._:-].
inline constexpr size_t kMaxRequestIdBytes = 64;
absl::Status CheckRequestId(std::string_view request_id);

struct BoundedText {
  std::string_view field;  // as errors name it: "post.title"
  TextRule rule;           // its limit (a TextLimits constant) and lines
  // Not empty: the field is required (spaces alone are missing too), and this says
  // what to write when it is missing ("required: what was done").
  std::string_view when_missing = {};

  // OK, or INVALID_ARGUMENT naming the field: missing (when required) or breaking the rule.
  absl::Status Check(std::string_view text) const;
  // Check with a reason for requiring it given here (`why` null: optional this time).
  absl::Status CheckRequired(std::string_view text, const char* why) const;
  // The text normalised (NFC), or Check's refusal.
  absl::StatusOr<std::string> Normalise(std::string_view text) const;
};

}  // namespace timebank::records

#endif  // TIMEBANK_SERVICES_COMMON_RECORDS_BOUNDED_TEXT_H_
