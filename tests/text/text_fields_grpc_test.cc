// Every human-readable field of every request of every service, found from the service
// descriptors and the one table of text fields (services/common/text_fields.h), gets a
// right-to-left override (U+202E) through gRPC, sent by a caller the access table lets
// make the call. Each is refused: INVALID_ARGUMENT naming the field and the character's
// position, or, for text the ledger and the import answer per item, that item's own
// refusal; and nothing is written to any store. A new RPC or a new text field is
// covered without editing this test.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/generic/generic_stub.h>

#include <filesystem>
#include <functional>
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
#include "services/common/text_fields.h"
#include "services/timebankd/node.h"
#include "tests/common/test_node.h"
#include "tests/common/test_util.h"
#include "timebank/activity/v1/activity.pb.h"
#include "timebank/ledger/v1/ledger.pb.h"

namespace timebank {
namespace {

namespace dpb = ::timebank::directory::v1;
namespace lpb = ::timebank::ledger::v1;
namespace apb = ::timebank::activity::v1;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr char kHostile[] = "Hello \u202eevil";  // U+202E is character 7
constexpr char kRefusal[] = ": character 7 is U+202E (a right-to-left override)";

class TextFieldsGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(testing::StartTestNode(
        testing::TestNodeOptions(dir_.Sub("data"), /*with_operator=*/true), &node_));
    directory::Directory* d = node_->directory();
    directory::Actor system;
    dpb::Community c;
    c.set_name("One");
    c.set_member_credit_limit_minutes(600);
    ASSERT_TRUE(d->CreateCommunity(system, c, "").ok());
    dpb::Organisation org;
    org.set_community_id(1);
    org.set_name("Carers");
    org.set_kind(dpb::ORGANISATION_KIND_CHARITY);
    ASSERT_TRUE(d->CreateOrganisation(system, org, "").ok());
    // One person holding every role of community 1, so every community RPC lets them in.
    auto made = testing::MakePerson(d, 1, "Everything",
                                    {dpb::ROLE_ADMIN, dpb::ROLE_FINANCE, dpb::ROLE_COORDINATOR},
                                    /*coordinator_of=*/1, /*member_number=*/"E-1");
    ASSERT_TRUE(made.ok()) << made.status();
    member_id_ = made->subject_id();
    auto op = testing::OperatorPrincipal(node_.get());
    ASSERT_TRUE(op.ok()) << op.status();
    tokens_ = {node_->TokenFor(*made), node_->ServiceToken("text-check"), node_->TokenFor(*op)};
    channel_ = MakeChannel(node_->address());
  }

