// ExpenseBook is the expenses service's domain core: each community's claim policy,
// claims and their workflow (draft -> submitted -> needs-info <-> submitted ->
// approved / rejected), separation of duties, optimistic concurrency, and the money
// book's postings. Approving a claim writes, in the same synced batch, an outbox
// entry; Dispatch() opens the money-book accounts and posts one linked chain per claim
// (category -> the claimant's payable) with transfer ids derived from the claim, so a
// retry posts nothing twice. Plain C++ over a KvStore; the directory and the ledger
// are interfaces (services/common/peers.h) that tests fake.
//
// One class, implemented by aggregate: expense_policy.cc (the policy), expense_claims.cc
// (claims and their pricing), expense_approvals.cc (decisions and reversals),
// expense_receipts.cc (receipts), expense_erasure.cc (erasing a member's texts),
// payment_batches.cc, money_book.cc (dispatching the outbox: plan with
// money_book_plan.h, post through LedgerPoster, record outcomes) and
// expense_reports.cc. The records themselves are expense_records.h's alone.
#ifndef TIMEBANK_SERVICES_EXPENSES_EXPENSE_BOOK_H_
#define TIMEBANK_SERVICES_EXPENSES_EXPENSE_BOOK_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "google/protobuf/field_mask.pb.h"
#include "services/common/auth/keyring.h"
#include "services/common/clock.h"
#include "services/common/ids.h"
#include "services/common/ledger_poster.h"
#include "services/common/paging.h"
#include "services/common/peers.h"
#include "services/expenses/bacs_file.h"
#include "services/expenses/bank_details.h"
#include "services/expenses/expense_records.h"
#include "services/expenses/money_book_plan.h"
#include "services/ledger/model.h"
#include "storage/kv_store.h"
#include "storage/outbox.h"
#include "timebank/directory/v1/token.pb.h"
#include "timebank/expenses/v1/expenses.pb.h"

namespace timebank::expenses {

namespace xpb = ::timebank::expenses::v1;

// Text fields' limits are services/common/text_fields.h's TextLimits.
struct ExpenseLimits {
  static constexpr size_t kMaxLines = 50;
  // No single amount, cap or line may exceed this many minor units (10 million).
  static constexpr int64_t kMaxMinor = 10'000'000;
  static constexpr int64_t kMaxMileageRateMinor = 100'000;
  static constexpr int64_t kMaxDistanceTenths = 100'000;  // 10,000 miles or km
  static constexpr int32_t kMaxWindowDays = 366;
  static constexpr size_t kMaxDispatchClaims = 200;
  // Transfers one dispatch round gathers: about one ledger call's worth (the poster
  // splits a round into calls; the rest of the outbox waits for the next round).
  static constexpr size_t kMaxDispatchTransfers = ledger::kMaxBatchEvents;
  static constexpr size_t kMaxScan = 200'000;  // claims examined by one list call
  static constexpr size_t kMaxBatchClaims = 1000;
  static constexpr size_t kMaxReceiptBytes = size_t{5} << 20;
  static constexpr size_t kMaxReceiptsPerClaim = 20;
  // Exports a batch keeps on record (the latest; PaymentBatch.export_count counts all).
  static constexpr size_t kMaxBatchExports = 20;
};
// A payment batch posts as one linked chain (one transfer per claim): it fits one call.
static_assert(ExpenseLimits::kMaxBatchClaims <= ledger::kMaxBatchEvents);

// What a receipt's bytes are ("image/jpeg", ..., "application/pdf"), or "" if none of
// the kinds a receipt may be.
std::string SniffReceiptType(std::string_view data);

// The money book's ledger account of a category (ids.h has the payable and bank ones).
std::string CategoryAccountId(uint64_t community_id, xpb::Category category);

class ExpenseBook {
 public:
  using Principal = ::timebank::directory::v1::Principal;

  // `activities` may be null: then a line that names an activity is refused. `clock`
  // is where the book reads the time (tests pass a FakeClock). `bank_keys` seals
  // members' bank details (null: bank details are refused, FAILED_PRECONDITION).
  ExpenseBook(storage::KvStore* store, People* people, LedgerClient* ledger,
              ActivityLookup* activities, const Clock* clock = SystemClock(),
              const auth::Keyring* bank_keys = nullptr);

