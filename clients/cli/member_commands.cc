// tbctl's member commands: add, list and search, show, export (a member's data as
// JSON), update, and the changes of status (suspend, reinstate, approve, leave,
// erase), and setting a password for a member.
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "clients/cli/commands.h"
#include "clients/cli/directory_common.h"
#include "clients/cli/member_refs.h"
#include "clients/cli/paging.h"
#include "clients/common/table.h"

ABSL_DECLARE_FLAG(bool, csv);
ABSL_DECLARE_FLAG(std::string, email);
ABSL_DECLARE_FLAG(bool, in_directory);
ABSL_DECLARE_FLAG(int, limit);
ABSL_DECLARE_FLAG(std::string, number);
ABSL_DECLARE_FLAG(bool, on_leaderboards);
ABSL_DECLARE_FLAG(std::string, orgs);
ABSL_DECLARE_FLAG(std::string, out);
ABSL_DECLARE_FLAG(bool, password);
ABSL_DECLARE_FLAG(std::string, phone);
ABSL_DECLARE_FLAG(std::string, reason);
ABSL_DECLARE_FLAG(std::string, tag);
ABSL_DECLARE_FLAG(std::string, tags);
ABSL_DECLARE_FLAG(std::string, username);

namespace timebank::cli {
namespace {

void PrintMembers(const google::protobuf::RepeatedPtrField<dpb::Member>& ms) {
  Table t({"id", "number", "name", "username", "status", "roles", "tags", "account", "orgs"});
  for (const dpb::Member& m : ms) {
    t.Add({absl::StrCat(m.id()), m.member_number(), m.display_name(), m.username(),
           Status(m.status()), Roles(m), absl::StrJoin(m.tags(), ","), m.account_id(),
           absl::StrJoin(m.organisations(), ",")});
  }
  if (absl::GetFlag(FLAGS_csv)) {
    t.PrintCsv(stdout);
  } else {
    t.Print(stdout);
  }
}

// The member's details from the flags. For a new member (`mask` null) what is given;
// for an update, exactly the flags given, each named in `mask` (so --email= clears
// the email and --noin_directory withdraws the consent).
dpb::Member MemberFromFlags(dpb::Member m, google::protobuf::FieldMask* mask = nullptr) {
  auto change = [mask](const char* flag, const char* path, bool non_default) {
    if (mask == nullptr) return non_default;
    if (!FlagGiven(flag)) return false;
    mask->add_paths(path);
    return true;
  };
  if (change("email", "email", !absl::GetFlag(FLAGS_email).empty())) {
    m.set_email(absl::GetFlag(FLAGS_email));
  }
  if (change("phone", "phone", !absl::GetFlag(FLAGS_phone).empty())) {
    m.set_phone(absl::GetFlag(FLAGS_phone));
  }
  if (change("tags", "tags", !absl::GetFlag(FLAGS_tags).empty())) {
    m.clear_tags();
    for (absl::string_view t : absl::StrSplit(absl::GetFlag(FLAGS_tags), ',', absl::SkipEmpty())) {
      m.add_tags(std::string(t));
    }
  }
  if (change("orgs", "organisations", !absl::GetFlag(FLAGS_orgs).empty())) {
    m.clear_organisations();
    for (absl::string_view o : absl::StrSplit(absl::GetFlag(FLAGS_orgs), ',', absl::SkipEmpty())) {
      uint64_t id = 0;
      if (!absl::SimpleAtoi(o, &id) || id == 0) Die("--orgs: organisation ids, like --orgs=1,2");
      m.add_organisations(id);
    }
  }
  if (change("in_directory", "consent.appear_in_directory", absl::GetFlag(FLAGS_in_directory))) {
    m.mutable_consent()->set_appear_in_directory(absl::GetFlag(FLAGS_in_directory));
  }
  if (change("on_leaderboards", "consent.appear_on_leaderboards",
             absl::GetFlag(FLAGS_on_leaderboards))) {
    m.mutable_consent()->set_appear_on_leaderboards(absl::GetFlag(FLAGS_on_leaderboards));
  }
  return m;
}

dpb::Member GetMember(Client& c, uint64_t id) {
  dpb::GetMemberRequest req;
  req.set_community_id(CommunityOf(c));
  req.set_member_id(id);
  return c.Call<dpb::Member>(c.directory(), &dpb::DirectoryService::Stub::GetMember, req);
}

// What the person who added a member tells them about signing in (issue 14).
void SayHowTheySignIn(const dpb::Member& m, bool has_password) {
  if (m.username().empty()) {
    std::printf(
        "%s has no sign-in (no --username): others record their activity for them. To let them "
        "sign in, give them an invitation instead (tbctl invite create), so they choose their "
        "own username and password.\n",
        m.display_name().c_str());
  } else if (has_password) {
    std::printf(
        "%s signs in with: tbctl login %s (with the password you set; tell it to them "
        "privately: they change it with tbctl passwd).\n",
        m.display_name().c_str(), m.username().c_str());
  } else {
    std::printf(
        "%s cannot sign in yet: no password. Set one with: tbctl member set-password %llu "
        "(it asks for it), and tell it to them privately; they sign in with: tbctl login %s.\n",
        m.display_name().c_str(), static_cast<unsigned long long>(m.id()), m.username().c_str());
  }
}

}  // namespace

// Two people of one name are easily mixed up (and one person added twice is a
// duplicate record): says who else in the community has the new member's name.
void WarnOfNamesakes(Client& c, const dpb::Member& made) {
  dpb::ResolveMemberRequest req;
  req.set_community_id(made.community_id());
  req.set_reference(made.display_name());
  // A courtesy: the member is added either way (and the operator, who is of no
  // community, may not look its members up).
  grpc::ClientContext ctx;
  c.Prepare(&ctx, 10);
  dpb::ResolveMemberResponse found;
  if (!c.directory()->ResolveMember(&ctx, req, &found).ok()) return;
  std::vector<std::string> others;
  for (const dpb::MemberName& n : found.candidates()) {
    if (n.member_id() != made.id() &&
        absl::AsciiStrToLower(n.display_name()) == absl::AsciiStrToLower(made.display_name())) {
      others.push_back(n.member_number());
    }
  }
  if (others.empty()) return;
  std::printf(
      "Note: %s also called %s (%s). If this is the same person, take the new entry out "
      "(tbctl member leave %llu) and use theirs; otherwise use member numbers to tell them "
      "apart.\n",
      others.size() == 1 ? "another member is"
                         : absl::StrCat(others.size(), " other members are").c_str(),
      made.display_name().c_str(), absl::StrJoin(others, ", ").c_str(),
      static_cast<unsigned long long>(made.id()));
}

int MemberAdd(Client& c, const std::string& sub, const Args& a) {
  dpb::CreateMemberRequest req;
  dpb::Member* m = req.mutable_member();
  *m = MemberFromFlags(dpb::Member());
  m->set_community_id(CommunityOf(c));
  m->set_display_name(a[1]);
  m->set_username(absl::GetFlag(FLAGS_username));
  m->set_member_number(absl::GetFlag(FLAGS_number));
  if (absl::GetFlag(FLAGS_password)) {
    if (m->username().empty()) Die("--password: give the member a --username to sign in with");
    req.set_password(ReadPassword("TIMEBANK_PASSWORD", "The new member's password: "));
  } else if (!m->username().empty()) {
    if (const char* p = std::getenv("TIMEBANK_PASSWORD"); p != nullptr) req.set_password(p);
  }
  const dpb::Member made =
      c.Call<dpb::Member>(c.directory(), &dpb::DirectoryService::Stub::CreateMember, req);
  ShowMember(made, "added");
  if (!Json()) {
    SayHowTheySignIn(made, !req.password().empty());
    WarnOfNamesakes(c, made);
  }
  return 0;
}

int MemberList(Client& c, const std::string& sub, const Args& a) {
  dpb::SearchMembersRequest req;
  req.set_community_id(CommunityOf(c));
  if (a.size() > 1) req.set_query(a[1]);
  req.set_tag(absl::GetFlag(FLAGS_tag));
  dpb::SearchMembersResponse all;
  const int limit = absl::GetFlag(FLAGS_limit);
  ReadPages(limit, [&](int page_size, const std::string& page_token) {
    req.set_page_size(page_size);
    req.set_page_token(page_token);
    auto page = c.Call<dpb::SearchMembersResponse>(
        c.directory(), &dpb::DirectoryService::Stub::SearchMembers, req);
    for (auto& m : *page.mutable_members()) *all.add_members() = std::move(m);
    return PageRead{page.members_size(), page.next_page_token()};
  });
  if (limit > 0 && all.members_size() > limit) {
    all.mutable_members()->DeleteSubrange(limit, all.members_size() - limit);
  }
  if (Json()) {
    PrintJson(all);
  } else {
    PrintMembers(all.members());
  }
  return 0;
}

int MemberShow(Client& c, const std::string& sub, const Args& a) {
  dpb::Member m = GetMember(c, MemberArg(c, a, 1));
  if (Json()) {
    PrintJson(m);
  } else {
    google::protobuf::RepeatedPtrField<dpb::Member> one;
    *one.Add() = m;
    PrintMembers(one);
  }
  return 0;
}

int MemberUpdate(Client& c, const std::string& sub, const Args& a) {
  dpb::UpdateMemberRequest req;
  *req.mutable_member() =
      MemberFromFlags(GetMember(c, MemberArg(c, a, 1)), req.mutable_update_mask());
  if (a.size() > 2) {
    req.mutable_member()->set_display_name(a[2]);
    req.mutable_update_mask()->add_paths("display_name");
  }
  if (req.update_mask().paths().empty()) {
    Die("say what to change: a NAME or flags such as --email=.. --tags=.. --noin_directory");
  }
  ShowMember(c.Call<dpb::Member>(c.directory(), &dpb::DirectoryService::Stub::UpdateMember, req),
             "updated");
  return 0;
}

int MemberSetStatus(Client& c, const std::string& sub, const Args& a) {
  dpb::SetMemberStatusRequest req;
  req.set_community_id(CommunityOf(c));
  req.set_member_id(MemberArg(c, a, 1));
  req.set_status(sub == "suspend" ? dpb::MEMBER_STATUS_SUSPENDED
                 : sub == "leave" ? dpb::MEMBER_STATUS_LEFT
                                  : dpb::MEMBER_STATUS_ACTIVE);
  req.set_reason(absl::GetFlag(FLAGS_reason));
  // Approving a sign-up whose requested username is taken: the one agreed instead.
  if (sub == "approve") req.set_username(absl::GetFlag(FLAGS_username));
  ShowMember(c.Call<dpb::Member>(c.directory(), &dpb::DirectoryService::Stub::SetMemberStatus, req),
             "");
  return 0;
}

int MemberExport(Client& c, const std::string& sub, const Args& a) {
  dpb::ExportMemberDataRequest req;
  req.set_community_id(CommunityOf(c));
  req.set_member_id(MemberArg(c, a, 1));
  auto resp = c.Call<dpb::ExportMemberDataResponse>(
      c.directory(), &dpb::DirectoryService::Stub::ExportMemberData, req);
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) {
    std::printf("%s", resp.json().c_str());
  } else {
    FILE* f = std::fopen(out.c_str(), "w");
    if (f == nullptr) Die(absl::StrCat("--out: cannot write ", out));
    std::fwrite(resp.json().data(), 1, resp.json().size(), f);
    std::fclose(f);
    std::printf("wrote %zu bytes to %s\n", resp.json().size(), out.c_str());
  }
  return 0;
}

