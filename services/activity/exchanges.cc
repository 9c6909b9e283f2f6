// Peer-support exchanges between two members (and group sessions: one provider,
// several receivers): recorded by one member, confirmed, declined or disputed by the
// other, disputes resolved by a coordinator, left-unanswered ones settled as the
// community says; and the decisions (and reversals) every activity shares.
#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "services/activity/activity_book.h"
#include "storage/check.h"

namespace timebank::activity {
namespace {

namespace dpb = ::timebank::directory::v1;

absl::Status CheckGroup(const apb::RecordGroupSessionRequest& req) {
  if (req.receiver_member_ids_size() < 2 ||
      static_cast<size_t>(req.receiver_member_ids_size()) > ActivityLimits::kMaxGroupReceivers) {
    return FieldError("receiver_member_ids",
                      "2..100 members (for one receiver, record an exchange)");
  }
  std::vector<uint64_t> receivers(req.receiver_member_ids().begin(),
                                  req.receiver_member_ids().end());
  std::sort(receivers.begin(), receivers.end());
  if (std::adjacent_find(receivers.begin(), receivers.end()) != receivers.end()) {
    return FieldError("receiver_member_ids", "a member is listed twice");
  }
  if (std::binary_search(receivers.begin(), receivers.end(), req.provider_member_id())) {
    return FieldError("receiver_member_ids", "the provider cannot also receive");
  }
  if (req.minutes() < req.receiver_member_ids_size()) {
    return FieldError("minutes", absl::StrCat("at least ", req.receiver_member_ids_size(),
                                              " (one whole minute for each receiver's share)"));
  }
  return absl::OkStatus();
}

// A settlement's corrected amount: within the limit every record has, and only for an
// exchange that stands.
absl::Status CheckSettlement(const apb::ResolveDisputeRequest& req) {
  if (req.settled_minutes() < 1 || req.settled_minutes() > ActivityLimits::kMaxMinutes) {
    return FieldError("settled_minutes", "1..1440 (a day at most), or 0 for no correction");
  }
  if (!req.uphold()) {
    return FieldError("uphold",
                      "a settlement confirms the exchange for the corrected amount: set uphold");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<apb::Activity> ActivityBook::RecordExchange(const dpb::Principal& caller,
                                                           const apb::RecordExchangeRequest& req) {
  TB_RETURN_IF_ERROR(CheckCommon(req.minutes(), req.occurred_at(), req.description(), Now()));
  if (req.provider_member_id() == req.receiver_member_id()) {
    return FieldError("receiver_member_id", "must differ from provider_member_id");
  }
  if (!IsMember(caller) || (caller.subject_id() != req.provider_member_id() &&
                            caller.subject_id() != req.receiver_member_id())) {
    return absl::PermissionDeniedError(
        "permission denied: an exchange is recorded by one of the two members in it");
  }
  const uint64_t c = req.community_id();
  TB_RETURN_IF_ERROR(ActiveMember(c, req.provider_member_id(), "provider_member_id").status());
  TB_RETURN_IF_ERROR(ActiveMember(c, req.receiver_member_id(), "receiver_member_id").status());
  if (req.post_id() != 0) {
    TB_ASSIGN_OR_RETURN(apb::Post post, records_.LoadPost(records_.Committed(), c, req.post_id()));
    if (post.closed()) {
      return absl::FailedPreconditionError(absl::StrCat("post ", post.id(), " is closed"));
    }
    if (post.member_id() != req.provider_member_id() &&
        post.member_id() != req.receiver_member_id()) {
      return FieldError("post_id",
                        "the member who posted it must be one of the two in the exchange");
    }
  }
  const std::string request_key =
      records::RequestKey(kRequestTag, {"exchange", c, caller.subject_id()}, req.request_id());
  TB_ASSIGN_OR_RETURN(
      std::vector<apb::Activity> made,
      RecordOnce(request_key, [&](records::Tx& tx) -> absl::StatusOr<std::vector<apb::Activity>> {
        apb::Activity a;
        a.set_community_id(c);
        a.set_post_id(req.post_id());
        a.set_provider_member_id(req.provider_member_id());
        a.set_receiver_member_id(req.receiver_member_id());
        a.set_minutes(req.minutes());
        *a.mutable_occurred_at() = req.occurred_at();
        a.set_description(req.description());
        TB_ASSIGN_OR_RETURN(a, AddExchange(tx, caller, std::move(a)));
        return std::vector<apb::Activity>{std::move(a)};
      }));
  return made[0];
}

absl::StatusOr<apb::Activity> ActivityBook::AddExchange(records::Tx& tx,
                                                        const dpb::Principal& caller,
                                                        apb::Activity a) {
  TB_ASSIGN_OR_RETURN(uint64_t id, tx.NextId(absl::StrCat("activity.", a.community_id())));
  a.set_id(id);
  a.set_kind(apb::ACTIVITY_KIND_EXCHANGE);
  a.set_state(apb::ACTIVITY_STATE_PROPOSED);
  a.set_input(apb::INPUT_KIND_INDIVIDUAL);
  a.set_recorded_by(caller.subject_id());
  a.mutable_created_at()->set_seconds(absl::ToUnixSeconds(Now()));
  records_.Put(tx, a, /*is_new=*/true, Posting::kNone);
  tx.Put(WaitingKey(a), "");
  return a;
}

absl::StatusOr<std::vector<apb::Activity>> ActivityBook::RecordGroupSession(
    const dpb::Principal& caller, const apb::RecordGroupSessionRequest& req) {
  TB_RETURN_IF_ERROR(CheckCommon(req.minutes(), req.occurred_at(), req.description(), Now()));
  TB_RETURN_IF_ERROR(records::CheckRequestId(req.request_id()));
  TB_RETURN_IF_ERROR(CheckGroup(req));
  if (!IsMember(caller) || caller.subject_id() != req.provider_member_id()) {
    return absl::PermissionDeniedError(
        "permission denied: a group session is recorded by its provider");
  }
  const uint64_t c = req.community_id();
  TB_RETURN_IF_ERROR(ActiveMember(c, req.provider_member_id(), "provider_member_id").status());
  for (uint64_t r : req.receiver_member_ids()) {
    TB_RETURN_IF_ERROR(ActiveMember(c, r, "receiver_member_ids").status());
  }
  const std::string request_key =
      records::RequestKey(kRequestTag, {"group", c, caller.subject_id()}, req.request_id());
  return RecordOnce(request_key,
                    [&](records::Tx& tx) -> absl::StatusOr<std::vector<apb::Activity>> {
                      return AddGroupSession(tx, caller, req);
                    });
}

absl::StatusOr<std::vector<apb::Activity>> ActivityBook::AddGroupSession(
    records::Tx& tx, const dpb::Principal& caller, const apb::RecordGroupSessionRequest& req) {
  const uint64_t c = req.community_id();
  TB_ASSIGN_OR_RETURN(apb::ActivitySettings settings, GetSettings(tx, c));
  const bool pool = settings.group_session_credit() == apb::GROUP_SESSION_CREDIT_COMMUNITY_POOL;
  // Cahn's rule: the provider is credited the time given, once; the receivers' shares
  // (or the pool's, for each of them) add up to exactly that.
  const std::vector<int64_t> shares =
      EqualShares(req.minutes(), static_cast<size_t>(req.receiver_member_ids_size()));
  TB_ASSIGN_OR_RETURN(uint64_t group, tx.NextId(absl::StrCat("group.", c)));
  std::vector<apb::Activity> out;
  for (int i = 0; i < req.receiver_member_ids_size(); ++i) {
    apb::Activity a;
    a.set_community_id(c);
    a.set_provider_member_id(req.provider_member_id());
    a.set_receiver_member_id(req.receiver_member_ids(i));
    a.set_minutes(shares[static_cast<size_t>(i)]);
    a.set_pool_funded(pool);
    *a.mutable_occurred_at() = req.occurred_at();
    a.set_description(req.description());
    a.set_group_id(group);
    TB_ASSIGN_OR_RETURN(a, AddExchange(tx, caller, std::move(a)));
    out.push_back(std::move(a));
  }
  return out;
}

absl::StatusOr<apb::Activity> ActivityBook::RespondToExchange(
    const dpb::Principal& caller, const apb::RespondToExchangeRequest& req) {
  using R = apb::RespondToExchangeRequest;
  if (req.response() == R::RESPONSE_UNSPECIFIED || !R::Response_IsValid(req.response())) {
    return FieldError("response", "confirm, decline or dispute");
  }
  const bool confirm = req.response() == R::RESPONSE_CONFIRM;
  TB_RETURN_IF_ERROR(
      kReason.CheckRequired(req.reason(), confirm ? nullptr : "say why you decline or dispute it"));
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(apb::Activity a,
                      records_.Load(records_.Committed(), req.community_id(), req.activity_id()));
  if (a.kind() != apb::ACTIVITY_KIND_EXCHANGE || !IsMember(caller) ||
      (a.provider_member_id() != caller.subject_id() &&
       a.receiver_member_id() != caller.subject_id())) {
    return absl::NotFoundError(absl::StrCat("you have no exchange ", req.activity_id()));
  }
  if (a.recorded_by() == caller.subject_id()) {
    return absl::FailedPreconditionError(
        "you recorded this exchange; the other member confirms, declines or disputes it");
  }
  if (a.state() != apb::ACTIVITY_STATE_PROPOSED) {
    return absl::FailedPreconditionError(absl::StrCat(
        "exchange ", a.id(), " was already answered (", apb::ActivityState_Name(a.state()), ")"));
  }
  return Decide(caller, std::move(a),
                confirm                                 ? apb::ACTIVITY_STATE_CONFIRMED
                : req.response() == R::RESPONSE_DECLINE ? apb::ACTIVITY_STATE_DECLINED
                                                        : apb::ACTIVITY_STATE_DISPUTED,
                req.reason(), confirm ? Posting::kTransfer : Posting::kNone);
}

absl::StatusOr<apb::Activity> ActivityBook::ResolveDispute(const dpb::Principal& caller,
                                                           const apb::ResolveDisputeRequest& req) {
  TB_RETURN_IF_ERROR(kReason.CheckRequired(req.reason(), "say how the dispute was resolved"));
  TB_RETURN_IF_ERROR(records::CheckRequestId(req.request_id()));
  const int64_t settled = req.settled_minutes();
  if (settled != 0) TB_RETURN_IF_ERROR(CheckSettlement(req));
  const std::string request_key = records::RequestKey(
      kRequestTag, {"resolve", req.community_id(), caller.subject_id(), req.activity_id()},
      req.request_id());
  TB_ASSIGN_OR_RETURN(
      std::vector<apb::Activity> made,
      RecordOnce(request_key, [&](records::Tx& tx) -> absl::StatusOr<std::vector<apb::Activity>> {
        TB_ASSIGN_OR_RETURN(apb::Activity a,
                            records_.Load(tx, req.community_id(), req.activity_id()));
        if (a.state() != apb::ACTIVITY_STATE_DISPUTED) {
          return absl::FailedPreconditionError(
              absl::StrCat("activity ", a.id(), " is not disputed"));
        }
        if (a.provider_member_id() == caller.subject_id() ||
            a.receiver_member_id() == caller.subject_id()) {
          return absl::PermissionDeniedError(
              "nobody resolves a dispute they are part of; ask another coordinator");
        }
        if (settled != 0) {
          if (settled == a.minutes()) {
            return FieldError("settled_minutes",
                              "is the recorded amount; uphold the exchange instead");
          }
          // The recorded amount is kept so both members see what was corrected.
          a.set_recorded_minutes(a.minutes());
          a.set_minutes(settled);
        }
        Stage(tx, caller, a,
              req.uphold() ? apb::ACTIVITY_STATE_CONFIRMED : apb::ACTIVITY_STATE_DECLINED,
              req.reason(), req.uphold() ? Posting::kTransfer : Posting::kNone);
        return std::vector<apb::Activity>{std::move(a)};
      }));
  return made[0];
}

absl::StatusOr<apb::Activity> ActivityBook::ReverseActivity(
    const dpb::Principal& caller, const apb::ReverseActivityRequest& req) {
  TB_RETURN_IF_ERROR(kReason.CheckRequired(req.reason(), "say why it is reversed"));
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(apb::Activity a,
                      records_.Load(records_.Committed(), req.community_id(), req.activity_id()));
  if (a.state() != apb::ACTIVITY_STATE_CONFIRMED) {
    return absl::FailedPreconditionError(
        absl::StrCat("only a confirmed activity is reversed; activity ", a.id(), " is ",
                     apb::ActivityState_Name(a.state())));
  }
  if (a.posting_state() == apb::POSTING_STATE_REFUSED) {
    return absl::FailedPreconditionError(
        "the ledger refused this activity; nothing was posted to reverse");
  }
  if (a.kind() == apb::ACTIVITY_KIND_DONATION || a.kind() == apb::ACTIVITY_KIND_REDEMPTION) {
    return absl::FailedPreconditionError(
        "donations and redemptions are corrected by a new donation back, not reversed");
  }
  // The reversal is queued after the original, so the dispatcher posts them in order.
  return Decide(caller, std::move(a), apb::ACTIVITY_STATE_REVERSED, req.reason(),
                Posting::kReversal);
}

absl::StatusOr<apb::Activity> ActivityBook::Decide(const dpb::Principal& caller, apb::Activity a,
                                                   apb::ActivityState state,
                                                   const std::string& reason, Posting posting) {
  records::Tx tx = records_.NewTx();
  Stage(tx, caller, a, state, reason, posting);
  TB_RETURN_IF_ERROR(tx.Commit());
  return a;
}

void ActivityBook::Stage(records::Tx& tx, const dpb::Principal& caller, apb::Activity& a,
                         apb::ActivityState state, const std::string& reason,
                         Posting posting) const {
  const bool was_waiting = a.state() == apb::ACTIVITY_STATE_PROPOSED;
  a.set_state(state);
  a.set_decided_by(caller.subject_id());
  a.set_reason(reason);
  records_.Put(tx, a, /*is_new=*/false, posting);
  // Harmless for proposals that were never waiting (self-reported contributions).
  if (was_waiting) tx.Delete(WaitingKey(a));
}

absl::StatusOr<size_t> ActivityBook::SettleUnanswered() {
  constexpr int64_t kMinAnswerS = 3600;  // no community allows less than an hour
  const int64_t now_s = absl::ToUnixSeconds(Now());
  std::vector<records::RecordRef> due;  // (community, activity), oldest first
  {
    auto it = records_.store()->NewIterator(kRecords);
    const std::string prefix(1, kWaitingTag);
    for (it->Seek(prefix); it->Valid() && it->key().substr(0, 1) == prefix &&
                           due.size() < ActivityLimits::kMaxDispatchBatch;
         it->Next()) {
      if (records::I64At(it->key(), 1) > now_s - kMinAnswerS) break;  // sorted by time
      due.emplace_back(records::U64At(it->key(), 9), records::U64At(it->key(), 17));
    }
    TB_RETURN_IF_ERROR(it->status());
  }
  if (due.empty()) return 0;
  // The communities' settings, read before the write lock: never call a peer under it.
  std::map<uint64_t, dpb::Community> communities;
  for (const auto& [c, id] : due) {
    if (communities.count(c) != 0) continue;
    TB_ASSIGN_OR_RETURN(dpb::Community community, people_->Community(c));
    communities.emplace(c, std::move(community));
  }
  size_t settled = 0;
  absl::MutexLock lock(&write_mu_);
  records::Tx tx = records_.NewTx();
  for (const auto& [c, id] : due) {
    const dpb::Community& community = communities.at(c);
    const int64_t hours = AnswerHours(community);
    TB_ASSIGN_OR_RETURN(apb::Activity a, records_.Load(tx, c, id));
    if (a.state() != apb::ACTIVITY_STATE_PROPOSED) {
      tx.Delete(WaitingKey(a));  // answered meanwhile
      continue;
    }
    if (a.created_at().seconds() + hours * 3600 > now_s) continue;
    const bool expire = community.unconfirmed_exchanges() == dpb::UNCONFIRMED_EXCHANGES_EXPIRE;
    a.set_state(expire ? apb::ACTIVITY_STATE_EXPIRED : apb::ACTIVITY_STATE_CONFIRMED);
    a.set_reason(
        absl::StrCat(expire ? "expired" : "auto-confirmed", ": unanswered for ", hours, " hours"));
    tx.Delete(WaitingKey(a));
    records_.Put(tx, a, /*is_new=*/false, expire ? Posting::kNone : Posting::kTransfer);
    ++settled;
  }
  TB_RETURN_IF_ERROR(tx.Commit());
  return settled;
}

}  // namespace timebank::activity
