// The access matrix: every RPC of every timebank service, called through gRPC as every
// kind of caller, is allowed or refused exactly as this file's expectations say. The
// expectations are written out independently of services/common/auth/access_policy.cc,
// and a method with no expectation (a new RPC) fails the test, as does a method the
// access table has no rule for, or a handler that forgets to enforce the decision.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <grpcpp/generic/generic_stub.h>

#include <future>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/common/auth/access_policy.h"
#include "services/common/auth/auth_interceptor.h"
#include "services/common/auth/token.h"
#include "services/common/ids.h"
#include "services/timebankd/node.h"
#include "tests/common/test_node.h"
#include "tests/common/test_util.h"
#include "timebank/directory/v1/auth.pb.h"
#include "timebank/expenses/v1/expenses.pb.h"
#include "timebank/ledger/v1/ledger.pb.h"
#include "timebank/system/v1/system.pb.h"

namespace timebank {
namespace {

namespace dpb = ::timebank::directory::v1;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Callers: anon (no token), svc (a service), op (operator), adm/coo/fin (admin,
// coordinator of organisation 1, finance officer of community 1), mem (the member the
// request names), key (an API key of organisation 1), oth (admin of community 2).
const char* const kCallers[] = {"anon", "svc", "op", "adm", "coo", "fin", "mem", "key", "oth"};
constexpr char kSignedIn[] = "svc op adm coo fin mem key oth";
constexpr char kEveryone[] = "anon svc op adm coo fin mem key oth";

// Who may call each method, for a request about community 1, its member `mem`,
// organisation 1 and mem's account.
const std::map<std::string, std::string>& Expected() {
  static const auto* m = new std::map<std::string, std::string>{
      {"SystemService/Ping", kEveryone},
      {"SystemService/GetServerInfo", kSignedIn},
      {"SystemService/CreateBackup", "svc op"},
      {"LedgerService/CreateAccounts", "svc adm"},
      // coo: a coordinator reads their organisations' accounts, not a member's (mem is in
      // no organisation): members' balances come from ListOrganisationBalances.
      {"LedgerService/GetAccounts", "svc adm fin mem"},
      {"LedgerService/ListAccounts", "svc adm fin"},
      {"LedgerService/SetAccountStatus", "svc adm"},
      {"LedgerService/CreateTransfers", "svc adm"},
      {"LedgerService/GetTransfers", "svc adm fin coo"},
      {"LedgerService/ListTransfers", "svc adm fin mem"},
      {"LedgerService/WatchJournal", "svc"},
      {"LedgerService/VerifyJournal", "svc op"},
      {"LedgerService/EraseMemberTexts", "svc"},
      {"DirectoryService/CreateCommunity", "op"},
      {"DirectoryService/GetCommunity", "op svc adm coo fin mem key"},
      {"DirectoryService/ListCommunities", "op svc"},
      {"DirectoryService/UpdateCommunity", "op adm"},
      {"DirectoryService/CreateOrganisation", "adm"},
      {"DirectoryService/GetOrganisation", "svc adm coo fin mem key"},
      {"DirectoryService/ListOrganisations", "svc adm coo fin mem key"},
      {"DirectoryService/ListOrganisationBalances", "adm coo fin"},
      {"DirectoryService/CreateMember", "op adm coo"},
      {"DirectoryService/GetMember", "svc mem adm coo fin"},
      {"DirectoryService/SearchMembers", "svc adm coo fin"},
      {"DirectoryService/LookupMembers", "svc adm coo fin"},
      {"DirectoryService/ResolveMember", "svc adm coo fin mem key"},
      {"DirectoryService/UpdateMember", "mem adm"},
      {"DirectoryService/SetMemberStatus", "mem adm"},
      {"DirectoryService/GrantRole", "op adm"},
      {"DirectoryService/RevokeRole", "op adm"},
      {"DirectoryService/ListAudit", "adm"},
      {"DirectoryService/CreateInvitation", "op adm coo"},
      {"DirectoryService/ListInvitations", "op adm coo"},
      {"DirectoryService/RevokeInvitation", "op adm"},
      {"DirectoryService/CreateApiKey", "adm coo"},
      {"DirectoryService/ListApiKeys", "adm coo"},
      {"DirectoryService/RevokeApiKey", "adm coo"},
      {"DirectoryService/ExportMemberData", "mem adm"},
      {"DirectoryService/EraseMember", "adm"},
      {"ActivityService/LogContributions", "adm coo key"},
      {"ActivityService/ImportContributions", "adm coo key"},
      {"ActivityService/ReportContribution", "adm coo fin mem key"},
      {"ActivityService/ReviewContribution", "adm coo key"},
      {"ActivityService/RecordExchange", "adm coo fin mem key"},
      {"ActivityService/RecordGroupSession", "adm coo fin mem key"},
      {"ActivityService/RespondToExchange", "adm coo fin mem key"},
      {"ActivityService/ResolveDispute", "adm coo"},
      {"ActivityService/ReverseActivity", "adm coo"},
      {"ActivityService/RetryPosting", "adm coo"},
      {"ActivityService/ListTasks", "adm coo fin mem key"},
      {"ActivityService/GetActivitySettings", "svc adm coo fin mem key"},
      {"ActivityService/UpdateActivitySettings", "adm"},
      {"ActivityService/CreatePost", "adm coo fin mem key"},
      {"ActivityService/ClosePost", "adm coo fin mem key"},
      {"ActivityService/SearchPosts", "adm coo fin mem key"},
      {"ActivityService/SendPostMessage", "adm coo fin mem"},  // not an API key (a person)
      {"ActivityService/ListPostMessages", "adm coo fin mem"},
      {"ActivityService/Donate", "adm coo fin mem key"},
      {"ActivityService/Redeem", "adm coo fin mem key"},
      {"ActivityService/WatchActivity", "svc"},
      {"ActivityService/GetActivity", "svc adm coo fin mem key"},
      {"ActivityService/ListActivities", "svc adm coo fin mem key"},
      {"ActivityService/EraseMemberData", "svc"},
      {"ExpensesService/SetPolicy", "adm fin"},
      {"ExpensesService/GetPolicy", "svc adm coo fin mem key"},
      {"ExpensesService/CreateClaim", "adm coo fin mem key"},
      {"ExpensesService/UpdateClaim", "adm coo fin mem key"},
      {"ExpensesService/SubmitClaim", "adm coo fin mem key"},
      {"ExpensesService/GetClaim", "svc adm coo fin mem key"},
      {"ExpensesService/ListClaims", "svc adm coo fin mem key"},
      {"ExpensesService/DecideClaim", "fin"},
      {"ExpensesService/AttachReceipt", "adm coo fin mem key"},
      {"ExpensesService/DetachReceipt", "adm coo fin mem key"},
      {"ExpensesService/GetReceipt", "svc adm coo fin mem key"},
      {"ExpensesService/ReverseApproval", "fin"},
      {"ExpensesService/GetMoneyReport", "fin adm"},
      {"ExpensesService/CreatePaymentBatch", "fin"},
      {"ExpensesService/GetPaymentBatch", "fin adm"},
      {"ExpensesService/ListPaymentBatches", "fin adm"},
      {"ExpensesService/ExportPaymentBatch", "fin"},
      {"ExpensesService/MarkBatchPaid", "fin"},
      {"ExpensesService/ListOtherMeansClaims", "fin adm"},
      {"ExpensesService/SetBankDetails", "mem"},
      {"ExpensesService/GetBankDetails", "mem fin"},
      {"ExpensesService/DeleteBankDetails", "mem"},
      {"ExpensesService/EraseMemberData", "svc"},
      {"RewardsService/GetMemberSummary", "mem adm coo"},
      {"RewardsService/GetDashboard", "adm coo fin mem key"},
      {"RewardsService/AnnotateChange", "adm coo"},
      {"RewardsService/GetProjectionStatus", "svc op"},
      {"RewardsService/RebuildProjection", "op"},
      {"RewardsService/ListBadges", "mem adm coo"},
      {"RewardsService/HideBadge", "mem"},
      {"RewardsService/GetBadgeRules", "adm coo fin mem key"},
      {"RewardsService/SetBadgeRules", "adm"},
      {"RewardsService/ListLeaderboard", "adm coo fin mem key"},
      {"RewardsService/ExportCredential", "mem adm coo"},
      {"RewardsService/GetIssuerKeys", kEveryone},
      {"RewardsService/GetRevocationList", kEveryone},
      {"RewardsService/RotateIssuerKey", "adm"},
      {"RewardsService/PauseStreak", "mem adm coo"},
      {"RewardsService/EndStreakPause", "mem adm coo"},
      {"RewardsService/ExportMemberRewards", "svc"},
      {"RewardsService/EraseMemberRewards", "svc"},
      // The service decides who received the activity; the access rule lets the
      // community's people ask.
      {"RewardsService/LeaveThanks", "adm coo fin mem key"},
      {"RewardsService/ListThanks", "mem adm coo"},
      {"RewardsService/HideThanks", "adm coo"},
      {"RewardsService/WatchRecognition", "mem adm coo"},
      {"AuthService/SignUp", kEveryone},
      {"AuthService/SignIn", kEveryone},
      {"AuthService/Refresh", kEveryone},
      {"AuthService/SignOut", kEveryone},
      {"AuthService/CompleteSetup", kEveryone},
      {"AuthService/SignOutEverywhere", "mem adm"},
      {"AuthService/ChangePassword", kSignedIn},
      {"AuthService/SetPassword", "adm"},
      {"AuthService/RotateSigningKey", "op"},
      {"AuthService/WhoAmI", kSignedIn},
      {"AuthService/PollRevocations", "svc"},
  };
  return *m;
}

class AccessMatrixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(testing::StartTestNode(
        testing::TestNodeOptions(dir_.Sub("data"), /*with_operator=*/true), &node_));
    directory::Directory* d = node_->directory();
    directory::Actor system;
    dpb::Community c;
    c.set_name("One");
    ASSERT_TRUE(d->CreateCommunity(system, c, "").ok());
    c.set_name("Two");
    ASSERT_TRUE(d->CreateCommunity(system, c, "").ok());
    dpb::Organisation org;
    org.set_community_id(1);
    org.set_name("Carers");
    org.set_kind(dpb::ORGANISATION_KIND_CHARITY);
    ASSERT_TRUE(d->CreateOrganisation(system, org, "").ok());
    principals_["adm"] = testing::AddPerson(d, 1, "Admin", {dpb::ROLE_ADMIN});
    principals_["coo"] = testing::AddPerson(d, 1, "Coordinator", {dpb::ROLE_COORDINATOR}, 1);
    principals_["fin"] = testing::AddPerson(d, 1, "Finance", {dpb::ROLE_FINANCE});
    principals_["mem"] = testing::AddPerson(d, 1, "Member");
    principals_["oth"] = testing::AddPerson(d, 2, "Other admin", {dpb::ROLE_ADMIN});
    auto op = testing::OperatorPrincipal(node_.get());
    ASSERT_TRUE(op.ok()) << op.status();
    principals_["op"] = *op;
    auto key = testing::MakeApiKey(d, 1, 1, "rota");
    ASSERT_TRUE(key.ok()) << key.status();
    principals_["key"] = *key;
    member_id_ = principals_["mem"].subject_id();
    channel_ = MakeChannel(node_->address());
  }

