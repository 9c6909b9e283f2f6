// Invitations: created with a one-time code (only its hash is kept), listed,
// revoked, and used up by the sign-up they admit.
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "services/directory/directory.h"
#include "services/directory/directory_fields.h"
#include "storage/hash_chain.h"

namespace timebank::directory {

absl::StatusOr<dpb::Invitation> Directory::CreateInvitation(const Actor& a, uint64_t c,
                                                            int32_t valid_hours,
                                                            const std::string& note) {
  if (valid_hours == 0) valid_hours = 168;
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
  std::string code;
  absl::WebSafeBase64Escape(AsAbsl(storage::RandomBytes(12)), &code);
  tx.Put(InvitationKey(c, id), inv.SerializeAsString());
  tx.Put(InvitationCodeKey(code), RefValue(c, id));
  Audit(tx, c, a, "invitation.create", 0, absl::StrCat("invitation ", id));
  TB_RETURN_IF_ERROR(tx.Commit());
  inv.set_code(code);
  return inv;
}

absl::StatusOr<Page<dpb::Invitation>> Directory::ListInvitations(uint64_t c, uint64_t after_id,
                                                                 size_t limit) {
  return Scan<dpb::Invitation>(InvitationPrefix(c), InvitationKey(c, after_id + 1), limit, nullptr);
}

absl::Status Directory::UseInvitation(records::Tx& tx, uint64_t c, const std::string& code) {
  const std::string code_key = InvitationCodeKey(code);
  std::string ref;
  TB_ASSIGN_OR_RETURN(bool found, committed_.Get(code_key, &ref));
  std::optional<dpb::Invitation> inv;
  const std::optional<std::pair<uint64_t, uint64_t>> at = found ? RefOf(ref) : std::nullopt;
  if (at && at->first == c) {
    TB_ASSIGN_OR_RETURN(inv, Find<dpb::Invitation>(committed_, InvitationKey(c, at->second)));
  }
  if (!inv || inv->used() || inv->revoked() ||
      inv->expires_at().seconds() <= absl::ToUnixSeconds(Now())) {
    return absl::FailedPreconditionError(
        "invitation_code: not valid for this community (wrong, used, revoked or expired); "
        "ask the community for a new invitation");
  }
  inv->set_used(true);
  tx.Put(InvitationKey(c, inv->id()), inv->SerializeAsString());
  tx.Delete(code_key);
  return absl::OkStatus();
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
