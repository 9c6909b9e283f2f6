// RevocationFollower keeps a process that does not host the directory up to date with
// the directory's revocations: every kRevocationPollIntervalMs it asks the directory
// (AuthService.PollRevocations, with this process's service credential) for what is
// new, applies it to the process's Revocations and marks the table synced. While the
// directory cannot be reached the table goes stale and the access interceptor refuses
// people's and API keys' tokens, so a sign-out is never ignored for longer than
// kRevocationMaxLagMs.
#ifndef TIMEBANK_SERVICES_COMMON_AUTH_REVOCATION_FOLLOWER_H_
#define TIMEBANK_SERVICES_COMMON_AUTH_REVOCATION_FOLLOWER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "services/common/auth/keyring.h"
#include "services/common/auth/revocations.h"
#include "timebank/directory/v1/auth.grpc.pb.h"

namespace timebank::auth {

class RevocationFollower {
 public:
  // Starts following at once; `revocations` is switched to follower mode.
  // `clock` dates each poll (the freshness Revocations::Check measures).
  RevocationFollower(Keyring* keyring, Revocations* revocations,
                     std::shared_ptr<grpc::Channel> directory, const Clock* clock = SystemClock());
  ~RevocationFollower();  // stops and joins
  RevocationFollower(const RevocationFollower&) = delete;
  RevocationFollower& operator=(const RevocationFollower&) = delete;

 private:
  // One poll (and its follow-ups while the directory says more wait). OK: applied.
  absl::Status Poll();
  void Run();

  Keyring* const keyring_;
  Revocations* const revocations_;
  const Clock* const clock_;
  std::unique_ptr<::timebank::directory::v1::AuthService::Stub> stub_;
  uint64_t after_seq_ = 0;  // the thread's own
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace timebank::auth

#endif  // TIMEBANK_SERVICES_COMMON_AUTH_REVOCATION_FOLLOWER_H_
