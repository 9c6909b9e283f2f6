// Roles and the audit log: granting and revoking roles (audited, ending the member's
// old tokens) and listing a community's audit entries.
#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/directory/directory.h"
#include "services/directory/directory_fields.h"

namespace timebank::directory {
namespace {

std::string RoleDetail(dpb::Role role, uint64_t org_id, const std::string& reason) {
  return absl::StrCat(dpb::Role_Name(role), org_id ? absl::StrCat(" of organisation ", org_id) : "",
                      reason.empty() ? "" : ": ", reason);
}

bool HasRoleIn(const dpb::Member& m, dpb::Role r) {
  return std::find(m.roles().begin(), m.roles().end(), r) != m.roles().end();
}

}  // namespace

absl::StatusOr<dpb::Member> Directory::GrantRole(const Actor& a, uint64_t c, uint64_t id,
                                                 dpb::Role role, uint64_t org_id,
                                                 const std::string& reason) {
  TB_RETURN_IF_ERROR(CheckReason("reason", reason));
  if (role != dpb::ROLE_COORDINATOR && role != dpb::ROLE_FINANCE && role != dpb::ROLE_ADMIN) {
    return records::FieldError("role",
                               "must be coordinator, finance or admin (everyone is a member)");
  }
  if ((role == dpb::ROLE_COORDINATOR) != (org_id != 0)) {
    return records::FieldError("organisation_id",
                               "required for coordinator, and only for coordinator");
  }
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(dpb::Member m, MustMember(c, id));
  if (m.status() != dpb::MEMBER_STATUS_ACTIVE) {
    return absl::FailedPreconditionError(
        "roles go only to active members; reinstate the member first");
  }
  if (org_id != 0) {
    TB_RETURN_IF_ERROR(GetOrganisation(c, org_id).status());
    if (std::find(m.coordinator_of().begin(), m.coordinator_of().end(), org_id) ==
        m.coordinator_of().end()) {
      if (static_cast<size_t>(m.coordinator_of_size()) >=
          DirectoryLimits::kMaxCoordinatedOrganisations) {
        return records::FieldError("organisation_id",
                                   "a member coordinates at most 32 organisations");
      }
      m.add_coordinator_of(org_id);
    }
  }
  if (!HasRoleIn(m, role)) m.add_roles(role);
  records::Tx tx = NewTx();
  return SaveMember(tx, std::move(m), a, "role.grant", RoleDetail(role, org_id, reason),
                    /*end_tokens=*/true);
}

absl::StatusOr<dpb::Member> Directory::RevokeRole(const Actor& a, uint64_t c, uint64_t id,
                                                  dpb::Role role, uint64_t org_id,
                                                  const std::string& reason) {
  TB_RETURN_IF_ERROR(CheckReason("reason", reason));
  if (role != dpb::ROLE_COORDINATOR && role != dpb::ROLE_FINANCE && role != dpb::ROLE_ADMIN) {
    return records::FieldError("role", "must be coordinator, finance or admin");
  }
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(dpb::Member m, MustMember(c, id));
  if (!HasRoleIn(m, role)) {
    return absl::FailedPreconditionError(
        absl::StrCat("the member does not hold ", dpb::Role_Name(role)));
  }
  if (role == dpb::ROLE_COORDINATOR) {
    auto* orgs = m.mutable_coordinator_of();
    if (org_id == 0) {
      orgs->Clear();
    } else {
      orgs->erase(std::remove(orgs->begin(), orgs->end(), org_id), orgs->end());
    }
  }
  if (role != dpb::ROLE_COORDINATOR || m.coordinator_of().empty()) {
    auto* roles = m.mutable_roles();
    roles->erase(std::remove(roles->begin(), roles->end(), role), roles->end());
  }
  records::Tx tx = NewTx();
  return SaveMember(tx, std::move(m), a, "role.revoke", RoleDetail(role, org_id, reason),
                    /*end_tokens=*/true);
}

absl::StatusOr<Page<dpb::AuditEntry>> Directory::ListAudit(uint64_t c, uint64_t after_seq,
                                                           size_t limit) {
  return Scan<dpb::AuditEntry>(AuditPrefix(c), AuditKey(c, after_seq + 1), limit, nullptr);
}

}  // namespace timebank::directory
