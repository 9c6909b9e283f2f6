// ExpenseBook's claims aggregate: creating (idempotently), pricing against the policy,
// editing and submitting a member's own claims, reading and listing them, and the
// claim's history and month counter that every transition writes.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/text_fields.h"
#include "services/common/text_formats.h"
#include "services/common/update_mask.h"
#include "services/expenses/expense_book.h"
#include "services/expenses/expense_rules.h"
#include "storage/check.h"

namespace timebank::expenses {

namespace dpb = ::timebank::directory::v1;

ExpenseBook::ExpenseBook(storage::KvStore* store, People* people, LedgerClient* ledger,
                         ActivityLookup* activities, const Clock* clock,
                         const auth::Keyring* bank_keys)
    : records_(store),
      people_(people),
      poster_(ledger),
      activities_(activities),
      clock_(clock),
      bank_cipher_(bank_keys == nullptr ? nullptr : std::make_unique<BankCipher>(bank_keys)) {
  TB_CHECK(clock_ != nullptr);
}

absl::Status ExpenseBook::CheckActivities(const xpb::Claim& claim, uint64_t claimant) {
  for (int i = 0; i < claim.lines_size(); ++i) {
    const uint64_t id = claim.lines(i).activity_id();
    if (id == 0) continue;
    const std::string f = absl::StrCat("claim.lines[", i, "].activity_id");
    if (activities_ == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat(f, ": this server cannot check activities; leave it out"));
    }
    absl::StatusOr<::timebank::activity::v1::Activity> a =
        activities_->Activity(claim.community_id(), id);
    if (a.status().code() == absl::StatusCode::kNotFound) {
      return FieldError(f, absl::StrCat("activity ", id, " does not exist in this community"));
    }
    if (!a.ok()) return a.status();
    if (a->provider_member_id() != claimant && a->receiver_member_id() != claimant) {
      return FieldError(f, absl::StrCat("activity ", id, " is not one you took part in"));
    }
  }
  return absl::OkStatus();
}

absl::Status ExpenseBook::PriceLine(const xpb::Policy& policy, const absl::TimeZone& tz, int i,
                                    xpb::ClaimLine* line) const {
  const std::string f = absl::StrCat("claim.lines[", i, "].");
  if (line->category() == xpb::CATEGORY_UNSPECIFIED || !xpb::Category_IsValid(line->category())) {
    return FieldError(f + "category",
                      "travel, mileage, care-cover, subsistence, materials, phone-data or other");
  }
  if (!policy.categories().empty() &&
      std::find(policy.categories().begin(), policy.categories().end(), line->category()) ==
          policy.categories().end()) {
    return FieldError(f + "category", absl::StrCat(CategoryWord(line->category()),
                                                   " is not claimable in this community"));
  }
  absl::Time day;
  std::string err;
  if (!absl::ParseTime("%Y-%m-%d", line->date(), tz, &day, &err)) {
    return FieldError(f + "date",
                      absl::StrCat("'", line->date(), "' is not a date like 2026-11-23"));
  }
  const absl::Time now = Now();
  if (day > now) return FieldError(f + "date", "is in the future");
  if (day < now - absl::Hours(24 * (policy.claim_window_days() + 1))) {
    return FieldError(f + "date", absl::StrCat("is outside the claim window of ",
                                               policy.claim_window_days(), " days"));
  }
  const std::string description = f + "description";
  TB_RETURN_IF_ERROR((records::BoundedText{
      description, {TextLimits::kClaimLineDescriptionBytes}, "1..256 bytes of one-line text"}
                          .Check(line->description())));
  if (line->category() == xpb::CATEGORY_MILEAGE) {
    if (policy.mileage_rate_minor() == 0) {
      return FieldError(f + "category", "this community pays no mileage (no rate is set)");
    }
    if (line->distance_tenths() <= 0 ||
        line->distance_tenths() > ExpenseLimits::kMaxDistanceTenths) {
      return FieldError(f + "distance_tenths", "a distance of 0.1 .. 10,000");
    }
    // Rounded to the nearest minor unit, half up; integers only.
    line->set_amount_minor((line->distance_tenths() * policy.mileage_rate_minor() + 5) / 10);
  } else if (line->distance_tenths() != 0) {
    return FieldError(f + "distance_tenths", "only for mileage");
  }
  if (line->amount_minor() <= 0 || line->amount_minor() > ExpenseLimits::kMaxMinor) {
    return FieldError(f + "amount_minor", "more than 0 and at most 10,000,000 minor units");
  }
  return absl::OkStatus();
}

