#include "services/activity/activity_rules.h"

#include <algorithm>

#include "services/common/auth/token.h"

namespace timebank::activity {

namespace dpb = ::timebank::directory::v1;

bool IsMember(const dpb::Principal& p) { return p.kind() == dpb::Principal::KIND_MEMBER; }

bool IsStaff(const dpb::Principal& p) {
  return auth::HasRole(p, dpb::ROLE_ADMIN) ||
         (IsMember(p) && auth::HasRole(p, dpb::ROLE_COORDINATOR));
}

bool Sees(const dpb::Principal& p, const apb::Activity& a) {
  if (p.kind() == dpb::Principal::KIND_SERVICE) return true;
  if (auth::HasRole(p, dpb::ROLE_ADMIN) || auth::HasRole(p, dpb::ROLE_FINANCE) ||
      (IsMember(p) && auth::HasRole(p, dpb::ROLE_COORDINATOR))) {
    return true;
  }
  if (p.kind() == dpb::Principal::KIND_API_KEY) {
    return a.organisation_id() != 0 &&
           std::find(p.coordinator_of().begin(), p.coordinator_of().end(), a.organisation_id()) !=
               p.coordinator_of().end();
  }
  return IsMember(p) &&
         (a.provider_member_id() == p.subject_id() || a.receiver_member_id() == p.subject_id());
}

int64_t AnswerHours(const dpb::Community& c) {
  return c.exchange_answer_hours() > 0 ? c.exchange_answer_hours() : 168;
}

std::vector<int64_t> EqualShares(int64_t minutes, size_t receivers) {
  const int64_t n = static_cast<int64_t>(receivers);
  std::vector<int64_t> shares(receivers, minutes / n);
  for (int64_t i = 0; i < minutes % n; ++i) ++shares[static_cast<size_t>(i)];
  return shares;
}

absl::Status CheckCommon(int64_t minutes, const google::protobuf::Timestamp& occurred_at,
                         const std::string& description, absl::Time now) {
  if (minutes <= 0) return FieldError("minutes", "must be more than zero");
  if (minutes > ActivityLimits::kMaxMinutes) {
    return FieldError("minutes", "at most 24 hours (1440) in one record");
  }
  const absl::Time when = absl::FromUnixSeconds(occurred_at.seconds());
  if (occurred_at.seconds() == 0) return FieldError("occurred_at", "required: when it happened");
  if (when > now + ActivityLimits::kMaxFutureSkew)
    return FieldError("occurred_at", "is in the future");
  if (when < now - absl::Hours(24 * ActivityLimits::kMaxAgeDays)) {
    return FieldError("occurred_at",
                      "more than a year ago; ask an admin to record it as an adjustment");
  }
  return kDescription.Check(description);
}

}  // namespace timebank::activity
