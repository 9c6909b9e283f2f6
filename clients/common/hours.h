// Time and money amounts as clients show them: minutes as "1h30m", minor units as
// "12.34". What people type is parsed by clients/common/typed_input.h.
#ifndef TIMEBANK_CLIENTS_COMMON_HOURS_H_
#define TIMEBANK_CLIENTS_COMMON_HOURS_H_

#include <cstdint>
#include <string>

#include "services/common/text_formats.h"

namespace timebank::cli {

// Formats minutes as "1h30m", "45m", "2h", "-1h15m", "0m".
std::string FormatMinutes(int64_t minutes);
// Formats an amount in minor units with the currency's exponent: 1234, 2 -> "12.34".
using ::timebank::FormatMinor;

}  // namespace timebank::cli

#endif  // TIMEBANK_CLIENTS_COMMON_HOURS_H_
