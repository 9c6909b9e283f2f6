// GrpcErasureTargets: the directory's ErasureTargets (erasure_outbox.h) over gRPC, the
// client side of each service's service-only erasure and export RPCs. Kept apart from
// directory_service.* (the directory's own gRPC handlers), whose callers it does not
// share: the erasure outbox calls it.
#ifndef TIMEBANK_SERVICES_DIRECTORY_ERASURE_TARGETS_GRPC_H_
#define TIMEBANK_SERVICES_DIRECTORY_ERASURE_TARGETS_GRPC_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/common/auth/keyring.h"
#include "services/common/clock.h"
#include "services/directory/erasure_outbox.h"

namespace timebank::directory {

// The services that hold copies of members' personal data, over gRPC with the
// directory's own service credential. Which of them the installation has is known at
// start (hosted here, or given an address); until Connect, Erase answers UNAVAILABLE
// and the erasure waits in the outbox.
class GrpcErasureTargets final : public ErasureTargets {
 public:
  GrpcErasureTargets(auth::Keyring* keyring, std::vector<ErasureTarget> targets,
                     const Clock* clock = SystemClock())
      : keyring_(keyring), targets_(std::move(targets)), clock_(clock) {}
  void Connect(ErasureTarget target, std::shared_ptr<grpc::Channel> channel);
  std::vector<ErasureTarget> Targets() const override { return targets_; }
  absl::Status Erase(ErasureTarget target, uint64_t community_id, uint64_t member_id) override;
  absl::StatusOr<std::string> ExportJson(ErasureTarget target, uint64_t community_id,
                                         uint64_t member_id) override;

 private:
  absl::StatusOr<std::shared_ptr<grpc::Channel>> ChannelFor(ErasureTarget target);

  auth::Keyring* const keyring_;
  const std::vector<ErasureTarget> targets_;
  const Clock* const clock_;
  absl::Mutex mu_;
  std::map<ErasureTarget, std::shared_ptr<grpc::Channel>> channels_ ABSL_GUARDED_BY(mu_);
};

}  // namespace timebank::directory

#endif  // TIMEBANK_SERVICES_DIRECTORY_ERASURE_TARGETS_GRPC_H_
