// Writes a BACS Standard 18 payment file: the labels VOL1, HDR1, HDR2, UHL1, one
// standard (credit, transaction code 99) record per payee, the contra record (17) that
// debits the originator's account with the total, then EOF1, EOF2 and UTL1 with the
// totals. Every record is 100 characters, CRLF-terminated. The field positions are
// docs/decisions/0017-bacs-standard-18-export.md's. Pure: no store, no clock.
#ifndef TIMEBANK_SERVICES_EXPENSES_BACS_FILE_H_
#define TIMEBANK_SERVICES_EXPENSES_BACS_FILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "timebank/expenses/v1/expenses.pb.h"

namespace timebank::expenses {

inline constexpr size_t kBacsRecordChars = 100;
// The largest amount one record carries (11 digits of pence).
inline constexpr int64_t kMaxBacsAmountPence = 99'999'999'999;

// One payee's credit. Every field already normalised (bank_details.h): 6-digit sort
// code, 8-digit account number, a name and a reference in the Bacs character set.
struct BacsPayment {
  std::string sort_code;
  std::string account_number;
  std::string account_name;
  std::string reference;  // at most 18 characters
  int64_t amount_pence = 0;
};

struct BacsFile {
  // Normalised: SUN and account number digits, sort code 6 digits, name upper case.
  ::timebank::expenses::v1::BacsOriginator originator;
  std::string volume_serial;  // 6 characters, unique for the day
  absl::CivilDay created;
  absl::CivilDay processing;
  // At most 18 characters: the contra record's narrative.
  std::string contra_narrative;
  std::vector<BacsPayment> payments;  // 1 or more
};

// The file's text (records of kBacsRecordChars, each followed by CRLF).
std::string WriteBacsStandard18(const BacsFile& file);

// " YYDDD": the Bacs date form (a space, two year digits, the day of the year).
std::string BacsDate(absl::CivilDay day);

}  // namespace timebank::expenses

#endif  // TIMEBANK_SERVICES_EXPENSES_BACS_FILE_H_
