// The expenses store's keys and records (expense_records.h), on the record kit.
#include "services/expenses/expense_records.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "storage/absl_compat.h"
#include "storage/bytes.h"
#include "storage/check.h"

namespace timebank::expenses {

using records::Key;

std::string PolicyKey(uint64_t c) { return Key(kPolicyTag).U64(c).str(); }
std::string ClaimKey(uint64_t c, uint64_t id) { return Key(kClaimTag).U64(c).U64(id).str(); }
std::string AllPrefix(uint64_t c) { return Key(kAllTag).U64(c).str(); }
std::string MemberPrefix(uint64_t c, uint64_t m) { return Key(kMemberTag).U64(c).U64(m).str(); }
std::string StatePrefix(uint64_t c, xpb::ClaimState state) {
  return Key(kStateTag).U64(c).U8(static_cast<uint8_t>(state)).str();
}
std::string MonthKey(uint64_t c, uint64_t m, int64_t yyyymm) {
  return Key(kMonthTag).U64(c).U64(m).I64(yyyymm).str();
}
std::string BatchKey(uint64_t c, uint64_t id) { return Key(kBatchTag).U64(c).U64(id).str(); }
std::string BatchesPrefix(uint64_t c) { return Key(kBatchesTag).U64(c).str(); }
std::string ReceiptKey(uint64_t c, uint64_t r) { return Key(kReceiptTag).U64(c).U64(r).str(); }
std::string StateKey(uint64_t c, xpb::ClaimState state, uint64_t id) {
  return Key(kStateTag).U64(c).U8(static_cast<uint8_t>(state)).U64(id).str();
}
std::string HashPrefix(uint64_t c, std::string_view sha256) {
  return Key(kHashTag).U64(c).Bytes(sha256).str();
}
std::string HashKey(uint64_t c, std::string_view sha256, uint64_t claim_id) {
  return Key(kHashTag).U64(c).Bytes(sha256).U64(claim_id).str();
}

std::string BankKey(uint64_t c, uint64_t m) { return Key(kBankTag).U64(c).U64(m).str(); }

std::string ClaimRequestKey(uint64_t c, uint64_t member, std::string_view request_id) {
  return records::RequestKey(kRequestTag, {"create", c, member}, request_id);
}
std::string BatchRequestKey(uint64_t c, std::string_view request_id) {
  return records::RequestKey(kRequestTag, {"batch", c}, request_id);
}

ExpenseRecords::ExpenseRecords(storage::KvStore* store)
    : store_(store), committed_(store, kRecords), outbox_(store, kRecords, kOutboxTag) {}

absl::StatusOr<xpb::Policy> ExpenseRecords::LoadPolicy(const records::Reader& from,
                                                       uint64_t c) const {
  return records::LoadRecord<xpb::Policy>(
      from, PolicyKey(c), "the expense policy",
      absl::StrCat("community ", c,
                   " has no expense policy yet; an admin or finance officer sets one "
                   "(tbctl expenses policy set)"));
}

void ExpenseRecords::PutPolicy(records::Tx& tx, xpb::Policy& p) const {
  tx.Put(PolicyKey(p.community_id()), records::Seal(p));
}

absl::StatusOr<xpb::Claim> ExpenseRecords::LoadClaim(const records::Reader& from, uint64_t c,
                                                     uint64_t id) const {
  // ReadRecord, not LoadRecord: lists load claims by the hundred, so the "does not
  // exist" message is built only when it is the answer.
  absl::StatusOr<std::optional<xpb::Claim>> claim =
      records::ReadRecord<xpb::Claim>(from, ClaimKey(c, id), absl::StrCat("claim ", id));
  if (!claim.ok()) return claim.status();
  if (!claim->has_value())
    return absl::NotFoundError(absl::StrCat("claim ", id, " does not exist"));
  return **std::move(claim);
}

void ExpenseRecords::PutClaim(records::Tx& tx, xpb::Claim& claim, xpb::ClaimState from) const {
  const uint64_t c = claim.community_id();
  if (from != claim.state()) {
    if (from != xpb::CLAIM_STATE_UNSPECIFIED) tx.Delete(StateKey(c, from, claim.id()));
    tx.Put(StateKey(c, claim.state(), claim.id()), "");
  }
  // The etag covers what people decide, not the money book's posting progress, so the
  // dispatcher finishing a posting does not make a finance officer's read stale.
  xpb::Claim decided = claim;
  decided.clear_posting_state();
  decided.clear_ledger_result();
  tx.Put(ClaimKey(c, claim.id()), records::SealCovering(claim, std::move(decided)));
}

void ExpenseRecords::IndexNewClaim(records::Tx& tx, const xpb::Claim& claim) const {
  const uint64_t c = claim.community_id();
  tx.Put(Key(kAllTag).U64(c).NewestFirst(claim.id()).str(), "");
  tx.Put(Key(kMemberTag).U64(c).U64(claim.claimant_member_id()).NewestFirst(claim.id()).str(), "");
}

Index ExpenseRecords::ByState(uint64_t c, xpb::ClaimState state) {
  return {StatePrefix(c, state), false};
}
Index ExpenseRecords::ByMember(uint64_t c, uint64_t m) { return {MemberPrefix(c, m), true}; }
Index ExpenseRecords::All(uint64_t c) { return {AllPrefix(c), true}; }
Index ExpenseRecords::Batches(uint64_t c) { return {BatchesPrefix(c), true}; }
Index ExpenseRecords::SameContent(uint64_t c, std::string_view sha256) {
  return {HashPrefix(c, sha256), false};
}

absl::Status ExpenseRecords::Scan(
    const Index& index, uint64_t after,
    absl::FunctionRef<absl::StatusOr<bool>(uint64_t, uint64_t)> visit) const {
  Key start(index.prefix[0]);
  start.Bytes(std::string_view(index.prefix).substr(1));
  if (after != 0) start.U64(after + 1);
  auto it = store_->NewIterator(kRecords);
  for (it->Seek(start.str()); it->Valid() && absl::StartsWith(AsAbsl(it->key()), index.prefix);
       it->Next()) {
    const uint64_t position = records::U64At(it->key(), index.prefix.size());
    const uint64_t id = index.inverted ? Key::Inverted(position) : position;
    TB_ASSIGN_OR_RETURN(bool more, visit(position, id));
    if (!more) break;
  }
  return it->status();
}

absl::StatusOr<xpb::PaymentBatch> ExpenseRecords::LoadBatch(const records::Reader& from, uint64_t c,
                                                            uint64_t id) const {
  return records::LoadRecord<xpb::PaymentBatch>(
      from, BatchKey(c, id), absl::StrCat("batch ", id),
      absl::StrCat("payment batch ", id, " does not exist"));
}

void ExpenseRecords::PutBatch(records::Tx& tx, const xpb::PaymentBatch& batch) const {
  tx.Put(BatchKey(batch.community_id(), batch.id()), batch.SerializeAsString());
}

void ExpenseRecords::IndexNewBatch(records::Tx& tx, const xpb::PaymentBatch& batch) const {
  tx.Put(Key(kBatchesTag).U64(batch.community_id()).NewestFirst(batch.id()).str(), "");
}

uint64_t ExpenseRecords::RememberedId(std::string_view remembered) {
  const std::vector<records::RecordRef> refs = records::DecodeRefs(remembered);
  TB_CHECK(remembered.size() == 16 && refs.size() == 1);  // u64 community, u64 id
  return refs[0].second;
}

std::string ExpenseRecords::Remember(uint64_t c, uint64_t id) {
  return records::EncodeRefs({{c, id}});
}

absl::StatusOr<int64_t> ExpenseRecords::MonthTotal(const records::Reader& from, uint64_t c,
                                                   uint64_t m, int64_t month) const {
  std::string v;
  TB_ASSIGN_OR_RETURN(bool found, from.Get(MonthKey(c, m, month), &v));
  if (!found) return 0;
  TB_CHECK(v.size() == 8);
  return storage::DecodeI64(v.data());
}

void ExpenseRecords::PutMonthTotal(records::Tx& tx, uint64_t c, uint64_t m, int64_t month,
                                   int64_t total) const {
  TB_CHECK(total >= 0);
  std::string v;
  storage::PutI64(&v, total);
  tx.Put(MonthKey(c, m, month), v);
}

absl::StatusOr<bool> ExpenseRecords::LoadReceiptData(uint64_t c, uint64_t id,
                                                     std::string* data) const {
  return committed_.Get(ReceiptKey(c, id), data);
}

void ExpenseRecords::PutReceiptData(records::Tx& tx, uint64_t c, uint64_t id,
                                    const std::string& data) const {
  tx.Put(ReceiptKey(c, id), data);
}

void ExpenseRecords::DeleteReceiptData(records::Tx& tx, uint64_t c, uint64_t id) const {
  tx.Delete(ReceiptKey(c, id));
}

void ExpenseRecords::IndexContent(records::Tx& tx, uint64_t c, std::string_view sha256,
                                  uint64_t claim_id) const {
  tx.Put(HashKey(c, sha256, claim_id), "");
}

void ExpenseRecords::UnindexContent(records::Tx& tx, uint64_t c, std::string_view sha256,
                                    uint64_t claim_id) const {
  tx.Delete(HashKey(c, sha256, claim_id));
}

absl::StatusOr<bool> ExpenseRecords::LoadSealedBank(const records::Reader& from, uint64_t c,
                                                    uint64_t m, std::string* sealed) const {
  return from.Get(BankKey(c, m), sealed);
}

void ExpenseRecords::PutSealedBank(records::Tx& tx, uint64_t c, uint64_t m,
                                   const std::string& sealed) const {
  tx.Put(BankKey(c, m), sealed);
}

void ExpenseRecords::DeleteSealedBank(records::Tx& tx, uint64_t c, uint64_t m) const {
  tx.Delete(BankKey(c, m));
}

absl::Status ExpenseRecords::Purge() const { return store_->Purge(kRecords); }

}  // namespace timebank::expenses
