// The one parser of what people type (clients/common/typed_input.h) against the cases
// every client shares (tests/data/typed_input_cases.json), plus what the cases file
// cannot say: the wording of refusals and money as people read it.
#include "clients/common/typed_input.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "services/common/text_formats.h"

namespace timebank::cli {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

Struct LoadCases() {
  std::ifstream in(TYPED_INPUT_CASES);
  std::stringstream text;
  text << in.rdbuf();
  Struct cases;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(text.str(), &cases).ok())
      << "cannot read " << TYPED_INPUT_CASES;
  return cases;
}

const google::protobuf::ListValue& List(const Struct& cases, const std::string& name) {
  static const google::protobuf::ListValue kEmpty;
  auto it = cases.fields().find(name);
  return it == cases.fields().end() ? kEmpty : it->second.list_value();
}

std::string Str(const Value& v, const std::string& field) {
  auto it = v.struct_value().fields().find(field);
  return it == v.struct_value().fields().end() ? "" : it->second.string_value();
}
bool Has(const Value& v, const std::string& field) {
  return v.struct_value().fields().contains(field);
}
int64_t Num(const Value& v, const std::string& field) {
  return static_cast<int64_t>(v.struct_value().fields().at(field).number_value());
}

absl::CivilDay Day(const std::string& iso) {
  absl::CivilDay d;
  EXPECT_TRUE(absl::ParseCivilTime(iso, &d)) << iso;
  return d;
}

// Runs every case of `list` (at least `min_cases`): `parse` reads its text; a case with
// the field `want` must give `expected(case)`, one without it must be refused
// INVALID_ARGUMENT.
template <class Parse, class Expected>
void CheckCases(const std::string& list, int min_cases, const std::string& want, Parse parse,
                Expected expected) {
  const Struct all = LoadCases();
  const google::protobuf::ListValue& cases = List(all, list);
  ASSERT_GE(cases.values_size(), min_cases) << list;
  for (const Value& c : cases.values()) {
    const std::string text = Str(c, "text");
    const auto got = parse(c, text);
    if (Has(c, want)) {
      ASSERT_TRUE(got.ok()) << "'" << text << "': " << got.status();
      EXPECT_EQ(*got, expected(c)) << "'" << text << "'";
    } else {
      EXPECT_FALSE(got.ok()) << "'" << text << "' was accepted";
      if (!got.ok()) EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument) << text;
    }
  }
}

TEST(TypedInputTest, DurationsAsPeopleTypeThem) {
  CheckCases(
      "durations", 30, "minutes",
      [](const Value& c, const std::string& text) {
        return ParseDurationMinutes(
            text, Str(c, "bare") == "hours" ? BareNumber::kHours : BareNumber::kMinutes);
      },
      [](const Value& c) { return Num(c, "minutes"); });
}

TEST(TypedInputTest, DaysAsPeopleTypeThem) {
  CheckCases(
      "days", 20, "day",
      [](const Value& c, const std::string& text) { return ParseDay(text, Day(Str(c, "today"))); },
      [](const Value& c) { return Day(Str(c, "day")); });
}

TEST(TypedInputTest, MoneyAsPeopleTypeIt) {
  CheckCases(
      "money", 20, "minor",
      [](const Value& c, const std::string& text) {
        return ParseMoneyMinor(text, Str(c, "currency"));
      },
      [](const Value& c) { return Num(c, "minor"); });
}

TEST(TypedInputTest, RefusalsSayHowToWriteIt) {
  EXPECT_NE(ParseDurationMinutes("1x").status().message().find("1h30m, 1:30, 90m or 1.5h"),
            std::string::npos);
  // A bare decimal in a minutes field: the person probably meant hours.
  EXPECT_NE(ParseDurationMinutes("1.5").status().message().find("for hours write 1.5h"),
            std::string::npos);
  EXPECT_NE(ParseDay("25/11/26", absl::CivilDay(2026, 12, 1)).status().message().find("in full"),
            std::string::npos);
  EXPECT_NE(ParseDay("31/04/2026", absl::CivilDay(2026, 12, 1)).status().message().find("no such"),
            std::string::npos);
  // Money refusals show money, never minor units.
  const std::string m(ParseMoneyMinor("3.201", "GBP").status().message());
  EXPECT_NE(m.find("\u00a312.50"), std::string::npos) << m;
  EXPECT_NE(std::string(ParseMoneyMinor("\u20ac3", "GBP").status().message()).find("in GBP"),
            std::string::npos);
  // Nothing longer than a person types is read at all.
  EXPECT_FALSE(ParseDurationMinutes(std::string(kMaxTypedBytes + 1, '1')).ok());
}

TEST(TypedInputTest, PlainDecimalsInTheirUnit) {
  EXPECT_EQ(*ParseMinor("12.5", 2), 1250);
  EXPECT_EQ(*ParseMinor("12.3", 1), 123);
  EXPECT_EQ(*ParseMinor("7", 0), 7);
  EXPECT_FALSE(ParseMinor("12.345", 2).ok());
  EXPECT_FALSE(ParseMinor("-1", 2).ok());
  EXPECT_FALSE(ParseMinor("1,5", 1).ok());
}

TEST(TypedInputTest, MoneyAsPeopleReadIt) {
  EXPECT_EQ(FormatMoney(12000, "GBP"), "\u00a3120.00");
  EXPECT_EQ(FormatMoney(-5, "GBP"), "-\u00a30.05");
  EXPECT_EQ(FormatMoney(320, "EUR"), "\u20ac3.20");
  EXPECT_EQ(FormatMoney(1250, "CHF"), "12.50 CHF");
  EXPECT_EQ(FormatMoney(700, "JPY"), "700 JPY");
}

}  // namespace
}  // namespace timebank::cli
