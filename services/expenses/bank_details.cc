// Bank details' form checks, masking and sealing (bank_details.h).
#include "services/expenses/bank_details.h"

#include <openssl/evp.h>

#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/records/bounded_text.h"
#include "storage/absl_compat.h"
#include "storage/check.h"

namespace timebank::expenses {
namespace {

using records::FieldError;

// Envelope: magic, key id length (1 byte), key id, nonce, ciphertext, tag.
constexpr std::string_view kMagic = "TBK1";
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;

// Outer white space dropped (absl's own string_view on Debian: decision 0002).
std::string_view Strip(std::string_view s) {
  const absl::string_view t = absl::StripAsciiWhitespace(AsAbsl(s));
  return std::string_view(t.data(), t.size());
}

bool AllDigits(std::string_view s) {
  for (char ch : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(ch))) return false;
  }
  return true;
}

// What the field holds, quoted for an error (bounded, so a pasted essay stays short).
std::string Quoted(std::string_view typed) {
  return absl::StrCat("'", AsAbsl(typed.substr(0, 40)), typed.size() > 40 ? "...'" : "'");
}

// The associated data: the envelope's header and whose details these are.
std::string AssociatedData(std::string_view header, uint64_t c, uint64_t m) {
  return absl::StrCat(AsAbsl(header), "/timebank.expenses.bank-details/", c, "/", m);
}

std::string Header(std::string_view key_id) {
  TB_CHECK(key_id.size() < 256);
  return absl::StrCat(AsAbsl(kMagic), std::string(1, static_cast<char>(key_id.size())),
                      AsAbsl(key_id));
}

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherCtx NewCtx() {
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  TB_CHECK(ctx != nullptr);
  return ctx;
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

absl::StatusOr<std::string> NormaliseSortCode(std::string_view field, std::string_view typed) {
  const std::string_view t = Strip(typed);
  const std::string how = "type its 6 digits as 12-34-56, 123456 or 12 34 56";
  if (t.empty()) return FieldError(field, absl::StrCat("required: the account's sort code; ", how));
  std::string digits;
  if (t.size() == 6) {
    digits = std::string(t);
  } else if (t.size() == 8 && t[2] == t[5] && (t[2] == '-' || t[2] == ' ')) {
    digits = absl::StrCat(AsAbsl(t.substr(0, 2)), AsAbsl(t.substr(3, 2)), AsAbsl(t.substr(6, 2)));
  }
  if (digits.size() != 6 || !AllDigits(digits)) {
    return FieldError(field, absl::StrCat(Quoted(t), " is not a sort code: ", how));
  }
  return digits;
}

absl::StatusOr<std::string> NormaliseAccountNumber(std::string_view field, std::string_view typed) {
  const std::string_view t = Strip(typed);
  if (t.empty()) {
    return FieldError(field, "required: the account number, its 8 digits (e.g. 31926819)");
  }
  if (!AllDigits(t)) {
    return FieldError(field, absl::StrCat(Quoted(t),
                                          " is not an account number: type its 8 digits only, "
                                          "without spaces or dashes (e.g. 31926819)"));
  }
  if (t.size() != 8) {
    return FieldError(field, absl::StrCat(Quoted(t), " has ", t.size(),
                                          " digits; a UK account number has exactly 8: type "
                                          "all 8 as the bank shows them (e.g. 31926819)"));
  }
  return std::string(t);
}

absl::StatusOr<std::string> NormaliseAccountName(std::string_view field, std::string_view typed) {
  const std::string t = absl::AsciiStrToUpper(AsAbsl(Strip(typed)));
  if (t.empty()) {
    return FieldError(field,
                      "required: the name on the account as the bank holds it (e.g. J SMITH)");
  }
  for (char ch : t) {
    const bool ok = absl::ascii_isupper(static_cast<unsigned char>(ch)) ||
                    absl::ascii_isdigit(static_cast<unsigned char>(ch)) || ch == ' ' || ch == '.' ||
                    ch == '&' || ch == '/' || ch == '-';
    if (!ok) {
      return FieldError(field, absl::StrCat(Quoted(t),
                                            " has a character banks do not take: use only letters "
                                            "A-Z, digits, spaces and . & / - (e.g. J O'NEILL as "
                                            "J ONEILL)"));
    }
  }
  if (t.size() > kMaxBacsNameChars) {
    return FieldError(field, absl::StrCat(Quoted(t), " is ", t.size(),
                                          " characters; banks take at most 18: shorten it, e.g. "
                                          "initials and surname (J SMITH)"));
  }
  return t;
}

absl::StatusOr<std::string> NormaliseServiceUserNumber(std::string_view field,
                                                       std::string_view typed) {
  const std::string_view t = Strip(typed);
  if (t.size() != 6 || !AllDigits(t)) {
    return FieldError(field, absl::StrCat(Quoted(t),
                                          " is not a service user number: type the 6 digits "
                                          "your bank gave you for Bacs (e.g. 123456)"));
  }
  return std::string(t);
}

std::string ShowSortCode(std::string_view s) {
  TB_CHECK(s.size() == 6);
  return absl::StrCat(AsAbsl(s.substr(0, 2)), "-", AsAbsl(s.substr(2, 2)), "-",
                      AsAbsl(s.substr(4, 2)));
}

std::string MaskSortCode(std::string_view s) {
  TB_CHECK(s.size() == 6);
  return absl::StrCat("**-**-", AsAbsl(s.substr(4, 2)));
}

std::string MaskAccountNumber(std::string_view a) {
  TB_CHECK(a.size() == 8);
  return absl::StrCat("****", AsAbsl(a.substr(4, 4)));
}

std::string BankCipher::Seal(uint64_t c, uint64_t m, std::string_view plaintext) const {
  const auth::SigningKey key = keys_->Active();
  TB_CHECK(key.secret.size() == 32);  // AES-256
  const std::string header = Header(key.id);
  const std::string nonce = auth::RandomBytes(kNonceBytes);
  const std::string aad = AssociatedData(header, c, m);
  std::string out = header + nonce;
  std::string body(plaintext.size(), '\0');
  std::string tag(kTagBytes, '\0');
  CipherCtx ctx = NewCtx();
  int len = 0;
  int body_len = 0;
  auto* body_out = reinterpret_cast<unsigned char*>(body.data());
  TB_CHECK(EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1);
  TB_CHECK(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) == 1);
  TB_CHECK(EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, Bytes(key.secret), Bytes(nonce)) == 1);
  TB_CHECK(EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(aad), static_cast<int>(aad.size())) ==
           1);
  TB_CHECK(EVP_EncryptUpdate(ctx.get(), body_out, &body_len, Bytes(plaintext),
                             static_cast<int>(plaintext.size())) == 1);
  TB_CHECK(EVP_EncryptFinal_ex(ctx.get(), body_out + body_len, &len) == 1 && len == 0);
  TB_CHECK(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, tag.data()) == 1);
  absl::StrAppend(&out, body, tag);
  return out;
}

