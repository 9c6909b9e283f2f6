#include "services/ledger/effects.h"

#include "storage/check.h"

namespace timebank::ledger {
namespace {

bool Add(int64_t* total, int64_t delta) {
  int64_t result;
  if (__builtin_add_overflow(*total, delta, &result) || result < 0) return false;
  *total = result;
  return true;
}

}  // namespace

bool TryApplyBalanceEffects(const Transfer& t, Balances* debit, Balances* credit) {
  if (t.amount < 0 || t.pending_amount < 0) return false;
  Balances d = *debit;
  Balances c = *credit;
  bool ok = true;
  if (t.is(kPending)) {
    ok = Add(&d.debits_pending, t.amount) && Add(&c.credits_pending, t.amount);
  } else if (t.is(kPostPending)) {
    ok = t.amount <= t.pending_amount && Add(&d.debits_pending, -t.pending_amount) &&
         Add(&c.credits_pending, -t.pending_amount) && Add(&d.debits_posted, t.amount) &&
         Add(&c.credits_posted, t.amount);
  } else if (t.is(kVoidPending)) {
    ok = Add(&d.debits_pending, -t.pending_amount) && Add(&c.credits_pending, -t.pending_amount);
  } else {
    ok = t.amount > 0 && Add(&d.debits_posted, t.amount) && Add(&c.credits_posted, t.amount);
  }
  if (!ok) return false;
  *debit = d;
  *credit = c;
  return true;
}

void ApplyBalanceEffects(const Transfer& t, Balances* debit, Balances* credit) {
  // Validation rejects overflowing transfers (OVERFLOWS) before they get here.
  TB_CHECK(TryApplyBalanceEffects(t, debit, credit));
}

int RecordChangesOf(const Transfer& t, RecordChange out[2]) {
  out[0] = RecordChange{t.id, RecordChange::Op::kCreate,
                        t.is(kPending) ? pb::TRANSFER_STATE_PENDING : pb::TRANSFER_STATE_POSTED};
  if (t.is(kPostPending)) {
    out[1] =
        RecordChange{t.pending_id, RecordChange::Op::kSetState, pb::TRANSFER_STATE_PENDING_POSTED};
    return 2;
  }
  if (t.is(kVoidPending)) {
    out[1] = RecordChange{
        t.pending_id, RecordChange::Op::kSetState,
        t.is(kExpiry) ? pb::TRANSFER_STATE_PENDING_EXPIRED : pb::TRANSFER_STATE_PENDING_VOIDED};
    return 2;
  }
  if (t.kind == pb::TRANSFER_KIND_REVERSAL) {
    out[1] = RecordChange{t.reverses_id, RecordChange::Op::kMarkReversed,
                          pb::TRANSFER_STATE_UNSPECIFIED};
    return 2;
  }
  return 1;
}

void ApplyRecordChange(const RecordChange& change, uint64_t seq, TransferRecord* record) {
  switch (change.op) {
    case RecordChange::Op::kCreate:
      *record = TransferRecord{seq, change.state, false};
      break;
    case RecordChange::Op::kSetState:
      TB_CHECK(record->state == pb::TRANSFER_STATE_PENDING);
      record->state = change.state;
      break;
    case RecordChange::Op::kMarkReversed:
      TB_CHECK(!record->reversed);
      record->reversed = true;
      break;
  }
}

bool WithinMinBalance(const Balances& b, int64_t min_balance) {
  const __int128 available = __int128{b.credits_posted} - b.debits_posted - b.debits_pending;
  return available >= min_balance;
}

bool WithinMaxBalance(const Balances& b, int64_t max_balance) {
  const __int128 potential = __int128{b.credits_posted} + b.credits_pending - b.debits_posted;
  return potential <= max_balance;
}

}  // namespace timebank::ledger
