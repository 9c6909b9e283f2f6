// The expenses service as a node module: its records store under
// <data_dir>/expenses, the bank keyring <data_dir>/expenses-bank-keyring, the ExpenseBook,
// ExpensesService, a store checkpoint for backups, and the pump that posts its outbox to the
// ledger. It needs the ledger and the directory; claim lines that name an activity are checked at
// the activity service, in this process or at --activity_address.
#ifndef TIMEBANK_SERVICES_TIMEBANKD_EXPENSES_MODULE_H_
#define TIMEBANK_SERVICES_TIMEBANKD_EXPENSES_MODULE_H_

#include <memory>
#include <vector>

#include "services/common/grpc_peers.h"
#include "services/common/outbox_pump.h"
#include "services/expenses/expense_book.h"
#include "services/timebankd/module.h"

namespace timebank {

class ExpensesModule final : public ServiceModule {
 public:
  const char* name() const override { return "expenses"; }
  absl::Status CheckPeers(const NodeContext& ctx) const override {
    return NeedLedgerAndDirectory(ctx, "expenses");
  }
  absl::Status Open(NodeContext& ctx) override;
  std::vector<std::unique_ptr<grpc::Service>> Services() override;
  std::vector<system::BackupTarget> Backups() override {
    // Without its keyring a restored store could not open members' bank details.
    return {StoreBackup("expenses", store_.get()),
            KeyFileBackup("expenses-bank-keyring", bank_keyring_path_)};
  }
  absl::Status Connect(NodeContext& ctx) override;
  // A post in flight completes while the server still answers.
  // Stops the pump but keeps it: the gRPC service holds it until the server stops.
  void StopPumps() override {
    if (pump_ != nullptr) pump_->Stop();
  }
  storage::KvStore* records_store() const override { return store_.get(); }
  expenses::ExpenseBook* book() const { return book_.get(); }

 private:
  std::unique_ptr<storage::KvStore> store_;
  std::unique_ptr<GrpcPeers> peers_;
  std::unique_ptr<auth::Keyring> bank_keys_;  // seals members' bank details
  std::string bank_keyring_path_;
  std::unique_ptr<expenses::ExpenseBook> book_;
  std::unique_ptr<OutboxPump> pump_;
};

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_TIMEBANKD_EXPENSES_MODULE_H_
