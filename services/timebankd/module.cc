#include "services/timebankd/module.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "services/common/ids.h"
#include "storage/rocks_store.h"

namespace timebank {

bool NodeContext::Hosts(const std::string& service) const {
  return std::find(hosted->begin(), hosted->end(), service) != hosted->end();
}

std::shared_ptr<grpc::Channel> NodeContext::Peer(const std::string& service,
                                                 const std::string& address) const {
  return Hosts(service) ? server->InProcessChannel() : MakeChannel(address);
}

std::string NodeContext::StorePath(const std::string& name) const {
  return (std::filesystem::path(options->data_dir) / name).string();
}

system::BackupTarget StoreBackup(const std::string& name, storage::KvStore* store) {
  return {name, [store](const std::string& dir) { return store->Checkpoint(dir); }};
}

system::BackupTarget KeyFileBackup(const std::string& name, const std::string& path) {
  return {name, [name, path](const std::string& dest) {
            std::error_code ec;
            std::filesystem::copy_file(path, dest, ec);
            if (ec)
              return absl::InternalError(absl::StrCat("copying the ", name, ": ", ec.message()));
            std::filesystem::permissions(
                dest, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
            return absl::OkStatus();
          }};
}

absl::StatusOr<std::unique_ptr<storage::KvStore>> OpenRecordsStore(const NodeContext& ctx,
                                                                   const std::string& name) {
  storage::RocksStoreOptions ro;
  ro.path = ctx.StorePath(name);
  // Activity and expenses hold the ledger ids of their postings.
  ro.identity = absl::StrCat("timebank.", name, ".v1", kScopedIdsFormat);
  ro.earlier_identities = {absl::StrCat("timebank.", name, ".v1")};
  ro.earlier_advice = kBeforeScopedIdsAdvice;
  ro.column_families = {{"records", storage::CfProfile::kPointLookup}};
  ro.write_buffer_bytes = 16u << 20;
  ro.block_cache_bytes = 16u << 20;
  return storage::OpenRocksStore(ro);
}

absl::Status NeedLedgerAndDirectory(const NodeContext& ctx, const std::string& service) {
  if ((!ctx.Hosts("ledger") && ctx.options->ledger_address.empty()) ||
      (!ctx.Hosts("directory") && ctx.options->directory_address.empty())) {
    return absl::InvalidArgumentError(
        absl::StrCat("--ledger_address/--directory_address: the ", service,
                     " service needs the ledger and the directory; host them too, or say "
                     "where they are"));
  }
  return absl::OkStatus();
}

void ConnectLedgerAndDirectory(const NodeContext& ctx, GrpcPeers* peers) {
  peers->Connect(ctx.Peer("directory", ctx.options->directory_address),
                 ctx.Peer("ledger", ctx.options->ledger_address));
}

}  // namespace timebank
