// Who a caller is and how categories and months read (expense_rules.h).
#include "services/expenses/expense_rules.h"

#include "absl/strings/ascii.h"
#include "services/common/auth/token.h"

namespace timebank::expenses {

namespace dpb = ::timebank::directory::v1;

bool IsMember(const dpb::Principal& p) { return p.kind() == dpb::Principal::KIND_MEMBER; }

bool IsFinanceOfficer(const dpb::Principal& p) {
  return IsMember(p) && auth::HasRole(p, dpb::ROLE_FINANCE);
}

bool IsFinanceOrAdmin(const dpb::Principal& p) {
  return p.kind() == dpb::Principal::KIND_SERVICE || auth::HasRole(p, dpb::ROLE_FINANCE) ||
         auth::HasRole(p, dpb::ROLE_ADMIN);
}

std::string CategoryWord(xpb::Category c) {
  std::string s = xpb::Category_Name(c).substr(9);  // "CATEGORY_"
  absl::AsciiStrToLower(&s);
  return s;
}

absl::TimeZone ZoneOf(const dpb::Community& c) {
  absl::TimeZone tz;
  if (!absl::LoadTimeZone(c.timezone(), &tz)) tz = absl::UTCTimeZone();
  return tz;
}

int64_t MonthOf(absl::Time t, const absl::TimeZone& tz) {
  const absl::CivilSecond cs = absl::ToCivilSecond(t, tz);
  return cs.year() * 100 + cs.month();
}

}  // namespace timebank::expenses
