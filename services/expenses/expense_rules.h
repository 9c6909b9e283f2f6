// The expenses service's small shared rules: who a caller is (a member, a finance
// officer, finance or an admin) and how a claim's category and dates read in its
// community. Pure functions; used by every aggregate of the expense book.
#ifndef TIMEBANK_SERVICES_EXPENSES_EXPENSE_RULES_H_
#define TIMEBANK_SERVICES_EXPENSES_EXPENSE_RULES_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "timebank/directory/v1/directory.pb.h"
#include "timebank/directory/v1/token.pb.h"
#include "timebank/expenses/v1/expenses.pb.h"

namespace timebank::expenses {

namespace xpb = ::timebank::expenses::v1;

bool IsMember(const ::timebank::directory::v1::Principal& p);
// A member holding the finance role: the only people who decide, batch and pay.
bool IsFinanceOfficer(const ::timebank::directory::v1::Principal& p);
// Finance officers, admins and services read anyone's submitted claims.
bool IsFinanceOrAdmin(const ::timebank::directory::v1::Principal& p);

// "travel", "care_cover", ...: the category's name without its prefix, lower case.
std::string CategoryWord(xpb::Category c);

// The community's time zone (UTC if it names none the host knows).
absl::TimeZone ZoneOf(const ::timebank::directory::v1::Community& c);
// yyyymm of `t` in `tz`.
int64_t MonthOf(absl::Time t, const absl::TimeZone& tz);

}  // namespace timebank::expenses

#endif  // TIMEBANK_SERVICES_EXPENSES_EXPENSE_RULES_H_
