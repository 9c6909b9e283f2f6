#include "services/directory/authenticator.h"

#include <argon2.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/auth/token.h"
#include "storage/absl_compat.h"
#include "storage/check.h"

namespace timebank::directory {
namespace {

constexpr uint32_t kArgon2Lanes = 1;
constexpr uint32_t kSaltBytes = 16;
constexpr uint32_t kHashBytes = 32;

constexpr char kRefreshTokenPrefix[] = "tbr_";
constexpr size_t kMaxRefreshTokenBytes = 128;

// One message for every failed sign-in, so no answer says whether a username exists.
absl::Status BadCredentials() {
  return absl::UnauthenticatedError(
      "the username or password is wrong, or the account cannot sign in; check them, or ask "
      "an admin of your community");
}

std::string NewSecret() {
  std::string s;
  absl::WebSafeBase64Escape(AsAbsl(auth::RandomBytes(32)), &s);
  return s;
}

}  // namespace

int64_t Throttle::RetryAfterS(const std::string& key, int64_t now_s) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || now_s - it->second.window_start_s >= window_s_) return 0;
  if (it->second.failures < max_) return 0;
  return it->second.window_start_s + window_s_ - now_s;
}

void Throttle::Fail(const std::string& key, int64_t now_s) {
  absl::MutexLock lock(&mu_);
  if (entries_.size() >= kMaxKeys) {
    absl::erase_if(entries_,
                   [&](const auto& kv) { return now_s - kv.second.window_start_s >= window_s_; });
    if (entries_.size() >= kMaxKeys) entries_.clear();  // under attack: keep memory bounded
  }
  Entry& e = entries_[key];
  if (now_s - e.window_start_s >= window_s_) e = Entry{now_s, 0};
  ++e.failures;
}

void Throttle::Clear(const std::string& key) {
  absl::MutexLock lock(&mu_);
  entries_.erase(key);
}

Authenticator::Authenticator(Directory* directory, auth::Keyring* keyring, AuthOptions options)
    : directory_(directory),
      keyring_(keyring),
      options_(options),
      by_username_(options.max_failures_per_username, options.throttle_window_s),
      by_address_(options.max_failures_per_address, options.throttle_window_s) {
  absl::StatusOr<std::string> dummy = HashPassword(NewSecret());
  TB_CHECK(dummy.ok());
  dummy_hash_ = *dummy;
}

absl::StatusOr<std::string> Authenticator::HashPassword(const std::string& password) const {
  TB_RETURN_IF_ERROR(ValidatePassword(password));
  const std::string salt = auth::RandomBytes(kSaltBytes);
  std::string encoded(argon2_encodedlen(options_.argon2_passes, options_.argon2_memory_kib,
                                        kArgon2Lanes, kSaltBytes, kHashBytes, Argon2_id),
                      '\0');
  const int rc = argon2id_hash_encoded(options_.argon2_passes, options_.argon2_memory_kib,
                                       kArgon2Lanes, password.data(), password.size(), salt.data(),
                                       salt.size(), kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    return absl::ResourceExhaustedError(
        absl::StrCat("password hashing failed: ", argon2_error_message(rc)));
  }
  encoded.resize(std::strlen(encoded.c_str()));
  return encoded;
}

bool Authenticator::VerifyPassword(const std::string& encoded, const std::string& password) const {
  const std::string& h = encoded.empty() ? dummy_hash_ : encoded;
  const bool ok = argon2id_verify(h.c_str(), password.data(), password.size()) == ARGON2_OK;
  return ok && !encoded.empty();
}

absl::Status Authenticator::Throttled(const std::string& username, const std::string& address,
                                      int64_t now_s) {
  // The username lock is checked (and explained) first: an admin's new password lifts
  // it, while an address's lock only passes with time.
  if (const int64_t wait_s = by_username_.RetryAfterS(username, now_s); wait_s > 0) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "too many failed sign-ins for this username; wait ", (wait_s + 59) / 60,
        " minute(s) and try again, or ask an admin of your community to set you a new password "
        "(coordinators cannot)"));
  }
  if (const int64_t wait_s = by_address_.RetryAfterS(address, now_s); wait_s > 0) {
    return absl::ResourceExhaustedError(
        absl::StrCat("too many failed attempts from this address; wait ", (wait_s + 59) / 60,
                     " minute(s) and try again"));
  }
  return absl::OkStatus();
}

