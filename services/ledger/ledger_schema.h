// Where the ledger keeps things in its store (ledger_store.h). The journal family is the
// source of truth (one key per event, written with fsync by the writer); the index
// family, in a database of its own, is a projection of it (records by transfer id,
// statements by account, account rows, pending timers) that the Projection thread
// rebuilds from its cursor after a crash.
#ifndef TIMEBANK_SERVICES_LEDGER_LEDGER_SCHEMA_H_
#define TIMEBANK_SERVICES_LEDGER_LEDGER_SCHEMA_H_

#include <string>
#include <string_view>
#include <vector>

#include "storage/bytes.h"
#include "storage/rocks_store.h"

namespace timebank::ledger::schema {

// The journal and index databases, in the format of community-scoped ids
// (services/common/ids.h); the identities before it are refused with advice.
inline constexpr char kIdentity[] = "timebank.ledger.v1@2";
inline constexpr char kIndexIdentity[] = "timebank.ledger.v1.index@2";
inline constexpr char kIdentityBeforeScopedIds[] = "timebank.ledger.v1";
inline constexpr char kIndexIdentityBeforeScopedIds[] = "timebank.ledger.v1.index";
inline constexpr char kJournalPart[] = "journal";  // subdirectories (ledger_store.h)
inline constexpr char kIndexPart[] = "index";
inline constexpr storage::ColumnFamily kJournal = 0;  // u64 seq -> canonical || hash
inline constexpr storage::ColumnFamily kIndex = 1;    // tagged keys below
// In the journal's database (so a text commits with its entry), outside the chain:
// u64 seq -> the entry's text record (journal_codec.h), deleted by erasure; and
// kErasedTag + account id -> "" for accounts whose texts were erased (new entries that
// touch them keep no text).
inline constexpr storage::ColumnFamily kTexts = 2;
inline constexpr char kErasedTag = 'x';

inline constexpr char kCursorKey[] = "c";  // -> u64: journal indexed through this seq
// -> u64: the 'B' rows hold balances as of this seq (<= the index cursor). Balances
// are snapshotted periodically, not per step: they change on every transfer.
inline constexpr char kBalancesCursorKey[] = "b";
inline constexpr char kRecordTag = 'i';     // 'i' id -> TransferRecord
inline constexpr char kStatementTag = 'a';  // 'a' u64 account number, u64 seq -> ""
inline constexpr char kAccountTag = 'A';    // 'A' u64 number -> AccountInfo (as of 'c')
inline constexpr char kBalancesTag = 'B';   // 'B' u64 number -> Balances (as of 'b')
inline constexpr char kExpiryTag = 'e';     // 'e' id -> i64 expires_at_ns

inline std::string ErasedAccountKey(std::string_view account_id) {
  return storage::KeyStr(kErasedTag, account_id);
}

inline std::string JournalKey(uint64_t seq) {
  std::string k;
  storage::PutU64(&k, seq);
  return k;
}

}  // namespace timebank::ledger::schema

#endif  // TIMEBANK_SERVICES_LEDGER_LEDGER_SCHEMA_H_
