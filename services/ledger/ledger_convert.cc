#include "services/ledger/ledger_convert.h"

#include "services/common/grpc_util.h"
#include "storage/bytes.h"

namespace timebank::ledger {

AccountView AccountFromProto(const pb::Account& a) {
  AccountView v;
  v.info.id = a.id();
  v.info.community_id = a.community_id();
  v.info.unit = a.unit();
  v.info.owner_kind = a.owner_kind();
  v.info.owner_ref = a.owner_ref();
  v.info.min_balance = a.has_min_balance() ? a.min_balance() : kNoMinBalance;
  v.info.max_balance = a.has_max_balance() ? a.max_balance() : kNoMaxBalance;
  v.info.status = a.status();
  v.balances.debits_posted = a.debits_posted();
  v.balances.credits_posted = a.credits_posted();
  v.balances.debits_pending = a.debits_pending();
  v.balances.credits_pending = a.credits_pending();
  return v;
}

void AccountToProto(const AccountView& v, pb::Account* out) {
  out->set_id(v.info.id);
  out->set_community_id(v.info.community_id);
  out->set_unit(v.info.unit);
  out->set_owner_kind(v.info.owner_kind);
  out->set_owner_ref(v.info.owner_ref);
  if (v.info.min_balance != kNoMinBalance) out->set_min_balance(v.info.min_balance);
  if (v.info.max_balance != kNoMaxBalance) out->set_max_balance(v.info.max_balance);
  out->set_status(v.info.status);
  out->set_debits_posted(v.balances.debits_posted);
  out->set_credits_posted(v.balances.credits_posted);
  out->set_debits_pending(v.balances.debits_pending);
  out->set_credits_pending(v.balances.credits_pending);
  out->set_balance(v.balances.balance());
  ToTimestamp(v.info.created_at_ns, out->mutable_created_at());
  out->set_created_seq(v.info.created_seq);
}

Transfer TransferFromProto(const pb::Transfer& p) {
  Transfer t;
  t.id = p.id();
  t.debit_account_id = p.debit_account_id();
  t.credit_account_id = p.credit_account_id();
  t.amount = p.amount();
  t.kind = p.kind();
  t.coproduction_type = p.coproduction_type();
  t.reference = p.reference();
  t.memo = p.memo();
  if (p.has_occurred_at()) {
    t.occurred_at_ns =
        CheckTimestamp(p.occurred_at(), "occurred_at").ok() ? FromTimestamp(p.occurred_at()) : -1;
  }
  t.flags = (p.linked() ? kLinked : 0) | (p.pending() ? kPending : 0) |
            (p.post_pending() ? kPostPending : 0) | (p.void_pending() ? kVoidPending : 0);
  t.pending_id = p.pending_id();
  t.timeout_s = p.timeout_s();
  t.reverses_id = p.reverses_id();
  return t;
}

void TransferToProto(const StoredTransfer& s, pb::Transfer* out) {
  const Transfer& t = s.transfer;
  out->set_id(t.id);
  out->set_debit_account_id(t.debit_account_id);
  out->set_credit_account_id(t.credit_account_id);
  out->set_amount(t.amount);
  out->set_kind(t.kind);
  out->set_coproduction_type(t.coproduction_type);
  out->set_reference(t.reference);
  out->set_memo(t.memo);
  ToTimestamp(t.occurred_at_ns, out->mutable_occurred_at());
  out->set_linked(t.is(kLinked));
  out->set_pending(t.is(kPending));
  out->set_post_pending(t.is(kPostPending));
  out->set_void_pending(t.is(kVoidPending));
  out->set_pending_id(t.pending_id);
  out->set_timeout_s(t.timeout_s);
  out->set_reverses_id(t.reverses_id);
  out->set_seq(t.seq);
  ToTimestamp(t.recorded_at_ns, out->mutable_recorded_at());
  out->set_community_id(t.community_id);
  out->set_unit(t.unit);
  out->set_state(s.record.state);
  out->set_reversed(s.record.reversed);
  out->set_text_erased(t.text_erased);
}

void JournalEntryToProto(const JournalEntry& e, pb::JournalEntry* out) {
  out->set_seq(e.seq);
  ToTimestamp(e.recorded_at_ns, out->mutable_recorded_at());
  out->set_hash_hex(storage::ToHex(storage::HashBytes(e.hash)));
  switch (e.type) {
    case EntryType::kAccountCreated:
      AccountToProto(AccountView{e.account, {}}, out->mutable_account_created());
      break;
    case EntryType::kTransfer: {
      // The state at the time of the entry: what the entry itself did.
      TransferRecord record{
          e.seq, e.transfer.is(kPending) ? pb::TRANSFER_STATE_PENDING : pb::TRANSFER_STATE_POSTED,
          false};
      TransferToProto(StoredTransfer{e.transfer, record}, out->mutable_transfer());
      break;
    }
    case EntryType::kAccountStatus: {
      auto* c = out->mutable_account_status_changed();
      c->set_account_id(e.status_change.account_id);
      c->set_status(e.status_change.status);
      c->set_reason(e.status_change.reason);
      break;
    }
  }
}

}  // namespace timebank::ledger
