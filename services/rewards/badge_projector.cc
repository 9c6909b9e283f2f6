#include "services/rewards/badge_projector.h"

#include <algorithm>

#include "services/rewards/analysis/streaks.h"
#include "services/rewards/analysis/weeks.h"
#include "services/rewards/badge_book.h"
#include "services/rewards/notice_log.h"
#include "services/rewards/rewards_records.h"
#include "services/rewards/streak_pauses.h"
#include "storage/check.h"

namespace timebank::rewards {
namespace {

namespace lpb = ::timebank::ledger::v1;
namespace xpb = ::timebank::rewards::v1;
using rpb::MemberRecord;
using rpb::RecentActivities;
using rpb::RecentActivity;
using rpb::TransferFacts;

// RecentActivity.role.
enum Role : int { kGiven = 1, kReceived = 2, kDonated = 3, kRedeemed = 4 };

int64_t StarCount(const MemberRecord& r, lpb::CoproductionType type) {
  const int i = static_cast<int>(type) - 1;
  return i >= 0 && i < r.star().count_size() ? r.star().count(i) : 0;
}

// Whether a transfer the member took part in counts towards `metric`.
bool CountsTowards(rpb::Metric metric, const RecentActivity& a) {
  switch (metric) {
    case rpb::METRIC_MINUTES_GIVEN:
    case rpb::METRIC_HOURS_GIVEN:
      return a.role() == kGiven;
    case rpb::METRIC_PEOPLE_HELPED_COUNT:
      return a.role() == kGiven && a.kind() == lpb::TRANSFER_KIND_EXCHANGE;
    case rpb::METRIC_ORGANISATIONS_GIVEN_TO_COUNT:
      return a.role() == kGiven && a.kind() == lpb::TRANSFER_KIND_CONTRIBUTION;
    case rpb::METRIC_MINUTES_RECEIVED:
    case rpb::METRIC_HOURS_RECEIVED:
    case rpb::METRIC_HELPED_BY_COUNT:
      return a.role() == kReceived;
    case rpb::METRIC_CO_COMMISSION_CONTRIBUTIONS_COUNT:
      return a.role() == kGiven && a.star() == lpb::COPRODUCTION_TYPE_CO_COMMISSION;
    case rpb::METRIC_CO_DESIGN_CONTRIBUTIONS_COUNT:
      return a.role() == kGiven && a.star() == lpb::COPRODUCTION_TYPE_CO_DESIGN;
    case rpb::METRIC_CO_DELIVERY_CONTRIBUTIONS_COUNT:
      return a.role() == kGiven && a.star() == lpb::COPRODUCTION_TYPE_CO_DELIVERY;
    case rpb::METRIC_CO_ASSESSMENT_CONTRIBUTIONS_COUNT:
      return a.role() == kGiven && a.star() == lpb::COPRODUCTION_TYPE_CO_ASSESSMENT;
    case rpb::METRIC_CURRENT_STREAK_WEEKS:
    case rpb::METRIC_LONGEST_STREAK_WEEKS:
      return true;
    case rpb::METRIC_POOL_DONATIONS_COUNT:
    case rpb::METRIC_POOL_DONATION_MINUTES:
      return a.role() == kDonated;
    case rpb::METRIC_REDEMPTIONS_COUNT:
      return a.role() == kRedeemed;
    default:
      return false;  // thank-you notes are not transfers
  }
}

bool IsEvidenceFor(const BadgeRule& rule, const RecentActivity& a) {
  switch (rule.kind()) {
    case rpb::RULE_KIND_BOTH:
      return CountsTowards(rule.metric(), a) || CountsTowards(rule.second_metric(), a);
    case rpb::RULE_KIND_FIRST_OF_STAR_TYPE:
      return CountsTowards(ContributionsMetric(rule.star_type()), a);
    default:
      return CountsTowards(rule.metric(), a);
  }
}

// The rules in force for c as this step sees them.
absl::StatusOr<const BadgeRules*> RulesFor(uint64_t c, ProjectionTx& tx) {
  TB_ASSIGN_OR_RETURN(BadgeRules * rules, tx.Mutable<BadgeRules>(RulesKey(c)));
  if (rules->version() == 0) return DefaultBadgeRules().get();  // none set: the defaults
  return rules;
}

void StorePauses(const std::vector<WeekRange>& pauses, MemberRecord* record) {
  record->clear_streak_pauses();
  for (const WeekRange& p : pauses) {
    rpb::PausedWeeks* stored = record->add_streak_pauses();
    stored->set_first_week(p.first_week);
    stored->set_last_week(p.last_week);
  }
}

}  // namespace

StreakSummary StreakOf(const MemberRecord& r, int32_t current_week) {
  // Weeks after the current one (activity dated ahead) do not count yet.
  const auto past_end =
      std::upper_bound(r.active_weeks().begin(), r.active_weeks().end(), current_week);
  return ComputeStreak(
      absl::MakeConstSpan(r.active_weeks().data(), past_end - r.active_weeks().begin()),
      PausesOf(r), current_week);
}

MemberFacts FactsOf(const MemberRecord& r, int32_t current_week) {
  return FactsOf(r, StreakOf(r, current_week));
}

MemberFacts FactsOf(const MemberRecord& r, const StreakSummary& streak) {
  MemberFacts f;
  f.minutes_given = r.minutes_given();
  f.minutes_received = r.minutes_received();
  f.people_helped_count = r.people_helped();
  f.helped_by_count = r.helped_by();
  f.organisations_given_to_count = r.organisations_given_to();
  // Activities given of each Star type: contributions, and exchanges that name one.
  f.co_commission_contributions_count = StarCount(r, lpb::COPRODUCTION_TYPE_CO_COMMISSION);
  f.co_design_contributions_count = StarCount(r, lpb::COPRODUCTION_TYPE_CO_DESIGN);
  f.co_delivery_contributions_count = StarCount(r, lpb::COPRODUCTION_TYPE_CO_DELIVERY);
  f.co_assessment_contributions_count = StarCount(r, lpb::COPRODUCTION_TYPE_CO_ASSESSMENT);
  f.current_streak_weeks = streak.current_weeks;
  f.longest_streak_weeks = streak.longest_weeks;
  f.pool_donations_count = r.donations();
  f.pool_donation_minutes = r.minutes_donated();
  f.redemptions_count = r.redemptions();
  // Notes not hidden (thank_you_notes.h: hiding one may withdraw the badge).
  f.thank_you_notes_received_count = r.thank_you_notes_received();
  return f;
}

absl::Status BadgeProjector::AfterCount(const Counted& counted, absl::Time at,
                                        ProjectionTx& tx) const {
  TB_CHECK(counted.sign == 1 || counted.sign == -1);
  const TransferFacts& f = counted.facts;
  const uint64_t c = f.community_id();
  // (member, role) of each member the transfer counts for.
  std::vector<std::pair<uint64_t, int>> members;
  switch (f.kind()) {
    case lpb::TRANSFER_KIND_EXCHANGE:
      members = {{f.credit_owner_id(), kGiven}, {f.debit_owner_id(), kReceived}};
      break;
    case lpb::TRANSFER_KIND_CONTRIBUTION:
      members = {{f.credit_owner_id(), kGiven}};
      break;
    case lpb::TRANSFER_KIND_DONATION:
      members = {{f.debit_owner_id(), kDonated}};
      break;
    case lpb::TRANSFER_KIND_REDEMPTION:
      members = {{f.debit_owner_id(), kRedeemed}};
      break;
    default:
      TB_CHECK(false && "a counted transfer has a counted kind");
  }
  for (const auto& [member, role] : members) {
    TB_RETURN_IF_ERROR(RecordRecent(counted, member, role, tx));
    TB_RETURN_IF_ERROR(Evaluate(c, member, at, tx));
  }
  return absl::OkStatus();
}

absl::Status BadgeProjector::RecordRecent(const Counted& counted, uint64_t member, int role,
                                          ProjectionTx& tx) const {
  const TransferFacts& f = counted.facts;
  TB_ASSIGN_OR_RETURN(RecentActivities * recent,
                      tx.Mutable<RecentActivities>(RecentKey(f.community_id(), member)));
  auto* items = recent->mutable_items();
  if (counted.sign < 0) {  // the transfer no longer counts: nor is it evidence
    items->erase(std::remove_if(items->begin(), items->end(),
                                [&](const RecentActivity& a) {
                                  return a.transfer_id() == counted.transfer_id;
                                }),
                 items->end());
    return absl::OkStatus();
  }
  RecentActivity a;
  a.set_transfer_id(counted.transfer_id);
  a.set_role(role);
  a.set_kind(f.kind());
  a.set_star(f.star());
  a.set_minutes(f.minutes());
  a.set_occurred_unix_ms(f.occurred_unix_ms());
  // Who was helped for time given; otherwise who gave, or the pool or partner paid.
  a.set_partner_id(role == kGiven ? f.debit_owner_id() : f.credit_owner_id());
  items->Add(std::move(a));
  // Newest first: move the new one to the front, and keep the latest few.
  std::rotate(items->begin(), items->end() - 1, items->end());
  while (items->size() > kRecentActivitiesMax) items->RemoveLast();
  return absl::OkStatus();
}

absl::Status BadgeProjector::Evaluate(uint64_t c, uint64_t member, absl::Time at,
                                      ProjectionTx& tx) const {
  TB_ASSIGN_OR_RETURN(const BadgeRules* rules, RulesFor(c, tx));
  TB_ASSIGN_OR_RETURN(MemberRecord * record, tx.Mutable<MemberRecord>(MemberKey(c, member)));
  const StreakSummary streak = StreakOf(*record, WeekIndex(at, zones_->Zone(c)));
  const MemberFacts facts = FactsOf(*record, streak);
  TB_RETURN_IF_ERROR(NoticeLog::AfterStreak(tx, c, member, streak, at, record));
  TB_ASSIGN_OR_RETURN(rpb::MemberBadgeStates * stored,
                      tx.Mutable<rpb::MemberBadgeStates>(BadgesKey(c, member)));
  TB_ASSIGN_OR_RETURN(MemberBadges badges, MemberBadges::FromProto(*stored));
  const std::vector<BadgeEvent> events = badges.Apply(*rules, facts, at);
  if (events.empty()) return absl::OkStatus();
  *stored = badges.ToProto();
  for (const BadgeEvent& e : events) {
    const BadgeRule* rule = FindRule(*rules, e.badge_id);
    TB_RETURN_IF_ERROR(NoticeBadge(c, member, rule, e, at, tx));
    if (e.change != BadgeChange::kAwarded) continue;  // a withdrawal keeps the award's evidence
    TB_CHECK(rule != nullptr);
    TB_RETURN_IF_ERROR(KeepEvidence(c, member, *rule, e, tx));
  }
  return absl::OkStatus();
}

absl::Status BadgeProjector::NoticeBadge(uint64_t c, uint64_t member, const BadgeRule* rule,
                                         const BadgeEvent& e, absl::Time at, ProjectionTx& tx) {
  xpb::RecognitionNotice notice;
  xpb::BadgeNotice* badge = e.change == BadgeChange::kAwarded ? notice.mutable_badge_awarded()
                                                              : notice.mutable_badge_withdrawn();
  badge->set_badge_id(e.badge_id);
  // A badge withdrawn because its rule was dropped is named by its id.
  badge->set_name(rule != nullptr && !rule->name().empty() ? rule->name() : e.badge_id);
  return NoticeLog::Append(tx, c, member, at, std::move(notice)).status();
}

absl::Status BadgeProjector::KeepEvidence(uint64_t c, uint64_t member, const BadgeRule& rule,
                                          const BadgeEvent& award, ProjectionTx& tx) const {
  TB_ASSIGN_OR_RETURN(RecentActivities * recent,
                      tx.Mutable<RecentActivities>(RecentKey(c, member)));
  TB_ASSIGN_OR_RETURN(
      rpb::BadgeEvidence * evidence,
      tx.Mutable<rpb::BadgeEvidence>(EvidenceKey(c, member, award.badge_id, award.times_awarded)));
  evidence->Clear();
  evidence->set_awarded_at_unix_ms(award.at_unix_ms);
  for (const RecentActivity& a : recent->items()) {
    if (evidence->items_size() == kEvidenceItemsMax) break;
    if (IsEvidenceFor(rule, a)) *evidence->add_items() = a;
  }
  return absl::OkStatus();
}

absl::Status BadgeProjector::PutRulesInForce(uint64_t c, const BadgeRules& rules,
                                             const std::vector<uint64_t>& members, absl::Time at,
                                             ProjectionTx& tx) const {
  TB_ASSIGN_OR_RETURN(BadgeRules * in_force, tx.Mutable<BadgeRules>(RulesKey(c)));
  *in_force = rules;
  TB_CHECK(in_force->version() != 0);  // validated: so never mistaken for "none set"
  for (uint64_t member : members) TB_RETURN_IF_ERROR(Evaluate(c, member, at, tx));
  return absl::OkStatus();
}

absl::Status BadgeProjector::PauseStreak(uint64_t c, uint64_t member, int32_t first_week,
                                         int32_t weeks, absl::Time at, ProjectionTx& tx) const {
  TB_ASSIGN_OR_RETURN(MemberRecord * record, tx.Mutable<MemberRecord>(MemberKey(c, member)));
  const WeekRange pause = {first_week, static_cast<int32_t>(int64_t{first_week} + weeks - 1)};
  TB_ASSIGN_OR_RETURN(std::vector<WeekRange> pauses,
                      WithPause(*record, pause, WeekIndex(at, zones_->Zone(c))));
  StorePauses(pauses, record);
  return Evaluate(c, member, at, tx);
}

absl::Status BadgeProjector::EndStreakPause(uint64_t c, uint64_t member, int32_t first_week,
                                            int32_t weeks, absl::Time at, ProjectionTx& tx) const {
  TB_ASSIGN_OR_RETURN(MemberRecord * record, tx.Mutable<MemberRecord>(MemberKey(c, member)));
  TB_ASSIGN_OR_RETURN(std::vector<WeekRange> pauses,
                      WithPauseEnded(*record, first_week, weeks, WeekIndex(at, zones_->Zone(c))));
  StorePauses(pauses, record);
  return Evaluate(c, member, at, tx);
}

absl::Status BadgeProjector::SetHidden(uint64_t c, uint64_t member, std::string_view badge_id,
                                       bool hidden, ProjectionTx& tx) const {
  TB_ASSIGN_OR_RETURN(rpb::MemberBadgeStates * stored,
                      tx.Mutable<rpb::MemberBadgeStates>(BadgesKey(c, member)));
  TB_ASSIGN_OR_RETURN(MemberBadges badges, MemberBadges::FromProto(*stored));
  TB_RETURN_IF_ERROR(badges.SetHidden(badge_id, hidden));
  *stored = badges.ToProto();
  return absl::OkStatus();
}

}  // namespace timebank::rewards
