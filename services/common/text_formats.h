// Text forms shared by services and clients: money in minor units as a decimal
// ("1234", 2 -> "12.34"). CSV is services/common/csv_writer.h.
#ifndef TIMEBANK_SERVICES_COMMON_TEXT_FORMATS_H_
#define TIMEBANK_SERVICES_COMMON_TEXT_FORMATS_H_

#include <cstdint>
#include <string>

namespace timebank {

std::string FormatMinor(int64_t amount, int exponent);
// A number or an amount of time as a person writes it ("-12.50", "1h30m"): tables
// right-align it.
bool LooksNumeric(const std::string& s);

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_COMMON_TEXT_FORMATS_H_
