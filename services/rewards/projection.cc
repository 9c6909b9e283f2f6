#include "services/rewards/projection.h"

#include <openssl/evp.h>

#include <memory>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "services/common/ids.h"
#include "services/rewards/rewards_records.h"
#include "storage/bytes.h"
#include "storage/check.h"

namespace timebank::rewards {

namespace lpb = ::timebank::ledger::v1;

RewardsProjection::RewardsProjection(storage::KvStore* store, People* people)
    : store_(store), zones_(store, people), projector_(&zones_) {}

absl::Status RewardsProjection::Open() {
  TB_ASSIGN_OR_RETURN(::timebank::rewards::v1::Cursor c, LoadCursor(store_));
  journal_seq_.store(c.journal_seq(), std::memory_order_release);
  return absl::OkStatus();
}

absl::Status RewardsProjection::Apply(const std::vector<lpb::JournalEntry>& entries) {
  absl::flat_hash_set<uint64_t> communities;
  for (const lpb::JournalEntry& e : entries) {
    if (!e.has_transfer()) continue;
    if (std::optional<uint64_t> c = CommunityOfId(e.transfer().id())) communities.insert(*c);
  }
  for (uint64_t c : communities) TB_RETURN_IF_ERROR(zones_.Resolve(c));
  uint64_t seq = journal_seq();
  ProjectionTx tx(store_, &cache_);
  for (const lpb::JournalEntry& e : entries) {
    if (e.seq() <= seq) continue;
    if (e.seq() != seq + 1) {
      return absl::InternalError(absl::StrCat("the journal skipped from entry ", seq, " to ",
                                              e.seq(), "; the rewards projection stays at ", seq));
    }
    TB_RETURN_IF_ERROR(projector_.Apply(e, tx));
    seq = e.seq();
  }
  if (seq == journal_seq()) return absl::OkStatus();
  ::timebank::rewards::v1::Cursor cursor;
  cursor.set_journal_seq(seq);
  TB_RETURN_IF_ERROR(tx.Commit(cursor));
  journal_seq_.store(seq, std::memory_order_release);
  return absl::OkStatus();
}

absl::Status RewardsProjection::Wipe() {
  constexpr size_t kDeletesPerBatch = 10'000;
  cache_.Clear();
  std::unique_ptr<storage::Iterator> it = store_->NewIterator(kRecords);
  std::unique_ptr<storage::WriteBatch> batch = store_->NewBatch();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (!IsProjectionTag(it->key()[0]) && it->key()[0] != kCursorTag) continue;
    batch->Delete(kRecords, it->key());
    if (batch->Count() == kDeletesPerBatch) {
      TB_RETURN_IF_ERROR(store_->Write(batch.get(), storage::WriteOptions{}));
      batch->Clear();
    }
  }
  TB_RETURN_IF_ERROR(it->status());
  TB_RETURN_IF_ERROR(store_->Write(batch.get(), storage::WriteOptions{}));
  journal_seq_.store(0, std::memory_order_release);
  return absl::OkStatus();
}

absl::StatusOr<ProjectionDigest> RewardsProjection::Digest() const {
  ProjectionDigest d;
  std::shared_ptr<const storage::Snapshot> snap = store_->GetSnapshot();
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  TB_CHECK(ctx != nullptr && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) == 1);
  std::unique_ptr<storage::Iterator> it = store_->NewIterator(kRecords, snap.get());
  const std::string cursor_key = CursorKey();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key() == cursor_key) {
      ::timebank::rewards::v1::Cursor c;
      if (!c.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
        return absl::DataLossError("the rewards projection's cursor is damaged");
      }
      d.journal_seq = c.journal_seq();
      continue;
    }
    if (!IsProjectionTag(it->key()[0])) continue;
    // Length-prefixed, so no two different record sets hash the same bytes.
    for (std::string_view part : {it->key(), it->value()}) {
      const uint64_t n = part.size();
      EVP_DigestUpdate(ctx.get(), &n, sizeof n);
      EVP_DigestUpdate(ctx.get(), part.data(), part.size());
    }
    ++d.records;
  }
  TB_RETURN_IF_ERROR(it->status());
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  TB_CHECK(EVP_DigestFinal_ex(ctx.get(), out, &len) == 1);
  d.digest_hex = storage::ToHex(std::string_view(reinterpret_cast<char*>(out), len));
  return d;
}

}  // namespace timebank::rewards
