// ProjectionTx is one step of the rewards projection: the records the step reads are
// loaded once and kept parsed, changed in place, and written back in ONE batch together
// with the journal cursor, so the projection and its cursor can never disagree (a
// restart resumes exactly after the last committed step). A record left empty (every
// sum zero) is deleted rather than stored. With a RecordCache, records come from it
// when it holds them and go back to it once committed (only then: a failed step's
// changes are dropped with the tx). Single-threaded: the follower owns it.
#ifndef TIMEBANK_SERVICES_REWARDS_PROJECTION_TX_H_
#define TIMEBANK_SERVICES_REWARDS_PROJECTION_TX_H_

#include <google/protobuf/message.h>

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "services/rewards/record_cache.h"
#include "storage/check.h"
#include "storage/kv_store.h"
#include "timebank/rewards/v1/rewards_records.pb.h"

namespace timebank::rewards {

class ProjectionTx {
 public:
  // `cache` (may be null) must hold only what is committed in `store`.
  explicit ProjectionTx(storage::KvStore* store, RecordCache* cache = nullptr)
      : store_(store), cache_(cache) {}

  // The record under `key`, loaded from the store the first time (empty if absent),
  // to change in place; it is written (or deleted, if left empty) by Commit.
  // DATA_LOSS if the stored bytes do not parse.
  template <class Msg>
  absl::StatusOr<Msg*> Mutable(const std::string& key) {
    absl::StatusOr<google::protobuf::Message*> m = Slot(key, Msg::default_instance());
    if (!m.ok()) return m.status();
    TB_CHECK((*m)->GetDescriptor() == Msg::descriptor());
    return static_cast<Msg*>(*m);
  }
  // Writes every record touched and `cursor` in one synced batch, in key order (the
  // memtable inserts a sorted run far faster than scattered keys). UNAVAILABLE
  // (nothing written) if the disk refuses.
  absl::Status Commit(const ::timebank::rewards::v1::Cursor& cursor);
  size_t records_touched() const { return slots_.size(); }

 private:
  absl::StatusOr<google::protobuf::Message*> Slot(const std::string& key,
                                                  const google::protobuf::Message& prototype);

  storage::KvStore* const store_;
  RecordCache* const cache_;
  using Slots = absl::flat_hash_map<std::string, std::unique_ptr<google::protobuf::Message>>;
  Slots slots_;
};

// The projection's cursor as committed (0 before the first step).
absl::StatusOr<::timebank::rewards::v1::Cursor> LoadCursor(
    storage::KvStore* store, const storage::Snapshot* snapshot = nullptr);

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_PROJECTION_TX_H_
