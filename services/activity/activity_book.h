// ActivityBook is the activity service's domain core: volunteer contributions and
// peer-support exchanges, their workflow (propose, confirm or decline, dispute and
// resolve, reverse), and exactly-once posting to the ledger. Every change is one synced
// batch that also writes an outbox entry when something must be posted; Dispatch()
// posts outbox entries with transfer ids derived from the activity, so a retry after
// any failure posts nothing twice. Plain C++ over a KvStore; the directory and the
// ledger are behind interfaces that tests fake, and no call to either is made while
// the write lock is held, so a slow peer never stalls another writer.
// The class is the service's one entry point; its members are defined by aggregate:
// contributions.cc, contribution_import.cc, exchanges.cc, reservations.cc,
// noticeboard.cc, member_erasure.cc, ledger_posting.cc (Dispatch), activity_book.cc
// (reads); the records are activity_records.h, the event log event_log.h.
#ifndef TIMEBANK_SERVICES_ACTIVITY_ACTIVITY_BOOK_H_
#define TIMEBANK_SERVICES_ACTIVITY_ACTIVITY_BOOK_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/activity/activity_records.h"
#include "services/activity/activity_rules.h"
#include "services/activity/event_log.h"
#include "services/common/clock.h"
#include "services/common/ledger_poster.h"
#include "services/common/paging.h"
#include "services/common/peers.h"
#include "services/ledger/model.h"
#include "storage/kv_store.h"
#include "timebank/activity/v1/activity.pb.h"
#include "timebank/directory/v1/directory.pb.h"
#include "timebank/directory/v1/token.pb.h"
#include "timebank/ledger/v1/ledger.pb.h"

namespace timebank::activity {

namespace apb = ::timebank::activity::v1;

// One dispatch round posts one transfer per outbox entry: it fits one ledger call.
static_assert(ActivityLimits::kMaxDispatchBatch <= ledger::kMaxBatchEvents);

// The directory and ledger as the activity service sees them (services/common/peers.h).
using People = ::timebank::People;
using Ledger = ::timebank::LedgerClient;

class ActivityBook {
 public:
  // `clock`: where the time of day is read (tests pass a FakeClock).
  ActivityBook(storage::KvStore* store, People* people, Ledger* ledger,
               const Clock* clock = SystemClock());

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
  // The community's activity settings (defaults when never set); admins change them.
  absl::StatusOr<apb::ActivitySettings> GetSettings(uint64_t community_id) const;
  absl::StatusOr<apb::ActivitySettings> UpdateSettings(
      const ::timebank::directory::v1::Principal& caller, const apb::ActivitySettings& wanted);
  // The caller's to-do list, oldest first (tasks.cc): one page of tasks of activities
  // after `after_id`.
  absl::StatusOr<Page<apb::Task>> ListTasks(const ::timebank::directory::v1::Principal& caller,
                                            uint64_t community_id, uint64_t after_id, size_t limit);
  // Queues a refused posting again, under the same transfer id.
  absl::StatusOr<apb::Activity> RetryPosting(const ::timebank::directory::v1::Principal& caller,
                                             const apb::RetryPostingRequest& req);
  // Offers and requests: members post their own; the poster, coordinators and admins
  // close them; everyone in the community searches them.
  absl::StatusOr<apb::Post> CreatePost(const ::timebank::directory::v1::Principal& caller,
                                       apb::Post post, const std::string& request_id);
  absl::StatusOr<apb::Post> ClosePost(const ::timebank::directory::v1::Principal& caller,
                                      uint64_t community_id, uint64_t post_id);
  // Newest first: one page (services/common/paging.h) of posts older than before_id.
  absl::StatusOr<Page<apb::Post>> SearchPosts(const apb::SearchPostsRequest& req,
                                              uint64_t before_id, size_t limit);

  // Conversations on posts (conversations.cc): a member answering an open post writes
  // to its poster, who answers them; only those two read their conversation.
  absl::StatusOr<apb::PostMessage> SendPostMessage(
      const ::timebank::directory::v1::Principal& caller, const apb::SendPostMessageRequest& req);
  // Oldest first: one page of messages after after_id.
  absl::StatusOr<Page<apb::PostMessage>> ListPostMessages(
      const ::timebank::directory::v1::Principal& caller, const apb::ListPostMessagesRequest& req,
      uint64_t after_id, size_t limit);