absl::StatusOr<dpb::Tokens> Authenticator::Issue(const dpb::Principal& p, bool with_refresh,
                                                 uint64_t session_id, int64_t refresh_expires_s,
                                                 const std::string& refresh_token) {
  const int64_t now_s = directory_->clock()->NowUnixSeconds();
  dpb::TokenClaims claims;
  *claims.mutable_principal() = p;
  claims.set_issued_at_s(now_s);
  claims.set_expires_at_s(now_s + auth::kAccessTokenLifetimeS);
  claims.set_epoch(directory_->Epoch(p.kind(), p.community_id(), p.subject_id()));
  claims.set_session_id(session_id);
  dpb::Tokens t;
  t.set_access_token(auth::MintToken(*keyring_, claims));
  t.mutable_access_expires_at()->set_seconds(claims.expires_at_s());
  if (with_refresh) {
    t.set_refresh_token(refresh_token);
    t.mutable_refresh_expires_at()->set_seconds(refresh_expires_s);
  }
  *t.mutable_principal() = p;
  return t;
}

absl::StatusOr<dpb::Tokens> Authenticator::NewSession(const dpb::Principal& p) {
  const std::string refresh = absl::StrCat(kRefreshTokenPrefix, NewSecret());
  TB_ASSIGN_OR_RETURN(
      dpb::Session s,
      directory_->CreateSession(p, auth::Sha256(refresh), directory_->clock()->NowUnixSeconds(),
                                options_.refresh_lifetime_s));
  return Issue(p, true, s.id(), s.expires_at_s(), refresh);
}

absl::StatusOr<dpb::SignUpResponse> Authenticator::SignUp(const dpb::SignUpRequest& req,
                                                          const std::string& address) {
  if (req.community_id() == 0) return absl::InvalidArgumentError("community_id: required");
  TB_RETURN_IF_ERROR(ValidateUsername(req.username()));
  if (req.invitation_code().size() > 64)
    return absl::InvalidArgumentError("invitation_code: too long");
  const int64_t now_s = directory_->clock()->NowUnixSeconds();
  TB_RETURN_IF_ERROR(Throttled("", address, now_s));
  TB_ASSIGN_OR_RETURN(std::string hash, HashPassword(req.password()));
  dpb::Member m;
  m.set_community_id(req.community_id());
  m.set_username(req.username());
  m.set_display_name(req.display_name().empty() ? req.username() : req.display_name());
  m.set_email(req.email());
  absl::StatusOr<dpb::Member> member =
      directory_->SignUpMember(std::move(m), hash, req.invitation_code());
  if (!member.ok()) {
    // Guessing invitation codes counts as failed attempts from that address; so does
    // asking, with a valid invitation, whether usernames are taken.
    if (member.status().code() == absl::StatusCode::kFailedPrecondition ||
        member.status().code() == absl::StatusCode::kAlreadyExists) {
      by_address_.Fail(address, now_s);
    }
    return member.status();
  }
  dpb::SignUpResponse resp;
  *resp.mutable_member() = *member;
  if (member->status() == dpb::MEMBER_STATUS_ACTIVE) {
    TB_ASSIGN_OR_RETURN(*resp.mutable_tokens(), NewSession(Directory::PrincipalOf(*member)));
  }
  return resp;
}

