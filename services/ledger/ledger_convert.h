// Conversions between the ledger's domain types and its protobuf API messages.
#ifndef TIMEBANK_SERVICES_LEDGER_LEDGER_CONVERT_H_
#define TIMEBANK_SERVICES_LEDGER_LEDGER_CONVERT_H_

#include "services/ledger/model.h"
#include "timebank/ledger/v1/ledger.pb.h"

namespace timebank::ledger {

AccountView AccountFromProto(const pb::Account& a);
void AccountToProto(const AccountView& a, pb::Account* out);

// An out-of-range occurred_at becomes -1, which validation reports as
// OCCURRED_AT_INVALID for that transfer alone.
Transfer TransferFromProto(const pb::Transfer& t);
void TransferToProto(const StoredTransfer& t, pb::Transfer* out);

void JournalEntryToProto(const JournalEntry& e, pb::JournalEntry* out);

}  // namespace timebank::ledger

#endif  // TIMEBANK_SERVICES_LEDGER_LEDGER_CONVERT_H_
