#include "services/timebankd/directory_module.h"

#include <pthread.h>

#include <cstdio>
#include <utility>

#include "absl/time/time.h"
#include "services/common/ids.h"
#include "services/directory/directory_schema.h"
#include "storage/check.h"
#include "storage/rocks_store.h"

namespace timebank {
namespace {

// The services a member's erasure must reach: the ledger always (the directory needs
// it anyway), activity and expenses where this node hosts them or knows where they are.
std::vector<directory::ErasureTarget> ErasureTargetsOf(const NodeContext& ctx) {
  std::vector<directory::ErasureTarget> targets = {directory::ErasureTarget::kLedger};
  if (ctx.Hosts("activity") || !ctx.options->activity_address.empty()) {
    targets.push_back(directory::ErasureTarget::kActivity);
  } else {
    std::fprintf(stderr,
                 "timebankd: erasure will not reach the activity service: host it here or give "
                 "--activity_address\n");
  }
  if (ctx.Hosts("expenses") || !ctx.options->expenses_address.empty()) {
    targets.push_back(directory::ErasureTarget::kExpenses);
  } else {
    std::fprintf(stderr,
                 "timebankd: erasure will not reach the expenses service: host it here or give "
                 "--expenses_address\n");
  }
  if (ctx.Hosts("rewards") || !ctx.options->rewards_address.empty()) {
    targets.push_back(directory::ErasureTarget::kRewards);
  } else {
    std::fprintf(stderr,
                 "timebankd: erasure will not reach the rewards service: host it here or give "
                 "--rewards_address\n");
  }
  return targets;
}

}  // namespace

absl::Status DirectoryModule::CheckPeers(const NodeContext& ctx) const {
  if (!ctx.Hosts("ledger") && ctx.options->ledger_address.empty()) {
    return absl::InvalidArgumentError(
        "--ledger_address: the directory needs the ledger; host both, or say where the ledger "
        "is");
  }
  return absl::OkStatus();
}

absl::Status DirectoryModule::Open(NodeContext& ctx) {
  storage::RocksStoreOptions ro;
  ro.path = ctx.StorePath("directory");
  ro.identity = directory::schema::kIdentity;
  ro.earlier_identities = {directory::schema::kIdentityBeforeScopedIds};
  ro.earlier_advice = kBeforeScopedIdsAdvice;
  ro.column_families = directory::schema::ColumnFamilies();
  ro.write_buffer_bytes = 8u << 20;
  ro.block_cache_bytes = 16u << 20;
  TB_ASSIGN_OR_RETURN(store_, storage::OpenRocksStore(ro));
  const Clock* clock = ctx.options->clock;
  ledger_accounts_ = std::make_unique<directory::GrpcLedgerAccounts>(ctx.keyring, clock);
  erasure_targets_ =
      std::make_unique<directory::GrpcErasureTargets>(ctx.keyring, ErasureTargetsOf(ctx), clock);
  directory_ = std::make_unique<directory::Directory>(
      store_.get(), ledger_accounts_.get(), ctx.revocations, erasure_targets_.get(), clock);
  authenticator_ =
      std::make_unique<directory::Authenticator>(directory_.get(), ctx.keyring, ctx.options->auth);
  return absl::OkStatus();
}

std::vector<std::unique_ptr<grpc::Service>> DirectoryModule::Services() {
  std::vector<std::unique_ptr<grpc::Service>> out;
  out.push_back(
      std::make_unique<directory::DirectoryServiceImpl>(directory_.get(), authenticator_.get()));
  out.push_back(std::make_unique<directory::AuthServiceImpl>(authenticator_.get()));
  return out;
}

std::vector<system::BackupTarget> DirectoryModule::Backups() {
  return {StoreBackup("directory", store_.get())};
}

void DirectoryModule::ConnectErasureTargets(const NodeContext& ctx) {
  const NodeOptions& o = *ctx.options;
  erasure_targets_->Connect(directory::ErasureTarget::kLedger,
                            ctx.Peer("ledger", o.ledger_address));
  if (ctx.Hosts("activity") || !o.activity_address.empty()) {
    erasure_targets_->Connect(directory::ErasureTarget::kActivity,
                              ctx.Peer("activity", o.activity_address));
  }
  if (ctx.Hosts("expenses") || !o.expenses_address.empty()) {
    erasure_targets_->Connect(directory::ErasureTarget::kExpenses,
                              ctx.Peer("expenses", o.expenses_address));
  }
  if (ctx.Hosts("rewards") || !o.rewards_address.empty()) {
    erasure_targets_->Connect(directory::ErasureTarget::kRewards,
                              ctx.Peer("rewards", o.rewards_address));
  }
}

absl::Status DirectoryModule::Connect(NodeContext& ctx) {
  ConnectErasureTargets(ctx);
  ledger_accounts_->Connect(ctx.Peer("ledger", ctx.options->ledger_address));
  TB_RETURN_IF_ERROR(directory_->Start());
  TB_ASSIGN_OR_RETURN(setup_code_, authenticator_->EnsureOperator(ctx.options->admin_username,
                                                                  ctx.options->admin_password));
  outbox_thread_ = std::thread([this] { RunOutbox(); });
  return absl::OkStatus();
}

void DirectoryModule::RunOutbox() {
  pthread_setname_np(pthread_self(), "tb-dir-outbox");
  while (true) {
    {
      absl::MutexLock lock(&outbox_mu_);
      outbox_mu_.AwaitWithTimeout(absl::Condition(&outbox_stop_), absl::Seconds(2));
      if (outbox_stop_) return;
    }
    directory_->DrainOutbox();
  }
}

void DirectoryModule::StopPumps() {
  if (outbox_thread_.joinable()) {
    {
      absl::MutexLock lock(&outbox_mu_);
      outbox_stop_ = true;
    }
    outbox_thread_.join();
  }
  // The account pump next, while the server still answers: an account being opened
  // is opened, and no pump thread outlives the ledger channel it posts through.
  if (directory_ != nullptr) directory_->Stop();
}

}  // namespace timebank
