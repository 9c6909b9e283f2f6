#include "clients/common/hours.h"

#include <cctype>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "storage/absl_compat.h"

namespace timebank::cli {
namespace {

constexpr int64_t kMaxMinutes = int64_t{1} << 40;

absl::Status BadDuration(std::string_view text) {
  return absl::InvalidArgumentError(
      absl::StrCat("'", AsAbsl(text), "' is not a duration; write it like 1h30m, 45m, 2h or 1.5h"));
}

// Parses "<digits>[.<digits>]" at the front of `s`, as a value scaled by 1e6.
bool ParseDecimal(std::string_view& s, int64_t* micro) {
  size_t i = 0;
  int64_t whole = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
    whole = whole * 10 + (s[i] - '0');
    if (whole > kMaxMinutes) return false;
    ++i;
  }
  if (i == 0) return false;
  int64_t frac = 0, scale = 1'000'000;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t digits = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      if (++digits > 6) return false;
      scale /= 10;
      frac += (s[i] - '0') * scale;
      ++i;
    }
    if (digits == 0) return false;
  }
  *micro = whole * 1'000'000 + frac;
  s.remove_prefix(i);
  return true;
}

}  // namespace

absl::StatusOr<int64_t> ParseMinutes(std::string_view text) {
  std::string_view s = text;
  if (s.empty()) return BadDuration(text);
  int64_t total_micro_minutes = 0;
  bool any_unit = false;
  while (!s.empty()) {
    int64_t micro = 0;
    if (!ParseDecimal(s, &micro)) return BadDuration(text);
    int64_t per_unit = 1;  // minutes per unit
    if (!s.empty() && (s[0] == 'h' || s[0] == 'H')) {
      per_unit = 60;
      s.remove_prefix(1);
      any_unit = true;
    } else if (!s.empty() && (s[0] == 'm' || s[0] == 'M')) {
      s.remove_prefix(1);
      any_unit = true;
    } else if (!s.empty() || any_unit) {
      return BadDuration(text);
    }
    // Bounded before it is multiplied: 10^12 hours would overflow (found by fuzzing).
    constexpr int64_t kMaxMicroMinutes = kMaxMinutes * 1'000'000;
    if (micro > (kMaxMicroMinutes - total_micro_minutes) / per_unit) return BadDuration(text);
    total_micro_minutes += micro * per_unit;
  }
  if (total_micro_minutes % 1'000'000 != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", AsAbsl(text), "' is not a whole number of minutes; time credits count minutes"));
  }
  const int64_t minutes = total_micro_minutes / 1'000'000;
  if (minutes <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("'", AsAbsl(text), "' must be more than 0m"));
  }
  return minutes;
}

std::string FormatMinutes(int64_t minutes) {
  const bool negative = minutes < 0;
  const uint64_t m = negative ? 0 - static_cast<uint64_t>(minutes) : static_cast<uint64_t>(minutes);
  const uint64_t h = m / 60, rest = m % 60;
  std::string out = negative ? "-" : "";
  if (h > 0) absl::StrAppend(&out, h, "h");
  if (rest > 0 || h == 0) absl::StrAppend(&out, rest, "m");
  return out;
}

absl::StatusOr<int64_t> ParseMinor(std::string_view text, int exponent) {
  std::string_view s = text;
  int64_t micro = 0;
  if (!ParseDecimal(s, &micro) || !s.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", AsAbsl(text), "' is not an amount; write it like 12.50"));
  }
  int64_t div = 1'000'000;
  for (int i = 0; i < exponent; ++i) div /= 10;
  if (micro % div != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", AsAbsl(text), "' has more than ", exponent, " decimal places"));
  }
  return micro / div;
}

}  // namespace timebank::cli