  // Sets the whole policy (every field as given).
  absl::StatusOr<xpb::Policy> SetPolicy(const Principal& caller, xpb::Policy policy)
      ABSL_LOCKS_EXCLUDED(write_mu_);
  // Changes the fields `mask` names (services/common/update_mask.h); the first policy
  // of a community needs every limit. A non-empty etag must be current (ABORTED).
  absl::StatusOr<xpb::Policy> UpdatePolicy(const Principal& caller, const xpb::Policy& patch,
                                           const google::protobuf::FieldMask& mask)
      ABSL_LOCKS_EXCLUDED(write_mu_);
  // NOT_FOUND until the community has one.
  absl::StatusOr<xpb::Policy> GetPolicy(uint64_t community_id);

  // Claimants write their own claims.
  absl::StatusOr<xpb::Claim> CreateClaim(const Principal& caller, xpb::Claim claim,
                                         const std::string& request_id)
      ABSL_LOCKS_EXCLUDED(write_mu_);
  // Changes the fields `mask` names (title, organisation_id, lines; an empty mask:
  // the ones `claim` sets). The overload without a mask replaces all three.
  absl::StatusOr<xpb::Claim> UpdateClaim(const Principal& caller, const xpb::Claim& claim,
                                         const google::protobuf::FieldMask& mask)
      ABSL_LOCKS_EXCLUDED(write_mu_);
  absl::StatusOr<xpb::Claim> UpdateClaim(const Principal& caller, const xpb::Claim& claim)
      ABSL_LOCKS_EXCLUDED(write_mu_);
  absl::StatusOr<xpb::Claim> SubmitClaim(const Principal& caller, uint64_t community_id,
                                         uint64_t claim_id, const std::string& etag)
      ABSL_LOCKS_EXCLUDED(write_mu_);
  // The claimant, finance officers and admins see a claim (drafts: the claimant only).
  absl::StatusOr<xpb::Claim> GetClaim(const Principal& caller, uint64_t community_id,
                                      uint64_t claim_id);
  // One page (services/common/paging.h): positions are keys of the index the
  // filters pick, so a page's token is only valid with the same filters.
  absl::StatusOr<Page<xpb::Claim>> ListClaims(const Principal& caller,
                                              const xpb::ListClaimsRequest& req, uint64_t after_key,
                                              size_t limit);
  // Finance: approve (twice, by two people, above the policy's threshold), reject, or
  // ask for information. Nobody decides their own claim; `etag` must be current.
  absl::StatusOr<xpb::Claim> DecideClaim(const Principal& caller,
                                         const xpb::DecideClaimRequest& req)
      ABSL_LOCKS_EXCLUDED(write_mu_);

  // Receipts: the claimant attaches (images or PDF, sniffed from the bytes, at most
  // kMaxReceiptBytes) and detaches them on editable claims; the same file on another
  // claim of the community is flagged on both. Readable by whoever may read the claim.
  absl::StatusOr<xpb::Claim> AttachReceipt(const Principal& caller,
                                           const xpb::AttachReceiptRequest& req)
      ABSL_LOCKS_EXCLUDED(write_mu_);
  absl::StatusOr<xpb::Claim> DetachReceipt(const Principal& caller,
                                           const xpb::DetachReceiptRequest& req)
      ABSL_LOCKS_EXCLUDED(write_mu_);
  absl::StatusOr<xpb::GetReceiptResponse> GetReceipt(const Principal& caller,
                                                     const xpb::GetReceiptRequest& req);

  // Finance: undoes a mistaken approval (not yet in a payment batch): the ledger gets a
  // REVERSAL of each approval transfer and the claim returns to the queue.
  absl::StatusOr<xpb::Claim> ReverseApproval(const Principal& caller,
                                             const xpb::ReverseApprovalRequest& req)
      ABSL_LOCKS_EXCLUDED(write_mu_);

  // Spend by month, category and organisation (approved and paid claims), and what is
  // owed to whom (approved, unpaid). At most kMaxScan claims are read.
  absl::StatusOr<xpb::MoneyReport> GetMoneyReport(const xpb::GetMoneyReportRequest& req);

