#include "services/common/auth/revocation_follower.h"

#include <pthread.h>

#include <chrono>
#include <cstdio>

#include "services/common/auth/auth_interceptor.h"
#include "services/common/auth/token.h"

namespace timebank::auth {
namespace {

namespace dpb = ::timebank::directory::v1;

// One answer holds at most this many; a longer backlog takes a few polls in a row.
constexpr int kMaxPollsInARow = 100;

}  // namespace

RevocationFollower::RevocationFollower(Keyring* keyring, Revocations* revocations,
                                       std::shared_ptr<grpc::Channel> directory, const Clock* clock)
    : keyring_(keyring),
      revocations_(revocations),
      clock_(clock),
      stub_(dpb::AuthService::NewStub(std::move(directory))) {
  revocations_->FollowDirectory();
  thread_ = std::thread([this] { Run(); });
}

RevocationFollower::~RevocationFollower() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

absl::Status RevocationFollower::Poll() {
  const int64_t started_ms = absl::ToUnixMillis(clock_->Now());
  for (int round = 0; round < kMaxPollsInARow; ++round) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::milliseconds(kRevocationPollIntervalMs));
    AddBearer(&ctx, MintServiceToken(*keyring_, "revocations", started_ms / 1000));
    dpb::PollRevocationsRequest req;
    req.set_after_seq(after_seq_);
    dpb::PollRevocationsResponse resp;
    const grpc::Status s = stub_->PollRevocations(&ctx, req, &resp);
    if (!s.ok()) return absl::UnavailableError(s.error_message());
    for (const dpb::Revocation& r : resp.revocations()) {
      if (r.epoch() != 0)
        revocations_->SetEpoch(r.kind(), r.community_id(), r.subject_id(), r.epoch());
      if (r.session_id() != 0) revocations_->EndSession(r.session_id(), r.at_s());
    }
    if (resp.head_seq() < after_seq_) {
      // A directory restored from an older backup counts from a smaller head: start
      // over (what still matters comes again; applying an event twice changes nothing).
      after_seq_ = 0;
      continue;
    }
    if (!resp.more()) {
      after_seq_ = resp.head_seq();
      revocations_->MarkSynced(started_ms);
      return absl::OkStatus();
    }
    after_seq_ = resp.revocations().empty() ? resp.head_seq() : resp.revocations().rbegin()->seq();
  }
  return absl::OkStatus();  // still catching up; the next poll continues
}

void RevocationFollower::Run() {
  pthread_setname_np(pthread_self(), "tb-revocations");
  bool failing = false;
  absl::MutexLock lock(&mu_);
  while (!stop_) {
    mu_.Unlock();
    const absl::Status s = Poll();
    if (!s.ok() && !failing) {
      std::fprintf(stderr,
                   "timebankd: cannot reach the directory to follow sign-outs (%s); people's "
                   "tokens are refused here until it answers\n",
                   std::string(s.message()).c_str());
    } else if (s.ok() && failing) {
      std::fprintf(stderr, "timebankd: following the directory's sign-outs again\n");
    }
    failing = !s.ok();
    mu_.Lock();
    mu_.AwaitWithTimeout(absl::Condition(&stop_), absl::Milliseconds(kRevocationPollIntervalMs));
  }
}

}  // namespace timebank::auth
