#include "services/common/text_rule.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "storage/absl_compat.h"
#include "storage/check.h"

namespace timebank {
namespace {

// The length of the well-formed UTF-8 sequence at text[i] (its code point in *cp), or
// 0 when the bytes there start none.
size_t DecodeUtf8(std::string_view text, size_t i, char32_t* cp) {
  const auto c = static_cast<uint8_t>(text[i]);
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t len;
  char32_t v;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    v = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    v = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    v = c & 0x07;
  } else {
    return 0;
  }
  if (text.size() - i < len) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto cc = static_cast<uint8_t>(text[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    v = (v << 6) | (cc & 0x3F);
  }
  static constexpr char32_t kMinForLen[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < kMinForLen[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return len;
}

bool IsBidiControl(char32_t cp) {
  return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}
bool IsControl(char32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }
bool IsLineBreak(char32_t cp) { return cp == '\n' || cp == 0x2028 || cp == 0x2029; }

// Printable ASCII (and line feeds where allowed) is already NFC and needs no decoding.
bool IsPlainAscii(std::string_view text, Lines lines) {
  for (char c : text) {
    const auto u = static_cast<uint8_t>(c);
    if ((u < 0x20 || u > 0x7E) && !(u == '\n' && lines == Lines::kMany)) return false;
  }
  return true;
}

const icu::Normalizer2& Nfc() {
  static const icu::Normalizer2* const nfc = [] {
    UErrorCode error = U_ZERO_ERROR;
    const icu::Normalizer2* n = icu::Normalizer2::getNFCInstance(error);
    TB_CHECK(U_SUCCESS(error) && n != nullptr);  // ICU's data is part of the library
    return n;
  }();
  return *nfc;
}

icu::StringPiece Piece(std::string_view text) {
  return icu::StringPiece(text.data(), static_cast<int32_t>(text.size()));
}

// What a character is, for a person ("a right-to-left override").
std::string_view CharacterName(char32_t cp) {
  switch (cp) {
    case 0x00:
      return "a null character";
    case 0x09:
      return "a tab";
    case 0x0A:
      return "a line break";
    case 0x0D:
      return "a carriage return";
    case 0x1B:
      return "an escape character";
    case 0x7F:
      return "a delete character";
    case 0x2028:
      return "a line separator";
    case 0x2029:
      return "a paragraph separator";
    case 0x202A:
      return "a left-to-right embedding";
    case 0x202B:
      return "a right-to-left embedding";
    case 0x202C:
      return "a pop directional formatting";
    case 0x202D:
      return "a left-to-right override";
    case 0x202E:
      return "a right-to-left override";
    case 0x2066:
      return "a left-to-right isolate";
    case 0x2067:
      return "a right-to-left isolate";
    case 0x2068:
      return "a first strong isolate";
    case 0x2069:
      return "a pop directional isolate";
    default:
      return "a control character";
  }
}

}  // namespace

bool IsForbiddenInText(char32_t cp) {
  return IsControl(cp) || IsBidiControl(cp) || cp == 0x2028 || cp == 0x2029;
}

std::optional<size_t> FindInvalidUtf8(std::string_view text) {
  char32_t cp;
  for (size_t i = 0; i < text.size();) {
    const size_t len = DecodeUtf8(text, i, &cp);
    if (len == 0) return i + 1;
    i += len;
  }
  return std::nullopt;
}

bool IsNfc(std::string_view text) {
  UErrorCode error = U_ZERO_ERROR;
  const bool nfc = Nfc().isNormalizedUTF8(Piece(text), error);
  return U_SUCCESS(error) && nfc;
}

std::optional<TextProblem> ApplyTextRule(std::string_view text, const TextRule& rule,
                                         std::string* normalised, bool* changed) {
  TB_CHECK(normalised != nullptr && changed != nullptr);
  *changed = false;
  if (IsPlainAscii(text, rule.lines)) {
    if (text.size() > rule.max_bytes) {
      return TextProblem{.kind = TextProblem::Kind::kTooLong, .bytes = text.size()};
    }
    return std::nullopt;
  }
  size_t character = 0;
  for (size_t i = 0; i < text.size();) {
    ++character;
    char32_t cp = 0;
    const size_t len = DecodeUtf8(text, i, &cp);
    if (len == 0) {
      return TextProblem{
          .kind = TextProblem::Kind::kInvalidUtf8, .character = character, .byte = i + 1};
    }
    i += len;
    if (IsLineBreak(cp)) {
      if (cp == '\n' && rule.lines == Lines::kMany) continue;
      return TextProblem{
          .kind = TextProblem::Kind::kLineBreak, .character = character, .code_point = cp};
    }
    if (IsControl(cp)) {
      return TextProblem{
          .kind = TextProblem::Kind::kControl, .character = character, .code_point = cp};
    }
    if (IsBidiControl(cp)) {
      return TextProblem{
          .kind = TextProblem::Kind::kBidiControl, .character = character, .code_point = cp};
    }
  }
  // Valid UTF-8 of bounded size (gRPC messages are at most 32 MiB): ICU cannot fail.
  UErrorCode error = U_ZERO_ERROR;
  const bool nfc = Nfc().isNormalizedUTF8(Piece(text), error);
  TB_CHECK(U_SUCCESS(error));
  size_t bytes = text.size();
  if (!nfc) {
    normalised->clear();
    icu::StringByteSink<std::string> sink(normalised);
    Nfc().normalizeUTF8(0, Piece(text), sink, nullptr, error);
    TB_CHECK(U_SUCCESS(error));
    *changed = true;
    bytes = normalised->size();
  }
  if (bytes > rule.max_bytes) {
    *changed = false;
    return TextProblem{.kind = TextProblem::Kind::kTooLong, .bytes = bytes};
  }
  return std::nullopt;
}

std::optional<TextProblem> NormaliseTextInPlace(std::string* text, const TextRule& rule) {
  std::string normalised;
  bool changed = false;
  std::optional<TextProblem> p = ApplyTextRule(*text, rule, &normalised, &changed);
  if (changed) *text = std::move(normalised);
  return p;
}

std::string DescribeTextProblem(std::string_view field, const TextProblem& p,
                                const TextRule& rule) {
  const std::string what =
      absl::StrFormat("character %d is U+%04X (%s)", p.character,
                      static_cast<uint32_t>(p.code_point), AsAbsl(CharacterName(p.code_point)));
  switch (p.kind) {
    case TextProblem::Kind::kInvalidUtf8:
      return absl::StrCat(AsAbsl(field), ": character ", p.character, " (byte ", p.byte,
                          ") is not valid UTF-8; send the text as UTF-8");
    case TextProblem::Kind::kControl:
      return absl::StrCat(AsAbsl(field), ": ", what,
                          ", a control character that cannot be shown; remove it");
    case TextProblem::Kind::kLineBreak:
      if (rule.lines == Lines::kOne) {
        return absl::StrCat(AsAbsl(field), ": ", what, "; this field is one line, so remove it");
      }
      return absl::StrCat(AsAbsl(field), ": ", what,
                          "; use an ordinary line break (U+000A) instead");
    case TextProblem::Kind::kBidiControl:
      return absl::StrCat(AsAbsl(field), ": ", what,
                          ", which can make text read differently from what it says; remove it");
    case TextProblem::Kind::kTooLong:
      return absl::StrCat(AsAbsl(field), ": at most ", rule.max_bytes, " bytes (this is ", p.bytes,
                          " bytes in UTF-8, normalised); shorten it");
  }
  return absl::StrCat(AsAbsl(field), ": not acceptable text");
}

absl::StatusOr<std::string> NormaliseText(std::string_view field, std::string_view text,
                                          const TextRule& rule) {
  std::string normalised;
  bool changed = false;
  if (std::optional<TextProblem> p = ApplyTextRule(text, rule, &normalised, &changed)) {
    return absl::InvalidArgumentError(DescribeTextProblem(field, *p, rule));
  }
  if (!changed) normalised.assign(text);
  return normalised;
}

absl::Status CheckText(std::string_view field, std::string_view text, const TextRule& rule) {
  std::string normalised;
  bool changed = false;
  if (std::optional<TextProblem> p = ApplyTextRule(text, rule, &normalised, &changed)) {
    return absl::InvalidArgumentError(DescribeTextProblem(field, *p, rule));
  }
  return absl::OkStatus();
}

}  // namespace timebank
