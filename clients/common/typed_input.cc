#include "clients/common/typed_input.h"

#include <array>
#include <cctype>
#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/text_formats.h"
#include "services/common/validation.h"
#include "storage/absl_compat.h"
#include "storage/check.h"

namespace timebank::cli {
namespace {

// A decimal number as typed: whole part and up to six decimal places, scaled by 1e6.
constexpr int64_t kMicro = 1'000'000;
constexpr size_t kMaxDecimals = 6;

bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// The text trimmed, lower-cased (ASCII), runs of spaces made one; nullopt if too long.
std::optional<std::string> Normalise(std::string_view text) {
  if (text.size() > kMaxTypedBytes) return std::nullopt;
  std::string out;
  for (char c : absl::StripAsciiWhitespace(AsAbsl(text))) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
      continue;
    }
    out.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// Reads "<digits>[(.|,)<digits>]" at the front of `s` (with `comma_decimal`, a comma
// is a decimal point too) into millionths; false if there is no number there.
bool ReadDecimal(std::string_view& s, bool comma_decimal, int64_t* micro) {
  size_t i = 0;
  int64_t whole = 0;
  for (; i < s.size() && IsDigit(s[i]); ++i) {
    whole = whole * 10 + (s[i] - '0');
    if (whole > kMaxTypedMinutes) return false;
  }
  if (i == 0) return false;
  int64_t frac = 0, scale = kMicro;
  if (i + 1 < s.size() && (s[i] == '.' || (comma_decimal && s[i] == ',')) && IsDigit(s[i + 1])) {
    size_t digits = 0;
    for (++i; i < s.size() && IsDigit(s[i]); ++i) {
      if (++digits > kMaxDecimals) return false;
      scale /= 10;
      frac += (s[i] - '0') * scale;
    }
  }
  *micro = whole * kMicro + frac;
  s.remove_prefix(i);
  return true;
}

// The unit word at the front of `s` (after optional spaces): minutes per unit, or 0.
int64_t ReadUnit(std::string_view& s) {
  struct Unit {
    std::string_view word;
    int64_t minutes;
  };
  // Longest words first, so "hours" is not read as "h" + "ours".
  static constexpr std::array<Unit, 12> kUnits = {{{"minutes", 1},
                                                   {"minute", 1},
                                                   {"munud", 1},
                                                   {"hours", 60},
                                                   {"mins", 1},
                                                   {"hour", 60},
                                                   {"hrs", 60},
                                                   {"min", 1},
                                                   {"awr", 60},
                                                   {"hr", 60},
                                                   {"h", 60},
                                                   {"m", 1}}};
  std::string_view t = s;
  while (!t.empty() && t[0] == ' ') t.remove_prefix(1);
  for (const Unit& u : kUnits) {
    if (!t.starts_with(u.word)) continue;
    // A unit ends the word: "1 hours" yes, "1 hx" no.
    if (t.size() > u.word.size() && absl::ascii_isalpha(t[u.word.size()])) continue;
    s = t.substr(u.word.size());
    return u.minutes;
  }
  return 0;
}

absl::Status BadDuration(std::string_view text, std::string_view why = "") {
  return absl::InvalidArgumentError(absl::StrCat("'", AsAbsl(text), "' is not an amount of time",
                                                 AsAbsl(why),
                                                 "; write it like 1h30m, 1:30, 90m or 1.5h"));
}

// "H:MM" (minutes 00-59): minutes, or nullopt if `s` is not of that form.
std::optional<int64_t> ClockForm(std::string_view s) {
  const size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 6 || s.size() != colon + 3) {
    return std::nullopt;
  }
  int64_t h = 0;
  for (size_t i = 0; i < colon; ++i) {
    if (!IsDigit(s[i])) return std::nullopt;
    h = h * 10 + (s[i] - '0');
  }
  if (!IsDigit(s[colon + 1]) || !IsDigit(s[colon + 2])) return std::nullopt;
  const int64_t m = (s[colon + 1] - '0') * 10 + (s[colon + 2] - '0');
  if (m > 59) return std::nullopt;
  return h * 60 + m;
}

}  // namespace

