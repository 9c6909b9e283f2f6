#include "clients/cli/ledger_common.h"

#include <random>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "clients/cli/commands.h"
#include "clients/common/hours.h"
#include "clients/common/typed_input.h"
#include "services/common/ids.h"
#include "services/common/timestamps.h"
#include "services/common/validation.h"

ABSL_FLAG(bool, csv, false, "Print CSV (statements and lists) for spreadsheets");
ABSL_FLAG(uint64_t, community, 0, "Community id");
ABSL_FLAG(std::string, unit, "",
          "Account unit: TIME (minutes, the default for create) or an ISO 4217 code like GBP");
ABSL_FLAG(std::string, owner, "member",
          "Account owner kind: member, organisation, pool, partner, expense-book, system");
ABSL_FLAG(std::string, owner_ref, "", "Who owns the account (e.g. a member's resource name)");
ABSL_FLAG(std::string, min, "", "Lowest allowed balance, e.g. -10h or -50.00 (empty: no limit)");
ABSL_FLAG(std::string, max, "", "Highest allowed balance (empty: no limit)");
ABSL_FLAG(std::string, provider, "",
          "Who gave the time. Exchanges: a member (number such as M00004, username or name; "
          "default you); transfers: the account credited");
ABSL_FLAG(std::string, receiver, "",
          "Who received the time. Exchanges: a member (number such as M00004, username or "
          "name); transfers: the account debited");
ABSL_FLAG(std::string, id, "", "Transfer id, the idempotency key (default: a new random id)");
ABSL_FLAG(std::string, kind, "exchange",
          "exchange, contribution, donation, redemption, adjustment");
ABSL_FLAG(std::string, coproduction, "",
          "Coproduction Star type: co-commission, co-design, co-delivery, co-assessment");
ABSL_FLAG(std::string, memo, "", "What the transfer was for");
ABSL_FLAG(std::string, reference, "", "What caused it (e.g. an activity id)");
ABSL_FLAG(std::string, reason, "", "Why (required for reversals and status changes)");
ABSL_FLAG(bool, pending, false, "Reserve the amount now; post or void it later");
ABSL_FLAG(std::string, timeout, "", "For --pending: expire after this long, e.g. 48h");
ABSL_FLAG(std::string, since, "",
          "From this day (25/11/2026, 25 Nov 2026, 2026-11-25, yesterday), inclusive");
ABSL_FLAG(std::string, until, "", "Up to this day (the same forms), not including it");
ABSL_FLAG(bool, oldest_first, false, "Statements: oldest first");
ABSL_FLAG(int, limit, 50, "Most rows to show (0 = all)");
ABSL_FLAG(uint64_t, from, 1, "journal watch: first sequence number");

