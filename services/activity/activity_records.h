// The activity store's schema and its records: every tag with its layout, one key
// builder per tag, and ActivityRecords, which loads and saves activities (with their
// indexes, outbox entry and event) and posts. Built on the record kit
// (services/common/records/records.h); the bytes are the ones already on disk.
#ifndef TIMEBANK_SERVICES_ACTIVITY_ACTIVITY_RECORDS_H_
#define TIMEBANK_SERVICES_ACTIVITY_ACTIVITY_RECORDS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/activity/event_log.h"
#include "services/common/records/records.h"
#include "storage/kv_store.h"
#include "storage/outbox.h"
#include "timebank/activity/v1/activity.pb.h"

namespace timebank::activity {

namespace apb = ::timebank::activity::v1;

inline constexpr storage::ColumnFamily kRecords = 0;
inline constexpr char kActivityTag = 'A';  // u64 c, u64 id -> Activity
inline constexpr char kAllTag = 'l';       // u64 c, u64 ~id -> ""      (newest first)
inline constexpr char kMemberTag = 'm';    // u64 c, u64 member, u64 ~id -> ""
inline constexpr char kOrgTag = 'o';       // u64 c, u64 org, u64 ~id -> ""
inline constexpr char kOutboxTag = 'X';    // u64 seq -> u64 c, u64 id, u8 Posting
inline constexpr char kRequestTag = 'Q';   // request key -> RecordRefs (posts: u64 id)
inline constexpr char kEventTag = 'E';     // u64 seq -> ActivityEvent
inline constexpr char kWaitingTag = 'w';   // i64 created_s, u64 c, u64 id -> "" (unanswered)
inline constexpr char kPostTag = 'P';      // u64 c, u64 ~id -> Post (newest first)
inline constexpr char kMessageTag = 'C';   // u64 c, u64 post, u64 id -> PostMessage
inline constexpr char kCounterTag = '#';   // name -> u64 last value
inline constexpr char kSettingsTag = 'S';  // u64 c -> ActivitySettings

std::string ActivityKey(uint64_t c, uint64_t id);
// A community's activities, by id (oldest first).
std::string ActivityPrefix(uint64_t c);
// Index prefixes (newest first under each) and an index entry's activity id.
std::string AllPrefix(uint64_t c);
std::string MemberPrefix(uint64_t c, uint64_t member_id);
std::string OrgPrefix(uint64_t c, uint64_t organisation_id);
uint64_t IndexedId(std::string_view index_key);
// Where an index scan starts to meet only ids older than `before_id` (0: all).
std::string IndexStart(const std::string& prefix, uint64_t before_id);
std::string WaitingKey(const apb::Activity& a);
std::string SettingsKey(uint64_t c);
std::string PostKey(uint64_t c, uint64_t id);
std::string PostPrefix(uint64_t c);
uint64_t PostIdOf(std::string_view post_key);
// A post's conversation messages, oldest first, and a message key's id.
std::string MessageKey(uint64_t c, uint64_t post_id, uint64_t id);
std::string MessagePrefix(uint64_t c, uint64_t post_id);
std::string MessagesPrefix(uint64_t c);
uint64_t MessageIdOf(std::string_view message_key);

// What an outbox entry asks the dispatcher to post (stored as the entry's u8 kind).
enum class Posting : uint8_t { kNone = 255, kTransfer = 0, kReversal = 1, kPostPending = 2 };

class ActivityRecords {
 public:
  ActivityRecords(storage::KvStore* store, EventLog* events);

  records::Tx NewTx() const { return records::Tx(store_, kRecords, kCounterTag); }
  // The committed records (reads outside a change).
  const records::Reader& Committed() const { return committed_; }
  storage::KvStore* store() const { return store_; }

  absl::StatusOr<apb::Activity> Load(const records::Reader& from, uint64_t c, uint64_t id) const;
  // Writes the activity (and its indexes when new) and its event; queues `posting`.
  void Put(records::Tx& tx, apb::Activity& a, bool is_new, Posting posting) const;
  // Writes the activity and its event, nothing else (its posting progress or erasure).
  void Rewrite(records::Tx& tx, apb::Activity& a) const;
  // The activities a request created (its remembered RecordRefs), in order.
  absl::StatusOr<std::vector<apb::Activity>> LoadAll(const records::Reader& from,
                                                     std::string_view remembered) const;

  absl::StatusOr<apb::Post> LoadPost(const records::Reader& from, uint64_t c, uint64_t id) const;
  // Writes the post and its event (no text), changed at `at`.
  void PutPost(records::Tx& tx, uint64_t c, const apb::Post& p, absl::Time at) const;

  const storage::Outbox& outbox() const { return outbox_; }

 private:
  storage::KvStore* const store_;
  EventLog* const events_;
  const records::StoreReader committed_;
  const storage::Outbox outbox_;
};

}  // namespace timebank::activity

#endif  // TIMEBANK_SERVICES_ACTIVITY_ACTIVITY_RECORDS_H_
