#include "tests/conformance/conformance_node.h"

#include <grpcpp/generic/generic_stub.h>

#include <chrono>
#include <future>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/auth/access_policy.h"
#include "services/common/auth/auth_interceptor.h"
#include "services/common/auth/token.h"
#include "services/common/ids.h"
#include "storage/absl_compat.h"
#include "storage/bytes.h"
#include "storage/check.h"
#include "tests/common/test_node.h"
#include "timebank/activity/v1/activity.pb.h"
#include "timebank/ledger/v1/ledger.pb.h"
#include "timebank/rewards/v1/rewards.pb.h"

namespace timebank::testing {
namespace {

namespace apb = ::timebank::activity::v1;
namespace dpb = ::timebank::directory::v1;
namespace lpb = ::timebank::ledger::v1;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr int kCallDeadlineMs = 5000;

// The test caller a grant of the access table admits, for a request Fill() made.
const char* CallerFor(auth::Grant g) {
  switch (g) {
    case auth::Grant::kAnyone:
    case auth::Grant::kOwnCredential:  // a bearer token beside it would be refused
      return "anon";
    case auth::Grant::kSignedIn:
    case auth::Grant::kService:
      return "svc";
    case auth::Grant::kOperator:
      return "op";
    case auth::Grant::kAdmin:
      return "adm";
    case auth::Grant::kFinance:
      return "fin";
    case auth::Grant::kCoordinator:
    case auth::Grant::kOrgCoordinator:
    case auth::Grant::kOrgCoordinatorPerson:
      return "coo";
    case auth::Grant::kCommunityMember:
    case auth::Grant::kSelf:
    case auth::Grant::kSelfByDefault:
    case auth::Grant::kOwnAccounts:
      return "mem";
  }
  return "anon";
}

}  // namespace

const std::vector<const google::protobuf::ServiceDescriptor*>& AllServices() {
  return testing::TimebankServices();
}

std::string MethodKey(const google::protobuf::MethodDescriptor* method) {
  return absl::StrCat(method->service()->name(), "/", method->name());
}

std::string MethodPath(const google::protobuf::MethodDescriptor* method) {
  return absl::StrCat("/", method->service()->full_name(), "/", method->name());
}

absl::StatusOr<std::unique_ptr<ConformanceNode>> ConformanceNode::Start(
    const std::string& data_dir) {
  std::unique_ptr<ConformanceNode> c(new ConformanceNode());
  TB_ASSIGN_OR_RETURN(c->node_, Node::Start(TestNodeOptions(data_dir, /*with_operator=*/true)));
  c->channel_ = MakeChannel(c->node_->address());
  TB_ASSIGN_OR_RETURN(c->one_, c->NewCommunity("One"));
  if (c->one_.id != 1 || c->one_.organisation_id != 1) {
    return absl::InternalError("community 1 and organisation 1 were expected to come first");
  }
  c->principals_["adm"] = c->one_.admin;
  c->principals_["coo"] = c->one_.coordinator;
  c->principals_["fin"] = c->one_.finance;
  c->principals_["mem"] = c->one_.member;
  directory::Directory* d = c->node_->directory();
  TB_ASSIGN_OR_RETURN(c->principals_["op"], OperatorPrincipal(c->node_.get()));
  TB_ASSIGN_OR_RETURN(c->principals_["key"], MakeApiKey(d, 1, 1, "conformance"));
  return c;
}

ConformanceNode::~ConformanceNode() {
  if (node_) node_->Shutdown();
}

absl::StatusOr<TestCommunity> ConformanceNode::NewCommunity(const std::string& name) {
  directory::Directory* d = node_->directory();
  directory::Actor system;
  TestCommunity t;
  dpb::Community c;
  c.set_name(name);
  c.set_expense_currency("GBP");
  c.set_member_credit_limit_minutes(600);
  c.set_organisation_credit_limit_minutes(600'000);
  TB_ASSIGN_OR_RETURN(c, d->CreateCommunity(system, c, ""));
  t.id = c.id();
  dpb::Organisation org;
  org.set_community_id(t.id);
  org.set_name(absl::StrCat(name, " carers"));
  org.set_kind(dpb::ORGANISATION_KIND_CHARITY);
  TB_ASSIGN_OR_RETURN(org, d->CreateOrganisation(system, org, ""));
  t.organisation_id = org.id();
  TB_ASSIGN_OR_RETURN(t.admin,
                      MakePerson(d, t.id, absl::StrCat(name, " admin"), {dpb::ROLE_ADMIN}));
  TB_ASSIGN_OR_RETURN(t.coordinator, MakePerson(d, t.id, absl::StrCat(name, " coordinator"),
                                                {dpb::ROLE_COORDINATOR}, org.id()));
  TB_ASSIGN_OR_RETURN(t.finance,
                      MakePerson(d, t.id, absl::StrCat(name, " finance"), {dpb::ROLE_FINANCE}));
  TB_ASSIGN_OR_RETURN(t.member, MakePerson(d, t.id, absl::StrCat(name, " member")));
  return t;
}

std::string ConformanceNode::TokenFor(const std::string& caller) const {
  if (caller == "anon") return "";
  if (caller == "svc") return node_->ServiceToken("conformance");
  return node_->TokenFor(principals_.at(caller));
}

std::string ConformanceNode::TokenFor(const dpb::Principal& principal) const {
  return node_->TokenFor(principal);
}

std::string ConformanceNode::AllowedCaller(const google::protobuf::MethodDescriptor* method) const {
  const auth::AccessRule* rule = auth::FindRule(MethodPath(method));
  if (rule == nullptr || rule->grants.empty()) return "anon";
  return CallerFor(rule->grants.front());
}

void ConformanceNode::Fill(Message* m) const {
  const auto* d = m->GetDescriptor();
  const auto* r = m->GetReflection();
  const uint64_t member_id = one_.member.subject_id();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    const std::string& n = f->name();
    FillCommunityOneField(m, f, member_id);
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      if (n == "id" && d->name() == "Account") r->SetString(m, f, "c1.conformance");
      if (n == "reason") r->SetString(m, f, std::string(600, 'x'));  // too long: nothing happens
      if (n == "dir") r->SetString(m, f, "relative");                // refused as not absolute
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
               f->message_type()->full_name() != "google.protobuf.Timestamp" &&
               f->message_type()->full_name() != "google.protobuf.Duration") {
      if (f->is_repeated()) {
        Fill(r->AddMessage(m, f));
      } else if (n == "community" || n == "member" || n == "organisation" || n == "post" ||
                 n == "policy" || n == "claim" || n == "annotation" || n == "settings") {
        Fill(r->MutableMessage(m, f));
      }
    }
  }
}

