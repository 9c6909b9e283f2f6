// SystemService: server-level calls every timebankd answers. Ping is deliberately
// empty (the baseline of every performance ratio); CreateBackup writes a consistent
// checkpoint of every hosted store.
#ifndef TIMEBANK_SERVICES_SYSTEM_SYSTEM_SERVICE_H_
#define TIMEBANK_SERVICES_SYSTEM_SYSTEM_SERVICE_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/common/worker_pool.h"
#include "timebank/system/v1/system.grpc.pb.h"

namespace timebank::system {

namespace pb = ::timebank::system::v1;

// One named store that can write a checkpoint of itself into a directory.
struct BackupTarget {
  std::string name;
  std::function<absl::Status(const std::string& dir)> checkpoint;
};

class SystemServiceImpl final : public pb::SystemService::CallbackService {
 public:
  // `clock` gives the uptime GetServerInfo reports (from construction).
  SystemServiceImpl(std::vector<std::string> services, std::vector<BackupTarget> backups,
                    WorkerPool* pool, const Clock* clock = SystemClock());

  grpc::ServerUnaryReactor* Ping(grpc::CallbackServerContext* ctx, const pb::PingRequest* req,
                                 pb::PingResponse* resp) override;
  grpc::ServerUnaryReactor* GetServerInfo(grpc::CallbackServerContext* ctx,
                                          const pb::GetServerInfoRequest* req,
                                          pb::GetServerInfoResponse* resp) override;
  grpc::ServerUnaryReactor* CreateBackup(grpc::CallbackServerContext* ctx,
                                         const pb::CreateBackupRequest* req,
                                         pb::CreateBackupResponse* resp) override;

 private:
  const std::vector<std::string> services_;
  const std::vector<BackupTarget> backups_;
  WorkerPool* const pool_;
  const Clock* const clock_;
  const absl::Time started_;
};

}  // namespace timebank::system

#endif  // TIMEBANK_SERVICES_SYSTEM_SYSTEM_SERVICE_H_
