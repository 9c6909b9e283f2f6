// The expenses store's schema and its records: every tag with its layout, one key
// builder per tag, and ExpenseRecords, which loads and saves policies, claims (with
// their indexes), payment batches, month totals and receipt files, walks the indexes
// and owns the outbox. Built on the record kit (services/common/records/records.h);
// the bytes are the ones already on disk, so an existing data directory keeps opening.
// The domain code (expense_book.h) sees this narrow interface only. No gRPC.
#ifndef TIMEBANK_SERVICES_EXPENSES_EXPENSE_RECORDS_H_
#define TIMEBANK_SERVICES_EXPENSES_EXPENSE_RECORDS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/common/records/records.h"
#include "services/common/text_fields.h"
#include "storage/kv_store.h"
#include "storage/outbox.h"
#include "timebank/expenses/v1/expenses.pb.h"

namespace timebank::expenses {

namespace xpb = ::timebank::expenses::v1;

// The key layout: an on-disk format. Never renumber or reuse a tag.
inline constexpr storage::ColumnFamily kRecords = 0;
inline constexpr char kPolicyTag = 'P';   // u64 c -> Policy
inline constexpr char kClaimTag = 'C';    // u64 c, u64 id -> Claim
inline constexpr char kAllTag = 'a';      // u64 c, u64 ~id -> ""          (newest first)
inline constexpr char kMemberTag = 'm';   // u64 c, u64 member, u64 ~id -> ""
inline constexpr char kStateTag = 's';    // u64 c, u8 state, u64 id -> "" (oldest first: a queue)
inline constexpr char kMonthTag = 'M';    // u64 c, u64 member, i64 yyyymm -> i64 total counted
inline constexpr char kOutboxTag = 'X';   // u64 seq -> u64 c, u64 claim or batch, u8 Posting
inline constexpr char kBatchTag = 'B';    // u64 c, u64 id -> PaymentBatch
inline constexpr char kBatchesTag = 'b';  // u64 c, u64 ~id -> ""           (newest first)
// "create:<c>:<member>:<request_id>" or "batch:<c>:<request_id>" -> RecordRefs {c, id}
inline constexpr char kRequestTag = 'Q';
inline constexpr char kReceiptTag = 'F';  // u64 c, u64 receipt -> the file's bytes
inline constexpr char kHashTag = 'h';     // u64 c, 32-byte sha256, u64 claim -> "" (by content)
inline constexpr char kCounterTag = '#';  // name -> u64 last value
// u64 c, u64 member -> the member's BankDetails, sealed (bank_details.h's BankCipher)
inline constexpr char kBankTag = 'K';

std::string PolicyKey(uint64_t c);
std::string ClaimKey(uint64_t c, uint64_t id);
std::string AllPrefix(uint64_t c);
std::string MemberPrefix(uint64_t c, uint64_t member_id);
std::string StatePrefix(uint64_t c, xpb::ClaimState state);
std::string StateKey(uint64_t c, xpb::ClaimState state, uint64_t id);
std::string MonthKey(uint64_t c, uint64_t member_id, int64_t yyyymm);
std::string BatchKey(uint64_t c, uint64_t id);
std::string BatchesPrefix(uint64_t c);
std::string ReceiptKey(uint64_t c, uint64_t receipt_id);
std::string HashPrefix(uint64_t c, std::string_view sha256);
std::string HashKey(uint64_t c, std::string_view sha256, uint64_t claim_id);
std::string BankKey(uint64_t c, uint64_t member_id);
// Idempotent creates: a claimant's CreateClaim and a community's CreatePaymentBatch
// ("" when the caller gave no request id).
std::string ClaimRequestKey(uint64_t c, uint64_t member_id, std::string_view request_id);
std::string BatchRequestKey(uint64_t c, std::string_view request_id);

// The expenses service's text fields.
inline constexpr records::BoundedText kReason{"reason", {TextLimits::kReasonBytes}};
inline constexpr records::BoundedText kClaimTitle{
    "claim.title",
    {TextLimits::kClaimTitleBytes},
    "1..128 bytes of one-line text: what the claim is for"};
inline constexpr records::BoundedText kReceiptFilename{
    "filename", {TextLimits::kReceiptFilenameBytes}, "1..128 bytes of one-line text"};
inline constexpr records::BoundedText kPaymentReference{
    "payment_reference",
    {TextLimits::kPaymentReferenceBytes},
    "1..64 bytes of one-line text: the bank's reference"};

using records::FieldError;

// An index a list walks: each key below `prefix` ends in a u64, its position.
struct Index {
  std::string prefix;
  bool inverted = false;  // the position is ~id (newest first)
};

class ExpenseRecords {
 public:
  explicit ExpenseRecords(storage::KvStore* store);

