#include "services/common/auth/access_policy.h"

#include <google/protobuf/descriptor.h>

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/auth/token.h"
#include "services/common/ids.h"
#include "storage/absl_compat.h"

namespace timebank::auth {
namespace {

namespace dpb = ::timebank::directory::v1;
using G = Grant;

// Rules name only the request fields their grants read; the rest stay empty.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
std::vector<AccessRule> BuildTable() {
  const std::string sys = "/timebank.system.v1.SystemService/";
  const std::string led = "/timebank.ledger.v1.LedgerService/";
  const std::string dir = "/timebank.directory.v1.DirectoryService/";
  const std::string au = "/timebank.directory.v1.AuthService/";
  const std::string act = "/timebank.activity.v1.ActivityService/";
  const std::string exp = "/timebank.expenses.v1.ExpensesService/";
  const std::string rew = "/timebank.rewards.v1.RewardsService/";
  // Every id a ledger transfer names (its own, its accounts, the transfer it posts,
  // voids or reverses): a community admin acts only on ids of their own community.
  const std::vector<std::string> transfer_ids = {"transfers.id", "transfers.debit_account_id",
                                                 "transfers.credit_account_id",
                                                 "transfers.pending_id", "transfers.reverses_id"};
  return {
      // ---- system ----
      {sys + "Ping", {G::kAnyone}},
      {sys + "GetServerInfo", {G::kSignedIn}},
      {sys + "CreateBackup", {G::kOperator, G::kService}},

      // ---- ledger: low-level, for services and community admins ----
      {led + "CreateAccounts",
       {G::kService, G::kAdmin},
       "accounts.community_id",
       "",
       "",
       {"accounts.id"}},
      // A coordinator reads their organisations' accounts here (kOwnAccounts); their
      // members' balances through the directory's ListOrganisationBalances, which
      // knows who belongs to which organisation (issue 14).
      {led + "GetAccounts",
       {G::kService, G::kAdmin, G::kFinance, G::kOwnAccounts},
       "",
       "",
       "",
       {"ids"}},
      {led + "ListAccounts", {G::kService, G::kAdmin, G::kFinance}, "community_id"},
      {led + "SetAccountStatus", {G::kService, G::kAdmin}, "", "", "", {"id"}},
      {led + "CreateTransfers", {G::kService, G::kAdmin}, "", "", "", transfer_ids},
      // Transfer ids name their community; whoever reads the community's statements
      // may look a transfer up by id.
      {led + "GetTransfers",
       {G::kService, G::kAdmin, G::kFinance, G::kCoordinator},
       "",
       "",
       "",
       {"ids"}},
      {led + "ListTransfers",
       {G::kService, G::kAdmin, G::kFinance, G::kOwnAccounts},
       "",
       "",
       "",
       {"account_id"}},
      {led + "WatchJournal", {G::kService}},
      {led + "VerifyJournal", {G::kService, G::kOperator}},
      {led + "EraseMemberTexts", {G::kService}},  // the directory's erasure of a member

      // ---- directory ----
      {dir + "CreateCommunity", {G::kOperator}},
      {dir + "GetCommunity", {G::kOperator, G::kService, G::kCommunityMember}, "community_id"},
      {dir + "ListCommunities", {G::kOperator, G::kService}},
      {dir + "UpdateCommunity", {G::kOperator, G::kAdmin}, "community.id"},
      {dir + "CreateOrganisation", {G::kAdmin}, "organisation.community_id"},
      {dir + "GetOrganisation", {G::kService, G::kCommunityMember}, "community_id"},
      {dir + "ListOrganisations", {G::kService, G::kCommunityMember}, "community_id"},
      // An organisation's balance and its members': its coordinators (people, not its
      // API keys), finance and admins.
      {dir + "ListOrganisationBalances",
       {G::kAdmin, G::kFinance, G::kOrgCoordinatorPerson},
       "community_id",
       "",
       "organisation_id"},
      {dir + "CreateMember", {G::kOperator, G::kAdmin, G::kCoordinator}, "member.community_id"},
      {dir + "GetMember",
       {G::kService, G::kSelf, G::kAdmin, G::kCoordinator, G::kFinance},
       "community_id",
       "member_id"},
      {dir + "SearchMembers",
       {G::kService, G::kAdmin, G::kCoordinator, G::kFinance},
       "community_id"},
      {dir + "LookupMembers",
       {G::kService, G::kAdmin, G::kCoordinator, G::kFinance},
       "community_id"},
      // Who sees whom is the directory's rule (ResolveMemberRequest).
      {dir + "ResolveMember", {G::kService, G::kCommunityMember}, "community_id"},
      {dir + "UpdateMember", {G::kSelf, G::kAdmin}, "member.community_id", "member.id"},
      {dir + "SetMemberStatus", {G::kSelf, G::kAdmin}, "community_id", "member_id"},
      {dir + "GrantRole", {G::kOperator, G::kAdmin}, "community_id"},
      {dir + "RevokeRole", {G::kOperator, G::kAdmin}, "community_id"},
      {dir + "ListAudit", {G::kAdmin}, "community_id"},
      // The operator invites a new community's first admin (and may list or revoke
      // that invitation); only operators and admins may invite an admin (the service).
      {dir + "CreateInvitation", {G::kOperator, G::kAdmin, G::kCoordinator}, "community_id"},
      {dir + "ListInvitations", {G::kOperator, G::kAdmin, G::kCoordinator}, "community_id"},
      {dir + "RevokeInvitation", {G::kOperator, G::kAdmin}, "community_id"},
      {dir + "CreateApiKey",
       {G::kAdmin, G::kOrgCoordinatorPerson},
       "community_id",
       "",
       "organisation_id"},
      {dir + "ListApiKeys",
       {G::kAdmin, G::kOrgCoordinatorPerson},
       "community_id",
       "",
       "organisation_id"},
      {dir + "RevokeApiKey",
       {G::kAdmin, G::kOrgCoordinatorPerson},
       "community_id",
       "",
       "organisation_id"},
      {dir + "ExportMemberData", {G::kSelf, G::kAdmin}, "community_id", "member_id"},
      {dir + "EraseMember", {G::kAdmin}, "community_id"},

      // ---- activity (who is a party to an exchange is checked by the service) ----
      {act + "LogContributions",
       {G::kAdmin, G::kOrgCoordinator},
       "community_id",
       "",
       "organisation_id"},
      {act + "ImportContributions",
       {G::kAdmin, G::kOrgCoordinator},
       "community_id",
       "",
       "organisation_id"},
      {act + "ReportContribution", {G::kCommunityMember}, "community_id"},
      {act + "ReviewContribution",
       {G::kAdmin, G::kOrgCoordinator},
       "community_id",
       "",
       "organisation_id"},
      {act + "RecordExchange", {G::kCommunityMember}, "community_id"},
      // Only the poster and the member who answered read or write (the service checks).
      {act + "SendPostMessage", {G::kCommunityMember}, "community_id"},
      {act + "ListPostMessages", {G::kCommunityMember}, "community_id"},
      {act + "RecordGroupSession", {G::kCommunityMember}, "community_id"},
      {act + "RespondToExchange", {G::kCommunityMember}, "community_id"},
      {act + "ResolveDispute", {G::kAdmin, G::kCoordinator}, "community_id"},
      {act + "ReverseActivity", {G::kAdmin, G::kCoordinator}, "community_id"},
      {act + "RetryPosting", {G::kAdmin, G::kCoordinator}, "community_id"},
      {act + "ListTasks", {G::kCommunityMember}, "community_id"},
      {act + "GetActivitySettings", {G::kService, G::kCommunityMember}, "community_id"},
      {act + "UpdateActivitySettings", {G::kAdmin}, "settings.community_id"},
      {act + "CreatePost", {G::kCommunityMember}, "post.community_id"},
      {act + "ClosePost", {G::kCommunityMember}, "community_id"},
      {act + "SearchPosts", {G::kCommunityMember}, "community_id"},
      {act + "Donate", {G::kCommunityMember}, "community_id"},
      {act + "Redeem", {G::kCommunityMember}, "community_id"},
      {act + "WatchActivity", {G::kService}},
      {act + "GetActivity", {G::kService, G::kCommunityMember}, "community_id"},
      {act + "ListActivities", {G::kService, G::kCommunityMember}, "community_id"},
      {act + "EraseMemberData", {G::kService}},  // the directory's erasure of a member

      // ---- expenses (claimants and separation of duties are checked by the service) ----
      {exp + "SetPolicy", {G::kAdmin, G::kFinance}, "policy.community_id"},
      {exp + "GetPolicy", {G::kService, G::kCommunityMember}, "community_id"},
      {exp + "CreateClaim", {G::kCommunityMember}, "claim.community_id"},
      {exp + "UpdateClaim", {G::kCommunityMember}, "claim.community_id"},
      {exp + "SubmitClaim", {G::kCommunityMember}, "community_id"},
      {exp + "GetClaim", {G::kService, G::kCommunityMember}, "community_id"},
      {exp + "ListClaims", {G::kService, G::kCommunityMember}, "community_id"},
      {exp + "DecideClaim", {G::kFinance}, "community_id"},
      {exp + "AttachReceipt", {G::kCommunityMember}, "community_id"},
      {exp + "DetachReceipt", {G::kCommunityMember}, "community_id"},
      {exp + "GetReceipt", {G::kService, G::kCommunityMember}, "community_id"},
      {exp + "ReverseApproval", {G::kFinance}, "community_id"},
      {exp + "GetMoneyReport", {G::kFinance, G::kAdmin}, "community_id"},
      {exp + "CreatePaymentBatch", {G::kFinance}, "community_id"},
      {exp + "GetPaymentBatch", {G::kFinance, G::kAdmin}, "community_id"},
      {exp + "ListPaymentBatches", {G::kFinance, G::kAdmin}, "community_id"},
      {exp + "ExportPaymentBatch", {G::kFinance}, "community_id"},
      {exp + "MarkBatchPaid", {G::kFinance}, "community_id"},
      {exp + "ListOtherMeansClaims", {G::kFinance, G::kAdmin}, "community_id"},
      // Bank details: the member themself; finance officers read them masked.
      {exp + "SetBankDetails", {G::kSelf}, "community_id", "member_id"},
      {exp + "GetBankDetails", {G::kSelf, G::kFinance}, "community_id", "member_id"},
      {exp + "DeleteBankDetails", {G::kSelf}, "community_id", "member_id"},
      {exp + "EraseMemberData", {G::kService}},  // the directory's erasure of a member

      // ---- rewards: a member's own summary; coordinators and admins see anyone's ----
      {rew + "GetMemberSummary",
       {G::kSelfByDefault, G::kAdmin, G::kCoordinator},
       "community_id",
       "member_id"},
      // Aggregates only (no person in them): anyone in the community may look.
      {rew + "GetDashboard", {G::kCommunityMember}, "community_id"},
      {rew + "AnnotateChange", {G::kAdmin, G::kCoordinator}, "annotation.community_id"},
      {rew + "GetProjectionStatus", {G::kOperator, G::kService}},
      {rew + "RebuildProjection", {G::kOperator}},
      {rew + "ListBadges",
       {G::kSelfByDefault, G::kAdmin, G::kCoordinator},
       "community_id",
       "member_id"},
      // Only the member decides which of their badges others see.
      {rew + "HideBadge", {G::kSelfByDefault}, "community_id", "member_id"},
      {rew + "GetBadgeRules", {G::kCommunityMember}, "community_id"},
      {rew + "SetBadgeRules", {G::kAdmin}, "community_id"},
      // Only members who consented appear (the service asks the directory): anyone in
      // the community may look.
      {rew + "ListLeaderboard", {G::kCommunityMember}, "community_id"},
      // Open Badges: a member exports their own badge (never someone else's);
      // coordinators and admins any member's. The issuer's public keys and revocation
      // list are public by design, so a credential verifies anywhere.
      {rew + "ExportCredential",
       {G::kSelfByDefault, G::kAdmin, G::kCoordinator},
       "community_id",
       "member_id"},
      {rew + "GetIssuerKeys", {G::kAnyone}},
      {rew + "GetRevocationList", {G::kAnyone}},
      {rew + "RotateIssuerKey", {G::kAdmin}, "community_id"},
      // A member pauses their own streak; coordinators and admins may for a member
      // (someone in hospital cannot always ask themself).
      {rew + "PauseStreak",
       {G::kSelfByDefault, G::kAdmin, G::kCoordinator},
       "community_id",
       "member_id"},
      {rew + "EndStreakPause",
       {G::kSelfByDefault, G::kAdmin, G::kCoordinator},
       "community_id",
       "member_id"},
      {rew + "ExportMemberRewards", {G::kService}},  // the directory's data export
      {rew + "EraseMemberRewards", {G::kService}},   // the directory's erasure of a member
      // Whoever received the activity (a member, or a coordinator for the organisation
      // a contribution was given to) thanks for it: the service checks which of the
      // community's people that is.
      {rew + "LeaveThanks", {G::kCommunityMember}, "community_id"},
      // A member reads the notes they received and wrote; coordinators and admins
      // anyone's (and see hidden ones); only they hide an abusive note.
      {rew + "ListThanks",
       {G::kSelfByDefault, G::kAdmin, G::kCoordinator},
       "community_id",
       "member_id"},
      {rew + "HideThanks", {G::kAdmin, G::kCoordinator}, "community_id"},
      // A member's own recognition notices; coordinators and admins any member's, or
      // with member_id 0 the whole community's.
      {rew + "WatchRecognition",
       {G::kSelfByDefault, G::kAdmin, G::kCoordinator},
       "community_id",
       "member_id"},

      // ---- authentication ----
      {au + "SignUp", {G::kAnyone}},
      {au + "SignIn", {G::kOwnCredential}},         // a password or an API key
      {au + "Refresh", {G::kOwnCredential}},        // the refresh token
      {au + "SignOut", {G::kOwnCredential}},        // likewise
      {au + "CompleteSetup", {G::kOwnCredential}},  // the one-time setup code
      {au + "SignOutEverywhere", {G::kSelfByDefault, G::kAdmin}, "community_id", "member_id"},
      {au + "ChangePassword", {G::kSignedIn}},
      {au + "SetPassword", {G::kAdmin}, "community_id"},
      {au + "RotateSigningKey", {G::kOperator}},
      {au + "WhoAmI", {G::kSignedIn}},
      {au + "PollRevocations", {G::kService}},
  };
}
#pragma GCC diagnostic pop

// Appends the values at `path` (strings, or integers in decimal) to *out.
void Collect(const google::protobuf::Message& msg, std::string_view path,
             std::vector<std::string>* out) {
  const size_t dot = path.find('.');
  const std::string head(path.substr(0, dot));
  const google::protobuf::FieldDescriptor* f = msg.GetDescriptor()->FindFieldByName(head);
  if (f == nullptr) return;  // a table typo; the matrix test catches it
  const google::protobuf::Reflection* r = msg.GetReflection();
  using FD = google::protobuf::FieldDescriptor;
  if (dot != std::string_view::npos) {
    if (f->cpp_type() != FD::CPPTYPE_MESSAGE) return;
    if (f->is_repeated()) {
      for (int i = 0; i < r->FieldSize(msg, f); ++i) {
        Collect(r->GetRepeatedMessage(msg, f, i), path.substr(dot + 1), out);
      }
    } else {
      Collect(r->GetMessage(msg, f), path.substr(dot + 1), out);
    }
    return;
  }
  const int n = f->is_repeated() ? r->FieldSize(msg, f) : 1;
  for (int i = 0; i < n; ++i) {
    const bool rep = f->is_repeated();
    switch (f->cpp_type()) {
      case FD::CPPTYPE_STRING:
        out->push_back(rep ? r->GetRepeatedString(msg, f, i) : r->GetString(msg, f));
        break;
      case FD::CPPTYPE_UINT64:
        out->push_back(absl::StrCat(rep ? r->GetRepeatedUInt64(msg, f, i) : r->GetUInt64(msg, f)));
        break;
      default:
        return;
    }
  }
}

// The single value at `path`, or "" when absent or ambiguous.
std::string One(const google::protobuf::Message& msg, std::string_view path) {
  std::vector<std::string> v;
  if (!path.empty()) Collect(msg, path, &v);
  if (v.empty()) return "";
  for (const std::string& s : v) {
    if (s != v[0]) return "";
  }
  return v[0];
}

// The ids at the rule's account paths; an empty string names nothing (an optional
// id left unset) and is skipped.
std::vector<std::string> NamedIds(const AccessRule& rule, const google::protobuf::Message& req) {
  std::vector<std::string> ids;
  for (const std::string& path : rule.accounts) Collect(req, path, &ids);
  std::erase_if(ids, [](const std::string& id) { return id.empty(); });
  return ids;
}

bool InCommunity(const AccessRule& rule, const dpb::Principal& p,
                 const google::protobuf::Message& req) {
  if (p.community_id() == 0) return false;
  const std::string mine = absl::StrCat(p.community_id());
  bool scoped = false;
  if (!rule.community.empty()) {
    if (One(req, rule.community) != mine) return false;
    scoped = true;
  }
  if (!rule.accounts.empty()) {
    const std::vector<std::string> ids = NamedIds(rule, req);
    if (ids.empty()) return false;
    for (const std::string& id : ids) {
      if (CommunityOfId(id) != p.community_id()) return false;
    }
    scoped = true;
  }
  return scoped;
}

bool IsCoordinatorOf(const dpb::Principal& p, const std::string& org) {
  if (!HasRole(p, dpb::ROLE_COORDINATOR) || org.empty()) return false;
  return std::any_of(p.coordinator_of().begin(), p.coordinator_of().end(),
                     [&](uint64_t o) { return absl::StrCat(o) == org; });
}

bool Holds(Grant g, const AccessRule& rule, const dpb::Principal* p,
           const google::protobuf::Message& req) {
  if (g == Grant::kAnyone || g == Grant::kOwnCredential) return true;
  if (p == nullptr) return false;
  const bool person = p->kind() == dpb::Principal::KIND_MEMBER;
  switch (g) {
    case Grant::kAnyone:
    case Grant::kOwnCredential:
      return true;
    case Grant::kSignedIn:
      return true;
    case Grant::kService:
      return p->kind() == dpb::Principal::KIND_SERVICE;
    case Grant::kOperator:
      return person && HasRole(*p, dpb::ROLE_OPERATOR);
    case Grant::kAdmin:
      return person && HasRole(*p, dpb::ROLE_ADMIN) && InCommunity(rule, *p, req);
    case Grant::kFinance:
      return person && HasRole(*p, dpb::ROLE_FINANCE) && InCommunity(rule, *p, req);
    case Grant::kCoordinator:
      return person && HasRole(*p, dpb::ROLE_COORDINATOR) && InCommunity(rule, *p, req);
    case Grant::kCommunityMember:
      return (person || p->kind() == dpb::Principal::KIND_API_KEY) && InCommunity(rule, *p, req);
    case Grant::kSelfByDefault:
      if (person && One(req, rule.community) == "0" && One(req, rule.member) == "0") return true;
      [[fallthrough]];
    case Grant::kSelf:
      return person && InCommunity(rule, *p, req) &&
             One(req, rule.member) == absl::StrCat(p->subject_id());
    case Grant::kOrgCoordinator:
      return (person || p->kind() == dpb::Principal::KIND_API_KEY) && InCommunity(rule, *p, req) &&
             IsCoordinatorOf(*p, One(req, rule.organisation));
    case Grant::kOrgCoordinatorPerson:
      return person && InCommunity(rule, *p, req) &&
             IsCoordinatorOf(*p, One(req, rule.organisation));
    case Grant::kOwnAccounts: {
      if (p->community_id() == 0) return false;
      const std::vector<std::string> ids = NamedIds(rule, req);
      if (ids.empty()) return false;
      for (const std::string& id : ids) {
        const bool own =
            (person && id == MemberAccountId(p->community_id(), p->subject_id())) ||
            std::any_of(p->coordinator_of().begin(), p->coordinator_of().end(), [&](uint64_t o) {
              return HasRole(*p, dpb::ROLE_COORDINATOR) &&
                     id == OrganisationAccountId(p->community_id(), o);
            });
        if (!own) return false;
      }
      return true;
    }
  }
  return false;
}

}  // namespace

const char* GrantName(Grant g) {
  switch (g) {
    case Grant::kAnyone:
      return "anyone";
    case Grant::kOwnCredential:
      return "anyone with the credential the request carries";
    case Grant::kSignedIn:
      return "anyone signed in";
    case Grant::kService:
      return "a timebank service";
    case Grant::kOperator:
      return "the operator";
    case Grant::kAdmin:
      return "an admin of the community";
    case Grant::kFinance:
      return "a finance officer of the community";
    case Grant::kCoordinator:
      return "a coordinator in the community";
    case Grant::kCommunityMember:
      return "a member of the community";
    case Grant::kSelf:
    case Grant::kSelfByDefault:
      return "the member themself";
    case Grant::kOrgCoordinator:
    case Grant::kOrgCoordinatorPerson:
      return "a coordinator of the organisation";
    case Grant::kOwnAccounts:
      return "the owner of the accounts";
  }
  return "?";
}

bool CarriesOwnCredential(const AccessRule* rule) {
  return rule != nullptr && std::find(rule->grants.begin(), rule->grants.end(),
                                      Grant::kOwnCredential) != rule->grants.end();
}

const std::vector<AccessRule>& AccessTable() {
  static const std::vector<AccessRule>* table = new std::vector<AccessRule>(BuildTable());
  return *table;
}

const AccessRule* FindRule(std::string_view method) {
  static const auto* index = [] {
    auto* m = new absl::flat_hash_map<std::string, const AccessRule*>();
    for (const AccessRule& r : AccessTable()) (*m)[r.method] = &r;
    return m;
  }();
  auto it = index->find(AsAbsl(method));
  return it == index->end() ? nullptr : it->second;
}

absl::Status Decide(const AccessRule* rule, std::string_view method,
                    const dpb::Principal* principal, const google::protobuf::Message* request) {
  if (rule == nullptr) {
    return absl::PermissionDeniedError(
        absl::StrCat(AsAbsl(method), " has no access rule, so nobody may call it"));
  }
  for (Grant g : rule->grants) {
    if (g == Grant::kAnyone || g == Grant::kOwnCredential) return absl::OkStatus();
  }
  if (principal == nullptr) {
    return absl::UnauthenticatedError(
        "sign in first: send \"authorization: Bearer <token>\" (tbctl login)");
  }
  if (request == nullptr) return absl::PermissionDeniedError("the request could not be read");
  for (Grant g : rule->grants) {
    if (Holds(g, *rule, principal, *request)) return absl::OkStatus();
  }
  std::vector<std::string> who;
  for (Grant g : rule->grants) who.push_back(GrantName(g));
  return absl::PermissionDeniedError(absl::StrCat(
      "permission denied: ", AsAbsl(method.substr(method.rfind('/') + 1)), " may be called by ",
      absl::StrJoin(who, ", or "), " (for the community, member or accounts in the request)"));
}

}  // namespace timebank::auth
