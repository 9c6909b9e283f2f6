// Reservations: donations (credits given to another member or the community pool) and
// redemptions (credits spent at a recognition partner). The credits are reserved in
// the ledger first (a pending transfer), so one beyond the member's limit is refused
// and nothing is recorded; the outbox later posts the reservation. The ledger is
// called with no lock held: the id is spent and the request marked in progress under
// the write lock, the ledger answers, then the record is written under the lock again.
// A retry of a request still at the ledger waits for it and gets its answer.
#include "absl/strings/str_cat.h"
#include "services/activity/activity_book.h"
#include "services/activity/ledger_posting.h"
#include "storage/check.h"

namespace timebank::activity {
namespace {

namespace dpb = ::timebank::directory::v1;
namespace lpb = ::timebank::ledger::v1;

// What the ledger's answer to a reservation means for the request.
absl::Status ReservationOutcome(const absl::StatusOr<std::vector<lpb::CreateTransferResult>>& r) {
  if (!r.ok()) {
    return absl::UnavailableError(absl::StrCat("the ledger could not be reached (",
                                               r.status().message(),
                                               "); nothing was recorded; try again"));
  }
  const lpb::CreateTransferResultCode code = (*r)[0].code();
  if (code == lpb::CREATE_TRANSFER_EXCEEDS_MIN_BALANCE) {
    return absl::FailedPreconditionError(
        "minutes: not enough time credits: this would take your balance below your limit; give "
        "some "
        "time first, or spend less");
  }
  if (code != lpb::CREATE_TRANSFER_CREATED) {
    return absl::FailedPreconditionError(
        absl::StrCat("the ledger refused it: ", lpb::CreateTransferResultCode_Name(code)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<apb::Activity> ActivityBook::Reserve(const dpb::Principal& caller, apb::Activity a,
                                                    const char* operation,
                                                    const std::string& request_id) {
  TB_RETURN_IF_ERROR(records::CheckRequestId(request_id));
  const std::string request_key = records::RequestKey(
      kRequestTag, {operation, a.community_id(), caller.subject_id()}, request_id);
  TB_RETURN_IF_ERROR(CheckCommon(a.minutes(), a.occurred_at(), a.description(), Now()));
  if (!IsMember(caller)) {
    return absl::PermissionDeniedError("only members donate or redeem their own credits");
  }
  TB_RETURN_IF_ERROR(ActiveMember(a.community_id(), caller.subject_id(), "member").status());
  a.set_provider_member_id(caller.subject_id());
  a.set_recorded_by(caller.subject_id());
  a.set_state(apb::ACTIVITY_STATE_CONFIRMED);
  a.set_input(apb::INPUT_KIND_INDIVIDUAL);
  TB_ASSIGN_OR_RETURN(std::optional<apb::Activity> prior, BeginReservation(request_key, &a));
  if (prior) return *std::move(prior);
  // No lock is held here: a slow ledger delays this request only.
  absl::Status reserved = ReservationOutcome(ledger_->Post({ReservationFor(a)}));
  if (!reserved.ok()) {
    EndReservation(request_key);
    return reserved;
  }
  return FinishReservation(request_key, std::move(a));
}

absl::StatusOr<std::optional<apb::Activity>> ActivityBook::BeginReservation(
    const std::string& request_key, apb::Activity* a) {
  absl::MutexLock lock(&write_mu_);
  if (!request_key.empty()) {
    // The same request may be at the ledger now (a client retrying early): its answer
    // is this one's.
    auto done = [this, &request_key]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_) {
      return reserving_.count(request_key) == 0;
    };
    write_mu_.Await(absl::Condition(&done));
    TB_ASSIGN_OR_RETURN(std::optional<std::string> seen,
                        records::Remembered(records_.Committed(), request_key));
    std::vector<apb::Activity> first;
    if (seen) {
      TB_ASSIGN_OR_RETURN(first, records_.LoadAll(records_.Committed(), *seen));
    }
    if (!first.empty()) return first[0];
  }
  // The id is spent first: if anything below fails, a retry uses a new id, never one
  // whose reservation may already exist.
  records::Tx burn = records_.NewTx();
  TB_ASSIGN_OR_RETURN(uint64_t id, burn.NextId(absl::StrCat("activity.", a->community_id())));
  TB_RETURN_IF_ERROR(burn.Commit());
  a->set_id(id);
  a->mutable_created_at()->set_seconds(absl::ToUnixSeconds(Now()));
  if (!request_key.empty()) reserving_.insert(request_key);
  return std::nullopt;
}

absl::StatusOr<apb::Activity> ActivityBook::FinishReservation(const std::string& request_key,
                                                              apb::Activity a) {
  absl::MutexLock lock(&write_mu_);
  reserving_.erase(request_key);
  records::Tx tx = records_.NewTx();
  records_.Put(tx, a, /*is_new=*/true, Posting::kPostPending);
  if (!request_key.empty()) tx.Put(request_key, records::EncodeRefs({{a.community_id(), a.id()}}));
  TB_RETURN_IF_ERROR(tx.Commit());
  return a;
}

void ActivityBook::EndReservation(const std::string& request_key) {
  if (request_key.empty()) return;
  absl::MutexLock lock(&write_mu_);
  reserving_.erase(request_key);
}

absl::StatusOr<apb::Activity> ActivityBook::Donate(const dpb::Principal& caller,
                                                   const apb::DonateRequest& req) {
  const uint64_t c = req.community_id();
  if (req.to_member_id() != 0) {
    if (req.to_member_id() == caller.subject_id())
      return FieldError("to_member_id", "not yourself");
    TB_RETURN_IF_ERROR(ActiveMember(c, req.to_member_id(), "to_member_id").status());
  }
  apb::Activity a;
  a.set_community_id(c);
  a.set_kind(apb::ACTIVITY_KIND_DONATION);
  a.set_receiver_member_id(req.to_member_id());
  a.set_minutes(req.minutes());
  a.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(Now()));
  a.set_description(req.description());
  return Reserve(caller, a, "donate", req.request_id());
}

absl::StatusOr<apb::Activity> ActivityBook::Redeem(const dpb::Principal& caller,
                                                   const apb::RedeemRequest& req) {
  const uint64_t c = req.community_id();
  absl::StatusOr<dpb::Organisation> partner = people_->Organisation(c, req.organisation_id());
  if (!partner.ok()) return partner.status();
  if (partner->kind() != dpb::ORGANISATION_KIND_RECOGNITION_PARTNER) {
    return FieldError("organisation_id", "credits are spent only at recognition partners");
  }
  apb::Activity a;
  a.set_community_id(c);
  a.set_kind(apb::ACTIVITY_KIND_REDEMPTION);
  a.set_organisation_id(req.organisation_id());
  a.set_minutes(req.minutes());
  a.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(Now()));
  a.set_description(req.description());
  return Reserve(caller, a, "redeem", req.request_id());
}

}  // namespace timebank::activity