  // A fresh token for `caller` (epochs move as the matrix signs people out).
  std::string TokenFor(const std::string& caller) {
    if (caller == "anon") return "";
    if (caller == "svc") return node_->ServiceToken("matrix");
    return node_->TokenFor(principals_.at(caller));
  }

  // Fills a request so that it names community 1, the member `mem`, organisation 1 and
  // mem's account, and is otherwise harmless: handlers that are allowed to run reject it
  // as invalid or change nothing that matters to later calls.
  void Fill(Message* m) {
    const auto* d = m->GetDescriptor();
    const auto* r = m->GetReflection();
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      const std::string& n = f->name();
      testing::FillCommunityOneField(m, f, member_id_);
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
        if (n == "id" && d->name() == "Account") r->SetString(m, f, "c1.x.matrix");
        if (n == "reason") r->SetString(m, f, std::string(600, 'x'));  // too long: nothing happens
        if (n == "dir") r->SetString(m, f, "relative");                // refused as not absolute
      } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
                 f->message_type()->full_name() != "google.protobuf.Timestamp") {
        if (f->is_repeated()) {
          Fill(r->AddMessage(m, f));
        } else if (n == "community" || n == "member" || n == "organisation" || n == "post" ||
                   n == "policy" || n == "claim" || n == "annotation" || n == "settings") {
          Fill(r->MutableMessage(m, f));
        }
      }
    }
  }

  // The call's status, through gRPC's generic API (any method by name).
  grpc::Status Call(const std::string& method, const Message& request, const std::string& token) {
    return testing::CallMethod(channel_, method, request, token, absl::Milliseconds(1500));
  }

  static bool DeniedByAccess(const grpc::Status& s) {
    return (s.error_code() == grpc::StatusCode::PERMISSION_DENIED &&
            absl::StartsWith(s.error_message(), "permission denied: ")) ||
           (s.error_code() == grpc::StatusCode::UNAUTHENTICATED &&
            absl::StartsWith(s.error_message(), "sign in first"));
  }

  testing::TempDir dir_;
  std::unique_ptr<Node> node_;
  std::map<std::string, dpb::Principal> principals_;
  uint64_t member_id_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
};

