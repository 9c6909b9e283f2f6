#include "storage/record_tx.h"

#include "absl/strings/str_cat.h"
#include "storage/bytes.h"
#include "storage/check.h"

namespace timebank::storage {

RecordTx::RecordTx(KvStore* store, ColumnFamily cf, char counter_tag)
    : store_(store), cf_(cf), counter_tag_(counter_tag) {}

absl::StatusOr<uint64_t> RecordTx::NextId(const std::string& name) {
  auto it = counters_.find(name);
  uint64_t last = 0;
  if (it != counters_.end()) {
    last = it->second;
  } else {
    std::string v;
    TB_ASSIGN_OR_RETURN(bool found, store_->Get(cf_, KeyStr(counter_tag_, name), &v, nullptr));
    if (found) {
      TB_CHECK(v.size() == 8);
      last = DecodeU64(v.data());
    }
  }
  counters_[name] = last + 1;
  return last + 1;
}

absl::StatusOr<bool> RecordTx::Get(std::string_view key, std::string* value) const {
  auto it = staged_.find(key);
  if (it == staged_.end()) return store_->Get(cf_, key, value, nullptr);
  if (!it->second) return false;
  *value = *it->second;
  return true;
}

absl::Status RecordTx::Commit() {
  std::unique_ptr<WriteBatch> batch = store_->NewBatch();
  for (const auto& [key, value] : staged_) {
    if (value) {
      batch->Put(cf_, key, *value);
    } else {
      batch->Delete(cf_, key);
    }
  }
  for (const auto& [name, v] : counters_) {
    std::string value;
    PutU64(&value, v);
    batch->Put(cf_, KeyStr(counter_tag_, name), value);
  }
  absl::Status s = store_->Write(batch.get(), {.sync = true});
  if (!s.ok()) {
    return absl::UnavailableError(
        absl::StrCat("could not write to disk (", s.message(), "); nothing was saved; retry"));
  }
  return absl::OkStatus();
}

}  // namespace timebank::storage
