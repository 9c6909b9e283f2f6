#include "services/rewards/badges/badge_rules.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/text_format.h"
#include "services/common/text_rule.h"
#include "storage/absl_compat.h"
#include "storage/check.h"

namespace timebank::rewards {
namespace {

namespace rpb = ::timebank::rewards::v1;

// Keeps the first error the text-format parser reports, and its position (0-based, as
// the parser counts).
class FirstParseError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (seen_) return;
    seen_ = true;
    line_ = line;
    column_ = column;
    message_ = message;
  }
  bool seen() const { return seen_; }
  int line() const { return line_; }
  int column() const { return column_; }
  const std::string& message() const { return message_; }

 private:
  bool seen_ = false;
  int line_ = 0;
  int column_ = 0;
  std::string message_;
};

// The parser places an unknown enum name at the token after it, often on the next
// line; a person needs the line of the name itself: the last line up to the reported
// one that holds it.
int UnknownEnumLine(std::string_view text, const FirstParseError& error) {
  constexpr std::string_view kPrefix = "Unknown enumeration value of \"";
  std::string_view message = error.message();
  if (message.substr(0, kPrefix.size()) != kPrefix) return error.line();
  message.remove_prefix(kPrefix.size());
  const std::string_view name = message.substr(0, message.find('"'));
  int line = 0;
  int found = error.line();
  size_t start = 0;
  while (line <= error.line() && start <= text.size()) {
    const size_t end = std::min(text.find('\n', start), text.size());
    if (text.substr(start, end - start).find(name) != std::string_view::npos) found = line;
    start = end + 1;
    ++line;
  }
  return found;
}

std::string DescribeParseError(std::string_view text, const FirstParseError& error) {
  if (!error.seen()) return "syntax error";
  const int line = UnknownEnumLine(text, error);
  if (line != error.line()) return absl::StrFormat("line %d: %s", line + 1, error.message());
  return absl::StrFormat("line %d, column %d: %s", line + 1, error.column() + 1, error.message());
}

// `rules[3] "steady"`: how every message names a rule. The id is escaped and cut to
// its limit, since it may be what is wrong.
std::string RuleLabel(int index, const BadgeRule& rule) {
  std::string_view id = rule.id();
  if (id.size() > BadgeRuleLimits::kIdBytesMax) id = id.substr(0, BadgeRuleLimits::kIdBytesMax);
  return absl::StrFormat("rules[%d] \"%s\"", index, absl::CHexEscape(AsAbsl(id)));
}

absl::Status RuleError(const std::string& label, std::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(label, ": ", AsAbsl(problem)));
}

