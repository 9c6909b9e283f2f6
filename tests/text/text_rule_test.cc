// The text rule (services/common/text_rule.h): every class of character it refuses,
// where it says the problem is, NFC normalisation, and limits counted after it.
#include "services/common/text_rule.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"

namespace timebank {
namespace {

constexpr TextRule kLine = {256, Lines::kOne};
constexpr TextRule kLines = {256, Lines::kMany};

// UTF-8 of one code point.
std::string U8(char32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return s;
}

std::optional<TextProblem> Problem(const std::string& text, const TextRule& rule = kLine) {
  std::string normalised;
  bool changed = false;
  return ApplyTextRule(text, rule, &normalised, &changed);
}

TEST(TextRuleTest, PlainTextAndEveryScriptPassUnchanged) {
  for (const std::string text :
       {"", "Riverside Time Bank",
        "Łódź, 日本, Ελληνικά, עברית, العربية, 🙂", "a = b + c @ d"}) {
    std::string normalised;
    bool changed = true;
    EXPECT_EQ(ApplyTextRule(text, kLine, &normalised, &changed), std::nullopt) << text;
    EXPECT_FALSE(changed) << text;
    EXPECT_EQ(*NormaliseText("f", text, kLine), text);
  }
}

TEST(TextRuleTest, EveryControlCharacterIsRefusedAtItsPosition) {
  std::vector<char32_t> controls;
  for (char32_t c = 0; c < 0x20; ++c) controls.push_back(c);
  for (char32_t c = 0x7F; c <= 0x9F; ++c) controls.push_back(c);
  for (char32_t cp : controls) {
    const std::string text = "ab" + U8(cp) + "c";
    for (const TextRule& rule : {kLine, kLines}) {
      std::optional<TextProblem> p = Problem(text, rule);
      if (cp == '\n' && rule.lines == Lines::kMany) {
        EXPECT_EQ(p, std::nullopt);
        continue;
      }
      ASSERT_TRUE(p.has_value()) << absl::StrFormat("U+%04X", static_cast<uint32_t>(cp));
      EXPECT_EQ(p->kind, cp == '\n' ? TextProblem::Kind::kLineBreak : TextProblem::Kind::kControl);
      EXPECT_EQ(p->character, 3u);
      EXPECT_EQ(p->code_point, cp);
    }
  }
}

TEST(TextRuleTest, LineFeedsOnlyWhereTheFieldIsSeveralLines) {
  EXPECT_EQ(Problem("first line\nsecond line", kLines), std::nullopt);
  EXPECT_EQ(Problem("first line\nsecond line", kLine)->kind, TextProblem::Kind::kLineBreak);
  // A carriage return is a control character either way; so are Unicode's own line and
  // paragraph separators, which no field takes.
  EXPECT_EQ(Problem("windows\r\nline", kLines)->kind, TextProblem::Kind::kControl);
  for (char32_t cp : {char32_t{0x2028}, char32_t{0x2029}}) {
    for (const TextRule& rule : {kLine, kLines}) {
      std::optional<TextProblem> p = Problem("x" + U8(cp), rule);
      ASSERT_TRUE(p.has_value());
      EXPECT_EQ(p->kind, TextProblem::Kind::kLineBreak);
      EXPECT_EQ(p->character, 2u);
    }
  }
}

TEST(TextRuleTest, EveryBidirectionalOverrideAndIsolateIsRefused) {
  for (char32_t cp : {0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069}) {
    std::optional<TextProblem> p = Problem("Zoë " + U8(cp) + "gnp.exe", kLines);
    ASSERT_TRUE(p.has_value()) << absl::StrFormat("U+%04X", static_cast<uint32_t>(cp));
    EXPECT_EQ(p->kind, TextProblem::Kind::kBidiControl);
    EXPECT_EQ(p->character, 5u);  // characters, not bytes: ë is two bytes
    EXPECT_EQ(p->code_point, cp);
  }
  // Their neighbours, and the marks that right-to-left scripts need, are ordinary text.
  for (char32_t cp : {0x200E, 0x200F, 0x061C, 0x2027, 0x202F, 0x2065, 0x206A}) {
    EXPECT_EQ(Problem("a" + U8(cp) + "b"), std::nullopt)
        << absl::StrFormat("U+%04X", static_cast<uint32_t>(cp));
  }
}

TEST(TextRuleTest, IllFormedUtf8IsRefusedWithItsByteAndCharacter) {
  struct Case {
    std::string text;
    size_t byte, character;
  } cases[] = {
      {"\xc0\x80", 1, 1},          // overlong NUL
      {"ab\xed\xa0\x80", 3, 3},    // a surrogate
      {"\xf4\x90\x80\x80", 1, 1},  // above U+10FFFF
      {"caf\xc3", 4, 4},           // truncated
      {"é\x80", 3, 2},             // a lone continuation byte after two-byte é
      {"ok\xff", 3, 3},            // never valid
  };
  for (const Case& c : cases) {
    std::optional<TextProblem> p = Problem(c.text);
    ASSERT_TRUE(p.has_value()) << c.text;
    EXPECT_EQ(p->kind, TextProblem::Kind::kInvalidUtf8);
    EXPECT_EQ(p->byte, c.byte) << c.text;
    EXPECT_EQ(p->character, c.character) << c.text;
    EXPECT_EQ(FindInvalidUtf8(c.text), c.byte);
  }
}

TEST(TextRuleTest, TextIsNormalisedToNfc) {
  EXPECT_EQ(*NormaliseText("f", "e\u0301", kLine), "\u00e9");  // é
  EXPECT_EQ(*NormaliseText("f", "Ame\u0301lie", kLine), "Am\u00e9lie");
  EXPECT_EQ(*NormaliseText("f", "A\u030a", kLine), "\u00c5");               // Å
  EXPECT_EQ(*NormaliseText("f", "\u1100\u1161", kLine), "\uac00");          // Hangul 가
  EXPECT_EQ(*NormaliseText("f", "\u212b", kLine), "\u00c5");                // Ångström sign
  EXPECT_EQ(*NormaliseText("f", "q\u0307\u0323", kLine), "q\u0323\u0307");  // mark order
  // NFC, not NFKC: compatibility characters keep their meaning.
  EXPECT_EQ(*NormaliseText("f", "\ufb01 \u00bd", kLine), "\ufb01 \u00bd");
  std::string in_place = "Zoe\u0308";
  EXPECT_EQ(NormaliseTextInPlace(&in_place, kLine), std::nullopt);
  EXPECT_EQ(in_place, "Zo\u00eb");
  EXPECT_TRUE(IsNfc(in_place));
  EXPECT_FALSE(IsNfc("Zoe\u0308"));
  // Normalising twice changes nothing more.
  const std::string once = *NormaliseText("f", "e\u0301\u0327 A\u030a", kLine);
  EXPECT_EQ(*NormaliseText("f", once, kLine), once);
}

TEST(TextRuleTest, LimitsCountBytesAfterNormalisation) {
  // "e" + U+0301 is three bytes as sent and two once normalised.
  EXPECT_EQ(*NormaliseText("f", "e\u0301", {2}), "\u00e9");
  std::optional<TextProblem> p = Problem("\u00e9\u00e9", {3});
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->kind, TextProblem::Kind::kTooLong);
  EXPECT_EQ(p->bytes, 4u);
  EXPECT_EQ(Problem(std::string(64, 'a'), {64}), std::nullopt);
  EXPECT_EQ(Problem(std::string(65, 'a'), {64})->kind, TextProblem::Kind::kTooLong);
}

TEST(TextRuleTest, RefusalsNameTheFieldThePositionAndWhatToDo) {
  EXPECT_EQ(NormaliseText("display_name", "Alice \u202eevil", {128}).status().message(),
            "display_name: character 7 is U+202E (a right-to-left override), which can make "
            "text read differently from what it says; remove it");
  absl::Status s = NormaliseText("memo", "tab\there", {128}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "memo: character 4 is U+0009 (a tab), a control character that cannot "
            "be shown; remove it");
  EXPECT_TRUE(absl::StrContains(NormaliseText("title", "two\nlines", {128}).status().message(),
                                "title: character 4 is U+000A (a line break); this field is "
                                "one line"));
  EXPECT_EQ(NormaliseText("note", "bad \xff", {128}).status().message(),
            "note: character 5 (byte 5) is not valid UTF-8; send the text as UTF-8");
  EXPECT_EQ(NormaliseText("tag", std::string(41, 'x'), {40}).status().message(),
            "tag: at most 40 bytes (this is 41 bytes in UTF-8, normalised); shorten it");
  EXPECT_TRUE(CheckText("tag", "gardening", {40}).ok());
}

TEST(TextRuleTest, ForbiddenCharactersAreExactlyTheRuleClasses) {
  for (char32_t cp = 0; cp < 0x3000; ++cp) {
    const bool expected = cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
                          (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
    EXPECT_EQ(IsForbiddenInText(cp), expected) << static_cast<uint32_t>(cp);
  }
}

}  // namespace
}  // namespace timebank
