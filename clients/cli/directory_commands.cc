// tbctl commands for the directory: communities, organisations, members, roles,
// the audit trail, invitations and API keys (signing in: signin_commands.cc).
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "clients/cli/client.h"
#include "clients/cli/commands.h"
#include "clients/cli/directory_common.h"
#include "clients/cli/member_refs.h"
#include "clients/common/hours.h"
#include "clients/common/table.h"
#include "clients/common/typed_input.h"

ABSL_DECLARE_FLAG(uint64_t, community);
ABSL_DECLARE_FLAG(std::string, reason);
ABSL_DECLARE_FLAG(int, limit);
ABSL_DECLARE_FLAG(bool, csv);
ABSL_FLAG(std::string, username, "", "Sign-in name (3..64 of a-z 0-9 . _ -)");
ABSL_FLAG(std::string, code, "", "setup: the one-time setup code; signup: an invitation code");
ABSL_FLAG(std::string, api_key, "", "login: sign in as an organisation's integration");
ABSL_FLAG(std::string, timezone, "Europe/London", "community: IANA time zone");
ABSL_FLAG(std::string, member_limit, "10h", "community: how far below zero a member may go");
ABSL_FLAG(std::string, org_limit, "1000h", "community: how far below zero an organisation may go");
ABSL_FLAG(std::string, currency, "GBP", "community: ISO 4217 currency for expenses");
ABSL_FLAG(std::string, signup, "invitation", "community: how people join: invitation or approval");
ABSL_FLAG(int, answer_hours, 168,
          "community: hours a member has to answer an exchange recorded by the other (1..720)");
ABSL_FLAG(std::string, unconfirmed, "confirm",
          "community: what happens to unanswered exchanges: confirm (auto-confirm) or expire");
ABSL_FLAG(std::string, org_kind, "charity",
          "org: charity, public-service, recognition-partner or community-group");
ABSL_FLAG(uint64_t, org, 0, "Organisation id (coordinator roles, API keys)");
ABSL_FLAG(std::string, number, "", "member: member number (default: assigned, e.g. M00042)");
ABSL_FLAG(std::string, email, "", "member: email address");
ABSL_FLAG(std::string, phone, "", "member: phone number");
ABSL_FLAG(std::string, tags, "", "member: skills and interests, comma-separated");
ABSL_FLAG(std::string, tag, "", "member search: only members with this tag");
ABSL_FLAG(std::string, orgs, "",
          "member: the organisations (ids, comma-separated) the member belongs to; their "
          "coordinators see the member's balance");
ABSL_FLAG(bool, in_directory, false, "member: consents to appear in the member directory");
ABSL_FLAG(bool, on_leaderboards, false, "member: consents to appear on leaderboards");
ABSL_FLAG(int, hours, 168, "invite: hours the invitation stays valid (1..720)");
ABSL_FLAG(std::string, note, "", "invite: a note for whoever is invited");
ABSL_FLAG(bool, admin, false, "invite: whoever signs up with the code joins as an admin");
ABSL_FLAG(bool, password, false,
          "member add: type the new member's first password at a prompt (or $TIMEBANK_PASSWORD)");
ABSL_FLAG(std::string, label, "", "apikey: what the key is for");
ABSL_FLAG(std::string, out, "", "member export: write the JSON to this file instead of stdout");

