// ExpenseBook's policy aggregate: each community's claim policy (categories, mileage
// rate, caps, claim window and the second-approval and receipt thresholds), set whole
// or by field mask, checked field by field, and versioned by its etag.
#include <set>
#include <string>
#include <vector>

#include "services/common/update_mask.h"
#include "services/expenses/expense_book.h"
#include "storage/check.h"

namespace timebank::expenses {
namespace {

namespace dpb = ::timebank::directory::v1;

// The fields of a policy its admins and finance officers change.
const std::vector<std::string>& PolicyFields() {
  static const auto* kFields = new std::vector<std::string>{"categories",
                                                            "mileage_rate_minor",
                                                            "distance_unit",
                                                            "max_claim_minor",
                                                            "max_month_minor",
                                                            "claim_window_days",
                                                            "second_approval_above_minor",
                                                            "receipt_required_above_minor",
                                                            "bacs_originator"};
  return *kFields;
}

absl::Status CheckCategoriesAndMileage(const xpb::Policy& p) {
  std::set<int> seen;
  for (int cat : p.categories()) {
    if (cat == xpb::CATEGORY_UNSPECIFIED || !xpb::Category_IsValid(cat) ||
        !seen.insert(cat).second) {
      return FieldError("policy.categories", "known categories, each once");
    }
  }
  if (p.mileage_rate_minor() < 0 || p.mileage_rate_minor() > ExpenseLimits::kMaxMileageRateMinor) {
    return FieldError("policy.mileage_rate_minor", "0..100000 minor units per mile or kilometre");
  }
  if (p.mileage_rate_minor() > 0 && (p.distance_unit() == xpb::DISTANCE_UNIT_UNSPECIFIED ||
                                     !xpb::DistanceUnit_IsValid(p.distance_unit()))) {
    return FieldError("policy.distance_unit", "mile or kilometre, for the mileage rate");
  }
  return absl::OkStatus();
}

// A whole policy, each field checked, naming it.
absl::Status CheckPolicy(const xpb::Policy& p) {
  TB_RETURN_IF_ERROR(CheckCategoriesAndMileage(p));
  for (auto [name, v] : {std::pair{"policy.max_claim_minor", p.max_claim_minor()},
                         std::pair{"policy.max_month_minor", p.max_month_minor()}}) {
    if (v <= 0 || v > ExpenseLimits::kMaxMinor) {
      return FieldError(name, "more than 0 and at most 10,000,000 minor units");
    }
  }
  if (p.claim_window_days() < 1 || p.claim_window_days() > ExpenseLimits::kMaxWindowDays) {
    return FieldError("policy.claim_window_days", "1..366 days");
  }
  if (p.receipt_required_above_minor() < 0 ||
      p.receipt_required_above_minor() > ExpenseLimits::kMaxMinor) {
    return FieldError("policy.receipt_required_above_minor", "0 (never) .. 10,000,000 minor units");
  }
  if (p.second_approval_above_minor() < 0 ||
      p.second_approval_above_minor() > ExpenseLimits::kMaxMinor) {
    return FieldError("policy.second_approval_above_minor", "0 (never) .. 10,000,000 minor units");
  }
  return absl::OkStatus();
}

// The originating details in their stored form, each field checked (all empty: none).
absl::Status NormaliseOriginator(xpb::Policy* p) {
  xpb::BacsOriginator* o = p->mutable_bacs_originator();
  if (o->service_user_number().empty() && o->sort_code().empty() && o->account_number().empty() &&
      o->account_name().empty()) {
    p->clear_bacs_originator();
    return absl::OkStatus();
  }
  TB_ASSIGN_OR_RETURN(*o->mutable_service_user_number(),
                      NormaliseServiceUserNumber("policy.bacs_originator.service_user_number",
                                                 o->service_user_number()));
  TB_ASSIGN_OR_RETURN(*o->mutable_sort_code(),
                      NormaliseSortCode("policy.bacs_originator.sort_code", o->sort_code()));
  TB_ASSIGN_OR_RETURN(
      *o->mutable_account_number(),
      NormaliseAccountNumber("policy.bacs_originator.account_number", o->account_number()));
  TB_ASSIGN_OR_RETURN(
      *o->mutable_account_name(),
      NormaliseAccountName("policy.bacs_originator.account_name", o->account_name()));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<xpb::Policy> ExpenseBook::SetPolicy(const Principal& caller, xpb::Policy policy) {
  return UpdatePolicy(caller, policy, FullUpdateMask());
}

absl::StatusOr<xpb::Policy> ExpenseBook::UpdatePolicy(const Principal& caller,
                                                      const xpb::Policy& patch,
                                                      const google::protobuf::FieldMask& mask) {
  (void)caller;  // the access table admits admins and finance officers
  const uint64_t c = patch.community_id();
  TB_ASSIGN_OR_RETURN(dpb::Community community, people_->Community(c));
  absl::MutexLock lock(&write_mu_);
  records::Tx tx = NewTx();
  xpb::Policy p;
  absl::StatusOr<xpb::Policy> current = records_.LoadPolicy(tx, c);
  if (current.ok()) {
    p = *std::move(current);
    TB_RETURN_IF_ERROR(records::CheckEtag(
        patch.etag(), p.etag(),
        "policy.etag: the policy changed since you read it; read it again and retry",
        records::EtagCheck::kIfSent));
  } else if (current.status().code() == absl::StatusCode::kNotFound) {
    p.set_community_id(c);  // the first policy: every limit must be given
  } else {
    return current.status();
  }
  TB_RETURN_IF_ERROR(ApplyUpdateMask(patch, mask, PolicyFields(), &p));
  TB_RETURN_IF_ERROR(CheckPolicy(p));
  TB_RETURN_IF_ERROR(NormaliseOriginator(&p));
  p.set_currency(community.expense_currency());
  records_.PutPolicy(tx, p);
  TB_RETURN_IF_ERROR(tx.Commit());
  return p;
}

absl::StatusOr<xpb::Policy> ExpenseBook::GetPolicy(uint64_t c) {
  return records_.LoadPolicy(records_.Committed(), c);
}

}  // namespace timebank::expenses
