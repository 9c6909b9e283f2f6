#include "services/common/ids.h"

#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "storage/absl_compat.h"
#include "storage/check.h"

namespace timebank {
namespace {

constexpr std::string_view kPersonPrefix = "x.";
constexpr std::string_view kLedgerSegment = "expire";

// The local part's grammar (see the header): segments of [a-z0-9_:-] between single
// dots; outside the person namespace no number starts with 0 unless it is 0.
bool IsCanonicalLocal(std::string_view local) {
  if (local.empty() || local == "x") return false;
  const bool person = local.substr(0, kPersonPrefix.size()) == kPersonPrefix;
  bool segment_start = true;
  for (size_t k = 0; k < local.size(); ++k) {
    const char ch = local[k];
    if (ch == '.') {
      if (segment_start) return false;  // an empty segment
      segment_start = true;
      continue;
    }
    segment_start = false;
    if (absl::ascii_isdigit(ch)) {
      const bool starts_number = k == 0 || !absl::ascii_isdigit(local[k - 1]);
      if (!person && ch == '0' && starts_number && k + 1 < local.size() &&
          absl::ascii_isdigit(local[k + 1])) {
        return false;
      }
      continue;
    }
    if (!((ch >= 'a' && ch <= 'z') || ch == '_' || ch == ':' || ch == '-')) return false;
  }
  return !segment_start;  // no trailing dot
}

}  // namespace

bool LedgerId::person_chosen() const {
  return local.substr(0, kPersonPrefix.size()) == kPersonPrefix;
}

bool LedgerId::ledger_made() const {
  return local.substr(0, kLedgerSegment.size()) == kLedgerSegment &&
         (local.size() == kLedgerSegment.size() || local[kLedgerSegment.size()] == '.');
}

std::optional<LedgerId> ParseLedgerId(std::string_view id) {
  if (id.size() < 4 || id.size() > kMaxLedgerIdBytes || id[0] != 'c') return std::nullopt;
  if (id[1] < '1' || id[1] > '9') return std::nullopt;  // >= 1, no leading zero, no sign
  uint64_t community = 0;
  size_t i = 1;
  for (; i < id.size() && absl::ascii_isdigit(id[i]); ++i) {
    const uint64_t digit = static_cast<uint64_t>(id[i] - '0');
    if (community > (std::numeric_limits<uint64_t>::max() - digit) / 10) return std::nullopt;
    community = community * 10 + digit;
  }
  if (i >= id.size() || id[i] != '.') return std::nullopt;
  const std::string_view local = id.substr(i + 1);
  if (!IsCanonicalLocal(local)) return std::nullopt;
  return LedgerId{community, local};
}

std::optional<uint64_t> CommunityOfId(std::string_view id) {
  const std::optional<LedgerId> parsed = ParseLedgerId(id);
  if (!parsed) return std::nullopt;
  return parsed->community_id;
}

std::string FormatLedgerId(uint64_t community_id, std::string_view local) {
  std::string id = absl::StrCat("c", community_id, ".", AsAbsl(local));
  TB_CHECK(ParseLedgerId(id).has_value());
  return id;
}

std::string PersonChosenId(uint64_t community_id, std::string_view words) {
  return FormatLedgerId(community_id, absl::StrCat(AsAbsl(kPersonPrefix), AsAbsl(words)));
}

std::optional<std::string> FollowUpId(std::string_view id, std::string_view step) {
  if (!ParseLedgerId(id)) return std::nullopt;
  std::string next = absl::StrCat(AsAbsl(id), ".", AsAbsl(step));
  if (!ParseLedgerId(next)) return std::nullopt;
  return next;
}

std::string MemberAccountId(uint64_t community_id, uint64_t member_id) {
  return FormatLedgerId(community_id, absl::StrCat("m", member_id));
}

std::string OrganisationAccountId(uint64_t community_id, uint64_t organisation_id) {
  return FormatLedgerId(community_id, absl::StrCat("o", organisation_id));
}

std::string PoolAccountId(uint64_t community_id) { return FormatLedgerId(community_id, "pool"); }

std::optional<AccountOwner> ParseAccountId(std::string_view account_id) {
  const std::optional<LedgerId> id = ParseLedgerId(account_id);
  if (!id) return std::nullopt;
  if (id->local == "pool") return AccountOwner{id->community_id, 'p', 0};
  const std::string_view rest = id->local;
  uint64_t n = 0;
  if (rest.size() < 2 || (rest[0] != 'm' && rest[0] != 'o') || !absl::ascii_isdigit(rest[1]) ||
      !absl::SimpleAtoi(AsAbsl(rest.substr(1)), &n) || n == 0) {
    return std::nullopt;
  }
  return AccountOwner{id->community_id, rest[0], n};
}

std::string ExpenseCategoryAccountId(uint64_t community_id, std::string_view category) {
  return FormatLedgerId(community_id, absl::StrCat("exp.", AsAbsl(category)));
}

std::string PayableAccountId(uint64_t community_id, uint64_t member_id) {
  return FormatLedgerId(community_id, absl::StrCat("payable.m", member_id));
}

std::string BankAccountId(uint64_t community_id) { return FormatLedgerId(community_id, "bank"); }

bool IsMoneyBookAccountId(std::string_view id) {
  const std::optional<LedgerId> parsed = ParseLedgerId(id);
  if (!parsed) return false;
  const std::string_view local = parsed->local;
  return local == "bank" ||
         (local.substr(0, 4) == "exp." && local.find('.', 4) == std::string_view::npos);
}

std::string ActivityTransferId(uint64_t community_id, uint64_t activity_id) {
  return FormatLedgerId(community_id, absl::StrCat("act.", activity_id));
}

std::optional<ActivityRef> ParseActivityTransferId(std::string_view transfer_id) {
  const std::optional<LedgerId> id = ParseLedgerId(transfer_id);
  constexpr std::string_view kPrefix = "act.";
  if (!id || id->local.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::string_view local = id->local.substr(kPrefix.size());
  for (std::string_view step : {std::string_view(".post"), std::string_view(".rev")}) {
    if (local.size() > step.size() && local.substr(local.size() - step.size()) == step) {
      local.remove_suffix(step.size());
      break;
    }
  }
  ActivityRef out{id->community_id, 0};
  if (!absl::SimpleAtoi(AsAbsl(local), &out.activity_id) || out.activity_id == 0) {
    return std::nullopt;
  }
  return out;
}

std::string ActivityPostId(uint64_t community_id, uint64_t activity_id) {
  return FormatLedgerId(community_id, absl::StrCat("act.", activity_id, ".post"));
}

std::string ActivityReversalId(uint64_t community_id, uint64_t activity_id) {
  return FormatLedgerId(community_id, absl::StrCat("act.", activity_id, ".rev"));
}

std::string ExpenseApprovalId(uint64_t community_id, uint64_t claim_id, uint64_t round,
                              std::string_view category) {
  return FormatLedgerId(community_id,
                        absl::StrCat("exp.", claim_id, ".r", round, ".", AsAbsl(category)));
}

std::string ExpenseApprovalReversalId(uint64_t community_id, uint64_t claim_id, uint64_t round,
                                      std::string_view category) {
  return FormatLedgerId(community_id,
                        absl::StrCat("exp.", claim_id, ".r", round, ".", AsAbsl(category), ".rev"));
}

std::string ExpensePaymentId(uint64_t community_id, uint64_t claim_id) {
  return FormatLedgerId(community_id, absl::StrCat("pay.", claim_id));
}

std::string PendingExpiryId(uint64_t community_id, uint64_t pending_seq) {
  return FormatLedgerId(community_id, absl::StrCat(AsAbsl(kLedgerSegment), ".", pending_seq));
}

}  // namespace timebank
