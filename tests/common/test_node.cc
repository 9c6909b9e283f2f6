// The gRPC tests' node and calls: see test_node.h.
#include "tests/common/test_node.h"

#include <grpcpp/generic/generic_stub.h>

#include <chrono>
#include <future>
#include <utility>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/common/ids.h"
#include "storage/check.h"
#include "timebank/rewards/v1/rewards.pb.h"

namespace timebank::testing {

const std::vector<const google::protobuf::ServiceDescriptor*>& TimebankServices() {
  static const auto* services = [] {
    auto* v = new std::vector<const google::protobuf::ServiceDescriptor*>();
    for (const char* name :
         {"timebank.system.v1.SystemService", "timebank.ledger.v1.LedgerService",
          "timebank.directory.v1.DirectoryService", "timebank.directory.v1.AuthService",
          "timebank.activity.v1.ActivityService", "timebank.expenses.v1.ExpensesService",
          "timebank.rewards.v1.RewardsService"}) {
      const auto* s = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
      TB_CHECK(s != nullptr);
      v->push_back(s);
    }
    return v;
  }();
  return *services;
}

namespace dpb = ::timebank::directory::v1;

NodeOptions TestNodeOptions(const std::string& data_dir, bool with_operator) {
  NodeOptions o;
  o.listen = "127.0.0.1:0";
  o.data_dir = data_dir;
  if (with_operator) {
    o.admin_username = kOperatorUsername;
    o.admin_password = kOperatorPassword;
  }
  return o;
}

void StartTestNode(const NodeOptions& options, std::unique_ptr<Node>* node) {
  auto started = Node::Start(options);
  ASSERT_TRUE(started.ok()) << started.status();
  *node = std::move(*started);
}

absl::StatusOr<dpb::Principal> MakePerson(directory::Directory* d, uint64_t community,
                                          const std::string& display_name,
                                          const std::vector<dpb::Role>& roles,
                                          uint64_t coordinator_of,
                                          const std::string& member_number) {
  directory::Actor system;
  dpb::Member m;
  m.set_community_id(community);
  m.set_display_name(display_name);
  if (!member_number.empty()) m.set_member_number(member_number);
  TB_ASSIGN_OR_RETURN(m, d->CreateMember(system, m, "", ""));
  for (dpb::Role role : roles) {
    const uint64_t org = role == dpb::ROLE_COORDINATOR ? coordinator_of : 0;
    TB_ASSIGN_OR_RETURN(m, d->GrantRole(system, community, m.id(), role, org, ""));
  }
  return directory::Directory::PrincipalOf(m);
}

dpb::Principal AddPerson(directory::Directory* d, uint64_t community,
                         const std::string& display_name, const std::vector<dpb::Role>& roles,
                         uint64_t coordinator_of, const std::string& member_number) {
  absl::StatusOr<dpb::Principal> p =
      MakePerson(d, community, display_name, roles, coordinator_of, member_number);
  EXPECT_TRUE(p.ok()) << display_name << ": " << p.status();
  return p.ok() ? *std::move(p) : dpb::Principal();
}

absl::StatusOr<dpb::Principal> MakeApiKey(directory::Directory* d, uint64_t community,
                                          uint64_t organisation, const std::string& name) {
  TB_ASSIGN_OR_RETURN(dpb::ApiKey key,
                      d->CreateApiKey(directory::Actor(), community, organisation, name));
  dpb::Principal k;
  k.set_kind(dpb::Principal::KIND_API_KEY);
  k.set_community_id(community);
  k.set_subject_id(key.id());
  k.add_roles(dpb::ROLE_COORDINATOR);
  k.add_coordinator_of(organisation);
  return k;
}

absl::StatusOr<dpb::Principal> OperatorPrincipal(Node* node) {
  TB_ASSIGN_OR_RETURN(auto op, node->directory()->FindLogin(kOperatorUsername));
  if (!op) return absl::NotFoundError("the node has no operator login");
  return directory::Directory::PrincipalOf(op->member);
}

void FillCommunityOneField(google::protobuf::Message* m, const google::protobuf::FieldDescriptor* f,
                           uint64_t member_id) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Descriptor* d = m->GetDescriptor();
  const google::protobuf::Reflection* r = m->GetReflection();
  const std::string& n = f->name();
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_UINT64 && !f->is_repeated()) {
    if (n == "community_id") r->SetUInt64(m, f, 1);
    if (n == "member_id") r->SetUInt64(m, f, member_id);
    if (n == "organisation_id") r->SetUInt64(m, f, 1);
    if (n == "id" && d->name() == "Community") r->SetUInt64(m, f, 1);
    if (n == "id" && d->name() == "Member") r->SetUInt64(m, f, member_id);
  } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
    const std::string account = MemberAccountId(1, member_id);
    if (n == "ids") r->AddString(m, f, account);
    if (n == "account_id") r->SetString(m, f, account);
    if (n == "id" && d->name() == "SetAccountStatusRequest") r->SetString(m, f, account);
    if (n == "debit_account_id") r->SetString(m, f, account);
    if (n == "credit_account_id") r->SetString(m, f, PoolAccountId(1));
  }
}

