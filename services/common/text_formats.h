// Text forms shared by services and clients: money in minor units as a decimal
// ("1234", 2 -> "12.34") and as money people read ("£12.34"). CSV is
// services/common/csv_writer.h.
#ifndef TIMEBANK_SERVICES_COMMON_TEXT_FORMATS_H_
#define TIMEBANK_SERVICES_COMMON_TEXT_FORMATS_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace timebank {

std::string FormatMinor(int64_t amount, int exponent);
// Money as people read it, never minor units: 12000, "GBP" -> "£120.00"; "€3.20" for
// EUR, "$" for USD; other currencies as "12.00 CHF" (an unknown code: exponent 2).
std::string FormatMoney(int64_t minor, std::string_view currency);
// A number or an amount of time as a person writes it ("-12.50", "1h30m"): tables
// right-align it.
bool LooksNumeric(const std::string& s);

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_COMMON_TEXT_FORMATS_H_