// The list every descriptor walk starts from holds every service with access rules, so
// a new service's RPCs are walked (and an RPC without a rule is refused) without edits.
TEST(AccessTableTest, TheServiceListHoldsEveryServiceOfTheAccessTable) {
  std::set<std::string> listed, ruled;
  for (const auto* service : testing::TimebankServices()) listed.insert(service->full_name());
  for (const auto& rule : auth::AccessTable()) {
    const std::string_view m = rule.method;
    ruled.insert(std::string(m.substr(1, m.rfind('/') - 1)));
  }
  EXPECT_EQ(listed, ruled);
}

TEST_F(AccessMatrixTest, EveryRpcAllowsExactlyTheExpectedCallers) {
  google::protobuf::DynamicMessageFactory factory;
  std::set<std::string> seen;
  int calls = 0;
  for (const google::protobuf::ServiceDescriptor* service : testing::TimebankServices()) {
    for (int i = 0; i < service->method_count(); ++i) {
      const auto* method = service->method(i);
      const std::string key = absl::StrCat(service->name(), "/", method->name());
      const std::string path = absl::StrCat("/", service->full_name(), "/", method->name());
      seen.insert(key);
      ASSERT_NE(auth::FindRule(path), nullptr) << path << " has no rule in the access table";
      auto it = Expected().find(key);
      ASSERT_NE(it, Expected().end()) << key << " has no expectation in this test: add one";
      const std::vector<std::string> allowed = absl::StrSplit(it->second, ' ');
      std::unique_ptr<Message> request(factory.GetPrototype(method->input_type())->New());
      Fill(request.get());
      for (const char* caller : kCallers) {
        const bool expect_allowed =
            std::find(allowed.begin(), allowed.end(), caller) != allowed.end();
        const grpc::Status s = Call(path, *request, TokenFor(caller));
        ++calls;
        EXPECT_EQ(!DeniedByAccess(s), expect_allowed)
            << key << " as " << caller << ": " << s.error_code() << " " << s.error_message();
      }
    }
  }
  EXPECT_EQ(seen.size(), Expected().size())
      << "an expectation names a method that no longer exists";
  EXPECT_GT(calls, 300);
}

