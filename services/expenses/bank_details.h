// Members' bank details for repaying expenses (issue 14, item 8): the form checks of
// what people type (sort code, account number, account name in the Bacs character
// set, the originator's service user number), how the numbers are shown and masked,
// and BankCipher, which seals a member's details with AES-256-GCM under a key of the
// expenses service's bank keyring (docs/decisions/0017). Plain C++ and OpenSSL; no gRPC.
#ifndef TIMEBANK_SERVICES_EXPENSES_BANK_DETAILS_H_
#define TIMEBANK_SERVICES_EXPENSES_BANK_DETAILS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/common/auth/keyring.h"

namespace timebank::expenses {

// The longest account name a Bacs record carries (its destination name field).
inline constexpr size_t kMaxBacsNameChars = 18;

// Each answers the normalised value, or INVALID_ARGUMENT "<field>: ..." saying what to
// type instead. A sort code is typed 12-34-56, 123456 or "12 34 56" (answer: "123456").
absl::StatusOr<std::string> NormaliseSortCode(std::string_view field, std::string_view typed);
// Exactly 8 digits.
absl::StatusOr<std::string> NormaliseAccountNumber(std::string_view field, std::string_view typed);
// 1..18 of A-Z 0-9 space . & / - (lower case is upper-cased; outer spaces dropped).
absl::StatusOr<std::string> NormaliseAccountName(std::string_view field, std::string_view typed);
// A Bacs service user number: exactly 6 digits.
absl::StatusOr<std::string> NormaliseServiceUserNumber(std::string_view field,
                                                       std::string_view typed);

// "123456" -> "12-34-56" and "**-**-56"; "12345678" -> "****5678".
std::string ShowSortCode(std::string_view six_digits);
std::string MaskSortCode(std::string_view six_digits);
std::string MaskAccountNumber(std::string_view eight_digits);

// Seals and opens a member's details. The envelope names the key that sealed it, so
// keys added to the keyring later still open older records; the community and member
// ids are the associated data, so a record copied to another member does not open.
class BankCipher {
 public:
  // `keys` outlives the cipher; its active key seals.
  explicit BankCipher(const auth::Keyring* keys) : keys_(keys) {}

  std::string Seal(uint64_t community_id, uint64_t member_id, std::string_view plaintext) const;
  // DATA_LOSS when the envelope is damaged, its key is gone, or it belongs to another
  // member.
  absl::StatusOr<std::string> Open(uint64_t community_id, uint64_t member_id,
                                   std::string_view sealed) const;

 private:
  const auth::Keyring* const keys_;
};

}  // namespace timebank::expenses

#endif  // TIMEBANK_SERVICES_EXPENSES_BANK_DETAILS_H_
