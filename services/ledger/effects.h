// What a committed (validated, resolved) transfer does, as pure functions. The writer
// applies these live, recovery replays them, and the projection indexer applies them
// to its own copy: one definition of each effect, so the three can never disagree.
#ifndef TIMEBANK_SERVICES_LEDGER_EFFECTS_H_
#define TIMEBANK_SERVICES_LEDGER_EFFECTS_H_

#include <string_view>

#include "services/ledger/model.h"

namespace timebank::ledger {

// Moves the resolved transfer's amounts on its two accounts. Returns false, leaving
// both unchanged, if a total would overflow.
bool TryApplyBalanceEffects(const Transfer& t, Balances* debit, Balances* credit);
// The same for transfers already validated: overflow is a broken invariant.
void ApplyBalanceEffects(const Transfer& t, Balances* debit, Balances* credit);

// A change to the per-id transfer records caused by committing a transfer.
struct RecordChange {
  enum class Op { kCreate, kSetState, kMarkReversed };
  std::string_view id;
  Op op = Op::kCreate;
  pb::TransferState state = pb::TRANSFER_STATE_UNSPECIFIED;
};

// Fills out[0..n) and returns n (1 or 2): the transfer's own record, plus the
// pending transfer it resolves or the transfer it reverses.
int RecordChangesOf(const Transfer& t, RecordChange out[2]);

// Applies one record change to `record` (already holding the previous state, or the
// new transfer's seq for kCreate).
void ApplyRecordChange(const RecordChange& change, uint64_t seq, TransferRecord* record);

// Balance limit checks, conservative about pending amounts: the debit side counts
// its pending debits as spent, the credit side counts its pending credits as earned.
bool WithinMinBalance(const Balances& b, int64_t min_balance);
bool WithinMaxBalance(const Balances& b, int64_t max_balance);

}  // namespace timebank::ledger

#endif  // TIMEBANK_SERVICES_LEDGER_EFFECTS_H_
