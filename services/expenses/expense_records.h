// ExpenseRecords is the expenses service's record layer, and the only code that knows
// how its records sit in the store: the key layout (an on-disk format: an existing
// data directory must keep opening), the transaction every mutation is built in,
// loading and saving policies, claims and payment batches with their etags, replaying
// a retried create, the month counters, index scans and the outbox. The domain code
// (expense_book.h) sees this narrow interface only, so a shared record kit can replace
// this file pair in one step. Plain C++ over a KvStore; no gRPC.
#ifndef TIMEBANK_SERVICES_EXPENSES_EXPENSE_RECORDS_H_
#define TIMEBANK_SERVICES_EXPENSES_EXPENSE_RECORDS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/kv_store.h"
#include "storage/outbox.h"
#include "storage/record_tx.h"
#include "timebank/expenses/v1/expenses.pb.h"

namespace timebank::expenses {

namespace xpb = ::timebank::expenses::v1;

// An INVALID_ARGUMENT naming the field ("field: problem").
absl::Status Field(const std::string& field, const std::string& problem);
// A reason of at most TextLimits::kReasonBytes; when `required_why` is set, an empty
// reason is refused with it.
absl::Status CheckReason(const std::string& reason, const char* required_why);

// One atomic, synced change to the expenses records (with its id counters).
class ExpenseTx : public storage::RecordTx {
 public:
  explicit ExpenseTx(storage::KvStore* store);
};

// The indexes a list walks: each key below a prefix ends in a u64.
struct ClaimIndex {
  std::string prefix;
  bool inverted = false;  // the u64 is ~id (newest first)
};

class ExpenseRecords {
 public:
  explicit ExpenseRecords(storage::KvStore* store);

  ExpenseTx NewTx() const { return ExpenseTx(store_); }

  // Policies. NOT_FOUND (saying how to set one) until the community has one.
  absl::StatusOr<xpb::Policy> LoadPolicy(uint64_t community_id) const;
  // Sets the policy's etag (a digest of the rest) and writes it.
  void PutPolicy(ExpenseTx& tx, xpb::Policy& policy) const;

  // Claims. A claim's etag covers what people decide, not the posting progress.
  absl::StatusOr<xpb::Claim> LoadClaim(uint64_t community_id, uint64_t claim_id) const;
  // Seals (sets the etag) and writes the claim; when its state changed from `from`,
  // moves it in the state index (`from` unspecified: a new claim).
  void PutClaim(ExpenseTx& tx, xpb::Claim& claim, xpb::ClaimState from) const;
  // Adds a new claim to the all-claims and claimant indexes.
  void IndexNewClaim(ExpenseTx& tx, const xpb::Claim& claim) const;

  // Claim indexes: by state (oldest first), by claimant (newest first), all (newest first).
  static ClaimIndex ByState(uint64_t community_id, xpb::ClaimState state);
  static ClaimIndex ByMember(uint64_t community_id, uint64_t member_id);
  static ClaimIndex All(uint64_t community_id);
  // Calls `visit(position, claim_id)` for each key of `index` from `after_position`
  // (exclusive; 0: from the start) until `visit` answers false or fails. A position
  // is the index key's u64, which orders the list (a page token).
  absl::Status Scan(
      const ClaimIndex& index, uint64_t after_position,
      const std::function<absl::StatusOr<bool>(uint64_t position, uint64_t claim_id)>& visit) const;

  // Payment batches.
  absl::StatusOr<xpb::PaymentBatch> LoadBatch(uint64_t community_id, uint64_t batch_id) const;
  void PutBatch(ExpenseTx& tx, const xpb::PaymentBatch& batch) const;
  void IndexNewBatch(ExpenseTx& tx, const xpb::PaymentBatch& batch) const;
  // Batch ids of a community, newest first, after `after_id` (0: from the newest).
  absl::Status ScanBatches(
      uint64_t community_id, uint64_t after_id,
      const std::function<absl::StatusOr<bool>(uint64_t batch_id)>& visit) const;

  // Idempotent creates: the key of a request ("" when the caller gave no request id),
  // the id its first answer created (nullopt: not seen), and remembering it.
  static std::string RequestKey(const std::string& request_id, const std::string& scope);
  absl::StatusOr<std::optional<uint64_t>> Replayed(const std::string& request_key) const;
  void RememberRequest(ExpenseTx& tx, const std::string& request_key, uint64_t community_id,
                       uint64_t id) const;

  // The total of a member's claims counted against the month cap (yyyymm).
  absl::StatusOr<int64_t> MonthTotal(uint64_t community_id, uint64_t member_id,
                                     int64_t month) const;
  void PutMonthTotal(ExpenseTx& tx, uint64_t community_id, uint64_t member_id, int64_t month,
                     int64_t total) const;

  // Receipt files and the content index (receipts by SHA-256, raw bytes).
  absl::StatusOr<bool> LoadReceiptData(uint64_t community_id, uint64_t receipt_id,
                                       std::string* data) const;
  void PutReceiptData(ExpenseTx& tx, uint64_t community_id, uint64_t receipt_id,
                      const std::string& data) const;
  void DeleteReceiptData(ExpenseTx& tx, uint64_t community_id, uint64_t receipt_id) const;
  // The claims (other than none) holding a receipt whose content has this digest.
  absl::Status ScanSameContent(uint64_t community_id, const std::string& sha256,
                               const std::function<absl::Status(uint64_t claim_id)>& visit) const;
  void IndexContent(ExpenseTx& tx, uint64_t community_id, const std::string& sha256,
                    uint64_t claim_id) const;
  void UnindexContent(ExpenseTx& tx, uint64_t community_id, const std::string& sha256,
                      uint64_t claim_id) const;

  // Drops deleted values from the store's files (after an erasure).
  absl::Status Purge() const;

  const storage::Outbox& outbox() const { return outbox_; }

 private:
  storage::KvStore* const store_;
  const storage::Outbox outbox_;
};

}  // namespace timebank::expenses

#endif  // TIMEBANK_SERVICES_EXPENSES_EXPENSE_RECORDS_H_
