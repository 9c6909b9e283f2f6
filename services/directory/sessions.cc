// Credentials, sessions and first-run setup, for the Authenticator: sign-in lookups,
// password hashes, refresh-token sessions (created, rotated, ended one or all), and
// the setup code that creates the installation's operator.
#include <openssl/crypto.h>

#include <string>

#include "services/directory/directory.h"

namespace timebank::directory {

absl::StatusOr<std::optional<dpb::Session>> Directory::SessionOf(const std::string& refresh_hash) {
  std::string ref;
  TB_ASSIGN_OR_RETURN(bool found, committed_.Get(RefreshKey(refresh_hash), &ref));
  const std::optional<uint64_t> id = found ? U64Of(ref) : std::nullopt;
  if (!id) return std::nullopt;
  return Find<dpb::Session>(committed_, SessionKey(*id));
}

absl::StatusOr<std::optional<Directory::Login>> Directory::FindLogin(const std::string& username) {
  std::string ref;
  TB_ASSIGN_OR_RETURN(bool found, committed_.Get(UsernameKey(username), &ref));
  const std::optional<std::pair<uint64_t, uint64_t>> at = found ? RefOf(ref) : std::nullopt;
  if (!at) return std::nullopt;
  const auto [c, id] = *at;
  Login login;
  TB_ASSIGN_OR_RETURN(login.member, MustMember(c, id));
  TB_RETURN_IF_ERROR(committed_.Get(PasswordKey(c, id), &login.password_hash).status());
  return login;
}

absl::Status Directory::SetPasswordHash(uint64_t c, uint64_t id, const std::string& hash) {
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(dpb::Member m, MustMember(c, id));
  if (m.status() == dpb::MEMBER_STATUS_ERASED) {
    return absl::FailedPreconditionError("this member was erased");
  }
  records::Tx tx = NewTx();
  tx.Put(PasswordKey(c, id), hash);
  return tx.Commit();
}

absl::StatusOr<dpb::Session> Directory::CreateSession(const dpb::Principal& p,
                                                      const std::string& refresh_hash,
                                                      int64_t now_s, int64_t lifetime_s) {
  absl::MutexLock lock(&write_mu_);
  records::Tx tx = NewTx();
  TB_ASSIGN_OR_RETURN(uint64_t id, tx.NextId("session"));
  dpb::Session s;
  s.set_id(id);
  // Who, not what they may do or are called: the roles are read afresh on refresh.
  s.mutable_principal()->set_kind(p.kind());
  s.mutable_principal()->set_community_id(p.community_id());
  s.mutable_principal()->set_subject_id(p.subject_id());
  s.set_created_at_s(now_s);
  s.set_expires_at_s(now_s + lifetime_s);
  tx.Put(SessionKey(id), s.SerializeAsString());
  tx.Put(RefreshKey(refresh_hash), U64Value(id));
  tx.Put(MemberSessionKey(p.community_id(), p.subject_id(), id), "");
  TB_RETURN_IF_ERROR(tx.Commit());
  return s;
}

absl::StatusOr<dpb::Session> Directory::RotateSession(const std::string& old_hash,
                                                      const std::string& new_hash, int64_t now_s) {
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(std::optional<dpb::Session> s, SessionOf(old_hash));
  if (!s || s->revoked() || s->expires_at_s() <= now_s) {
    return absl::UnauthenticatedError(
        "the refresh token is not valid (signed out, used already or expired); sign in again");
  }
  records::Tx tx = NewTx();
  tx.Delete(RefreshKey(old_hash));
  tx.Put(RefreshKey(new_hash), U64Value(s->id()));
  TB_RETURN_IF_ERROR(tx.Commit());
  return *std::move(s);
}

absl::Status Directory::RevokeSession(const std::string& refresh_hash) {
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(std::optional<dpb::Session> live, SessionOf(refresh_hash));
  if (!live || live->revoked()) {
    return absl::NotFoundError(
        "refresh_token: no live session has this refresh token (it was signed out already, "
        "replaced by a refresh, or never issued); nothing was changed");
  }
  dpb::Session s = *std::move(live);
  records::Tx tx = NewTx();
  tx.Delete(RefreshKey(refresh_hash));
  s.set_revoked(true);
  tx.Put(SessionKey(s.id()), s.SerializeAsString());
  dpb::Revocation r;
  r.set_kind(s.principal().kind());
  r.set_community_id(s.principal().community_id());
  r.set_subject_id(s.principal().subject_id());
  r.set_session_id(s.id());
  TB_ASSIGN_OR_RETURN(r, revocation_log_.Add(tx, std::move(r), absl::ToUnixSeconds(Now())));
  PublishOnCommit(tx, std::move(r));
  return tx.Commit();
}

absl::StatusOr<int> Directory::RevokeAllSessions(uint64_t c, uint64_t id) {
  int revoked = 0;
  absl::MutexLock lock(&write_mu_);
  records::Tx tx = NewTx();
  const std::string prefix = MemberSessionPrefix(c, id);
  auto it = store_->NewIterator(schema::kRecords);
  for (it->Seek(prefix); it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix); it->Next()) {
    const uint64_t sid = storage::DecodeU64(it->key().data() + prefix.size());
    TB_ASSIGN_OR_RETURN(std::optional<dpb::Session> s,
                        Find<dpb::Session>(committed_, SessionKey(sid)));
    if (s && !s->revoked()) {
      s->set_revoked(true);
      tx.Put(SessionKey(sid), s->SerializeAsString());
      ++revoked;
    }
    tx.Delete(std::string(it->key()));
  }
  TB_RETURN_IF_ERROR(it->status());
  // One new epoch ends every access token of every session, here and in every process.
  TB_RETURN_IF_ERROR(EndTokens(tx, dpb::Principal::KIND_MEMBER, c, id));
  TB_RETURN_IF_ERROR(tx.Commit());
  return revoked;
}

absl::StatusOr<bool> Directory::HasOperator() {
  TB_ASSIGN_OR_RETURN(auto ops, Scan<dpb::Member>(MemberPrefix(0), MemberPrefix(0), 1, nullptr));
  return !ops.items.empty();
}

absl::Status Directory::SetSetupCodeHash(const std::string& hash) {
  absl::MutexLock lock(&write_mu_);
  records::Tx tx = NewTx();
  tx.Put(SetupCodeKey(), hash);
  return tx.Commit();
}

absl::StatusOr<dpb::Member> Directory::CompleteSetup(const std::string& code_hash, dpb::Member op,
                                                     const std::string& password_hash) {
  absl::MutexLock lock(&write_mu_);
  std::string stored;
  TB_ASSIGN_OR_RETURN(bool found, committed_.Get(SetupCodeKey(), &stored));
  if (!found || stored.size() != code_hash.size() ||
      CRYPTO_memcmp(stored.data(), code_hash.data(), stored.size()) != 0) {
    return absl::PermissionDeniedError(
        "setup_code: not valid (setup is done, or the code is wrong); the code is printed by "
        "timebankd on first start");
  }
  dpb::Community none;  // community 0: the installation itself
  records::Tx tx = NewTx();
  op.set_community_id(0);
  TB_ASSIGN_OR_RETURN(dpb::Member m, InsertMember(tx, nullptr, std::move(op), none, password_hash));
  m.add_roles(dpb::ROLE_OPERATOR);
  tx.Put(MemberKey(0, m.id()), records::Seal(m));  // m's etag is the stored one
  tx.Delete(SetupCodeKey());
  TB_RETURN_IF_ERROR(tx.Commit());
  return m;
}

}  // namespace timebank::directory