absl::Status ExpenseBook::PriceLines(const xpb::Policy& policy, const dpb::Community& community,
                                     xpb::Claim* claim) const {
  TB_RETURN_IF_ERROR(kClaimTitle.Check(claim->title()));
  if (claim->lines().empty() ||
      static_cast<size_t>(claim->lines_size()) > ExpenseLimits::kMaxLines) {
    return FieldError("claim.lines", "1..50 lines");
  }
  const absl::TimeZone tz = ZoneOf(community);
  int64_t total = 0;
  for (int i = 0; i < claim->lines_size(); ++i) {
    TB_RETURN_IF_ERROR(PriceLine(policy, tz, i, claim->mutable_lines(i)));
    total += claim->lines(i).amount_minor();
  }
  if (total > policy.max_claim_minor()) {
    const std::string& cur = community.expense_currency();
    return absl::FailedPreconditionError(
        absl::StrCat("claim.lines: the claim totals ", FormatMoney(total, cur),
                     "; this community's limit per claim is ",
                     FormatMoney(policy.max_claim_minor(), cur), "; split it or ask finance"));
  }
  claim->set_total_minor(total);
  claim->set_currency(community.expense_currency());
  claim->set_needs_second_approval(policy.second_approval_above_minor() > 0 &&
                                   total > policy.second_approval_above_minor());
  return absl::OkStatus();
}

void ExpenseBook::Save(records::Tx& tx, xpb::Claim& claim, xpb::ClaimState from, uint64_t by,
                       const std::string& reason) {
  if (from != claim.state() || !reason.empty()) {
    xpb::ClaimEvent* e = claim.add_history();
    e->mutable_at()->set_seconds(absl::ToUnixSeconds(Now()));
    e->set_by_member_id(by);
    e->set_from(from);
    e->set_to(claim.state());
    e->set_reason(reason);
  }
  records_.PutClaim(tx, claim, from);
}

void ExpenseBook::AddToMonth(records::Tx& tx, const xpb::Claim& claim, int64_t month,
                             int64_t counted, int64_t delta) {
  records_.PutMonthTotal(tx, claim.community_id(), claim.claimant_member_id(), month,
                         counted + delta);
}

absl::StatusOr<xpb::Claim> ExpenseBook::CreateClaim(const Principal& caller, xpb::Claim claim,
                                                    const std::string& request_id) {
  if (!IsMember(caller)) return absl::PermissionDeniedError("only members claim expenses");
  TB_RETURN_IF_ERROR(records::CheckRequestId(request_id));
  const uint64_t c = claim.community_id();
  TB_ASSIGN_OR_RETURN(xpb::Policy policy, GetPolicy(c));
  TB_ASSIGN_OR_RETURN(dpb::Community community, people_->Community(c));
  TB_ASSIGN_OR_RETURN(dpb::Member me, people_->Member(c, caller.subject_id()));
  if (me.status() != dpb::MEMBER_STATUS_ACTIVE) {
    return absl::FailedPreconditionError("only active members claim expenses");
  }
  if (claim.organisation_id() != 0) {
    TB_RETURN_IF_ERROR(people_->Organisation(c, claim.organisation_id()).status());
  }
  TB_RETURN_IF_ERROR(PriceLines(policy, community, &claim));
  TB_RETURN_IF_ERROR(CheckActivities(claim, caller.subject_id()));
  absl::MutexLock lock(&write_mu_);
  records::Tx tx = NewTx();
  TB_ASSIGN_OR_RETURN(
      xpb::Claim made,
      records::IdempotentCreate<xpb::Claim>(
          tx, ClaimRequestKey(c, caller.subject_id(), request_id),
          [&](std::string_view first) {
            return records_.LoadClaim(tx, c, ExpenseRecords::RememberedId(first));
          },
          [&](records::Tx& tx) ABSL_EXCLUSIVE_LOCKS_REQUIRED(
              write_mu_) -> absl::StatusOr<records::Created<xpb::Claim>> {
            TB_ASSIGN_OR_RETURN(uint64_t id, tx.NextId(absl::StrCat("claim.", c)));
            claim.set_id(id);
            claim.set_claimant_member_id(caller.subject_id());
            claim.set_state(xpb::CLAIM_STATE_DRAFT);
            claim.set_posting_state(xpb::POSTING_STATE_NOT_POSTED);
            claim.clear_history();
            claim.clear_first_approver_member_id();
            claim.mutable_created_at()->set_seconds(absl::ToUnixSeconds(Now()));
            claim.clear_submitted_at();
            claim.clear_ledger_result();
            Save(tx, claim, xpb::CLAIM_STATE_UNSPECIFIED, caller.subject_id(), "");
            records_.IndexNewClaim(tx, claim);
            return records::Created<xpb::Claim>{std::move(claim), ExpenseRecords::Remember(c, id)};
          }));
  TB_RETURN_IF_ERROR(tx.Commit());
  return made;
}