absl::StatusOr<int64_t> ParseDurationMinutes(std::string_view text, BareNumber bare) {
  std::optional<std::string> norm = Normalise(text);
  if (!norm || norm->empty()) return BadDuration(text);
  int64_t total_micro = 0;
  if (std::optional<int64_t> clock = ClockForm(*norm)) {
    total_micro = *clock * kMicro;
  } else {
    std::string_view s = *norm;
    bool seen_hours = false, seen_minutes = false;
    while (!s.empty()) {
      if (s[0] == ' ') s.remove_prefix(1);
      int64_t micro = 0;
      if (!ReadDecimal(s, /*comma_decimal=*/true, &micro)) return BadDuration(text);
      int64_t per_unit = ReadUnit(s);
      if (per_unit == 0) {
        // No unit: minutes after an hours part ("1h30", "1h 30"), else what the field says.
        if (!s.empty()) return BadDuration(text);
        per_unit = seen_hours || bare == BareNumber::kMinutes ? 1 : 60;
        if (seen_hours && micro % kMicro != 0) return BadDuration(text);
      }
      // Hours once, then minutes once, in that order.
      if (per_unit == 60 && (seen_hours || seen_minutes)) return BadDuration(text);
      if (per_unit == 1 && seen_minutes) return BadDuration(text);
      (per_unit == 60 ? seen_hours : seen_minutes) = true;
      if (micro > (kMaxTypedMinutes * kMicro - total_micro) / per_unit) {
        return BadDuration(text, " (far too long)");
      }
      total_micro += micro * per_unit;
    }
  }
  if (total_micro % kMicro != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", AsAbsl(text), "' is not a whole number of minutes; time is counted in minutes",
        bare == BareNumber::kMinutes ? " (for hours write 1.5h)" : ""));
  }
  if (total_micro == 0) {
    return absl::InvalidArgumentError(absl::StrCat("'", AsAbsl(text), "' must be more than 0m"));
  }
  return total_micro / kMicro;
}

namespace {

absl::Status BadDay(std::string_view text, std::string_view why = "") {
  return absl::InvalidArgumentError(
      absl::StrCat("'", AsAbsl(text), "' is not a day", AsAbsl(why),
                   "; write it like 25/11/2026, 25 Nov 2026, 2026-11-25, today or yesterday"));
}

// Month 1-12 from an English or Welsh name or its first three letters; 0 if none.
int MonthNamed(std::string_view word) {
  static constexpr std::array<std::string_view, 12> kEnglish = {
      "january", "february", "march",     "april",   "may",      "june",
      "july",    "august",   "september", "october", "november", "december"};
  static constexpr std::array<std::string_view, 12> kWelsh = {
      "ionawr",     "chwefror", "mawrth", "ebrill", "mai",      "mehefin",
      "gorffennaf", "awst",     "medi",   "hydref", "tachwedd", "rhagfyr"};
  for (int i = 0; i < 12; ++i) {
    if (word == kEnglish[i] || word == kWelsh[i]) return i + 1;
    if (word.size() >= 3 && kEnglish[i].starts_with(word)) return i + 1;
  }
  if (word == "sept") return 9;
  return 0;
}

// Splits "25/11/2026", "25.11.2026", "2026-11-25" or "25 nov 2026" into three parts.
std::optional<std::array<std::string_view, 3>> DayParts(std::string_view s) {
  for (char sep : {'/', '.', '-', ' '}) {
    std::array<std::string_view, 3> parts;
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= s.size(); ++i) {
      if (i < s.size() && s[i] != sep) continue;
      if (n == 3) return std::nullopt;
      parts[n++] = s.substr(start, i - start);
      start = i + 1;
    }
    if (n == 3) return parts;
  }
  return std::nullopt;
}

