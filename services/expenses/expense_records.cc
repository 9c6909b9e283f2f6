// The expenses record layer: key layout, etags, loads and saves (expense_records.h).
#include "services/expenses/expense_records.h"

#include <limits>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/auth/token.h"
#include "services/common/text_fields.h"
#include "storage/absl_compat.h"
#include "storage/bytes.h"
#include "storage/check.h"

namespace timebank::expenses {
namespace {

using storage::KeyU64;
using storage::KeyU64U64;

// The key layout: an on-disk format. Never renumber or reuse a tag.
constexpr storage::ColumnFamily kRecords = 0;
constexpr char kPolicyTag = 'P';   // u64 c -> Policy
constexpr char kClaimTag = 'C';    // u64 c, u64 id -> Claim
constexpr char kAllTag = 'a';      // u64 c, u64 ~id -> ""         (newest first)
constexpr char kMemberTag = 'm';   // u64 c, u64 member, u64 ~id -> ""
constexpr char kStateTag = 's';    // u64 c, u8 state, u64 id -> "" (oldest first: a queue)
constexpr char kMonthTag = 'M';    // u64 c, u64 member, i64 yyyymm -> i64 total counted
constexpr char kOutboxTag = 'X';   // u64 seq -> u64 c, u64 claim or batch, u8 Posting
constexpr char kBatchTag = 'B';    // u64 c, u64 id -> PaymentBatch
constexpr char kBatchesTag = 'b';  // u64 c, u64 ~id -> ""          (newest first)
constexpr char kRequestTag = 'Q';  // request key -> u64 c, u64 claim or batch
constexpr char kReceiptTag = 'F';  // u64 c, u64 receipt -> the file's bytes
constexpr char kHashTag = 'h';     // u64 c, sha256, u64 claim -> "" (receipts by content)
constexpr char kCounterTag = '#';

uint64_t Inv(uint64_t id) { return std::numeric_limits<uint64_t>::max() - id; }

std::string WithU64(std::string key, uint64_t v) {
  storage::PutU64(&key, v);
  return key;
}

std::string StatePrefix(uint64_t c, xpb::ClaimState state) {
  std::string k = KeyU64(kStateTag, c);
  storage::PutU8(&k, static_cast<uint8_t>(state));
  return k;
}

std::string MonthKey(uint64_t c, uint64_t member, int64_t month) {
  std::string k = KeyU64U64(kMonthTag, c, member);
  storage::PutI64(&k, month);
  return k;
}

std::string HashPrefix(uint64_t c, const std::string& sha256) {
  return KeyU64(kHashTag, c) + sha256;
}

// An 8-byte hex digest of `bytes`: the etag of a record.
std::string Digest(const std::string& bytes) {
  return storage::ToHex(auth::Sha256(bytes).substr(0, 8));
}

// Each key from `start` while it begins with `prefix`: visit(the u64 after the prefix).
absl::Status ScanPrefix(storage::KvStore* store, const std::string& prefix,
                        const std::string& start,
                        const std::function<absl::StatusOr<bool>(uint64_t)>& visit) {
  auto it = store->NewIterator(kRecords);
  for (it->Seek(start); it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix); it->Next()) {
    TB_ASSIGN_OR_RETURN(bool more, visit(storage::DecodeU64(it->key().data() + prefix.size())));
    if (!more) break;
  }
  return it->status();
}

}  // namespace