TEST_F(AccessMatrixTest, MembersReachOnlyTheirOwnRecordsAndAccounts) {
  const std::string token = TokenFor("mem");
  const uint64_t other = principals_.at("fin").subject_id();
  dpb::GetMemberRequest get;
  get.set_community_id(1);
  get.set_member_id(other);
  EXPECT_TRUE(
      DeniedByAccess(Call("/timebank.directory.v1.DirectoryService/GetMember", get, token)));
  ::timebank::ledger::v1::ListTransfersRequest list;
  list.set_account_id(MemberAccountId(1, other));
  EXPECT_TRUE(DeniedByAccess(Call("/timebank.ledger.v1.LedgerService/ListTransfers", list, token)));
  list.set_account_id(MemberAccountId(1, member_id_));
  EXPECT_TRUE(Call("/timebank.ledger.v1.LedgerService/ListTransfers", list, token).ok());
  // A coordinator reaches their organisation's account, not another community's.
  ::timebank::ledger::v1::GetAccountsRequest accounts;
  accounts.add_ids(OrganisationAccountId(1, 1));
  EXPECT_TRUE(
      Call("/timebank.ledger.v1.LedgerService/GetAccounts", accounts, TokenFor("key")).ok());
  accounts.add_ids(PoolAccountId(2));
  EXPECT_TRUE(DeniedByAccess(
      Call("/timebank.ledger.v1.LedgerService/GetAccounts", accounts, TokenFor("coo"))));
}