  // Names community 1, the all-roles member, organisation 1 and the member's account
  // wherever a request has such a field, so the access check lets the call through.
  void Fill(Message* m) {
    const Descriptor* d = m->GetDescriptor();
    const auto* r = m->GetReflection();
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      const std::string& n = f->name();
      testing::FillCommunityOneField(m, f, member_id_);
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
        if (n == "id" && (d->name() == "Account" || d->name() == "Transfer")) {
          r->SetString(m, f, PersonChosenId(1, "text-check"));
        }
        // A valid account in every other field, so only its text can be refused.
        if (n == "unit" && d->name() == "Account") r->SetString(m, f, "TIME");
      } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_ENUM && n == "owner_kind") {
        r->SetEnumValue(m, f, lpb::OWNER_KIND_MEMBER);
      } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
                 f->message_type()->full_name() != "google.protobuf.Timestamp") {
        Fill(f->is_repeated() ? r->AddMessage(m, f) : r->MutableMessage(m, f));
      }
    }
  }

  // Puts `value` in the string field at `path` ("claim.lines.description"), taking the
  // first element of repeated fields; returns the path as a refusal names it
  // ("claim.lines[0].description").
  static std::string SetAt(Message* m, const std::string& path, const std::string& value) {
    std::string named;
    const std::vector<std::string> parts = absl::StrSplit(path, '.');
    for (size_t i = 0; i < parts.size(); ++i) {
      const FieldDescriptor* f = m->GetDescriptor()->FindFieldByName(parts[i]);
      EXPECT_NE(f, nullptr) << path;
      const auto* r = m->GetReflection();
      if (!named.empty()) named += '.';
      named += parts[i];
      if (f->is_repeated()) named += "[0]";
      const bool last = i + 1 == parts.size();
      if (last && f->is_repeated()) {
        if (r->FieldSize(*m, f) == 0) r->AddString(m, f, "");
        r->SetRepeatedString(m, f, 0, value);
      } else if (last) {
        r->SetString(m, f, value);
      } else if (f->is_repeated()) {
        if (r->FieldSize(*m, f) == 0) r->AddMessage(m, f);
        m = r->MutableRepeatedMessage(m, f, 0);
      } else {
        m = r->MutableMessage(m, f);
      }
    }
    return named;
  }

  grpc::Status Call(const std::string& method, const Message& request, const std::string& token,
                    Message* response = nullptr) {
    return testing::CallMethod(channel_, method, request, token, absl::Seconds(5), response);
  }

  static bool DeniedByAccess(const grpc::Status& s) {
    return (s.error_code() == grpc::StatusCode::PERMISSION_DENIED &&
            absl::StartsWith(s.error_message(), "permission denied: ")) ||
           (s.error_code() == grpc::StatusCode::UNAUTHENTICATED &&
            absl::StartsWith(s.error_message(), "sign in first"));
  }

  // The bytes of every store's write-ahead log: every committed write (all are synced)
  // appends to one, so an unchanged total means nothing was written anywhere.
  uintmax_t WrittenBytes() const {
    uintmax_t total = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_.Sub("data"))) {
      if (e.is_regular_file() && e.path().extension() == ".log") total += e.file_size();
    }
    return total;
  }

  testing::TempDir dir_;
  std::unique_ptr<Node> node_;
  uint64_t member_id_ = 0;
  std::vector<std::string> tokens_;  // the all-roles member, a service, the operator
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(TextFieldsGrpcTest, EveryTextFieldOfEveryRequestRefusesABidiOverrideAndWritesNothing) {
  // Per-item text: the request is accepted and the item carries the refusal.
  using Check = std::function<void(const Message&)>;
  const std::map<std::string, std::pair<std::string, Check>> per_item = {
      {"timebank.ledger.v1.Transfer.memo",
       {"transfers[0].memo",
        [](const Message& m) {
          const auto& r = static_cast<const lpb::CreateTransfersResponse&>(m);
          ASSERT_EQ(r.results_size(), 1);
          EXPECT_EQ(r.results(0).code(), lpb::CREATE_TRANSFER_MEMO_FORBIDDEN_CHARACTER);
        }}},
      {"timebank.ledger.v1.Transfer.reference",
       {"transfers[0].reference",
        [](const Message& m) {
          const auto& r = static_cast<const lpb::CreateTransfersResponse&>(m);
          ASSERT_EQ(r.results_size(), 1);
          EXPECT_EQ(r.results(0).code(), lpb::CREATE_TRANSFER_REFERENCE_FORBIDDEN_CHARACTER);
        }}},
      {"timebank.ledger.v1.Account.owner_ref",
       {"accounts[0].owner_ref",
        [](const Message& m) {
          const auto& r = static_cast<const lpb::CreateAccountsResponse&>(m);
          ASSERT_EQ(r.results_size(), 1);
          EXPECT_EQ(r.results(0).code(), lpb::CREATE_ACCOUNT_OWNER_REF_INVALID);
        }}},
      {"timebank.activity.v1.ImportRow.description",
       {"rows[0].description",
        [](const Message& m) {
          const auto& r = static_cast<const apb::ImportContributionsResponse&>(m);
          ASSERT_EQ(r.results_size(), 1);
          EXPECT_EQ(r.results(0).outcome(), apb::ImportRowResult::OUTCOME_REJECTED);
          EXPECT_TRUE(absl::StartsWith(r.results(0).error(), std::string("description") + kRefusal))
              << r.results(0).error();
        }}},
  };
  std::set<std::string> per_item_seen;
  google::protobuf::MessageFactory* factory = google::protobuf::MessageFactory::generated_factory();
  std::set<std::string> services;
  for (const auth::AccessRule& rule : auth::AccessTable()) {
    services.insert(std::vector<std::string>(absl::StrSplit(rule.method, '/')).at(1));
  }
  const uintmax_t written_at_start = WrittenBytes();
  int refused = 0;
  for (const std::string& service_name : services) {
    const auto* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service_name);
    ASSERT_NE(service, nullptr) << service_name;
    for (int i = 0; i < service->method_count(); ++i) {
      const auto* method = service->method(i);
      const std::string path = absl::StrCat("/", service->full_name(), "/", method->name());
      for (const StringFieldPath& field : StringFieldsOf(method->input_type())) {
        if (field.field == nullptr || field.field->kind != StringKind::kText) continue;
        ASSERT_FALSE(method->client_streaming() || method->server_streaming())
            << path << ": a streaming RPC with text needs a streaming call here";
        std::unique_ptr<Message> request(factory->GetPrototype(method->input_type())->New());
        Fill(request.get());
        const std::string named = SetAt(request.get(), field.path, kHostile);
        const auto item = per_item.find(field.full_name);
        ASSERT_EQ(item != per_item.end(), field.field->enforced == Enforced::kPerItem)
            << field.full_name << ": per-item text needs its refusal described here";
        const uintmax_t before = WrittenBytes();
        bool called = false;
        for (const std::string& token : tokens_) {
          std::unique_ptr<Message> response(factory->GetPrototype(method->output_type())->New());
          const grpc::Status s = Call(path, *request, token, response.get());
          if (DeniedByAccess(s)) continue;
          called = true;
          if (item == per_item.end()) {
            EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
                << path << " " << named << ": " << s.error_message();
            EXPECT_TRUE(absl::StartsWith(s.error_message(), named + kRefusal))
                << path << ": " << s.error_message();
          } else {
            EXPECT_EQ(named, item->second.first);
            ASSERT_TRUE(s.ok()) << path << ": " << s.error_message();
            item->second.second(*response);
            per_item_seen.insert(field.full_name);
          }
          ++refused;
          break;
        }
        EXPECT_TRUE(called) << path << ": no caller passed the access check";
        EXPECT_EQ(WrittenBytes(), before) << path << " " << named << " wrote something";
      }
    }
  }
  EXPECT_EQ(per_item_seen.size(), per_item.size()) << "a per-item field is no longer reachable";
  EXPECT_GT(refused, 50);
  EXPECT_EQ(WrittenBytes(), written_at_start);

  // The measure can fail: an accepted request does write.
  apb::CreatePostRequest post;
  post.mutable_post()->set_community_id(1);
  post.mutable_post()->set_kind(apb::POST_KIND_OFFER);
  post.mutable_post()->set_title("Lifts to the surgery");
  apb::Post made;
  ASSERT_TRUE(
      Call("/timebank.activity.v1.ActivityService/CreatePost", post, tokens_[0], &made).ok());
  EXPECT_GT(WrittenBytes(), written_at_start);
}

