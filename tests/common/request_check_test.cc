// RequestCheck, the generic edge validation of enums and times, on a message type
// made for the test that has every shape a request can have: singular, repeated,
// nested, oneof, map and recursive fields, a sparse enum, Timestamps and Durations.
#include "services/common/request_check.h"

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/duration.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/timestamp.pb.h>

#include <functional>
#include <memory>

#include "gtest/gtest.h"
#include "timebank/activity/v1/activity.pb.h"
#include "timebank/system/v1/system.pb.h"

namespace timebank {
namespace {

using google::protobuf::Message;

constexpr char kShapes[] = R"pb(
  name: "request_check_test.proto"
  package: "tbtest"
  syntax: "proto3"
  dependency: "google/protobuf/timestamp.proto"
  dependency: "google/protobuf/duration.proto"
  enum_type {
    name: "Colour"
    value { name: "COLOUR_UNSPECIFIED" number: 0 }
    value { name: "COLOUR_RED" number: 1 }
    value { name: "COLOUR_BLUE" number: 2 }
  }
  enum_type {
    name: "Sparse"
    value { name: "SPARSE_ZERO" number: 0 }
    value { name: "SPARSE_TEN" number: 10 }
  }
  message_type {
    name: "Inner"
    field {
      name: "colour"
      number: 1
      label: LABEL_OPTIONAL
      type: TYPE_ENUM
      type_name: ".tbtest.Colour"
    }
    field {
      name: "at"
      number: 2
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.Timestamp"
    }
  }
  message_type {
    name: "Shapes"
    field {
      name: "colour"
      number: 1
      label: LABEL_OPTIONAL
      type: TYPE_ENUM
      type_name: ".tbtest.Colour"
    }
    field {
      name: "sparse"
      number: 2
      label: LABEL_OPTIONAL
      type: TYPE_ENUM
      type_name: ".tbtest.Sparse"
    }
    field {
      name: "colours"
      number: 3
      label: LABEL_REPEATED
      type: TYPE_ENUM
      type_name: ".tbtest.Colour"
    }
    field {
      name: "inner"
      number: 4
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".tbtest.Inner"
    }
    field {
      name: "inners"
      number: 5
      label: LABEL_REPEATED
      type: TYPE_MESSAGE
      type_name: ".tbtest.Inner"
    }
    field {
      name: "at"
      number: 6
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.Timestamp"
    }
    field {
      name: "ats"
      number: 7
      label: LABEL_REPEATED
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.Timestamp"
    }
    field {
      name: "took"
      number: 8
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.Duration"
    }
    field {
      name: "choice_colour"
      number: 9
      label: LABEL_OPTIONAL
      type: TYPE_ENUM
      type_name: ".tbtest.Colour"
      oneof_index: 0
    }
    field {
      name: "choice_inner"
      number: 10
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".tbtest.Inner"
      oneof_index: 0
    }
    field {
      name: "by_name"
      number: 11
      label: LABEL_REPEATED
      type: TYPE_MESSAGE
      type_name: ".tbtest.Shapes.ByNameEntry"
    }
    field {
      name: "inner_by_id"
      number: 12
      label: LABEL_REPEATED
      type: TYPE_MESSAGE
      type_name: ".tbtest.Shapes.InnerByIdEntry"
    }
    field {
      name: "child"
      number: 13
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".tbtest.Shapes"
    }
    field { name: "label" number: 14 label: LABEL_OPTIONAL type: TYPE_STRING }
    oneof_decl { name: "choice" }
    nested_type {
      name: "ByNameEntry"
      field { name: "key" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
      field {
        name: "value"
        number: 2
        label: LABEL_OPTIONAL
        type: TYPE_ENUM
        type_name: ".tbtest.Colour"
      }
      options { map_entry: true }
    }
    nested_type {
      name: "InnerByIdEntry"
      field { name: "key" number: 1 label: LABEL_OPTIONAL type: TYPE_UINT64 }
      field {
        name: "value"
        number: 2
        label: LABEL_OPTIONAL
        type: TYPE_MESSAGE
        type_name: ".tbtest.Inner"
      }
      options { map_entry: true }
    }
  }
  message_type {
    name: "Plain"
    field { name: "n" number: 1 label: LABEL_OPTIONAL type: TYPE_INT64 }
    field { name: "s" number: 2 label: LABEL_OPTIONAL type: TYPE_STRING }
  }
)pb";

class RequestCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The well-known types come from the generated pool.
    (void)google::protobuf::Timestamp::descriptor();
    (void)google::protobuf::Duration::descriptor();
    google::protobuf::FileDescriptorProto file;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(kShapes, &file));
    ASSERT_NE(pool_.BuildFile(file), nullptr);
    // The same shapes with every enum an int32 ("tbloose"): text format refuses
    // undeclared enum values, so tests write them there and move the bytes over.
    file.set_name("request_check_loose.proto");
    file.set_package("tbloose");
    file.clear_enum_type();
    std::function<void(google::protobuf::DescriptorProto*)> loosen =
        [&](google::protobuf::DescriptorProto* m) {
          for (auto& f : *m->mutable_field()) {
            if (f.type() == google::protobuf::FieldDescriptorProto::TYPE_ENUM) {
              f.set_type(google::protobuf::FieldDescriptorProto::TYPE_INT32);
              f.clear_type_name();
            } else if (f.type_name().rfind(".tbtest.", 0) == 0) {
              f.set_type_name(".tbloose." + f.type_name().substr(8));
            }
          }
          for (auto& n : *m->mutable_nested_type()) loosen(&n);
        };
    for (auto& m : *file.mutable_message_type()) loosen(&m);
    ASSERT_NE(pool_.BuildFile(file), nullptr);
  }

  std::unique_ptr<Message> New(const std::string& type) {
    const auto* d = pool_.FindMessageTypeByName(type);
    EXPECT_NE(d, nullptr) << type;
    return std::unique_ptr<Message>(factory_.GetPrototype(d)->New());
  }
  // A Shapes message from text format, enum fields by number (declared or not).
  std::unique_ptr<Message> Shapes(const std::string& text) {
    std::unique_ptr<Message> loose = New("tbloose.Shapes");
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, loose.get())) << text;
    std::unique_ptr<Message> m = New("tbtest.Shapes");
    EXPECT_TRUE(m->ParseFromString(loose->SerializeAsString()));
    return m;
  }
  // The message of the check's refusal, or "OK".
  std::string Verdict(const std::string& text) {
    std::unique_ptr<Message> m = Shapes(text);
    absl::Status s = RequestCheck::For(m->GetDescriptor())->Check(*m);
    if (s.ok()) return "OK";
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    return std::string(s.message());
  }
  // The path part of a refusal ("colours[1]").
  std::string Path(const std::string& text) {
    const std::string v = Verdict(text);
    return v == "OK" ? v : v.substr(0, v.find(':'));
  }

  google::protobuf::DescriptorPool pool_{google::protobuf::DescriptorPool::generated_pool()};
  google::protobuf::DynamicMessageFactory factory_;
};

