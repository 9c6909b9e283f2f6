// AIP-158 paging helpers shared by every List method: page size bounds and opaque,
// versioned page tokens (hex of a position the service chooses).
#ifndef TIMEBANK_SERVICES_COMMON_PAGING_H_
#define TIMEBANK_SERVICES_COMMON_PAGING_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace timebank {

inline constexpr size_t kMaxListPageSize = 1000;
inline constexpr size_t kDefaultListPageSize = 100;

// 0 -> default; 1..1000 -> itself; anything else INVALID_ARGUMENT on page_size.
absl::StatusOr<size_t> CheckPageSize(int page_size);

std::string EncodePageToken(std::string_view position);
// The position inside a token; "" for an empty token. INVALID_ARGUMENT on page_token
// when the token was not made by EncodePageToken.
absl::StatusOr<std::string> DecodePageToken(std::string_view token);

// A List request's page for lists ordered by a numeric id: how many, and the id the
// previous page ended at (0 for the first page). Tokens come from EncodePageToken of
// the decimal id.
struct IdPage {
  size_t size = 0;
  uint64_t after_id = 0;
};
absl::StatusOr<IdPage> ReadIdPage(int page_size, std::string_view page_token);

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_COMMON_PAGING_H_