  // Payment batches (finance): gather approved, posted claims not yet in a batch;
  // export one for the bank as CSV; mark it paid (idempotent), which marks its claims
  // paid and moves the money book's payables to the bank.
  absl::StatusOr<xpb::PaymentBatch> CreatePaymentBatch(const Principal& caller,
                                                       const xpb::CreatePaymentBatchRequest& req)
      ABSL_LOCKS_EXCLUDED(write_mu_);
  absl::StatusOr<xpb::PaymentBatch> GetPaymentBatch(uint64_t community_id, uint64_t batch_id);
  absl::StatusOr<Page<xpb::PaymentBatch>> ListPaymentBatches(uint64_t community_id,
                                                             uint64_t after_id, size_t limit);
  // Finance: the batch as CSV or as a BACS Standard 18 file (only this holds members'
  // full bank numbers); each export is recorded on the batch.
  absl::StatusOr<xpb::ExportPaymentBatchResponse> ExportPaymentBatch(
      const Principal& caller, const xpb::ExportPaymentBatchRequest& req)
      ABSL_LOCKS_EXCLUDED(write_mu_);
  absl::StatusOr<xpb::PaymentBatch> MarkBatchPaid(const Principal& caller,
                                                  const xpb::MarkBatchPaidRequest& req)
      ABSL_LOCKS_EXCLUDED(write_mu_);

  // Bank details (expense_bank_details.cc): the member themself sets, reads (in full)
  // and removes their own; finance officers read them masked. Checked for form first:
  // INVALID_ARGUMENT naming the field, nothing written.
  absl::StatusOr<xpb::BankDetails> SetBankDetails(const Principal& caller,
                                                  const xpb::SetBankDetailsRequest& req)
      ABSL_LOCKS_EXCLUDED(write_mu_);
  absl::StatusOr<xpb::BankDetails> GetBankDetails(const Principal& caller, uint64_t community_id,
                                                  uint64_t member_id);
  absl::StatusOr<xpb::DeleteBankDetailsResponse> DeleteBankDetails(const Principal& caller,
                                                                   uint64_t community_id,
                                                                   uint64_t member_id)
      ABSL_LOCKS_EXCLUDED(write_mu_);
  // Approved, unpaid claims (of one batch, or all) whose claimants have no bank details.
  absl::StatusOr<xpb::ListOtherMeansClaimsResponse> ListOtherMeansClaims(
      const xpb::ListOtherMeansClaimsRequest& req);

  // Erases a member's personal data from their claims (the directory's EraseMember):
  // titles, line descriptions, history reasons, receipt names and files. Amounts,
  // categories, dates, states and who decided what stay; deletes their bank details.
  // Then purges the store's files
  // so no backup made afterwards holds the old values. Idempotent.
  absl::StatusOr<xpb::EraseMemberDataResponse> EraseMember(uint64_t community_id,
                                                           uint64_t member_id)
      ABSL_LOCKS_EXCLUDED(write_mu_);

  // Posts what waits in the outbox (approvals, reversals, payments; at most
  // kMaxDispatchClaims entries). Returns
  // how many are still waiting; an error means the ledger was unreachable.
  absl::StatusOr<size_t> Dispatch() ABSL_LOCKS_EXCLUDED(write_mu_);
  size_t OutboxSize();

