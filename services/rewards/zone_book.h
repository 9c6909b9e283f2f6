// ZoneBook knows each community's timezone, in which weeks and months are counted. A
// community's zone is read from the directory once, then kept in the rewards store
// (kZoneTag), so the projection and any rebuild of it bucket every transfer in the
// same weeks even if the community later changes its timezone. Resolve() may call the
// directory and is called outside any lock; Zone() never blocks.
#ifndef TIMEBANK_SERVICES_REWARDS_ZONE_BOOK_H_
#define TIMEBANK_SERVICES_REWARDS_ZONE_BOOK_H_

#include <cstdint>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/peers.h"
#include "storage/kv_store.h"

namespace timebank::rewards {

class ZoneBook {
 public:
  ZoneBook(storage::KvStore* store, People* people) : store_(store), people_(people) {}
  // Makes Zone(c) answer: from memory, the store, or the directory (UNAVAILABLE when
  // the directory cannot be reached: the caller retries later).
  absl::Status Resolve(uint64_t c);
  // The zone of a community Resolve() succeeded for (a programming error otherwise).
  absl::TimeZone Zone(uint64_t c) const;

 private:
  storage::KvStore* const store_;
  People* const people_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<uint64_t, absl::TimeZone> zones_ ABSL_GUARDED_BY(mu_);
};

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_ZONE_BOOK_H_
