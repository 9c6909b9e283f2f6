#include "services/ledger/journal_codec.h"

#include "absl/strings/str_cat.h"
#include "storage/bytes.h"
#include "storage/check.h"

namespace timebank::ledger {
namespace {

using storage::ByteReader;
using storage::PutBytes;
using storage::PutI64;
using storage::PutU32;
using storage::PutU64;
using storage::PutU8;

constexpr size_t kHashBytes = 32;
constexpr uint8_t kRecordVersion = 1;
constexpr uint8_t kTextsVersion = 1;

absl::Status Corrupt(std::string_view what) {
  return absl::DataLossError(absl::StrCat("corrupt ", std::string(what), " in the ledger store"));
}

void EncodeAccountFields(const AccountInfo& a, std::string* out) {
  PutBytes(out, a.id);
  PutU64(out, a.community_id);
  PutBytes(out, a.unit);
  PutU8(out, static_cast<uint8_t>(a.owner_kind));
  PutBytes(out, a.owner_ref);
  PutI64(out, a.min_balance);
  PutI64(out, a.max_balance);
  PutU64(out, a.number);
}

void DecodeAccountFields(ByteReader& r, AccountInfo* a) {
  a->id = std::string(r.Bytes());
  a->community_id = r.U64();
  a->unit = std::string(r.Bytes());
  a->owner_kind = static_cast<pb::OwnerKind>(r.U8());
  a->owner_ref = std::string(r.Bytes());
  a->min_balance = r.I64();
  a->max_balance = r.I64();
  a->number = r.U64();
}

}  // namespace

void EncodeCanonical(const JournalEntry& e, std::string* out) {
  const uint8_t version = e.version == 0 ? kCanonicalVersion : e.version;
  TB_CHECK(version >= 1 && version <= kCanonicalVersion);
  PutU8(out, version);
  PutU8(out, static_cast<uint8_t>(e.type));
  PutU64(out, e.seq);
  PutI64(out, e.recorded_at_ns);
  switch (e.type) {
    case EntryType::kAccountCreated:
      EncodeAccountFields(e.account, out);
      break;
    case EntryType::kTransfer: {
      const Transfer& t = e.transfer;
      PutBytes(out, t.id);
      PutBytes(out, t.debit_account_id);
      PutBytes(out, t.credit_account_id);
      PutI64(out, t.amount);
      PutU8(out, static_cast<uint8_t>(t.kind));
      PutU8(out, static_cast<uint8_t>(t.coproduction_type));
      PutU8(out, t.flags);
      PutBytes(out, t.pending_id);
      PutI64(out, t.pending_amount);
      PutU32(out, t.timeout_s);
      PutBytes(out, t.reverses_id);
      if (version <= kLastVersionWithTextsInChain) {
        PutBytes(out, t.reference);
        PutBytes(out, t.memo);
      } else {
        out->append(storage::HashBytes(t.text_digest));
      }
      PutI64(out, t.occurred_at_ns);
      PutU64(out, t.community_id);
      PutBytes(out, t.unit);
      if (version >= 2) PutU8(out, t.defaulted);
      break;
    }
    case EntryType::kAccountStatus:
      PutBytes(out, e.status_change.account_id);
      PutU8(out, static_cast<uint8_t>(e.status_change.status));
      PutBytes(out, e.status_change.reason);
      break;
  }
}

std::string_view CanonicalPart(std::string_view stored_value) {
  if (stored_value.size() < kHashBytes) return {};
  return stored_value.substr(0, stored_value.size() - kHashBytes);
}

absl::StatusOr<JournalEntry> DecodeStoredEntry(std::string_view value) {
  if (value.size() < kHashBytes + 18) return Corrupt("journal entry (too short)");
  JournalEntry e;
  std::string_view canonical = CanonicalPart(value);
  std::copy(value.end() - kHashBytes, value.end(), e.hash.begin());
  ByteReader r(canonical);
  const uint8_t version = r.U8();
  if (version < 1 || version > kCanonicalVersion) {
    return absl::DataLossError(absl::StrCat("journal entry has unknown encoding version ", version,
                                            "; this timebankd is too old for it"));
  }
  e.version = version;
  const uint8_t type = r.U8();
  e.seq = r.U64();
  e.recorded_at_ns = r.I64();
  switch (type) {
    case static_cast<uint8_t>(EntryType::kAccountCreated):
      e.type = EntryType::kAccountCreated;
      DecodeAccountFields(r, &e.account);
      e.account.status = pb::ACCOUNT_STATUS_OPEN;
      e.account.created_seq = e.seq;
      e.account.created_at_ns = e.recorded_at_ns;
      break;
    case static_cast<uint8_t>(EntryType::kTransfer): {
      e.type = EntryType::kTransfer;
      Transfer& t = e.transfer;
      t.id = std::string(r.Bytes());
      t.debit_account_id = std::string(r.Bytes());
      t.credit_account_id = std::string(r.Bytes());
      t.amount = r.I64();
      t.kind = static_cast<pb::TransferKind>(r.U8());
      t.coproduction_type = static_cast<pb::CoproductionType>(r.U8());
      t.flags = r.U8();
      t.pending_id = std::string(r.Bytes());
      t.pending_amount = r.I64();
      t.timeout_s = r.U32();
      t.reverses_id = std::string(r.Bytes());
      if (version <= kLastVersionWithTextsInChain) {
        t.reference = std::string(r.Bytes());
        t.memo = std::string(r.Bytes());
      } else {
        const std::string_view digest = r.Fixed(kHashBytes);
        std::copy(digest.begin(), digest.end(), t.text_digest.begin());
      }
      t.occurred_at_ns = r.I64();
      t.community_id = r.U64();
      t.unit = std::string(r.Bytes());
      t.seq = e.seq;
      t.recorded_at_ns = e.recorded_at_ns;
      if (version >= 2) {
        t.defaulted = r.U8();
      } else if (t.occurred_at_ns == t.recorded_at_ns) {
        t.defaulted = kDefaultOccurredAt;  // v1 did not record it; the likely reading
      }
      break;
    }
    case static_cast<uint8_t>(EntryType::kAccountStatus):
      e.type = EntryType::kAccountStatus;
      e.status_change.account_id = std::string(r.Bytes());
      e.status_change.status = static_cast<pb::AccountStatus>(r.U8());
      e.status_change.reason = std::string(r.Bytes());
      break;
    default:
      return Corrupt("journal entry type");
  }
  if (!r.ok() || !r.done()) return Corrupt("journal entry body");
  return e;
}

std::string EncodeTexts(std::string_view salt, std::string_view reference, std::string_view memo,
                        storage::Hash256* digest) {
  TB_CHECK(salt.size() == kTextSaltBytes);
  std::string out;
  out.reserve(1 + salt.size() + 8 + reference.size() + memo.size());
  PutU8(&out, kTextsVersion);
  out.append(salt);
  PutBytes(&out, reference);
  PutBytes(&out, memo);
  *digest = storage::Sha256(std::string_view(out).substr(1));
  return out;
}

absl::Status DecodeTexts(std::string_view record, Transfer* t) {
  ByteReader r(record);
  const uint8_t version = r.U8();
  r.Fixed(kTextSaltBytes);
  std::string_view reference = r.Bytes();
  std::string_view memo = r.Bytes();
  if (version != kTextsVersion || !r.ok() || !r.done()) return Corrupt("transfer text record");
  if (storage::Sha256(record.substr(1)) != t->text_digest) {
    return absl::DataLossError(absl::StrCat("the texts of journal entry ", t->seq,
                                            " do not match the digest the journal holds: they "
                                            "were altered; restore from a backup"));
  }
  t->reference = std::string(reference);
  t->memo = std::string(memo);
  return absl::OkStatus();
}

std::string EncodeRecord(const TransferRecord& record) {
  std::string out;
  PutU8(&out, kRecordVersion);
  PutU64(&out, record.seq);
  PutU8(&out, static_cast<uint8_t>(record.state));
  PutU8(&out, record.reversed ? 1 : 0);
  return out;
}

absl::StatusOr<TransferRecord> DecodeRecord(std::string_view value) {
  ByteReader r(value);
  TransferRecord rec;
  const uint8_t version = r.U8();
  rec.seq = r.U64();
  rec.state = static_cast<pb::TransferState>(r.U8());
  rec.reversed = r.U8() != 0;
  if (version != kRecordVersion || !r.ok() || !r.done()) return Corrupt("transfer record");
  return rec;
}

std::string EncodeAccountInfo(const AccountInfo& info) {
  std::string out;
  PutU8(&out, kRecordVersion);
  EncodeAccountFields(info, &out);
  PutU8(&out, static_cast<uint8_t>(info.status));
  PutU64(&out, info.created_seq);
  PutI64(&out, info.created_at_ns);
  return out;
}

absl::StatusOr<AccountInfo> DecodeAccountInfo(std::string_view value) {
  ByteReader r(value);
  AccountInfo a;
  const uint8_t version = r.U8();
  DecodeAccountFields(r, &a);
  a.status = static_cast<pb::AccountStatus>(r.U8());
  a.created_seq = r.U64();
  a.created_at_ns = r.I64();
  if (version != kRecordVersion || !r.ok() || !r.done()) return Corrupt("account record");
  return a;
}

std::string EncodeBalances(const Balances& b) {
  std::string out;
  PutI64(&out, b.debits_posted);
  PutI64(&out, b.credits_posted);
  PutI64(&out, b.debits_pending);
  PutI64(&out, b.credits_pending);
  return out;
}

absl::StatusOr<Balances> DecodeBalances(std::string_view value) {
  ByteReader r(value);
  Balances b;
  b.debits_posted = r.I64();
  b.credits_posted = r.I64();
  b.debits_pending = r.I64();
  b.credits_pending = r.I64();
  if (!r.ok() || !r.done()) return Corrupt("account balances");
  return b;
}

}  // namespace timebank::ledger