bool IsIdByte(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

absl::Status CheckId(const std::string& label, std::string_view id) {
  if (id.empty()) return RuleError(label, "id must not be empty");
  if (id.size() > BadgeRuleLimits::kIdBytesMax) {
    return RuleError(label, absl::StrFormat("id is %d bytes, more than %d", id.size(),
                                            BadgeRuleLimits::kIdBytesMax));
  }
  if (!IsValidBadgeId(id)) return RuleError(label, "id may hold only a-z, 0-9 and '-'");
  return absl::OkStatus();
}

// A required text field: not empty, and the project's text rule (which also puts it
// in NFC, in place).
absl::Status CheckRuleText(const std::string& label, std::string_view field, std::string* text,
                           const TextRule& rule) {
  if (text->empty()) return RuleError(label, absl::StrCat(AsAbsl(field), " must not be empty"));
  if (std::optional<TextProblem> problem = NormaliseTextInPlace(text, rule)) {
    return absl::InvalidArgumentError(
        DescribeTextProblem(absl::StrCat(label, ": ", AsAbsl(field)), *problem, rule));
  }
  return absl::OkStatus();
}

absl::Status CheckTexts(const std::string& label, BadgeRule* rule) {
  TB_RETURN_IF_ERROR(CheckRuleText(label, "name", rule->mutable_name(),
                                   {BadgeRuleLimits::kNameBytesMax, Lines::kOne}));
  TB_RETURN_IF_ERROR(CheckRuleText(label, "description", rule->mutable_description(),
                                   {BadgeRuleLimits::kDescriptionBytesMax, Lines::kMany}));
  return CheckRuleText(label, "criteria", rule->mutable_criteria(),
                       {BadgeRuleLimits::kCriteriaBytesMax, Lines::kMany});
}

absl::Status CheckMetric(const std::string& label, std::string_view field, int metric) {
  if (metric == rpb::METRIC_UNSPECIFIED) {
    return RuleError(label, absl::StrCat(AsAbsl(field), " must be set (METRIC_...)"));
  }
  if (!rpb::Metric_IsValid(metric)) {
    return RuleError(label, absl::StrFormat("%s %d is not a known metric", AsAbsl(field), metric));
  }
  return absl::OkStatus();
}

absl::Status CheckThreshold(const std::string& label, int64_t threshold) {
  if (threshold <= 0) return RuleError(label, "threshold must be > 0");
  if (threshold > BadgeRuleLimits::kThresholdMax) {
    return RuleError(label,
                     absl::StrFormat("threshold must be <= %d", BadgeRuleLimits::kThresholdMax));
  }
  return absl::OkStatus();
}

// A field the rule's kind does not use must be left unset, so that a rule never
// appears to say something it does not.
absl::Status CheckUnused(const std::string& label, std::string_view field, bool set,
                         std::string_view kind) {
  if (!set) return absl::OkStatus();
  return RuleError(label,
                   absl::StrCat(AsAbsl(field), " is not used by ", AsAbsl(kind), "; remove it"));
}

absl::Status CheckThresholdRule(const std::string& label, const BadgeRule& rule) {
  const std::string& kind = rpb::RuleKind_Name(rule.kind());
  TB_RETURN_IF_ERROR(CheckMetric(label, "metric", rule.metric()));
  TB_RETURN_IF_ERROR(CheckUnused(label, "second_metric", rule.second_metric() != 0, kind));
  TB_RETURN_IF_ERROR(CheckUnused(label, "star_type", rule.star_type() != 0, kind));
  return CheckThreshold(label, rule.threshold());
}

absl::Status CheckBothRule(const std::string& label, const BadgeRule& rule) {
  TB_RETURN_IF_ERROR(CheckMetric(label, "metric", rule.metric()));
  TB_RETURN_IF_ERROR(CheckMetric(label, "second_metric", rule.second_metric()));
  if (rule.second_metric() == rule.metric()) {
    return RuleError(label, "second_metric must differ from metric");
  }
  TB_RETURN_IF_ERROR(
      CheckUnused(label, "star_type", rule.star_type() != 0, rpb::RuleKind_Name(rule.kind())));
  return CheckThreshold(label, rule.threshold());
}

absl::Status CheckFirstOfStarRule(const std::string& label, const BadgeRule& rule) {
  const std::string& kind = rpb::RuleKind_Name(rule.kind());
  if (rule.star_type() == ledger::v1::COPRODUCTION_TYPE_UNSPECIFIED) {
    return RuleError(label, "star_type must be set (COPRODUCTION_TYPE_...)");
  }
  if (!ledger::v1::CoproductionType_IsValid(rule.star_type())) {
    return RuleError(label, absl::StrFormat("star_type %d is not a known Star type",
                                            static_cast<int>(rule.star_type())));
  }
  TB_RETURN_IF_ERROR(CheckUnused(label, "metric", rule.metric() != 0, kind));
  TB_RETURN_IF_ERROR(CheckUnused(label, "second_metric", rule.second_metric() != 0, kind));
  return CheckUnused(label, "threshold", rule.threshold() != 0, kind);
}

// The kind, and the fields that kind uses (and only those).
absl::Status CheckKindFields(const std::string& label, const BadgeRule& rule) {
  switch (rule.kind()) {
    case rpb::RULE_KIND_THRESHOLD:
      return CheckThresholdRule(label, rule);
    case rpb::RULE_KIND_BOTH:
      return CheckBothRule(label, rule);
    case rpb::RULE_KIND_FIRST_OF_STAR_TYPE:
      return CheckFirstOfStarRule(label, rule);
    case rpb::RULE_KIND_UNSPECIFIED:
      return RuleError(label, "kind must be set (RULE_KIND_...)");
    default:
      return RuleError(label, absl::StrFormat("kind %d is not a known rule kind",
                                              static_cast<int>(rule.kind())));
  }
}

absl::Status CheckFile(const BadgeRules& rules) {
  if (rules.version() != BadgeRuleLimits::kVersion) {
    return absl::InvalidArgumentError(
        absl::StrFormat("version must be %d (got %d)", BadgeRuleLimits::kVersion, rules.version()));
  }
  if (static_cast<size_t>(rules.rules_size()) > BadgeRuleLimits::kRulesMax) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "rules: %d rules, more than %d", rules.rules_size(), BadgeRuleLimits::kRulesMax));
  }
  return absl::OkStatus();
}

