#include "services/ledger/ledger_state.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "services/common/text_rule.h"
#include "services/common/validation.h"
#include "services/ledger/effects.h"
#include "storage/absl_compat.h"
#include "storage/check.h"

namespace timebank::ledger {
namespace {

bool IsUnit(std::string_view unit) {
  return unit == kTimeUnit || CurrencyExponent(unit).has_value();
}

constexpr uint8_t kClientFlags = kLinked | kPending | kPostPending | kVoidPending;

// Is a retried request the same request as the one that created the stored transfer?
// Every field a client sets decides, flags included (TigerBeetle's rule). A field the
// ledger filled in (TransferDefault) matches only when the retry leaves it unset as
// the original did; a field the original gave matches only the same value.
bool SameRequest(const Transfer& req, const Transfer& s) {
  auto same = [&s](bool req_unset, bool req_equal, TransferDefault d) {
    return s.was_defaulted(d) ? req_unset : req_equal;
  };
  return req.id == s.id && req.flags == (s.flags & kClientFlags) &&
         same(req.debit_account_id.empty(), req.debit_account_id == s.debit_account_id,
              kDefaultDebitAccount) &&
         same(req.credit_account_id.empty(), req.credit_account_id == s.credit_account_id,
              kDefaultCreditAccount) &&
         same(req.amount == 0, req.amount == s.amount, kDefaultAmount) &&
         same(req.kind == pb::TRANSFER_KIND_UNSPECIFIED, req.kind == s.kind, kDefaultKind) &&
         same(req.coproduction_type == pb::COPRODUCTION_TYPE_UNSPECIFIED,
              req.coproduction_type == s.coproduction_type, kDefaultCoproductionType) &&
         same(req.occurred_at_ns == 0, req.occurred_at_ns == s.occurred_at_ns,
              kDefaultOccurredAt) &&
         // Erased texts cannot be compared; a retry after erasure is the same transfer.
         (s.text_erased || (req.reference == s.reference && req.memo == s.memo)) &&
         req.pending_id == s.pending_id && req.timeout_s == s.timeout_s &&
         req.reverses_id == s.reverses_id;
}

// The ids of a transfer request are canonical and all name the community of the
// transfer's own id, so a transfer id is always in the community of its accounts
// (and of the transfer it resolves or reverses): two communities never collide on an
// id. Checked before any lookup, so the answer never depends on another community's
// data.
pb::CreateTransferResultCode CheckTransferIds(const Transfer& req) {
  const std::optional<LedgerId> id = ParseLedgerId(req.id);
  if (!id) return pb::CREATE_TRANSFER_ID_INVALID;
  if (id->ledger_made()) return pb::CREATE_TRANSFER_ID_RESERVED;
  struct Named {
    const std::string& value;
    pb::CreateTransferResultCode invalid;
    std::optional<uint64_t> community;
  };
  Named named[] = {
      {req.debit_account_id, pb::CREATE_TRANSFER_DEBIT_ACCOUNT_ID_INVALID, std::nullopt},
      {req.credit_account_id, pb::CREATE_TRANSFER_CREDIT_ACCOUNT_ID_INVALID, std::nullopt},
      {req.pending_id, pb::CREATE_TRANSFER_PENDING_ID_INVALID, std::nullopt},
      {req.reverses_id, pb::CREATE_TRANSFER_REVERSES_ID_INVALID, std::nullopt},
  };
  for (Named& n : named) {
    if (n.value.empty()) continue;
    n.community = CommunityOfId(n.value);
    if (!n.community) return n.invalid;
  }
  if (named[0].community && named[1].community && *named[0].community != *named[1].community) {
    return pb::CREATE_TRANSFER_COMMUNITY_MISMATCH;
  }
  for (const Named& n : named) {
    if (n.community && *n.community != id->community_id) {
      return pb::CREATE_TRANSFER_ID_COMMUNITY_MISMATCH;
    }
  }
  return pb::CREATE_TRANSFER_CREATED;
}

}  // namespace

LedgerState::LedgerState(TransferLookup* lookup, LedgerLimits limits)
    : lookup_(lookup), limits_(limits) {
  TB_CHECK(lookup_ != nullptr);
}

LedgerState::Slot* LedgerState::FindSlot(std::string_view id) const {
  auto it = by_id_.find(AsAbsl(id));
  return it == by_id_.end() ? nullptr : it->second;
}

void LedgerState::Touch(Slot* slot) {
  if (!slot->dirty) {
    slot->dirty = true;
    dirty_.push_back(slot);
  }
}

void LedgerState::SaveBalances(Slot* slot) {
  Undo u(Undo::Kind::kBalances);
  u.slot = slot;
  u.balances = slot->working;
  undo_.push_back(std::move(u));
}

// ---- Accounts ---------------------------------------------------------------------

pb::CreateAccountResultCode LedgerState::ValidateAccount(AccountView& request,
                                                         uint64_t* existing_seq) const {
  AccountInfo& a = request.info;
  const std::optional<LedgerId> id = ParseLedgerId(a.id);
  if (!id) return pb::CREATE_ACCOUNT_ID_INVALID;
  if (a.community_id == 0) return pb::CREATE_ACCOUNT_COMMUNITY_ID_REQUIRED;
  if (id->community_id != a.community_id) return pb::CREATE_ACCOUNT_COMMUNITY_ID_MISMATCH;
  if (!IsUnit(a.unit)) return pb::CREATE_ACCOUNT_UNIT_INVALID;
  if (a.owner_kind == pb::OWNER_KIND_UNSPECIFIED || !pb::OwnerKind_IsValid(a.owner_kind)) {
    return pb::CREATE_ACCOUNT_OWNER_KIND_REQUIRED;
  }
  // Normalised in place (the text rule), so a retry compares equal with what is stored.
  if (NormaliseTextInPlace(&a.owner_ref, {kMaxOwnerRefBytes})) {
    return pb::CREATE_ACCOUNT_OWNER_REF_INVALID;
  }
  if (a.min_balance > 0) return pb::CREATE_ACCOUNT_MIN_BALANCE_MUST_NOT_BE_POSITIVE;
  if (a.max_balance < 0) return pb::CREATE_ACCOUNT_MAX_BALANCE_MUST_NOT_BE_NEGATIVE;
  if (a.status != pb::ACCOUNT_STATUS_UNSPECIFIED && a.status != pb::ACCOUNT_STATUS_OPEN) {
    return pb::CREATE_ACCOUNT_STATUS_MUST_BE_OPEN;
  }
  if (request.balances != Balances{}) return pb::CREATE_ACCOUNT_BALANCES_MUST_BE_ZERO;
  // Only a valid request is compared with an existing account, so every field a
  // client sets decides EXISTS (status and balances can only be as at creation).
  if (const Slot* existing = FindSlot(a.id)) {
    *existing_seq = existing->info.created_seq;
    const AccountInfo& e = existing->info;
    const bool same = e.community_id == a.community_id && e.unit == a.unit &&
                      e.owner_kind == a.owner_kind && e.owner_ref == a.owner_ref &&
                      e.min_balance == a.min_balance && e.max_balance == a.max_balance;
    return same ? pb::CREATE_ACCOUNT_EXISTS : pb::CREATE_ACCOUNT_EXISTS_WITH_DIFFERENT_FIELDS;
  }
  if (slots_.size() >= limits_.max_accounts) return pb::CREATE_ACCOUNT_LEDGER_FULL;
  return pb::CREATE_ACCOUNT_CREATED;
}

AccountInfo LedgerState::ResolveAccount(const AccountView& request) const {
  AccountInfo info = request.info;
  info.status = pb::ACCOUNT_STATUS_OPEN;
  info.number = slots_.size() + 1;
  return info;
}

absl::StatusOr<bool> LedgerState::ValidateStatusChange(const StatusChange& change) const {
  const Slot* slot = FindSlot(change.account_id);
  if (slot == nullptr) {
    return absl::NotFoundError(absl::StrCat("account '", change.account_id, "' does not exist"));
  }
  if (change.status != pb::ACCOUNT_STATUS_OPEN && change.status != pb::ACCOUNT_STATUS_FROZEN &&
      change.status != pb::ACCOUNT_STATUS_CLOSED) {
    return absl::InvalidArgumentError("status: must be OPEN, FROZEN or CLOSED");
  }
  if (change.reason.empty()) {
    return absl::InvalidArgumentError("reason: required, one line of text, at most 512 bytes");
  }
  TB_RETURN_IF_ERROR(CheckText("reason", change.reason, {kMaxMemoBytes}));
  if (slot->status == change.status) return false;
  if (slot->status == pb::ACCOUNT_STATUS_CLOSED) {
    return absl::FailedPreconditionError("a closed account cannot be reopened; open a new one");
  }
  const Balances& b = slot->working;
  if (change.status == pb::ACCOUNT_STATUS_CLOSED &&
      (b.balance() != 0 || b.debits_pending != 0 || b.credits_pending != 0)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "account '", change.account_id, "' has balance ", b.balance(), " and pending ",
        b.debits_pending + b.credits_pending,
        "; transfer the balance away and resolve pending transfers before closing it"));
  }
  return true;
}

