#include "services/rewards/badge_desk.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/common/timestamps.h"
#include "services/rewards/badge_book.h"
#include "services/rewards/rewards_records.h"
#include "storage/absl_compat.h"
#include "storage/check.h"

namespace timebank::rewards {
namespace {

namespace dpb = ::timebank::directory::v1;
using rpb::EarnedBadge;

const char* RoleName(int role) {
  switch (role) {
    case 1:
      return "given";
    case 2:
      return "received";
    case 3:
      return "donated";
    case 4:
      return "redeemed";
    default:
      return "";
  }
}

void SetTime(int64_t unix_ms, google::protobuf::Timestamp* ts) {
  ToTimestamp(unix_ms * 1'000'000, ts);
}

absl::StatusOr<EarnedBadge> ToEarned(storage::KvStore* store, const storage::Snapshot* snap,
                                     uint64_t c, uint64_t member, const BadgeState& s,
                                     const BadgeRule* rule) {
  EarnedBadge b;
  b.set_badge_id(s.badge_id);
  if (rule != nullptr) {
    b.set_name(rule->name());
    b.set_description(rule->description());
    b.set_criteria(rule->criteria());
  }
  SetTime(s.awarded_at_unix_ms, b.mutable_awarded_at());
  b.set_withdrawn(!s.awarded());
  if (!s.awarded()) SetTime(s.withdrawn_at_unix_ms, b.mutable_withdrawn_at());
  b.set_times_awarded(s.times_awarded);
  b.set_hidden(s.hidden);
  absl::StatusOr<rpb::BadgeEvidence> evidence =
      ReadBadgeEvidence(store, snap, c, member, s.badge_id, s.times_awarded);
  if (!evidence.ok() && !absl::IsNotFound(evidence.status())) return evidence.status();
  if (evidence.ok()) {
    for (const rpb::RecentActivity& a : evidence->items()) {
      rpb::BadgeEvidenceItem* item = b.add_evidence();
      item->set_transfer_id(a.transfer_id());
      item->set_role(RoleName(a.role()));
      item->set_minutes(a.minutes());
      SetTime(a.occurred_unix_ms(), item->mutable_occurred_at());
      item->set_star(static_cast<::timebank::ledger::v1::CoproductionType>(a.star()));
    }
  }
  return b;
}

}  // namespace

absl::StatusOr<MemberRef> MemberMeant(const dpb::Principal& caller, uint64_t c, uint64_t member,
                                      std::string_view what) {
  if (c == 0 && member == 0) {
    if (caller.kind() != dpb::Principal::KIND_MEMBER) {
      return absl::InvalidArgumentError(absl::StrCat(
          "community_id and member_id: give both (only a member has ", AsAbsl(what), " of their own)"));
    }
    return MemberRef{caller.community_id(), caller.subject_id()};
  }
  if (c == 0 || member == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("community_id and member_id: give both, or neither for your own ", AsAbsl(what)));
  }
  return MemberRef{c, member};
}

bool IsCallerMember(const dpb::Principal& caller, uint64_t c, uint64_t member) {
  return caller.kind() == dpb::Principal::KIND_MEMBER && caller.community_id() == c &&
         caller.subject_id() == member;
}

absl::StatusOr<std::vector<EarnedBadge>> EarnedBadges(storage::KvStore* store,
                                                      const storage::Snapshot* snap, uint64_t c,
                                                      uint64_t member, bool with_withdrawn,
                                                      bool with_hidden) {
  TB_ASSIGN_OR_RETURN(std::shared_ptr<const BadgeRules> rules, ReadRulesInForce(store, snap, c));
  TB_ASSIGN_OR_RETURN(MemberBadges badges, ReadMemberBadges(store, snap, c, member));
  // The rules' order first, then badges whose rule is gone (by id).
  std::vector<std::pair<const BadgeState*, const BadgeRule*>> order;
  for (const BadgeRule& r : rules->rules()) {
    if (const BadgeState* s = badges.Find(r.id())) order.emplace_back(s, &r);
  }
  for (const BadgeState& s : badges.states()) {
    if (FindRule(*rules, s.badge_id) == nullptr) order.emplace_back(&s, nullptr);
  }
  std::vector<EarnedBadge> out;
  for (const auto& [state, rule] : order) {
    if (!with_withdrawn && !state->awarded()) continue;
    if (!with_hidden && state->hidden) continue;
    TB_ASSIGN_OR_RETURN(EarnedBadge b, ToEarned(store, snap, c, member, *state, rule));
    out.push_back(std::move(b));
  }
  return out;
}

