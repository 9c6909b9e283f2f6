// Human time amounts for clients: "1h30m", "90m", "2h", "1.5h" <-> minutes.
#ifndef TIMEBANK_CLIENTS_COMMON_HOURS_H_
#define TIMEBANK_CLIENTS_COMMON_HOURS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/common/text_formats.h"

namespace timebank::cli {

// Parses a positive duration into whole minutes. Accepts "1h30m", "45m", "2h",
// "1.5h" (quarter-hour fractions and finer, rounded to a whole minute must be exact),
// or a bare number of minutes ("90").
absl::StatusOr<int64_t> ParseMinutes(std::string_view text);
// Formats minutes as "1h30m", "45m", "2h", "-1h15m", "0m".
std::string FormatMinutes(int64_t minutes);
// Formats an amount in minor units with the currency's exponent: 1234, 2 -> "12.34".
using ::timebank::FormatMinor;
// Parses "12.34" with the currency's exponent into minor units.
absl::StatusOr<int64_t> ParseMinor(std::string_view text, int exponent);

}  // namespace timebank::cli

#endif  // TIMEBANK_CLIENTS_COMMON_HOURS_H_