std::optional<int> Number(std::string_view s, size_t max_digits) {
  if (s.empty() || s.size() > max_digits) return std::nullopt;
  int v = 0;
  for (char c : s) {
    if (!IsDigit(c)) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

absl::StatusOr<absl::CivilDay> ParseDay(std::string_view text, absl::CivilDay today) {
  std::optional<std::string> norm = Normalise(text);
  if (!norm || norm->empty()) return BadDay(text);
  if (*norm == "today" || *norm == "heddiw") return today;
  if (*norm == "yesterday" || *norm == "ddoe") return today - 1;
  std::optional<std::array<std::string_view, 3>> parts = DayParts(*norm);
  if (!parts) return BadDay(text);
  std::optional<int> y, m, d;
  if ((*parts)[0].size() == 4) {  // 2026-11-25: year first, then month and day
    y = Number((*parts)[0], 4);
    m = Number((*parts)[1], 2);
    d = Number((*parts)[2], 2);
  } else {  // UK order: day, month (number or name), year
    d = Number((*parts)[0], 2);
    m = Number((*parts)[1], 2);
    if (!m) {
      const int named = MonthNamed((*parts)[1]);
      if (named != 0) m = named;
    }
    y = Number((*parts)[2], 4);
    if (y && (*parts)[2].size() != 4) return BadDay(text, " (write the year in full, like 2026)");
  }
  if (!y || !m || !d) return BadDay(text);
  if (*y < 1900 || *y > 2200) return BadDay(text, " (the year is out of range)");
  const absl::CivilDay day(*y, *m, *d);
  // CivilDay rolls 31/02 over into March: such a day does not exist.
  if (day.year() != *y || day.month() != *m || day.day() != *d) {
    return BadDay(text, " (that month has no such day)");
  }
  return day;
}

namespace {

absl::Status BadMoney(std::string_view text, std::string_view currency, std::string_view why = "") {
  return absl::InvalidArgumentError(absl::StrCat("'", AsAbsl(text), "' is not an amount of money",
                                                 AsAbsl(why), "; write it like ",
                                                 FormatMoney(1250, currency)));
}

// Drops a currency sign at the front; false if it is another currency's.
bool StripSign(std::string_view& s, std::string_view currency) {
  struct Sign {
    std::string_view sign, currency;
  };
  static constexpr Sign kSigns[] = {{"\u00a3", "GBP"}, {"\u20ac", "EUR"}, {"$", "USD"}};
  for (const Sign& sign : kSigns) {
    if (!s.starts_with(sign.sign)) continue;
    if (sign.currency != currency) return false;
    s.remove_prefix(sign.sign.size());
  }
  return true;
}

// "1,250" -> "1250": commas are thousands separators between groups of three digits.
std::optional<std::string> WithoutThousands(std::string_view s) {
  std::string out;
  size_t since_comma = 0;
  bool any_comma = false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '.') {
      if (any_comma && since_comma != 3) return std::nullopt;
      out.append(s.substr(i));
      return out;
    }
    if (s[i] == ',') {
      if (out.empty() || (any_comma && since_comma != 3) || (!any_comma && since_comma > 3)) {
        return std::nullopt;
      }
      any_comma = true;
      since_comma = 0;
      continue;
    }
    out.push_back(s[i]);
    ++since_comma;
  }
  if (any_comma && since_comma != 3) return std::nullopt;
  return out;
}

}  // namespace

absl::StatusOr<int64_t> ParseMoneyMinor(std::string_view text, std::string_view currency) {
  // Largest amount typed (far above any claim limit; keeps sums exact).
  constexpr int64_t kMaxMinor = int64_t{1} << 40;
  const int exponent = CurrencyExponent(currency).value_or(2);
  std::optional<std::string> norm = Normalise(text);
  if (!norm || norm->empty()) return BadMoney(text, currency);
  std::string_view s = *norm;
  if (s[0] == '-') return BadMoney(text, currency, " (it cannot be negative)");
  if (!StripSign(s, currency)) {
    return BadMoney(text, currency, absl::StrCat(" in ", AsAbsl(currency)));
  }
  if (!s.empty() && s[0] == ' ') s.remove_prefix(1);  // "£ 12"
  if (currency == "GBP" && s.size() >= 2 && s.back() == 'p' && s.size() == norm->size()) {
    std::optional<int> pence = Number(s.substr(0, s.size() - 1), 9);
    if (!pence) return BadMoney(text, currency);
    return *pence;
  }
  std::optional<std::string> plain = WithoutThousands(s);
  if (!plain) return BadMoney(text, currency);
  absl::StatusOr<int64_t> minor = ParseMinor(*plain, exponent);
  if (!minor.ok())
    return BadMoney(text, currency, absl::StrCat(" (", minor.status().message(), ")"));
  if (*minor > kMaxMinor) return BadMoney(text, currency, " (far too large)");
  return minor;
}

absl::StatusOr<int64_t> ParseMinor(std::string_view text, int exponent) {
  TB_CHECK(exponent >= 0 && exponent <= static_cast<int>(kMaxDecimals));
  std::string_view rest = text;
  int64_t micro = 0;
  if (text.size() > kMaxTypedBytes || !ReadDecimal(rest, /*comma_decimal=*/false, &micro) ||
      !rest.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", AsAbsl(text), "' is not a number; write it like 12.5"));
  }
  int64_t per_unit = kMicro;
  for (int i = 0; i < exponent; ++i) per_unit /= 10;
  if (micro % per_unit != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", AsAbsl(text), "' has more than ", exponent, " decimal places"));
  }
  return micro / per_unit;
}

}  // namespace timebank::cli
