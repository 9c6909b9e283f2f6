#include "services/common/text_formats.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "services/common/validation.h"

namespace timebank {
bool LooksNumeric(const std::string& s) {
  return !s.empty() && (s[0] == '-' || std::isdigit(static_cast<unsigned char>(s[0]))) &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == ',' ||
                  c == 'h' || c == 'm';
         });
}

std::string FormatMinor(int64_t amount, int exponent) {
  if (exponent == 0) return absl::StrCat(amount);
  const bool negative = amount < 0;
  const uint64_t a = negative ? 0 - static_cast<uint64_t>(amount) : static_cast<uint64_t>(amount);
  uint64_t div = 1;
  for (int i = 0; i < exponent; ++i) div *= 10;
  std::string frac = absl::StrCat(a % div);
  frac.insert(0, exponent - frac.size(), '0');
  return absl::StrCat(negative ? "-" : "", a / div, ".", frac);
}

std::string FormatMoney(int64_t minor, std::string_view currency) {
  // The magnitude (the most negative int64 has none; no amount comes near it).
  const int64_t magnitude = minor >= 0 ? minor : minor == INT64_MIN ? INT64_MAX : -minor;
  const std::string amount = FormatMinor(magnitude, CurrencyExponent(currency).value_or(2));
  const char* sign = minor < 0 ? "-" : "";
  if (currency == "GBP") return absl::StrCat(sign, "\u00a3", amount);
  if (currency == "EUR") return absl::StrCat(sign, "\u20ac", amount);
  if (currency == "USD") return absl::StrCat(sign, "$", amount);
  return absl::StrCat(sign, amount, " ", std::string(currency));
}

}  // namespace timebank
