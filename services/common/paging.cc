#include "services/common/paging.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace timebank {
namespace {
constexpr std::string_view kTokenPrefix = "p1.";
constexpr size_t kMaxTokenBytes = 512;
}  // namespace

absl::StatusOr<size_t> CheckPageSize(int page_size) {
  if (page_size == 0) return kDefaultListPageSize;
  if (page_size < 0 || static_cast<size_t>(page_size) > kMaxListPageSize) {
    return absl::InvalidArgumentError(absl::StrCat("page_size: must be between 1 and ",
                                                   kMaxListPageSize, " (or 0 for ",
                                                   kDefaultListPageSize, ")"));
  }
  return static_cast<size_t>(page_size);
}

std::string EncodePageToken(std::string_view position) {
  return absl::StrCat(std::string(kTokenPrefix), absl::BytesToHexString(std::string(position)));
}

absl::StatusOr<std::string> DecodePageToken(std::string_view token) {
  if (token.empty()) return std::string();
  const absl::Status bad = absl::InvalidArgumentError(
      "page_token: not a token this server issued; pass next_page_token back unchanged");
  if (token.size() > kMaxTokenBytes || token.substr(0, kTokenPrefix.size()) != kTokenPrefix)
    return bad;
  std::string_view hex = token.substr(kTokenPrefix.size());
  if (hex.empty() || hex.size() % 2 != 0) return bad;
  for (char c : hex) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return bad;
  }
  return absl::HexStringToBytes(std::string(hex));
}

absl::StatusOr<KeyPage> ReadKeyPage(int page_size, std::string_view page_token) {
  KeyPage page;
  absl::StatusOr<size_t> size = CheckPageSize(page_size);
  if (!size.ok()) return size.status();
  absl::StatusOr<std::string> pos = DecodePageToken(page_token);
  if (!pos.ok()) return pos.status();
  page.size = *size;
  page.after_key = std::move(*pos);
  return page;
}

absl::StatusOr<IdPage> ReadIdPage(int page_size, std::string_view page_token) {
  absl::StatusOr<KeyPage> key = ReadKeyPage(page_size, page_token);
  if (!key.ok()) return key.status();
  IdPage page;
  page.size = key->size;
  if (!key->after_key.empty() && !absl::SimpleAtoi(key->after_key, &page.after_id)) {
    return absl::InvalidArgumentError("page_token: not a token this list returned");
  }
  return page;
}

}  // namespace timebank
