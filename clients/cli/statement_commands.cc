// tbctl's statement and journal commands: an account's statement (what each
// transfer was for, with names where the caller may see them, and the running
// balance), following the journal live, and verifying its hash chain.
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "clients/cli/commands.h"
#include "clients/cli/ledger_common.h"
#include "clients/cli/member_refs.h"
#include "clients/cli/paging.h"
#include "clients/common/table.h"
#include "services/common/ids.h"
#include "services/common/timestamps.h"

namespace timebank::cli {

namespace apb = ::timebank::activity::v1;

// Names for the accounts a statement mentions: organisations and members by name and
// member number, the pool, and any other account by its id. Staff read members from
// the directory; a member may not, so their partners' names come from the activity
// the transfer belongs to, which names both its parties for them.
class AccountNamer {
 public:
  explicit AccountNamer(Client& c) : client_(c) {}
  // `x`: the transfer that mentions the account (where a member's name may be found).
  std::string Name(const std::string& account_id, const lpb::Transfer& x) {
    auto it = cache_.find(account_id);
    if (it != cache_.end()) return it->second;
    std::optional<std::string> name = Lookup(account_id, x);
    if (!name) return absl::StrCat("member ", ParseAccountId(account_id)->id);  // try next row
    return cache_[account_id] = *name;
  }

 private:
  // nullopt: a member whose name this transfer does not give (another row may).
  std::optional<std::string> Lookup(const std::string& account_id, const lpb::Transfer& x) {
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
      dpb::MemberName n;
      n.set_display_name(m.display_name());
      n.set_member_number(m.member_number());
      return MemberLabel(n, owner->id);
    }
    return FromActivity(*owner, x);
  }

  std::optional<std::string> FromActivity(const timebank::AccountOwner& owner,
                                          const lpb::Transfer& x) {
    const std::optional<timebank::ActivityRef> ref = timebank::ParseActivityTransferId(x.id());
    if (!ref || ref->community_id != owner.community_id) return std::nullopt;
    grpc::ClientContext ctx;
    client_.Prepare(&ctx, 10);
    apb::GetActivityRequest req;
    req.set_community_id(ref->community_id);
    req.set_activity_id(ref->activity_id);
    apb::Activity a;
    if (!client_.activity()->GetActivity(&ctx, req, &a).ok()) return std::nullopt;
    if (a.provider_member_id() == owner.id && a.has_provider_name()) {
      return MemberLabel(a.provider_name(), owner.id);
    }
    if (a.receiver_member_id() == owner.id && a.has_receiver_name()) {
      return MemberLabel(a.receiver_name(), owner.id);
    }
    return std::nullopt;
  }

  Client& client_;
  std::map<std::string, std::string> cache_;
};

// What a transfer was for, seen from `perspective`'s side: "volunteered for Riverside
// Carers: workshop", "help from Bob Baker (B-7): gardening", ...
std::string WhatFor(const lpb::Transfer& x, const std::string& perspective, AccountNamer& names) {
  const bool credited = x.credit_account_id() == perspective;
  const std::string other = names.Name(credited ? x.debit_account_id() : x.credit_account_id(), x);
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
  if (!x.memo().empty()) absl::StrAppend(&what, ": ", x.memo());
  return what;
}

// One line of a statement: a transfer, or a reservation (a pending transfer) together
// with what became of it, so a donation reads as one line that says it was posted.
struct StatementLine {
  const lpb::Transfer* shown = nullptr;
  // The post or void of `shown` when it is a reservation whose completion is listed.
  const lpb::Transfer* completion = nullptr;
};

// Newest first (as listed): a reservation's line stands where its completion is, as
// that is when the balance moved.
std::vector<StatementLine> StatementLines(
    const google::protobuf::RepeatedPtrField<lpb::Transfer>& ts) {
  std::map<std::string, const lpb::Transfer*> pending;
  std::set<std::string> completed;
  for (const lpb::Transfer& x : ts) {
    if (x.pending()) pending[x.id()] = &x;
    if (x.post_pending() || x.void_pending()) completed.insert(x.pending_id());
  }
  std::vector<StatementLine> out;
  for (const lpb::Transfer& x : ts) {
    if (x.pending() && completed.count(x.id())) continue;  // shown with its completion
    auto p = pending.find(x.pending_id());
    if ((x.post_pending() || x.void_pending()) && p != pending.end()) {
      out.push_back({p->second, &x});
    } else {
      out.push_back({&x, nullptr});
    }
  }
  return out;
}