namespace timebank::cli {
namespace {

int64_t DurationFlag(const std::string& flag, const std::string& text) {
  absl::StatusOr<int64_t> m = ParseDurationMinutes(text);
  if (!m.ok()) Die(absl::StrCat("--", flag, ": ", m.status().message()));
  return *m;
}

// The community's settings from the flags. For a new community (`mask` null) every
// setting, defaults included; for an update, exactly the flags given, each named in
// `mask`, so a setting left out keeps its value.
dpb::Community CommunityFromFlags(dpb::Community c, google::protobuf::FieldMask* mask = nullptr) {
  auto change = [mask](const char* flag, const char* path) {
    if (mask == nullptr) return true;
    if (!FlagGiven(flag)) return false;
    mask->add_paths(path);
    return true;
  };
  if (change("timezone", "timezone")) c.set_timezone(absl::GetFlag(FLAGS_timezone));
  if (change("member_limit", "member_credit_limit_minutes")) {
    c.set_member_credit_limit_minutes(
        DurationFlag("member_limit", absl::GetFlag(FLAGS_member_limit)));
  }
  if (change("org_limit", "organisation_credit_limit_minutes")) {
    c.set_organisation_credit_limit_minutes(
        DurationFlag("org_limit", absl::GetFlag(FLAGS_org_limit)));
  }
  if (change("currency", "expense_currency")) c.set_expense_currency(absl::GetFlag(FLAGS_currency));
  if (change("answer_hours", "exchange_answer_hours")) {
    c.set_exchange_answer_hours(absl::GetFlag(FLAGS_answer_hours));
  }
  if (change("unconfirmed", "unconfirmed_exchanges")) {
    const std::string unconfirmed = absl::GetFlag(FLAGS_unconfirmed);
    if (unconfirmed == "confirm") {
      c.set_unconfirmed_exchanges(dpb::UNCONFIRMED_EXCHANGES_AUTO_CONFIRM);
    } else if (unconfirmed == "expire") {
      c.set_unconfirmed_exchanges(dpb::UNCONFIRMED_EXCHANGES_EXPIRE);
    } else {
      Die("--unconfirmed: confirm or expire");
    }
  }
  if (change("signup", "signup_mode")) {
    const std::string mode = absl::GetFlag(FLAGS_signup);
    if (mode == "invitation") {
      c.set_signup_mode(dpb::SIGNUP_MODE_INVITATION);
    } else if (mode == "approval") {
      c.set_signup_mode(dpb::SIGNUP_MODE_APPROVAL);
    } else {
      Die("--signup: invitation or approval");
    }
  }
  return c;
}

void ShowCommunity(const dpb::Community& c, const std::string& verb) {
  Show(c, absl::StrCat(verb, " community ", c.id(), " \"", c.name(), "\" (", c.timezone(),
                       ", members to -", FormatMinutes(c.member_credit_limit_minutes()),
                       ", organisations to -", FormatMinutes(c.organisation_credit_limit_minutes()),
                       ", expenses in ", c.expense_currency(), ", joins by ",
                       c.signup_mode() == dpb::SIGNUP_MODE_APPROVAL ? "approval" : "invitation",
                       ", pool account ", c.pool_account_id(), ")"));
  // What happens to an exchange nobody answers, in words (issue 14).
  const int answer_hours = c.exchange_answer_hours() == 0 ? 168 : c.exchange_answer_hours();
  const std::string after = c.unconfirmed_exchanges() == dpb::UNCONFIRMED_EXCHANGES_EXPIRE
                                ? "it lapses: nothing is posted, and it can be recorded again"
                                : "it is confirmed for them and posted";
  if (!Json()) {
    const std::string wait =
        answer_hours % 24 == 0
            ? absl::StrCat(answer_hours / 24, answer_hours == 24 ? " day" : " days")
            : absl::StrCat(answer_hours, answer_hours == 1 ? " hour" : " hours");
    std::printf("An exchange waits %s for the other member to answer; after that %s.\n",
                wait.c_str(), after.c_str());
  }
}

// Creates an invitation to community `community_id` (`role` ROLE_ADMIN: as its admin)
// and shows its code, the only time it is ever shown, with how to use it.
void Invite(Client& c, uint64_t community_id, dpb::Role role, const std::string& note) {
  dpb::CreateInvitationRequest req;
  req.set_community_id(community_id);
  req.set_valid_hours(absl::GetFlag(FLAGS_hours));
  req.set_note(note);
  req.set_role(role);
  auto inv =
      c.Call<dpb::Invitation>(c.directory(), &dpb::DirectoryService::Stub::CreateInvitation, req);
  Show(inv,
       absl::StrCat("invitation ", inv.id(), role == dpb::ROLE_ADMIN ? " (joins as admin)" : "",
                    " code: ", inv.code(), "\n(works once, until ",
                    ShownTime(inv.expires_at().seconds()), " ", ShownZoneName(),
                    "; it is shown only now) join with: tbctl signup \"YOUR NAME\" "
                    "--community=",
                    inv.community_id(), " --code=", inv.code(),
                    " --username=NAME (it asks for a password)"));
}

// Creates the community and, since it has nobody to run it yet, its first admin's
// one-time invitation, shown with what to do next.
void CreateCommunity(Client& c, const std::string& name) {
  dpb::CreateCommunityRequest req;
  *req.mutable_community() = CommunityFromFlags(dpb::Community());
  req.mutable_community()->set_name(name);
  const dpb::Community made =
      c.Call<dpb::Community>(c.directory(), &dpb::DirectoryService::Stub::CreateCommunity, req);
  ShowCommunity(made, "created");
  // A new community has nobody to run it: hand it over with an admin invitation.
  if (!Json())
    std::printf("\nIts first admin: give this one-time code to the person who will run it.\n");
  Invite(c, made.id(), dpb::ROLE_ADMIN, "first admin");
  if (!Json()) {
    std::printf(
        "They join as admin with the signup command above; then they add organisations "
        "(tbctl org create), members (tbctl member add, tbctl invite create) and roles "
        "(tbctl role grant). A lost or expired code: tbctl invite create --admin "
        "--community=%llu.\n",
        static_cast<unsigned long long>(made.id()));
  }
}

}  // namespace

std::string Roles(const dpb::Member& m) {
  std::vector<std::string> out;
  for (int r : m.roles()) {
    std::string name = dpb::Role_Name(static_cast<dpb::Role>(r)).substr(5);
    for (char& ch : name) ch = static_cast<char>(std::tolower(ch));
    if (r == dpb::ROLE_COORDINATOR && m.coordinator_of_size() > 0) {
      name += absl::StrCat("(", absl::StrJoin(m.coordinator_of(), ","), ")");
    }
    out.push_back(name);
  }
  return absl::StrJoin(out, " ");
}

std::string Status(dpb::MemberStatus s) {
  std::string name = dpb::MemberStatus_Name(s).substr(14);
  for (char& ch : name) ch = static_cast<char>(std::tolower(ch));
  return name;
}

// Passwords never come from flags (other users can read command lines): from
// $TIMEBANK_PASSWORD (scripts), else a prompt without echo.
std::string ReadPassword(const char* env, const char* prompt) {
  if (const char* p = std::getenv(env); p != nullptr && *p) return p;
  if (!isatty(STDIN_FILENO))
    Die(absl::StrCat("set ", env, " or run in a terminal to type the password"));
  const char* typed = getpass(prompt);
  if (typed == nullptr || !*typed) Die("no password given");
  return typed;
}

uint64_t ParseId(const Args& args, size_t i, const char* what) {
  uint64_t v = 0;
  if (args.size() <= i || !absl::SimpleAtoi(args[i], &v) || v == 0) {
    Die(absl::StrCat("expected ", what, " (a positive number)"));
  }
  return v;
}

uint64_t CommunityOf(Client& c) {
  uint64_t id = absl::GetFlag(FLAGS_community);
  if (id == 0 && c.principal()) id = c.principal()->community_id();
  if (id == 0) Die("say which community: --community=N (tbctl community list shows them)");
  return id;
}

void Show(const google::protobuf::Message& m, const std::string& line) {
  if (Json()) {
    PrintJson(m);
  } else {
    std::printf("%s\n", line.c_str());
  }
}

void ShowMember(const dpb::Member& m, const std::string& verb) {
  Show(m, absl::StrCat(verb, " member ", m.id(), " (", m.member_number(), ") ", m.display_name(),
                       ": ", Status(m.status()), ", roles: ", Roles(m),
                       m.account_id().empty() ? "" : ", time account ", m.account_id()));
}

int CommunityCommand(Client& c, const std::string&, const Args& a) {
  const std::string sub = a.empty() ? "" : a[0];
  if (sub == "create" && a.size() == 2) {
    CreateCommunity(c, a[1]);
    return 0;
  }
  if (sub == "list") {
    dpb::ListCommunitiesRequest req;
    req.set_page_size(1000);
    auto resp = c.Call<dpb::ListCommunitiesResponse>(
        c.directory(), &dpb::DirectoryService::Stub::ListCommunities, req);
    if (Json()) {
      PrintJson(resp);
      return 0;
    }
    Table t({"id", "name", "timezone", "currency", "joins by", "pool account"});
    for (const auto& x : resp.communities()) {
      t.Add({absl::StrCat(x.id()), x.name(), x.timezone(), x.expense_currency(),
             x.signup_mode() == dpb::SIGNUP_MODE_APPROVAL ? "approval" : "invitation",
             x.pool_account_id()});
    }
    t.Print(stdout);
    return 0;
  }
  if (sub == "show") {
    dpb::GetCommunityRequest req;
    req.set_community_id(a.size() > 1 ? ParseId(a, 1, "a community id") : CommunityOf(c));
    ShowCommunity(
        c.Call<dpb::Community>(c.directory(), &dpb::DirectoryService::Stub::GetCommunity, req), "");
    return 0;
  }
  if (sub == "update" && a.size() >= 2) {
    dpb::GetCommunityRequest get;
    get.set_community_id(ParseId(a, 1, "a community id"));
    dpb::Community cur =
        c.Call<dpb::Community>(c.directory(), &dpb::DirectoryService::Stub::GetCommunity, get);
    dpb::UpdateCommunityRequest req;
    *req.mutable_community() = CommunityFromFlags(cur, req.mutable_update_mask());
    if (a.size() > 2) {
      req.mutable_community()->set_name(a[2]);
      req.mutable_update_mask()->add_paths("name");
    }
    if (req.update_mask().paths().empty()) {
      Die("say what to change: a NEW_NAME or flags such as --timezone=.. --member_limit=..");
    }
    ShowCommunity(
        c.Call<dpb::Community>(c.directory(), &dpb::DirectoryService::Stub::UpdateCommunity, req),
        "updated");
    return 0;
  }
  Die("usage: tbctl community create NAME [--timezone=..] [--member_limit=10h] [--org_limit=1000h] "
      "[--currency=GBP] [--signup=invitation|approval] | list | show [ID] | update ID [NEW_NAME] "
      "[flags]");
}

int OrgCommand(Client& c, const std::string&, const Args& a) {
  const std::string sub = a.empty() ? "" : a[0];
  if (sub == "create" && a.size() == 2) {
    dpb::CreateOrganisationRequest req;
    dpb::Organisation* o = req.mutable_organisation();
    o->set_community_id(CommunityOf(c));
    o->set_name(a[1]);
    const std::string kind = absl::GetFlag(FLAGS_org_kind);
    if (kind == "charity")
      o->set_kind(dpb::ORGANISATION_KIND_CHARITY);
    else if (kind == "public-service")
      o->set_kind(dpb::ORGANISATION_KIND_PUBLIC_SERVICE);
    else if (kind == "recognition-partner")
      o->set_kind(dpb::ORGANISATION_KIND_RECOGNITION_PARTNER);
    else if (kind == "community-group")
      o->set_kind(dpb::ORGANISATION_KIND_COMMUNITY_GROUP);
    else
      Die("--org_kind: charity, public-service, recognition-partner or community-group");
    auto out = c.Call<dpb::Organisation>(c.directory(),
                                         &dpb::DirectoryService::Stub::CreateOrganisation, req);
    Show(out, absl::StrCat("created organisation ", out.id(), " \"", out.name(),
                           "\" with time account ", out.account_id()));
    return 0;
  }
  if (sub == "list") {
    dpb::ListOrganisationsRequest req;
    req.set_community_id(CommunityOf(c));
    req.set_page_size(1000);
    auto resp = c.Call<dpb::ListOrganisationsResponse>(
        c.directory(), &dpb::DirectoryService::Stub::ListOrganisations, req);
    if (Json()) {
      PrintJson(resp);
      return 0;
    }
    Table t({"id", "name", "kind", "account"});
    for (const auto& o : resp.organisations()) {
      std::string kind = dpb::OrganisationKind_Name(o.kind()).substr(18);
      for (char& ch : kind) ch = ch == '_' ? '-' : static_cast<char>(std::tolower(ch));
      t.Add({absl::StrCat(o.id()), o.name(), kind, o.account_id()});
    }
    t.Print(stdout);
    return 0;
  }
  if (sub == "show" && a.size() == 2) {
    dpb::GetOrganisationRequest req;
    req.set_community_id(CommunityOf(c));
    req.set_organisation_id(ParseId(a, 1, "an organisation id"));
    auto o = c.Call<dpb::Organisation>(c.directory(), &dpb::DirectoryService::Stub::GetOrganisation,
                                       req);
    Show(o, absl::StrCat("organisation ", o.id(), " \"", o.name(), "\", time account ",
                         o.account_id()));
    return 0;
  }
  Die("usage: tbctl org create NAME [--org_kind=charity] | list | show ID   [--community=N]");
}

dpb::Role ParseRole(const std::string& r) {
  if (r == "coordinator") return dpb::ROLE_COORDINATOR;
  if (r == "finance") return dpb::ROLE_FINANCE;
  if (r == "admin") return dpb::ROLE_ADMIN;
  Die("ROLE: coordinator, finance or admin");
}

int RoleCommand(Client& c, const std::string&, const Args& a) {
  if (a.size() == 3 && (a[0] == "grant" || a[0] == "revoke")) {
    const uint64_t member = MemberArg(c, a, 1);
    const dpb::Role role = ParseRole(a[2]);
    dpb::Member out;
    if (a[0] == "grant") {
      dpb::GrantRoleRequest req;
      req.set_community_id(CommunityOf(c));
      req.set_member_id(member);
      req.set_role(role);
      req.set_organisation_id(absl::GetFlag(FLAGS_org));
      req.set_reason(absl::GetFlag(FLAGS_reason));
      out = c.Call<dpb::Member>(c.directory(), &dpb::DirectoryService::Stub::GrantRole, req);
    } else {
      dpb::RevokeRoleRequest req;
      req.set_community_id(CommunityOf(c));
      req.set_member_id(member);
      req.set_role(role);
      req.set_organisation_id(absl::GetFlag(FLAGS_org));
      req.set_reason(absl::GetFlag(FLAGS_reason));
      out = c.Call<dpb::Member>(c.directory(), &dpb::DirectoryService::Stub::RevokeRole, req);
    }
    ShowMember(out, a[0] == "grant" ? "granted:" : "revoked:");
    return 0;
  }
  Die("usage: tbctl role grant|revoke MEMBER_ID coordinator|finance|admin [--org=ID] "
      "[--reason=..]");
}

int AuditCommand(Client& c, const std::string&, const Args&) {
  dpb::ListAuditRequest req;
  req.set_community_id(CommunityOf(c));
  req.set_page_size(1000);
  auto resp =
      c.Call<dpb::ListAuditResponse>(c.directory(), &dpb::DirectoryService::Stub::ListAudit, req);
  if (Json()) {
    PrintJson(resp);
    return 0;
  }
  Table t(
      {"seq", absl::StrCat("when (", ShownZoneName(), ")"), "who", "action", "member", "detail"});
  for (const auto& e : resp.entries()) {
    t.Add({absl::StrCat(e.seq()),
           absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixSeconds(e.at().seconds()),
                            ShownZone()),
           e.actor(), e.action(), e.member_id() ? absl::StrCat(e.member_id()) : "", e.detail()});
  }
  t.Print(stdout);
  return 0;
}

