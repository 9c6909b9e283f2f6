// Which organisations a member belongs to (Member.organisations), and the balances an
// organisation's coordinators see: its own time account and its members' (issue 14,
// item 6). Membership is the directory's only record of who belongs to an
// organisation; the ledger knows accounts, not people, so the balances are read from
// it with the directory's service credentials once the directory has decided who may
// see them (the access table: admins, finance, the organisation's coordinators).
#include <algorithm>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "services/common/ids.h"
#include "services/directory/directory.h"
#include "services/directory/directory_fields.h"
#include "services/directory/directory_records.h"

namespace timebank::directory {
namespace {

namespace lpb = ::timebank::ledger::v1;

dpb::Balance BalanceOf(const lpb::Account* a) {
  dpb::Balance b;
  if (a == nullptr) return b;  // not opened in the ledger yet: nothing moved
  b.set_given_minutes(a->credits_posted());
  b.set_received_minutes(a->debits_posted());
  b.set_balance_minutes(a->balance());
  return b;
}

}  // namespace

absl::Status Directory::CheckOrganisations(const Actor* a, uint64_t c, dpb::Member* m) {
  auto* orgs = m->mutable_organisations();
  std::sort(orgs->begin(), orgs->end());
  orgs->erase(std::unique(orgs->begin(), orgs->end()), orgs->end());
  if (orgs->empty()) return absl::OkStatus();
  if (static_cast<size_t>(orgs->size()) > DirectoryLimits::kMaxMemberOrganisations) {
    return records::FieldError("member.organisations", "at most 32 organisations");
  }
  // Sign-ups name none; an admin (or the trusted code with no principal) any of the
  // community's; a coordinator only those they coordinate, so nobody widens what
  // they may see by adding people to another organisation.
  const bool any = a == nullptr || a->principal.kind() == dpb::Principal::KIND_UNSPECIFIED ||
                   a->Is(dpb::ROLE_ADMIN) || a->Is(dpb::ROLE_OPERATOR);
  for (uint64_t org : *orgs) {
    TB_RETURN_IF_ERROR(GetOrganisation(c, org).status());
    if (!any &&
        std::find(a->principal.coordinator_of().begin(), a->principal.coordinator_of().end(),
                  org) == a->principal.coordinator_of().end()) {
      return absl::PermissionDeniedError(
          absl::StrCat("member.organisations: you coordinate no organisation ", org,
                       "; an admin adds members to other organisations"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<dpb::ListOrganisationBalancesResponse> Directory::ListOrganisationBalances(
    uint64_t c, uint64_t org_id, uint64_t after_id, size_t limit) {
  dpb::ListOrganisationBalancesResponse out;
  TB_ASSIGN_OR_RETURN(*out.mutable_organisation(), GetOrganisation(c, org_id));
  TB_ASSIGN_OR_RETURN(Page<dpb::Member> page,
                      Scan<dpb::Member>(MemberPrefix(c), MemberKey(c, after_id + 1), limit,
                                        [org_id](const dpb::Member& m) {
                                          return std::find(m.organisations().begin(),
                                                           m.organisations().end(),
                                                           org_id) != m.organisations().end();
                                        }));
  std::vector<std::string> ids = {out.organisation().account_id()};
  for (const dpb::Member& m : page.items) ids.push_back(m.account_id());
  TB_ASSIGN_OR_RETURN(std::vector<lpb::Account> accounts, ledger_->GetAccounts(ids));
  absl::flat_hash_map<std::string, const lpb::Account*> by_id;
  for (const lpb::Account& a : accounts) by_id[a.id()] = &a;
  auto find = [&by_id](const std::string& id) -> const lpb::Account* {
    auto it = by_id.find(id);
    return it == by_id.end() ? nullptr : it->second;
  };
  *out.mutable_organisation_balance() = BalanceOf(find(out.organisation().account_id()));
  for (const dpb::Member& m : page.items) {
    dpb::MemberBalance* row = out.add_members();
    row->set_member_id(m.id());
    row->set_member_number(m.member_number());
    row->set_display_name(m.display_name());
    row->set_status(m.status());
    *row->mutable_balance() = BalanceOf(find(m.account_id()));
  }
  out.set_next_page_token(page.NextPageToken());
  return out;
}

}  // namespace timebank::directory
