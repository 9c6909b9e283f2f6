#include "services/rewards/projection_tx.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/rewards/rewards_records.h"

namespace timebank::rewards {

absl::StatusOr<google::protobuf::Message*> ProjectionTx::Slot(
    const std::string& key, const google::protobuf::Message& prototype) {
  auto it = slots_.find(key);
  if (it != slots_.end()) return it->second.get();
  if (cache_ != nullptr) {
    if (std::unique_ptr<google::protobuf::Message> kept = cache_->Take(key)) {
      return slots_.emplace(key, std::move(kept)).first->second.get();
    }
  }
  std::unique_ptr<google::protobuf::Message> m(prototype.New());
  std::string bytes;
  TB_ASSIGN_OR_RETURN(bool found, store_->Get(kRecords, key, &bytes));
  if (found && !m->ParseFromString(bytes)) {
    return absl::DataLossError(
        absl::StrCat("a rewards record (tag '", key.substr(0, 1), "') is damaged"));
  }
  return slots_.emplace(key, std::move(m)).first->second.get();
}

absl::Status ProjectionTx::Commit(const rpb::Cursor& cursor) {
  std::vector<Slots::value_type*> sorted;
  sorted.reserve(slots_.size());
  for (auto& slot : slots_) sorted.push_back(&slot);
  std::sort(
      sorted.begin(), sorted.end(),
      [](const Slots::value_type* a, const Slots::value_type* b) { return a->first < b->first; });
  std::unique_ptr<storage::WriteBatch> batch = store_->NewBatch();
  for (const Slots::value_type* slot : sorted) {
    const std::string& key = slot->first;
    // Serialised once (an empty encoding is a record with every sum zero).
    const std::string bytes = slot->second->SerializeAsString();
    if (bytes.empty()) {
      batch->Delete(kRecords, key);
    } else {
      batch->Put(kRecords, key, bytes);
    }
  }
  batch->Put(kRecords, CursorKey(), cursor.SerializeAsString());
  TB_RETURN_IF_ERROR(store_->Write(batch.get(), storage::WriteOptions{}));
  if (cache_ != nullptr) {
    for (auto& [key, m] : slots_) cache_->Put(key, std::move(m));
  }
  slots_.clear();
  return absl::OkStatus();
}

absl::StatusOr<rpb::Cursor> LoadCursor(storage::KvStore* store, const storage::Snapshot* snapshot) {
  rpb::Cursor c;
  std::string bytes;
  TB_ASSIGN_OR_RETURN(bool found, store->Get(kRecords, CursorKey(), &bytes, snapshot));
  if (found && !c.ParseFromString(bytes)) {
    return absl::DataLossError("the rewards projection's cursor is damaged");
  }
  return c;
}

}  // namespace timebank::rewards
