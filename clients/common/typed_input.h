// What people type into a client — an amount of time, a day, an amount of money —
// parsed one way for tbctl's flags and arguments, the CSV import and the web client
// (which follows the same cases: tests/data/typed_input_cases.json). Forgiving of how
// people write ("1h30", "1:30", "1,5h"; "25/11/2026", "25 Nov 2026", "yesterday";
// "£3.20", "45p") and strict about what it means: UK day-first dates, whole minutes,
// whole pence. Every refusal says how to write the value instead.
#ifndef TIMEBANK_CLIENTS_COMMON_TYPED_INPUT_H_
#define TIMEBANK_CLIENTS_COMMON_TYPED_INPUT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"

namespace timebank::cli {

// Longest text any of these parsers reads (a person never types more).
inline constexpr size_t kMaxTypedBytes = 64;
// Largest duration accepted (far above any limit a ledger sets; keeps sums exact).
inline constexpr int64_t kMaxTypedMinutes = int64_t{1} << 40;

// What a number with no unit means in a field: "90" in a minutes field, "1.5" in an
// hours field (the CSV import's hours column).
enum class BareNumber { kMinutes, kHours };

// A positive duration in whole minutes: "1h30m", "1h 30", "1h30", "1:30", "90m",
// "1.5h", "1,5h", "2 hours", "45 mins", "1 awr 30 munud", or a bare number as `bare`
// says. Hours come before minutes; a number after the hours is minutes.
absl::StatusOr<int64_t> ParseDurationMinutes(std::string_view text,
                                             BareNumber bare = BareNumber::kMinutes);

// A calendar day: "2026-11-25", "25/11/2026", "25.11.2026", "25 Nov 2026",
// "25 November 2026" (Welsh month names too), "today", "yesterday" ("heddiw",
// "ddoe"), relative to `today` (the day it is now where the community is).
absl::StatusOr<absl::CivilDay> ParseDay(std::string_view text, absl::CivilDay today);

// An amount of money in `currency`'s minor units: "£3.20", "3.20", "3", "£1,250",
// "45p" (pence, GBP only). Never negative.
absl::StatusOr<int64_t> ParseMoneyMinor(std::string_view text, std::string_view currency);

// A plain decimal ("12.3") in units of 10^-exponent (a distance in tenths, an amount
// in a ledger's unit): at most `exponent` decimal places, never negative.
absl::StatusOr<int64_t> ParseMinor(std::string_view text, int exponent);

}  // namespace timebank::cli

#endif  // TIMEBANK_CLIENTS_COMMON_TYPED_INPUT_H_
