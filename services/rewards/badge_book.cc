#include "services/rewards/badge_book.h"

#include "absl/strings/str_cat.h"
#include "services/common/records/record_tx.h"
#include "services/rewards/rewards_records.h"
#include "storage/absl_compat.h"
#include "storage/check.h"

namespace timebank::rewards {

std::shared_ptr<const BadgeRules> DefaultBadgeRules() {
  static const std::shared_ptr<const BadgeRules>* const rules = [] {
    absl::StatusOr<BadgeRules> parsed = ParseBadgeRules(DefaultBadgeRulesText());
    TB_CHECK(parsed.ok());  // the compiled-in default rules must validate
    return new std::shared_ptr<const BadgeRules>(
        std::make_shared<const BadgeRules>(*std::move(parsed)));
  }();
  return *rules;
}

absl::StatusOr<std::shared_ptr<const BadgeRules>> ReadRulesInForce(
    storage::KvStore* store, const storage::Snapshot* snapshot, uint64_t c) {
  records::StoreReader reader(store, kRecords, snapshot);
  TB_ASSIGN_OR_RETURN(std::optional<BadgeRules> rules,
                      records::ReadRecord<BadgeRules>(reader, RulesKey(c), "the badge rules"));
  if (!rules.has_value()) return DefaultBadgeRules();
  return std::make_shared<const BadgeRules>(*std::move(rules));
}

absl::StatusOr<MemberBadges> ReadMemberBadges(storage::KvStore* store,
                                              const storage::Snapshot* snapshot, uint64_t c,
                                              uint64_t member) {
  std::string bytes;
  TB_ASSIGN_OR_RETURN(bool found, store->Get(kRecords, BadgesKey(c, member), &bytes, snapshot));
  if (!found) return MemberBadges();
  return MemberBadges::Decode(bytes);
}

absl::StatusOr<rpb::BadgeEvidence> ReadBadgeEvidence(storage::KvStore* store,
                                                     const storage::Snapshot* snapshot, uint64_t c,
                                                     uint64_t member, std::string_view badge_id,
                                                     uint32_t award) {
  records::StoreReader reader(store, kRecords, snapshot);
  return records::LoadRecord<rpb::BadgeEvidence>(
      reader, EvidenceKey(c, member, badge_id, award), "a badge's evidence",
      absl::StrCat("no evidence is kept for award ", award, " of badge \"", AsAbsl(badge_id),
                   "\""));
}

const BadgeRule* FindRule(const BadgeRules& rules, std::string_view badge_id) {
  for (const BadgeRule& r : rules.rules()) {
    if (r.id() == badge_id) return &r;
  }
  return nullptr;
}

}  // namespace timebank::rewards