absl::StatusOr<dpb::Tokens> Authenticator::SignIn(const dpb::SignInRequest& req,
                                                  const std::string& address) {
  const int64_t now_s = directory_->clock()->NowUnixSeconds();
  if (!req.api_key().empty()) {
    if (!req.username().empty() || !req.password().empty()) {
      return absl::InvalidArgumentError(
          "api_key: send either an API key or a username and password");
    }
    TB_RETURN_IF_ERROR(Throttled("", address, now_s));
    if (req.api_key().size() > 128) return absl::InvalidArgumentError("api_key: too long");
    TB_ASSIGN_OR_RETURN(std::optional<dpb::ApiKey> key, directory_->FindApiKey(req.api_key()));
    if (!key) {
      by_address_.Fail(address, now_s);
      return absl::UnauthenticatedError(
          "the API key is not valid or was revoked; ask an admin for a new one");
    }
    dpb::Principal p;
    p.set_kind(dpb::Principal::KIND_API_KEY);
    p.set_community_id(key->community_id());
    p.set_subject_id(key->id());
    p.set_name(key->label());
    p.add_roles(dpb::ROLE_COORDINATOR);
    p.add_coordinator_of(key->organisation_id());
    return Issue(p, false, 0, 0, "");
  }
  if (req.username().empty() || req.username().size() > 64 || req.password().size() > 256) {
    return BadCredentials();
  }
  TB_RETURN_IF_ERROR(Throttled(req.username(), address, now_s));
  TB_ASSIGN_OR_RETURN(std::optional<Directory::Login> login, directory_->FindLogin(req.username()));
  const bool password_ok = VerifyPassword(login ? login->password_hash : "", req.password());
  if (!password_ok || !login || login->member.status() != dpb::MEMBER_STATUS_ACTIVE) {
    by_username_.Fail(req.username(), now_s);
    by_address_.Fail(address, now_s);
    return BadCredentials();
  }
  by_username_.Clear(req.username());
  return NewSession(Directory::PrincipalOf(login->member));
}

absl::StatusOr<dpb::Tokens> Authenticator::Refresh(const std::string& refresh_token) {
  if (refresh_token.empty() || refresh_token.size() > kMaxRefreshTokenBytes) {
    return absl::UnauthenticatedError("refresh_token: not valid; sign in again");
  }
  const std::string next = absl::StrCat(kRefreshTokenPrefix, NewSecret());
  TB_ASSIGN_OR_RETURN(dpb::Session s,
                      directory_->RotateSession(auth::Sha256(refresh_token), auth::Sha256(next),
                                                directory_->clock()->NowUnixSeconds()));
  // Roles and status may have changed since sign-in: issue what holds now.
  absl::StatusOr<dpb::Member> m =
      directory_->GetMember(s.principal().community_id(), s.principal().subject_id());
  if (!m.ok() || m->status() != dpb::MEMBER_STATUS_ACTIVE) {
    (void)directory_->RevokeSession(auth::Sha256(next));
    return absl::UnauthenticatedError("this account can no longer sign in; ask your coordinator");
  }
  return Issue(Directory::PrincipalOf(*m), true, s.id(), s.expires_at_s(), next);
}

absl::Status Authenticator::SignOut(const std::string& refresh_token) {
  if (refresh_token.empty()) {
    return absl::InvalidArgumentError(
        "refresh_token: required: the refresh token of the session to end (from SignIn or "
        "Refresh); SignOutEverywhere ends every session");
  }
  if (refresh_token.size() > kMaxRefreshTokenBytes ||
      !absl::StartsWith(refresh_token, kRefreshTokenPrefix)) {
    return absl::InvalidArgumentError(
        "refresh_token: not a timebank refresh token (they start \"tbr_\"); send the one "
        "SignIn or Refresh gave you");
  }
  return directory_->RevokeSession(auth::Sha256(refresh_token));
}

absl::StatusOr<int> Authenticator::SignOutEverywhere(const dpb::Principal& caller, uint64_t c,
                                                     uint64_t m) {
  if (c == 0 && m == 0) {
    if (caller.kind() != dpb::Principal::KIND_MEMBER) {
      return absl::InvalidArgumentError(
          "member_id: required: only people have sessions; name the member to sign out");
    }
    c = caller.community_id();
    m = caller.subject_id();
  } else if (m == 0) {
    return absl::InvalidArgumentError(
        "member_id: required with community_id (or leave both 0 to sign yourself out)");
  }
  TB_RETURN_IF_ERROR(directory_->GetMember(c, m).status());
  return directory_->RevokeAllSessions(c, m);
}

