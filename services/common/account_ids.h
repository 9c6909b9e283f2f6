// Ledger account ids the directory (and later services) give the accounts it opens:
// "c<community>.<kind><id>". The community is readable from the id itself, so the
// access policy can check "an account of the caller's community" without a lookup.
#ifndef TIMEBANK_SERVICES_COMMON_ACCOUNT_IDS_H_
#define TIMEBANK_SERVICES_COMMON_ACCOUNT_IDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "storage/absl_compat.h"

namespace timebank {

inline std::string MemberAccountId(uint64_t community_id, uint64_t member_id) {
  return absl::StrCat("c", community_id, ".m", member_id);
}
inline std::string OrganisationAccountId(uint64_t community_id, uint64_t organisation_id) {
  return absl::StrCat("c", community_id, ".o", organisation_id);
}
inline std::string PoolAccountId(uint64_t community_id) {
  return absl::StrCat("c", community_id, ".pool");
}

// The community named by an id of the form above; nullopt for any other id.
inline std::optional<uint64_t> CommunityOfAccount(std::string_view account_id) {
  if (account_id.size() < 3 || account_id[0] != 'c') return std::nullopt;
  const size_t dot = account_id.find('.');
  uint64_t c = 0;
  if (dot == std::string_view::npos || dot == 1 ||
      !absl::SimpleAtoi(AsAbsl(account_id.substr(1, dot - 1)), &c) || c == 0) {
    return std::nullopt;
  }
  return c;
}

// What a directory-made account id names: a member ('m'), an organisation ('o') or
// the community pool ('p', id 0); nullopt for any other id.
struct AccountOwner {
  uint64_t community_id = 0;
  char kind = 0;
  uint64_t id = 0;
};
inline std::optional<AccountOwner> ParseAccountId(std::string_view account_id) {
  const std::optional<uint64_t> c = CommunityOfAccount(account_id);
  if (!c) return std::nullopt;
  const std::string_view rest = account_id.substr(account_id.find('.') + 1);
  if (rest == "pool") return AccountOwner{*c, 'p', 0};
  uint64_t id = 0;
  if (rest.size() < 2 || (rest[0] != 'm' && rest[0] != 'o') ||
      !absl::SimpleAtoi(AsAbsl(rest.substr(1)), &id) || id == 0) {
    return std::nullopt;
  }
  return AccountOwner{*c, rest[0], id};
}

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_COMMON_ACCOUNT_IDS_H_