// ---- Transfers --------------------------------------------------------------------

namespace {

// The text rule's refusal as a transfer's result code (docs/API.md): ill-formed UTF-8,
// too long once normalised, or a forbidden character (control, line break, bidi control).
pb::CreateTransferResultCode TextCode(const TextProblem& p,
                                      pb::CreateTransferResultCode invalid_utf8,
                                      pb::CreateTransferResultCode too_long,
                                      pb::CreateTransferResultCode forbidden) {
  switch (p.kind) {
    case TextProblem::Kind::kInvalidUtf8:
      return invalid_utf8;
    case TextProblem::Kind::kTooLong:
      return too_long;
    default:
      return forbidden;
  }
}

pb::CreateTransferResultCode NormaliseTransferText(Transfer& t) {
  if (std::optional<TextProblem> p = NormaliseTextInPlace(&t.memo, {kMaxMemoBytes})) {
    return TextCode(*p, pb::CREATE_TRANSFER_MEMO_INVALID_UTF8, pb::CREATE_TRANSFER_MEMO_TOO_LONG,
                    pb::CREATE_TRANSFER_MEMO_FORBIDDEN_CHARACTER);
  }
  if (std::optional<TextProblem> p = NormaliseTextInPlace(&t.reference, {kMaxReferenceBytes})) {
    return TextCode(*p, pb::CREATE_TRANSFER_REFERENCE_INVALID_UTF8,
                    pb::CREATE_TRANSFER_REFERENCE_TOO_LONG,
                    pb::CREATE_TRANSFER_REFERENCE_FORBIDDEN_CHARACTER);
  }
  return pb::CREATE_TRANSFER_CREATED;
}

}  // namespace

