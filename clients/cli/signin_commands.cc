// tbctl commands for signing in: first-run setup, sign-in with a password or an
// API key, sign-out (here or everywhere), who am I, sign-up, changing a password
// and rotating the token signing key.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/cli/client.h"
#include "clients/cli/commands.h"
#include "clients/cli/directory_common.h"
#include "clients/cli/member_refs.h"

ABSL_DECLARE_FLAG(uint64_t, community);
ABSL_DECLARE_FLAG(std::string, username);
ABSL_DECLARE_FLAG(std::string, code);
ABSL_DECLARE_FLAG(std::string, api_key);
ABSL_DECLARE_FLAG(std::string, email);

namespace timebank::cli {
namespace {

void SaveTokens(const dpb::Tokens& t) {
  SavedLogin l;
  l.server = ServerAddress();
  l.access_token = t.access_token();
  l.access_expires_s = t.access_expires_at().seconds();
  l.refresh_token = t.refresh_token();
  l.principal = t.principal();
  SaveLogin(l);
}

std::string Describe(const dpb::Principal& p) {
  std::vector<std::string> roles;
  for (int r : p.roles()) roles.push_back(dpb::Role_Name(static_cast<dpb::Role>(r)).substr(5));
  return absl::StrCat(p.name(), " (community ", p.community_id(), ", ",
                      p.kind() == dpb::Principal::KIND_API_KEY ? "API key " : "member ",
                      p.subject_id(), ", roles: ", absl::StrJoin(roles, " "), ")");
}

}  // namespace

int SetupCommand(Client& c, const std::string&, const Args&) {
  dpb::CompleteSetupRequest req;
  req.set_setup_code(absl::GetFlag(FLAGS_code));
  req.set_username(absl::GetFlag(FLAGS_username));
  if (req.setup_code().empty() || req.username().empty()) {
    Die("usage: tbctl setup --code=CODE --username=NAME (the code is printed by timebankd)");
  }
  req.set_password(ReadPassword("TIMEBANK_PASSWORD", "New operator password: "));
  auto t = c.Call<dpb::Tokens>(c.auth(), &dpb::AuthService::Stub::CompleteSetup, req);
  SaveTokens(t);
  std::printf("operator %s created and signed in (saved to %s)\n", req.username().c_str(),
              CredentialsPath().c_str());
  return 0;
}

int LoginCommand(Client& c, const std::string&, const Args& args) {
  dpb::SignInRequest req;
  if (!absl::GetFlag(FLAGS_api_key).empty()) {
    req.set_api_key(absl::GetFlag(FLAGS_api_key));
  } else {
    if (args.empty()) Die("usage: tbctl login USERNAME   (or: tbctl login --api_key=KEY)");
    req.set_username(args[0]);
    req.set_password(ReadPassword("TIMEBANK_PASSWORD", "Password: "));
  }
  auto t = c.Call<dpb::Tokens>(c.auth(), &dpb::AuthService::Stub::SignIn, req);
  SaveTokens(t);
  std::printf("signed in as %s\n", Describe(t.principal()).c_str());
  return 0;
}

int LogoutCommand(Client& c, const std::string&, const Args&) {
  std::optional<SavedLogin> l = LoadLogin();
  if (l && !l->refresh_token.empty()) {
    dpb::SignOutRequest req;
    req.set_refresh_token(l->refresh_token);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    dpb::SignOutResponse resp;
    grpc::Status s = c.auth()->SignOut(&ctx, req, &resp);
    if (!s.ok())
      std::fprintf(stderr, "tbctl: the server did not confirm sign-out (%s)\n",
                   s.error_message().c_str());
  }
  ClearLogin();
  std::printf("signed out\n");
  return 0;
}

int WhoAmICommand(Client& c, const std::string&, const Args&) {
  auto p = c.Call<dpb::Principal>(c.auth(), &dpb::AuthService::Stub::WhoAmI, dpb::WhoAmIRequest());
  Show(p, absl::StrCat("signed in as ", Describe(p)));
  return 0;
}

int SignUpCommand(Client& c, const std::string&, const Args& a) {
  dpb::SignUpRequest req;
  req.set_community_id(absl::GetFlag(FLAGS_community));
  req.set_invitation_code(absl::GetFlag(FLAGS_code));
  req.set_username(absl::GetFlag(FLAGS_username));
  req.set_email(absl::GetFlag(FLAGS_email));
  if (!a.empty()) req.set_display_name(a[0]);
  if (req.community_id() == 0 || req.username().empty()) {
    Die("usage: tbctl signup [DISPLAY_NAME] --community=N --username=U [--code=INVITATION] "
        "[--email=..]");
  }
  req.set_password(ReadPassword("TIMEBANK_PASSWORD", "Choose a password: "));
  auto resp = c.Call<dpb::SignUpResponse>(c.auth(), &dpb::AuthService::Stub::SignUp, req);
  if (resp.has_tokens()) {
    SaveTokens(resp.tokens());
    ShowMember(resp.member(), "joined as");
    const auto& roles = resp.member().roles();
    if (!Json() && std::find(roles.begin(), roles.end(), dpb::ROLE_ADMIN) != roles.end()) {
      std::printf(
          "You are an admin of community %llu and signed in. Next: tbctl org create NAME; "
          "tbctl member add NAME --username=U --password (or tbctl invite create); "
          "tbctl role grant MEMBER coordinator --org=ID.\n",
          static_cast<unsigned long long>(resp.member().community_id()));
    }
  } else {
    ShowMember(resp.member(), "signed up (an admin must approve before you can sign in):");
  }
  return 0;
}

int PasswdCommand(Client& c, const std::string&, const Args&) {
  dpb::ChangePasswordRequest req;
  req.set_current_password(ReadPassword("TIMEBANK_PASSWORD", "Current password: "));
  req.set_new_password(ReadPassword("TIMEBANK_NEW_PASSWORD", "New password: "));
  c.Call<dpb::ChangePasswordResponse>(c.auth(), &dpb::AuthService::Stub::ChangePassword, req);
  ClearLogin();
  std::printf("password changed; every session was signed out, so sign in again\n");
  return 0;
}

int SignOutEverywhereCommand(Client& c, const std::string&, const Args& a) {
  dpb::SignOutEverywhereRequest req;
  if (!a.empty()) {
    req.set_community_id(CommunityOf(c));
    req.set_member_id(MemberArg(c, a, 0));
  } else {
    auto me =
        c.Call<dpb::Principal>(c.auth(), &dpb::AuthService::Stub::WhoAmI, dpb::WhoAmIRequest());
    req.set_community_id(me.community_id());
    req.set_member_id(me.subject_id());
  }
  auto resp = c.Call<dpb::SignOutEverywhereResponse>(
      c.auth(), &dpb::AuthService::Stub::SignOutEverywhere, req);
  std::printf("signed out %d session(s); access tokens stopped working\n", resp.sessions_revoked());
  if (a.empty()) ClearLogin();
  return 0;
}

int KeyCommand(Client& c, const std::string&, const Args& a) {
  if (a.size() != 1 || a[0] != "rotate") Die("usage: tbctl key rotate");
  auto r = c.Call<dpb::RotateSigningKeyResponse>(
      c.auth(), &dpb::AuthService::Stub::RotateSigningKey, dpb::RotateSigningKeyRequest());
  Show(r, absl::StrCat("signing key is now ", r.active_key_id(), "; tokens signed by ",
                       absl::StrJoin(r.verifying_key_ids(), ", "), " are accepted"));
  return 0;
}

}  // namespace timebank::cli
