#include "services/rewards/projection.h"

#include <openssl/evp.h>

#include <limits>
#include <memory>

#include "absl/cleanup/cleanup.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "services/common/ids.h"
#include "services/common/records/record_key.h"
#include "services/common/timestamps.h"
#include "services/rewards/rewards_records.h"
#include "storage/bytes.h"
#include "storage/check.h"

namespace timebank::rewards {

namespace apb = ::timebank::activity::v1;
namespace lpb = ::timebank::ledger::v1;

RewardsProjection::RewardsProjection(storage::KvStore* store, People* people)
    : store_(store),
      zones_(store, people),
      projector_(&zones_),
      badges_(&zones_),
      notices_(store),
      needs_(&zones_) {}

absl::Status RewardsProjection::Open() {
  absl::MutexLock lock(&mu_);
  TB_ASSIGN_OR_RETURN(rpb::Cursor c, LoadCursor(store_));
  applied_seq_ = c.journal_seq();
  journal_seq_.store(c.journal_seq(), std::memory_order_release);
  event_n_ = c.event_n();
  activity_seq_ = c.activity_seq();
  activity_seq_pub_.store(activity_seq_, std::memory_order_release);
  if (c.wiping()) TB_RETURN_IF_ERROR(WipeLocked());  // stopped part way: finish it
  std::unique_ptr<storage::Iterator> it = store_->NewIterator(kRecords);
  it->SeekForPrev(EventKey(std::numeric_limits<uint64_t>::max()));
  TB_RETURN_IF_ERROR(it->status());
  last_event_n_ = it->Valid() && it->key()[0] == kEventTag ? records::U64At(it->key(), 1) : 0;
  TB_CHECK(event_n_ <= last_event_n_);
  return absl::OkStatus();
}

absl::Status RewardsProjection::Apply(const std::vector<lpb::JournalEntry>& entries) {
  absl::flat_hash_set<uint64_t> communities;
  for (const lpb::JournalEntry& e : entries) {
    if (!e.has_transfer()) continue;
    if (std::optional<uint64_t> c = CommunityOfId(e.transfer().id())) communities.insert(*c);
  }
  // The directory is asked before the lock is taken.
  for (uint64_t c : communities) TB_RETURN_IF_ERROR(zones_.Resolve(c));
  absl::MutexLock lock(&mu_);
  // Readers (and AwaitSeq) see the new position only once the events due at it are
  // applied too, whatever happens below.
  absl::Cleanup publish = [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    journal_seq_.store(applied_seq_, std::memory_order_release);
  };
  uint64_t seq = applied_seq_;
  const uint64_t last = entries.empty() ? seq : std::max(seq, entries.back().seq());
  TB_ASSIGN_OR_RETURN(std::vector<rpb::RecognitionEvent> due, DueEvents(last));
  size_t next_event = 0;
  auto tx = std::make_unique<ProjectionTx>(store_, &cache_);
  bool dirty = false;
  // Events logged after `position` was applied come before the next entry.
  auto replay_due = [&](uint64_t position) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> absl::Status {
    for (; next_event < due.size() && due[next_event].after_journal_seq() <= position;
         ++next_event) {
      if (dirty) TB_RETURN_IF_ERROR(CommitStep(*tx, seq, event_n_));
      tx = std::make_unique<ProjectionTx>(store_, &cache_);
      dirty = false;
      TB_RETURN_IF_ERROR(ReplayEvent(due[next_event]));
    }
    return absl::OkStatus();
  };
  TB_RETURN_IF_ERROR(replay_due(seq));
  for (const lpb::JournalEntry& e : entries) {
    if (e.seq() <= seq) continue;
    if (e.seq() != seq + 1) {
      return absl::InternalError(absl::StrCat("the journal skipped from entry ", seq, " to ",
                                              e.seq(), "; the rewards projection stays at ", seq));
    }
    TB_ASSIGN_OR_RETURN(Counted counted, projector_.Apply(e, *tx));
    if (counted.sign != 0) {
      const absl::Time at = absl::FromUnixNanos(FromTimestamp(e.transfer().recorded_at()));
      TB_RETURN_IF_ERROR(badges_.AfterCount(counted, at, *tx));
    }
    seq = e.seq();
    dirty = true;
    TB_RETURN_IF_ERROR(replay_due(seq));
  }
  if (dirty) TB_RETURN_IF_ERROR(CommitStep(*tx, seq, event_n_));
  return absl::OkStatus();
}

absl::Status RewardsProjection::CommitStep(ProjectionTx& tx, uint64_t seq, uint64_t event_n) {
  rpb::Cursor cursor;
  cursor.set_journal_seq(seq);
  cursor.set_event_n(event_n);
  cursor.set_activity_seq(activity_seq_);
  const size_t records = tx.records_touched();
  TB_RETURN_IF_ERROR(tx.Commit(cursor));
  records_written_.fetch_add(records, std::memory_order_relaxed);
  applied_seq_ = seq;
  event_n_ = event_n;
  notices_.Published();
  return absl::OkStatus();
}

absl::Status RewardsProjection::Wipe() {
  absl::MutexLock lock(&mu_);
  return WipeLocked();
}

absl::Status RewardsProjection::WipeLocked() {
  constexpr size_t kDeletesPerBatch = 10'000;
  cache_.Clear();
  // The marker first: a kill between the batches below leaves it, and Open finishes.
  rpb::Cursor marker;
  marker.set_journal_seq(applied_seq_);
  marker.set_event_n(event_n_);
  marker.set_activity_seq(activity_seq_);
  marker.set_wiping(true);
  std::unique_ptr<storage::WriteBatch> batch = store_->NewBatch();
  batch->Put(kRecords, CursorKey(), marker.SerializeAsString());
  TB_RETURN_IF_ERROR(store_->Write(batch.get(), storage::WriteOptions{}));
  batch->Clear();
  std::unique_ptr<storage::Iterator> it = store_->NewIterator(kRecords);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (!IsProjectionTag(it->key()[0])) continue;
    batch->Delete(kRecords, it->key());
    if (batch->Count() == kDeletesPerBatch) {
      TB_RETURN_IF_ERROR(store_->Write(batch.get(), storage::WriteOptions{}));
      batch->Clear();
    }
  }
  TB_RETURN_IF_ERROR(it->status());
  batch->Delete(kRecords, CursorKey());  // last: the wipe is complete
  TB_RETURN_IF_ERROR(store_->Write(batch.get(), storage::WriteOptions{}));
  applied_seq_ = 0;
  journal_seq_.store(0, std::memory_order_release);
  event_n_ = 0;
  notices_.Published();
  activity_seq_ = 0;
  activity_seq_pub_.store(0, std::memory_order_release);
  return absl::OkStatus();
}