absl::StatusOr<std::optional<StoredTransfer>> LedgerState::FindTransfer(std::string_view id) {
  if (auto it = overlay_.find(AsAbsl(id)); it != overlay_.end()) return it->second.stored;
  TB_ASSIGN_OR_RETURN(std::optional<StoredTransfer> found, lookup_->Find(id));
  if (found) {
    // Cache it: a post, void or reversal that follows will change it in the overlay.
    overlay_[std::string(id)] = OverlayEntry{*found, 0};
    overlay_order_.emplace_back(0, std::string(id));
  }
  return found;
}

pb::CreateTransferResultCode LedgerState::CheckAccounts(const Transfer& t, bool allow_frozen,
                                                        Slot** debit, Slot** credit) const {
  *debit = FindSlot(t.debit_account_id);
  *credit = FindSlot(t.credit_account_id);
  if (*debit == nullptr) return pb::CREATE_TRANSFER_DEBIT_ACCOUNT_NOT_FOUND;
  if (*credit == nullptr) return pb::CREATE_TRANSFER_CREDIT_ACCOUNT_NOT_FOUND;
  auto usable = [allow_frozen](pb::AccountStatus s) {
    return s == pb::ACCOUNT_STATUS_OPEN || (allow_frozen && s == pb::ACCOUNT_STATUS_FROZEN);
  };
  if (!usable((*debit)->status)) return pb::CREATE_TRANSFER_DEBIT_ACCOUNT_NOT_OPEN;
  if (!usable((*credit)->status)) return pb::CREATE_TRANSFER_CREDIT_ACCOUNT_NOT_OPEN;
  if ((*debit)->info.community_id != (*credit)->info.community_id) {
    return pb::CREATE_TRANSFER_COMMUNITY_MISMATCH;
  }
  if ((*debit)->info.unit != (*credit)->info.unit) return pb::CREATE_TRANSFER_UNIT_MISMATCH;
  return pb::CREATE_TRANSFER_CREATED;
}

