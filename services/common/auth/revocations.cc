#include "services/common/auth/revocations.h"

#include <algorithm>

namespace timebank::auth {

namespace dpb = ::timebank::directory::v1;

bool Revocations::Revoked(const dpb::TokenClaims& c) const {
  const dpb::Principal& p = c.principal();
  if (p.kind() == dpb::Principal::KIND_SERVICE) return false;
  absl::ReaderMutexLock lock(&mu_);
  if (auto it = epochs_.find(
          std::make_tuple(static_cast<int>(p.kind()), p.community_id(), p.subject_id()));
      it != epochs_.end() && c.epoch() < it->second) {
    return true;
  }
  return c.session_id() != 0 && ended_sessions_.contains(c.session_id());
}

Revocations::Verdict Revocations::Check(const dpb::TokenClaims& c, int64_t now_ms) const {
  if (c.principal().kind() == dpb::Principal::KIND_SERVICE) return Verdict::kCurrent;
  if (following_.load(std::memory_order_acquire) &&
      now_ms - synced_at_ms_.load(std::memory_order_acquire) > kRevocationMaxLagMs) {
    return Verdict::kUnknown;
  }
  return Revoked(c) ? Verdict::kRevoked : Verdict::kCurrent;
}

void Revocations::SetEpoch(int kind, uint64_t community_id, uint64_t subject_id, uint64_t epoch) {
  absl::MutexLock lock(&mu_);
  uint64_t& e = epochs_[std::make_tuple(kind, community_id, subject_id)];
  e = std::max(e, epoch);
}

uint64_t Revocations::Epoch(int kind, uint64_t community_id, uint64_t subject_id) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = epochs_.find(std::make_tuple(kind, community_id, subject_id));
  return it == epochs_.end() ? 0 : it->second;
}

void Revocations::EndSession(uint64_t session_id, int64_t ended_at_s) {
  absl::MutexLock lock(&mu_);
  if (ended_sessions_.insert(session_id).second) ended_order_.emplace_back(ended_at_s, session_id);
  PruneSessions(clock_->NowUnixSeconds());
}

bool Revocations::SessionEnded(uint64_t session_id) const {
  absl::ReaderMutexLock lock(&mu_);
  return ended_sessions_.contains(session_id);
}

void Revocations::MarkSynced(int64_t poll_started_ms) {
  int64_t seen = synced_at_ms_.load(std::memory_order_acquire);
  while (seen < poll_started_ms &&
         !synced_at_ms_.compare_exchange_weak(seen, poll_started_ms, std::memory_order_acq_rel)) {
  }
  absl::MutexLock lock(&mu_);
  PruneSessions(poll_started_ms / 1000);
}

void Revocations::PruneSessions(int64_t now_s) {
  // Ended sessions arrive roughly in time order; one late arrival only stays longer.
  while (!ended_order_.empty() && ended_order_.front().first < now_s - kRevocationWindowS) {
    ended_sessions_.erase(ended_order_.front().second);
    ended_order_.pop_front();
  }
}

}  // namespace timebank::auth
