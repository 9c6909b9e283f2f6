// The ledger as a node module: its store under <data_dir>/ledger, the engine with
// commit metrics and gauges, LedgerService, and an engine checkpoint for backups.
// It needs no peers; it stops after the server, so in-flight commits complete.
#ifndef TIMEBANK_SERVICES_TIMEBANKD_LEDGER_MODULE_H_
#define TIMEBANK_SERVICES_TIMEBANKD_LEDGER_MODULE_H_

#include <memory>
#include <vector>

#include "services/ledger/ledger_engine.h"
#include "services/timebankd/module.h"

namespace timebank {

class LedgerModule final : public ServiceModule {
 public:
  const char* name() const override { return "ledger"; }
  absl::Status Open(NodeContext& ctx) override;
  std::vector<std::unique_ptr<grpc::Service>> Services() override;
  std::vector<system::BackupTarget> Backups() override;
  void StopAfterServer() override {
    if (engine_) engine_->Stop();
  }
  ledger::LedgerEngine* engine() const { return engine_.get(); }

 private:
  WorkerPool* pool_ = nullptr;
  std::unique_ptr<ledger::LedgerEngine> engine_;
};

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_TIMEBANKD_LEDGER_MODULE_H_
