#include "clients/common/hours.h"

#include "absl/strings/str_cat.h"

namespace timebank::cli {
std::string FormatMinutes(int64_t minutes) {
  const bool negative = minutes < 0;
  const uint64_t m = negative ? 0 - static_cast<uint64_t>(minutes) : static_cast<uint64_t>(minutes);
  const uint64_t h = m / 60, rest = m % 60;
  std::string out = negative ? "-" : "";
  if (h > 0) absl::StrAppend(&out, h, "h");
  if (rest > 0 || h == 0) absl::StrAppend(&out, rest, "m");
  return out;
}

}  // namespace timebank::cli