absl::StatusOr<rpb::ListBadgesResponse> BadgeDesk::List(const dpb::Principal& caller,
                                                        const rpb::ListBadgesRequest& req) {
  TB_ASSIGN_OR_RETURN(MemberRef m,
                      MemberMeant(caller, req.community_id(), req.member_id(), "badges"));
  TB_RETURN_IF_ERROR(people_->Member(m.community_id, m.member_id).status());
  storage::KvStore* store = projection_->store();
  std::shared_ptr<const storage::Snapshot> snap = store->GetSnapshot();
  TB_ASSIGN_OR_RETURN(std::vector<EarnedBadge> badges,
                      EarnedBadges(store, snap.get(), m.community_id, m.member_id, true,
                                   IsCallerMember(caller, m.community_id, m.member_id)));
  rpb::ListBadgesResponse out;
  for (EarnedBadge& b : badges) *out.add_badges() = std::move(b);
  return out;
}

absl::StatusOr<EarnedBadge> BadgeDesk::Hide(const dpb::Principal& caller,
                                            const rpb::HideBadgeRequest& req) {
  TB_ASSIGN_OR_RETURN(MemberRef m,
                      MemberMeant(caller, req.community_id(), req.member_id(), "badges"));
  if (!IsValidBadgeId(req.badge_id())) {
    return absl::InvalidArgumentError(
        absl::StrFormat("badge_id: \"%s\" is not a badge id (1 to %d of a-z, 0-9 and -)",
                        absl::CHexEscape(AsAbsl(req.badge_id())), BadgeRuleLimits::kIdBytesMax));
  }
  TB_RETURN_IF_ERROR(people_->Member(m.community_id, m.member_id).status());
  rpb::RecognitionEvent event;
  event.set_community_id(m.community_id);
  event.set_at_unix_ms(absl::ToUnixMillis(clock_->Now()));
  event.set_by_member_id(caller.subject_id());
  event.mutable_badge_hidden()->set_member_id(m.member_id);
  event.mutable_badge_hidden()->set_badge_id(req.badge_id());
  event.mutable_badge_hidden()->set_hidden(req.hidden());
  TB_RETURN_IF_ERROR(projection_->Record(std::move(event)).status());
  storage::KvStore* store = projection_->store();
  std::shared_ptr<const storage::Snapshot> snap = store->GetSnapshot();
  TB_ASSIGN_OR_RETURN(std::vector<EarnedBadge> badges,
                      EarnedBadges(store, snap.get(), m.community_id, m.member_id, true, true));
  for (EarnedBadge& b : badges) {
    if (b.badge_id() == req.badge_id()) return std::move(b);
  }
  return absl::InternalError("a badge just shown or hidden is not among the member's badges");
}

absl::StatusOr<rpb::BadgeRulesInForce> BadgeDesk::Rules(uint64_t c) {
  if (c == 0) return absl::InvalidArgumentError("community_id: give the community");
  TB_RETURN_IF_ERROR(people_->Community(c).status());
  storage::KvStore* store = projection_->store();
  std::shared_ptr<const storage::Snapshot> snap = store->GetSnapshot();
  TB_ASSIGN_OR_RETURN(std::shared_ptr<const BadgeRules> rules,
                      ReadRulesInForce(store, snap.get(), c));
  rpb::BadgeRulesInForce out;
  out.set_community_id(c);
  *out.mutable_rules() = *rules;
  out.set_defaults(rules == DefaultBadgeRules());
  return out;
}

absl::StatusOr<rpb::BadgeRulesInForce> BadgeDesk::SetRules(const dpb::Principal& caller,
                                                           const rpb::SetBadgeRulesRequest& req) {
  if (req.community_id() == 0)
    return absl::InvalidArgumentError("community_id: give the community");
  absl::StatusOr<BadgeRules> rules = NormaliseBadgeRules(req.rules());
  if (!rules.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("rules: ", rules.status().message(),
                     "; nothing was changed: the badges in force stay as they are"));
  }
  TB_RETURN_IF_ERROR(people_->Community(req.community_id()).status());
  rpb::BadgeRulesInForce out;
  out.set_community_id(req.community_id());
  *out.mutable_rules() = *rules;
  if (req.validate_only()) return out;
  rpb::RecognitionEvent event;
  event.set_community_id(req.community_id());
  event.set_at_unix_ms(absl::ToUnixMillis(clock_->Now()));
  event.set_by_member_id(caller.subject_id());
  *event.mutable_rules_set() = *std::move(rules);
  TB_RETURN_IF_ERROR(projection_->Record(std::move(event)).status());
  return out;
}

}  // namespace timebank::rewards