// The checks and NFC normalisation of every rule; on a refusal `*failed_rule` is the
// index of the rule at fault, or -1 when the file as a whole is.
absl::Status CheckAndNormalise(BadgeRules* rules, int* failed_rule) {
  *failed_rule = -1;
  TB_RETURN_IF_ERROR(CheckFile(*rules));
  absl::flat_hash_map<std::string, int> index_of_id;
  for (int i = 0; i < rules->rules_size(); ++i) {
    *failed_rule = i;
    BadgeRule* rule = rules->mutable_rules(i);
    const std::string label = RuleLabel(i, *rule);
    TB_RETURN_IF_ERROR(CheckId(label, rule->id()));
    auto [it, added] = index_of_id.try_emplace(rule->id(), i);
    if (!added) {
      return RuleError(label, absl::StrFormat("id is already used by rules[%d]", it->second));
    }
    TB_RETURN_IF_ERROR(CheckTexts(label, rule));
    TB_RETURN_IF_ERROR(CheckKindFields(label, *rule));
  }
  *failed_rule = -1;
  return absl::OkStatus();
}

// Where the rule at `index` starts in the file (1-based), or 0 when unknown.
int RuleLine(const google::protobuf::TextFormat::ParseInfoTree& where, int index) {
  const google::protobuf::FieldDescriptor* field =
      BadgeRules::descriptor()->FindFieldByName("rules");
  TB_CHECK(field != nullptr);
  return where.GetLocation(field, index).line + 1;
}

}  // namespace

bool IsValidBadgeId(std::string_view id) {
  if (id.empty() || id.size() > BadgeRuleLimits::kIdBytesMax) return false;
  for (char c : id) {
    if (!IsIdByte(c)) return false;
  }
  return true;
}

absl::StatusOr<BadgeRules> NormaliseBadgeRules(BadgeRules rules) {
  int failed_rule = -1;
  TB_RETURN_IF_ERROR(CheckAndNormalise(&rules, &failed_rule));
  return rules;
}

absl::Status ValidateBadgeRules(const BadgeRules& rules) {
  return NormaliseBadgeRules(rules).status();
}

absl::StatusOr<BadgeRules> ParseBadgeRules(std::string_view text) {
  if (text.size() > BadgeRuleLimits::kFileBytesMax) {
    return absl::InvalidArgumentError(absl::StrFormat("badge rules file is %d bytes, more than %d",
                                                      text.size(), BadgeRuleLimits::kFileBytesMax));
  }
  google::protobuf::TextFormat::Parser parser;
  FirstParseError error;
  parser.RecordErrorsTo(&error);
  google::protobuf::TextFormat::ParseInfoTree where;
  parser.WriteLocationsTo(&where);
  BadgeRules rules;
  google::protobuf::io::ArrayInputStream input(text.data(), static_cast<int>(text.size()));
  if (!parser.Parse(&input, &rules)) {
    return absl::InvalidArgumentError(
        absl::StrCat("badge rules file does not parse: ", DescribeParseError(text, error)));
  }
  int failed_rule = -1;
  if (absl::Status status = CheckAndNormalise(&rules, &failed_rule); !status.ok()) {
    const int line = failed_rule >= 0 ? RuleLine(where, failed_rule) : 0;
    if (line <= 0) return status;
    return absl::InvalidArgumentError(
        absl::StrCat(status.message(), " (the rule at line ", line, ")"));
  }
  return rules;
}

absl::StatusOr<BadgeRules> LoadBadgeRulesFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("badge rules file ", path, ": cannot open it"));
  std::string text;
  text.resize(BadgeRuleLimits::kFileBytesMax + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) {
    return absl::UnavailableError(absl::StrCat("badge rules file ", path, ": read failed"));
  }
  text.resize(static_cast<size_t>(in.gcount()));
  absl::StatusOr<BadgeRules> rules = ParseBadgeRules(text);
  if (!rules.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", rules.status().message()));
  }
  return rules;
}

RulesInForce::RulesInForce() {
  BadgeRules empty;
  empty.set_version(BadgeRuleLimits::kVersion);
  current_ = std::make_shared<const BadgeRules>(std::move(empty));
}

std::shared_ptr<const BadgeRules> RulesInForce::Current() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

uint64_t RulesInForce::generation() const {
  absl::MutexLock lock(&mu_);
  return generation_;
}

absl::Status RulesInForce::Replace(BadgeRules rules) {
  absl::StatusOr<BadgeRules> checked = NormaliseBadgeRules(std::move(rules));
  if (!checked.ok()) return checked.status();
  Install(*std::move(checked));
  return absl::OkStatus();
}

absl::Status RulesInForce::ReplaceFromText(std::string_view text) {
  absl::StatusOr<BadgeRules> checked = ParseBadgeRules(text);
  if (!checked.ok()) return checked.status();
  Install(*std::move(checked));
  return absl::OkStatus();
}

void RulesInForce::Install(BadgeRules rules) {
  auto next = std::make_shared<const BadgeRules>(std::move(rules));
  absl::MutexLock lock(&mu_);
  current_ = std::move(next);
  ++generation_;
}

}  // namespace timebank::rewards
