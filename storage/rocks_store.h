// RocksStore: KvStore on RocksDB. A store is opened with a fixed list of column
// families and an identity string (e.g. "timebank.ledger.v1") kept inside the
// database, so a directory written by something else is refused at start-up instead
// of being misread.
#ifndef TIMEBANK_STORAGE_ROCKS_STORE_H_
#define TIMEBANK_STORAGE_ROCKS_STORE_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/kv_store.h"

namespace timebank::storage {

// How a column family is used; picks its tuning.
enum class CfProfile {
  kAppendLog,    // keys written in increasing order, read by range (journals)
  kPointLookup,  // random keys, many point reads that usually miss (indexes)
};

// Keys that start with `tag` and grow within runs named by their first
// `prefix_bytes` bytes (e.g. tag, account, then an increasing sequence number): the
// memtable remembers where each run's last key went and starts the next insert of
// that run there instead of searching from the top.
struct AppendRuns {
  char tag = 0;
  size_t prefix_bytes = 1;
};

struct CfSpec {
  CfSpec() = default;
  CfSpec(std::string name, CfProfile profile, std::optional<AppendRuns> append_runs = {})
      : name(std::move(name)), profile(profile), append_runs(append_runs) {}

  std::string name;
  CfProfile profile = CfProfile::kPointLookup;
  std::optional<AppendRuns> append_runs;
};

struct RocksStoreOptions {
  std::string path;
  // Stored in the database on creation and checked on every later open.
  std::string identity;
  // Identities that earlier formats of this same database wrote: opening one is
  // refused with `earlier_advice` (what the operator should do), not as a stranger.
  std::vector<std::string> earlier_identities;
  std::string earlier_advice;
  std::vector<CfSpec> column_families;  // the "default" family is implicit and internal
  size_t block_cache_bytes = 64u << 20;
  size_t write_buffer_bytes = 64u << 20;
};

absl::StatusOr<std::unique_ptr<KvStore>> OpenRocksStore(const RocksStoreOptions& options);

}  // namespace timebank::storage

#endif  // TIMEBANK_STORAGE_ROCKS_STORE_H_