int MemberErase(Client& c, const std::string& sub, const Args& a) {
  dpb::EraseMemberRequest req;
  req.set_community_id(CommunityOf(c));
  req.set_member_id(MemberArg(c, a, 1));
  req.set_reason(absl::GetFlag(FLAGS_reason));
  if (req.reason().empty()) Die("--reason: say why (e.g. \"erasure request of 2026-11-20\")");
  ShowMember(c.Call<dpb::Member>(c.directory(), &dpb::DirectoryService::Stub::EraseMember, req),
             "erased");
  return 0;
}

int MemberSetPassword(Client& c, const std::string& sub, const Args& a) {
  dpb::SetPasswordRequest req;
  req.set_community_id(CommunityOf(c));
  req.set_member_id(MemberArg(c, a, 1));
  req.set_new_password(ReadPassword("TIMEBANK_NEW_PASSWORD", "New password: "));
  c.Call<dpb::SetPasswordResponse>(c.auth(), &dpb::AuthService::Stub::SetPassword, req);
  std::printf(
      "password set; the member's sessions were signed out and a sign-in lock, if any, "
      "lifted: they sign in with the new password at once\n");
  return 0;
}

int MemberCommand(Client& c, const std::string&, const Args& a) {
  const std::string sub = a.empty() ? "" : a[0];
  if (sub == "add" && a.size() == 2) return MemberAdd(c, sub, a);
  if (sub == "list" || sub == "search") return MemberList(c, sub, a);
  if (sub == "show" && a.size() == 2) return MemberShow(c, sub, a);
  if (sub == "update" && a.size() >= 2) return MemberUpdate(c, sub, a);
  if ((sub == "suspend" || sub == "reinstate" || sub == "approve" || sub == "leave") &&
      a.size() == 2)
    return MemberSetStatus(c, sub, a);
  if (sub == "export" && a.size() == 2) return MemberExport(c, sub, a);
  if (sub == "erase" && a.size() == 2) return MemberErase(c, sub, a);
  if (sub == "set-password" && a.size() == 2) return MemberSetPassword(c, sub, a);
  Die("usage: tbctl member add NAME [--username=U [--password] --number=N --email=E --phone=P "
      "--tags=a,b] | "
      "list [QUERY] [--tag=T] | show ID | update ID [NAME] [flags] | "
      "suspend|reinstate|approve|leave ID "
      "[--reason=..] | export ID [--out=FILE] | erase ID --reason=.. | set-password ID   "
      "[--community=N]");
}

}  // namespace timebank::cli
