// Edge validation helpers shared by every service: identifiers and currency codes.
// Each answers one yes/no question so callers can name the field. (Human-readable
// text has its own rule: services/common/text_rule.h.)
#ifndef TIMEBANK_SERVICES_COMMON_VALIDATION_H_
#define TIMEBANK_SERVICES_COMMON_VALIDATION_H_

#include <cstddef>
#include <optional>
#include <string_view>

namespace timebank {

// 1..max_bytes of [A-Za-z0-9._:-]: safe in resource names, URLs, CSV and logs.
bool IsValidId(std::string_view id, size_t max_bytes);

// The number of minor-unit digits of an active ISO 4217 currency (GBP -> 2,
// JPY -> 0, KWD -> 3), or nullopt for anything that is not one.
std::optional<int> CurrencyExponent(std::string_view code);

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_COMMON_VALIDATION_H_