 private:
  absl::Time Now() const { return clock_->Now(); }
  // Checks and completes the lines (mileage amounts, total) against the policy.
  absl::Status PriceLines(const xpb::Policy& policy, const ::timebank::directory::v1::Community& c,
                          xpb::Claim* claim) const;
  // Checks and prices line `i` of `claim` (its date in `tz`, within the window).
  absl::Status PriceLine(const xpb::Policy& policy, const absl::TimeZone& tz, int i,
                         xpb::ClaimLine* line) const;
  // Lines that name an activity: it exists and the claimant took part in it.
  absl::Status CheckActivities(const xpb::Claim& claim, uint64_t claimant_member_id);
  // The claim as its claimant may change it, or why not.
  absl::StatusOr<xpb::Claim> OwnEditable(const Principal& caller, uint64_t community_id,
                                         uint64_t claim_id, const std::string& etag)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // Writes the claim, its state index and a history event (from -> claim.state()).
  void Save(records::Tx& tx, xpb::Claim& claim, xpb::ClaimState from, uint64_t by,
            const std::string& reason) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // Moves a claim's total in or out of the month it is counted against (`counted`:
  // the month's total as read under the write lock).
  void AddToMonth(records::Tx& tx, const xpb::Claim& claim, int64_t month, int64_t counted,
                  int64_t delta) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // Approval: the first of two, or the one that queues the posting.
  absl::Status Approve(records::Tx& tx, const Principal& caller, xpb::Claim* claim,
                       std::string* note) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // Rejection or a question: the claim leaves the queue and its month.
  absl::Status SendBack(records::Tx& tx, const xpb::DecideClaimRequest& req,
                        const ::timebank::directory::v1::Community& community, xpb::Claim* claim)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // The claims a new payment batch holds: those asked for, or every approved, posted
  // claim not in a batch yet.
  absl::StatusOr<std::vector<uint64_t>> BatchClaimIds(records::Tx& tx,
                                                      const xpb::CreatePaymentBatchRequest& req)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // A new payment batch of `ids`, staged in `tx` (the create of CreatePaymentBatch).
  absl::StatusOr<xpb::PaymentBatch> GatherBatch(
      records::Tx& tx, const Principal& caller,
      const ::timebank::directory::v1::Community& community, const std::vector<uint64_t>& ids)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // A batch's claims and how each is paid: `bacs` has one payment per claimant with
  // bank details (amounts summed; numbers filled only `with_numbers`), by_bacs says so
  // per claim (in batch order), other_means lists the claims of those without.
  struct BatchPayees {
    std::vector<xpb::Claim> claims;
    std::vector<bool> by_bacs;
    std::vector<BacsPayment> bacs;
    std::vector<uint64_t> other_means;
  };
  absl::StatusOr<BatchPayees> GatherPayees(const xpb::PaymentBatch& batch, bool with_numbers);
  absl::StatusOr<xpb::ExportPaymentBatchResponse> ExportCsv(const Principal& caller,
                                                            const xpb::PaymentBatch& batch)
      ABSL_LOCKS_EXCLUDED(write_mu_);
  // Adds `e` (by the caller, now; a BACS volume serial) to the batch's record.
  absl::StatusOr<xpb::BatchExport> RecordExport(const Principal& caller,
                                                const xpb::PaymentBatch& batch, xpb::BatchExport e)
      ABSL_LOCKS_EXCLUDED(write_mu_);
  // The member's bank details, opened (nullopt: none given).
  absl::StatusOr<std::optional<xpb::BankDetails>> LoadBank(const records::Reader& from, uint64_t c,
                                                           uint64_t m) const;
  absl::StatusOr<bool> HasBankDetails(uint64_t c, uint64_t m) const;
  absl::Status NeedBankCipher() const;
  // The money book: one outbox entry's posting, worked out from its claim or batch.
  absl::StatusOr<PlannedPosting> PlanEntry(const storage::OutboxEntry& e);
  absl::Status Queue(records::Tx& tx, Posting posting, uint64_t community_id, uint64_t id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // Records the outcome of entry `e` on its claim or batch and removes it, in `tx`.
  absl::Status RecordPosting(records::Tx& tx, const storage::OutboxEntry& e,
                             const std::string& refused) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // The one way a change to the records begins: every write transaction is opened,
  // checked and committed under write_mu_, so checks and writes never interleave.
  records::Tx NewTx() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_) { return records_.NewTx(); }

  const ExpenseRecords records_;
  People* const people_;
  LedgerPoster poster_;  // the ledger, in calls it accepts
  ActivityLookup* const activities_;
  const Clock* const clock_;
  const std::unique_ptr<const BankCipher> bank_cipher_;  // null: no bank keyring
  // One mutation at a time. What it guards is the records' contents: only NewTx()
  // opens a change, and it requires this lock (checked by clang's -Wthread-safety).
  absl::Mutex write_mu_;
  absl::Mutex dispatch_mu_ ABSL_ACQUIRED_BEFORE(write_mu_);  // one dispatcher at a time
};

}  // namespace timebank::expenses

#endif  // TIMEBANK_SERVICES_EXPENSES_EXPENSE_BOOK_H_
