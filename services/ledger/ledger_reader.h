// LedgerReader answers the ledger's read queries from store snapshots, never from the
// writer's memory, so reads never block writes. The index family may lag the journal
// by a few milliseconds; every query also reads the journal past the index cursor
// (the "gap") so that answers always include every committed entry.
#ifndef TIMEBANK_SERVICES_LEDGER_LEDGER_READER_H_
#define TIMEBANK_SERVICES_LEDGER_LEDGER_READER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/paging.h"
#include "services/ledger/ledger_state.h"
#include "services/ledger/model.h"
#include "storage/kv_store.h"

namespace timebank::ledger {

struct StatementQuery {
  uint64_t account_number = 0;
  std::string account_id;
  int64_t start_ns = 0;  // 0 = unbounded; range is [start, end) over recorded_at
  int64_t end_ns = 0;    // 0 = unbounded
  bool oldest_first = false;
  size_t page_size = kDefaultPageSize;
  // Continue after this seq (exclusive, in the query's direction); 0 = from the start.
  uint64_t after_seq = 0;
};

// The transfers; next_after is the seq the next page continues after.
using StatementPage = Page<StoredTransfer>;

struct VerifyResult {
  bool ok = true;
  uint64_t entries_checked = 0;
  // Entries (v3) whose texts were checked against their digest, and whose were erased.
  uint64_t texts_verified = 0;
  uint64_t texts_erased = 0;
  uint64_t head_seq = 0;
  storage::Hash256 head_hash{};
  uint64_t first_bad_seq = 0;
  std::string message;
};

class LedgerReader final : public TransferLookup {
 public:
  explicit LedgerReader(storage::KvStore* store) : store_(store) {}

  // TransferLookup, for the writer: latest store state, no snapshot.
  absl::StatusOr<std::optional<StoredTransfer>> Find(std::string_view id) override;

  absl::StatusOr<std::vector<std::optional<StoredTransfer>>> GetTransfers(
      const std::vector<std::string>& ids);
  absl::StatusOr<StatementPage> ListTransfers(const StatementQuery& query);
  // Up to max_entries entries from from_seq on (fewer at the head), with the texts of
  // their transfers (checked against their digests; text_erased where erased) unless
  // `with_texts` is false (the projection indexes no text).
  absl::StatusOr<std::vector<JournalEntry>> ReadJournal(uint64_t from_seq, size_t max_entries,
                                                        const storage::Snapshot* snap = nullptr,
                                                        bool with_texts = true);
  // Fills in the texts of a transfer entry read from the journal without them (no-op
  // for other entries, v1 entries and entries without text); DATA_LOSS if they do not
  // match the entry's digest.
  absl::Status JoinTexts(JournalEntry* e, const storage::Snapshot* snap);
  // Recomputes the whole hash chain. `progress` (optional) sees the count so far.
  absl::StatusOr<VerifyResult> Verify(const std::function<void(uint64_t)>& progress = {});

  // The projection's cursor in `snap` (0 when nothing is indexed yet).
  absl::StatusOr<uint64_t> Cursor(const storage::Snapshot* snap);
  // The seq the persisted balance rows are valid for (0 when none).
  absl::StatusOr<uint64_t> BalancesCursor(const storage::Snapshot* snap);

 private:
  using Resolved = std::vector<std::optional<StoredTransfer>>;
  absl::StatusOr<Resolved> Resolve(const std::vector<std::string>& ids,
                                   const std::vector<JournalEntry>& gap,
                                   const storage::Snapshot* snap);
  absl::StatusOr<uint64_t> ReadCursor(const char* key, const storage::Snapshot* snap);
  absl::StatusOr<uint64_t> FirstSeqAtOrAfter(int64_t ns, const storage::Snapshot* snap);

  storage::KvStore* const store_;
};

}  // namespace timebank::ledger

#endif  // TIMEBANK_SERVICES_LEDGER_LEDGER_READER_H_