int InviteCommand(Client& c, const std::string&, const Args& a) {
  const std::string sub = a.empty() ? "" : a[0];
  if (sub == "create") {
    Invite(c, CommunityOf(c), absl::GetFlag(FLAGS_admin) ? dpb::ROLE_ADMIN : dpb::ROLE_UNSPECIFIED,
           absl::GetFlag(FLAGS_note));
    return 0;
  }
  if (sub == "list") {
    dpb::ListInvitationsRequest req;
    req.set_community_id(CommunityOf(c));
    req.set_page_size(1000);
    auto resp = c.Call<dpb::ListInvitationsResponse>(
        c.directory(), &dpb::DirectoryService::Stub::ListInvitations, req);
    if (Json()) {
      PrintJson(resp);
      return 0;
    }
    Table t({"id", absl::StrCat("expires (", ShownZoneName(), ")"), "state", "joins as", "note"});
    for (const auto& i : resp.invitations()) {
      t.Add({absl::StrCat(i.id()), ShownTime(i.expires_at().seconds()),
             i.revoked()                                                    ? "revoked"
             : i.used()                                                     ? "used"
             : i.expires_at().seconds() <= absl::ToUnixSeconds(absl::Now()) ? "expired"
                                                                            : "open",
             i.role() == dpb::ROLE_ADMIN ? "admin" : "member", i.note()});
    }
    t.Print(stdout);
    return 0;
  }
  if (sub == "revoke" && a.size() == 2) {
    dpb::RevokeInvitationRequest req;
    req.set_community_id(CommunityOf(c));
    req.set_invitation_id(ParseId(a, 1, "an invitation id"));
    auto inv =
        c.Call<dpb::Invitation>(c.directory(), &dpb::DirectoryService::Stub::RevokeInvitation, req);
    Show(inv, absl::StrCat("invitation ", inv.id(), " revoked"));
    return 0;
  }
  Die("usage: tbctl invite create [--hours=168] [--note=..] [--admin] | list | revoke ID   "
      "[--community=N]");
}