absl::Status Authenticator::ChangePassword(const dpb::Principal& caller, const std::string& current,
                                           const std::string& next, const std::string& address) {
  if (caller.kind() != dpb::Principal::KIND_MEMBER) {
    return absl::FailedPreconditionError(
        "only people have passwords; API keys are revoked and re-created instead");
  }
  TB_ASSIGN_OR_RETURN(dpb::Member m,
                      directory_->GetMember(caller.community_id(), caller.subject_id()));
  const int64_t now_s = directory_->clock()->NowUnixSeconds();
  TB_RETURN_IF_ERROR(Throttled(m.username(), address, now_s));
  TB_ASSIGN_OR_RETURN(std::optional<Directory::Login> login, directory_->FindLogin(m.username()));
  if (!login || !VerifyPassword(login->password_hash, current)) {
    by_username_.Fail(m.username(), now_s);
    return absl::PermissionDeniedError("current_password: wrong");
  }
  TB_ASSIGN_OR_RETURN(std::string hash, HashPassword(next));
  TB_RETURN_IF_ERROR(directory_->SetPasswordHash(m.community_id(), m.id(), hash));
  return directory_->RevokeAllSessions(m.community_id(), m.id()).status();
}

absl::Status Authenticator::SetPassword(const Actor&, uint64_t c, uint64_t id,
                                        const std::string& next) {
  TB_ASSIGN_OR_RETURN(std::string hash, HashPassword(next));
  TB_ASSIGN_OR_RETURN(dpb::Member m, directory_->GetMember(c, id));
  TB_RETURN_IF_ERROR(directory_->SetPasswordHash(c, id, hash));
  // The new password is the way out of a lock: the member may sign in with it at once.
  if (!m.username().empty()) by_username_.Clear(m.username());
  return directory_->RevokeAllSessions(c, id).status();
}

absl::StatusOr<dpb::RotateSigningKeyResponse> Authenticator::RotateSigningKey() {
  // Old keys verify for one more access-token lifetime (plus clock skew).
  TB_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                      keyring_->Rotate(directory_->clock()->NowUnixSeconds(),
                                       auth::kAccessTokenLifetimeS + auth::kClockSkewS));
  dpb::RotateSigningKeyResponse r;
  r.set_active_key_id(ids.front());
  for (const std::string& id : ids) r.add_verifying_key_ids(id);
  return r;
}

absl::StatusOr<dpb::Tokens> Authenticator::CompleteSetup(const dpb::CompleteSetupRequest& req,
                                                         const std::string& address) {
  TB_RETURN_IF_ERROR(ValidateUsername(req.username()));
  const int64_t now_s = directory_->clock()->NowUnixSeconds();
  TB_RETURN_IF_ERROR(Throttled("", address, now_s));
  TB_ASSIGN_OR_RETURN(std::string hash, HashPassword(req.password()));
  dpb::Member op;
  op.set_username(req.username());
  op.set_display_name(req.username());
  absl::StatusOr<dpb::Member> m =
      directory_->CompleteSetup(auth::Sha256(req.setup_code()), op, hash);
  if (!m.ok()) {
    by_address_.Fail(address, now_s);
    return m.status();
  }
  return NewSession(Directory::PrincipalOf(*m));
}

absl::StatusOr<std::string> Authenticator::EnsureOperator(const std::string& username,
                                                          const std::string& password) {
  TB_ASSIGN_OR_RETURN(bool has, directory_->HasOperator());
  if (has) return std::string();
  const std::string code = NewSecret().substr(0, 20);
  TB_RETURN_IF_ERROR(directory_->SetSetupCodeHash(auth::Sha256(code)));
  if (username.empty()) return code;
  dpb::CompleteSetupRequest req;
  req.set_setup_code(code);
  req.set_username(username);
  req.set_password(password);
  TB_RETURN_IF_ERROR(CompleteSetup(req, "local").status());
  return std::string();
}

}  // namespace timebank::directory
