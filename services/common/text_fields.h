// The one table of the string fields that requests carry, and its application where a
// request enters the server. Every string field of every message a request can hold
// is classified here: human-readable text (with its rule: a limit in bytes after
// normalisation, and whether it may hold line breaks) or an identifier, code, token,
// secret or path that the text rule leaves alone. tests/text/text_fields_test.cc fails
// when a request gains a string field this table does not name, and a string field
// that is missing all the same is treated as one-line text, so a new text field cannot
// skip the rule. The limits below are the only place each number is written.
#ifndef TIMEBANK_SERVICES_COMMON_TEXT_FIELDS_H_
#define TIMEBANK_SERVICES_COMMON_TEXT_FIELDS_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "services/common/text_rule.h"

namespace google::protobuf {
class Descriptor;
class Message;
}  // namespace google::protobuf

namespace timebank {

// Limits of the human-readable fields, in bytes of UTF-8 after NFC normalisation.
struct TextLimits {
  // Names of communities, organisations, members and API keys; member searches.
  static constexpr size_t kNameBytes = 128;
  static constexpr size_t kEmailBytes = 254;
  static constexpr size_t kPhoneBytes = 32;
  // Skills and interests of members; tags of offers and requests.
  static constexpr size_t kTagBytes = 40;
  // Why a decision was taken (roles, statuses, reviews, disputes, reversals, claims);
  // invitation notes.
  static constexpr size_t kReasonBytes = 512;
  static constexpr size_t kActivityDescriptionBytes = 512;
  // Offers and requests: the title, and the details (several lines); post searches.
  static constexpr size_t kPostTitleBytes = 128;
  static constexpr size_t kPostDetailsBytes = 2048;
  static constexpr size_t kPostMessageBytes = 1000;
  static constexpr size_t kClaimTitleBytes = 128;
  static constexpr size_t kClaimLineDescriptionBytes = 256;
  static constexpr size_t kReceiptFilenameBytes = 128;
  // The bank's or payroll's reference for a payment run.
  static constexpr size_t kPaymentReferenceBytes = 64;
  // A bank account's name as typed; the expenses service then holds it to the Bacs
  // rule (18 characters of A-Z 0-9 space . & / -) and says how to shorten it.
  static constexpr size_t kBankAccountNameBytes = 64;
  // Ledger: a transfer's memo and reference, an account's owner reference.
  static constexpr size_t kMemoBytes = 512;
  static constexpr size_t kTransferReferenceBytes = 256;
  static constexpr size_t kOwnerRefBytes = 128;
  // Rewards: a coordinator's note of a change on a dashboard.
  static constexpr size_t kAnnotationBytes = 200;
  // Rewards: a thank-you note on an activity (one line, plain text).
  static constexpr size_t kThankYouBytes = 280;
  // Badge rules (the same limits as services/rewards/badges/badge_rules.h).
  static constexpr size_t kBadgeNameBytes = 128;
  static constexpr size_t kBadgeDescriptionBytes = 512;
  static constexpr size_t kBadgeCriteriaBytes = 1024;
  // What a string field the table does not name may hold (one line, the whole message).
  static constexpr size_t kUnclassifiedBytes = size_t{32} << 20;
};

enum class StringKind : uint8_t {
  kText,    // human-readable: the text rule applies
  kId,      // identifiers, numbers and idempotency keys, checked by each service's own rule
  kCode,    // machine codes: units, currencies, time zones, dates, months, hashes, results
  kToken,   // page tokens and etags the server issued
  kSecret,  // passwords, API keys, refresh tokens, invitation and setup codes (compared as
            // bytes, never shown; normalising would change what a person set)
  kPath,    // a file-system path on the server: bytes, checked but never normalised
};

// Where the text rule is applied to a text field.
enum class Enforced : uint8_t {
  // Where the request enters the server (NormaliseRequestText): the whole call is
  // refused with INVALID_ARGUMENT naming the field.
  kAtEntry,
  // By the service, per item of a batch, as that item's own result: the ledger's result
  // codes for transfers and accounts (docs/API.md), an import row's outcome. The
  // service normalises the text itself before it compares or stores it.
  kPerItem,
};

struct StringField {
  std::string_view name;  // full protobuf name: "timebank.directory.v1.Member.display_name"
  StringKind kind;
  TextRule rule = {};  // kText only
  Enforced enforced = Enforced::kAtEntry;
};

// Every classified field, in one place (text_fields.cc).
const std::vector<StringField>& StringFieldTable();
const StringField* FindStringField(std::string_view full_name);

// Applies the text rule to every kAtEntry text field of `request`, in nested and
// repeated messages too, normalising each in place; a string field the table does not
// name is treated as one-line text. The first refusal is INVALID_ARGUMENT naming the
// field's path: "claim.lines[2].description: character 7 is U+202E (...)...".
absl::Status NormaliseRequestText(google::protobuf::Message* request);

// Every string field reachable from a message of type `type`, by path ("post.title",
// "claim.lines.description"; a repeated message adds no index), with its entry in the
// table: what the descriptor-driven tests classify and send hostile text in.
struct StringFieldPath {
  std::string path;
  std::string full_name;
  const StringField* field;  // null for a field the table does not name
};
std::vector<StringFieldPath> StringFieldsOf(const google::protobuf::Descriptor* type);

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_COMMON_TEXT_FIELDS_H_
