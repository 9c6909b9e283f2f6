// tbctl: the command-line client of timebank. Tables by default, --json for
// scripts, --csv for spreadsheets. Run `tbctl --help` for the commands.
#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "clients/cli/client.h"
#include "clients/common/hours.h"
#include "clients/common/table.h"
#include "services/common/grpc_util.h"
#include "services/common/ids.h"
#include "services/common/program_usage.h"
#include "services/common/server.h"
#include "services/common/validation.h"
#include "timebank/ledger/v1/ledger.grpc.pb.h"
#include "timebank/system/v1/system.grpc.pb.h"

ABSL_FLAG(bool, csv, false, "Print CSV (statements and lists) for spreadsheets");
ABSL_FLAG(uint64_t, community, 0, "Community id");
ABSL_FLAG(std::string, unit, "",
          "Account unit: TIME (minutes, the default for create) or an ISO 4217 code like GBP");
ABSL_FLAG(std::string, owner, "member",
          "Account owner kind: member, organisation, pool, partner, expense-book, system");
ABSL_FLAG(std::string, owner_ref, "", "Who owns the account (e.g. a member's resource name)");
ABSL_FLAG(std::string, min, "", "Lowest allowed balance, e.g. -10h or -50.00 (empty: no limit)");
ABSL_FLAG(std::string, max, "", "Highest allowed balance (empty: no limit)");
ABSL_FLAG(std::string, provider, "", "Account that gave the time (is credited)");
ABSL_FLAG(std::string, receiver, "", "Account that received the time (is debited)");
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
ABSL_FLAG(std::string, since, "", "Statement start date YYYY-MM-DD (UTC, inclusive)");
ABSL_FLAG(std::string, until, "", "Statement end date YYYY-MM-DD (UTC, exclusive)");
ABSL_FLAG(bool, oldest_first, false, "Statements: oldest first");
ABSL_FLAG(int, limit, 50, "Most rows to show (0 = all)");
ABSL_FLAG(uint64_t, from, 1, "journal watch: first sequence number");

