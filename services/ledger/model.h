// The ledger's domain types and limits: accounts, transfers, journal entries.
// Enums (result codes, kinds, states) are the protobuf API's own, so the adapter needs
// no mapping table; everything else is plain C++ so the core never touches gRPC.
#ifndef TIMEBANK_SERVICES_LEDGER_MODEL_H_
#define TIMEBANK_SERVICES_LEDGER_MODEL_H_

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "services/common/ids.h"
#include "services/common/text_fields.h"
#include "storage/hash_chain.h"
#include "timebank/ledger/v1/ledger.pb.h"

namespace timebank::ledger {

namespace pb = ::timebank::ledger::v1;

// --- Explicit limits (TIGER_STYLE: every size is bounded) ---------------------------
inline constexpr size_t kMaxBatchEvents = 8190;
inline constexpr size_t kMaxIdBytes = kMaxLedgerIdBytes;  // ids: services/common/ids.h
// Text: the one rule and its limits (services/common/text_fields.h).
inline constexpr size_t kMaxOwnerRefBytes = TextLimits::kOwnerRefBytes;
inline constexpr size_t kMaxReferenceBytes = TextLimits::kTransferReferenceBytes;
inline constexpr size_t kMaxMemoBytes = TextLimits::kMemoBytes;
inline constexpr int64_t kMaxAmount = 1'000'000'000'000;  // per transfer, in the unit
inline constexpr uint32_t kMaxTimeoutS = 30 * 24 * 3600;
// occurred_at may lead the ledger's clock by this much (client clock skew).
inline constexpr int64_t kMaxClockSkewNs = int64_t{60} * 1'000'000'000;
inline constexpr size_t kMaxPageSize = 1000;
inline constexpr size_t kDefaultPageSize = 100;
inline constexpr int64_t kNoMinBalance = std::numeric_limits<int64_t>::min();
inline constexpr int64_t kNoMaxBalance = std::numeric_limits<int64_t>::max();
// Time credits are minutes; every other unit is an ISO 4217 currency code.
inline constexpr std::string_view kTimeUnit = "TIME";
// Salt of a journal entry's erasable texts (journal_codec.h).
inline constexpr size_t kTextSaltBytes = 16;

struct Balances {
  int64_t debits_posted = 0;
  int64_t credits_posted = 0;
  int64_t debits_pending = 0;
  int64_t credits_pending = 0;

  int64_t balance() const { return credits_posted - debits_posted; }
  friend bool operator==(const Balances&, const Balances&) = default;
};

struct AccountInfo {
  std::string id;
  uint64_t community_id = 0;
  std::string unit;
  pb::OwnerKind owner_kind = pb::OWNER_KIND_UNSPECIFIED;
  std::string owner_ref;
  int64_t min_balance = kNoMinBalance;
  int64_t max_balance = kNoMaxBalance;
  pb::AccountStatus status = pb::ACCOUNT_STATUS_OPEN;
  // Dense internal number (1, 2, ...) used in index keys instead of the string id.
  uint64_t number = 0;
  uint64_t created_seq = 0;
  int64_t created_at_ns = 0;
};

// A read-side copy of an account: its fixed fields and balances at one instant.
struct AccountView {
  AccountInfo info;
  Balances balances;
};

enum TransferFlag : uint8_t {
  kLinked = 1,
  kPending = 2,
  kPostPending = 4,
  kVoidPending = 8,
  kExpiry = 16,  // a void the ledger made because a pending transfer timed out
};

// Fields of a transfer request the ledger filled in because the client left them
// unset. Stored with the transfer (journal v2) so that a retry is EXISTS only when it
// leaves unset exactly what the original left unset (docs/API.md, "Idempotency").
enum TransferDefault : uint8_t {
  kDefaultDebitAccount = 1,       // post/void/reversal: from the pending or reversed transfer
  kDefaultCreditAccount = 2,      // likewise
  kDefaultAmount = 4,             // post: the whole pending amount; void/reversal: its amount
  kDefaultKind = 8,               // post/void: the pending transfer's kind
  kDefaultCoproductionType = 16,  // post/void/reversal: the original's type
  kDefaultOccurredAt = 32,        // occurred_at = recorded_at
};

struct Transfer {
  std::string id;
  std::string debit_account_id;
  std::string credit_account_id;
  int64_t amount = 0;
  pb::TransferKind kind = pb::TRANSFER_KIND_UNSPECIFIED;
  pb::CoproductionType coproduction_type = pb::COPRODUCTION_TYPE_UNSPECIFIED;
  std::string reference;
  std::string memo;
  int64_t occurred_at_ns = 0;  // 0 = not given (defaults to recorded_at)
  uint8_t flags = 0;
  std::string pending_id;
  uint32_t timeout_s = 0;
  std::string reverses_id;

  // Resolved by the ledger.
  uint64_t seq = 0;
  int64_t recorded_at_ns = 0;
  uint64_t community_id = 0;
  std::string unit;
  // For post/void: the amount that was pending (released by this transfer).
  int64_t pending_amount = 0;
  // TransferDefault bits: which of the fields above the ledger filled in.
  uint8_t defaulted = 0;
  // The journal (v3) commits to reference and memo by this digest, SHA-256(salt ||
  // texts), and keeps the texts with their salt where erasure can remove them
  // (journal_codec.h). All zeros: both texts are empty, or the entry holds them itself.
  storage::Hash256 text_digest{};
  // The texts were erased (the member's personal data); reference and memo are empty.
  bool text_erased = false;

  bool is(TransferFlag f) const { return (flags & f) != 0; }
  bool was_defaulted(TransferDefault d) const { return (defaulted & d) != 0; }
  // When a pending transfer with a timeout lapses (ns since the epoch).
  int64_t expires_at_ns() const { return recorded_at_ns + int64_t{timeout_s} * 1'000'000'000; }
};

// What the ledger knows about a transfer id beyond the transfer itself.
struct TransferRecord {
  uint64_t seq = 0;
  pb::TransferState state = pb::TRANSFER_STATE_UNSPECIFIED;
  bool reversed = false;
};

struct StoredTransfer {
  Transfer transfer;
  TransferRecord record;
};

struct StatusChange {
  std::string account_id;
  pb::AccountStatus status = pb::ACCOUNT_STATUS_UNSPECIFIED;
  std::string reason;
};

enum class EntryType : uint8_t { kAccountCreated = 1, kTransfer = 2, kAccountStatus = 3 };

// One committed journal event. Exactly one of the payloads is meaningful, per type.
struct JournalEntry {
  // The canonical encoding the entry was written in (journal_codec.h): re-encoding
  // for verification uses the same one.
  uint8_t version = 0;  // 0 = the current version
  uint64_t seq = 0;
  int64_t recorded_at_ns = 0;
  EntryType type = EntryType::kTransfer;
  AccountInfo account;
  Transfer transfer;
  StatusChange status_change;
  storage::Hash256 hash{};
};

}  // namespace timebank::ledger

#endif  // TIMEBANK_SERVICES_LEDGER_MODEL_H_
