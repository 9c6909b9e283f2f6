// Ledger identifiers. Every ledger account id and transfer id is "c<community>.<local>",
// so the community (tenant) an id belongs to is read from the id itself: the access
// policy checks "an id of the caller's community" without a lookup, and the ledger
// refuses an account or transfer whose id names another community than its own. Two
// communities therefore never share an id. This file is the only place that knows the
// grammar: every id is formatted by one of the functions below and parsed by
// ParseLedgerId (docs/decisions/0005).
//
// Grammar (one canonical spelling per id; anything else is refused):
//   id        = "c" community "." local          at most kMaxLedgerIdBytes bytes
//   community = decimal >= 1, no leading zeros, fits in 64 bits
//   local     = segment *( "." segment )          segment = 1*( a-z / 0-9 / "_" / ":" / "-" )
//   Outside the person namespace, every run of digits is a number written without
//   leading zeros (c1.m5, never c1.m05), so a number has one spelling.
//
// Namespaces of the local part:
//   x.<words>     chosen by a person (an admin with tbctl): any segments after "x."
//   expire.<seq>  made by the ledger itself (the void of an expired pending transfer)
//   anything else made by a timebank service: m<member>, o<org>, pool (directory);
//                 exp.<category>, payable.m<member>, bank (expenses' money book);
//                 act.<activity>[.post|.rev] (activity); exp.<claim>.r<round>.<category>
//                 [.rev], pay.<claim> (expenses). Only service callers create these.
#ifndef TIMEBANK_SERVICES_COMMON_IDS_H_
#define TIMEBANK_SERVICES_COMMON_IDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace timebank {

inline constexpr size_t kMaxLedgerIdBytes = 64;
// For error messages: what an id looks like.
inline constexpr char kLedgerIdRule[] =
    "ids look like c<community>.<name>: lower-case letters, digits and . _ : -, at most 64 "
    "characters, numbers without leading zeros (c1.m5, not c01.m5, c1.m05 or c1.M5)";

// Every store that holds ledger ids records a format identity with this suffix; the
// identity without it is an installation from before community-scoped ids, which is
// refused at start with kBeforeScopedIdsAdvice (nothing in it can be converted).
inline constexpr char kScopedIdsFormat[] = "@2";
inline constexpr char kBeforeScopedIdsAdvice[] =
    "ledger ids are now community-scoped (docs/decisions/0005) and data written before that "
    "cannot be converted; move the whole data directory (--data_dir) aside and start timebankd "
    "with a new one (deploy/local/start.sh does this for the demo)";

// A parsed id. `local` points into the string that was parsed.
struct LedgerId {
  uint64_t community_id = 0;
  std::string_view local;

  // "x.<words>": an id a person chose.
  bool person_chosen() const;
  // "expire.<seq>": an id the ledger makes itself; no caller may create one.
  bool ledger_made() const;
};

// The id, if it is the canonical spelling of a ledger id; nullopt otherwise.
std::optional<LedgerId> ParseLedgerId(std::string_view id);
// The community an id names; nullopt when it is not a canonical id.
std::optional<uint64_t> CommunityOfId(std::string_view id);
// "c<community>.<local>". `local` must make a canonical id (checked: a caller passing
// a malformed local part is a programming error).
std::string FormatLedgerId(uint64_t community_id, std::string_view local);

// ---- Ids a person chooses -----------------------------------------------------------
// "c<community>.x.<words>"; `words` is one or more segments.
std::string PersonChosenId(uint64_t community_id, std::string_view words);
// The id of a step that follows the transfer `id` (its post, void or reversal):
// "<id>.<step>", in the same community and namespace; nullopt when `id` is not an id
// or the result would be too long.
std::optional<std::string> FollowUpId(std::string_view id, std::string_view step);

// ---- Accounts the directory opens ---------------------------------------------------
std::string MemberAccountId(uint64_t community_id, uint64_t member_id);
std::string OrganisationAccountId(uint64_t community_id, uint64_t organisation_id);
std::string PoolAccountId(uint64_t community_id);

// What a directory-made account id names: a member ('m'), an organisation ('o') or
// the community pool ('p', id 0); nullopt for any other id.
struct AccountOwner {
  uint64_t community_id = 0;
  char kind = 0;
  uint64_t id = 0;
};
std::optional<AccountOwner> ParseAccountId(std::string_view account_id);

// ---- The expenses money book (currency accounts) -------------------------------------
// `category` is the category's lower-case word (travel, care_cover, ...).
std::string ExpenseCategoryAccountId(uint64_t community_id, std::string_view category);
std::string PayableAccountId(uint64_t community_id, uint64_t member_id);
std::string BankAccountId(uint64_t community_id);
// Is `id` one of the expenses service's own book accounts (a category or the bank)?
bool IsMoneyBookAccountId(std::string_view id);

// ---- Transfers the services make ------------------------------------------------------
// An activity's posting (or its reservation, for donations and redemptions), the post
// that completes a reservation, and the reversal that undoes the posting.
std::string ActivityTransferId(uint64_t community_id, uint64_t activity_id);
std::string ActivityPostId(uint64_t community_id, uint64_t activity_id);
std::string ActivityReversalId(uint64_t community_id, uint64_t activity_id);
// The activity a transfer belongs to (its posting, post or reversal); nullopt for any
// transfer the activity service did not make.
struct ActivityRef {
  uint64_t community_id = 0;
  uint64_t activity_id = 0;
};
std::optional<ActivityRef> ParseActivityTransferId(std::string_view transfer_id);
// One category of an approved expense claim in an approval round, and its reversal.
std::string ExpenseApprovalId(uint64_t community_id, uint64_t claim_id, uint64_t round,
                              std::string_view category);
std::string ExpenseApprovalReversalId(uint64_t community_id, uint64_t claim_id, uint64_t round,
                                      std::string_view category);
// The payment of a claim (payable -> bank).
std::string ExpensePaymentId(uint64_t community_id, uint64_t claim_id);
// The ledger's void of the pending transfer with journal sequence `pending_seq`.
std::string PendingExpiryId(uint64_t community_id, uint64_t pending_seq);

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_COMMON_IDS_H_