TEST_F(RequestCheckTest, DeclaredValuesAndUnsetFieldsPass) {
  EXPECT_EQ(Verdict(""), "OK");
  EXPECT_EQ(Verdict(R"(colour: 2 sparse: 10 colours: [0, 1, 2]
                       inner { colour: 1 at { seconds: 1700000000 nanos: 999999999 } }
                       inners { colour: 2 } at { seconds: -62135596800 } ats { seconds: 253402300799 }
                       took { seconds: -315576000000 nanos: -999999999 } choice_colour: 1
                       by_name { key: "x" value: 2 } inner_by_id { key: 7 value { colour: 1 } }
                       child { child { colour: 2 } } label: "anything")"),
            "OK");
}

TEST_F(RequestCheckTest, AnUndeclaredEnumValueIsRefusedWhereverItIs) {
  EXPECT_EQ(Path("colour: 3"), "colour");
  EXPECT_EQ(Path("colour: -1"), "colour");
  EXPECT_EQ(Path("sparse: 5"), "sparse");  // inside the range, but not declared
  EXPECT_EQ(Path("colours: [1, 9, 2]"), "colours[1]");
  EXPECT_EQ(Path("inner { colour: 4 }"), "inner.colour");
  EXPECT_EQ(Path("inners { colour: 1 } inners {} inners { colour: 8 }"), "inners[2].colour");
  EXPECT_EQ(Path("choice_colour: 77"), "choice_colour");
  EXPECT_EQ(Path("choice_inner { colour: 77 }"), "choice_inner.colour");
  EXPECT_EQ(Path(R"(by_name { key: "ok" value: 1 } by_name { key: "bad" value: 5 })"),
            "by_name[\"bad\"]");
  EXPECT_EQ(Path("inner_by_id { key: 7 value { colour: 5 } }"), "inner_by_id[7].colour");
  EXPECT_EQ(Path("child { child { child { colour: 6 } } }"), "child.child.child.colour");
}

