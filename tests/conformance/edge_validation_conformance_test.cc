// Validation at the edge: for every RPC of every service (found from the
// descriptors), every enum field reachable in its request set to a value its enum
// does not declare, and every Timestamp field given nanos -1 or 1,000,000,000 (and
// seconds past 9999), answers INVALID_ARGUMENT naming that field's path
// ("transfers[0].coproduction_type", "occurred_at.nanos"), for a caller who may call
// the method, and writes nothing: the ledger's journal head and every record of the
// directory, activity and expenses stores are unchanged.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>

#include <functional>
#include <set>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/common/request_check.h"
#include "tests/common/test_util.h"
#include "tests/conformance/conformance_node.h"
#include "timebank/activity/v1/activity.pb.h"

namespace timebank::testing {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MethodDescriptor;

constexpr int kMaxDepth = 6;  // deeper than any request nests; stops recursive types

// A path from the request to one field: the fields on the way (each repeated one at
// index 0) and the field itself.
using FieldPath = std::vector<const FieldDescriptor*>;

std::string PathName(const FieldPath& path) {
  std::string out;
  for (const FieldDescriptor* f : path) {
    absl::StrAppend(&out, out.empty() ? "" : ".", f->name(), f->is_repeated() ? "[0]" : "");
  }
  return out;
}

bool IsTimestamp(const FieldDescriptor* f) {
  return f->type() == FieldDescriptor::TYPE_MESSAGE &&
         f->message_type()->full_name() == "google.protobuf.Timestamp";
}

// Every enum and Timestamp field reachable from `type`.
void Collect(const Descriptor* type, FieldPath* prefix, std::vector<FieldPath>* enums,
             std::vector<FieldPath>* times) {
  if (prefix->size() >= kMaxDepth) return;
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* f = type->field(i);
    prefix->push_back(f);
    if (f->type() == FieldDescriptor::TYPE_ENUM) {
      enums->push_back(*prefix);
    } else if (IsTimestamp(f)) {
      times->push_back(*prefix);
    } else if (f->type() == FieldDescriptor::TYPE_MESSAGE && !f->is_map()) {
      Collect(f->message_type(), prefix, enums, times);
    }
    prefix->pop_back();
  }
}

// The message holding the last field of `path` (creating what is on the way; a
// repeated field's element 0).
Message* Holder(Message* m, const FieldPath& path) {
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    const FieldDescriptor* f = path[i];
    const auto* r = m->GetReflection();
    if (!f->is_repeated()) {
      m = r->MutableMessage(m, f);
    } else {
      m = r->FieldSize(*m, f) > 0 ? r->MutableRepeatedMessage(m, f, 0) : r->AddMessage(m, f);
    }
  }
  return m;
}

int Undeclared(const google::protobuf::EnumDescriptor* e) {
  int max = 0;
  for (int i = 0; i < e->value_count(); ++i) max = std::max(max, e->value(i)->number());
  return max + 1;
}

class EdgeValidationConformanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto node = ConformanceNode::Start(dir_.Sub("data"));
    ASSERT_TRUE(node.ok()) << node.status();
    node_ = std::move(*node);
  }

  // Calls `method` with a filled request that `spoil` made bad, expecting a refusal
  // that names `field` and writes nothing.
  void ExpectRefused(const MethodDescriptor* method, const std::string& field,
                     const std::function<void(Message*)>& spoil) {
    SCOPED_TRACE(absl::StrCat(MethodKey(method), " ", field));
    std::unique_ptr<Message> request(factory_.GetPrototype(method->input_type())->New());
    node_->Fill(request.get());
    spoil(request.get());
    ASSERT_TRUE(node_->WaitQuiet());
    const std::string before = node_->StoredState();
    const std::string caller = node_->AllowedCaller(method);
    const grpc::Status s = node_->Call(MethodPath(method), *request, node_->TokenFor(caller));
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << "as " << caller << ": " << s.error_message();
    EXPECT_TRUE(absl::StartsWith(s.error_message(), field + ": ")) << s.error_message();
    ASSERT_TRUE(node_->WaitQuiet());
    EXPECT_EQ(node_->StoredState(), before) << "a refused call wrote something";
    ++refusals_;
  }

  TempDir dir_;
  std::unique_ptr<ConformanceNode> node_;
  google::protobuf::DynamicMessageFactory factory_;
  int refusals_ = 0;
};