grpc::Status ConformanceNode::CallBytes(const std::string& method_path,
                                        const std::string& request_bytes, const std::string& token,
                                        std::string* response_bytes) {
  return CallMethodBytes(channel_, method_path, request_bytes, token,
                         absl::Milliseconds(kCallDeadlineMs), response_bytes);
}

grpc::Status ConformanceNode::Call(const std::string& method_path, const Message& request,
                                   const std::string& token, Message* response) {
  std::string out;
  grpc::Status s = CallBytes(method_path, request.SerializeAsString(), token, &out);
  if (s.ok() && response != nullptr && !response->ParseFromString(out)) {
    return grpc::Status(grpc::StatusCode::DATA_LOSS, "the response did not parse");
  }
  return s;
}

absl::StatusOr<std::vector<std::string>> ConformanceNode::ThankedContributions(
    const TestCommunity& t, int n) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) {
    apb::LogContributionsRequest r;
    r.set_community_id(t.id);
    r.set_organisation_id(t.organisation_id);
    r.add_member_ids(t.member.subject_id());
    r.set_minutes(30);
    r.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(absl::Now()) - 3600);
    r.set_description(absl::StrCat("Thanked session ", ++serial_));
    r.set_coproduction_type(lpb::COPRODUCTION_TYPE_CO_DELIVERY);
    TB_ASSIGN_OR_RETURN(auto logged, node()->activity()->LogContributions(t.admin, r));
    for (const apb::Activity& a : logged) ids.push_back(absl::StrCat(a.id()));
  }
  if (!WaitQuiet(60'000)) {
    return absl::DeadlineExceededError("the contributions did not reach the projection");
  }
  for (const std::string& id : ids) {
    ::timebank::rewards::v1::LeaveThanksRequest req;
    req.set_community_id(t.id);
    uint64_t activity = 0;
    TB_CHECK(absl::SimpleAtoi(id, &activity));
    req.set_activity_id(activity);
    req.set_text("Thank you from the organisation");
    grpc::Status s =
        Call("/timebank.rewards.v1.RewardsService/LeaveThanks", req, TokenFor(t.coordinator));
    if (!s.ok()) return absl::InternalError(s.error_message());
  }
  return ids;
}

bool ConformanceNode::WaitQuiet(int timeout_ms) {
  const absl::Time until = absl::Now() + absl::Milliseconds(timeout_ms);
  while (absl::Now() < until) {
    const bool quiet = node_->directory()->DrainOutbox() == 0 &&
                       node_->activity()->OutboxSize() == 0 &&
                       node_->expenses()->OutboxSize() == 0 &&
                       node_->rewards_projection()->journal_seq() == node_->ledger()->head_seq();
    if (quiet) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return false;
}

std::string ConformanceNode::StoredState() {
  std::string all = absl::StrCat("ledger head ", node_->ledger()->head_seq(), "\n");
  for (const char* service : {"directory", "activity", "expenses", "rewards"}) {
    storage::KvStore* store = node_->records_store(service);
    TB_CHECK(store != nullptr);
    auto it = store->NewIterator(0);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      absl::StrAppend(&all, service, ":", it->key().size(), ":", AsAbsl(it->key()), "=",
                      it->value().size(), ":", AsAbsl(it->value()));
    }
  }
  return storage::ToHex(auth::Sha256(all));
}

}  // namespace timebank::testing
