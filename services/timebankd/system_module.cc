#include "services/timebankd/system_module.h"

#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"

namespace timebank {

absl::Status SystemModule::Open(NodeContext& ctx) {
  hosted_ = *ctx.hosted;
  keyring_path_ = ctx.keyring_path;
  pool_ = ctx.pool;
  clock_ = ctx.options->clock;
  backups_ = ctx.backups;
  for (system::BackupTarget& b : Backups()) backups_.push_back(std::move(b));
  return absl::OkStatus();
}

std::vector<system::BackupTarget> SystemModule::Backups() {
  // The signing keys go with the stores, so a restored node accepts current tokens.
  return {KeyFileBackup("keyring", keyring_path_)};
}

std::vector<std::unique_ptr<grpc::Service>> SystemModule::Services() {
  std::vector<std::unique_ptr<grpc::Service>> out;
  out.push_back(std::make_unique<system::SystemServiceImpl>(hosted_, backups_, pool_, clock_));
  return out;
}

}  // namespace timebank
