// Debian 12's Abseil is built with its own absl::string_view rather than an alias of
// std::string_view, so absl APIs (StrCat, heterogeneous hash-map lookup) do not take
// std::string_view. AsAbsl converts at those boundaries without copying.
#ifndef TIMEBANK_STORAGE_ABSL_COMPAT_H_
#define TIMEBANK_STORAGE_ABSL_COMPAT_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace timebank {

inline absl::string_view AsAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

}  // namespace timebank

#endif  // TIMEBANK_STORAGE_ABSL_COMPAT_H_