  // Members see activities they took part in; coordinators, finance and admins all of
  // their community's.
  absl::StatusOr<apb::Activity> GetActivity(const ::timebank::directory::v1::Principal& caller,
                                            uint64_t community_id, uint64_t activity_id);
  absl::StatusOr<Page<apb::Activity>> ListActivities(
      const ::timebank::directory::v1::Principal& caller, const apb::ListActivitiesRequest& req,
      uint64_t before_id, size_t limit);

  // Erases a member's free text (the directory's EraseMember): the description and
  // reasons of every activity they took part in, in the records and the event log, and
  // the title, details and tags of their posts (closed), and the text of the messages
  // they wrote in conversations. Who, when, how long, state and
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

 private:
  absl::Time Now() const { return clock_->Now(); }
  absl::StatusOr<::timebank::directory::v1::Member> ActiveMember(uint64_t community_id,
                                                                 uint64_t member_id,
                                                                 const char* field);
  absl::StatusOr<apb::ActivitySettings> GetSettings(const records::Reader& from,
                                                    uint64_t community_id) const;
  // Records a decision on `a` (state, who, why), queuing `posting`.
  absl::StatusOr<apb::Activity> Decide(const ::timebank::directory::v1::Principal& caller,
                                       apb::Activity a, apb::ActivityState state,
                                       const std::string& reason, Posting posting)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // Stages that decision on `a` in `tx` (Decide's step, for changes that stage more).
  void Stage(records::Tx& tx, const ::timebank::directory::v1::Principal& caller, apb::Activity& a,
             apb::ActivityState state, const std::string& reason, Posting posting) const;
  // A new proposed exchange (id, state, waiting index), in `tx`.
  absl::StatusOr<apb::Activity> AddExchange(records::Tx& tx,
                                            const ::timebank::directory::v1::Principal& caller,
                                            apb::Activity a);
  // A group session's exchanges, one per receiver with their share (exchanges.cc).
  absl::StatusOr<std::vector<apb::Activity>> AddGroupSession(
      records::Tx& tx, const ::timebank::directory::v1::Principal& caller,
      const apb::RecordGroupSessionRequest& req);
  // Takes the write lock and records what `create` stages in one transaction, at most
  // once per request key ("": every call creates); a retry gets the first activities
  // back and writes nothing (activity_book.cc).
  absl::StatusOr<std::vector<apb::Activity>> RecordOnce(
      const std::string& request_key,
      absl::FunctionRef<absl::StatusOr<std::vector<apb::Activity>>(records::Tx&)> create)
      ABSL_LOCKS_EXCLUDED(write_mu_);
  // Step 4 of an import: records the rows that are new, in one batch.
  absl::Status RecordImport(bool dry_run, const std::vector<std::string>& keys,
                            std::vector<apb::ImportRowResult>* results,
                            std::vector<apb::Activity>* drafts) ABSL_LOCKS_EXCLUDED(write_mu_);
  // Reservations (reservations.cc): the ledger is called with no lock held.
  absl::StatusOr<apb::Activity> Reserve(const ::timebank::directory::v1::Principal& caller,
                                        apb::Activity a, const char* operation,
                                        const std::string& request_id);
  absl::StatusOr<std::optional<apb::Activity>> BeginReservation(const std::string& request_key,
                                                                apb::Activity* a)
      ABSL_LOCKS_EXCLUDED(write_mu_);
  absl::StatusOr<apb::Activity> FinishReservation(const std::string& request_key, apb::Activity a)
      ABSL_LOCKS_EXCLUDED(write_mu_);
  void EndReservation(const std::string& request_key) ABSL_LOCKS_EXCLUDED(write_mu_);

  People* const people_;
  Ledger* const ledger_;
  const Clock* const clock_;
  LedgerPoster poster_;
  EventLog events_;
  const ActivityRecords records_;
  absl::Mutex write_mu_;     // one mutation at a time
  absl::Mutex dispatch_mu_;  // one dispatcher at a time
  // Request keys of reservations now at the ledger: a retry of one waits for it to
  // finish, then gets its answer, so one request never reserves twice.
  std::set<std::string> reserving_ ABSL_GUARDED_BY(write_mu_);
};

}  // namespace timebank::activity

#endif  // TIMEBANK_SERVICES_ACTIVITY_ACTIVITY_BOOK_H_