TEST_F(RequestCheckTest, TheRefusalNamesTheEnumAndItsValues) {
  EXPECT_EQ(Verdict("colour: 3"),
            "colour: 3 is not a value of tbtest.Colour; use one of COLOUR_UNSPECIFIED, COLOUR_RED, "
            "COLOUR_BLUE");
}

TEST_F(RequestCheckTest, TimestampsMustBeWithinTheWellKnownTypesRange) {
  EXPECT_EQ(Path("at { nanos: -1 }"), "at.nanos");
  EXPECT_EQ(Path("at { nanos: 1000000000 }"), "at.nanos");
  EXPECT_EQ(Path("at { seconds: -62135596801 }"), "at.seconds");
  EXPECT_EQ(Path("at { seconds: 253402300800 }"), "at.seconds");
  EXPECT_EQ(Path("ats {} ats { nanos: -5 }"), "ats[1].nanos");
  EXPECT_EQ(Path("inner { at { nanos: -1 } }"), "inner.at.nanos");
  EXPECT_EQ(Path("inner_by_id { key: 3 value { at { nanos: -1 } } }"), "inner_by_id[3].at.nanos");
  EXPECT_NE(Verdict("at { nanos: -1 }").find("0..999999999"), std::string::npos);
}

TEST_F(RequestCheckTest, DurationsMustBeWithinRangeWithNanosOfTheSameSign) {
  EXPECT_EQ(Verdict("took { seconds: 5 nanos: 5 }"), "OK");
  EXPECT_EQ(Verdict("took { nanos: -5 }"), "OK");
  EXPECT_EQ(Path("took { seconds: 315576000001 }"), "took.seconds");
  EXPECT_EQ(Path("took { seconds: 1 nanos: -1 }"), "took.nanos");
  EXPECT_EQ(Path("took { seconds: -1 nanos: 1 }"), "took.nanos");
  EXPECT_EQ(Path("took { nanos: 1000000000 }"), "took.nanos");
}

TEST_F(RequestCheckTest, TypesWithNothingToCheckAreEmpty) {
  EXPECT_TRUE(RequestCheck::For(New("tbtest.Plain")->GetDescriptor())->empty());
  EXPECT_FALSE(RequestCheck::For(New("tbtest.Shapes")->GetDescriptor())->empty());
  EXPECT_TRUE(RequestCheck::For(::timebank::system::v1::PingRequest::descriptor())->empty());
  // A request with enums and times; the check is built once and kept.
  const auto* log = ::timebank::activity::v1::LogContributionsRequest::descriptor();
  EXPECT_FALSE(RequestCheck::For(log)->empty());
  EXPECT_EQ(RequestCheck::For(log), RequestCheck::For(log));
}

TEST_F(RequestCheckTest, GeneratedMessagesAreCheckedToo) {
  ::timebank::activity::v1::LogContributionsRequest r;
  r.set_coproduction_type(static_cast<::timebank::ledger::v1::CoproductionType>(17));
  absl::Status s = RequestCheck::For(r.GetDescriptor())->Check(r);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message().substr(0, 21), "coproduction_type: 17");
  r.set_coproduction_type(::timebank::ledger::v1::COPRODUCTION_TYPE_CO_DESIGN);
  r.mutable_occurred_at()->set_nanos(-1);
  s = RequestCheck::For(r.GetDescriptor())->Check(r);
  EXPECT_EQ(s.message().substr(0, 18), "occurred_at.nanos:");
}

}  // namespace
}  // namespace timebank
