// ActivityBook is the activity service's domain core: volunteer contributions and
// peer-support exchanges, their workflow (propose, confirm or decline, dispute and
// resolve, reverse), and exactly-once posting to the ledger. Every change is one synced
// batch that also writes an outbox entry when something must be posted; Dispatch()
// posts outbox entries with transfer ids derived from the activity, so a retry after
// any failure posts nothing twice. Plain C++ over a KvStore; the directory and the
// ledger are behind interfaces that tests fake.
#ifndef TIMEBANK_SERVICES_ACTIVITY_ACTIVITY_BOOK_H_
#define TIMEBANK_SERVICES_ACTIVITY_ACTIVITY_BOOK_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/ledger_poster.h"
#include "services/common/paging.h"
#include "services/common/peers.h"
#include "services/ledger/model.h"
#include "storage/kv_store.h"
#include "storage/outbox.h"
#include "timebank/activity/v1/activity.pb.h"
#include "timebank/directory/v1/directory.pb.h"
#include "timebank/directory/v1/token.pb.h"
#include "timebank/ledger/v1/ledger.pb.h"

namespace timebank::activity {

namespace apb = ::timebank::activity::v1;

// Text fields' limits are services/common/text_fields.h's TextLimits.
struct ActivityLimits {
  static constexpr int64_t kMaxMinutes = 24 * 60;
  static constexpr size_t kMaxMembersPerEvent = 500;
  static constexpr int64_t kMaxAgeDays = 366;
  static constexpr size_t kMaxDispatchBatch = 1000;
  static constexpr size_t kMaxGroupReceivers = 100;
  static constexpr size_t kMaxPostTags = 16;
  static constexpr size_t kMaxImportRows = 1000;
  static constexpr size_t kMaxMemberNumberBytes = 32;
  static constexpr uint32_t kMaxImportWaitMs = 30'000;
  // Entries one list call examines at most (filters may skip many).
  static constexpr size_t kMaxListScan = 100'000;
};
// One dispatch round posts one transfer per outbox entry: it fits one ledger call.
static_assert(ActivityLimits::kMaxDispatchBatch <= ledger::kMaxBatchEvents);

// The directory and ledger as the activity service sees them (services/common/peers.h).
using People = ::timebank::People;
using Ledger = ::timebank::LedgerClient;

class ActivityBook {
 public:
  ActivityBook(storage::KvStore* store, People* people, Ledger* ledger);

  absl::StatusOr<std::vector<apb::Activity>> LogContributions(
      const ::timebank::directory::v1::Principal& caller, const apb::LogContributionsRequest& req);
  // Bulk import for one organisation: one result per row, in order. Rows are checked
  // one by one (a bad row is rejected, the others go ahead); each row's content is its
  // idempotency key, so importing a file again records nothing twice. A dry run checks
  // everything and writes nothing.
  absl::StatusOr<std::vector<apb::ImportRowResult>> ImportContributions(
      const ::timebank::directory::v1::Principal& caller,
      const apb::ImportContributionsRequest& req);
  // Waits until none of `results`' imported activities is still queued for posting
  // (or `timeout` passes), then refreshes their posting states.
  absl::Status AwaitPosting(uint64_t community_id, std::vector<apb::ImportRowResult>* results,
                            absl::Duration timeout);
  absl::StatusOr<apb::Activity> ReportContribution(
      const ::timebank::directory::v1::Principal& caller,
      const apb::ReportContributionRequest& req);
  absl::StatusOr<apb::Activity> ReviewContribution(
      const ::timebank::directory::v1::Principal& caller,
      const apb::ReviewContributionRequest& req);
  absl::StatusOr<apb::Activity> RecordExchange(const ::timebank::directory::v1::Principal& caller,
                                               const apb::RecordExchangeRequest& req);
  absl::StatusOr<std::vector<apb::Activity>> RecordGroupSession(
      const ::timebank::directory::v1::Principal& caller,
      const apb::RecordGroupSessionRequest& req);
  absl::StatusOr<apb::Activity> RespondToExchange(
      const ::timebank::directory::v1::Principal& caller, const apb::RespondToExchangeRequest& req);
  // Donations and redemptions reserve the credits in the ledger first (a pending
  // transfer), so one beyond the member's limit is refused and nothing is recorded.
  absl::StatusOr<apb::Activity> Donate(const ::timebank::directory::v1::Principal& caller,
                                       const apb::DonateRequest& req);
  absl::StatusOr<apb::Activity> Redeem(const ::timebank::directory::v1::Principal& caller,
                                       const apb::RedeemRequest& req);
  absl::StatusOr<apb::Activity> ResolveDispute(const ::timebank::directory::v1::Principal& caller,
                                               const apb::ResolveDisputeRequest& req);
  absl::StatusOr<apb::Activity> ReverseActivity(const ::timebank::directory::v1::Principal& caller,
                                                const apb::ReverseActivityRequest& req);
  // Offers and requests: members post their own; the poster, coordinators and admins
  // close them; everyone in the community searches them.
  absl::StatusOr<apb::Post> CreatePost(const ::timebank::directory::v1::Principal& caller,
                                       apb::Post post, const std::string& request_id);
  absl::StatusOr<apb::Post> ClosePost(const ::timebank::directory::v1::Principal& caller,
                                      uint64_t community_id, uint64_t post_id);
  // Newest first: one page (services/common/paging.h) of posts older than before_id.
  absl::StatusOr<Page<apb::Post>> SearchPosts(const apb::SearchPostsRequest& req,
                                              uint64_t before_id, size_t limit);

