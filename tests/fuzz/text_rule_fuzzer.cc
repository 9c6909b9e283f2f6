// libFuzzer target for the text rule (services/common/text_rule.h). The first byte
// picks the rule (one line or several, and a limit); the rest is the text. Properties:
// accepted text comes out valid UTF-8, in NFC, within the limit, free of every
// forbidden character, and applying the rule again changes nothing; a refusal names a
// position inside the text, and the character it names is the one refused.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "services/common/text_rule.h"
#include "storage/check.h"

namespace {

using timebank::TextProblem;
using timebank::TextRule;

// Decodes valid UTF-8 (checked beforehand): the code points, in order.
std::u32string Decode(std::string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<uint8_t>(s[i]);
    const size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
    char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<uint8_t>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += len;
  }
  return out;
}

void CheckAccepted(std::string_view text, const TextRule& rule) {
  TB_CHECK(!timebank::FindInvalidUtf8(text).has_value());
  TB_CHECK(timebank::IsNfc(text));
  TB_CHECK(text.size() <= rule.max_bytes);
  for (char32_t cp : Decode(text)) {
    const bool allowed_break = cp == '\n' && rule.lines == timebank::Lines::kMany;
    TB_CHECK(allowed_break || !timebank::IsForbiddenInText(cp));
  }
  std::string again;
  bool changed = true;
  TB_CHECK(!timebank::ApplyTextRule(text, rule, &again, &changed).has_value());
  TB_CHECK(!changed);  // idempotent
}

void CheckRefusal(std::string_view text, const TextRule& rule, const TextProblem& p) {
  TB_CHECK(!timebank::DescribeTextProblem("field", p, rule).empty());
  switch (p.kind) {
    case TextProblem::Kind::kTooLong:
      TB_CHECK(p.bytes > rule.max_bytes);
      return;
    case TextProblem::Kind::kInvalidUtf8: {
      TB_CHECK(p.byte >= 1 && p.byte <= text.size());
      TB_CHECK(timebank::FindInvalidUtf8(text) == p.byte);
      // Everything before the named byte is valid, and is character - 1 characters.
      const std::string_view before = text.substr(0, p.byte - 1);
      TB_CHECK(!timebank::FindInvalidUtf8(before).has_value());
      TB_CHECK(Decode(before).size() + 1 == p.character);
      return;
    }
    default: {
      TB_CHECK(p.character >= 1);
      // The text up to the refused character is valid; the character is the one named.
      size_t i = 0;
      size_t seen = 0;
      char32_t last = 0;
      while (seen < p.character) {
        TB_CHECK(i < text.size());
        std::string_view rest = text.substr(i);
        size_t len = 1;
        while (len < 4 && len < rest.size() && timebank::FindInvalidUtf8(rest.substr(0, len))) {
          ++len;
        }
        const std::string_view one = rest.substr(0, len);
        TB_CHECK(!timebank::FindInvalidUtf8(one).has_value());
        last = Decode(one).at(0);
        i += len;
        ++seen;
      }
      TB_CHECK(last == p.code_point);
      TB_CHECK(timebank::IsForbiddenInText(p.code_point) || p.code_point == '\n');
      return;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const TextRule rule = {static_cast<size_t>(data[0] >> 1) * 8,
                         (data[0] & 1) ? timebank::Lines::kMany : timebank::Lines::kOne};
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string normalised;
  bool changed = false;
  const std::optional<TextProblem> p = timebank::ApplyTextRule(text, rule, &normalised, &changed);
  if (p) {
    CheckRefusal(text, rule, *p);
  } else {
    CheckAccepted(changed ? std::string_view(normalised) : text, rule);
    absl::StatusOr<std::string> via_status = timebank::NormaliseText("field", text, rule);
    TB_CHECK(via_status.ok() && *via_status == (changed ? normalised : std::string(text)));
  }
  return 0;
}
