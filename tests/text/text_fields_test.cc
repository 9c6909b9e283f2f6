// The table of request string fields (services/common/text_fields.h): every string
// field of every request of every service is classified (a new one fails here until
// it is), every entry names a real field, and NormaliseRequestText applies the rule to
// exactly the text fields checked at entry, in nested and repeated messages too.
#include "services/common/text_fields.h"

#include <google/protobuf/descriptor.h>

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "services/common/auth/access_policy.h"
#include "timebank/activity/v1/activity.pb.h"
#include "timebank/directory/v1/auth.pb.h"
#include "timebank/directory/v1/directory.pb.h"
#include "timebank/expenses/v1/expenses.pb.h"
#include "timebank/ledger/v1/ledger.pb.h"

namespace timebank {
namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::MethodDescriptor;

// Every method of every service the access table knows (the access matrix test makes
// sure the table has a rule for every RPC, so every service is here).
std::vector<const MethodDescriptor*> AllMethods() {
  std::set<std::string> services;
  for (const auth::AccessRule& rule : auth::AccessTable()) {
    const std::vector<std::string> parts = absl::StrSplit(rule.method, '/');
    services.insert(parts.at(1));
  }
  std::vector<const MethodDescriptor*> methods;
  for (const std::string& name : services) {
    const auto* service = DescriptorPool::generated_pool()->FindServiceByName(name);
    EXPECT_NE(service, nullptr) << name;
    if (service == nullptr) continue;
    for (int i = 0; i < service->method_count(); ++i) methods.push_back(service->method(i));
  }
  return methods;
}

TEST(TextFieldsTest, EveryStringFieldOfEveryRequestIsClassified) {
  std::set<std::string> reachable;
  size_t text_fields = 0;
  const std::vector<const MethodDescriptor*> methods = AllMethods();
  EXPECT_GT(methods.size(), 80u);
  for (const MethodDescriptor* m : methods) {
    for (const StringFieldPath& f : StringFieldsOf(m->input_type())) {
      reachable.insert(f.full_name);
      EXPECT_NE(f.field, nullptr)
          << m->full_name() << ": " << f.path << " (" << f.full_name
          << ") is not in services/common/text_fields.cc: say whether it is human-readable "
             "text (and its limit) or an id, code, token, secret or path";
      if (f.field != nullptr && f.field->kind == StringKind::kText) ++text_fields;
    }
  }
  EXPECT_GT(text_fields, 50u);
  // And nothing in the table is stale: each entry is a string field some request holds.
  for (const StringField& entry : StringFieldTable()) {
    EXPECT_TRUE(reachable.count(std::string(entry.name)))
        << entry.name << " is in the table but no request holds it";
    if (entry.kind == StringKind::kText) {
      EXPECT_GT(entry.rule.max_bytes, 0u) << entry.name;
    }
  }
}

TEST(TextFieldsTest, NestedAndRepeatedTextIsNormalisedInPlace) {
  ::timebank::expenses::v1::CreateClaimRequest req;
  req.set_request_id("r-1");
  req.mutable_claim()->set_title("Caf\u0065\u0301 receipts");
  req.mutable_claim()->add_lines()->set_description("bus");
  req.mutable_claim()->add_lines()->set_description("Zoe\u0308's taxi");
  ASSERT_TRUE(NormaliseRequestText(&req).ok());
  EXPECT_EQ(req.claim().title(), "Caf\u00e9 receipts");
  EXPECT_EQ(req.claim().lines(1).description(), "Zo\u00eb's taxi");
  EXPECT_EQ(req.request_id(), "r-1");

  ::timebank::directory::v1::UpdateMemberRequest member;
  member.mutable_member()->add_tags("gardening");
  member.mutable_member()->add_tags("cafe\u0301");
  ASSERT_TRUE(NormaliseRequestText(&member).ok());
  EXPECT_EQ(member.member().tags(1), "caf\u00e9");
}

TEST(TextFieldsTest, RefusalNamesThePathWithIndices) {
  ::timebank::expenses::v1::CreateClaimRequest req;
  req.mutable_claim()->set_title("Travel");
  req.mutable_claim()->add_lines()->set_description("bus");
  req.mutable_claim()->add_lines()->set_description("bus");
  req.mutable_claim()->add_lines()->set_description("taxi \u202egnp.exe");
  absl::Status s = NormaliseRequestText(&req);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(s.message(),
                               "claim.lines[2].description: character 6 is U+202E (a "
                               "right-to-left override)"))
      << s.message();

  ::timebank::directory::v1::UpdateMemberRequest member;
  member.mutable_member()->add_tags("ok");
  member.mutable_member()->add_tags("two\nlines");
  s = NormaliseRequestText(&member);
  EXPECT_TRUE(absl::StartsWith(s.message(), "member.tags[1]: character 4 is U+000A")) << s;

  ::timebank::activity::v1::CreatePostRequest post;
  post.mutable_post()->set_title("Lifts to the surgery");
  post.mutable_post()->set_details("Tuesdays and Thursdays.\nAsk for Sam.");
  EXPECT_TRUE(NormaliseRequestText(&post).ok()) << "details may hold line feeds";
  post.mutable_post()->set_title("Lifts\nto the surgery");
  EXPECT_FALSE(NormaliseRequestText(&post).ok()) << "a title is one line";
}

TEST(TextFieldsTest, IdsSecretsAndPerItemTextAreLeftToTheirOwners) {
  // Secrets are compared as bytes: normalising would change what a person set.
  ::timebank::directory::v1::SignInRequest sign_in;
  sign_in.set_username("amara");
  sign_in.set_password("caf\u0065\u0301-\u202e-password");
  const std::string password = sign_in.password();
  ASSERT_TRUE(NormaliseRequestText(&sign_in).ok());
  EXPECT_EQ(sign_in.password(), password);
  // The ledger answers each transfer with its own result code, so a bad memo is not the
  // whole batch's refusal here (the ledger's CreateTransfers test shows its codes).
  ::timebank::ledger::v1::CreateTransfersRequest transfers;
  transfers.add_transfers()->set_memo("\u202e");
  EXPECT_TRUE(NormaliseRequestText(&transfers).ok());
  EXPECT_EQ(transfers.transfers(0).memo(), "\u202e");
  // A display name is text: refused.
  ::timebank::directory::v1::SignUpRequest sign_up;
  sign_up.set_display_name("Alice \u202eevil");
  EXPECT_EQ(NormaliseRequestText(&sign_up).message(),
            "display_name: character 7 is U+202E (a right-to-left override), which can make "
            "text read differently from what it says; remove it");
}

TEST(TextFieldsTest, AStringFieldMissingFromTheTableIsTreatedAsText) {
  // No request holds VerifyJournalResponse, so the table does not name its fields: the
  // fail-safe applies the rule all the same.
  ::timebank::ledger::v1::VerifyJournalResponse unnamed;
  ASSERT_EQ(FindStringField("timebank.ledger.v1.VerifyJournalResponse.message"), nullptr);
  unnamed.set_message("looks fine \u202e");
  absl::Status s = NormaliseRequestText(&unnamed);
  EXPECT_TRUE(absl::StartsWith(s.message(), "message: character 12 is U+202E")) << s;
}

}  // namespace
}  // namespace timebank
