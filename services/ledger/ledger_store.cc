#include "services/ledger/ledger_store.h"

#include <filesystem>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/ids.h"
#include "services/ledger/ledger_schema.h"
#include "storage/check.h"
#include "storage/rocks_store.h"
#include "storage/split_store.h"

namespace timebank::ledger {

absl::StatusOr<std::unique_ptr<storage::KvStore>> OpenLedgerStore(
    const std::string& dir, const LedgerStoreOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(fs::path(dir) / "CURRENT", ec)) {
    // Development builds before the split kept journal and index in one database.
    return absl::FailedPreconditionError(
        absl::StrCat("data directory ", dir,
                     " holds a ledger in the single-database layout of development builds; this "
                     "version keeps it in ",
                     dir, "/journal and ", dir,
                     "/index. Start with a new data directory (nothing in it can be converted)"));
  }
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    return absl::FailedPreconditionError(
        absl::StrCat("data directory ", dir, " is a file, not a directory"));
  }
  const bool has_journal = fs::exists(fs::path(dir) / schema::kJournalPart, ec);
  if (!has_journal && fs::exists(fs::path(dir) / schema::kIndexPart, ec)) {
    // An index alone would be opened with a new, empty journal: refuse instead.
    return absl::DataLossError(absl::StrCat(
        "data directory ", dir, " has a ledger index but no journal (", dir,
        "/journal is missing): restore the ledger from a backup (docs/OPERATIONS.md)"));
  }
  if (!has_journal && fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "data directory ", dir,
        " is not empty and holds no timebank ledger; choose an empty or new directory"));
  }
  fs::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot create ", dir, ": ", ec.message()));

  auto open = [&](const char* name, const char* identity, const char* earlier,
                  std::vector<storage::CfSpec> families) {
    storage::RocksStoreOptions o;
    o.path = (fs::path(dir) / name).string();
    o.identity = identity;
    o.earlier_identities = {earlier};
    o.earlier_advice = kBeforeScopedIdsAdvice;
    o.column_families = std::move(families);
    o.block_cache_bytes = options.block_cache_bytes;
    o.write_buffer_bytes = options.write_buffer_bytes;
    return storage::OpenRocksStore(o);
  };
  // Journal keys (u64 sequence numbers, first byte 0 below 2^56) are one run;
  // statement keys ('a', u64 account, u64 seq) one run per account.
  // Texts are keyed like the journal and read by seq (and by range when verifying).
  TB_ASSIGN_OR_RETURN(
      auto journal, open(schema::kJournalPart, schema::kIdentity, schema::kIdentityBeforeScopedIds,
                         {{"journal", storage::CfProfile::kAppendLog,
                           storage::AppendRuns{.tag = 0, .prefix_bytes = 1}},
                          {"texts", storage::CfProfile::kAppendLog,
                           storage::AppendRuns{.tag = 0, .prefix_bytes = 1}}}));
  TB_ASSIGN_OR_RETURN(
      auto index,
      open(schema::kIndexPart, schema::kIndexIdentity, schema::kIndexIdentityBeforeScopedIds,
           {{"index", storage::CfProfile::kPointLookup,
             storage::AppendRuns{.tag = schema::kStatementTag, .prefix_bytes = 9}}}));
  std::vector<storage::SplitPart> parts;
  // The journal first: a checkpoint copies the index before it (never newer).
  parts.push_back({schema::kJournalPart, std::move(journal), {schema::kJournal, schema::kTexts}});
  parts.push_back({schema::kIndexPart, std::move(index), {schema::kIndex}});
  return storage::NewSplitStore(std::move(parts));
}

}  // namespace timebank::ledger
