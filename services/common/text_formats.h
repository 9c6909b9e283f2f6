// Text forms shared by services and clients: money in minor units as a decimal
// ("1234", 2 -> "12.34"), and one CSV field quoted per RFC 4180 with a leading
// = + - @ neutralised so spreadsheets do not run it as a formula.
#ifndef TIMEBANK_SERVICES_COMMON_TEXT_FORMATS_H_
#define TIMEBANK_SERVICES_COMMON_TEXT_FORMATS_H_

#include <cstdint>
#include <string>

namespace timebank {

std::string FormatMinor(int64_t amount, int exponent);
// A number or an amount of time as a person writes it ("-12.50", "1h30m"): tables
// right-align it, CSV keeps its leading minus.
bool LooksNumeric(const std::string& s);
std::string CsvField(const std::string& s);

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_COMMON_TEXT_FORMATS_H_