absl::StatusOr<pb::CreateTransferResultCode> LedgerState::ValidateTransfer(
    Transfer& req, int64_t now_ns, Transfer* out, TransferRecord* existing) {
  if (const pb::CreateTransferResultCode ids = CheckTransferIds(req);
      ids != pb::CREATE_TRANSFER_CREATED) {
    return ids;
  }
  if (const pb::CreateTransferResultCode text = NormaliseTransferText(req);
      text != pb::CREATE_TRANSFER_CREATED) {
    return text;
  }
  TB_ASSIGN_OR_RETURN(std::optional<StoredTransfer> found, FindTransfer(req.id));
  if (found) {
    *existing = found->record;
    const bool same = SameRequest(req, found->transfer);
    *out = std::move(found->transfer);
    return same ? pb::CREATE_TRANSFER_EXISTS : pb::CREATE_TRANSFER_EXISTS_WITH_DIFFERENT_FIELDS;
  }

  const int phases = req.is(kPending) + req.is(kPostPending) + req.is(kVoidPending);
  if (phases > 1 || req.is(kExpiry)) return pb::CREATE_TRANSFER_FLAGS_ARE_MUTUALLY_EXCLUSIVE;
  const bool resolves = req.is(kPostPending) || req.is(kVoidPending);
  if (!pb::TransferKind_IsValid(req.kind)) return pb::CREATE_TRANSFER_KIND_INVALID;
  if (req.kind == pb::TRANSFER_KIND_UNSPECIFIED && !resolves) {
    return pb::CREATE_TRANSFER_KIND_REQUIRED;
  }
  const bool reversal = req.kind == pb::TRANSFER_KIND_REVERSAL;
  if (reversal && phases > 0) return pb::CREATE_TRANSFER_FLAGS_ARE_MUTUALLY_EXCLUSIVE;
  if (!pb::CoproductionType_IsValid(req.coproduction_type)) {
    return pb::CREATE_TRANSFER_COPRODUCTION_TYPE_INVALID;
  }
  if (req.occurred_at_ns < 0) return pb::CREATE_TRANSFER_OCCURRED_AT_INVALID;
  if (req.occurred_at_ns > now_ns + kMaxClockSkewNs) {
    return pb::CREATE_TRANSFER_OCCURRED_AT_IN_FUTURE;
  }
  if (req.timeout_s != 0 && !req.is(kPending)) return pb::CREATE_TRANSFER_TIMEOUT_REQUIRES_PENDING;
  if (req.timeout_s > kMaxTimeoutS) return pb::CREATE_TRANSFER_TIMEOUT_TOO_LONG;
  if (resolves && req.pending_id.empty()) return pb::CREATE_TRANSFER_PENDING_ID_REQUIRED;
  if (!resolves && !req.pending_id.empty()) return pb::CREATE_TRANSFER_PENDING_ID_MUST_BE_EMPTY;
  if (reversal && req.reverses_id.empty()) return pb::CREATE_TRANSFER_REVERSES_ID_REQUIRED;
  if (!reversal && !req.reverses_id.empty()) {
    return pb::CREATE_TRANSFER_REVERSES_ID_MUST_BE_EMPTY;
  }
  if (reversal && req.memo.empty()) return pb::CREATE_TRANSFER_REVERSAL_REASON_REQUIRED;
  if (req.amount < 0) return pb::CREATE_TRANSFER_AMOUNT_MUST_BE_POSITIVE;
  if (req.amount > kMaxAmount) return pb::CREATE_TRANSFER_AMOUNT_TOO_LARGE;

  // Past here the request is not needed again: take its strings instead of copying.
  *out = std::move(req);
  out->defaulted = 0;  // Append adds kDefaultOccurredAt
  // What the ledger fills in for a post, void or reversal (from the transfer it
  // completes or undoes), recorded so that a retry must leave the same fields unset.
  if (resolves || reversal) {
    if (out->debit_account_id.empty()) out->defaulted |= kDefaultDebitAccount;
    if (out->credit_account_id.empty()) out->defaulted |= kDefaultCreditAccount;
    if (out->amount == 0) out->defaulted |= kDefaultAmount;
    if (out->kind == pb::TRANSFER_KIND_UNSPECIFIED) out->defaulted |= kDefaultKind;
    if (out->coproduction_type == pb::COPRODUCTION_TYPE_UNSPECIFIED) {
      out->defaulted |= kDefaultCoproductionType;
    }
  }
  if (resolves) {
    TB_ASSIGN_OR_RETURN(std::optional<StoredTransfer> p, FindTransfer(out->pending_id));
    if (!p) return pb::CREATE_TRANSFER_PENDING_TRANSFER_NOT_FOUND;
    switch (p->record.state) {
      case pb::TRANSFER_STATE_PENDING:
        break;
      case pb::TRANSFER_STATE_PENDING_POSTED:
        return pb::CREATE_TRANSFER_PENDING_TRANSFER_ALREADY_POSTED;
      case pb::TRANSFER_STATE_PENDING_VOIDED:
        return pb::CREATE_TRANSFER_PENDING_TRANSFER_ALREADY_VOIDED;
      case pb::TRANSFER_STATE_PENDING_EXPIRED:
        return pb::CREATE_TRANSFER_PENDING_TRANSFER_EXPIRED;
      default:
        return pb::CREATE_TRANSFER_PENDING_TRANSFER_NOT_PENDING;
    }
    // Due but not yet processed by the timer counts as expired.
    if (auto e = expiry_by_id_.find(out->pending_id);
        e != expiry_by_id_.end() && e->second <= now_ns) {
      return pb::CREATE_TRANSFER_PENDING_TRANSFER_EXPIRED;
    }
    const Transfer& pt = p->transfer;
    if ((!out->debit_account_id.empty() && out->debit_account_id != pt.debit_account_id) ||
        (!out->credit_account_id.empty() && out->credit_account_id != pt.credit_account_id)) {
      return pb::CREATE_TRANSFER_PENDING_TRANSFER_HAS_DIFFERENT_ACCOUNTS;
    }
    out->debit_account_id = pt.debit_account_id;
    out->credit_account_id = pt.credit_account_id;
    out->pending_amount = pt.amount;
    if (out->kind == pb::TRANSFER_KIND_UNSPECIFIED) out->kind = pt.kind;
    if (out->coproduction_type == pb::COPRODUCTION_TYPE_UNSPECIFIED) {
      out->coproduction_type = pt.coproduction_type;
    }
    if (req.is(kPostPending)) {
      if (req.amount > pt.amount) return pb::CREATE_TRANSFER_EXCEEDS_PENDING_AMOUNT;
      out->amount = req.amount == 0 ? pt.amount : req.amount;
    } else {
      if (req.amount != 0 && req.amount != pt.amount) {
        return pb::CREATE_TRANSFER_EXCEEDS_PENDING_AMOUNT;
      }
      out->amount = pt.amount;
    }
  } else if (reversal) {
    TB_ASSIGN_OR_RETURN(std::optional<StoredTransfer> o, FindTransfer(out->reverses_id));
    if (!o) return pb::CREATE_TRANSFER_REVERSAL_TARGET_NOT_FOUND;
    const Transfer& ot = o->transfer;
    if (ot.kind == pb::TRANSFER_KIND_REVERSAL)
      return pb::CREATE_TRANSFER_REVERSAL_TARGET_IS_REVERSAL;
    if (o->record.state != pb::TRANSFER_STATE_POSTED || ot.is(kVoidPending)) {
      return pb::CREATE_TRANSFER_REVERSAL_TARGET_NOT_POSTED;
    }
    if (o->record.reversed) return pb::CREATE_TRANSFER_REVERSAL_TARGET_ALREADY_REVERSED;
    if ((!out->debit_account_id.empty() && out->debit_account_id != ot.credit_account_id) ||
        (!out->credit_account_id.empty() && out->credit_account_id != ot.debit_account_id) ||
        (req.amount != 0 && req.amount != ot.amount)) {
      return pb::CREATE_TRANSFER_REVERSAL_DIFFERENT_ACCOUNTS_OR_AMOUNT;
    }
    out->debit_account_id = ot.credit_account_id;
    out->credit_account_id = ot.debit_account_id;
    out->amount = ot.amount;
    if (out->coproduction_type == pb::COPRODUCTION_TYPE_UNSPECIFIED) {
      out->coproduction_type = ot.coproduction_type;
    }
  } else {
    if (out->debit_account_id.empty()) return pb::CREATE_TRANSFER_DEBIT_ACCOUNT_ID_INVALID;
    if (out->credit_account_id.empty()) return pb::CREATE_TRANSFER_CREDIT_ACCOUNT_ID_INVALID;
    if (req.amount == 0) return pb::CREATE_TRANSFER_AMOUNT_MUST_BE_POSITIVE;
  }

  if (out->debit_account_id == out->credit_account_id) return pb::CREATE_TRANSFER_SAME_ACCOUNT;
  Slot* debit = nullptr;
  Slot* credit = nullptr;
  // Corrections and releases may touch frozen accounts; nothing touches a closed one.
  const pb::CreateTransferResultCode accounts =
      CheckAccounts(*out, reversal || out->is(kVoidPending), &debit, &credit);
  if (accounts != pb::CREATE_TRANSFER_CREATED) return accounts;
  out->community_id = debit->info.community_id;
  out->unit = debit->info.unit;

  Balances d = debit->working;
  Balances c = credit->working;
  if (!TryApplyBalanceEffects(*out, &d, &c)) return pb::CREATE_TRANSFER_OVERFLOWS;
  if (!out->is(kVoidPending)) {
    if (!WithinMinBalance(d, debit->info.min_balance)) {
      return pb::CREATE_TRANSFER_EXCEEDS_MIN_BALANCE;
    }
    if (!WithinMaxBalance(c, credit->info.max_balance)) {
      return pb::CREATE_TRANSFER_EXCEEDS_MAX_BALANCE;
    }
  }
  if (out->is(kPending) && out->timeout_s > 0 &&
      expiry_by_id_.size() >= limits_.max_timed_pending) {
    return pb::CREATE_TRANSFER_PENDING_LIMIT_REACHED;
  }
  return pb::CREATE_TRANSFER_CREATED;
}

