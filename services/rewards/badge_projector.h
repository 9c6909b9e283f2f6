// BadgeProjector keeps members' badges in step with the rewards projection. For every
// transfer counted in or out it updates the evidence of the members involved (their
// latest counted transfers) and re-evaluates their badges, at the time of the journal
// entry (never the wall clock, so a rebuild reproduces every award and withdrawal
// time); each award stores the evidence it was made on. A rules change re-evaluates a
// whole community. All of it is projection records in the step's ProjectionTx, so
// badges commit with the cursor like every other sum: none awarded twice, none missed.
// Each award, withdrawal and streak milestone is also a recognition notice
// (notice_log.h), appended in the same tx.
#ifndef TIMEBANK_SERVICES_REWARDS_BADGE_PROJECTOR_H_
#define TIMEBANK_SERVICES_REWARDS_BADGE_PROJECTOR_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/rewards/analysis/streaks.h"
#include "services/rewards/badges/badge_awards.h"
#include "services/rewards/projection_tx.h"
#include "services/rewards/projector.h"
#include "services/rewards/zone_book.h"

namespace timebank::rewards {

// How many of a member's latest counted transfers are kept as evidence, and how many
// one award lists (the Open Badges evidence limit is larger).
inline constexpr int kRecentActivitiesMax = 32;
inline constexpr int kEvidenceItemsMax = 10;

// A member's facts for the badge rules, from their lifetime record, with their streak
// (and its pauses) judged in `current_week`.
MemberFacts FactsOf(const ::timebank::rewards::v1::MemberRecord& record, int32_t current_week);
// The member's streak (with its pauses) judged in `current_week`.
StreakSummary StreakOf(const ::timebank::rewards::v1::MemberRecord& record, int32_t current_week);
// The facts with the streak already judged (StreakOf).
MemberFacts FactsOf(const ::timebank::rewards::v1::MemberRecord& record,
                    const StreakSummary& streak);

class BadgeProjector {
 public:
  // Every community evaluated must have been Resolve()d in `zones` (streak weeks).
  explicit BadgeProjector(const ZoneBook* zones) : zones_(zones) {}

  // After `counted` was counted in or out by the entry recorded at `at`.
  absl::Status AfterCount(const Counted& counted, absl::Time at, ProjectionTx& tx) const;

  // Re-evaluates one member's badges at `at` with the rules in force for c, and appends
  // a recognition notice (notice_log.h) for each award and withdrawal and for a streak
  // milestone reached.
  absl::Status Evaluate(uint64_t c, uint64_t member, absl::Time at, ProjectionTx& tx) const;

  // Puts `rules` in force for c (validated before) and re-evaluates `members`.
  absl::Status PutRulesInForce(uint64_t c, const BadgeRules& rules,
                               const std::vector<uint64_t>& members, absl::Time at,
                               ProjectionTx& tx) const;

  // Pauses the member's streak (WithPause's rules, judged at `at`) and re-evaluates
  // their badges; the refusal writes nothing.
  absl::Status PauseStreak(uint64_t c, uint64_t member, int32_t first_week, int32_t weeks,
                           absl::Time at, ProjectionTx& tx) const;

  // Ends the member's pause from first_week early (WithPauseEnded, judged at `at`) and
  // re-evaluates their badges; the refusal writes nothing.
  absl::Status EndStreakPause(uint64_t c, uint64_t member, int32_t first_week, int32_t weeks,
                              absl::Time at, ProjectionTx& tx) const;

  // A member shows or hides a badge: NOT_FOUND naming badge_id when they never held it.
  absl::Status SetHidden(uint64_t c, uint64_t member, std::string_view badge_id, bool hidden,
                         ProjectionTx& tx) const;

 private:
  absl::Status RecordRecent(const Counted& counted, uint64_t member, int role,
                            ProjectionTx& tx) const;
  // Appends the notice of an award or withdrawal (rule: null when no longer in force).
  static absl::Status NoticeBadge(uint64_t c, uint64_t member, const BadgeRule* rule,
                                  const BadgeEvent& e, absl::Time at, ProjectionTx& tx);
  absl::Status KeepEvidence(uint64_t c, uint64_t member, const BadgeRule& rule,
                            const BadgeEvent& award, ProjectionTx& tx) const;

  const ZoneBook* const zones_;
};

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_BADGE_PROJECTOR_H_
