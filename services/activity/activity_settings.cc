// A community's activity settings (how group sessions are credited), kept in the
// activity store: only this service reads them, so the directory is not asked on every
// group session. A community that never set them has the defaults (Cahn's rule).
#include "absl/strings/str_cat.h"
#include "services/activity/activity_book.h"
#include "storage/check.h"

namespace timebank::activity {

namespace dpb = ::timebank::directory::v1;

absl::StatusOr<apb::ActivitySettings> ActivityBook::GetSettings(const records::Reader& from,
                                                                uint64_t community_id) const {
  TB_ASSIGN_OR_RETURN(std::optional<apb::ActivitySettings> stored,
                      records::ReadRecord<apb::ActivitySettings>(from, SettingsKey(community_id),
                                                                 "activity settings"));
  apb::ActivitySettings s = stored.value_or(apb::ActivitySettings());
  s.set_community_id(community_id);
  if (s.group_session_credit() == apb::GROUP_SESSION_CREDIT_UNSPECIFIED) {
    s.set_group_session_credit(apb::GROUP_SESSION_CREDIT_SHARED_EQUALLY);
  }
  return s;
}

absl::StatusOr<apb::ActivitySettings> ActivityBook::GetSettings(uint64_t community_id) const {
  return GetSettings(records_.Committed(), community_id);
}

absl::StatusOr<apb::ActivitySettings> ActivityBook::UpdateSettings(
    const dpb::Principal& caller, const apb::ActivitySettings& wanted) {
  const apb::GroupSessionCredit credit = wanted.group_session_credit();
  if (credit == apb::GROUP_SESSION_CREDIT_UNSPECIFIED || !apb::GroupSessionCredit_IsValid(credit)) {
    return FieldError("settings.group_session_credit", "shared equally or community pool");
  }
  apb::ActivitySettings s;
  s.set_community_id(wanted.community_id());
  s.set_group_session_credit(credit);
  s.set_updated_by(caller.subject_id());
  s.mutable_updated_at()->set_seconds(absl::ToUnixSeconds(Now()));
  absl::MutexLock lock(&write_mu_);
  records::Tx tx = records_.NewTx();
  tx.Put(SettingsKey(s.community_id()), s.SerializeAsString());
  TB_RETURN_IF_ERROR(tx.Commit());
  return s;
}

}  // namespace timebank::activity
