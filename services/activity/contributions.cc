// Contributions: volunteer time given to an organisation, logged by its coordinators
// (one activity per member of an event, posted at once) or reported by the member
// and reviewed by another coordinator. (Bulk import is contribution_import.cc.)
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/activity/activity_book.h"
#include "storage/check.h"

namespace timebank::activity {
namespace {

namespace dpb = ::timebank::directory::v1;

absl::Status CheckEventMembers(const apb::LogContributionsRequest& req) {
  if (req.member_ids().empty() ||
      static_cast<size_t>(req.member_ids_size()) > ActivityLimits::kMaxMembersPerEvent) {
    return FieldError("member_ids", "1..500 members");
  }
  std::vector<uint64_t> members(req.member_ids().begin(), req.member_ids().end());
  std::sort(members.begin(), members.end());
  if (std::adjacent_find(members.begin(), members.end()) != members.end()) {
    return FieldError("member_ids", "a member is listed twice");
  }
  return absl::OkStatus();
}

// One member's contribution to a logged event (id and group to be given).
apb::Activity LoggedContribution(const dpb::Principal& caller,
                                 const apb::LogContributionsRequest& req, uint64_t member,
                                 absl::Time now) {
  apb::Activity a;
  a.set_community_id(req.community_id());
  a.set_kind(apb::ACTIVITY_KIND_CONTRIBUTION);
  a.set_state(apb::ACTIVITY_STATE_CONFIRMED);
  a.set_provider_member_id(member);
  a.set_organisation_id(req.organisation_id());
  a.set_minutes(req.minutes());
  *a.mutable_occurred_at() = req.occurred_at();
  a.set_description(req.description());
  a.set_coproduction_type(req.coproduction_type());
  a.set_input(req.input() != apb::INPUT_KIND_UNSPECIFIED ? req.input()
              : req.member_ids_size() > 1                ? apb::INPUT_KIND_COLLECTIVE
                                                         : apb::INPUT_KIND_INDIVIDUAL);
  a.set_recorded_by(caller.subject_id());
  a.set_decided_by(caller.subject_id());
  a.mutable_created_at()->set_seconds(absl::ToUnixSeconds(now));
  return a;
}

}  // namespace

absl::StatusOr<std::vector<apb::Activity>> ActivityBook::LogContributions(
    const dpb::Principal& caller, const apb::LogContributionsRequest& req) {
  TB_RETURN_IF_ERROR(CheckCommon(req.minutes(), req.occurred_at(), req.description(), Now()));
  TB_RETURN_IF_ERROR(CheckEventMembers(req));
  TB_RETURN_IF_ERROR(records::CheckRequestId(req.request_id()));
  const uint64_t c = req.community_id();
  TB_RETURN_IF_ERROR(people_->Organisation(c, req.organisation_id()).status());
  for (uint64_t m : req.member_ids()) TB_RETURN_IF_ERROR(ActiveMember(c, m, "member_ids").status());
  const std::string request_key =
      records::RequestKey(kRequestTag, {"log", c, req.organisation_id()}, req.request_id());
  return RecordOnce(request_key,
                    [&](records::Tx& tx) -> absl::StatusOr<std::vector<apb::Activity>> {
                      uint64_t group = 0;
                      if (req.member_ids_size() > 1) {
                        TB_ASSIGN_OR_RETURN(group, tx.NextId(absl::StrCat("group.", c)));
                      }
                      std::vector<apb::Activity> out;
                      for (uint64_t m : req.member_ids()) {
                        apb::Activity a = LoggedContribution(caller, req, m, Now());
                        TB_ASSIGN_OR_RETURN(uint64_t id, tx.NextId(absl::StrCat("activity.", c)));
                        a.set_id(id);
                        a.set_group_id(group);
                        records_.Put(tx, a, /*is_new=*/true, Posting::kTransfer);
                        out.push_back(std::move(a));
                      }
                      return out;
                    });
}

absl::StatusOr<apb::Activity> ActivityBook::ReportContribution(
    const dpb::Principal& caller, const apb::ReportContributionRequest& req) {
  if (!IsMember(caller)) {
    return absl::PermissionDeniedError("only members report their own contributions");
  }
  TB_RETURN_IF_ERROR(CheckCommon(req.minutes(), req.occurred_at(), req.description(), Now()));
  const uint64_t c = req.community_id();
  TB_RETURN_IF_ERROR(people_->Organisation(c, req.organisation_id()).status());
  TB_RETURN_IF_ERROR(ActiveMember(c, caller.subject_id(), "member").status());
  const std::string request_key =
      records::RequestKey(kRequestTag, {"report", c, caller.subject_id()}, req.request_id());
  TB_ASSIGN_OR_RETURN(
      std::vector<apb::Activity> made,
      RecordOnce(request_key, [&](records::Tx& tx) -> absl::StatusOr<std::vector<apb::Activity>> {
        apb::Activity a;
        a.set_community_id(c);
        TB_ASSIGN_OR_RETURN(uint64_t id, tx.NextId(absl::StrCat("activity.", c)));
        a.set_id(id);
        a.set_kind(apb::ACTIVITY_KIND_CONTRIBUTION);
        a.set_state(apb::ACTIVITY_STATE_PROPOSED);
        a.set_provider_member_id(caller.subject_id());
        a.set_organisation_id(req.organisation_id());
        a.set_minutes(req.minutes());
        *a.mutable_occurred_at() = req.occurred_at();
        a.set_description(req.description());
        a.set_coproduction_type(req.coproduction_type());
        a.set_input(req.input() == apb::INPUT_KIND_UNSPECIFIED ? apb::INPUT_KIND_INDIVIDUAL
                                                               : req.input());
        a.set_recorded_by(caller.subject_id());
        a.mutable_created_at()->set_seconds(absl::ToUnixSeconds(Now()));
        records_.Put(tx, a, /*is_new=*/true, Posting::kNone);
        return std::vector<apb::Activity>{std::move(a)};
      }));
  return made[0];
}

absl::StatusOr<apb::Activity> ActivityBook::ReviewContribution(
    const dpb::Principal& caller, const apb::ReviewContributionRequest& req) {
  TB_RETURN_IF_ERROR(kReason.CheckRequired(
      req.reason(), req.approve() ? nullptr : "say why the contribution is declined"));
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(apb::Activity a,
                      records_.Load(records_.Committed(), req.community_id(), req.activity_id()));
  if (a.kind() != apb::ACTIVITY_KIND_CONTRIBUTION || a.organisation_id() != req.organisation_id()) {
    return absl::NotFoundError(absl::StrCat("activity ", req.activity_id(),
                                            " is not a contribution to organisation ",
                                            req.organisation_id()));
  }
  if (a.state() != apb::ACTIVITY_STATE_PROPOSED) {
    return absl::FailedPreconditionError(absl::StrCat(
        "activity ", a.id(), " was already reviewed (", apb::ActivityState_Name(a.state()), ")"));
  }
  if (a.provider_member_id() == caller.subject_id() && IsMember(caller)) {
    return absl::PermissionDeniedError(
        "nobody verifies their own contribution; ask another coordinator");
  }
  return Decide(caller, std::move(a),
                req.approve() ? apb::ACTIVITY_STATE_CONFIRMED : apb::ACTIVITY_STATE_DECLINED,
                req.reason(), req.approve() ? Posting::kTransfer : Posting::kNone);
}

}  // namespace timebank::activity