  // Members see activities they took part in; coordinators, finance and admins all of
  // their community's.
  absl::StatusOr<apb::Activity> GetActivity(const ::timebank::directory::v1::Principal& caller,
                                            uint64_t community_id, uint64_t activity_id);
  absl::StatusOr<Page<apb::Activity>> ListActivities(
      const ::timebank::directory::v1::Principal& caller, const apb::ListActivitiesRequest& req,
      uint64_t before_id, size_t limit);

  // Erases a member's free text (the directory's EraseMember): the description and
  // reasons of every activity they took part in, in the records and the event log, and
  // the title, details and tags of their posts (closed). Who, when, how long, state and
  // decisions stay. Then purges the store's files, so no backup made afterwards holds
  // the old values. Idempotent.
  absl::StatusOr<apb::EraseMemberDataResponse> EraseMember(uint64_t community_id,
                                                           uint64_t member_id);

  // Posts what waits in the outbox (at most kMaxDispatchBatch). Returns how many
  // entries are still waiting; an error means the ledger was unreachable.
  absl::StatusOr<size_t> Dispatch();
  size_t OutboxSize();

  // Settles exchanges left unanswered longer than their community allows: confirms
  // (and queues for posting) or expires them, per the community's setting. At most
  // kMaxDispatchBatch per call; returns how many it settled.
  absl::StatusOr<size_t> SettleUnanswered();

  // The activity event log (every change, in order): events from `from_seq`, at most
  // `limit`; and a wait until an event after `after_seq` exists (or timeout), woken
  // by the commit that adds it.
  absl::StatusOr<std::vector<apb::ActivityEvent>> ReadEvents(uint64_t from_seq, size_t limit);
  bool WaitForEvent(uint64_t after_seq, absl::Duration timeout);

  // Tests move time; production uses the system clock.
  void SetClockForTest(std::function<absl::Time()> clock) { clock_ = std::move(clock); }

 private:
  class Tx;
  absl::Time Now() const { return clock_ ? clock_() : absl::Now(); }
  absl::Status CheckCommon(int64_t minutes, const google::protobuf::Timestamp& occurred_at,
                           const std::string& description) const;
  absl::StatusOr<::timebank::directory::v1::Member> ActiveMember(uint64_t community_id,
                                                                 uint64_t member_id,
                                                                 const char* field);
  absl::StatusOr<apb::Activity> Load(uint64_t community_id, uint64_t activity_id);
  absl::StatusOr<apb::Post> LoadPost(uint64_t community_id, uint64_t post_id);
  // Writes the activity (and its indexes when new); queues it for posting if asked.
  // What an outbox entry asks the dispatcher to post.
  enum class Posting : uint8_t { kNone = 255, kTransfer = 0, kReversal = 1, kPostPending = 2 };
  void Put(Tx& tx, apb::Activity& a, bool is_new, Posting posting);
  // Records on `a` what the ledger did with its `posting`.
  static void RecordPosting(Posting posting, const PostingOutcome& outcome, apb::Activity* a);
  // Records a decision on `a` (state, who, why), queuing `posting`. Holds write_mu_.
  absl::StatusOr<apb::Activity> Decide(const ::timebank::directory::v1::Principal& caller,
                                       apb::Activity a, apb::ActivityState state,
                                       const std::string& reason, Posting posting)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // A new proposed exchange (id, state, waiting index), in `tx`.
  absl::StatusOr<apb::Activity> AddExchange(Tx& tx,
                                            const ::timebank::directory::v1::Principal& caller,
                                            apb::Activity a);
  // Appends the activity's new state to the event log (same batch).
  void AddEvent(Tx& tx, const apb::Activity& a);
  absl::StatusOr<apb::Activity> Reserve(const ::timebank::directory::v1::Principal& caller,
                                        apb::Activity a, const char* operation,
                                        const std::string& request_id);
  absl::StatusOr<std::vector<apb::Activity>> Replay(const std::string& request_key);

  storage::KvStore* const store_;
  People* const people_;
  Ledger* const ledger_;
  LedgerPoster poster_;
  const storage::Outbox outbox_;
  std::function<absl::Time()> clock_;
  absl::Mutex write_mu_;     // one mutation at a time
  absl::Mutex dispatch_mu_;  // one dispatcher at a time
  // Records that events up to `seq` are committed, waking WaitForEvent.
  void EventsCommitted(uint64_t seq);
  absl::Mutex event_mu_;
  // The newest event seq this process committed (0: none yet).
  uint64_t event_head_ ABSL_GUARDED_BY(event_mu_) = 0;
};

}  // namespace timebank::activity

#endif  // TIMEBANK_SERVICES_ACTIVITY_ACTIVITY_BOOK_H_