absl::StatusOr<std::string> BankCipher::Open(uint64_t c, uint64_t m,
                                             std::string_view sealed) const {
  const absl::Status damaged = absl::DataLossError(
      absl::StrCat("the bank details of member ", m,
                   " cannot be read (damaged, or sealed under a key the "
                   "bank keyring no longer holds); the member gives them again"));
  if (sealed.size() < kMagic.size() + 1 || sealed.substr(0, kMagic.size()) != kMagic) {
    return damaged;
  }
  const size_t id_len = static_cast<unsigned char>(sealed[kMagic.size()]);
  const size_t header_len = kMagic.size() + 1 + id_len;
  if (sealed.size() < header_len + kNonceBytes + kTagBytes) return damaged;
  const std::string_view header = sealed.substr(0, header_len);
  std::string secret;
  if (!keys_->Find(header.substr(kMagic.size() + 1), &secret) || secret.size() != 32) {
    return damaged;
  }
  const std::string_view nonce = sealed.substr(header_len, kNonceBytes);
  const std::string_view body =
      sealed.substr(header_len + kNonceBytes, sealed.size() - header_len - kNonceBytes - kTagBytes);
  std::string tag(sealed.substr(sealed.size() - kTagBytes));
  const std::string aad = AssociatedData(header, c, m);
  std::string plain(body.size(), '\0');
  auto* plain_out = reinterpret_cast<unsigned char*>(plain.data());
  CipherCtx ctx = NewCtx();
  int len = 0;
  int plain_len = 0;
  const bool ok =
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) == 1 &&
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, Bytes(secret), Bytes(nonce)) == 1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(aad), static_cast<int>(aad.size())) == 1 &&
      EVP_DecryptUpdate(ctx.get(), plain_out, &plain_len, Bytes(body),
                        static_cast<int>(body.size())) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), plain_out + plain_len, &len) == 1;
  if (!ok) return damaged;
  return plain;
}

}  // namespace timebank::expenses
