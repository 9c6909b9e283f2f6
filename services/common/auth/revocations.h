// Revocations says which access tokens were ended before they expire. Two kinds of
// entry: a subject's epoch (its tokens issued before the epoch are refused: signing out
// everywhere, a role change, suspension, erasure, a revoked API key) and an ended
// session (SignOut: the tokens of that one session are refused). The interceptor only
// reads it. In the directory's process the directory writes it as it commits each
// revocation, so revocations take effect there at once. A process without the
// directory follows the directory's revocations (RevocationFollower) and, until it has
// heard from the directory recently enough, answers kUnknown for every token a
// revocation could end (it fails closed), so a revocation reaches every process within
// kRevocationMaxLagMs.
//
// An entry matters only while a token issued before it can still be live: one
// access-token lifetime plus clock skew (kRevocationWindowS). Ended sessions are
// forgotten after that; epochs are few (one per subject ever revoked) and kept.
#ifndef TIMEBANK_SERVICES_COMMON_AUTH_REVOCATIONS_H_
#define TIMEBANK_SERVICES_COMMON_AUTH_REVOCATIONS_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "services/common/auth/token.h"
#include "services/common/clock.h"
#include "timebank/directory/v1/token.pb.h"

namespace timebank::auth {

// How long a revocation must be remembered: tokens issued before it expire by then.
inline constexpr int64_t kRevocationWindowS = kAccessTokenLifetimeS + 2 * kClockSkewS;
// A process that does not host the directory asks it for new revocations this often...
inline constexpr int64_t kRevocationPollIntervalMs = 1000;
// ...and refuses (UNAVAILABLE) people's and API keys' tokens when its last successful
// poll started longer ago than this. So a revocation takes effect in every process
// within kRevocationMaxLagMs of the directory committing it (docs/OPERATIONS.md).
inline constexpr int64_t kRevocationMaxLagMs = 5000;
static_assert(kRevocationPollIntervalMs * 2 < kRevocationMaxLagMs,
              "a single slow or lost poll must not make a healthy follower refuse tokens");

class Revocations {
 public:
  enum class Verdict {
    kCurrent,  // not revoked
    kRevoked,  // signed out, or issued before the subject's epoch
    kUnknown,  // a follower that has not heard from the directory recently enough
  };

  // `clock` dates the pruning of ended sessions.
  explicit Revocations(const Clock* clock = SystemClock()) : clock_(clock) {}

  // Service tokens are not revocable (keys are rotated instead): kCurrent without a lock.
  Verdict Check(const ::timebank::directory::v1::TokenClaims& c, int64_t now_ms) const;
  // Whether the token was revoked, as far as this table knows (however fresh it is).
  bool Revoked(const ::timebank::directory::v1::TokenClaims& c) const;
  bool IsCurrent(const ::timebank::directory::v1::TokenClaims& c) const { return !Revoked(c); }

  // Raises a subject's epoch (never lowers it: a stale event cannot revive tokens).
  void SetEpoch(int kind, uint64_t community_id, uint64_t subject_id, uint64_t epoch);
  uint64_t Epoch(int kind, uint64_t community_id, uint64_t subject_id) const;
  // Refuses the session's tokens; forgotten kRevocationWindowS after ended_at_s.
  void EndSession(uint64_t session_id, int64_t ended_at_s);
  bool SessionEnded(uint64_t session_id) const;

  // Makes this table a follower's: Check answers kUnknown for revocable tokens unless
  // MarkSynced was called with a poll that started at most kRevocationMaxLagMs ago.
  void FollowDirectory() { following_.store(true, std::memory_order_release); }
  // A poll that started at `poll_started_ms` (Unix ms) answered, and its answer is
  // applied. Also forgets sessions that ended longer than the window ago.
  void MarkSynced(int64_t poll_started_ms);

 private:
  void PruneSessions(int64_t now_s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Clock* const clock_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::tuple<int, uint64_t, uint64_t>, uint64_t> epochs_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<uint64_t> ended_sessions_ ABSL_GUARDED_BY(mu_);
  std::deque<std::pair<int64_t, uint64_t>> ended_order_ ABSL_GUARDED_BY(mu_);  // (at_s, id)
  std::atomic<bool> following_{false};
  std::atomic<int64_t> synced_at_ms_{0};
};

}  // namespace timebank::auth

#endif  // TIMEBANK_SERVICES_COMMON_AUTH_REVOCATIONS_H_
