// BACS Standard 18 writer (bacs_file.h); positions in the comments are 1-based, as the
// Bacs specification and docs/decisions/0017 give them.
#include "services/expenses/bacs_file.h"

#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "storage/absl_compat.h"
#include "storage/check.h"

namespace timebank::expenses {
namespace {

// A record built field by field, each left-justified and space-filled (text) or
// right-justified and zero-filled (numbers), checked to land where the layout says.
class Record {
 public:
  Record& Text(std::string_view s, size_t width) {
    TB_CHECK(s.size() <= width);
    absl::StrAppend(&out_, AsAbsl(s), std::string(width - s.size(), ' '));
    return *this;
  }
  Record& Number(int64_t n, size_t width) {
    TB_CHECK(n >= 0);
    const std::string digits = absl::StrCat(n);
    TB_CHECK(digits.size() <= width);
    absl::StrAppend(&out_, std::string(width - digits.size(), '0'), digits);
    return *this;
  }
  Record& Blank(size_t width) { return Text("", width); }
  // The next field starts at 1-based `position`: catches a miscounted width.
  Record& At(size_t position) {
    TB_CHECK(out_.size() + 1 == position);
    return *this;
  }
  std::string Line() {
    Blank(kBacsRecordChars - out_.size());
    TB_CHECK(out_.size() == kBacsRecordChars);
    return out_ + "\r\n";
  }

 private:
  std::string out_;
};

// HDR1 and EOF1 share a layout: file identifier, set, section, sequence and dates.
std::string FileLabel1(std::string_view label, const BacsFile& f) {
  const std::string& sun = f.originator.service_user_number();
  return Record()
      .Text(label, 4)
      .At(5)
      .Text(absl::StrCat("A", sun, "S  ", sun, " "), 17)  // file identifier
      .At(22)
      .Text(f.volume_serial, 6)  // set identification
      .Text("0001", 4)           // file section number
      .Text("0001", 4)           // file sequence number
      .Blank(4)                  // generation number
      .Blank(2)                  // generation version
      .At(42)
      .Text(BacsDate(f.created), 6)  // creation date
      .Text(BacsDate(f.created), 6)  // expiration date
      .Text("0", 1)                  // accessibility
      .Number(0, 6)                  // block count
      .Blank(13)                     // system code
      .Blank(7)
      .At(81)
      .Line();
}

// HDR2 and EOF2: fixed-length records of 100 characters.
std::string FileLabel2(std::string_view label) {
  return Record()
      .Text(label, 4)
      .Text("F", 1)     // record format: fixed
      .Number(2000, 5)  // block length
      .Number(100, 5)   // record length
      .Blank(35)        // reserved
      .Number(0, 2)     // buffer offset
      .At(53)
      .Line();
}

std::string Payment(const BacsFile& f, const BacsPayment& p) {
  TB_CHECK(p.amount_pence > 0 && p.amount_pence <= kMaxBacsAmountPence);
  return Record()
      .Text(p.sort_code, 6)  // 1-6 destination sort code
      .Text(p.account_number, 8)
      .Text("0", 1)   // 15 destination account type
      .Text("99", 2)  // 16-17 transaction code: a credit
      .At(18)
      .Text(f.originator.sort_code(), 6)
      .Text(f.originator.account_number(), 8)
      .Blank(4)  // 32-35 free format
      .At(36)
      .Number(p.amount_pence, 11)
      .Text(f.originator.account_name(), 18)  // 47-64 service user's name
      .Text(p.reference, 18)                  // 65-82 service user's reference
      .Text(p.account_name, 18)               // 83-100 destination account name
      .At(101)
      .Line();
}

std::string Contra(const BacsFile& f, int64_t total) {
  return Record()
      .Text(f.originator.sort_code(), 6)
      .Text(f.originator.account_number(), 8)
      .Text("0", 1)
      .Text("17", 2)  // contra to the credits: debits the originator
      .Text(f.originator.sort_code(), 6)
      .Text(f.originator.account_number(), 8)
      .Blank(4)
      .At(36)
      .Number(total, 11)
      .Text(f.contra_narrative, 18)  // 47-64 narrative
      .Text("CONTRA", 18)            // 65-82
      .Text(f.originator.account_name(), 18)
      .At(101)
      .Line();
}

}  // namespace

std::string BacsDate(absl::CivilDay day) {
  return absl::StrFormat(" %02d%03d", static_cast<int>(day.year() % 100), absl::GetYearDay(day));
}

std::string WriteBacsStandard18(const BacsFile& f) {
  TB_CHECK(!f.payments.empty() && f.volume_serial.size() == 6);
  int64_t total = 0;
  for (const BacsPayment& p : f.payments) total += p.amount_pence;
  TB_CHECK(total <= kMaxBacsAmountPence);
  std::string out = Record()
                        .Text("VOL1", 4)
                        .Text(f.volume_serial, 6)
                        .Text("0", 1)  // 11 accessibility
                        .Blank(26)
                        .At(38)
                        .Blank(4)  // owner identification: 4 spaces, the SUN, 4 spaces
                        .Text(f.originator.service_user_number(), 6)
                        .Blank(4)
                        .Blank(28)
                        .At(80)
                        .Text("1", 1)  // label standard level
                        .Line();
  absl::StrAppend(&out, FileLabel1("HDR1", f), FileLabel2("HDR2"));
  absl::StrAppend(&out, Record()
                            .Text("UHL1", 4)
                            .Text(BacsDate(f.processing), 6)  // 5-10 processing day
                            .Text("999999", 10)               // receiving party
                            .Text("00", 2)                    // currency: sterling
                            .Number(0, 6)                     // country
                            .Text("1 DAILY", 9)               // work code: single day
                            .Text("001", 3)                   // 38-40 file number
                            .Blank(7)
                            .Blank(7)  // audit print identifier
                            .At(55)
                            .Line());
  for (const BacsPayment& p : f.payments) out += Payment(f, p);
  out += Contra(f, total);
  absl::StrAppend(&out, FileLabel1("EOF1", f), FileLabel2("EOF2"));
  const int64_t credits = static_cast<int64_t>(f.payments.size());
  absl::StrAppend(&out, Record()
                            .Text("UTL1", 4)
                            .Number(total, 13)   // 5-17 debit total (the contra)
                            .Number(total, 13)   // 18-30 credit total
                            .Number(1, 7)        // 31-37 debit records
                            .Number(credits, 7)  // 38-44 credit records
                            .At(45)
                            .Line());
  return out;
}

}  // namespace timebank::expenses