TEST_F(TextFieldsGrpcTest, TextIsStoredNormalisedSoRetriesMatch) {
  apb::CreatePostRequest post;
  post.mutable_post()->set_community_id(1);
  post.mutable_post()->set_kind(apb::POST_KIND_OFFER);
  post.mutable_post()->set_title("Cafe\u0301 lifts");  // e + combining acute
  post.mutable_post()->add_tags("cafe\u0301");
  post.set_request_id("post-nfc-1");
  apb::Post first, again;
  ASSERT_TRUE(
      Call("/timebank.activity.v1.ActivityService/CreatePost", post, tokens_[0], &first).ok());
  EXPECT_EQ(first.title(), "Caf\u00e9 lifts");
  EXPECT_EQ(first.tags(0), "caf\u00e9");
  ASSERT_TRUE(
      Call("/timebank.activity.v1.ActivityService/CreatePost", post, tokens_[0], &again).ok());
  EXPECT_EQ(again.id(), first.id());

  // The ledger normalises memos before it compares a retried transfer with the first.
  lpb::CreateTransfersRequest transfers;
  lpb::Transfer* t = transfers.add_transfers();
  t->set_id(PersonChosenId(1, "nfc-transfer-1"));
  t->set_debit_account_id(MemberAccountId(1, member_id_));
  t->set_credit_account_id(PoolAccountId(1));
  t->set_amount(30);
  t->set_kind(lpb::TRANSFER_KIND_ADJUSTMENT);
  t->set_memo("Zoe\u0308's lift");
  const std::string create = "/timebank.ledger.v1.LedgerService/CreateTransfers";
  lpb::CreateTransfersResponse created, retried;
  ASSERT_TRUE(Call(create, transfers, tokens_[1], &created).ok());
  ASSERT_EQ(created.results(0).code(), lpb::CREATE_TRANSFER_CREATED);
  t->set_memo("Zo\u00eb's lift");  // the same text, composed
  ASSERT_TRUE(Call(create, transfers, tokens_[1], &retried).ok());
  EXPECT_EQ(retried.results(0).code(), lpb::CREATE_TRANSFER_EXISTS);
  lpb::GetTransfersRequest get;
  get.add_ids(PersonChosenId(1, "nfc-transfer-1"));
  lpb::GetTransfersResponse got;
  ASSERT_TRUE(Call("/timebank.ledger.v1.LedgerService/GetTransfers", get, tokens_[1], &got).ok());
  ASSERT_EQ(got.transfers_size(), 1);
  EXPECT_EQ(got.transfers(0).memo(), "Zo\u00eb's lift");
}

}  // namespace
}  // namespace timebank
