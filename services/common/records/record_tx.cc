#include "services/common/records/record_tx.h"

#include "storage/absl_compat.h"
#include "storage/bytes.h"
#include "storage/hash_chain.h"

namespace timebank::records {

absl::Status Tx::Commit() {
  if (!Empty()) {
    absl::Status s = RecordTx::Commit();
    if (!s.ok()) return s;
  }
  for (const std::function<void()>& done : on_commit_) done();
  return absl::OkStatus();
}

std::string EtagOf(std::string_view covered_serialised) {
  return storage::ToHex(storage::HashBytes(storage::Sha256(covered_serialised)).substr(0, 8));
}

absl::Status CheckEtag(std::string_view sent, std::string_view current,
                       std::string_view stale_message, EtagCheck check) {
  if (check == EtagCheck::kIfSent && sent.empty()) return absl::OkStatus();
  if (sent != current) return absl::AbortedError(AsAbsl(stale_message));
  return absl::OkStatus();
}

}  // namespace timebank::records