absl::StatusOr<xpb::Claim> ExpenseBook::OwnEditable(const Principal& caller, uint64_t c,
                                                    uint64_t id, const std::string& etag) {
  TB_ASSIGN_OR_RETURN(xpb::Claim claim, records_.LoadClaim(records_.Committed(), c, id));
  if (!IsMember(caller) || claim.claimant_member_id() != caller.subject_id()) {
    return absl::PermissionDeniedError("only the claimant changes or submits a claim");
  }
  if (claim.state() != xpb::CLAIM_STATE_DRAFT && claim.state() != xpb::CLAIM_STATE_NEEDS_INFO) {
    return absl::FailedPreconditionError(
        absl::StrCat("claim ", id, " is ", xpb::ClaimState_Name(claim.state()),
                     "; only drafts and claims finance asked about can be changed"));
  }
  TB_RETURN_IF_ERROR(records::CheckEtag(
      etag, claim.etag(),
      absl::StrCat("claim ", id, " changed since you read it; read it again (etag ", claim.etag(),
                   ")")));
  return claim;
}

absl::StatusOr<xpb::Claim> ExpenseBook::UpdateClaim(const Principal& caller, const xpb::Claim& in) {
  return UpdateClaim(caller, in, FullUpdateMask());
}

absl::StatusOr<xpb::Claim> ExpenseBook::UpdateClaim(const Principal& caller, const xpb::Claim& in,
                                                    const google::protobuf::FieldMask& mask) {
  static const auto* kFields = new std::vector<std::string>{"title", "organisation_id", "lines"};
  const uint64_t c = in.community_id();
  TB_ASSIGN_OR_RETURN(xpb::Policy policy, GetPolicy(c));
  TB_ASSIGN_OR_RETURN(dpb::Community community, people_->Community(c));
  if (in.organisation_id() != 0) {
    TB_RETURN_IF_ERROR(people_->Organisation(c, in.organisation_id()).status());
  }
  TB_RETURN_IF_ERROR(CheckActivities(in, caller.subject_id()));
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(xpb::Claim claim, OwnEditable(caller, c, in.id(), in.etag()));
  TB_RETURN_IF_ERROR(ApplyUpdateMask(in, mask, *kFields, &claim));
  TB_RETURN_IF_ERROR(PriceLines(policy, community, &claim));
  records::Tx tx = NewTx();
  Save(tx, claim, claim.state(), caller.subject_id(), "");
  TB_RETURN_IF_ERROR(tx.Commit());
  return claim;
}

absl::StatusOr<xpb::Claim> ExpenseBook::SubmitClaim(const Principal& caller, uint64_t c,
                                                    uint64_t id, const std::string& etag) {
  TB_ASSIGN_OR_RETURN(xpb::Policy policy, GetPolicy(c));
  TB_ASSIGN_OR_RETURN(dpb::Community community, people_->Community(c));
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(xpb::Claim claim, OwnEditable(caller, c, id, etag));
  // The policy may have changed since the draft was written: check again.
  TB_RETURN_IF_ERROR(PriceLines(policy, community, &claim));
  int64_t needs_evidence = 0;  // mileage is priced by the rate, not by a receipt
  for (const xpb::ClaimLine& l : claim.lines()) {
    if (l.category() != xpb::CATEGORY_MILEAGE) needs_evidence += l.amount_minor();
  }
  if (policy.receipt_required_above_minor() > 0 &&
      needs_evidence > policy.receipt_required_above_minor() && claim.receipts().empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "claim ", claim.id(), " needs a receipt: ", FormatMoney(needs_evidence, claim.currency()),
        " is above the ", FormatMoney(policy.receipt_required_above_minor(), claim.currency()),
        " this community pays without a receipt (tbctl claim attach ", claim.id(), " FILE)"));
  }
  const int64_t month = MonthOf(Now(), ZoneOf(community));
  records::Tx tx = NewTx();
  TB_ASSIGN_OR_RETURN(int64_t counted,
                      records_.MonthTotal(tx, c, claim.claimant_member_id(), month));
  if (counted + claim.total_minor() > policy.max_month_minor()) {
    return absl::FailedPreconditionError(
        absl::StrCat("this month's claims would total ",
                     FormatMoney(counted + claim.total_minor(), claim.currency()),
                     "; this community's limit per member per month is ",
                     FormatMoney(policy.max_month_minor(), claim.currency()),
                     "; submit the rest next month or ask finance"));
  }
  const xpb::ClaimState from = claim.state();
  claim.set_state(xpb::CLAIM_STATE_SUBMITTED);
  claim.clear_first_approver_member_id();
  claim.mutable_submitted_at()->set_seconds(absl::ToUnixSeconds(Now()));
  AddToMonth(tx, claim, month, counted, claim.total_minor());
  Save(tx, claim, from, caller.subject_id(), "");
  TB_RETURN_IF_ERROR(tx.Commit());
  return claim;
}

