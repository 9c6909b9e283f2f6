// ExpenseBook's reports: spend by month, category and organisation over approved and
// paid claims, and what is owed to whom (approved, not yet paid). Read-only; at most
// ExpenseLimits::kMaxScan claims are read.
#include <map>
#include <string>
#include <tuple>
#include <utility>

#include "services/expenses/expense_book.h"
#include "storage/check.h"

namespace timebank::expenses {
namespace {

namespace dpb = ::timebank::directory::v1;

// The running totals of one report: (month, category, organisation) -> (minor, lines)
// and member -> (minor owed, claims).
struct Totals {
  std::map<std::tuple<std::string, int, uint64_t>, std::pair<int64_t, int>> spend;
  std::map<uint64_t, std::pair<int64_t, int>> owed;
};

// Adds a claim found in the index of `state` (approved: still owed, or paid).
void Count(xpb::ClaimState state, const xpb::Claim& claim, const xpb::GetMoneyReportRequest& req,
           Totals* totals) {
  if (state == xpb::CLAIM_STATE_APPROVED) {
    auto& o = totals->owed[claim.claimant_member_id()];
    o.first += claim.total_minor();
    o.second += 1;
  }
  for (const xpb::ClaimLine& l : claim.lines()) {
    const std::string month = l.date().substr(0, 7);
    if ((!req.from_month().empty() && month < req.from_month()) ||
        (!req.to_month().empty() && month > req.to_month())) {
      continue;
    }
    auto& row = totals->spend[{month, l.category(), claim.organisation_id()}];
    row.first += l.amount_minor();
    row.second += 1;
  }
}

void Fill(const Totals& totals, xpb::MoneyReport* out) {
  for (const auto& [key, v] : totals.spend) {
    xpb::SpendRow* r = out->add_spend();
    r->set_month(std::get<0>(key));
    r->set_category(static_cast<xpb::Category>(std::get<1>(key)));
    r->set_organisation_id(std::get<2>(key));
    r->set_total_minor(v.first);
    r->set_lines(v.second);
  }
  for (const auto& [member, v] : totals.owed) {
    xpb::OwedRow* r = out->add_owed();
    r->set_member_id(member);
    r->set_owed_minor(v.first);
    r->set_claims(v.second);
  }
}

bool IsMonthOrEmpty(const std::string& m) {
  absl::Time t;
  std::string err;
  return m.empty() || (m.size() == 7 && absl::ParseTime("%Y-%m", m, &t, &err));
}

}  // namespace

absl::StatusOr<xpb::MoneyReport> ExpenseBook::GetMoneyReport(
    const xpb::GetMoneyReportRequest& req) {
  if (!IsMonthOrEmpty(req.from_month())) return FieldError("from_month", "YYYY-MM, like 2026-11");
  if (!IsMonthOrEmpty(req.to_month())) return FieldError("to_month", "YYYY-MM, like 2026-11");
  const uint64_t c = req.community_id();
  TB_ASSIGN_OR_RETURN(dpb::Community community, people_->Community(c));
  Totals totals;
  size_t scanned = 0;
  for (xpb::ClaimState state : {xpb::CLAIM_STATE_APPROVED, xpb::CLAIM_STATE_PAID}) {
    TB_RETURN_IF_ERROR(records_.Scan(
        ExpenseRecords::ByState(c, state), 0, [&](uint64_t, uint64_t id) -> absl::StatusOr<bool> {
          if (++scanned > ExpenseLimits::kMaxScan) {
            return absl::ResourceExhaustedError(
                "more claims than one report reads; ask for fewer months");
          }
          TB_ASSIGN_OR_RETURN(xpb::Claim claim, records_.LoadClaim(records_.Committed(), c, id));
          Count(state, claim, req, &totals);
          return true;
        }));
  }
  xpb::MoneyReport out;
  out.set_currency(community.expense_currency());
  Fill(totals, &out);
  return out;
}

}  // namespace timebank::expenses