// Issue 14, item 6: a coordinator of organisation 1 sees the balances of organisation
// 1 and of its members, not of a member outside it, not of an organisation they do not
// coordinate, and nothing of another community.
TEST_F(AccessMatrixTest, CoordinatorsSeeTheBalancesOfTheirOrganisationsOnly) {
  directory::Directory* d = node_->directory();
  directory::Actor system;
  dpb::Organisation second;
  second.set_community_id(1);
  second.set_name("Library");
  second.set_kind(dpb::ORGANISATION_KIND_COMMUNITY_GROUP);
  auto library = d->CreateOrganisation(system, second, "");
  ASSERT_TRUE(library.ok()) << library.status();
  const dpb::Principal inside = testing::AddPerson(d, 1, "Carer");
  auto carer = d->GetMember(1, inside.subject_id());
  ASSERT_TRUE(carer.ok());
  carer->add_organisations(1);
  google::protobuf::FieldMask mask;
  mask.add_paths("organisations");
  ASSERT_TRUE(d->UpdateMember(system, *carer, mask).ok());

  const std::string coo = TokenFor("coo");
  const std::string method = "/timebank.directory.v1.DirectoryService/ListOrganisationBalances";
  dpb::ListOrganisationBalancesRequest req;
  req.set_community_id(1);
  req.set_organisation_id(1);
  dpb::ListOrganisationBalancesResponse resp;
  ASSERT_TRUE(testing::CallMethod(channel_, method, req, coo, absl::Seconds(5), &resp).ok());
  ASSERT_EQ(resp.members_size(), 1);
  EXPECT_EQ(resp.members(0).member_id(), inside.subject_id());  // mem (no organisation) is not
  EXPECT_EQ(resp.organisation().id(), 1u);
  req.set_organisation_id(library->id());
  EXPECT_TRUE(DeniedByAccess(Call(method, req, coo)));
  EXPECT_TRUE(Call(method, req, TokenFor("adm")).ok());
  EXPECT_TRUE(Call(method, req, TokenFor("fin")).ok());
  req.set_community_id(2);
  req.set_organisation_id(1);
  EXPECT_TRUE(DeniedByAccess(Call(method, req, coo)));
  req.set_community_id(1);
  EXPECT_TRUE(DeniedByAccess(Call(method, req, TokenFor("key"))));  // people, not integrations

  // In the ledger: the organisation's own account, not a member's.
  ::timebank::ledger::v1::GetAccountsRequest accounts;
  accounts.add_ids(OrganisationAccountId(1, 1));
  EXPECT_TRUE(Call("/timebank.ledger.v1.LedgerService/GetAccounts", accounts, coo).ok());
  accounts.add_ids(MemberAccountId(1, member_id_));
  EXPECT_TRUE(DeniedByAccess(Call("/timebank.ledger.v1.LedgerService/GetAccounts", accounts, coo)));
  ::timebank::ledger::v1::ListTransfersRequest list;
  list.set_account_id(MemberAccountId(1, inside.subject_id()));
  EXPECT_TRUE(DeniedByAccess(Call("/timebank.ledger.v1.LedgerService/ListTransfers", list, coo)));
  list.set_account_id(OrganisationAccountId(1, 1));
  EXPECT_FALSE(DeniedByAccess(Call("/timebank.ledger.v1.LedgerService/ListTransfers", list, coo)));
}

