// Bank details' form checks (every refusal names the field and says what to type),
// masking, and BankCipher: a round trip, sealed bytes that hold none of the plain
// numbers, a fresh nonce each time, and envelopes that do not open for another member,
// when damaged, or once their key is gone. Also the BACS date form.
#include "services/expenses/bank_details.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "services/expenses/bacs_file.h"
#include "tests/common/test_util.h"

namespace timebank::expenses {
namespace {

// The refusal's message, which must name `field` and carry `advice`.
void ExpectRefused(const absl::StatusOr<std::string>& got, const std::string& field,
                   const std::string& advice) {
  ASSERT_FALSE(got.ok()) << *got;
  EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(got.status().message(), field + ": ")) << got.status();
  EXPECT_TRUE(absl::StrContains(got.status().message(), advice)) << got.status();
}

TEST(BankDetailsFormTest, SortCodesAreTakenAsPeopleTypeThem) {
  for (const char* typed : {"12-34-56", "123456", "12 34 56", " 12-34-56 "}) {
    auto s = NormaliseSortCode("sort_code", typed);
    ASSERT_TRUE(s.ok()) << typed << ": " << s.status();
    EXPECT_EQ(*s, "123456");
  }
  const std::string how = "type its 6 digits as 12-34-56, 123456 or 12 34 56";
  for (const char* typed : {"12-34-5", "1234567", "12-3456", "12 34-56", "ab-cd-ef", "12.34.56"}) {
    ExpectRefused(NormaliseSortCode("sort_code", typed), "sort_code", how);
  }
  ExpectRefused(NormaliseSortCode("sort_code", ""), "sort_code", "required");
}

TEST(BankDetailsFormTest, AccountNumbersAreExactlyEightDigits) {
  EXPECT_EQ(*NormaliseAccountNumber("account_number", "31926819"), "31926819");
  EXPECT_EQ(*NormaliseAccountNumber("account_number", " 01234567 "), "01234567");
  ExpectRefused(NormaliseAccountNumber("account_number", "1234567"), "account_number",
                "has 7 digits; a UK account number has exactly 8");
  ExpectRefused(NormaliseAccountNumber("account_number", "123456789"), "account_number",
                "has 9 digits");
  ExpectRefused(NormaliseAccountNumber("account_number", "3192-6819"), "account_number",
                "type its 8 digits only");
  ExpectRefused(NormaliseAccountNumber("account_number", ""), "account_number", "required");
}

TEST(BankDetailsFormTest, AccountNamesKeepToTheBacsCharacterSetAndLength) {
  EXPECT_EQ(*NormaliseAccountName("account_name", " j smith & co. "), "J SMITH & CO.");
  EXPECT_EQ(*NormaliseAccountName("account_name", "A-B/C 123"), "A-B/C 123");
  EXPECT_EQ(*NormaliseAccountName("account_name", std::string(18, 'x')), std::string(18, 'X'));
  ExpectRefused(NormaliseAccountName("account_name", std::string(19, 'x')), "account_name",
                "is 19 characters; banks take at most 18");
  ExpectRefused(NormaliseAccountName("account_name", "J O'NEILL"), "account_name",
                "use only letters A-Z, digits, spaces and . & / -");
  ExpectRefused(NormaliseAccountName("account_name", "Zoë Jones"), "account_name",
                "use only letters A-Z");
  ExpectRefused(NormaliseAccountName("account_name", "   "), "account_name", "required");
}

TEST(BankDetailsFormTest, AServiceUserNumberIsSixDigits) {
  EXPECT_EQ(*NormaliseServiceUserNumber("sun", "123456"), "123456");
  for (const char* typed : {"12345", "1234567", "12345a", ""}) {
    ExpectRefused(NormaliseServiceUserNumber("sun", typed), "sun", "type the 6 digits");
  }
}

TEST(BankDetailsFormTest, NumbersAreShownAndMasked) {
  EXPECT_EQ(ShowSortCode("123456"), "12-34-56");
  EXPECT_EQ(MaskSortCode("123456"), "**-**-56");
  EXPECT_EQ(MaskAccountNumber("31926819"), "****6819");
}

class BankCipherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto k = auth::Keyring::Open(dir_.Sub("bank-keyring"));
    ASSERT_TRUE(k.ok()) << k.status();
    keys_ = *std::move(k);
  }
  testing::TempDir dir_;
  std::unique_ptr<auth::Keyring> keys_;
};

TEST_F(BankCipherTest, SealedDetailsOpenOnlyForTheirMemberAndHoldNoPlainNumbers) {
  BankCipher cipher(keys_.get());
  const std::string plain = "J SMITH|123456|31926819";
  const std::string sealed = cipher.Seal(1, 5, plain);
  EXPECT_FALSE(absl::StrContains(sealed, "123456"));
  EXPECT_FALSE(absl::StrContains(sealed, "31926819"));
  EXPECT_FALSE(absl::StrContains(sealed, "SMITH"));
  EXPECT_NE(cipher.Seal(1, 5, plain), sealed);  // a fresh nonce each time
  auto opened = cipher.Open(1, 5, sealed);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, plain);
  // Another member's or community's record, a flipped bit, a cut envelope: refused.
  EXPECT_EQ(cipher.Open(1, 6, sealed).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(cipher.Open(2, 5, sealed).status().code(), absl::StatusCode::kDataLoss);
  std::string flipped = sealed;
  flipped[flipped.size() / 2] ^= 1;
  EXPECT_EQ(cipher.Open(1, 5, flipped).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(cipher.Open(1, 5, sealed.substr(0, 20)).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(cipher.Open(1, 5, "").status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(BankCipherTest, OlderKeysStillOpenAndAnotherKeyringDoesNot) {
  BankCipher cipher(keys_.get());
  const std::string sealed = cipher.Seal(1, 5, "details");
  // A new key seals from now on; the old one still opens what it sealed.
  ASSERT_TRUE(keys_->Rotate(keys_->Active().created_s + 10, /*retire_after_s=*/1'000'000).ok());
  EXPECT_EQ(*cipher.Open(1, 5, sealed), "details");
  EXPECT_EQ(*cipher.Open(1, 5, cipher.Seal(1, 5, "new")), "new");
  // A different installation's keyring (a stolen store alone) opens nothing.
  auto other = auth::Keyring::Open(dir_.Sub("other-keyring"));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(BankCipher(other->get()).Open(1, 5, sealed).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(BacsDateTest, IsASpaceTheYearAndTheDayOfTheYear) {
  EXPECT_EQ(BacsDate(absl::CivilDay(2026, 1, 1)), " 26001");
  EXPECT_EQ(BacsDate(absl::CivilDay(2026, 12, 7)), " 26341");
  EXPECT_EQ(BacsDate(absl::CivilDay(2028, 12, 31)), " 28366");
}

}  // namespace
}  // namespace timebank::expenses
