#include "services/activity/event_log.h"

#include <algorithm>
#include <string>

#include "absl/strings/match.h"
#include "services/common/timestamps.h"
#include "storage/absl_compat.h"
#include "storage/check.h"

namespace timebank::activity {

namespace apb = ::timebank::activity::v1;

EventLog::EventLog(storage::KvStore* store, storage::ColumnFamily cf, char tag)
    : store_(store), cf_(cf), tag_(tag) {}

void EventLog::Append(records::Tx& tx, const apb::Activity& a) {
  apb::ActivityEvent e;
  *e.mutable_activity() = a;
  AppendEvent(tx, e);
}

void EventLog::AppendPost(records::Tx& tx, const apb::Post& p, absl::Time at) {
  apb::ActivityEvent e;
  apb::Post* post = e.mutable_post();
  post->set_community_id(p.community_id());
  post->set_id(p.id());
  post->set_member_id(p.member_id());
  post->set_kind(p.kind());
  post->set_closed(p.closed());
  *post->mutable_created_at() = p.created_at();
  post->set_text_erased(p.text_erased());
  ToTimestamp(absl::ToUnixNanos(at), e.mutable_changed_at());
  AppendEvent(tx, e);
}

void EventLog::AppendEvent(records::Tx& tx, apb::ActivityEvent& e) {
  absl::StatusOr<uint64_t> seq = tx.NextId("event");
  TB_CHECK(seq.ok());
  e.set_seq(*seq);
  tx.Put(records::Key(tag_).U64(*seq).str(), e.SerializeAsString());
  tx.OnCommit([this, seq = *seq] { Committed(seq); });
}

void EventLog::Committed(uint64_t seq) {
  absl::MutexLock lock(&mu_);
  head_ = std::max(head_, seq);
}

absl::StatusOr<std::vector<apb::ActivityEvent>> EventLog::Read(uint64_t from_seq,
                                                               size_t limit) const {
  std::vector<apb::ActivityEvent> out;
  auto it = store_->NewIterator(cf_);
  const std::string prefix(1, tag_);
  for (it->Seek(records::Key(tag_).U64(std::max<uint64_t>(from_seq, 1)).str());
       it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix) && out.size() < limit;
       it->Next()) {
    TB_ASSIGN_OR_RETURN(apb::ActivityEvent e,
                        records::ParseRecord<apb::ActivityEvent>(it->value(), "an activity event"));
    out.push_back(std::move(e));
  }
  TB_RETURN_IF_ERROR(it->status());
  return out;
}

bool EventLog::WaitFor(uint64_t after_seq, absl::Duration timeout) {
  // The store answers for events committed before this process started (or before
  // the wait); every commit after it advances head_ and wakes the waiters.
  absl::StatusOr<std::vector<apb::ActivityEvent>> e = Read(after_seq + 1, 1);
  if (e.ok() && !e->empty()) return true;
  absl::MutexLock lock(&mu_);
  auto newer = [this, after_seq]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return head_ > after_seq; };
  return mu_.AwaitWithTimeout(absl::Condition(&newer), timeout);
}

absl::StatusOr<size_t> EventLog::Rewrite(
    records::Tx& tx, const std::function<bool(apb::ActivityEvent*)>& edit) const {
  size_t changed = 0;
  auto it = store_->NewIterator(cf_);
  const std::string prefix(1, tag_);
  for (it->Seek(prefix); it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix); it->Next()) {
    TB_ASSIGN_OR_RETURN(apb::ActivityEvent e,
                        records::ParseRecord<apb::ActivityEvent>(it->value(), "an activity event"));
    if (!edit(&e)) continue;
    tx.Put(it->key(), e.SerializeAsString());
    ++changed;
  }
  TB_RETURN_IF_ERROR(it->status());
  return changed;
}

}  // namespace timebank::activity