// What moved the balance on `line`, from `perspective`'s side (0 while reserved or
// when a reservation was cancelled).
int64_t ChangeOf(const StatementLine& line, const std::string& perspective) {
  const lpb::Transfer& x = *line.shown;
  if (x.void_pending() || (line.completion != nullptr && line.completion->void_pending())) {
    return 0;
  }
  if (x.pending() && line.completion == nullptr) return 0;
  int64_t amount = x.amount();
  if (line.completion != nullptr && line.completion->amount() != 0) {
    amount = line.completion->amount();  // a post of part of the reservation
  }
  return x.debit_account_id() == perspective ? -amount : amount;
}

std::string StateOf(const StatementLine& line) {
  const lpb::Transfer& x = *line.shown;
  if (line.completion != nullptr) {
    return line.completion->void_pending()
               ? "reserved, then cancelled"
               : "reserved, then posted " + ShownDay(line.completion->recorded_at().seconds());
  }
  if (x.pending()) return "reserved (waiting)";
  std::string state = EnumWord(lpb::TransferState_Name(x.state()), 15);
  if (x.reversed()) state += " (reversed)";
  return state;
}

// The day it happened: the activity's day, or the day it was recorded when none was given.
const google::protobuf::Timestamp& HappenedAt(const lpb::Transfer& x) {
  return x.has_occurred_at() ? x.occurred_at() : x.recorded_at();
}

// A statement: each line with the day it happened and when it was recorded, what it
// was and who with, its Star type, the change and (from the present, newest first)
// the balance after it. Only lines that happened in [since, until) are printed, but
// every line counts towards the running balance.
void PrintStatement(const google::protobuf::RepeatedPtrField<lpb::Transfer>& ts,
                    const std::string& account, const std::string& unit,
                    std::optional<int64_t> balance_now, std::optional<int64_t> since_ns,
                    std::optional<int64_t> until_ns, AccountNamer& names) {
  const bool csv = absl::GetFlag(FLAGS_csv);
  std::vector<std::string> headers = {"HAPPENED", "RECORDED", "WHAT", "STAR TYPE", "CHANGE"};
  if (balance_now) headers.push_back("BALANCE");
  headers.insert(headers.end(), {"STATE", "ID"});
  // Spreadsheets get the kind as a word and the change as a plain number too.
  if (csv) {
    headers.insert(headers.begin() + 2, "KIND");
    headers.push_back("CHANGE_UNITS");
  }
  Table t(headers);
  std::optional<int64_t> running = balance_now;
  for (const StatementLine& line : StatementLines(ts)) {
    const lpb::Transfer& x = *line.shown;
    const int64_t change = ChangeOf(line, account);
    const int64_t happened_ns = HappenedAt(x).seconds() * 1'000'000'000;
    const bool shown =
        (!since_ns || happened_ns >= *since_ns) && (!until_ns || happened_ns < *until_ns);
    const std::string balance = running ? FormatAmount(*running, unit) : "";
    if (running) *running -= change;  // the balance before this line
    if (!shown) continue;
    std::vector<std::string> row = {
        ShownDay(HappenedAt(x).seconds()), ShownTime(x.recorded_at().seconds()),
        WhatFor(x, account, names),
        x.coproduction_type() == lpb::COPRODUCTION_TYPE_UNSPECIFIED
            ? ""
            : EnumWord(lpb::CoproductionType_Name(x.coproduction_type()), 18),
        // A reservation still waiting holds the amount without moving it: "(1h)".
        x.pending() && line.completion == nullptr
            ? "(" + FormatAmount(x.debit_account_id() == account ? -x.amount() : x.amount(), unit) +
                  ")"
            : FormatAmount(change, unit)};
    if (balance_now) row.push_back(balance);
    row.insert(row.end(), {StateOf(line), x.id()});
    if (csv) {
      row.insert(row.begin() + 2, EnumWord(lpb::TransferKind_Name(x.kind()), 14));
      row.push_back(absl::StrCat(change));
    }
    t.Add(std::move(row));
  }
  if (csv) {
    t.PrintCsv(stdout);
  } else {
    t.Print(stdout);
  }
}

