#include "services/timebankd/activity_module.h"

#include "services/activity/activity_service.h"
#include "storage/check.h"

namespace timebank {

absl::Status ActivityModule::Open(NodeContext& ctx) {
  TB_ASSIGN_OR_RETURN(store_, OpenRecordsStore(ctx, "activity"));
  const Clock* clock = ctx.options->clock;
  peers_ = std::make_unique<GrpcPeers>(ctx.keyring, "activity", clock);
  book_ = std::make_unique<activity::ActivityBook>(store_.get(), peers_.get(), peers_.get(), clock);
  pump_ = std::make_unique<OutboxPump>(
      "tb-act-dispatch", [book = book_.get()] { return activity::PumpActivity(book); });
  return absl::OkStatus();
}

std::vector<std::unique_ptr<grpc::Service>> ActivityModule::Services() {
  std::vector<std::unique_ptr<grpc::Service>> out;
  out.push_back(
      std::make_unique<activity::ActivityServiceImpl>(book_.get(), pump_.get(), peers_.get()));
  return out;
}

absl::Status ActivityModule::Connect(NodeContext& ctx) {
  ConnectLedgerAndDirectory(ctx, peers_.get());
  pump_->Wake();
  return absl::OkStatus();
}

}  // namespace timebank
