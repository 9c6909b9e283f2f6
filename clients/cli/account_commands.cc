// tbctl's ledger account commands: account create, show, list, freeze, unfreeze
// and close.
#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "clients/cli/commands.h"
#include "clients/cli/ledger_common.h"
#include "clients/cli/paging.h"
#include "clients/common/table.h"
#include "services/common/ids.h"

namespace timebank::cli {
namespace {

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

lpb::OwnerKind ParseOwner(const std::string& owner) {
  const std::vector<std::pair<std::string, lpb::OwnerKind>> kinds = {
      {"member", lpb::OWNER_KIND_MEMBER},
      {"organisation", lpb::OWNER_KIND_ORGANISATION},
      {"pool", lpb::OWNER_KIND_COMMUNITY_POOL},
      {"partner", lpb::OWNER_KIND_PARTNER},
      {"expense-book", lpb::OWNER_KIND_EXPENSE_BOOK},
      {"system", lpb::OWNER_KIND_SYSTEM}};
  auto kind = std::find_if(kinds.begin(), kinds.end(), [&](auto& k) { return k.first == owner; });
  if (kind == kinds.end()) {
    Die("--owner: member, organisation, pool, partner, expense-book or system");
  }
  return kind->second;
}

int Create(Client& c, const Args& args) {
  if (args.size() != 2) Die("usage: tbctl account create ID --community=N [--unit=TIME]");
  lpb::CreateAccountsRequest req;
  auto* a = req.add_accounts();
  a->set_id(args[1]);
  a->set_community_id(absl::GetFlag(FLAGS_community));
  a->set_unit(absl::GetFlag(FLAGS_unit).empty() ? "TIME" : absl::GetFlag(FLAGS_unit));
  a->set_owner_kind(ParseOwner(absl::GetFlag(FLAGS_owner)));
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
  Die(absl::StrCat("account ", args[1],
                   " not created: ", lpb::CreateAccountResultCode_Name(code).substr(15),
                   code == lpb::CREATE_ACCOUNT_ID_INVALID ? absl::StrCat(" (", kLedgerIdRule, ")")
                   : code == lpb::CREATE_ACCOUNT_COMMUNITY_ID_MISMATCH
                       ? " (the id's c<community> prefix must be --community)"
                       : ""));
}

int ShowAccounts(Client& c, const Args& args) {
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

int List(Client& c) {
  if (absl::GetFlag(FLAGS_community) == 0) Die("account list: pass --community=N");
  lpb::ListAccountsRequest req;
  req.set_community_id(absl::GetFlag(FLAGS_community));
  req.set_unit(absl::GetFlag(FLAGS_unit));
  lpb::ListAccountsResponse all;
  ReadPages(/*limit_items=*/0, [&](int page_size, const std::string& page_token) {
    req.set_page_size(page_size);
    req.set_page_token(page_token);
    auto page =
        c.Call<lpb::ListAccountsResponse>(c.ledger(), &lpb::LedgerService::Stub::ListAccounts, req);
    for (auto& a : *page.mutable_accounts()) *all.add_accounts() = std::move(a);
    return PageRead{page.accounts_size(), page.next_page_token()};
  });
  if (Json()) {
    PrintJson(all);
  } else {
    PrintAccounts(all.accounts());
  }
  return 0;
}

// freeze, unfreeze or close.
int SetStatus(Client& c, const std::string& sub, const Args& args) {
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

}  // namespace

int AccountCommand(Client& c, const std::string&, const Args& args) {
  if (args.empty()) Die("account: say create, show, list, freeze, unfreeze or close");
  const std::string& sub = args[0];
  if (sub == "create") return Create(c, args);
  if (sub == "show") return ShowAccounts(c, args);
  if (sub == "list") return List(c);
  if (sub == "freeze" || sub == "unfreeze" || sub == "close") return SetStatus(c, sub, args);
  Die(absl::StrCat("account: unknown subcommand '", sub, "'; see tbctl --help"));
}

}  // namespace timebank::cli