absl::Status Field(const std::string& field, const std::string& problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

absl::Status CheckReason(const std::string& reason, const char* required_why) {
  if (required_why != nullptr && reason.empty()) return Field("reason", required_why);
  return CheckText("reason", reason, {TextLimits::kReasonBytes});
}

ExpenseTx::ExpenseTx(storage::KvStore* store) : RecordTx(store, kRecords, kCounterTag) {}

ExpenseRecords::ExpenseRecords(storage::KvStore* store)
    : store_(store), outbox_(store, kRecords, kOutboxTag) {}

absl::StatusOr<xpb::Policy> ExpenseRecords::LoadPolicy(uint64_t c) const {
  std::string v;
  TB_ASSIGN_OR_RETURN(bool found, store_->Get(kRecords, KeyU64(kPolicyTag, c), &v));
  if (!found) {
    return absl::NotFoundError(
        absl::StrCat("community ", c,
                     " has no expense policy yet; an admin or finance officer sets one "
                     "(tbctl expenses policy set)"));
  }
  xpb::Policy p;
  if (!p.ParseFromString(v)) return absl::DataLossError("the expense policy is damaged");
  return p;
}

void ExpenseRecords::PutPolicy(ExpenseTx& tx, xpb::Policy& p) const {
  p.clear_etag();
  p.set_etag(Digest(p.SerializeAsString()));
  tx.Put(KeyU64(kPolicyTag, p.community_id()), p.SerializeAsString());
}

absl::StatusOr<xpb::Claim> ExpenseRecords::LoadClaim(uint64_t c, uint64_t id) const {
  std::string v;
  TB_ASSIGN_OR_RETURN(bool found, store_->Get(kRecords, KeyU64U64(kClaimTag, c, id), &v));
  if (!found) return absl::NotFoundError(absl::StrCat("claim ", id, " does not exist"));
  xpb::Claim claim;
  if (!claim.ParseFromString(v)) {
    return absl::DataLossError(absl::StrCat("claim ", id, " is damaged"));
  }
  return claim;
}

void ExpenseRecords::PutClaim(ExpenseTx& tx, xpb::Claim& claim, xpb::ClaimState from) const {
  const uint64_t c = claim.community_id();
  if (from != claim.state()) {
    if (from != xpb::CLAIM_STATE_UNSPECIFIED) tx.Delete(WithU64(StatePrefix(c, from), claim.id()));
    tx.Put(WithU64(StatePrefix(c, claim.state()), claim.id()), "");
  }
  // The etag covers what people decide, not the money book's posting progress, so the
  // dispatcher finishing a posting does not make a finance officer's read stale.
  xpb::Claim decided = claim;
  decided.clear_etag();
  decided.clear_posting_state();
  decided.clear_ledger_result();
  claim.set_etag(Digest(decided.SerializeAsString()));
  tx.Put(KeyU64U64(kClaimTag, c, claim.id()), claim.SerializeAsString());
}

void ExpenseRecords::IndexNewClaim(ExpenseTx& tx, const xpb::Claim& claim) const {
  const uint64_t c = claim.community_id();
  tx.Put(KeyU64U64(kAllTag, c, Inv(claim.id())), "");
  tx.Put(WithU64(KeyU64U64(kMemberTag, c, claim.claimant_member_id()), Inv(claim.id())), "");
}

ClaimIndex ExpenseRecords::ByState(uint64_t c, xpb::ClaimState state) {
  return {StatePrefix(c, state), false};
}
ClaimIndex ExpenseRecords::ByMember(uint64_t c, uint64_t member) {
  return {KeyU64U64(kMemberTag, c, member), true};
}
ClaimIndex ExpenseRecords::All(uint64_t c) { return {KeyU64(kAllTag, c), true}; }

absl::Status ExpenseRecords::Scan(
    const ClaimIndex& index, uint64_t after,
    const std::function<absl::StatusOr<bool>(uint64_t, uint64_t)>& visit) const {
  const std::string start = after == 0 ? index.prefix : WithU64(index.prefix, after + 1);
  return ScanPrefix(store_, index.prefix, start,
                    [&](uint64_t k) { return visit(k, index.inverted ? Inv(k) : k); });
}

absl::StatusOr<xpb::PaymentBatch> ExpenseRecords::LoadBatch(uint64_t c, uint64_t id) const {
  std::string v;
  TB_ASSIGN_OR_RETURN(bool found, store_->Get(kRecords, KeyU64U64(kBatchTag, c, id), &v));
  if (!found) return absl::NotFoundError(absl::StrCat("payment batch ", id, " does not exist"));
  xpb::PaymentBatch b;
  if (!b.ParseFromString(v)) return absl::DataLossError(absl::StrCat("batch ", id, " is damaged"));
  return b;
}

void ExpenseRecords::PutBatch(ExpenseTx& tx, const xpb::PaymentBatch& batch) const {
  tx.Put(KeyU64U64(kBatchTag, batch.community_id(), batch.id()), batch.SerializeAsString());
}

void ExpenseRecords::IndexNewBatch(ExpenseTx& tx, const xpb::PaymentBatch& batch) const {
  tx.Put(KeyU64U64(kBatchesTag, batch.community_id(), Inv(batch.id())), "");
}

absl::Status ExpenseRecords::ScanBatches(
    uint64_t c, uint64_t after_id,
    const std::function<absl::StatusOr<bool>(uint64_t)>& visit) const {
  const std::string prefix = KeyU64(kBatchesTag, c);
  const std::string start = after_id == 0 ? prefix : KeyU64U64(kBatchesTag, c, Inv(after_id) + 1);
  return ScanPrefix(store_, prefix, start, [&](uint64_t k) { return visit(Inv(k)); });
}

std::string ExpenseRecords::RequestKey(const std::string& request_id, const std::string& scope) {
  if (request_id.empty()) return "";
  return storage::KeyStr(kRequestTag, absl::StrCat(scope, ":", request_id));
}

absl::StatusOr<std::optional<uint64_t>> ExpenseRecords::Replayed(
    const std::string& request_key) const {
  if (request_key.empty()) return std::nullopt;
  std::string v;
  TB_ASSIGN_OR_RETURN(bool seen, store_->Get(kRecords, request_key, &v));
  if (!seen) return std::nullopt;
  TB_CHECK(v.size() == 16);  // u64 community, u64 id
  return storage::DecodeU64(v.data() + 8);
}

void ExpenseRecords::RememberRequest(ExpenseTx& tx, const std::string& request_key, uint64_t c,
                                     uint64_t id) const {
  if (request_key.empty()) return;
  std::string v;
  storage::PutU64(&v, c);
  storage::PutU64(&v, id);
  tx.Put(request_key, v);
}

absl::StatusOr<int64_t> ExpenseRecords::MonthTotal(uint64_t c, uint64_t member,
                                                   int64_t month) const {
  std::string v;
  TB_ASSIGN_OR_RETURN(bool found, store_->Get(kRecords, MonthKey(c, member, month), &v));
  if (!found) return 0;
  TB_CHECK(v.size() == 8);
  return storage::DecodeI64(v.data());
}

void ExpenseRecords::PutMonthTotal(ExpenseTx& tx, uint64_t c, uint64_t member, int64_t month,
                                   int64_t total) const {
  TB_CHECK(total >= 0);
  std::string v;
  storage::PutI64(&v, total);
  tx.Put(MonthKey(c, member, month), v);
}

absl::StatusOr<bool> ExpenseRecords::LoadReceiptData(uint64_t c, uint64_t id,
                                                     std::string* data) const {
  return store_->Get(kRecords, KeyU64U64(kReceiptTag, c, id), data);
}

void ExpenseRecords::PutReceiptData(ExpenseTx& tx, uint64_t c, uint64_t id,
                                    const std::string& data) const {
  tx.Put(KeyU64U64(kReceiptTag, c, id), data);
}

void ExpenseRecords::DeleteReceiptData(ExpenseTx& tx, uint64_t c, uint64_t id) const {
  tx.Delete(KeyU64U64(kReceiptTag, c, id));
}

absl::Status ExpenseRecords::ScanSameContent(
    uint64_t c, const std::string& sha256,
    const std::function<absl::Status(uint64_t)>& visit) const {
  const std::string prefix = HashPrefix(c, sha256);
  return ScanPrefix(store_, prefix, prefix, [&](uint64_t claim_id) -> absl::StatusOr<bool> {
    TB_RETURN_IF_ERROR(visit(claim_id));
    return true;
  });
}

void ExpenseRecords::IndexContent(ExpenseTx& tx, uint64_t c, const std::string& sha256,
                                  uint64_t claim_id) const {
  tx.Put(WithU64(HashPrefix(c, sha256), claim_id), "");
}

void ExpenseRecords::UnindexContent(ExpenseTx& tx, uint64_t c, const std::string& sha256,
                                    uint64_t claim_id) const {
  tx.Delete(WithU64(HashPrefix(c, sha256), claim_id));
}

absl::Status ExpenseRecords::Purge() const { return store_->Purge(kRecords); }

}  // namespace timebank::expenses
