#include "services/directory/revocation_log.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "services/directory/directory_schema.h"
#include "storage/absl_compat.h"
#include "storage/bytes.h"
#include "storage/check.h"

namespace timebank::directory {

namespace dpb = ::timebank::directory::v1;

void RevocationLog::Apply(const dpb::Revocation& e) {
  if (e.epoch() != 0) revocations_->SetEpoch(e.kind(), e.community_id(), e.subject_id(), e.epoch());
  if (e.session_id() != 0) revocations_->EndSession(e.session_id(), e.at_s());
}

absl::Status RevocationLog::Load(int64_t now_s) {
  auto batch = store_->NewBatch();
  std::deque<dpb::Revocation> kept;
  const std::string prefix(1, schema::kRevocation);
  auto it = store_->NewIterator(cf_);
  for (it->Seek(prefix); it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix); it->Next()) {
    dpb::Revocation e;
    if (!e.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("a revocation record in the directory is damaged");
    }
    if (e.at_s() < now_s - auth::kRevocationWindowS) {
      batch->Delete(cf_, it->key());
      continue;
    }
    Apply(e);
    kept.push_back(std::move(e));
  }
  TB_RETURN_IF_ERROR(it->status());
  if (batch->Count() > 0) TB_RETURN_IF_ERROR(store_->Write(batch.get(), {.sync = true}));
  std::string counter;
  TB_ASSIGN_OR_RETURN(bool found,
                      store_->Get(cf_, storage::KeyStr(schema::kCounter, "revocation"), &counter));
  absl::MutexLock lock(&mu_);
  recent_ = std::move(kept);
  head_seq_ = found && counter.size() == 8 ? storage::DecodeU64(counter.data()) : 0;
  return absl::OkStatus();
}

absl::StatusOr<dpb::Revocation> RevocationLog::Add(storage::RecordTx& tx, dpb::Revocation event,
                                                   int64_t now_s) {
  TB_ASSIGN_OR_RETURN(uint64_t seq, tx.NextId("revocation"));
  event.set_seq(seq);
  event.set_at_s(now_s);
  tx.Put(storage::KeyU64(schema::kRevocation, seq), event.SerializeAsString());
  absl::MutexLock lock(&mu_);
  for (const dpb::Revocation& old : recent_) {
    if (old.at_s() >= now_s - auth::kRevocationWindowS) break;
    tx.Delete(storage::KeyU64(schema::kRevocation, old.seq()));
  }
  return event;
}

void RevocationLog::Publish(const std::vector<dpb::Revocation>& events) {
  if (events.empty()) return;
  for (const dpb::Revocation& e : events) Apply(e);
  absl::MutexLock lock(&mu_);
  for (const dpb::Revocation& e : events) {
    recent_.push_back(e);
    head_seq_ = std::max(head_seq_, e.seq());
  }
  const int64_t oldest_s = events.back().at_s() - auth::kRevocationWindowS;
  while (!recent_.empty() && recent_.front().at_s() < oldest_s) recent_.pop_front();
}

dpb::PollRevocationsResponse RevocationLog::Since(uint64_t after_seq, int64_t now_s) const {
  dpb::PollRevocationsResponse resp;
  absl::ReaderMutexLock lock(&mu_);
  resp.set_head_seq(head_seq_);
  auto it = std::upper_bound(recent_.begin(), recent_.end(), after_seq,
                             [](uint64_t seq, const dpb::Revocation& e) { return seq < e.seq(); });
  for (; it != recent_.end(); ++it) {
    if (it->at_s() < now_s - auth::kRevocationWindowS) continue;
    if (static_cast<size_t>(resp.revocations_size()) == kMaxEventsPerPoll) {
      resp.set_more(true);
      break;
    }
    *resp.add_revocations() = *it;
  }
  return resp;
}

}  // namespace timebank::directory
