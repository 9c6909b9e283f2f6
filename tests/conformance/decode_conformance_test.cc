// Undecodable requests: every RPC of every service (found from the descriptors), sent
// bytes that do not parse as its request message, answers INVALID_ARGUMENT saying the
// request could not be decoded as that message type, for a caller who would
// otherwise be allowed. gRPC itself answers such calls INTERNAL (synchronous
// handlers) or UNIMPLEMENTED (callback ones), which tells a client the method does
// not exist. The bad bytes are built here, by hand, as an outside client's bug would
// make them: a message cut short, a length past the end, invalid UTF-8 in a string
// field found from the request descriptor, and nesting past protobuf's recursion
// limit (nested unknown groups).
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>

#include <functional>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/common/test_util.h"
#include "tests/conformance/conformance_node.h"

namespace timebank::testing {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MethodDescriptor;

// A field number no request uses: what it carries is an unknown field.
constexpr uint32_t kUnusedField = 4095;
constexpr int kGroupNesting = 200;  // protobuf's default recursion limit is 100

enum WireType : uint32_t { kVarint = 0, kLengthDelimited = 2, kStartGroup = 3, kEndGroup = 4 };

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}
void PutTag(uint32_t field, WireType type, std::string* out) {
  PutVarint((uint64_t{field} << 3) | type, out);
}
std::string LengthDelimited(uint32_t field, const std::string& payload) {
  std::string out;
  PutTag(field, kLengthDelimited, &out);
  PutVarint(payload.size(), &out);
  return out + payload;
}

// The string fields on a path from `type` to the first string field (depth first,
// through message fields), or empty when the type holds no string.
std::vector<const FieldDescriptor*> PathToString(const Descriptor* type,
                                                 std::set<const Descriptor*>* seen) {
  for (int i = 0; i < type->field_count(); ++i) {
    if (type->field(i)->type() == FieldDescriptor::TYPE_STRING) return {type->field(i)};
  }
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* f = type->field(i);
    if (f->type() != FieldDescriptor::TYPE_MESSAGE || !seen->insert(f->message_type()).second) {
      continue;
    }
    std::vector<const FieldDescriptor*> rest = PathToString(f->message_type(), seen);
    if (!rest.empty()) {
      rest.insert(rest.begin(), f);
      return rest;
    }
  }
  return {};
}

struct BadBytes {
  const char* kind;
  // The bytes for a request of `type` whose valid encoding is `valid`; "" when this
  // kind does not apply to the type.
  std::function<std::string(const Descriptor* type, const std::string& valid)> make;
};

const std::vector<BadBytes>& Kinds() {
  static const auto* kinds = new std::vector<BadBytes>{
      {"a message cut short",
       [](const Descriptor*, const std::string& valid) {
         std::string bytes = valid;
         PutTag(kUnusedField, kVarint, &bytes);
         PutVarint(300, &bytes);                    // two bytes...
         return bytes.substr(0, bytes.size() - 1);  // ...of which the second is missing
       }},
      {"a length past the end",
       [](const Descriptor*, const std::string& valid) {
         std::string bytes = valid;
         PutTag(kUnusedField, kLengthDelimited, &bytes);
         PutVarint(1000, &bytes);
         return bytes + "only a few bytes follow";
       }},
      {"invalid UTF-8 in a string field",
       [](const Descriptor* type, const std::string& valid) -> std::string {
         std::set<const Descriptor*> seen = {type};
         const std::vector<const FieldDescriptor*> path = PathToString(type, &seen);
         if (path.empty()) return "";
         std::string bytes = LengthDelimited(path.back()->number(), "caf\xC3\x28 \xFF");
         for (auto it = path.rbegin() + 1; it != path.rend(); ++it) {
           bytes = LengthDelimited((*it)->number(), bytes);
         }
         return valid + bytes;
       }},
      {"nesting past the recursion limit",
       [](const Descriptor*, const std::string& valid) {
         std::string bytes = valid;
         for (int i = 0; i < kGroupNesting; ++i) PutTag(kUnusedField, kStartGroup, &bytes);
         for (int i = 0; i < kGroupNesting; ++i) PutTag(kUnusedField, kEndGroup, &bytes);
         return bytes;
       }},
  };
  return *kinds;
}

class DecodeConformanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto node = ConformanceNode::Start(dir_.Sub("data"));
    ASSERT_TRUE(node.ok()) << node.status();
    node_ = std::move(*node);
  }

  // A valid request of the method's type (as the access matrix fills one).
  std::string ValidBytes(const MethodDescriptor* method) {
    std::unique_ptr<Message> request(factory_.GetPrototype(method->input_type())->New());
    node_->Fill(request.get());
    return request->SerializeAsString();
  }

  TempDir dir_;
  std::unique_ptr<ConformanceNode> node_;
  google::protobuf::DynamicMessageFactory factory_;
};

TEST_F(DecodeConformanceTest, EveryRpcAnswersUndecodableBytesWithInvalidArgument) {
  std::map<std::string, int> tried;  // per kind, the methods it applied to
  int methods = 0;
  for (const auto* service : AllServices()) {
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* method = service->method(i);
      ++methods;
      const std::string caller = node_->AllowedCaller(method);
      const std::string valid = ValidBytes(method);
      {
        // The bytes would parse: what follows is about them alone.
        std::unique_ptr<Message> check(factory_.GetPrototype(method->input_type())->New());
        ASSERT_TRUE(check->ParseFromString(valid)) << MethodKey(method);
      }
      const std::string expected =
          absl::StrCat("the request could not be decoded as ", method->input_type()->full_name());
      for (const BadBytes& kind : Kinds()) {
        const std::string bytes = kind.make(method->input_type(), valid);
        if (bytes.empty()) continue;
        SCOPED_TRACE(absl::StrCat(MethodKey(method), " as ", caller, ": ", kind.kind));
        std::unique_ptr<Message> parsed(factory_.GetPrototype(method->input_type())->New());
        ASSERT_FALSE(parsed->ParseFromString(bytes)) << "the test's bad bytes parsed";
        ++tried[kind.kind];
        const grpc::Status s = node_->CallBytes(MethodPath(method), bytes, node_->TokenFor(caller));
        EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
        EXPECT_TRUE(absl::StartsWith(s.error_message(), expected)) << s.error_message();
      }
    }
  }
  EXPECT_GT(methods, 80);
  for (const BadBytes& kind : Kinds()) {
    EXPECT_GE(2 * tried[kind.kind], methods) << kind.kind << " applied to too few methods";
  }
}

TEST_F(DecodeConformanceTest, WhoTheCallerIsIsCheckedBeforeTheBytes) {
  const std::string bad = Kinds()[1].make(nullptr, "");
  // No credential for a method that needs one: sign in first.
  grpc::Status s = node_->CallBytes("/timebank.ledger.v1.LedgerService/CreateTransfers", bad, "");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << s.error_message();
  // A bad credential is refused even where none is needed.
  s = node_->CallBytes("/timebank.system.v1.SystemService/Ping", bad, "not-a-token");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << s.error_message();
  // Anyone may ping: then the bytes are the problem.
  s = node_->CallBytes("/timebank.system.v1.SystemService/Ping", bad, "");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
}

}  // namespace
}  // namespace timebank::testing