namespace timebank::cli {

std::string FormatAmount(int64_t amount, const std::string& unit) {
  if (unit == "TIME") return FormatMinutes(amount);
  const int exp = timebank::CurrencyExponent(unit).value_or(2);
  return absl::StrCat(FormatMinor(amount, exp), " ", unit);
}

int64_t ParseAmount(const std::string& text, const std::string& unit, bool allow_negative) {
  std::string body = text;
  const bool negative = allow_negative && !body.empty() && body[0] == '-';
  if (negative) body = body.substr(1);
  absl::StatusOr<int64_t> v =
      unit == "TIME" ? ParseDurationMinutes(body) : ParseMoneyMinor(body, unit);
  if (!v.ok()) {
    if (negative && body == "0") return 0;
    Die(std::string(v.status().message()));
  }
  return negative ? -*v : *v;
}

std::string FormatTime(const google::protobuf::Timestamp& ts) {
  return absl::FormatTime("%Y-%m-%d %H:%M", absl::FromUnixNanos(timebank::FromTimestamp(ts)),
                          ShownZone());
}

std::string FormatDay(const google::protobuf::Timestamp& ts) {
  return absl::FormatTime("%Y-%m-%d", absl::FromUnixNanos(timebank::FromTimestamp(ts)),
                          ShownZone());
}

// "EXCEEDS_MIN_BALANCE" -> advice.
std::string Explain(lpb::CreateTransferResultCode code) {
  switch (code) {
    case lpb::CREATE_TRANSFER_EXCEEDS_MIN_BALANCE:
      return "the receiver would go below their balance limit; give them more time credits "
             "first or ask a coordinator to raise the limit";
    case lpb::CREATE_TRANSFER_EXCEEDS_MAX_BALANCE:
      return "the provider would go above their balance limit";
    case lpb::CREATE_TRANSFER_DEBIT_ACCOUNT_NOT_FOUND:
      return "the receiver account does not exist (check the id with `tbctl account show`)";
    case lpb::CREATE_TRANSFER_CREDIT_ACCOUNT_NOT_FOUND:
      return "the provider account does not exist (check the id with `tbctl account show`)";
    case lpb::CREATE_TRANSFER_EXISTS:
      return "already recorded earlier with the same details (nothing new was posted)";
    case lpb::CREATE_TRANSFER_EXISTS_WITH_DIFFERENT_FIELDS:
      return "this id was already used for a different transfer; choose another --id";
    case lpb::CREATE_TRANSFER_UNIT_MISMATCH:
      return "time and money never mix: both accounts must have the same unit";
    case lpb::CREATE_TRANSFER_COMMUNITY_MISMATCH:
      return "both accounts must belong to the same community";
    case lpb::CREATE_TRANSFER_ID_INVALID:
      return absl::StrCat("the transfer id is not an id; ", timebank::kLedgerIdRule);
    case lpb::CREATE_TRANSFER_ID_COMMUNITY_MISMATCH:
      return "a transfer's id starts with its accounts' community (c<community>.x.<words>); "
             "choose an --id in that community";
    case lpb::CREATE_TRANSFER_ID_RESERVED:
      return "ids c<community>.expire.<n> are the ledger's own; choose another --id";
    default: {
      std::string name = lpb::CreateTransferResultCode_Name(code);
      const std::string prefix = "CREATE_TRANSFER_";
      if (name.rfind(prefix, 0) == 0) name = name.substr(prefix.size());
      absl::AsciiStrToLower(&name);
      for (char& c : name) c = c == '_' ? ' ' : c;
      return name;
    }
  }
}

// A new id a person chose, in the community of the transfer's accounts.
std::string RandomTransferId(uint64_t community_id) {
  std::random_device rd;
  const uint64_t n = (uint64_t{rd()} << 32) | rd();
  return timebank::PersonChosenId(community_id, absl::StrCat("t", n));
}

// Ledger ids typed by a person are checked here, so a typo gets the id rule rather
// than a refusal (the server cannot tell a typo from another community's id).
const std::string& LedgerIdOrDie(const std::string& id) {
  if (!timebank::ParseLedgerId(id)) {
    Die(absl::StrCat("'", id, "' is not an account or transfer id; ", timebank::kLedgerIdRule));
  }
  return id;
}

// The default id of a post, void or reversal of `id`; --id when it cannot be made.
std::string FollowUpIdOrDie(const std::string& id, const std::string& step) {
  LedgerIdOrDie(id);
  std::optional<std::string> next = timebank::FollowUpId(id, step);
  if (!next) Die(absl::StrCat("'", id, "' is too long to name its ", step, "; give one with --id"));
  return *next;
}

lpb::Account GetAccount(Client& c, const std::string& id) {
  lpb::GetAccountsRequest req;
  req.add_ids(LedgerIdOrDie(id));
  auto resp =
      c.Call<lpb::GetAccountsResponse>(c.ledger(), &lpb::LedgerService::Stub::GetAccounts, req);
  if (resp.accounts_size() == 0) {
    Die(absl::StrCat("account '", id,
                     "' does not exist; list accounts with "
                     "`tbctl account list --community=N`"));
  }
  return resp.accounts(0);
}

// The flags each ledger and server command reads (clients/cli/command_flags.h).
const std::vector<CommandFlags>& LedgerCommandFlags() {
  static const auto* kTable = new std::vector<CommandFlags>{
      {"account create", {"community", "unit", "owner", "owner_ref", "min", "max", "json"}},
      {"account show", {"json", "csv"}},
      {"account list", {"community", "unit", "json", "csv"}},
      {"account freeze", {"reason", "json"}},
      {"account unfreeze", {"reason", "json"}},
      {"account close", {"reason", "json"}},
      {"transfer",
       {"id", "memo", "reference", "coproduction", "provider", "receiver", "kind", "pending",
        "timeout", "json"}},
      {"transfer show", {"json", "csv"}},
      {"transfer post", {"id", "memo", "reference", "json"}},
      {"transfer void", {"id", "memo", "reference", "json"}},
      {"transfer reverse", {"id", "reason", "reference", "json"}},
      {"statement", {"since", "until", "oldest_first", "limit", "csv", "json"}},
      {"journal verify", {"json"}},
      {"journal watch", {"from", "json"}},
      {"ping", {}},
      {"info", {"json"}},
      {"backup", {}},
  };
  return *kTable;
}

}  // namespace timebank::cli
