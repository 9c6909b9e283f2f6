// Revocations holds, per signed-in subject, the epoch below which its access tokens
// are refused: signing out everywhere, a role change, suspension or erasure raise it,
// so a token dies at once instead of at expiry. The directory owns the durable copy
// and feeds this in-memory table; the interceptor only reads it.
#ifndef TIMEBANK_SERVICES_COMMON_AUTH_REVOCATIONS_H_
#define TIMEBANK_SERVICES_COMMON_AUTH_REVOCATIONS_H_

#include <cstdint>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "timebank/directory/v1/token.pb.h"

namespace timebank::auth {

class Revocations {
 public:
  void SetEpoch(int kind, uint64_t community_id, uint64_t subject_id, uint64_t epoch) {
    absl::MutexLock lock(&mu_);
    epochs_[{kind, community_id, subject_id}] = epoch;
  }
  uint64_t Epoch(int kind, uint64_t community_id, uint64_t subject_id) const {
    absl::ReaderMutexLock lock(&mu_);
    auto it = epochs_.find(std::make_tuple(kind, community_id, subject_id));
    return it == epochs_.end() ? 0 : it->second;
  }
  bool IsCurrent(const ::timebank::directory::v1::TokenClaims& c) const {
    const auto& p = c.principal();
    return c.epoch() >= Epoch(p.kind(), p.community_id(), p.subject_id());
  }

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::tuple<int, uint64_t, uint64_t>, uint64_t> epochs_ ABSL_GUARDED_BY(mu_);
};

}  // namespace timebank::auth

#endif  // TIMEBANK_SERVICES_COMMON_AUTH_REVOCATIONS_H_
