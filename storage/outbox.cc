#include "storage/outbox.h"

#include "absl/strings/match.h"
#include "storage/absl_compat.h"
#include "storage/bytes.h"
#include "storage/check.h"

namespace timebank::storage {

absl::Status Outbox::Add(RecordTx& tx, uint64_t scope, uint64_t id, uint8_t kind) const {
  TB_ASSIGN_OR_RETURN(uint64_t seq, tx.NextId("outbox"));
  std::string entry;
  PutU64(&entry, scope);
  PutU64(&entry, id);
  PutU8(&entry, kind);
  tx.Put(KeyU64(tag_, seq), entry);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<OutboxEntry>> Outbox::Oldest(size_t max, size_t* waiting) const {
  std::vector<OutboxEntry> out;
  *waiting = 0;
  auto it = store_->NewIterator(cf_);
  const std::string prefix(1, tag_);
  for (it->Seek(prefix); it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix); it->Next()) {
    if (out.size() == max) {
      ++*waiting;
      continue;
    }
    const std::string_view v = it->value();
    TB_CHECK(v.size() == 17);
    out.push_back({std::string(it->key()), DecodeU64(v.data()), DecodeU64(v.data() + 8),
                   static_cast<uint8_t>(v[16])});
  }
  TB_RETURN_IF_ERROR(it->status());
  return out;
}

size_t Outbox::Size() const {
  size_t waiting = 0;
  absl::StatusOr<std::vector<OutboxEntry>> none = Oldest(0, &waiting);
  return none.ok() ? waiting : 0;
}

}  // namespace timebank::storage