int ApiKeyCommand(Client& c, const std::string&, const Args& a) {
  const std::string sub = a.empty() ? "" : a[0];
  if (sub == "create") {
    dpb::CreateApiKeyRequest req;
    req.set_community_id(CommunityOf(c));
    req.set_organisation_id(absl::GetFlag(FLAGS_org));
    req.set_label(absl::GetFlag(FLAGS_label));
    if (req.organisation_id() == 0 || req.label().empty())
      Die("usage: tbctl apikey create --org=ID --label=TEXT");
    auto k = c.Call<dpb::ApiKey>(c.directory(), &dpb::DirectoryService::Stub::CreateApiKey, req);
    Show(k, absl::StrCat("API key ", k.id(), " for organisation ", k.organisation_id(), ": ",
                         k.secret(),
                         "\n(shown only now; store it in the integration's secret store)"));
    return 0;
  }
  if (sub == "list") {
    dpb::ListApiKeysRequest req;
    req.set_community_id(CommunityOf(c));
    req.set_organisation_id(absl::GetFlag(FLAGS_org));
    req.set_page_size(1000);
    auto resp = c.Call<dpb::ListApiKeysResponse>(c.directory(),
                                                 &dpb::DirectoryService::Stub::ListApiKeys, req);
    if (Json()) {
      PrintJson(resp);
      return 0;
    }
    Table t({"id", "organisation", "label", "state"});
    for (const auto& k : resp.api_keys()) {
      t.Add({absl::StrCat(k.id()), absl::StrCat(k.organisation_id()), k.label(),
             k.revoked() ? "revoked" : "active"});
    }
    t.Print(stdout);
    return 0;
  }
  if (sub == "revoke" && a.size() == 2) {
    dpb::RevokeApiKeyRequest req;
    req.set_community_id(CommunityOf(c));
    req.set_organisation_id(absl::GetFlag(FLAGS_org));
    req.set_api_key_id(ParseId(a, 1, "an API key id"));
    auto k = c.Call<dpb::ApiKey>(c.directory(), &dpb::DirectoryService::Stub::RevokeApiKey, req);
    Show(k, absl::StrCat("API key ", k.id(), " revoked; its tokens stopped working"));
    return 0;
  }
  Die("usage: tbctl apikey create --org=ID --label=TEXT | list [--org=ID] | revoke ID --org=ID");
}

