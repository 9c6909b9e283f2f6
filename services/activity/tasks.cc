// The to-do list (ListTasks): what waits for the caller, read from the activities
// themselves, oldest first: self-reports to verify, disputes to resolve, exchanges
// waiting for an answer (with the day each settles by itself) and postings the ledger
// refused. And RetryPosting, which queues a refused posting again under the same ledger
// transfer id, so a retry never posts twice.
#include <algorithm>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/activity/activity_book.h"
#include "services/common/auth/token.h"
#include "storage/absl_compat.h"
#include "storage/check.h"

namespace timebank::activity {
namespace {

namespace dpb = ::timebank::directory::v1;

bool Coordinates(const dpb::Principal& p, uint64_t organisation_id) {
  return std::find(p.coordinator_of().begin(), p.coordinator_of().end(), organisation_id) !=
         p.coordinator_of().end();
}

// Whether `p` looks after the refused postings of activities of `organisation_id`
// (0: exchanges and donations, which belong to no organisation).
bool LooksAfterPostings(const dpb::Principal& p, uint64_t organisation_id) {
  if (auth::HasRole(p, dpb::ROLE_ADMIN)) return true;
  if (p.kind() == dpb::Principal::KIND_API_KEY) {
    return organisation_id != 0 && Coordinates(p, organisation_id);
  }
  return IsMember(p) && auth::HasRole(p, dpb::ROLE_COORDINATOR) &&
         (organisation_id == 0 || Coordinates(p, organisation_id));
}

// What `a` asks of `p`, if anything (without its due date).
std::optional<apb::Task> TaskFor(const dpb::Principal& p, const apb::Activity& a) {
  const bool admin = auth::HasRole(p, dpb::ROLE_ADMIN);
  const bool coordinator = IsMember(p) && auth::HasRole(p, dpb::ROLE_COORDINATOR);
  const bool me_provider = IsMember(p) && a.provider_member_id() == p.subject_id();
  const bool party = IsMember(p) && (me_provider || a.receiver_member_id() == p.subject_id());
  apb::Task t;
  *t.mutable_since() = a.created_at();
  if (a.posting_state() == apb::POSTING_STATE_REFUSED) {
    if (!LooksAfterPostings(p, a.organisation_id())) return std::nullopt;
    t.set_kind(apb::Task::KIND_RETRY_POSTING);
    t.set_yours(true);
  } else if (a.state() == apb::ACTIVITY_STATE_PROPOSED &&
             a.kind() == apb::ACTIVITY_KIND_CONTRIBUTION) {
    const bool reviewer = admin || ((coordinator || p.kind() == dpb::Principal::KIND_API_KEY) &&
                                    Coordinates(p, a.organisation_id()));
    if (!reviewer) return std::nullopt;
    t.set_kind(apb::Task::KIND_VERIFY_SELF_REPORT);
    t.set_yours(!me_provider);  // nobody verifies their own
  } else if (a.state() == apb::ACTIVITY_STATE_PROPOSED) {
    const bool answers = party && a.recorded_by() != p.subject_id();
    if (!answers && !admin && !coordinator) return std::nullopt;
    t.set_kind(apb::Task::KIND_UNANSWERED_EXCHANGE);
    t.set_yours(answers);
  } else if (a.state() == apb::ACTIVITY_STATE_DISPUTED) {
    if ((!admin && !coordinator) || party) return std::nullopt;
    t.set_kind(apb::Task::KIND_RESOLVE_DISPUTE);
    t.set_yours(true);
  } else {
    return std::nullopt;
  }
  t.set_activity_id(a.id());
  *t.mutable_activity() = a;
  return t;
}

}  // namespace

absl::StatusOr<Page<apb::Task>> ActivityBook::ListTasks(const dpb::Principal& caller,
                                                        uint64_t community_id, uint64_t after_id,
                                                        size_t limit) {
  // Read before the scan: when unanswered exchanges settle is the community's setting.
  TB_ASSIGN_OR_RETURN(dpb::Community community, people_->Community(community_id));
  const int64_t answer_s = AnswerHours(community) * 3600;
  const bool lapses = community.unconfirmed_exchanges() == dpb::UNCONFIRMED_EXCHANGES_EXPIRE;
  // Oldest first: activities are keyed by id, in the order they were recorded.
  const std::string prefix = ActivityPrefix(community_id);
  PageBuilder<apb::Task> page(limit, ActivityLimits::kMaxListScan);
  auto it = records_.store()->NewIterator(kRecords);
  for (it->Seek(ActivityKey(community_id, after_id + 1));
       it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix); it->Next()) {
    const uint64_t id = records::U64At(it->key(), prefix.size());
    if (!page.Visit(id)) break;
    TB_ASSIGN_OR_RETURN(apb::Activity a, records_.Load(records_.Committed(), community_id, id));
    std::optional<apb::Task> task = TaskFor(caller, a);
    if (!task) continue;
    if (task->kind() == apb::Task::KIND_UNANSWERED_EXCHANGE) {
      task->mutable_due_at()->set_seconds(a.created_at().seconds() + answer_s);
      task->set_lapses(lapses);
    }
    page.Add(*std::move(task));
  }
  TB_RETURN_IF_ERROR(it->status());
  return std::move(page).Finish();
}

absl::StatusOr<apb::Activity> ActivityBook::RetryPosting(const dpb::Principal& caller,
                                                         const apb::RetryPostingRequest& req) {
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(apb::Activity a,
                      records_.Load(records_.Committed(), req.community_id(), req.activity_id()));
  if (!Sees(caller, a)) {
    return absl::NotFoundError(absl::StrCat("you have no activity ", req.activity_id()));
  }
  if (a.posting_state() != apb::POSTING_STATE_REFUSED) {
    return absl::FailedPreconditionError(absl::StrCat(
        "activity ", a.id(), " was not refused by the ledger (",
        apb::PostingState_Name(a.posting_state()), "); only a refused posting is retried"));
  }
  if (!LooksAfterPostings(caller, a.organisation_id())) {
    return absl::PermissionDeniedError(
        absl::StrCat("permission denied: organisation ", a.organisation_id(),
                     "'s postings are retried by its coordinators or an admin"));
  }
  // The posting that was refused, under the id it had: the ledger never created it, and
  // should it have, the retry answers EXISTS and nothing moves twice.
  const Posting posting =
      a.state() == apb::ACTIVITY_STATE_REVERSED ? Posting::kReversal
      : a.kind() == apb::ACTIVITY_KIND_DONATION || a.kind() == apb::ACTIVITY_KIND_REDEMPTION
          ? Posting::kPostPending
          : Posting::kTransfer;
  a.clear_ledger_result();
  records::Tx tx = records_.NewTx();
  records_.Put(tx, a, /*is_new=*/false, posting);
  TB_RETURN_IF_ERROR(tx.Commit());
  return a;
}

}  // namespace timebank::activity