absl::StatusOr<Transfer> LedgerState::ResolveExpiry(std::string_view pending_id) {
  TB_ASSIGN_OR_RETURN(std::optional<StoredTransfer> p, FindTransfer(pending_id));
  TB_CHECK(p.has_value() && p->record.state == pb::TRANSFER_STATE_PENDING);
  const Transfer& pt = p->transfer;
  Transfer t;
  t.id = PendingExpiryId(pt.community_id, pt.seq);
  t.debit_account_id = pt.debit_account_id;
  t.credit_account_id = pt.credit_account_id;
  t.amount = pt.amount;
  t.pending_amount = pt.amount;
  t.kind = pt.kind;
  t.coproduction_type = pt.coproduction_type;
  t.flags = kVoidPending | kExpiry;
  t.pending_id = std::string(pending_id);
  t.memo = "pending transfer expired";
  t.community_id = pt.community_id;
  t.unit = pt.unit;
  return t;
}

// ---- Applying committed entries -------------------------------------------------

absl::Status LedgerState::Apply(JournalEntry& entry) {
  switch (entry.type) {
    case EntryType::kAccountCreated: {
      const AccountInfo& info = entry.account;
      TB_CHECK(info.number == slots_.size() + 1);
      TB_CHECK(FindSlot(info.id) == nullptr);
      TB_CHECK(CommunityOfId(info.id) == info.community_id);  // ids are community-scoped
      Slot& slot = slots_.emplace_back();
      slot.info = info;
      slot.info.status = pb::ACCOUNT_STATUS_OPEN;
      slot.info.created_seq = entry.seq;
      slot.info.created_at_ns = entry.recorded_at_ns;
      by_id_.emplace(slot.info.id, &slot);
      Undo u(Undo::Kind::kAccountAdded);
      u.slot = &slot;
      undo_.push_back(std::move(u));
      Touch(&slot);
      return absl::OkStatus();
    }
    case EntryType::kAccountStatus: {
      Slot* slot = FindSlot(entry.status_change.account_id);
      TB_CHECK(slot != nullptr);
      Undo u(Undo::Kind::kStatus);
      u.slot = slot;
      u.status = slot->status;
      undo_.push_back(std::move(u));
      slot->status = entry.status_change.status;
      Touch(slot);
      return absl::OkStatus();
    }
    case EntryType::kTransfer:
      return ApplyTransfer(entry);
  }
  return absl::InternalError("unknown journal entry type");
}