absl::Status RewardsProjection::ApplyActivity(const std::vector<apb::ActivityEvent>& events) {
  absl::flat_hash_set<uint64_t> communities;
  for (const apb::ActivityEvent& e : events) {
    if (const uint64_t c = NeedsMet::CommunityOf(e); c != 0) communities.insert(c);
  }
  for (uint64_t c : communities) TB_RETURN_IF_ERROR(zones_.Resolve(c));
  absl::MutexLock lock(&mu_);
  uint64_t seq = activity_seq_;
  ProjectionTx tx(store_, &cache_);
  for (const apb::ActivityEvent& e : events) {
    if (e.seq() <= seq) continue;
    if (e.seq() != seq + 1) {
      return absl::AbortedError(absl::StrCat("activity events skip from ", seq, " to ", e.seq(),
                                             "; read again from ", activity_seq_ + 1));
    }
    TB_RETURN_IF_ERROR(needs_.Apply(e, tx));
    seq = e.seq();
  }
  if (seq == activity_seq_) return absl::OkStatus();
  rpb::Cursor cursor;
  cursor.set_journal_seq(applied_seq_);
  cursor.set_event_n(event_n_);
  cursor.set_activity_seq(seq);
  TB_RETURN_IF_ERROR(tx.Commit(cursor));
  activity_seq_ = seq;
  activity_seq_pub_.store(seq, std::memory_order_release);
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