// Issue 14, item 7, through gRPC: the operator invites a community's first admin;
// a coordinator may invite members but not an admin; the code works once.
TEST_F(AccessMatrixTest, TheOperatorInvitesAFirstAdminWhoseCodeWorksOnce) {
  const std::string create = "/timebank.directory.v1.DirectoryService/CreateInvitation";
  dpb::CreateInvitationRequest req;
  req.set_community_id(2);
  req.set_role(dpb::ROLE_ADMIN);
  grpc::Status s = Call(create, req, TokenFor("coo"));
  EXPECT_TRUE(DeniedByAccess(s)) << s.error_message();  // another community's coordinator
  req.set_community_id(1);
  s = Call(create, req, TokenFor("coo"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "only the operator or an admin"))
      << s.error_message();
  dpb::Invitation inv;
  ASSERT_TRUE(
      testing::CallMethod(channel_, create, req, TokenFor("op"), absl::Seconds(5), &inv).ok());
  EXPECT_EQ(inv.role(), dpb::ROLE_ADMIN);
  EXPECT_FALSE(inv.code().empty());

  const std::string signup = "/timebank.directory.v1.AuthService/SignUp";
  dpb::SignUpRequest join;
  join.set_community_id(2);  // the code is community 1's
  join.set_username("first-admin");
  join.set_password("first-admin-password");
  join.set_invitation_code(inv.code());
  s = Call(signup, join, "");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "not an invitation of community 2"));
  join.set_community_id(1);
  dpb::SignUpResponse joined;
  ASSERT_TRUE(testing::CallMethod(channel_, signup, join, "", absl::Seconds(5), &joined).ok());
  const auto& roles = joined.tokens().principal().roles();
  EXPECT_NE(std::find(roles.begin(), roles.end(), dpb::ROLE_ADMIN), roles.end());
  join.set_username("second-admin");
  s = Call(signup, join, "");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "already used")) << s.error_message();
}

TEST_F(AccessMatrixTest, BadTokensAreRefusedEvenOnPublicMethods) {
  ::timebank::system::v1::PingRequest ping;
  const std::string path = "/timebank.system.v1.SystemService/Ping";
  EXPECT_EQ(Call(path, ping, "not-a-token").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  std::string token = TokenFor("adm");
  token[token.size() / 2] = token[token.size() / 2] == 'A' ? 'B' : 'A';  // tamper with the claims
  EXPECT_EQ(Call(path, ping, token).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // A client cannot forge the interceptor's decision.
  grpc::GenericStub stub(channel_);
  grpc::ClientContext ctx;
  ctx.AddMetadata("x-tb-access", "");
  ctx.AddMetadata("x-tb-principal", "operator");
  ::timebank::directory::v1::ListCommunitiesRequest req;
  std::string bytes = req.SerializeAsString();
  grpc::Slice slice(bytes);
  grpc::ByteBuffer in(&slice, 1), out;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&ctx, "/timebank.directory.v1.DirectoryService/ListCommunities",
                 grpc::StubOptions(), &in, &out,
                 [&](grpc::Status s) { done.set_value(std::move(s)); });
  const grpc::Status s = done.get_future().get();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << s.error_message();
}

TEST_F(AccessMatrixTest, ExpiredRevokedAndRotatedTokens) {
  const std::string path = "/timebank.directory.v1.AuthService/WhoAmI";
  dpb::WhoAmIRequest who;
  // Expired.
  dpb::TokenClaims claims;
  *claims.mutable_principal() = principals_.at("mem");
  const int64_t now_s = absl::ToUnixSeconds(absl::Now());
  claims.set_issued_at_s(now_s - 3600);
  claims.set_expires_at_s(now_s - 600);
  grpc::Status s = Call(path, who, auth::MintToken(*node_->keyring(), claims));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "expired")) << s.error_message();
  // Revoked: signing out everywhere kills a live token at once.
  const std::string live = TokenFor("mem");
  ASSERT_TRUE(Call(path, who, live).ok());
  ASSERT_TRUE(node_->directory()->RevokeAllSessions(1, member_id_).ok());
  s = Call(path, who, live);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "signed out")) << s.error_message();
  // Rotation: a token signed by the previous key still works; once that key retires, not.
  const std::string before = TokenFor("adm");
  ASSERT_TRUE(node_->keyring()->Rotate(now_s, 3600).ok());
  EXPECT_TRUE(Call(path, who, before).ok());
  EXPECT_TRUE(Call(path, who, TokenFor("adm")).ok());
  ASSERT_TRUE(node_->keyring()->Rotate(now_s + 7200, 3600).ok());  // an hour after: old keys retire
  s = Call(path, who, before);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Call(path, who, TokenFor("adm")).ok());
}

}  // namespace
}  // namespace timebank
