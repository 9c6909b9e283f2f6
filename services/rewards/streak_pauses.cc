#include "services/rewards/streak_pauses.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "services/common/records/records.h"
#include "services/rewards/analysis/weeks.h"
#include "services/rewards/badge_desk.h"
#include "services/rewards/rewards_records.h"
#include "storage/absl_compat.h"
#include "storage/check.h"

namespace timebank::rewards {
namespace {

namespace dpb = ::timebank::directory::v1;

std::string Monday(int32_t week) { return absl::FormatCivilTime(WeekStart(week)); }

// Paused weeks of `pauses` (sorted) within [first, first + kYearWeeks).
int32_t PausedWeeksInYearFrom(absl::Span<const WeekRange> pauses, int32_t first) {
  const int32_t last = first + PauseLimits::kYearWeeks - 1;
  int32_t weeks = 0;
  for (const WeekRange& p : pauses) {
    const int32_t lo = std::max(p.first_week, first), hi = std::min(p.last_week, last);
    if (hi >= lo) weeks += hi - lo + 1;
  }
  return weeks;
}

// The most paused weeks any 52-week window holds: the busiest window starts where
// some pause starts (moving a window's start forward to the next pause loses nothing).
int32_t MostPausedWeeksInAYear(absl::Span<const WeekRange> pauses) {
  int32_t most = 0;
  for (const WeekRange& p : pauses) {
    most = std::max(most, PausedWeeksInYearFrom(pauses, p.first_week));
  }
  return most;
}

absl::Status CheckStart(WeekRange pause, int32_t this_week) {
  if (pause.first_week < this_week - PauseLimits::kStartWeeksBackMax) {
    return records::FieldError(
        "starts_on",
        absl::StrCat("a pause can start at most ", PauseLimits::kStartWeeksBackMax,
                     " weeks back, in the week of ",
                     Monday(this_week - PauseLimits::kStartWeeksBackMax), " or later"));
  }
  if (pause.first_week > this_week + PauseLimits::kStartWeeksAheadMax) {
    return records::FieldError(
        "starts_on",
        absl::StrCat("a pause can start at most ", PauseLimits::kStartWeeksAheadMax,
                     " weeks ahead, in the week of ",
                     Monday(this_week + PauseLimits::kStartWeeksAheadMax), " or earlier"));
  }
  return absl::OkStatus();
}

absl::Status Refused(std::string_view field, std::string_view why) {
  return absl::FailedPreconditionError(absl::StrCat(AsAbsl(field), ": ", AsAbsl(why)));
}

// A paused week leaves the streak entirely, so a pause over a week already counted
// would take that week away (and perhaps a badge with it): refused instead.
absl::Status CheckNoCountedWeek(const rpb::MemberRecord& record, WeekRange pause,
                                int32_t this_week) {
  const int32_t last = std::min(pause.last_week, this_week);
  const auto& weeks = record.active_weeks();
  const auto it = std::lower_bound(weeks.begin(), weeks.end(), pause.first_week);
  if (it == weeks.end() || *it > last) return absl::OkStatus();
  return Refused("starts_on",
                 absl::StrCat("there was activity in the week of ", Monday(*it),
                              ", and a pause never takes away a week that already counts; "
                              "start it in the week after"));
}

absl::Status CheckApart(absl::Span<const WeekRange> pauses, WeekRange pause) {
  for (const WeekRange& p : pauses) {
    if (pause.first_week <= p.last_week + 1 && p.first_week <= pause.last_week + 1) {
      return Refused("starts_on",
                     absl::StrCat("overlaps or touches the pause of ", p.weeks(), " weeks from ",
                                  Monday(p.first_week), " (pauses are at least one week apart)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<WeekRange> PausesOf(const rpb::MemberRecord& record) {
  std::vector<WeekRange> out;
  out.reserve(record.streak_pauses_size());
  for (const rpb::PausedWeeks& p : record.streak_pauses()) {
    out.push_back({p.first_week(), p.last_week()});
  }
  return out;
}

absl::StatusOr<std::vector<WeekRange>> WithPause(const rpb::MemberRecord& record, WeekRange pause,
                                                 int32_t this_week) {
  const int64_t weeks = pause.weeks();
  if (weeks < 1 || weeks > kPauseWeeksMax) {
    return records::FieldError("weeks",
                               absl::StrCat("from 1 to ", kPauseWeeksMax, " weeks, not ", weeks));
  }
  TB_RETURN_IF_ERROR(CheckStart(pause, this_week));
  std::vector<WeekRange> pauses = PausesOf(record);
  TB_RETURN_IF_ERROR(CheckApart(pauses, pause));
  TB_RETURN_IF_ERROR(CheckNoCountedWeek(record, pause, this_week));
  pauses.insert(std::upper_bound(pauses.begin(), pauses.end(), pause,
                                 [](const WeekRange& a, const WeekRange& b) {
                                   return a.first_week < b.first_week;
                                 }),
                pause);
  if (const int32_t most = MostPausedWeeksInAYear(pauses);
      most > PauseLimits::kPausedWeeksPerYearMax) {
    return Refused("weeks",
                   absl::StrCat("with this pause ", most,
                                " weeks of one year would be "
                                "paused; at most ",
                                PauseLimits::kPausedWeeksPerYearMax, " weeks in any 52 can be"));
  }
  TB_CHECK(ValidatePauses(pauses).ok());  // what every streak computation requires
  return pauses;
}

std::optional<WeekRange> PauseToEnd(const rpb::MemberRecord& record, int32_t this_week) {
  for (const WeekRange& p : PausesOf(record)) {
    if (p.last_week >= this_week) return p;  // sorted: the first not over
  }
  return std::nullopt;
}

int32_t WeeksWhenEnded(WeekRange pause, int32_t this_week) {
  return std::max(0, this_week - pause.first_week);
}

absl::StatusOr<std::vector<WeekRange>> WithPauseEnded(const rpb::MemberRecord& record,
                                                      int32_t first_week, int32_t weeks,
                                                      int32_t this_week) {
  const std::optional<WeekRange> to_end = PauseToEnd(record, this_week);
  if (!to_end.has_value() || to_end->first_week != first_week ||
      WeeksWhenEnded(*to_end, this_week) != weeks) {
    return Refused("member_id", "this member's streak has no pause under way or planned");
  }
  std::vector<WeekRange> pauses = PausesOf(record);
  for (auto it = pauses.begin(); it != pauses.end(); ++it) {
    if (it->first_week != first_week) continue;
    if (weeks == 0) {
      pauses.erase(it);
    } else {
      it->last_week = first_week + weeks - 1;
    }
    break;
  }
  TB_CHECK(ValidatePauses(pauses).ok());  // shorter pauses stay apart and within limits
  return pauses;
}

rpb::StreakPause ToStreakPause(WeekRange pause) {
  rpb::StreakPause out;
  out.set_first_week(Monday(pause.first_week));
  out.set_weeks(static_cast<int32_t>(std::max<int64_t>(0, pause.weeks())));
  out.set_resumes_on(Monday(pause.last_week + 1));
  return out;
}

absl::StatusOr<rpb::StreakPause> PauseDesk::Pause(const dpb::Principal& caller,
                                                  const rpb::PauseStreakRequest& req) {
  TB_ASSIGN_OR_RETURN(MemberRef m,
                      MemberMeant(caller, req.community_id(), req.member_id(), "streak"));
  if (req.weeks() < 1 || req.weeks() > kPauseWeeksMax) {
    return records::FieldError(
        "weeks", absl::StrCat("from 1 to ", kPauseWeeksMax, " weeks, not ", req.weeks()));
  }
  absl::CivilDay day;
  if (!absl::ParseCivilTime(req.starts_on(), &day) ||
      absl::FormatCivilTime(day) != req.starts_on()) {
    return records::FieldError("starts_on", "a date like 2026-09-14 (year-month-day)");
  }
  // Far-off years would overflow the week numbers; the start rule refuses them anyway.
  if (day.year() < 1971 || day.year() > 9000) {
    return records::FieldError("starts_on", "within half a year of today");
  }
  TB_RETURN_IF_ERROR(people_->Member(m.community_id, m.member_id).status());
  const WeekRange pause = {WeekOfDay(day), WeekOfDay(day) + req.weeks() - 1};
  // The same pause asked again (a retry): answered as it stands, nothing written.
  TB_ASSIGN_OR_RETURN(rpb::MemberRecord record, StoredRecord(m.community_id, m.member_id));
  for (const WeekRange& p : PausesOf(record)) {
    if (p == pause) return ToStreakPause(p);
  }
  rpb::RecognitionEvent event;
  event.set_community_id(m.community_id);
  event.set_at_unix_ms(absl::ToUnixMillis(clock_->Now()));
  event.set_by_member_id(caller.subject_id());
  event.mutable_streak_paused()->set_member_id(m.member_id);
  event.mutable_streak_paused()->set_first_week(pause.first_week);
  event.mutable_streak_paused()->set_weeks(req.weeks());
  TB_RETURN_IF_ERROR(projection_->Record(std::move(event)).status());
  return ToStreakPause(pause);
}

absl::StatusOr<rpb::MemberRecord> PauseDesk::StoredRecord(uint64_t c, uint64_t member) {
  std::string bytes;
  TB_ASSIGN_OR_RETURN(bool found,
                      projection_->store()->Get(kRecords, MemberKey(c, member), &bytes, nullptr));
  if (!found) return rpb::MemberRecord();
  return records::ParseRecord<rpb::MemberRecord>(bytes, "a member's rewards");
}

absl::StatusOr<rpb::StreakPause> PauseDesk::End(const dpb::Principal& caller,
                                                const rpb::EndStreakPauseRequest& req) {
  TB_ASSIGN_OR_RETURN(MemberRef m,
                      MemberMeant(caller, req.community_id(), req.member_id(), "streak"));
  TB_RETURN_IF_ERROR(people_->Member(m.community_id, m.member_id).status());
  TB_RETURN_IF_ERROR(projection_->zones()->Resolve(m.community_id));
  const absl::Time now = clock_->Now();
  const int32_t this_week = WeekIndex(now, projection_->zones()->Zone(m.community_id));
  TB_ASSIGN_OR_RETURN(rpb::MemberRecord record, StoredRecord(m.community_id, m.member_id));
  const std::optional<WeekRange> to_end = PauseToEnd(record, this_week);
  if (!to_end.has_value()) {
    return Refused("member_id", "this member's streak has no pause under way or planned");
  }
  const int32_t weeks = WeeksWhenEnded(*to_end, this_week);
  rpb::RecognitionEvent event;
  event.set_community_id(m.community_id);
  event.set_at_unix_ms(absl::ToUnixMillis(now));
  event.set_by_member_id(caller.subject_id());
  event.mutable_streak_paused()->set_member_id(m.member_id);
  event.mutable_streak_paused()->set_first_week(to_end->first_week);
  event.mutable_streak_paused()->set_weeks(weeks);
  event.mutable_streak_paused()->set_ended(true);
  TB_RETURN_IF_ERROR(projection_->Record(std::move(event)).status());
  return ToStreakPause({to_end->first_week, to_end->first_week + weeks - 1});
}

}  // namespace timebank::rewards