namespace {

namespace lpb = ::timebank::ledger::v1;
namespace dpb = ::timebank::directory::v1;
namespace spb = ::timebank::system::v1;
using timebank::cli::Client;
using timebank::cli::Die;
using timebank::cli::DieRpc;
using timebank::cli::EnumWord;
using timebank::cli::Json;
using timebank::cli::ParseCoproduction;
using timebank::cli::ParseDate;
using timebank::cli::PrintJson;
using timebank::cli::ServerAddress;
using timebank::cli::Table;

constexpr char kUsage[] = R"(tbctl: the timebank command-line client.

Usage: tbctl [--server=host:port] [--json] COMMAND [ARGS] [FLAGS]

Signing in (the login is saved in ~/.config/timebank/credentials, mode 0600)
  setup --code=CODE --username=U           first start: create the operator (code printed by timebankd)
  login USERNAME | login --api_key=KEY     password from $TIMEBANK_PASSWORD or a prompt
  logout | whoami | passwd | signout-everywhere [MEMBER_ID]
  signup [NAME] --community=N --username=U [--code=INVITATION] [--email=..]

Directory (--community=N defaults to your own)
  community create NAME [--timezone=Europe/London --member_limit=10h --org_limit=1000h
                         --currency=GBP --signup=invitation|approval --answer_hours=168
                         --unconfirmed=confirm|expire] | list | show [ID]
  community update ID [NEW_NAME] [flags]   changes only what is named (--timezone=.. etc.)
  org create NAME [--org_kind=charity|public-service|recognition-partner|community-group]
  org list | org show ID
  member add NAME [--username=U --number=N --email=E --phone=P --tags=a,b --in_directory]
  member list [QUERY] [--tag=T] [--limit=50] | show ID | export ID [--out=F]
  member update ID [NAME] [--email=E --phone=P --tags=a,b --[no]in_directory]  only what is named
  member suspend|reinstate|approve|leave ID [--reason=..] [--username=U: approve with another name] | erase ID --reason=.. | set-password ID
  role grant|revoke MEMBER_ID coordinator|finance|admin [--org=ID] [--reason=..]
  audit                                    who granted or revoked what, and other changes
  invite create [--hours=168 --note=..] | invite list | invite revoke ID
  apikey create --org=ID --label=TEXT | apikey list [--org=ID] | apikey revoke ID --org=ID
  key rotate                               operator: new token signing key

Contributions and exchanges (posted to the ledger exactly once)
  contribution log AMOUNT --org=ID --members=ID,ID.. --what=".." [--when=2026-11-20]
               [--coproduction=co-design] [--collective]      coordinators: hours given
  contribution report AMOUNT --org=ID --what=".." [--when=..]    members: for a coordinator to verify
  contribution approve|decline ID --org=ID [--reason=..]
  contribution import FILE.csv [--dry_run] [--rejected=REPORT.csv] [--nowait]
               columns: member_number,date,hours,organisation,coproduction_type[,description,input]
               (date 2026-11-23 or 23/11/2026; hours 2, 1.5 or 1h30m; organisation id or name).
               Safe to run again: rows already imported are skipped. Exit 2: rows were rejected.
  exchange record AMOUNT --provider=MEMBER --receiver=MEMBER --what=".." [--when=..]
  exchange group AMOUNT --provider=ME --members=ID,ID.. --what=".."   one provider, several receivers
  exchange confirm|decline|dispute ID [--reason=..]            the other member answers
  exchange resolve ID [--nouphold] --reason=..                  coordinators settle disputes
  offer|request TITLE [--details=..] [--tags=a,b]              the community noticeboard
  posts [TEXT] [--tag=T] [--closed] | posts close ID           exchange record ... --post=ID links one
  donate AMOUNT [--member=ID] --what=".."                       to a member, or the community pool
  redeem AMOUNT --org=PARTNER --what=".."                       spend credits at a recognition partner
  activity show ID | activity reverse ID --reason=..
  activity list [--member=ID] [--org=ID] [--state=proposed|confirmed|declined|disputed|reversed|expired]
               [--since=2026-11-01] [--until=..] [--limit=1000]   newest first; days it happened (UTC)
  activity watch [--from=1]                                    services: every change, live

Expenses (money, in the community's currency: 12.50)
  expenses policy show | expenses policy set --max_claim=250.00 --max_month=500.00
               [--mileage_rate=0.45 --distance_unit=mile|km --window_days=90
                --second_above=100.00 --receipt_above=20.00
                --categories=travel,mileage,..|all]                    admins, finance
               the first time the limits are needed; after that only what is named changes.
               Safeguards go off only by name: --no_second_approver, --no_receipts_required
  claim create TITLE LINE... [--org=ID] [--activity=ID]
               LINE: CATEGORY,YYYY-MM-DD,AMOUNT,DESCRIPTION
               (categories: travel mileage care-cover subsistence materials phone-data
                other; for mileage the distance instead of the amount)
  claim edit ID [LINE...] [--title=..] [--org=ID] | claim submit ID | claim show ID
  claim list [--state=..] [--member=ID]   your claims (finance officers and admins: everyone's)
  claim attach ID FILE | claim detach ID RECEIPT | claim receipt ID RECEIPT [--out=F]
               receipts: JPEG, PNG, WebP, HEIC or PDF, at most 5 MiB
  finance queue [--org=ID --min_amount=50.00 --min_age_days=7]      oldest first; finance, admins
  finance approve ID | reject ID --reason=.. | ask ID --reason=.. | reverse ID --reason=..
  finance batch create [CLAIM...] | batch list | batch show ID | batch export ID [--out=F]
  finance batch paid ID --reference=REF    marks paid (again with the same REF: no change)
  finance report [--since=2026-01 --until=2026-12] [--csv]   spend by month/category/org; owed
  finance journal [--out=F]                 the money book's journal (from the ledger) as CSV

Accounts (ledger; for admins, and services: --service_keyring=DATA_DIR/keyring on the server)
  account create ID --community=N [--unit=TIME|GBP] [--owner=member] [--min=-10h] [--max=..]
  account show ID...                       balances of one or more accounts
  account list --community=N [--unit=U]    every account of a community
  account freeze|unfreeze|close ID --reason="..."

Transfers (amounts: 1h30m, 90m, 1.5h for TIME; 12.50 for money)
  transfer AMOUNT --provider=ACCT --receiver=ACCT [--kind=exchange] [--memo=..] [--id=..]
           [--pending [--timeout=48h]] [--coproduction=co-design] [--reference=..]
  transfer post PENDING_ID [AMOUNT]        complete a pending transfer (all of it by default)
  transfer void PENDING_ID                 release a pending transfer
  transfer reverse ID --reason="..."       undo a posted transfer (nothing is deleted)
  transfer show ID...

Statements and the journal
  statement ACCOUNT [--since=2026-01-01] [--until=..] [--oldest_first] [--limit=50] [--csv]
                                           each row: when it was recorded and the day it happened
  journal watch [--from=1]                 follow new journal entries live (Ctrl-C stops)
  journal verify                           recompute the SHA-256 hash chain

Server
  ping | info | backup DIR                 DIR: absolute path on the server, must not exist

Common flags
  --server=host:port   timebankd address (default $TIMEBANK_SERVER, else 127.0.0.1:7400)
  --token=T            access token (default $TIMEBANK_TOKEN, else the saved login)
  --json               JSON output for scripts       --csv   CSV output for spreadsheets
  --community=N --unit=TIME|GBP --owner=KIND --owner_ref=REF --min=AMOUNT --max=AMOUNT
  --provider=ACCT --receiver=ACCT --id=ID --kind=KIND --coproduction=TYPE --memo=TEXT
  --reference=TEXT --reason=TEXT --pending --timeout=48h --since/--until=YYYY-MM-DD
  --oldest_first --limit=N --from=SEQ        (tbctl --helpfull lists every flag)
  A flag the command does not take is an error (exit 2): nothing is silently ignored.

Examples
  tbctl account create alice --community=1 --min=-10h
  tbctl transfer 1h30m --provider=bob --receiver=alice --memo="gardening"
  tbctl statement alice --csv > alice.csv
)";

std::string FormatAmount(int64_t amount, const std::string& unit) {
  if (unit == "TIME") return timebank::cli::FormatMinutes(amount);
  const int exp = timebank::CurrencyExponent(unit).value_or(2);
  return absl::StrCat(timebank::cli::FormatMinor(amount, exp), " ", unit);
}

int64_t ParseAmount(const std::string& text, const std::string& unit, bool allow_negative) {
  std::string body = text;
  const bool negative = allow_negative && !body.empty() && body[0] == '-';
  if (negative) body = body.substr(1);
  absl::StatusOr<int64_t> v =
      unit == "TIME"
          ? timebank::cli::ParseMinutes(body)
          : timebank::cli::ParseMinor(body, timebank::CurrencyExponent(unit).value_or(2));
  if (!v.ok()) {
    if (negative && body == "0") return 0;
    Die(std::string(v.status().message()));
  }
  return negative ? -*v : *v;
}

std::string FormatTime(const google::protobuf::Timestamp& ts) {
  return absl::FormatTime("%Y-%m-%d %H:%M", absl::FromUnixNanos(timebank::FromTimestamp(ts)),
                          absl::UTCTimeZone());
}

std::string FormatDay(const google::protobuf::Timestamp& ts) {
  return absl::FormatTime("%Y-%m-%d", absl::FromUnixNanos(timebank::FromTimestamp(ts)),
                          absl::UTCTimeZone());
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

std::vector<std::string> Tail(const std::vector<char*>& args, size_t from) {
  std::vector<std::string> out;
  for (size_t i = from; i < args.size(); ++i) out.emplace_back(args[i]);
  return out;
}

// ---- accounts -------------------------------------------------------------------

void PrintAccounts(const google::protobuf::RepeatedPtrField<lpb::Account>& accounts) {
  Table t({"ACCOUNT", "COMMUNITY", "UNIT", "OWNER", "STATUS", "BALANCE", "PENDING OUT",
           "PENDING IN", "MIN", "MAX"});
  for (const auto& a : accounts) {
    std::string owner = lpb::OwnerKind_Name(a.owner_kind()).substr(11);
    absl::AsciiStrToLower(&owner);
    std::string status = lpb::AccountStatus_Name(a.status()).substr(15);
    absl::AsciiStrToLower(&status);
    t.Add({a.id(), absl::StrCat(a.community_id()), a.unit(), owner, status,
           FormatAmount(a.balance(), a.unit()), FormatAmount(a.debits_pending(), a.unit()),
           FormatAmount(a.credits_pending(), a.unit()),
           a.has_min_balance() ? FormatAmount(a.min_balance(), a.unit()) : "none",
           a.has_max_balance() ? FormatAmount(a.max_balance(), a.unit()) : "none"});
  }
  if (absl::GetFlag(FLAGS_csv)) {
    t.PrintCsv(stdout);
  } else {
    t.Print(stdout);
  }
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

int AccountCommand(Client& c, const std::vector<std::string>& args) {
  if (args.empty()) Die("account: say create, show, list, freeze, unfreeze or close");
  const std::string& sub = args[0];
  if (sub == "create") {
    if (args.size() != 2) Die("usage: tbctl account create ID --community=N [--unit=TIME]");
    lpb::CreateAccountsRequest req;
    auto* a = req.add_accounts();
    a->set_id(args[1]);
    a->set_community_id(absl::GetFlag(FLAGS_community));
    a->set_unit(absl::GetFlag(FLAGS_unit).empty() ? "TIME" : absl::GetFlag(FLAGS_unit));
    const std::string owner = absl::GetFlag(FLAGS_owner);
    const std::vector<std::pair<std::string, lpb::OwnerKind>> kinds = {
        {"member", lpb::OWNER_KIND_MEMBER},
        {"organisation", lpb::OWNER_KIND_ORGANISATION},
        {"pool", lpb::OWNER_KIND_COMMUNITY_POOL},
        {"partner", lpb::OWNER_KIND_PARTNER},
        {"expense-book", lpb::OWNER_KIND_EXPENSE_BOOK},
        {"system", lpb::OWNER_KIND_SYSTEM}};
    auto kind = std::find_if(kinds.begin(), kinds.end(), [&](auto& k) { return k.first == owner; });
    if (kind == kinds.end())
      Die("--owner: member, organisation, pool, partner, expense-book or system");
    a->set_owner_kind(kind->second);
    a->set_owner_ref(absl::GetFlag(FLAGS_owner_ref));
    if (!absl::GetFlag(FLAGS_min).empty()) {
      a->set_min_balance(ParseAmount(absl::GetFlag(FLAGS_min), a->unit(), true));
    }
    if (!absl::GetFlag(FLAGS_max).empty()) {
      a->set_max_balance(ParseAmount(absl::GetFlag(FLAGS_max), a->unit(), true));
    }
    auto resp = c.Call<lpb::CreateAccountsResponse>(c.ledger(),
                                                    &lpb::LedgerService::Stub::CreateAccounts, req);
    if (Json()) {
      PrintJson(resp);
      return resp.results(0).code() == lpb::CREATE_ACCOUNT_CREATED ? 0 : 1;
    }
    const auto code = resp.results(0).code();
    if (code == lpb::CREATE_ACCOUNT_CREATED) {
      std::printf("created account %s\n", args[1].c_str());
      return 0;
    }
    if (code == lpb::CREATE_ACCOUNT_EXISTS) {
      std::printf("account %s already exists with these details\n", args[1].c_str());
      return 0;
    }
    Die(absl::StrCat(
        "account ", args[1], " not created: ", lpb::CreateAccountResultCode_Name(code).substr(15),
        code == lpb::CREATE_ACCOUNT_ID_INVALID ? absl::StrCat(" (", timebank::kLedgerIdRule, ")")
        : code == lpb::CREATE_ACCOUNT_COMMUNITY_ID_MISMATCH
            ? " (the id's c<community> prefix must be --community)"
            : ""));
  }
  if (sub == "show") {
    if (args.size() < 2) Die("usage: tbctl account show ID...");
    lpb::GetAccountsRequest req;
    for (size_t i = 1; i < args.size(); ++i) req.add_ids(LedgerIdOrDie(args[i]));
    auto resp =
        c.Call<lpb::GetAccountsResponse>(c.ledger(), &lpb::LedgerService::Stub::GetAccounts, req);
    if (Json()) {
      PrintJson(resp);
    } else {
      PrintAccounts(resp.accounts());
      for (const auto& id : resp.not_found_ids()) {
        std::fprintf(stderr, "tbctl: no account '%s'\n", id.c_str());
      }
    }
    return resp.not_found_ids_size() == 0 ? 0 : 1;
  }
  if (sub == "list") {
    if (absl::GetFlag(FLAGS_community) == 0) Die("account list: pass --community=N");
    lpb::ListAccountsRequest req;
    req.set_community_id(absl::GetFlag(FLAGS_community));
    req.set_unit(absl::GetFlag(FLAGS_unit));
    req.set_page_size(1000);
    lpb::ListAccountsResponse all;
    while (true) {
      auto page = c.Call<lpb::ListAccountsResponse>(c.ledger(),
                                                    &lpb::LedgerService::Stub::ListAccounts, req);
      for (auto& a : *page.mutable_accounts()) *all.add_accounts() = std::move(a);
      if (page.next_page_token().empty()) break;
      req.set_page_token(page.next_page_token());
    }
    if (Json()) {
      PrintJson(all);
    } else {
      PrintAccounts(all.accounts());
    }
    return 0;
  }
  if (sub == "freeze" || sub == "unfreeze" || sub == "close") {
    if (args.size() != 2) Die(absl::StrCat("usage: tbctl account ", sub, " ID --reason=\"...\""));
    if (absl::GetFlag(FLAGS_reason).empty()) Die("--reason: say why (it is kept in the journal)");
    lpb::SetAccountStatusRequest req;
    req.set_id(args[1]);
    req.set_status(sub == "freeze"  ? lpb::ACCOUNT_STATUS_FROZEN
                   : sub == "close" ? lpb::ACCOUNT_STATUS_CLOSED
                                    : lpb::ACCOUNT_STATUS_OPEN);
    req.set_reason(absl::GetFlag(FLAGS_reason));
    auto resp = c.Call<lpb::SetAccountStatusResponse>(
        c.ledger(), &lpb::LedgerService::Stub::SetAccountStatus, req);
    if (Json()) {
      PrintJson(resp);
    } else {
      std::printf("account %s is now %s\n", args[1].c_str(),
                  sub == "unfreeze" ? "open" : (sub == "close" ? "closed" : "frozen"));
    }
    return 0;
  }
  Die(absl::StrCat("account: unknown subcommand '", sub, "'; see tbctl --help"));
}

// ---- transfers ------------------------------------------------------------------

int SubmitTransfer(Client& c, const lpb::Transfer& t) {
  lpb::CreateTransfersRequest req;
  *req.add_transfers() = t;
  auto resp = c.Call<lpb::CreateTransfersResponse>(c.ledger(),
                                                   &lpb::LedgerService::Stub::CreateTransfers, req);
  const auto& r = resp.results(0);
  const bool ok =
      r.code() == lpb::CREATE_TRANSFER_CREATED || r.code() == lpb::CREATE_TRANSFER_EXISTS;
  if (Json()) {
    PrintJson(resp);
    return ok ? 0 : 1;
  }
  if (!ok) Die(absl::StrCat("transfer ", t.id(), " refused: ", Explain(r.code())));
  if (r.code() == lpb::CREATE_TRANSFER_EXISTS) {
    std::printf("transfer %s: %s\n", t.id().c_str(), Explain(r.code()).c_str());
  } else {
    std::printf("transfer %s recorded at %s (journal #%llu)\n", t.id().c_str(),
                FormatTime(r.recorded_at()).c_str(), static_cast<unsigned long long>(r.seq()));
  }
  return 0;
}

lpb::TransferKind ParseKind(const std::string& kind) {
  const std::vector<std::pair<std::string, lpb::TransferKind>> kinds = {
      {"exchange", lpb::TRANSFER_KIND_EXCHANGE},
      {"contribution", lpb::TRANSFER_KIND_CONTRIBUTION},
      {"donation", lpb::TRANSFER_KIND_DONATION},
      {"redemption", lpb::TRANSFER_KIND_REDEMPTION},
      {"adjustment", lpb::TRANSFER_KIND_ADJUSTMENT}};
  for (const auto& [name, k] : kinds) {
    if (name == kind) return k;
  }
  Die("--kind: exchange, contribution, donation, redemption or adjustment");
}

// Names for the accounts a statement mentions: organisations and members by name where
// the caller may see them (members may not look up other members: they stay "member
// N"), the pool, and any other account by its id.
class AccountNamer {
 public:
  explicit AccountNamer(Client& c) : client_(c) {}
  std::string Name(const std::string& account_id) {
    auto it = cache_.find(account_id);
    if (it != cache_.end()) return it->second;
    return cache_[account_id] = Lookup(account_id);
  }

 private:
  std::string Lookup(const std::string& account_id) {
    const std::optional<timebank::AccountOwner> owner = timebank::ParseAccountId(account_id);
    if (!owner) return account_id;
    if (owner->kind == 'p') return "the community pool";
    grpc::ClientContext ctx;
    client_.Prepare(&ctx, 10);
    if (owner->kind == 'o') {
      dpb::GetOrganisationRequest req;
      req.set_community_id(owner->community_id);
      req.set_organisation_id(owner->id);
      dpb::Organisation o;
      if (client_.directory()->GetOrganisation(&ctx, req, &o).ok()) return o.name();
      return absl::StrCat("organisation ", owner->id);
    }
    dpb::GetMemberRequest req;
    req.set_community_id(owner->community_id);
    req.set_member_id(owner->id);
    dpb::Member m;
    if (client_.directory()->GetMember(&ctx, req, &m).ok() && !m.display_name().empty()) {
      return m.display_name();
    }
    return absl::StrCat("member ", owner->id);
  }
  Client& client_;
  std::map<std::string, std::string> cache_;
};

// What a transfer was for, seen from `perspective`'s side: "volunteered for Riverside
// Carers (co-design): workshop", "help from Bob Baker: gardening", ...
std::string WhatFor(const lpb::Transfer& x, const std::string& perspective, AccountNamer& names) {
  const bool credited = x.credit_account_id() == perspective;
  const std::string other = names.Name(credited ? x.debit_account_id() : x.credit_account_id());
  // Per kind: the phrase for the credited side, then for the debited side.
  static const auto* phrases = new std::map<lpb::TransferKind, std::pair<const char*, const char*>>{
      {lpb::TRANSFER_KIND_CONTRIBUTION, {"volunteered for ", "volunteering by "}},
      {lpb::TRANSFER_KIND_EXCHANGE, {"helped ", "help from "}},
      {lpb::TRANSFER_KIND_DONATION, {"donation from ", "donated to "}},
      {lpb::TRANSFER_KIND_REDEMPTION, {"redemption by ", "redeemed at "}},
  };
  std::string what;
  if (x.kind() == lpb::TRANSFER_KIND_REVERSAL) {
    what = "reversal of " + x.reverses_id();
  } else {
    auto p = phrases->find(x.kind());
    const auto [to_credited, to_debited] =
        p != phrases->end() ? p->second : std::pair{"adjustment from ", "adjustment to "};
    what = (credited ? to_credited : to_debited) + other;
  }
  if (x.coproduction_type() != lpb::COPRODUCTION_TYPE_UNSPECIFIED) {
    absl::StrAppend(&what, " (", EnumWord(lpb::CoproductionType_Name(x.coproduction_type()), 18),
                    ")");
  }
  if (!x.memo().empty()) absl::StrAppend(&what, ": ", x.memo());
  return what;
}

// `perspective`: the account whose statement this is ("" for a plain list).
// `balance_after_first`: for a newest-first statement that starts at the present,
// the account's current balance, so each row can show the balance after it.
// With a perspective (a statement), the last column says what each transfer was for,
// naming the other side; `names` must then be set.
void PrintTransfers(const google::protobuf::RepeatedPtrField<lpb::Transfer>& ts,
                    const std::string& perspective,
                    std::optional<int64_t> balance_after_first = std::nullopt,
                    AccountNamer* names = nullptr) {
  // RECORDED: when the ledger recorded it; OCCURRED: the day it happened (the
  // activity's day, which may be earlier).
  std::vector<std::string> headers = {"RECORDED", "ID",     "KIND",  "OCCURRED", "RECEIVER",
                                      "PROVIDER", "AMOUNT", "STATE", "MEMO"};
  if (!perspective.empty()) {
    headers[6] = "CHANGE";
    headers[8] = "FOR";
  }
  if (balance_after_first) headers.insert(headers.begin() + 7, "BALANCE");
  std::optional<int64_t> running = balance_after_first;
  const bool csv = absl::GetFlag(FLAGS_csv);
  // Spreadsheets get the amount as a plain number too (minutes or minor units).
  if (csv) headers.push_back(perspective.empty() ? "AMOUNT_UNITS" : "CHANGE_UNITS");
  Table t(headers);
  for (const auto& x : ts) {
    const std::string kind = EnumWord(lpb::TransferKind_Name(x.kind()), 14);
    std::string state = EnumWord(lpb::TransferState_Name(x.state()), 15);
    if (x.reversed()) state += " (reversed)";
    if (x.post_pending()) state = "posts " + x.pending_id();
    if (x.void_pending()) state = "voids " + x.pending_id();
    int64_t amount = x.amount();
    if (!perspective.empty() && x.debit_account_id() == perspective) amount = -amount;
    const bool moves = !x.pending() && !x.void_pending();
    std::vector<std::string> row = {FormatTime(x.recorded_at()),
                                    x.id(),
                                    kind,
                                    FormatDay(x.occurred_at()),
                                    x.debit_account_id(),
                                    x.credit_account_id(),
                                    moves || perspective.empty()
                                        ? FormatAmount(amount, x.unit())
                                        : "(" + FormatAmount(amount, x.unit()) + ")",
                                    state,
                                    names != nullptr ? WhatFor(x, perspective, *names) : x.memo()};
    if (running) {
      row.insert(row.begin() + 7, FormatAmount(*running, x.unit()));
      if (moves) *running -= amount;  // the balance before this row
    }
    if (csv) row.push_back(moves || perspective.empty() ? absl::StrCat(amount) : "0");
    t.Add(std::move(row));
  }
  if (csv) {
    t.PrintCsv(stdout);
  } else {
    t.Print(stdout);
  }
}

int TransferCommand(Client& c, const std::vector<std::string>& args) {
  if (args.empty()) Die("usage: tbctl transfer AMOUNT --provider=ACCT --receiver=ACCT");
  const std::string& sub = args[0];
  lpb::Transfer t;
  t.set_id(absl::GetFlag(FLAGS_id));
  t.set_memo(absl::GetFlag(FLAGS_memo));
  t.set_reference(absl::GetFlag(FLAGS_reference));
  t.set_coproduction_type(ParseCoproduction(absl::GetFlag(FLAGS_coproduction)));
  if (sub == "show") {
    if (args.size() < 2) Die("usage: tbctl transfer show ID...");
    lpb::GetTransfersRequest req;
    for (size_t i = 1; i < args.size(); ++i) req.add_ids(LedgerIdOrDie(args[i]));
    auto resp =
        c.Call<lpb::GetTransfersResponse>(c.ledger(), &lpb::LedgerService::Stub::GetTransfers, req);
    if (Json()) {
      PrintJson(resp);
    } else {
      PrintTransfers(resp.transfers(), "");
      for (const auto& id : resp.not_found_ids()) {
        std::fprintf(stderr, "tbctl: no transfer '%s'\n", id.c_str());
      }
    }
    return resp.not_found_ids_size() == 0 ? 0 : 1;
  }
  if (sub == "post" || sub == "void") {
    if (args.size() < 2 || args.size() > 3) {
      Die(absl::StrCat("usage: tbctl transfer ", sub, " PENDING_ID",
                       sub == "post" ? " [AMOUNT]" : ""));
    }
    lpb::GetTransfersRequest get;
    get.add_ids(LedgerIdOrDie(args[1]));
    auto found =
        c.Call<lpb::GetTransfersResponse>(c.ledger(), &lpb::LedgerService::Stub::GetTransfers, get);
    if (found.transfers_size() == 0) Die(absl::StrCat("no pending transfer '", args[1], "'"));
    const std::string unit = found.transfers(0).unit();
    if (t.id().empty()) t.set_id(FollowUpIdOrDie(args[1], sub));
    t.set_pending_id(args[1]);
    if (sub == "post") {
      t.set_post_pending(true);
    } else {
      t.set_void_pending(true);
    }
    if (args.size() == 3) t.set_amount(ParseAmount(args[2], unit, false));
    return SubmitTransfer(c, t);
  }
  if (sub == "reverse") {
    if (args.size() != 2) Die("usage: tbctl transfer reverse ID --reason=\"...\"");
    if (absl::GetFlag(FLAGS_reason).empty()) Die("--reason: say why it is being reversed");
    if (t.id().empty()) t.set_id(FollowUpIdOrDie(args[1], "reversal"));
    t.set_kind(lpb::TRANSFER_KIND_REVERSAL);
    t.set_reverses_id(args[1]);
    t.set_memo(absl::GetFlag(FLAGS_reason));
    return SubmitTransfer(c, t);
  }
  // A new transfer: tbctl transfer AMOUNT --provider=.. --receiver=..
  if (args.size() != 1) Die("usage: tbctl transfer AMOUNT --provider=ACCT --receiver=ACCT");
  const std::string provider = absl::GetFlag(FLAGS_provider);
  const std::string receiver = absl::GetFlag(FLAGS_receiver);
  if (provider.empty() || receiver.empty()) {
    Die("say who gave the time (--provider=ACCT) and who received it (--receiver=ACCT)");
  }
  const lpb::Account account = GetAccount(c, receiver);
  if (t.id().empty()) t.set_id(RandomTransferId(account.community_id()));
  t.set_debit_account_id(receiver);
  t.set_credit_account_id(provider);
  t.set_amount(ParseAmount(sub, account.unit(), false));
  t.set_kind(ParseKind(absl::GetFlag(FLAGS_kind)));
  t.set_pending(absl::GetFlag(FLAGS_pending));
  if (!absl::GetFlag(FLAGS_timeout).empty()) {
    if (!t.pending()) Die("--timeout only applies with --pending");
    auto minutes = timebank::cli::ParseMinutes(absl::GetFlag(FLAGS_timeout));
    if (!minutes.ok()) Die(absl::StrCat("--timeout: ", minutes.status().message()));
    t.set_timeout_s(static_cast<uint32_t>(std::min<int64_t>(*minutes * 60, UINT32_MAX)));
  }
  return SubmitTransfer(c, t);
}

// ---- statements and journal -----------------------------------------------------

int StatementCommand(Client& c, const std::vector<std::string>& args) {
  if (args.size() != 1) Die("usage: tbctl statement ACCOUNT [--since=YYYY-MM-DD] [--csv]");
  const lpb::Account account = GetAccount(c, args[0]);
  lpb::ListTransfersRequest req;
  req.set_account_id(args[0]);
  req.set_oldest_first(absl::GetFlag(FLAGS_oldest_first));
  if (!absl::GetFlag(FLAGS_since).empty()) {
    timebank::ToTimestamp(ParseDate("since", absl::GetFlag(FLAGS_since)), req.mutable_start_time());
  }
  if (!absl::GetFlag(FLAGS_until).empty()) {
    timebank::ToTimestamp(ParseDate("until", absl::GetFlag(FLAGS_until)), req.mutable_end_time());
  }
  const int limit = absl::GetFlag(FLAGS_limit);
  lpb::ListTransfersResponse all;
  while (true) {
    req.set_page_size(limit > 0 ? std::min(1000, limit - all.transfers_size()) : 1000);
    auto page = c.Call<lpb::ListTransfersResponse>(c.ledger(),
                                                   &lpb::LedgerService::Stub::ListTransfers, req);
    for (auto& t : *page.mutable_transfers()) *all.add_transfers() = std::move(t);
    if (page.next_page_token().empty() || (limit > 0 && all.transfers_size() >= limit)) {
      all.set_next_page_token(page.next_page_token());
      break;
    }
    req.set_page_token(page.next_page_token());
  }
  if (Json()) {
    PrintJson(all);
    return 0;
  }
  if (!absl::GetFlag(FLAGS_csv)) {
    std::printf("Statement for %s (%s): balance %s\n\n", account.id().c_str(),
                account.unit() == "TIME" ? "time credits" : account.unit().c_str(),
                FormatAmount(account.balance(), account.unit()).c_str());
  }
  // Newest first from the present: show the running balance after each row.
  std::optional<int64_t> balance;
  if (!req.oldest_first() && absl::GetFlag(FLAGS_until).empty()) balance = account.balance();
  AccountNamer names(c);
  PrintTransfers(all.transfers(), args[0], balance, &names);
  if (!all.next_page_token().empty() && !absl::GetFlag(FLAGS_csv)) {
    std::printf("\n(showing %d; more with --limit=0)\n", all.transfers_size());
  }
  return 0;
}

int JournalCommand(Client& c, const std::vector<std::string>& args) {
  if (args.size() == 1 && args[0] == "verify") {
    auto resp = c.Call<lpb::VerifyJournalResponse>(
        c.ledger(), &lpb::LedgerService::Stub::VerifyJournal, lpb::VerifyJournalRequest());
    if (Json()) {
      PrintJson(resp);
    } else if (resp.ok()) {
      std::printf("journal verified: %llu entries, head #%llu\nhead hash %s\n",
                  static_cast<unsigned long long>(resp.entries_checked()),
                  static_cast<unsigned long long>(resp.head_seq()), resp.head_hash_hex().c_str());
    } else {
      std::printf("JOURNAL DOES NOT VERIFY at entry #%llu: %s\n",
                  static_cast<unsigned long long>(resp.first_bad_seq()), resp.message().c_str());
    }
    return resp.ok() ? 0 : 3;
  }
  if (args.size() == 1 && args[0] == "watch") {
    grpc::ClientContext ctx;
    c.Prepare(&ctx, 0);
    lpb::WatchJournalRequest req;
    req.set_from_seq(absl::GetFlag(FLAGS_from));
    auto reader = c.ledger()->WatchJournal(&ctx, req);
    lpb::JournalEntry e;
    while (reader->Read(&e)) {
      if (Json()) {
        std::string out;
        google::protobuf::util::JsonPrintOptions o;
        o.preserve_proto_field_names = true;
        (void)google::protobuf::util::MessageToJsonString(e, &out, o);
        std::printf("%s\n", out.c_str());
      } else if (e.has_transfer()) {
        const auto& t = e.transfer();
        std::printf("#%-8llu %s  transfer %s  %s -> %s  %s  %s\n",
                    static_cast<unsigned long long>(e.seq()), FormatTime(e.recorded_at()).c_str(),
                    t.id().c_str(), t.credit_account_id().c_str(), t.debit_account_id().c_str(),
                    FormatAmount(t.amount(), t.unit()).c_str(), t.memo().c_str());
      } else if (e.has_account_created()) {
        std::printf("#%-8llu %s  account %s opened (community %llu, %s)\n",
                    static_cast<unsigned long long>(e.seq()), FormatTime(e.recorded_at()).c_str(),
                    e.account_created().id().c_str(),
                    static_cast<unsigned long long>(e.account_created().community_id()),
                    e.account_created().unit().c_str());
      } else {
        std::printf("#%-8llu %s  account %s status -> %s (%s)\n",
                    static_cast<unsigned long long>(e.seq()), FormatTime(e.recorded_at()).c_str(),
                    e.account_status_changed().account_id().c_str(),
                    lpb::AccountStatus_Name(e.account_status_changed().status()).c_str(),
                    e.account_status_changed().reason().c_str());
      }
      std::fflush(stdout);
    }
    grpc::Status s = reader->Finish();
    if (!s.ok()) DieRpc(s);
    return 0;
  }
  Die("usage: tbctl journal watch [--from=N] | tbctl journal verify");
}

int ServerCommand(Client& c, const std::string& cmd, const std::vector<std::string>& args) {
  grpc::ClientContext ctx;
  c.Prepare(&ctx, cmd == "backup" ? 600 : 10);
  if (cmd == "ping") {
    spb::PingResponse resp;
    const auto start = std::chrono::steady_clock::now();
    grpc::Status s = c.system()->Ping(&ctx, spb::PingRequest(), &resp);
    if (!s.ok()) DieRpc(s);
    std::printf("pong from %s in %.2f ms\n", ServerAddress().c_str(),
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                    .count());
    return 0;
  }
  if (cmd == "info") {
    spb::GetServerInfoResponse resp;
    grpc::Status s = c.system()->GetServerInfo(&ctx, spb::GetServerInfoRequest(), &resp);
    if (!s.ok()) DieRpc(s);
    if (Json()) {
      PrintJson(resp);
    } else {
      std::string services;
      for (const auto& x : resp.services()) services += (services.empty() ? "" : ", ") + x;
      std::printf("timebankd %s at %s, up %llds, services: %s\n", resp.version().c_str(),
                  ServerAddress().c_str(), static_cast<long long>(resp.uptime_s()),
                  services.c_str());
    }
    return 0;
  }
  // backup
  if (args.size() != 1) Die("usage: tbctl backup DIR (an absolute path on the server)");
  spb::CreateBackupRequest req;
  req.set_dir(args[0]);
  spb::CreateBackupResponse resp;
  grpc::Status s = c.system()->CreateBackup(&ctx, req, &resp);
  if (!s.ok()) DieRpc(s);
  for (const auto& p : resp.paths()) std::printf("backed up to %s\n", p.c_str());
  return 0;
}

// The flags each ledger and server command reads (clients/cli/command_flags.h).
const std::vector<timebank::cli::CommandFlags>& LedgerCommandFlags() {
  static const auto* kTable = new std::vector<timebank::cli::CommandFlags>{
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

}  // namespace

int main(int argc, char** argv) {
  timebank::SetProgramUsage("cli/main.cc", kUsage);
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h" || a == "help" || a == "--helpshort") {
      std::printf("%s", kUsage);
      return 0;
    }
  }
  timebank::cli::NoteGivenFlags(argc, argv);
  std::vector<char*> args = timebank::ParseCommandLine(argc, argv);
  if (args.size() < 2) {
    std::fprintf(stderr, "%s", kUsage);
    return 2;
  }
  // A flag the command does not read is refused before anything runs.
  std::vector<timebank::cli::CommandFlags> flags = LedgerCommandFlags();
  for (const auto* table :
       {&timebank::cli::ExpensesCommandFlags(), &timebank::cli::ActivityCommandFlags(),
        &timebank::cli::DirectoryCommandFlags()}) {
    flags.insert(flags.end(), table->begin(), table->end());
  }
  timebank::cli::CheckCommandFlags(flags, Tail(args, 1));
  const std::string cmd = args[1];
  Client client;
  if (cmd == "account") return AccountCommand(client, Tail(args, 2));
  if (cmd == "transfer") return TransferCommand(client, Tail(args, 2));
  if (cmd == "statement") return StatementCommand(client, Tail(args, 2));
  if (cmd == "journal") return JournalCommand(client, Tail(args, 2));
  if (cmd == "ping" || cmd == "info" || cmd == "backup") {
    return ServerCommand(client, cmd, Tail(args, 2));
  }
  if (timebank::cli::IsExpensesCommand(cmd)) {
    return timebank::cli::ExpensesCommand(client, cmd, Tail(args, 2));
  }
  if (timebank::cli::IsActivityCommand(cmd)) {
    return timebank::cli::ActivityCommand(client, cmd, Tail(args, 2));
  }
  if (timebank::cli::IsDirectoryCommand(cmd)) {
    return timebank::cli::DirectoryCommand(client, cmd, Tail(args, 2));
  }
  std::fprintf(stderr, "tbctl: unknown command '%s'\n\n%s", cmd.c_str(), kUsage);
  return 2;
}