absl::StatusOr<xpb::Claim> ExpenseBook::GetClaim(const Principal& caller, uint64_t c, uint64_t id) {
  TB_ASSIGN_OR_RETURN(xpb::Claim claim, records_.LoadClaim(records_.Committed(), c, id));
  const bool own = IsMember(caller) && claim.claimant_member_id() == caller.subject_id();
  if (!own && (claim.state() == xpb::CLAIM_STATE_DRAFT || !IsFinanceOrAdmin(caller))) {
    return absl::NotFoundError(absl::StrCat("claim ", id, " does not exist"));
  }
  return claim;
}

absl::StatusOr<Page<xpb::Claim>> ExpenseBook::ListClaims(const Principal& caller,
                                                         const xpb::ListClaimsRequest& req,
                                                         uint64_t after_key, size_t limit) {
  const uint64_t c = req.community_id();
  uint64_t member = req.member_id();
  if (!IsFinanceOrAdmin(caller)) {
    if (!IsMember(caller) || (member != 0 && member != caller.subject_id())) {
      return absl::PermissionDeniedError("members list their own claims; finance lists anyone's");
    }
    // Every claimant's claims in one state is the finance queue: say so rather than
    // answer with the caller's own, which reads as an empty queue.
    if (member == 0 && req.state() != xpb::CLAIM_STATE_UNSPECIFIED) {
      return absl::PermissionDeniedError(
          "the finance queue is for finance officers and admins; to see your own claims, "
          "list them with your member id (tbctl claim list)");
    }
    member = caller.subject_id();
  }
  if (!xpb::ClaimState_IsValid(req.state()) || req.min_total_minor() < 0 ||
      req.min_age_days() < 0 || req.min_age_days() > 3660) {
    return FieldError("filters", "a known state, min_total_minor >= 0, min_age_days 0..3660");
  }
  // The index that yields the fewest non-matches: by state (oldest first, the finance
  // queue), by member, or everything (newest first).
  const Index index = req.state() != xpb::CLAIM_STATE_UNSPECIFIED && member == 0
                          ? ExpenseRecords::ByState(c, req.state())
                      : member != 0 ? ExpenseRecords::ByMember(c, member)
                                    : ExpenseRecords::All(c);
  const int64_t now_s = absl::ToUnixSeconds(Now());
  auto matches = [&](const xpb::Claim& claim) {
    const bool own = IsMember(caller) && claim.claimant_member_id() == caller.subject_id();
    if (claim.state() == xpb::CLAIM_STATE_DRAFT && !own) return false;
    if (req.state() != xpb::CLAIM_STATE_UNSPECIFIED && claim.state() != req.state()) return false;
    if (req.organisation_id() != 0 && claim.organisation_id() != req.organisation_id()) {
      return false;
    }
    if (claim.total_minor() < req.min_total_minor()) return false;
    return req.min_age_days() == 0 ||
           (claim.submitted_at().seconds() != 0 &&
            claim.submitted_at().seconds() <= now_s - int64_t{86400} * req.min_age_days());
  };
  PageBuilder<xpb::Claim> page(limit, ExpenseLimits::kMaxScan);
  // Pages resume after the index key, which orders the list.
  TB_RETURN_IF_ERROR(
      records_.Scan(index, after_key, [&](uint64_t position, uint64_t id) -> absl::StatusOr<bool> {
        if (!page.Visit(position)) return false;
        TB_ASSIGN_OR_RETURN(xpb::Claim claim, records_.LoadClaim(records_.Committed(), c, id));
        if (matches(claim)) page.Add(std::move(claim));
        return true;
      }));
  return std::move(page).Finish();
}

}  // namespace timebank::expenses
