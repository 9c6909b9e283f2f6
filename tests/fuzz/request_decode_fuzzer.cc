// libFuzzer target for what happens where a request enters a timebank server. The first
// two bytes choose an RPC of any service (every method the access table has a rule
// for); the rest is parsed as that RPC's request message. A request that parses is put
// through the entry checks in the order the access interceptor applies them: the access
// table's Decide for a fixed caller (and for no caller), then the shape check of every
// enum and time (services/common/request_check.h), then the text rule on every
// human-readable field. Properties: nothing crashes; Decide answers only OK,
// UNAUTHENTICATED or PERMISSION_DENIED; the shape check and the text rule only OK or
// INVALID_ARGUMENT with a message, and once the text rule has said OK the request is
// normalised (applying it again changes nothing).
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "services/common/auth/access_policy.h"
#include "services/common/request_check.h"
#include "services/common/text_fields.h"
#include "storage/check.h"
#include "timebank/activity/v1/activity.pb.h"
#include "timebank/directory/v1/auth.pb.h"
#include "timebank/directory/v1/directory.pb.h"
#include "timebank/directory/v1/token.pb.h"
#include "timebank/expenses/v1/expenses.pb.h"
#include "timebank/ledger/v1/ledger.pb.h"
#include "timebank/system/v1/system.pb.h"

namespace {

namespace dpb = ::timebank::directory::v1;
using google::protobuf::Message;

struct Method {
  std::string path;  // "/timebank.ledger.v1.LedgerService/CreateTransfers"
  const timebank::auth::AccessRule* rule;
  const Message* prototype;
};

const std::vector<Method>& Methods() {
  static const auto* methods = [] {
    google::protobuf::SetLogHandler(nullptr);  // undecodable input is the normal case here
    // Each API's generated code registers its descriptors when linked: name one
    // message of each file so the linker keeps them all.
    for (const google::protobuf::Descriptor* d :
         {::timebank::system::v1::PingRequest::descriptor(),
          ::timebank::ledger::v1::CreateTransfersRequest::descriptor(),
          ::timebank::directory::v1::CreateMemberRequest::descriptor(),
          ::timebank::directory::v1::SignUpRequest::descriptor(),
          ::timebank::activity::v1::CreatePostRequest::descriptor(),
          ::timebank::expenses::v1::CreateClaimRequest::descriptor()}) {
      TB_CHECK(d != nullptr);
    }
    auto* out = new std::vector<Method>();
    for (const timebank::auth::AccessRule& rule : timebank::auth::AccessTable()) {
      const std::vector<std::string> parts = absl::StrSplit(rule.method, '/');
      TB_CHECK(parts.size() == 3);
      const auto* service =
          google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(parts[1]);
      TB_CHECK(service != nullptr);
      const auto* method = service->FindMethodByName(parts[2]);
      TB_CHECK(method != nullptr);
      out->push_back({rule.method, timebank::auth::FindRule(rule.method),
                      google::protobuf::MessageFactory::generated_factory()->GetPrototype(
                          method->input_type())});
    }
    return out;
  }();
  return *methods;
}

// A coordinator of organisation 1 in community 1, who is also a member there.
const dpb::Principal& Caller() {
  static const auto* p = [] {
    auto* principal = new dpb::Principal();
    principal->set_kind(dpb::Principal::KIND_MEMBER);
    principal->set_community_id(1);
    principal->set_subject_id(5);
    principal->set_name("fuzz");
    principal->add_roles(dpb::ROLE_MEMBER);
    principal->add_roles(dpb::ROLE_COORDINATOR);
    principal->add_coordinator_of(1);
    return principal;
  }();
  return *p;
}

bool IsAccessAnswer(const absl::Status& s) {
  return s.ok() || s.code() == absl::StatusCode::kUnauthenticated ||
         s.code() == absl::StatusCode::kPermissionDenied;
}

// What the edge checks may answer besides OK: INVALID_ARGUMENT saying what is wrong.
bool IsRefusalOfTheRequest(const absl::Status& s) {
  return s.code() == absl::StatusCode::kInvalidArgument && !s.message().empty();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const std::vector<Method>& methods = Methods();
  const Method& m = methods[(data[0] | (data[1] << 8)) % methods.size()];
  std::unique_ptr<Message> request(m.prototype->New());
  if (!request->ParseFromArray(data + 2, static_cast<int>(size - 2))) return 0;
  TB_CHECK(m.rule != nullptr);
  TB_CHECK(IsAccessAnswer(timebank::auth::Decide(m.rule, m.path, &Caller(), request.get())));
  TB_CHECK(IsAccessAnswer(timebank::auth::Decide(m.rule, m.path, nullptr, request.get())));
  const absl::Status shape = timebank::RequestCheck::For(request->GetDescriptor())->Check(*request);
  if (!shape.ok()) {
    TB_CHECK(IsRefusalOfTheRequest(shape));
    return 0;
  }
  const absl::Status text = timebank::NormaliseRequestText(request.get());
  if (!text.ok()) {
    TB_CHECK(IsRefusalOfTheRequest(text));
    return 0;
  }
  const std::string once = request->SerializeAsString();
  TB_CHECK(timebank::NormaliseRequestText(request.get()).ok());
  TB_CHECK(request->SerializeAsString() == once);
  return 0;
}