TEST_F(EdgeValidationConformanceTest, EveryEnumAndTimeInEveryRequestIsCheckedWhereItEnters) {
  int enum_fields = 0, time_fields = 0;
  for (const auto* service : AllServices()) {
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* method = service->method(i);
      std::vector<FieldPath> enums, times;
      FieldPath prefix;
      Collect(method->input_type(), &prefix, &enums, &times);
      for (const FieldPath& path : enums) {
        ++enum_fields;
        const FieldDescriptor* f = path.back();
        const int bad = Undeclared(f->enum_type());
        ExpectRefused(method, PathName(path), [&](Message* m) {
          Message* holder = Holder(m, path);
          const auto* r = holder->GetReflection();
          if (f->is_repeated()) {
            r->AddEnumValue(holder, f, bad);
          } else {
            r->SetEnumValue(holder, f, bad);
          }
        });
      }
      for (const FieldPath& path : times) {
        ++time_fields;
        const struct {
          const char* part;
          int64_t seconds;
          int32_t nanos;
        } spoilt[] = {{"nanos", 1'700'000'000, -1},
                      {"nanos", 1'700'000'000, 1'000'000'000},
                      {"seconds", kMaxTimestampSeconds + 1, 0}};
        for (const auto& t : spoilt) {
          ExpectRefused(method, absl::StrCat(PathName(path), ".", t.part), [&](Message* m) {
            Message* holder = Holder(m, path);
            const auto* r = holder->GetReflection();
            Message* ts = path.back()->is_repeated() ? r->AddMessage(holder, path.back())
                                                     : r->MutableMessage(holder, path.back());
            const auto* tr = ts->GetReflection();
            tr->SetInt64(ts, ts->GetDescriptor()->FindFieldByName("seconds"), t.seconds);
            tr->SetInt32(ts, ts->GetDescriptor()->FindFieldByName("nanos"), t.nanos);
          });
        }
      }
    }
  }
  // The API has dozens of each; a walk that finds few is broken.
  EXPECT_GT(enum_fields, 40);
  EXPECT_GT(time_fields, 20);
  EXPECT_EQ(refusals_, enum_fields + 3 * time_fields);
}

// The examples the issue found from outside, with requests that are valid but for the
// one field: before, the first answered OK and left an activity the ledger refused.
TEST_F(EdgeValidationConformanceTest, TheIssuesExamplesAreRefusedBeforeAnythingIsWritten) {
  namespace apb = ::timebank::activity::v1;
  namespace lpb = ::timebank::ledger::v1;
  const std::string coordinator = node_->TokenFor("coo");
  const uint64_t member = node_->one().member.subject_id();
  apb::LogContributionsRequest log;
  log.set_community_id(1);
  log.set_organisation_id(1);
  log.add_member_ids(member);
  log.set_minutes(60);
  log.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(absl::Now()) - 3600);
  log.set_description("co-design workshop");
  log.set_coproduction_type(lpb::COPRODUCTION_TYPE_CO_DESIGN);
  const std::string path = "/timebank.activity.v1.ActivityService/LogContributions";
  auto refused = [&](const Message& request, const std::string& method, const std::string& field) {
    SCOPED_TRACE(field);
    ASSERT_TRUE(node_->WaitQuiet());
    const std::string before = node_->StoredState();
    const grpc::Status s = node_->Call(method, request, coordinator);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
    EXPECT_TRUE(absl::StartsWith(s.error_message(), field + ": ")) << s.error_message();
    ASSERT_TRUE(node_->WaitQuiet());
    EXPECT_EQ(node_->StoredState(), before);
  };
  apb::LogContributionsRequest bad = log;
  bad.set_coproduction_type(static_cast<lpb::CoproductionType>(17));
  refused(bad, path, "coproduction_type");
  bad = log;
  bad.mutable_occurred_at()->set_nanos(-1);
  refused(bad, path, "occurred_at.nanos");
  bad = log;
  bad.set_input(static_cast<apb::InputKind>(9));
  refused(bad, path, "input");

  auto found = node_->node()->directory()->GetMember(1, member);
  ASSERT_TRUE(found.ok());
  apb::ImportContributionsRequest import;
  import.set_community_id(1);
  import.set_organisation_id(1);
  apb::ImportRow* row = import.add_rows();
  row->set_member_number(found->member_number());
  row->set_date(absl::FormatTime("%Y-%m-%d", absl::Now() - absl::Hours(48), absl::UTCTimeZone()));
  row->set_minutes(60);
  row->set_coproduction_type(lpb::COPRODUCTION_TYPE_CO_DELIVERY);
  row->set_input(static_cast<apb::InputKind>(7));
  refused(import, "/timebank.activity.v1.ActivityService/ImportContributions", "rows[0].input");

  apb::ListActivitiesRequest list;
  list.set_community_id(1);
  list.set_state(static_cast<apb::ActivityState>(42));
  refused(list, "/timebank.activity.v1.ActivityService/ListActivities", "state");

  // The same contribution, valid, is logged (so the refusals above were about the field).
  ASSERT_TRUE(node_->WaitQuiet());
  const std::string before = node_->StoredState();
  apb::LogContributionsResponse logged;
  const grpc::Status ok = node_->Call(path, log, coordinator, &logged);
  ASSERT_TRUE(ok.ok()) << ok.error_message();
  EXPECT_EQ(logged.activities_size(), 1);
  ASSERT_TRUE(node_->WaitQuiet());
  EXPECT_NE(node_->StoredState(), before);
}

}  // namespace
}  // namespace timebank::testing
