// The one rule for human-readable text (names, titles, descriptions, memos, reasons,
// notes, filenames, tags): what a coordinator or finance officer reads must be what was
// written. Text is valid UTF-8; holds no control character (C0, DEL, C1; a line feed
// only where the field is several lines) and no Unicode line or paragraph separator;
// holds no bidirectional embedding, override or isolate (U+202A..U+202E,
// U+2066..U+2069), which can make text display in an order other than the one stored;
// and is normalised to NFC (ICU), so "e" + U+0301 and "é" are the same name. The
// normalised text is what is stored: a retried request normalises the same way, so
// idempotent replays still match. Limits are in bytes after normalisation.
// services/common/text_fields.h says which fields follow the rule, and their limits.
#ifndef TIMEBANK_SERVICES_COMMON_TEXT_RULE_H_
#define TIMEBANK_SERVICES_COMMON_TEXT_RULE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace timebank {

enum class Lines : uint8_t {
  kOne,   // no line break at all
  kMany,  // line feeds (U+000A) allowed, nothing else
};

struct TextRule {
  size_t max_bytes = 0;  // after NFC normalisation
  Lines lines = Lines::kOne;
};

// Why text was refused, and where.
struct TextProblem {
  enum class Kind : uint8_t {
    kInvalidUtf8,  // `byte` (1-based) starts no well-formed UTF-8 sequence
    kControl,      // a control character (C0 other than an allowed line feed, DEL, C1)
    kLineBreak,    // a line feed in a one-line field, or U+2028 / U+2029 anywhere
    kBidiControl,  // U+202A..U+202E, U+2066..U+2069
    kTooLong,      // `bytes` after normalisation is over the rule's max_bytes
  };
  Kind kind = Kind::kInvalidUtf8;
  // 1-based index of the offending character in the text as sent (code points, not
  // bytes); for kTooLong, 0.
  size_t character = 0;
  char32_t code_point = 0;  // kControl, kLineBreak, kBidiControl
  size_t byte = 0;          // kInvalidUtf8: 1-based byte offset
  size_t bytes = 0;         // kTooLong: the normalised size
};

// Applies the rule. On success returns nothing and sets `*changed`: true when the text
// was not in NFC, its NFC form then being in `*normalised`; false when it already was
// (the common case, which copies nothing: plain printable ASCII is its own NFC form
// and is checked without decoding). Otherwise returns the first problem.
std::optional<TextProblem> ApplyTextRule(std::string_view text, const TextRule& rule,
                                         std::string* normalised, bool* changed);

// ApplyTextRule on a string in place (left alone unless it changes).
std::optional<TextProblem> NormaliseTextInPlace(std::string* text, const TextRule& rule);

// A sentence for a person, naming the field and the position, saying what to do:
// "display_name: character 7 is U+202E (a right-to-left override), which can make text
// read differently from what it says; remove it".
std::string DescribeTextProblem(std::string_view field, const TextProblem& problem,
                                const TextRule& rule);

// ApplyTextRule with the refusal as INVALID_ARGUMENT (DescribeTextProblem's sentence).
absl::StatusOr<std::string> NormaliseText(std::string_view field, std::string_view text,
                                          const TextRule& rule);

// The rule as a check, for domain cores that are handed text already normalised where
// the request entered (services/common/text_fields.h): OK, or NormaliseText's refusal.
absl::Status CheckText(std::string_view field, std::string_view text, const TextRule& rule);

// Well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF); nullopt, or
// the 1-based offset of the first byte that starts no well-formed sequence.
std::optional<size_t> FindInvalidUtf8(std::string_view text);

// True when the text is in Unicode Normalization Form C (valid UTF-8 expected).
bool IsNfc(std::string_view text);

// The characters the rule refuses, whatever the field (line feeds aside).
bool IsForbiddenInText(char32_t code_point);

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_COMMON_TEXT_RULE_H_