uint64_t CreateMemberWithPassword(dpb::DirectoryService::Stub* directory, const std::string& token,
                                  uint64_t community, const std::string& username,
                                  const std::string& password) {
  dpb::CreateMemberRequest req;
  req.mutable_member()->set_community_id(community);
  req.mutable_member()->set_display_name(username);
  req.mutable_member()->set_username(username);
  req.set_password(password);
  dpb::Member m;
  const grpc::Status s =
      CallWithToken(directory, &dpb::DirectoryService::Stub::CreateMember, token, req, &m);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return m.id();
}

dpb::Tokens SignInWithPassword(dpb::AuthService::Stub* auth, const std::string& username,
                               const std::string& password) {
  grpc::ClientContext ctx;
  dpb::SignInRequest req;
  req.set_username(username);
  req.set_password(password);
  dpb::Tokens t;
  const grpc::Status s = auth->SignIn(&ctx, req, &t);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return t;
}

grpc::Status SubmitAndApprove(::timebank::expenses::v1::ExpensesService::Stub* stub,
                              const std::string& claimant_token, const std::string& finance_token,
                              ::timebank::expenses::v1::Claim* claim) {
  namespace xpb = ::timebank::expenses::v1;
  xpb::SubmitClaimRequest submit;
  submit.set_community_id(claim->community_id());
  submit.set_claim_id(claim->id());
  submit.set_etag(claim->etag());
  grpc::Status s =
      CallWithToken(stub, &xpb::ExpensesService::Stub::SubmitClaim, claimant_token, submit, claim);
  if (!s.ok()) return s;
  xpb::DecideClaimRequest approve;
  approve.set_community_id(claim->community_id());
  approve.set_claim_id(claim->id());
  approve.set_etag(claim->etag());
  approve.set_decision(xpb::DecideClaimRequest::DECISION_APPROVE);
  return CallWithToken(stub, &xpb::ExpensesService::Stub::DecideClaim, finance_token, approve,
                       claim);
}

absl::StatusOr<ExpensesCommunity> MakeExpensesCommunity(directory::Directory* d) {
  dpb::Community c;
  c.set_name("Riverside");
  c.set_expense_currency("GBP");
  ExpensesCommunity out;
  TB_ASSIGN_OR_RETURN(c, d->CreateCommunity(directory::Actor(), c, ""));
  out.id = c.id();
  TB_ASSIGN_OR_RETURN(out.alice, MakePerson(d, out.id, "Alice"));
  TB_ASSIGN_OR_RETURN(out.fiona, MakePerson(d, out.id, "Fiona", {dpb::ROLE_FINANCE}));
  TB_ASSIGN_OR_RETURN(out.farid, MakePerson(d, out.id, "Farid", {dpb::ROLE_FINANCE}));
  return out;
}

grpc::Status CallMethodBytes(const std::shared_ptr<grpc::Channel>& channel,
                             const std::string& method_path, const std::string& request_bytes,
                             const std::string& token, absl::Duration deadline,
                             std::string* response_bytes) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(deadline));
  auth::AddBearer(&ctx, token);
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer req(&slice, 1), resp;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&ctx, method_path, grpc::StubOptions(), &req, &resp,
                 [&](grpc::Status s) { done.set_value(std::move(s)); });
  grpc::Status s = done.get_future().get();
  if (s.ok() && response_bytes != nullptr) {
    std::vector<grpc::Slice> slices;
    EXPECT_TRUE(resp.Dump(&slices).ok()) << method_path;
    response_bytes->clear();
    for (const grpc::Slice& sl : slices) {
      response_bytes->append(reinterpret_cast<const char*>(sl.begin()), sl.size());
    }
  }
  return s;
}

grpc::Status CallMethod(const std::shared_ptr<grpc::Channel>& channel,
                        const std::string& method_path, const google::protobuf::Message& request,
                        const std::string& token, absl::Duration deadline,
                        google::protobuf::Message* response) {
  std::string bytes;
  grpc::Status s = CallMethodBytes(channel, method_path, request.SerializeAsString(), token,
                                   deadline, response == nullptr ? nullptr : &bytes);
  if (s.ok() && response != nullptr) {
    EXPECT_TRUE(response->ParseFromString(bytes)) << method_path;
  }
  return s;
}

}  // namespace timebank::testing
