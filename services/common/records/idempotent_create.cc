#include "services/common/records/idempotent_create.h"

#include "storage/bytes.h"

namespace timebank::records {

std::string RequestKey(char tag, std::initializer_list<absl::AlphaNum> parts,
                       std::string_view request_id) {
  if (request_id.empty()) return "";
  std::string key(1, tag);
  for (const absl::AlphaNum& p : parts) absl::StrAppend(&key, p, ":");
  key.append(request_id);
  return key;
}

std::string EncodeRefs(const std::vector<RecordRef>& refs) {
  std::string out;
  for (const auto& [scope, id] : refs) {
    storage::PutU64(&out, scope);
    storage::PutU64(&out, id);
  }
  return out;
}

std::vector<RecordRef> DecodeRefs(std::string_view stored) {
  std::vector<RecordRef> out;
  for (size_t i = 0; i + 16 <= stored.size(); i += 16) {
    out.emplace_back(storage::DecodeU64(stored.data() + i),
                     storage::DecodeU64(stored.data() + i + 8));
  }
  return out;
}

absl::StatusOr<std::optional<std::string>> Remembered(const Reader& from,
                                                      const std::string& request_key) {
  if (request_key.empty()) return std::nullopt;
  std::string v;
  absl::StatusOr<bool> seen = from.Get(request_key, &v);
  if (!seen.ok()) return seen.status();
  if (!*seen) return std::nullopt;
  return v;
}

}  // namespace timebank::records
