// The ledger's on-disk store: two RocksDB databases in one directory, joined into
// one KvStore with the schema's family numbers (storage/split_store.h):
//   <dir>/journal  the source of truth, one synced batch per group commit;
//   <dir>/index    the projection, written without a log and rebuilt from the
//                  journal's tail after a crash.
// Separate databases keep a commit from waiting behind the index's large writes
// (docs/decisions/0004-ledger-journal-and-index-in-separate-databases.md).
#ifndef TIMEBANK_SERVICES_LEDGER_LEDGER_STORE_H_
#define TIMEBANK_SERVICES_LEDGER_LEDGER_STORE_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "storage/kv_store.h"

namespace timebank::ledger {

struct LedgerStoreOptions {
  size_t block_cache_bytes = 64u << 20;  // per database
  size_t write_buffer_bytes = 64u << 20;
};

absl::StatusOr<std::unique_ptr<storage::KvStore>> OpenLedgerStore(
    const std::string& dir, const LedgerStoreOptions& options = {});

}  // namespace timebank::ledger

#endif  // TIMEBANK_SERVICES_LEDGER_LEDGER_STORE_H_