absl::StatusOr<LedgerState::OverlayEntry*> LedgerState::OverlayFor(std::string_view id) {
  if (auto it = overlay_.find(AsAbsl(id)); it != overlay_.end()) return &it->second;
  TB_ASSIGN_OR_RETURN(std::optional<StoredTransfer> found, FindTransfer(id));
  if (!found) {
    return absl::DataLossError(
        absl::StrCat("journal refers to transfer '", AsAbsl(id), "' which the ledger cannot find"));
  }
  return &overlay_.find(AsAbsl(id))->second;
}

absl::Status LedgerState::ApplyTransfer(JournalEntry& entry) {
  Transfer& t = entry.transfer;
  TB_CHECK(t.seq == entry.seq);
  Slot* debit = FindSlot(t.debit_account_id);
  Slot* credit = FindSlot(t.credit_account_id);
  TB_CHECK(debit != nullptr && credit != nullptr && debit != credit);
  TB_CHECK(debit->info.community_id == credit->info.community_id);
  TB_CHECK(debit->info.unit == credit->info.unit);
  TB_CHECK(t.community_id == debit->info.community_id && t.unit == debit->info.unit);
  TB_CHECK(CommunityOfId(t.id) == t.community_id);  // ids are community-scoped

  // Resolve the records this transfer changes first: that may read the store, and
  // nothing must have changed if it fails.
  RecordChange changes[2];
  const int n = RecordChangesOf(t, changes);
  OverlayEntry* targets[2] = {nullptr, nullptr};
  for (int i = 1; i < n; ++i) {
    TB_ASSIGN_OR_RETURN(targets[i], OverlayFor(changes[i].id));
  }

  SaveBalances(debit);
  SaveBalances(credit);
  ApplyBalanceEffects(t, &debit->working, &credit->working);
  if (!t.is(kVoidPending)) {
    TB_CHECK(WithinMinBalance(debit->working, debit->info.min_balance));
    TB_CHECK(WithinMaxBalance(credit->working, credit->info.max_balance));
  }
  Touch(debit);
  Touch(credit);

  if (t.is(kPending) && t.timeout_s > 0) {
    AddExpiry(t.id, t.expires_at_ns());
  }
  if (t.is(kPostPending) || t.is(kVoidPending)) RemoveExpiry(t.pending_id);

  // Targets first: inserting the new record may rehash the overlay and move them.
  // The new record goes last because it takes ownership of `t`.
  for (int i = n - 1; i >= 0; --i) {
    Undo u(Undo::Kind::kOverlay);
    u.id = std::string(changes[i].id);
    if (i == 0) {
      TB_CHECK(!overlay_.contains(t.id));
      OverlayEntry& e = overlay_[t.id];
      ApplyRecordChange(changes[0], entry.seq, &e.stored.record);
      e.changed_seq = entry.seq;
      e.stored.transfer = std::move(t);
    } else {
      u.overlay = *targets[i];
      ApplyRecordChange(changes[i], entry.seq, &targets[i]->stored.record);
      targets[i]->changed_seq = entry.seq;
    }
    overlay_order_.emplace_back(entry.seq, u.id);
    undo_.push_back(std::move(u));
  }

  return absl::OkStatus();
}

