// The system service as a node module, hosted by every node and opened last:
// SystemService (ping, server info, backups) over the backup targets every other
// hosted module declared, plus the signing keyring, so a restored node accepts the
// tokens current when the backup was made.
#ifndef TIMEBANK_SERVICES_TIMEBANKD_SYSTEM_MODULE_H_
#define TIMEBANK_SERVICES_TIMEBANKD_SYSTEM_MODULE_H_

#include <memory>
#include <string>
#include <vector>

#include "services/timebankd/module.h"

namespace timebank {

class SystemModule final : public ServiceModule {
 public:
  const char* name() const override { return "system"; }
  absl::Status Open(NodeContext& ctx) override;
  std::vector<std::unique_ptr<grpc::Service>> Services() override;
  std::vector<system::BackupTarget> Backups() override;

 private:
  std::vector<std::string> hosted_;
  std::vector<system::BackupTarget> backups_;
  std::string keyring_path_;
  WorkerPool* pool_ = nullptr;
  const Clock* clock_ = nullptr;
};

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_TIMEBANKD_SYSTEM_MODULE_H_
