// The journal's canonical encoding (version 3) and the encodings of the ledger's
// stored records. The canonical bytes of an entry are what the hash chain covers, so
// the format is explicit, versioned and never changes in place: a new layout gets a
// new version byte and every version stays decodable, and re-encodes to the bytes it
// was decoded from (so old entries keep verifying).
//
// Canonical entry (integers big-endian, strings as u32 length + bytes):
//   u8 version, u8 type, u64 seq, i64 recorded_at_ns, then per type:
//   account:  id, u64 community_id, unit, u8 owner_kind, owner_ref, i64 min_balance,
//             i64 max_balance, u64 number
//   transfer: id, debit_account_id, credit_account_id, i64 amount, u8 kind,
//             u8 coproduction_type, u8 flags, pending_id, i64 pending_amount,
//             u32 timeout_s, reverses_id, TEXTS, i64 occurred_at_ns,
//             u64 community_id, unit
//   status:   account_id, u8 status, reason
// where TEXTS is, in versions 1 and 2, `reference, memo` and, in version 3, the 32-byte
// text digest SHA-256(salt || reference || memo) (each text as u32 length + bytes,
// salt kTextSaltBytes random bytes per entry; all zeros when both texts are empty).
// Version 3 keeps the texts themselves outside the chain, in the journal database's
// texts family (key: u64 seq, value: the text record below), so erasing them
// (docs/decisions/0007) leaves every hash intact; a digest without its salt reveals
// nothing of the text, however short.
// Since version 2 (community-scoped ids, docs/decisions/0005) a transfer ends with
// u8 defaulted (TransferDefault bits: the fields the ledger filled in, so idempotency
// can tell "left unset" from "given"). A v1 transfer decodes with kDefaultOccurredAt
// inferred from occurred_at == recorded_at and no other bit.
// Stored journal value = canonical bytes || 32-byte hash.
// Text record = u8 version=1, salt, reference, memo; its digest covers all but the
// version byte.
#ifndef TIMEBANK_SERVICES_LEDGER_JOURNAL_CODEC_H_
#define TIMEBANK_SERVICES_LEDGER_JOURNAL_CODEC_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/ledger/model.h"

namespace timebank::ledger {

inline constexpr uint8_t kCanonicalVersion = 3;
// The last version that holds a transfer's reference and memo in the chain itself.
inline constexpr uint8_t kLastVersionWithTextsInChain = 2;

// Appends the canonical bytes of `entry` (no hash) to *out, in entry.version
// (0: kCanonicalVersion).
void EncodeCanonical(const JournalEntry& entry, std::string* out);
// Decodes a stored journal value (canonical bytes || hash).
absl::StatusOr<JournalEntry> DecodeStoredEntry(std::string_view value);
// The canonical part of a stored value (for re-hashing during verification).
std::string_view CanonicalPart(std::string_view stored_value);

// The text record of a transfer's reference and memo under `salt`; *digest is what the
// v3 canonical entry carries.
std::string EncodeTexts(std::string_view salt, std::string_view reference, std::string_view memo,
                        storage::Hash256* digest);
// Decodes a text record into t's reference and memo, checking it against
// t.text_digest (DATA_LOSS if it does not match: the record was altered).
absl::Status DecodeTexts(std::string_view record, Transfer* t);

std::string EncodeRecord(const TransferRecord& record);
absl::StatusOr<TransferRecord> DecodeRecord(std::string_view value);

std::string EncodeAccountInfo(const AccountInfo& info);
absl::StatusOr<AccountInfo> DecodeAccountInfo(std::string_view value);

std::string EncodeBalances(const Balances& b);
absl::StatusOr<Balances> DecodeBalances(std::string_view value);

}  // namespace timebank::ledger

#endif  // TIMEBANK_SERVICES_LEDGER_JOURNAL_CODEC_H_