void LedgerState::AddExpiry(const std::string& id, int64_t expires_at_ns) {
  expiry_.emplace(expires_at_ns, id);
  expiry_by_id_[id] = expires_at_ns;
  Undo u(Undo::Kind::kExpiryAdded);
  u.id = id;
  u.expires_at_ns = expires_at_ns;
  undo_.push_back(std::move(u));
}

void LedgerState::RemoveExpiry(const std::string& id) {
  auto it = expiry_by_id_.find(AsAbsl(id));
  if (it == expiry_by_id_.end()) return;
  Undo u(Undo::Kind::kExpiryRemoved);
  u.id = id;
  u.expires_at_ns = it->second;
  expiry_.erase({it->second, id});
  expiry_by_id_.erase(it);
  undo_.push_back(std::move(u));
}

void LedgerState::RollbackTo(size_t mark) {
  TB_CHECK(mark <= undo_.size());
  while (undo_.size() > mark) {
    Undo& u = undo_.back();
    switch (u.kind) {
      case Undo::Kind::kBalances:
        u.slot->working = u.balances;
        break;
      case Undo::Kind::kAccountAdded:
        TB_CHECK(!slots_.empty() && &slots_.back() == u.slot);
        TB_CHECK(slots_.size() > published_count_);
        by_id_.erase(u.slot->info.id);
        dirty_.erase(std::remove(dirty_.begin(), dirty_.end(), u.slot), dirty_.end());
        slots_.pop_back();
        break;
      case Undo::Kind::kStatus:
        u.slot->status = u.status;
        break;
      case Undo::Kind::kOverlay:
        if (u.overlay) {
          overlay_[u.id] = std::move(*u.overlay);
        } else {
          overlay_.erase(u.id);
        }
        break;
      case Undo::Kind::kExpiryAdded:
        expiry_.erase({u.expires_at_ns, u.id});
        expiry_by_id_.erase(u.id);
        break;
      case Undo::Kind::kExpiryRemoved:
        expiry_.emplace(u.expires_at_ns, u.id);
        expiry_by_id_[u.id] = u.expires_at_ns;
        break;
    }
    undo_.pop_back();
  }
}

void LedgerState::Publish() {
  absl::MutexLock lock(&pub_mu_);
  for (size_t i = published_count_; i < slots_.size(); ++i) {
    const Slot* slot = &slots_[i];
    pub_by_id_.emplace(slot->info.id, slot);
    pub_by_community_.emplace(std::make_pair(slot->info.community_id, slot->info.id), slot);
  }
  published_count_ = slots_.size();
  for (Slot* slot : dirty_) {
    slot->published = slot->working;
    slot->published_status = slot->status;
    slot->dirty = false;
  }
  dirty_.clear();
}

void LedgerState::PruneOverlay(uint64_t indexed_through_seq) {
  TB_CHECK(undo_.empty());
  while (!overlay_order_.empty() && overlay_order_.front().first <= indexed_through_seq) {
    auto it = overlay_.find(overlay_order_.front().second);
    if (it != overlay_.end() && it->second.changed_seq <= indexed_through_seq) overlay_.erase(it);
    overlay_order_.pop_front();
  }
}

