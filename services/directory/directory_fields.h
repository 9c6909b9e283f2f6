// Field checks the directory's aggregates share: names (community, organisation,
// member, API key), reasons and notes, member numbers. Built from the record kit's
// FieldError and BoundedText (services/common/records/bounded_text.h) with the limits
// of services/common/text_fields.h; INVALID_ARGUMENT names the field.
#ifndef TIMEBANK_SERVICES_DIRECTORY_DIRECTORY_FIELDS_H_
#define TIMEBANK_SERVICES_DIRECTORY_DIRECTORY_FIELDS_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "services/common/records/bounded_text.h"

namespace timebank::directory {

// A name: the text rule within TextLimits::kNameBytes, and not blank; `required`: not
// empty either.
absl::Status CheckName(const char* field, const std::string& v, bool required);
// A reason or note: optional text within TextLimits::kReasonBytes.
absl::Status CheckReason(const char* field, const std::string& v);

// Member numbers as printed on cards: 1..32 of [A-Za-z0-9-].
inline constexpr size_t kMaxMemberNumberBytes = 32;
bool IsMemberNumber(const std::string& n);

}  // namespace timebank::directory

#endif  // TIMEBANK_SERVICES_DIRECTORY_DIRECTORY_FIELDS_H_
