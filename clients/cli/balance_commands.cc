// tbctl balances: what an organisation's coordinator sees of balances (issue 14,
// item 6): the organisation's own time account and each of its members' (the members
// the directory lists in Member.organisations), with hours given and received.
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "clients/cli/client.h"
#include "clients/cli/commands.h"
#include "clients/cli/directory_common.h"
#include "clients/cli/paging.h"
#include "clients/common/hours.h"
#include "clients/common/table.h"

ABSL_DECLARE_FLAG(uint64_t, org);
ABSL_DECLARE_FLAG(bool, csv);

namespace timebank::cli {

int BalancesCommand(Client& c, const std::string&, const Args& a) {
  const uint64_t org = absl::GetFlag(FLAGS_org);
  if (!a.empty() || org == 0) Die("usage: tbctl balances --org=ID [--community=N] [--csv]");
  dpb::ListOrganisationBalancesRequest req;
  req.set_community_id(CommunityOf(c));
  req.set_organisation_id(org);
  dpb::ListOrganisationBalancesResponse all;
  ReadPages(0, [&](int page_size, const std::string& page_token) {
    req.set_page_size(page_size);
    req.set_page_token(page_token);
    auto page = c.Call<dpb::ListOrganisationBalancesResponse>(
        c.directory(), &dpb::DirectoryService::Stub::ListOrganisationBalances, req);
    *all.mutable_organisation() = page.organisation();
    *all.mutable_organisation_balance() = page.organisation_balance();
    for (auto& m : *page.mutable_members()) *all.add_members() = std::move(m);
    return PageRead{page.members_size(), page.next_page_token()};
  });
  if (Json()) {
    PrintJson(all);
    return 0;
  }
  const dpb::Balance& ob = all.organisation_balance();
  Table t({"member", "name", "status", "given", "received", "balance"});
  t.Add({"", absl::StrCat(all.organisation().name(), " (the organisation)"), "",
         FormatMinutes(ob.given_minutes()), FormatMinutes(ob.received_minutes()),
         FormatMinutes(ob.balance_minutes())});
  for (const dpb::MemberBalance& m : all.members()) {
    t.Add({m.member_number(), m.display_name(), Status(m.status()),
           FormatMinutes(m.balance().given_minutes()),
           FormatMinutes(m.balance().received_minutes()),
           FormatMinutes(m.balance().balance_minutes())});
  }
  if (absl::GetFlag(FLAGS_csv)) {
    t.PrintCsv(stdout);
    return 0;
  }
  t.Print(stdout);
  if (all.members().empty()) {
    std::printf(
        "No members belong to organisation %llu yet: an admin adds them with "
        "tbctl member update ID --orgs=%llu.\n",
        static_cast<unsigned long long>(org), static_cast<unsigned long long>(org));
  }
  return 0;
}

}  // namespace timebank::cli
