// AnnotationBook keeps coordinators' notes of changes tried on a date ("PDSA cycle 2:
// Saturday sessions start"), per community or organisation dashboard. They are what
// people wrote, not projection: a rebuild keeps them and the projection's digest
// leaves them out. Creates are idempotent by request_id (the record kit).
#ifndef TIMEBANK_SERVICES_REWARDS_ANNOTATIONS_H_
#define TIMEBANK_SERVICES_REWARDS_ANNOTATIONS_H_

#include <cstdint>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "services/common/clock.h"
#include "services/common/peers.h"
#include "storage/kv_store.h"
#include "timebank/directory/v1/auth.pb.h"
#include "timebank/rewards/v1/rewards.pb.h"

namespace timebank::rewards {

class AnnotationBook {
 public:
  // Dates further than this from today are refused (a typing slip, not a change).
  static constexpr int kMaxYearsAway = 10;

  AnnotationBook(storage::KvStore* store, People* people, const Clock* clock)
      : store_(store), people_(people), clock_(clock) {}

  absl::StatusOr<::timebank::rewards::v1::Annotation> Annotate(
      const ::timebank::directory::v1::Principal& caller,
      const ::timebank::rewards::v1::Annotation& annotation, const std::string& request_id);

  // The annotations of one dashboard dated in [first, last], oldest first.
  absl::StatusOr<std::vector<::timebank::rewards::v1::Annotation>> Between(
      uint64_t c, uint64_t org, absl::CivilDay first, absl::CivilDay last,
      const storage::Snapshot* snapshot) const;

 private:
  storage::KvStore* const store_;
  People* const people_;
  const Clock* const clock_;
  absl::Mutex write_mu_;
};

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_ANNOTATIONS_H_
