// The distinct-member counts of a community's (or an organisation's) weeks and months:
// how one member's bucket changing moves the group bucket's active, giver, receiver,
// both, new and returning counts. A member is active in a bucket when they gave or
// received time in it; "new" in the first bucket they were ever active in (of the
// community, or of that organisation), "returning" in every later one. Reversals can
// empty a bucket or move a member's first bucket; the counts follow both.
#ifndef TIMEBANK_SERVICES_REWARDS_BUCKET_COUNTS_H_
#define TIMEBANK_SERVICES_REWARDS_BUCKET_COUNTS_H_

#include <cstdint>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "google/protobuf/repeated_field.h"
#include "services/rewards/rewards_records.h"

namespace timebank::rewards {

// One member's side of a change to one bucket.
struct MemberBucketChange {
  rpb::MemberBucket* bucket;  // the member's totals in the bucket (changed here)
  // The member's active buckets of this grain, sorted (kept here).
  google::protobuf::RepeatedField<int32_t>* active;
  int32_t index;  // the bucket's index (week or month number)
};

// Adds `delta` to the member's bucket and moves the group's counts to match.
// `group(index)` gives the group bucket of that index, to change in place.
absl::Status ChangeMemberBucket(
    const MemberBucketChange& change, const rpb::MemberBucket& delta,
    absl::FunctionRef<absl::StatusOr<rpb::CommunityBucket*>(int32_t)> group);

// Adds `minutes` (and `count`) to Star type `star` (1..4; 0 is ignored). Returns
// whether every total is zero again (the caller then clears the field, so an
// emptied record is deleted).
bool AddStar(rpb::StarTotals* totals, int star, int64_t minutes, int32_t count);

// The same on a record's `star` field, cleared when it comes back to zero.
template <class Record>
void AddStarTo(Record* r, int star, int64_t minutes, int32_t count) {
  if (AddStar(r->mutable_star(), star, minutes, count)) r->clear_star();
}

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_BUCKET_COUNTS_H_
