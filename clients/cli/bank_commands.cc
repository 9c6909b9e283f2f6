// tbctl's bank details commands: a member gives, shows and removes their own bank
// details for the repayment of expenses (tbctl bank ...); finance officers see a
// member's masked (tbctl finance bank MEMBER_ID), and the claims to pay by other
// means (tbctl finance other-means [BATCH]). The service checks the form of each
// field and says what to type instead; tbctl passes the text as typed.
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "clients/cli/command_flags.h"
#include "clients/cli/commands.h"
#include "clients/cli/expenses_common.h"
#include "clients/common/table.h"

ABSL_FLAG(std::string, account_name, "",
          "bank set: the name on the account as the bank holds it (at most 18 characters)");
ABSL_FLAG(std::string, sort_code, "", "bank set: the sort code, 12-34-56, 123456 or \"12 34 56\"");
ABSL_FLAG(std::string, account_number, "", "bank set: the account number, its 8 digits");

namespace timebank::cli {
namespace {

void PrintBank(const google::protobuf::RepeatedPtrField<xpb::BankDetails>& rows) {
  Table t({"member", "account name", "sort code", "account number", "updated"});
  for (const xpb::BankDetails& d : rows) {
    t.Add({ShownMember(d.community_id(), d.member_id()), d.account_name(), d.sort_code(),
           d.account_number(),
           d.updated_at().seconds() == 0 ? "" : ShownDay(d.updated_at().seconds())});
  }
  t.Print(stdout);
}

uint64_t Me(Client& c) {
  const auto& p = c.principal();
  if (!p.has_value() || p->kind() != dpb::Principal::KIND_MEMBER) {
    Die("sign in as the member whose bank details these are (tbctl login USERNAME)");
  }
  return p->subject_id();
}

}  // namespace

int ShowBankDetails(Client& c, uint64_t community, uint64_t member) {
  xpb::GetBankDetailsRequest req;
  req.set_community_id(community);
  req.set_member_id(member);
  const auto d =
      c.Call<xpb::BankDetails>(c.expenses(), &xpb::ExpensesService::Stub::GetBankDetails, req);
  ShowOne(d, PrintBank);
  return 0;
}

int ShowOtherMeans(Client& c, uint64_t community, uint64_t batch) {
  xpb::ListOtherMeansClaimsRequest req;
  req.set_community_id(community);
  req.set_batch_id(batch);
  const auto r = c.Call<xpb::ListOtherMeansClaimsResponse>(
      c.expenses(), &xpb::ExpensesService::Stub::ListOtherMeansClaims, req);
  if (Json()) {
    PrintJson(r);
    return 0;
  }
  Table t({"claim", "member", "name", "amount", "batch"});
  for (const xpb::OtherMeansClaim& row : r.claims()) {
    t.Add({absl::StrCat(row.claim_id()),
           row.member_number().empty() ? absl::StrCat(row.member_id()) : row.member_number(),
           row.display_name(), Money(row.amount_minor(), r.currency()),
           row.batch_id() == 0 ? "" : absl::StrCat(row.batch_id())});
  }
  t.Print(stdout);
  std::printf("\n%d claim%s to pay by other means (no bank details), %s in all\n", r.claims_size(),
              r.claims_size() == 1 ? "" : "s", Money(r.total_minor(), r.currency()).c_str());
  return 0;
}

int BankCommand(Client& c, const std::string&, const Args& a) {
  const std::string sub = a.empty() ? "show" : a[0];
  const uint64_t community = CurrentCommunity(c);
  if (a.size() > 1)
    Die("usage: tbctl bank show | set --account_name=.. --sort_code=.. "
        "--account_number=.. | remove");
  if (sub == "show") return ShowBankDetails(c, community, Me(c));
  if (sub == "set") {
    xpb::SetBankDetailsRequest req;
    req.set_community_id(community);
    req.set_member_id(Me(c));
    req.set_account_name(absl::GetFlag(FLAGS_account_name));
    req.set_sort_code(absl::GetFlag(FLAGS_sort_code));
    req.set_account_number(absl::GetFlag(FLAGS_account_number));
    const auto d =
        c.Call<xpb::BankDetails>(c.expenses(), &xpb::ExpensesService::Stub::SetBankDetails, req);
    if (ShowOne(d, PrintBank)) {
      std::printf("\nsaved: your expenses are repaid to this account (finance sees it masked)\n");
    }
    return 0;
  }
  if (sub == "remove") {
    xpb::DeleteBankDetailsRequest req;
    req.set_community_id(community);
    req.set_member_id(Me(c));
    const auto r = c.Call<xpb::DeleteBankDetailsResponse>(
        c.expenses(), &xpb::ExpensesService::Stub::DeleteBankDetails, req);
    if (Json()) {
      PrintJson(r);
    } else {
      std::printf("%s\n", r.deleted() ? "removed: your expenses will be paid by other means"
                                      : "you had given no bank details: nothing to remove");
    }
    return 0;
  }
  Die("usage: tbctl bank show | set --account_name=.. --sort_code=.. --account_number=.. | "
      "remove");
}

}  // namespace timebank::cli
