// tbctl's statement and journal commands: an account's statement (what each
// transfer was for, with names where the caller may see them, and the running
// balance), following the journal live, and verifying its hash chain.
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
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
// Carers (co-design): workshop", "help from Bob Baker: gardening", ...
std::string WhatFor(const lpb::Transfer& x, const std::string& perspective, AccountNamer& names) {
  const bool credited = x.credit_account_id() == perspective;
  const std::string other =
      names.Name(credited ? x.debit_account_id() : x.credit_account_id(), x);
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
                    const std::string& perspective, std::optional<int64_t> balance_after_first,
                    AccountNamer* names) {
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

int StatementCommand(Client& c, const std::string&, const Args& args) {
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
