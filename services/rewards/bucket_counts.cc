#include "services/rewards/bucket_counts.h"

#include <algorithm>
#include <optional>

#include "services/rewards/rewards_records.h"
#include "storage/check.h"

namespace timebank::rewards {
namespace {

struct Flags {
  int active = 0, giver = 0, receiver = 0, both = 0, fresh = 0, returning = 0;
};

std::optional<int32_t> First(const google::protobuf::RepeatedField<int32_t>& active) {
  if (active.empty()) return std::nullopt;
  return active.Get(0);
}

Flags FlagsOf(const rpb::MemberBucket& b, std::optional<int32_t> first, int32_t index) {
  Flags f;
  f.giver = b.minutes_given() > 0;
  f.receiver = b.minutes_received() > 0;
  f.active = f.giver || f.receiver;
  f.both = f.giver && f.receiver;
  f.fresh = f.active && first == index;
  f.returning = f.active && !f.fresh;
  return f;
}

void Add(rpb::CommunityBucket* g, const Flags& f, int sign) {
  g->set_active_members(g->active_members() + sign * f.active);
  g->set_givers(g->givers() + sign * f.giver);
  g->set_receivers(g->receivers() + sign * f.receiver);
  g->set_both(g->both() + sign * f.both);
  g->set_new_members(g->new_members() + sign * f.fresh);
  g->set_returning_members(g->returning_members() + sign * f.returning);
  TB_CHECK(g->active_members() >= 0 && g->new_members() >= 0 && g->returning_members() >= 0);
}

void KeepSorted(google::protobuf::RepeatedField<int32_t>* active, int32_t index, bool present) {
  auto it = std::lower_bound(active->begin(), active->end(), index);
  const bool there = it != active->end() && *it == index;
  if (present && !there) {
    const auto at = it - active->begin();
    active->Add(index);
    std::rotate(active->begin() + at, active->end() - 1, active->end());
  } else if (!present && there) {
    std::rotate(it, it + 1, active->end());
    active->RemoveLast();
  }
}

// A bucket that was "new" becomes "returning" (sign +1), or the other way (-1).
absl::Status MoveFirst(absl::FunctionRef<absl::StatusOr<rpb::CommunityBucket*>(int32_t)> group,
                       int32_t index, int sign) {
  TB_ASSIGN_OR_RETURN(rpb::CommunityBucket * g, group(index));
  g->set_new_members(g->new_members() - sign);
  g->set_returning_members(g->returning_members() + sign);
  TB_CHECK(g->new_members() >= 0 && g->returning_members() >= 0);
  return absl::OkStatus();
}

}  // namespace

absl::Status ChangeMemberBucket(
    const MemberBucketChange& change, const rpb::MemberBucket& delta,
    absl::FunctionRef<absl::StatusOr<rpb::CommunityBucket*>(int32_t)> group) {
  rpb::MemberBucket* b = change.bucket;
  const std::optional<int32_t> first_before = First(*change.active);
  const Flags before = FlagsOf(*b, first_before, change.index);
  b->set_minutes_given(b->minutes_given() + delta.minutes_given());
  b->set_minutes_received(b->minutes_received() + delta.minutes_received());
  b->set_minutes_donated(b->minutes_donated() + delta.minutes_donated());
  b->set_minutes_redeemed(b->minutes_redeemed() + delta.minutes_redeemed());
  TB_CHECK(b->minutes_given() >= 0 && b->minutes_received() >= 0 && b->minutes_donated() >= 0 &&
           b->minutes_redeemed() >= 0);
  KeepSorted(change.active, change.index, b->minutes_given() > 0 || b->minutes_received() > 0);
  const std::optional<int32_t> first_after = First(*change.active);
  const Flags after = FlagsOf(*b, first_after, change.index);
  TB_ASSIGN_OR_RETURN(rpb::CommunityBucket * g, group(change.index));
  Add(g, before, -1);
  Add(g, after, +1);
  if (first_before == first_after) return absl::OkStatus();
  // The member's first bucket moved: the old first (if another bucket) is now a
  // returning one, and the new first (if another bucket) is now the new one.
  if (first_before && *first_before != change.index) {
    TB_RETURN_IF_ERROR(MoveFirst(group, *first_before, +1));
  }
  if (first_after && *first_after != change.index) {
    TB_RETURN_IF_ERROR(MoveFirst(group, *first_after, -1));
  }
  return absl::OkStatus();
}

bool AddStar(rpb::StarTotals* totals, int star, int64_t minutes, int32_t count) {
  if (star < 1 || star > kStarTypes) return totals->minutes().empty();
  totals->mutable_minutes()->Resize(kStarTypes, 0);
  totals->mutable_count()->Resize(kStarTypes, 0);
  totals->set_minutes(star - 1, totals->minutes(star - 1) + minutes);
  totals->set_count(star - 1, totals->count(star - 1) + count);
  TB_CHECK(totals->minutes(star - 1) >= 0 && totals->count(star - 1) >= 0);
  const bool all_zero =
      std::all_of(totals->minutes().begin(), totals->minutes().end(),
                  [](int64_t m) { return m == 0; }) &&
      std::all_of(totals->count().begin(), totals->count().end(), [](int32_t n) { return n == 0; });
  return all_zero;
}

}  // namespace timebank::rewards
