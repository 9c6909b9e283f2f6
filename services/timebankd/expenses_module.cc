#include "services/timebankd/expenses_module.h"

#include "services/expenses/expenses_service.h"
#include "storage/check.h"

namespace timebank {

absl::Status ExpensesModule::Open(NodeContext& ctx) {
  TB_ASSIGN_OR_RETURN(store_, OpenRecordsStore(ctx, "expenses"));
  const Clock* clock = ctx.options->clock;
  peers_ = std::make_unique<GrpcPeers>(ctx.keyring, "expenses", clock);
  // Members' bank details are sealed under this keyring's keys: a 0600 file beside the
  // store, not in it, so the store's files alone do not open them (0017). A backup
  // holds both, as it holds the token keyring: backups are kept secret.
  bank_keyring_path_ = ctx.StorePath("expenses-bank-keyring");
  TB_ASSIGN_OR_RETURN(bank_keys_, auth::Keyring::Open(bank_keyring_path_, clock));
  book_ = std::make_unique<expenses::ExpenseBook>(store_.get(), peers_.get(), peers_.get(),
                                                  peers_.get(), clock, bank_keys_.get());
  pump_ = std::make_unique<OutboxPump>("tb-exp-dispatch",
                                       [book = book_.get()] { return book->Dispatch(); });
  return absl::OkStatus();
}

std::vector<std::unique_ptr<grpc::Service>> ExpensesModule::Services() {
  std::vector<std::unique_ptr<grpc::Service>> out;
  out.push_back(std::make_unique<expenses::ExpensesServiceImpl>(book_.get(), pump_.get()));
  return out;
}

absl::Status ExpensesModule::Connect(NodeContext& ctx) {
  ConnectLedgerAndDirectory(ctx, peers_.get());
  pump_->Wake();
  // Lines may name the activity that caused them: checked where activity runs.
  if (ctx.Hosts("activity")) {
    peers_->ConnectActivity(ctx.server->InProcessChannel());
  } else if (!ctx.options->activity_address.empty()) {
    peers_->ConnectActivity(MakeChannel(ctx.options->activity_address));
  }
  return absl::OkStatus();
}

}  // namespace timebank
