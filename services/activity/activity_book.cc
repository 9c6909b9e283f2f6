// ActivityBook's construction, its shared steps (active members, recording a request
// once) and its reads: one activity, and lists through the indexes.
#include "services/activity/activity_book.h"

#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "storage/absl_compat.h"
#include "storage/check.h"

namespace timebank::activity {
namespace {

namespace dpb = ::timebank::directory::v1;

absl::Time TimeOf(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

// The list's time window: each end a valid time, the end after the start.
absl::Status CheckWindow(const apb::ListActivitiesRequest& req) {
  for (const auto& [name, has, t] :
       {std::tuple{"occurred_from", req.has_occurred_from(), req.occurred_from()},
        std::tuple{"occurred_until", req.has_occurred_until(), req.occurred_until()}}) {
    if (has && (t.seconds() < 0 || t.nanos() < 0 || t.nanos() > 999'999'999)) {
      return FieldError(name, "a time since 1970 (seconds >= 0, nanos 0..999999999)");
    }
  }
  if (req.has_occurred_from() && req.has_occurred_until() &&
      TimeOf(req.occurred_until()) <= TimeOf(req.occurred_from())) {
    return FieldError("occurred_until", "must be after occurred_from");
  }
  return absl::OkStatus();
}

bool InWindow(const apb::ListActivitiesRequest& req, const apb::Activity& a) {
  const absl::Time when = TimeOf(a.occurred_at());
  return (!req.has_occurred_from() || when >= TimeOf(req.occurred_from())) &&
         (!req.has_occurred_until() || when < TimeOf(req.occurred_until()));
}

}  // namespace

ActivityBook::ActivityBook(storage::KvStore* store, People* people, Ledger* ledger,
                           const Clock* clock)
    : people_(people),
      ledger_(ledger),
      clock_(clock),
      poster_(ledger),
      events_(store, kRecords, kEventTag),
      records_(store, &events_) {}

absl::StatusOr<dpb::Member> ActivityBook::ActiveMember(uint64_t c, uint64_t id, const char* field) {
  absl::StatusOr<dpb::Member> m = people_->Member(c, id);
  if (m.status().code() == absl::StatusCode::kNotFound) {
    return FieldError(field, absl::StrCat("member ", id, " is not in community ", c));
  }
  if (!m.ok()) return m.status();
  if (m->status() != dpb::MEMBER_STATUS_ACTIVE) {
    return absl::FailedPreconditionError(absl::StrCat(field, ": member ", id, " is not active (",
                                                      dpb::MemberStatus_Name(m->status()), ")"));
  }
  return m;
}

absl::StatusOr<std::vector<apb::Activity>> ActivityBook::RecordOnce(
    const std::string& request_key,
    absl::FunctionRef<absl::StatusOr<std::vector<apb::Activity>>(records::Tx&)> create) {
  using Made = std::vector<apb::Activity>;
  absl::MutexLock lock(&write_mu_);
  records::Tx tx = records_.NewTx();
  TB_ASSIGN_OR_RETURN(
      Made made, records::IdempotentCreate<Made>(
                     tx, request_key,
                     [&](std::string_view remembered) { return records_.LoadAll(tx, remembered); },
                     [&](records::Tx& tx) -> absl::StatusOr<records::Created<Made>> {
                       TB_ASSIGN_OR_RETURN(Made out, create(tx));
                       std::vector<records::RecordRef> refs;
                       for (const apb::Activity& a : out)
                         refs.emplace_back(a.community_id(), a.id());
                       return records::Created<Made>{std::move(out), records::EncodeRefs(refs)};
                     }));
  TB_RETURN_IF_ERROR(tx.Commit());
  return made;
}

absl::StatusOr<apb::Activity> ActivityBook::GetActivity(const dpb::Principal& caller, uint64_t c,
                                                        uint64_t id) {
  TB_ASSIGN_OR_RETURN(apb::Activity a, records_.Load(records_.Committed(), c, id));
  if (!Sees(caller, a)) return absl::NotFoundError(absl::StrCat("you have no activity ", id));
  return a;
}

absl::StatusOr<Page<apb::Activity>> ActivityBook::ListActivities(
    const dpb::Principal& caller, const apb::ListActivitiesRequest& req, uint64_t before_id,
    size_t limit) {
  TB_RETURN_IF_ERROR(CheckWindow(req));
  const uint64_t c = req.community_id();
  const std::string prefix = req.member_id() != 0         ? MemberPrefix(c, req.member_id())
                             : req.organisation_id() != 0 ? OrgPrefix(c, req.organisation_id())
                                                          : AllPrefix(c);
  PageBuilder<apb::Activity> page(limit, ActivityLimits::kMaxListScan);
  auto it = records_.store()->NewIterator(kRecords);
  for (it->Seek(IndexStart(prefix, before_id));
       it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix); it->Next()) {
    const uint64_t id = IndexedId(it->key());
    if (!page.Visit(id)) break;
    TB_ASSIGN_OR_RETURN(apb::Activity a, records_.Load(records_.Committed(), c, id));
    if (!Sees(caller, a)) continue;
    if (req.state() != apb::ACTIVITY_STATE_UNSPECIFIED && a.state() != req.state()) continue;
    if (!InWindow(req, a)) continue;
    page.Add(std::move(a));
  }
  TB_RETURN_IF_ERROR(it->status());
  return std::move(page).Finish();
}

absl::StatusOr<std::vector<apb::ActivityEvent>> ActivityBook::ReadEvents(uint64_t from_seq,
                                                                         size_t limit) {
  return events_.Read(from_seq, limit);
}

bool ActivityBook::WaitForEvent(uint64_t after_seq, absl::Duration timeout) {
  return events_.WaitFor(after_seq, timeout);
}

}  // namespace timebank::activity