// Transfers as a table (or CSV): a plain list, with both accounts.
void PrintTransfers(const google::protobuf::RepeatedPtrField<lpb::Transfer>& ts) {
  std::vector<std::string> headers = {"RECORDED", "ID",     "KIND",  "OCCURRED", "RECEIVER",
                                      "PROVIDER", "AMOUNT", "STATE", "MEMO"};
  const bool csv = absl::GetFlag(FLAGS_csv);
  if (csv) headers.push_back("AMOUNT_UNITS");
  Table t(headers);
  for (const auto& x : ts) {
    std::string state = EnumWord(lpb::TransferState_Name(x.state()), 15);
    if (x.reversed()) state += " (reversed)";
    if (x.post_pending()) state = "posts " + x.pending_id();
    if (x.void_pending()) state = "voids " + x.pending_id();
    std::vector<std::string> row = {FormatTime(x.recorded_at()),
                                    x.id(),
                                    EnumWord(lpb::TransferKind_Name(x.kind()), 14),
                                    FormatDay(x.occurred_at()),
                                    x.debit_account_id(),
                                    x.credit_account_id(),
                                    FormatAmount(x.amount(), x.unit()),
                                    state,
                                    x.memo()};
    if (csv) row.push_back(absl::StrCat(x.amount()));
    t.Add(std::move(row));
  }
  if (csv) {
    t.PrintCsv(stdout);
  } else {
    t.Print(stdout);
  }
}

int StatementCommand(Client& c, const std::string&, const Args& args) {
  if (args.size() != 1) Die("usage: tbctl statement ACCOUNT [--since=DAY] [--until=DAY] [--csv]");
  const lpb::Account account = GetAccount(c, args[0]);
  lpb::ListTransfersRequest req;
  req.set_account_id(args[0]);
  req.set_oldest_first(absl::GetFlag(FLAGS_oldest_first));
  // --since/--until are days it happened. What happened on a day may be recorded up
  // to a year later (ActivityLimits::kMaxAgeDays), so the listing by recorded time
  // starts that much earlier and ends at the present; the lines are chosen by day.
  constexpr int64_t kLateRecordingDays = 367;
  std::optional<int64_t> since_ns, until_ns;
  if (!absl::GetFlag(FLAGS_since).empty()) {
    since_ns = ParseDate("since", absl::GetFlag(FLAGS_since));
    timebank::ToTimestamp(*since_ns - kLateRecordingDays * 86'400 * int64_t{1'000'000'000},
                          req.mutable_start_time());
  }
  if (!absl::GetFlag(FLAGS_until).empty())
    until_ns = ParseDate("until", absl::GetFlag(FLAGS_until));
  const int limit = absl::GetFlag(FLAGS_limit);
  lpb::ListTransfersResponse all;
  all.set_next_page_token(ReadPages(limit, [&](int page_size, const std::string& page_token) {
    req.set_page_size(page_size);
    req.set_page_token(page_token);
    auto page = c.Call<lpb::ListTransfersResponse>(c.ledger(),
                                                   &lpb::LedgerService::Stub::ListTransfers, req);
    for (auto& t : *page.mutable_transfers()) *all.add_transfers() = std::move(t);
    return PageRead{page.transfers_size(), page.next_page_token()};
  }));
  if (Json()) {
    PrintJson(all);
    return 0;
  }
  if (!absl::GetFlag(FLAGS_csv)) {
    std::printf("Statement for %s (%s): balance %s\n\n", account.id().c_str(),
                account.unit() == "TIME" ? "time credits" : account.unit().c_str(),
                FormatAmount(account.balance(), account.unit()).c_str());
  }
  // Newest first from the present: show the running balance after each line.
  std::optional<int64_t> balance;
  if (!req.oldest_first()) balance = account.balance();
  AccountNamer names(c);
  PrintStatement(all.transfers(), args[0], account.unit(), balance, since_ns, until_ns, names);
  if (!all.next_page_token().empty() && !absl::GetFlag(FLAGS_csv)) {
    std::printf("\n(showing %d; more with --limit=0)\n", all.transfers_size());
  }
  return 0;
}

int JournalCommand(Client& c, const std::string&, const Args& args) {
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

}  // namespace timebank::cli
