// Badge rules files: parsing and validation (issue 13, point 4). A rules file is the
// protobuf text format of timebank.rewards.v1.BadgeRules; the default set ships in
// deploy/rewards/badge_rules.textproto and an admin may replace a community's set. A
// file that fails any check is refused whole, with INVALID_ARGUMENT naming the rule
// and the field (`rules[3] "steady": threshold must be > 0`), and RulesInForce keeps
// the previous rules in force. Every limit of a rules file is named here.
#ifndef TIMEBANK_SERVICES_REWARDS_BADGES_BADGE_RULES_H_
#define TIMEBANK_SERVICES_REWARDS_BADGES_BADGE_RULES_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "timebank/rewards/v1/badge_rules.pb.h"

namespace timebank::rewards {

using ::timebank::rewards::v1::BadgeRule;
using ::timebank::rewards::v1::BadgeRules;

// Limits of a rules file. Text limits are in bytes of UTF-8 after NFC normalisation.
struct BadgeRuleLimits {
  static constexpr int32_t kVersion = 1;  // the only file format version so far
  static constexpr size_t kRulesMax = 200;
  static constexpr size_t kIdBytesMax = 64;  // [a-z0-9-]
  static constexpr size_t kNameBytesMax = 128;
  static constexpr size_t kDescriptionBytesMax = 512;
  static constexpr size_t kCriteriaBytesMax = 1024;
  // Larger than any lifetime total (a million hours) but small enough that no
  // arithmetic on it can overflow.
  static constexpr int64_t kThresholdMax = int64_t{60} * 1000 * 1000;
  // A rules file is read whole; this bounds what is read before parsing starts.
  static constexpr size_t kFileBytesMax = size_t{1} << 20;
};

// 1..kIdBytesMax of [a-z0-9-]: the only form a badge id takes (rules, stored states).
bool IsValidBadgeId(std::string_view id);

// Parses a rules file and checks it (NormaliseBadgeRules). A syntax error is refused
// with its line and column ("line 12, column 5: ..."); so is an enum name the format
// does not know, such as a misspelt metric. A rule that fails a check is refused with
// NormaliseBadgeRules's message and where the rule starts: "... (the rule at line 40)".
absl::StatusOr<BadgeRules> ParseBadgeRules(std::string_view text);

// Reads and parses a rules file (at most kFileBytesMax): NOT_FOUND when it cannot be
// opened, otherwise ParseBadgeRules's answer with the path in front of its message.
absl::StatusOr<BadgeRules> LoadBadgeRulesFile(const std::string& path);

// Checks rules that arrived already parsed (through the API): the version, the number
// of rules, each rule's id, text, kind, metrics, threshold and Star type, and that ids
// are unique. OK or INVALID_ARGUMENT naming the first problem.
absl::Status ValidateBadgeRules(const BadgeRules& rules);

// ValidateBadgeRules, and the rules with their text in NFC (the form that is stored and
// shown, so the same file read twice gives the same rules).
absl::StatusOr<BadgeRules> NormaliseBadgeRules(BadgeRules rules);

// The rules a community's badges are evaluated with. Starts with an empty set (no
// badges); Replace swaps in a new set only when it is valid, so a bad file never takes
// the old rules out of force. Readers get an immutable snapshot that a concurrent
// Replace does not change under them.
class RulesInForce {
 public:
  RulesInForce();

  // The current rules (valid and normalised); never null.
  std::shared_ptr<const BadgeRules> Current() const ABSL_LOCKS_EXCLUDED(mu_);

  // Puts `rules` in force if they are valid; otherwise returns the refusal and keeps
  // the rules in force as they were.
  absl::Status Replace(BadgeRules rules) ABSL_LOCKS_EXCLUDED(mu_);

  // Replace with a rules file's text (ParseBadgeRules).
  absl::Status ReplaceFromText(std::string_view text) ABSL_LOCKS_EXCLUDED(mu_);

  // How many times rules were put in force; a change tells the projection to
  // re-evaluate every member's badges (Apply in badge_awards.h).
  uint64_t generation() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Install(BadgeRules rules) ABSL_LOCKS_EXCLUDED(mu_);

  mutable absl::Mutex mu_;
  std::shared_ptr<const BadgeRules> current_ ABSL_GUARDED_BY(mu_);
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_BADGES_BADGE_RULES_H_