const std::vector<CommandFlags>& DirectoryCommandFlags() {
  static const std::vector<std::string> kCommunity = {"timezone",    "member_limit", "org_limit",
                                                      "currency",    "signup",       "answer_hours",
                                                      "unconfirmed", "json"};
  static const std::vector<std::string> kCommunityCreate = [] {
    std::vector<std::string> flags = kCommunity;
    flags.push_back("hours");  // how long the first admin's invitation stays valid
    return flags;
  }();
  static const auto* kTable = new std::vector<CommandFlags>{
      {"setup", {"code", "username"}},
      {"login", {"api_key"}},
      {"logout", {}},
      {"whoami", {"json"}},
      {"signup", {"community", "code", "username", "email", "json"}},
      {"passwd", {}},
      {"signout-everywhere", {"community"}},
      {"community create", kCommunityCreate},
      {"community update", kCommunity},
      {"community list", {"json"}},
      {"community show", {"community", "json"}},
      {"org create", {"community", "org_kind", "json"}},
      {"org list", {"community", "json"}},
      {"org show", {"community", "json"}},
      {"member add",
       {"community", "username", "number", "email", "phone", "tags", "in_directory",
        "on_leaderboards", "password", "orgs", "json"}},
      {"member list", {"community", "tag", "limit", "json", "csv"}},
      {"member search", {"community", "tag", "limit", "json", "csv"}},
      {"member show", {"community", "json", "csv"}},
      {"member update",
       {"community", "email", "phone", "tags", "in_directory", "on_leaderboards", "orgs", "json"}},
      {"member suspend", {"community", "reason", "json"}},
      {"member reinstate", {"community", "reason", "json"}},
      {"member approve", {"community", "reason", "username", "json"}},
      {"member leave", {"community", "reason", "json"}},
      {"member export", {"community", "out"}},
      {"member erase", {"community", "reason", "json"}},
      {"member set-password", {"community"}},
      {"role grant", {"community", "org", "reason", "json"}},
      {"role revoke", {"community", "org", "reason", "json"}},
      {"audit", {"community", "json"}},
      {"invite create", {"community", "hours", "note", "admin", "json"}},
      {"invite list", {"community", "json"}},
      {"invite revoke", {"community", "json"}},
      {"balances", {"community", "org", "json", "csv"}},
      {"apikey create", {"community", "org", "label", "json"}},
      {"apikey list", {"community", "org", "json"}},
      {"apikey revoke", {"community", "org", "json"}},
      {"key rotate", {"json"}},
  };
  return *kTable;
}

}  // namespace timebank::cli