std::vector<std::string> LedgerState::DuePending(int64_t now_ns, size_t max) const {
  std::vector<std::string> due;
  for (auto it = expiry_.begin(); it != expiry_.end() && it->first <= now_ns && due.size() < max;
       ++it) {
    due.push_back(it->second);
  }
  return due;
}

std::optional<int64_t> LedgerState::NextExpiry() const {
  if (expiry_.empty()) return std::nullopt;
  return expiry_.begin()->first;
}

std::string LedgerState::InvariantViolation() const {
  struct Sums {
    __int128 balance = 0;
    __int128 debits_pending = 0;
    __int128 credits_pending = 0;
  };
  std::map<std::pair<uint64_t, std::string>, Sums> sums;
  for (const Slot& s : slots_) {
    const Balances& b = s.working;
    if (b.debits_posted < 0 || b.credits_posted < 0 || b.debits_pending < 0 ||
        b.credits_pending < 0) {
      return absl::StrCat("account ", s.info.id, " has a negative total");
    }
    if (!WithinMinBalance(b, s.info.min_balance) || !WithinMaxBalance(b, s.info.max_balance)) {
      return absl::StrCat("account ", s.info.id, " is outside its balance limits");
    }
    Sums& sum = sums[{s.info.community_id, s.info.unit}];
    sum.balance += b.balance();
    sum.debits_pending += b.debits_pending;
    sum.credits_pending += b.credits_pending;
  }
  for (const auto& [key, sum] : sums) {
    if (sum.balance != 0) {
      return absl::StrCat("balances of community ", key.first, " unit ", key.second,
                          " do not sum to zero");
    }
    if (sum.debits_pending != sum.credits_pending) {
      return absl::StrCat("pending amounts of community ", key.first, " unit ", key.second,
                          " do not balance");
    }
  }
  return "";
}

void LedgerState::LoadAccount(const AccountInfo& info, const Balances& balances) {
  TB_CHECK(info.number == slots_.size() + 1);
  TB_CHECK(undo_.empty());
  Slot& slot = slots_.emplace_back();
  slot.info = info;
  slot.status = info.status;
  slot.working = balances;
  by_id_.emplace(slot.info.id, &slot);
  Touch(&slot);
}

void LedgerState::ApplyBalancesOnly(const JournalEntry& entry) {
  if (entry.type != EntryType::kTransfer) return;
  Slot* debit = FindSlot(entry.transfer.debit_account_id);
  Slot* credit = FindSlot(entry.transfer.credit_account_id);
  TB_CHECK(debit != nullptr && credit != nullptr);
  ApplyBalanceEffects(entry.transfer, &debit->working, &credit->working);
}

std::vector<Balances> LedgerState::WorkingBalances() const {
  std::vector<Balances> out;
  out.reserve(slots_.size());
  for (const Slot& s : slots_) out.push_back(s.working);
  return out;
}

void LedgerState::LoadExpiry(std::string id, int64_t expires_at_ns) {
  expiry_by_id_[id] = expires_at_ns;
  expiry_.emplace(expires_at_ns, std::move(id));
}

// ---- Readers ----------------------------------------------------------------------

std::vector<std::optional<AccountView>> LedgerState::ReadAccounts(
    const std::vector<std::string>& ids) const {
  std::vector<std::optional<AccountView>> out;
  out.reserve(ids.size());
  absl::ReaderMutexLock lock(&pub_mu_);
  for (const std::string& id : ids) {
    auto it = pub_by_id_.find(AsAbsl(id));
    if (it == pub_by_id_.end()) {
      out.emplace_back(std::nullopt);
      continue;
    }
    AccountView v{it->second->info, it->second->published};
    v.info.status = it->second->published_status;
    out.emplace_back(std::move(v));
  }
  return out;
}

Page<AccountView, std::string> LedgerState::ListAccounts(uint64_t community_id,
                                                         std::string_view unit,
                                                         std::string_view after_id,
                                                         size_t limit) const {
  // In memory, so no scan budget: every account of the community may be visited.
  PageBuilder<AccountView, std::string> page(limit, std::numeric_limits<size_t>::max());
  absl::ReaderMutexLock lock(&pub_mu_);
  auto it = pub_by_community_.upper_bound(std::make_pair(community_id, std::string(after_id)));
  for (; it != pub_by_community_.end() && it->first.first == community_id; ++it) {
    const Slot* s = it->second;
    if (!page.Visit(s->info.id)) break;
    if (!unit.empty() && s->info.unit != unit) continue;
    AccountView v{s->info, s->published};
    v.info.status = s->published_status;
    page.Add(std::move(v));
  }
  return std::move(page).Finish();
}

}  // namespace timebank::ledger
