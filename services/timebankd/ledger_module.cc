#include "services/timebankd/ledger_module.h"

#include <utility>

#include "services/ledger/ledger_schema.h"
#include "services/ledger/ledger_service.h"
#include "services/ledger/ledger_store.h"
#include "storage/check.h"

namespace timebank {

absl::Status LedgerModule::Open(NodeContext& ctx) {
  pool_ = ctx.pool;
  TB_ASSIGN_OR_RETURN(auto store, ledger::OpenLedgerStore(ctx.StorePath("ledger")));
  ledger::LedgerOptions lo = ctx.options->ledger;
  lo.clock = ctx.options->clock;  // one clock for the whole node
  // The metrics see every commit, after any observer the caller gave.
  auto commit_metrics = ledger::LedgerCommitMetrics(ctx.metrics);
  if (lo.on_commit) {
    lo.on_commit = [a = lo.on_commit, commit_metrics](const ledger::CommitStats& st) {
      a(st);
      commit_metrics(st);
    };
  } else {
    lo.on_commit = commit_metrics;
  }
  TB_ASSIGN_OR_RETURN(engine_, ledger::LedgerEngine::Open(std::move(store), lo));
  ledger::RegisterLedgerGauges(ctx.metrics, engine_.get());
  return absl::OkStatus();
}

std::vector<std::unique_ptr<grpc::Service>> LedgerModule::Services() {
  std::vector<std::unique_ptr<grpc::Service>> out;
  out.push_back(std::make_unique<ledger::LedgerServiceImpl>(engine_.get(), pool_));
  return out;
}

std::vector<system::BackupTarget> LedgerModule::Backups() {
  return {{"ledger",
           [engine = engine_.get()](const std::string& dir) { return engine->Checkpoint(dir); }}};
}

}  // namespace timebank
