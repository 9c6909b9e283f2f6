// The directory as a node module: its store under <data_dir>/directory, the
// Directory and its Authenticator, DirectoryService and AuthService, and a store
// checkpoint for backups. It needs the ledger (members' accounts open there) and
// reaches activity and expenses for erasures where they are hosted or named. Once
// the server listens it starts the directory, makes sure an operator exists (or a
// one-time setup code), and runs the thread that retries its outbox.
#ifndef TIMEBANK_SERVICES_TIMEBANKD_DIRECTORY_MODULE_H_
#define TIMEBANK_SERVICES_TIMEBANKD_DIRECTORY_MODULE_H_

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/directory/authenticator.h"
#include "services/directory/directory.h"
#include "services/directory/directory_service.h"
#include "services/directory/erasure_targets_grpc.h"
#include "services/timebankd/module.h"

namespace timebank {

class DirectoryModule final : public ServiceModule {
 public:
  ~DirectoryModule() override { StopPumps(); }
  const char* name() const override { return "directory"; }
  absl::Status CheckPeers(const NodeContext& ctx) const override;
  absl::Status Open(NodeContext& ctx) override;
  std::vector<std::unique_ptr<grpc::Service>> Services() override;
  std::vector<system::BackupTarget> Backups() override;
  absl::Status Connect(NodeContext& ctx) override;
  // Stops the outbox thread, then the directory's account pump (idempotent); the
  // server still answers.
  void StopPumps() override;
  storage::KvStore* records_store() const override { return store_.get(); }

  directory::Directory* directory() const { return directory_.get(); }
  // The one-time setup code made on first start ("" when an operator exists).
  const std::string& setup_code() const { return setup_code_; }

 private:
  void ConnectErasureTargets(const NodeContext& ctx);
  // Retries, every 2 s, ledger accounts the directory could not open yet.
  void RunOutbox();

  std::unique_ptr<storage::KvStore> store_;
  std::unique_ptr<directory::GrpcLedgerAccounts> ledger_accounts_;
  std::unique_ptr<directory::GrpcErasureTargets> erasure_targets_;
  std::unique_ptr<directory::Directory> directory_;
  std::unique_ptr<directory::Authenticator> authenticator_;
  std::string setup_code_;
  std::thread outbox_thread_;
  absl::Mutex outbox_mu_;
  bool outbox_stop_ ABSL_GUARDED_BY(outbox_mu_) = false;
};

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_TIMEBANKD_DIRECTORY_MODULE_H_