  records::Tx NewTx() const { return records::Tx(store_, kRecords, kCounterTag); }
  // The committed records (reads outside a change).
  const records::Reader& Committed() const { return committed_; }

  // Policies. NOT_FOUND (saying how to set one) until the community has one.
  absl::StatusOr<xpb::Policy> LoadPolicy(const records::Reader& from, uint64_t c) const;
  // Seals the policy (its etag covers the whole record) and writes it.
  void PutPolicy(records::Tx& tx, xpb::Policy& policy) const;

  // Claims. A claim's etag covers what people decide, not the posting progress.
  absl::StatusOr<xpb::Claim> LoadClaim(const records::Reader& from, uint64_t c, uint64_t id) const;
  // Seals and writes the claim; when its state changed from `from`, moves it in the
  // state index (`from` unspecified: a new claim).
  void PutClaim(records::Tx& tx, xpb::Claim& claim, xpb::ClaimState from) const;
  // Adds a new claim to the all-claims and claimant indexes.
  void IndexNewClaim(records::Tx& tx, const xpb::Claim& claim) const;

  // Indexes: claims by state (oldest first), by claimant (newest first), all (newest
  // first); batches (newest first); claims holding a receipt with this content.
  static Index ByState(uint64_t c, xpb::ClaimState state);
  static Index ByMember(uint64_t c, uint64_t member_id);
  static Index All(uint64_t c);
  static Index Batches(uint64_t c);
  static Index SameContent(uint64_t c, std::string_view sha256);
  // Calls `visit(position, id)` for each committed key of `index` after position
  // `after` (exclusive; 0: from the start) until `visit` answers false or fails. A
  // position is the index key's u64, which orders the list (a page token).
  absl::Status Scan(
      const Index& index, uint64_t after,
      absl::FunctionRef<absl::StatusOr<bool>(uint64_t position, uint64_t id)> visit) const;

  // Payment batches.
  absl::StatusOr<xpb::PaymentBatch> LoadBatch(const records::Reader& from, uint64_t c,
                                              uint64_t id) const;
  void PutBatch(records::Tx& tx, const xpb::PaymentBatch& batch) const;
  void IndexNewBatch(records::Tx& tx, const xpb::PaymentBatch& batch) const;

  // The id a create's remembered answer names (RecordRefs {c, id}).
  static uint64_t RememberedId(std::string_view remembered);
  static std::string Remember(uint64_t c, uint64_t id);

  // The total of a member's claims counted against the month cap (yyyymm).
  absl::StatusOr<int64_t> MonthTotal(const records::Reader& from, uint64_t c, uint64_t member_id,
                                     int64_t month) const;
  void PutMonthTotal(records::Tx& tx, uint64_t c, uint64_t member_id, int64_t month,
                     int64_t total) const;

  // Receipt files and the content index (receipts by SHA-256, raw bytes).
  absl::StatusOr<bool> LoadReceiptData(uint64_t c, uint64_t receipt_id, std::string* data) const;
  void PutReceiptData(records::Tx& tx, uint64_t c, uint64_t receipt_id,
                      const std::string& data) const;
  void DeleteReceiptData(records::Tx& tx, uint64_t c, uint64_t receipt_id) const;
  void IndexContent(records::Tx& tx, uint64_t c, std::string_view sha256, uint64_t claim_id) const;
  void UnindexContent(records::Tx& tx, uint64_t c, std::string_view sha256,
                      uint64_t claim_id) const;

  // A member's sealed bank details (false: none).
  absl::StatusOr<bool> LoadSealedBank(const records::Reader& from, uint64_t c, uint64_t member_id,
                                      std::string* sealed) const;
  void PutSealedBank(records::Tx& tx, uint64_t c, uint64_t member_id,
                     const std::string& sealed) const;
  void DeleteSealedBank(records::Tx& tx, uint64_t c, uint64_t member_id) const;

  // Drops deleted values from the store's files (after an erasure).
  absl::Status Purge() const;

  const storage::Outbox& outbox() const { return outbox_; }

 private:
  storage::KvStore* const store_;
  const records::StoreReader committed_;
  const storage::Outbox outbox_;
};

}  // namespace timebank::expenses

#endif  // TIMEBANK_SERVICES_EXPENSES_EXPENSE_RECORDS_H_
