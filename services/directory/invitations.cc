// Invitations: created with a one-time code (only its hash is kept), listed,
// revoked, and used up by the sign-up they admit. An invitation may carry ROLE_ADMIN:
// how the operator hands a new community to its first admin (docs/OPERATIONS.md).
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "services/directory/directory.h"
#include "services/directory/directory_fields.h"
#include "storage/hash_chain.h"

namespace timebank::directory {

absl::StatusOr<dpb::Invitation> Directory::CreateInvitation(const Actor& a, uint64_t c,
                                                            int32_t valid_hours,
                                                            const std::string& note,
                                                            dpb::Role role) {
  if (c == 0) return records::FieldError("community_id", "required");
  if (valid_hours == 0) valid_hours = 168;
  if (role == dpb::ROLE_MEMBER) role = dpb::ROLE_UNSPECIFIED;
  if (role != dpb::ROLE_UNSPECIFIED && role != dpb::ROLE_ADMIN) {
    return records::FieldError("role", "ROLE_ADMIN, or unset for a member");
  }
  // Coordinators may invite members; only whoever may already make admins (the
  // operator, an admin) may invite one.
  if (role == dpb::ROLE_ADMIN && !a.Is(dpb::ROLE_OPERATOR) && !a.Is(dpb::ROLE_ADMIN)) {
    return absl::PermissionDeniedError(
        "role: only the operator or an admin may invite an admin; invite a member instead");
  }
  if (valid_hours < 1 || valid_hours > DirectoryLimits::kMaxInvitationHours) {
    return records::FieldError("valid_hours", "1..720 (30 days)");
  }
  TB_RETURN_IF_ERROR(CheckReason("note", note));
  absl::MutexLock lock(&write_mu_);
  TB_RETURN_IF_ERROR(GetCommunity(c).status());
  records::Tx tx = NewTx();
  TB_ASSIGN_OR_RETURN(uint64_t id, tx.NextId("invitation"));
  dpb::Invitation inv;
  inv.set_community_id(c);
  inv.set_id(id);
  inv.mutable_expires_at()->set_seconds(absl::ToUnixSeconds(Now()) + valid_hours * 3600);
  inv.set_note(note);
  inv.set_created_by(a.principal.subject_id());
  inv.set_role(role);
  std::string code;
  absl::WebSafeBase64Escape(AsAbsl(storage::RandomBytes(12)), &code);
  tx.Put(InvitationKey(c, id), inv.SerializeAsString());
  tx.Put(InvitationCodeKey(code), RefValue(c, id));
  Audit(tx, c, a, "invitation.create", 0,
        absl::StrCat("invitation ", id, role == dpb::ROLE_ADMIN ? " (as admin)" : ""));
  TB_RETURN_IF_ERROR(tx.Commit());
  inv.set_code(code);
  return inv;
}

absl::StatusOr<Page<dpb::Invitation>> Directory::ListInvitations(uint64_t c, uint64_t after_id,
                                                                 size_t limit) {
  return Scan<dpb::Invitation>(InvitationPrefix(c), InvitationKey(c, after_id + 1), limit, nullptr);
}

// The code's entry stays after use, so a second use is told it was used rather than
// that the code is wrong. Each refusal says what to do next; all are
// FAILED_PRECONDITION, which the sign-up throttle counts as a failed attempt.
absl::StatusOr<dpb::Invitation> Directory::UseInvitation(records::Tx& tx, uint64_t c,
                                                         const std::string& code) {
  std::string ref;
  TB_ASSIGN_OR_RETURN(bool found, committed_.Get(InvitationCodeKey(code), &ref));
  std::optional<dpb::Invitation> inv;
  const std::optional<std::pair<uint64_t, uint64_t>> at = found ? RefOf(ref) : std::nullopt;
  if (at && at->first == c) {
    TB_ASSIGN_OR_RETURN(inv, Find<dpb::Invitation>(committed_, InvitationKey(c, at->second)));
  }
  const std::string ask = "; ask whoever invited you for a new invitation";
  if (!inv) {
    return absl::FailedPreconditionError(
        absl::StrCat("invitation_code: not an invitation of community ", c,
                     " (check the community number and that the code is typed exactly as given)"));
  }
  if (inv->used()) {
    return absl::FailedPreconditionError(
        absl::StrCat("invitation_code: already used (each invitation works once)", ask));
  }
  if (inv->revoked()) {
    return absl::FailedPreconditionError(absl::StrCat("invitation_code: revoked", ask));
  }
  if (inv->expires_at().seconds() <= absl::ToUnixSeconds(Now())) {
    return absl::FailedPreconditionError(absl::StrCat(
        "invitation_code: expired at ",
        absl::FormatTime("%Y-%m-%d %H:%M UTC", absl::FromUnixSeconds(inv->expires_at().seconds()),
                         absl::UTCTimeZone()),
        ask));
  }
  inv->set_used(true);
  tx.Put(InvitationKey(c, inv->id()), inv->SerializeAsString());
  return *std::move(inv);
}

absl::StatusOr<dpb::Invitation> Directory::RevokeInvitation(const Actor& a, uint64_t c,
                                                            uint64_t id) {
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(dpb::Invitation inv,
                      records::LoadRecord<dpb::Invitation>(
                          committed_, InvitationKey(c, id), RecordName(InvitationKey(c, id)),
                          absl::StrCat("invitation ", id, " does not exist in community ", c)));
  inv.set_revoked(true);
  records::Tx tx = NewTx();
  tx.Put(InvitationKey(c, id), inv.SerializeAsString());
  Audit(tx, c, a, "invitation.revoke", 0, absl::StrCat("invitation ", id));
  TB_RETURN_IF_ERROR(tx.Commit());
  return inv;
}

}  // namespace timebank::directory
