// Erasing a member's free text (the directory's EraseMember reaches here): what they
// wrote on their activities, in the records and every earlier state in the event log,
// their offers and requests, and the messages they wrote about posts. Who, when, how
// long, state and decisions stay.
#include "absl/strings/match.h"
#include "services/activity/activity_book.h"
#include "storage/absl_compat.h"
#include "storage/check.h"

namespace timebank::activity {
namespace {

// Clears what a person wrote on an activity; false if there was nothing left to clear.
bool EraseText(apb::Activity* a) {
  if (a->text_erased()) return false;
  a->clear_description();
  a->clear_reason();
  a->set_text_erased(true);
  return true;
}

bool TookPart(const apb::Activity& a, uint64_t c, uint64_t m) {
  return a.community_id() == c && (a.provider_member_id() == m || a.receiver_member_id() == m);
}

// Their activities, through the member index; each rewrite adds an event, so
// watchers that kept the text learn that it is gone.
absl::StatusOr<uint64_t> EraseActivities(const ActivityRecords& records, records::Tx& tx,
                                         uint64_t c, uint64_t m) {
  uint64_t erased = 0;
  auto it = records.store()->NewIterator(kRecords);
  const std::string mine = MemberPrefix(c, m);
  for (it->Seek(mine); it->Valid() && absl::StartsWith(AsAbsl(it->key()), mine); it->Next()) {
    TB_ASSIGN_OR_RETURN(apb::Activity a,
                        records.Load(records.Committed(), c, IndexedId(it->key())));
    if (!EraseText(&a)) continue;
    records.Rewrite(tx, a);
    ++erased;
  }
  TB_RETURN_IF_ERROR(it->status());
  return erased;
}

// Their offers and requests: text cleared, closed; each rewrite adds an event (no text),
// so watchers counting open posts learn that it closed.
absl::StatusOr<uint64_t> ErasePosts(const ActivityRecords& records, records::Tx& tx, uint64_t c,
                                    uint64_t m, absl::Time now) {
  uint64_t erased = 0;
  auto it = records.store()->NewIterator(kRecords);
  const std::string posts = PostPrefix(c);
  for (it->Seek(posts); it->Valid() && absl::StartsWith(AsAbsl(it->key()), posts); it->Next()) {
    TB_ASSIGN_OR_RETURN(apb::Post p, records::ParseRecord<apb::Post>(it->value(), "a post"));
    if (p.member_id() != m || p.text_erased()) continue;
    p.clear_title();
    p.clear_details();
    p.clear_tags();
    p.set_closed(true);
    p.set_text_erased(true);
    records.PutPost(tx, c, p, now);
    ++erased;
  }
  TB_RETURN_IF_ERROR(it->status());
  return erased;
}

// The messages they wrote in conversations about posts (theirs and others').
absl::StatusOr<uint64_t> EraseMessages(const ActivityRecords& records, records::Tx& tx, uint64_t c,
                                       uint64_t m) {
  uint64_t erased = 0;
  auto it = records.store()->NewIterator(kRecords);
  const std::string all = MessagesPrefix(c);
  for (it->Seek(all); it->Valid() && absl::StartsWith(AsAbsl(it->key()), all); it->Next()) {
    TB_ASSIGN_OR_RETURN(apb::PostMessage msg,
                        records::ParseRecord<apb::PostMessage>(it->value(), "a message"));
    if (msg.from_member_id() != m || msg.text_erased()) continue;
    msg.clear_text();
    msg.set_text_erased(true);
    tx.Put(std::string(AsAbsl(it->key())), msg.SerializeAsString());
    ++erased;
  }
  TB_RETURN_IF_ERROR(it->status());
  return erased;
}

}  // namespace

absl::StatusOr<apb::EraseMemberDataResponse> ActivityBook::EraseMember(uint64_t c, uint64_t m) {
  apb::EraseMemberDataResponse out;
  {
    absl::MutexLock lock(&write_mu_);
    records::Tx tx = records_.NewTx();
    TB_ASSIGN_OR_RETURN(uint64_t activities, EraseActivities(records_, tx, c, m));
    // Every earlier state of those activities in the event log (the store's events:
    // the ones just staged already hold no text).
    TB_ASSIGN_OR_RETURN(uint64_t events, events_.Rewrite(tx, [c, m](apb::ActivityEvent* e) {
      return e->has_activity() && TookPart(e->activity(), c, m) && EraseText(e->mutable_activity());
    }));
    TB_ASSIGN_OR_RETURN(uint64_t posts, ErasePosts(records_, tx, c, m, Now()));
    out.set_activities_erased(activities);
    out.set_events_erased(events);
    out.set_posts_erased(posts);
    TB_ASSIGN_OR_RETURN(uint64_t messages, EraseMessages(records_, tx, c, m));
    out.set_messages_erased(messages);
    TB_RETURN_IF_ERROR(tx.Commit());
  }
  // Also on a retry: an earlier purge may have failed after the commit.
  TB_RETURN_IF_ERROR(records_.store()->Purge(kRecords));
  return out;
}

}  // namespace timebank::activity
