#include "services/activity/ledger_posting.h"

#include <map>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/activity/activity_book.h"
#include "services/common/ids.h"
#include "storage/check.h"

namespace timebank::activity {
namespace {

namespace lpb = ::timebank::ledger::v1;

lpb::TransferKind LedgerKind(apb::ActivityKind k) {
  switch (k) {
    case apb::ACTIVITY_KIND_CONTRIBUTION:
      return lpb::TRANSFER_KIND_CONTRIBUTION;
    case apb::ACTIVITY_KIND_DONATION:
      return lpb::TRANSFER_KIND_DONATION;
    case apb::ACTIVITY_KIND_REDEMPTION:
      return lpb::TRANSFER_KIND_REDEMPTION;
    default:
      return lpb::TRANSFER_KIND_EXCHANGE;
  }
}

// The accounts, amount, kind and memo every transfer moving the activity's time has.
void MoveTime(const apb::Activity& a, lpb::Transfer* t) {
  std::tie(*t->mutable_debit_account_id(), *t->mutable_credit_account_id()) = Accounts(a);
  t->set_amount(a.minutes());
  t->set_kind(LedgerKind(a.kind()));
  t->set_memo(a.description());
}

}  // namespace

std::pair<std::string, std::string> Accounts(const apb::Activity& a) {
  const uint64_t c = a.community_id();
  switch (a.kind()) {
    case apb::ACTIVITY_KIND_CONTRIBUTION:
      return {OrganisationAccountId(c, a.organisation_id()),
              MemberAccountId(c, a.provider_member_id())};
    case apb::ACTIVITY_KIND_DONATION:
      return {
          MemberAccountId(c, a.provider_member_id()),
          a.receiver_member_id() ? MemberAccountId(c, a.receiver_member_id()) : PoolAccountId(c)};
    case apb::ACTIVITY_KIND_REDEMPTION:
      return {MemberAccountId(c, a.provider_member_id()),
              OrganisationAccountId(c, a.organisation_id())};
    default:
      // A pool-funded group session's share: the community pays, not the receiver.
      return {a.pool_funded() ? PoolAccountId(c) : MemberAccountId(c, a.receiver_member_id()),
              MemberAccountId(c, a.provider_member_id())};
  }
}

lpb::Transfer TransferFor(const apb::Activity& a, Posting posting) {
  lpb::Transfer t;
  const uint64_t c = a.community_id();
  if (posting == Posting::kPostPending) {
    t.set_id(ActivityPostId(c, a.id()));
    t.set_post_pending(true);
    t.set_pending_id(ActivityTransferId(c, a.id()));
    MoveTime(a, &t);
  } else if (posting == Posting::kReversal) {
    t.set_id(ActivityReversalId(c, a.id()));
    t.set_kind(lpb::TRANSFER_KIND_REVERSAL);
    t.set_reverses_id(ActivityTransferId(c, a.id()));
    t.set_memo(a.reason().empty() ? "reversed" : a.reason());
  } else {
    t.set_id(ActivityTransferId(c, a.id()));
    MoveTime(a, &t);
    if (a.kind() == apb::ACTIVITY_KIND_CONTRIBUTION) t.set_coproduction_type(a.coproduction_type());
    *t.mutable_occurred_at() = a.occurred_at();
  }
  t.set_reference(absl::StrCat("communities/", c, "/activities/", a.id()));
  return t;
}

lpb::Transfer ReservationFor(const apb::Activity& a) {
  lpb::Transfer t;
  t.set_id(ActivityTransferId(a.community_id(), a.id()));
  MoveTime(a, &t);
  t.set_pending(true);
  t.set_timeout_s(kReservationTimeoutS);
  return t;
}

void RecordPosting(Posting posting, const PostingOutcome& outcome, apb::Activity* a) {
  std::string refused;  // why the ledger did not post it; "" when it is posted
  if (outcome.kind == PostingOutcome::Kind::kRefused) {
    refused = outcome.refusal;
  } else {
    TB_CHECK(outcome.results.size() == 1);
    const lpb::CreateTransferResultCode code = outcome.results[0].code();
    if (code != lpb::CREATE_TRANSFER_CREATED && code != lpb::CREATE_TRANSFER_EXISTS) {
      refused = lpb::CreateTransferResultCode_Name(code);
    }
  }
  // A reversal's outcome is the activity's too: "reversed, posted" once the ledger
  // holds the REVERSAL.
  a->set_posting_state(refused.empty() ? apb::POSTING_STATE_POSTED : apb::POSTING_STATE_REFUSED);
  if (!refused.empty()) {
    a->set_ledger_result(posting == Posting::kReversal ? absl::StrCat("reversal: ", refused)
                                                       : refused);
  }
}

size_t ActivityBook::OutboxSize() { return records_.outbox().Size(); }

absl::StatusOr<size_t> ActivityBook::Dispatch() {
  absl::MutexLock dispatching(&dispatch_mu_);
  size_t waiting = 0;
  TB_ASSIGN_OR_RETURN(std::vector<storage::OutboxEntry> entries,
                      records_.outbox().Oldest(ActivityLimits::kMaxDispatchBatch, &waiting));
  if (entries.empty()) return 0;
  std::vector<std::vector<lpb::Transfer>> postings;
  for (const storage::OutboxEntry& e : entries) {
    TB_ASSIGN_OR_RETURN(apb::Activity a, records_.Load(records_.Committed(), e.scope, e.id));
    postings.push_back({TransferFor(a, static_cast<Posting>(e.kind))});
  }
  const PostingReport report = poster_.Post(postings);  // no lock held: the ledger may be slow
  absl::MutexLock lock(&write_mu_);
  records::Tx tx = records_.NewTx();
  for (size_t i = 0; i < entries.size(); ++i) {
    const storage::OutboxEntry& e = entries[i];
    if (report.outcomes[i].kind == PostingOutcome::Kind::kNotSent) {
      ++waiting;
      continue;
    }
    // Read through the transaction: an activity with two entries in this round
    // (posted, then reversed) takes both outcomes.
    TB_ASSIGN_OR_RETURN(apb::Activity a, records_.Load(tx, e.scope, e.id));
    RecordPosting(static_cast<Posting>(e.kind), report.outcomes[i], &a);
    records_.Rewrite(tx, a);
    tx.Delete(e.key);
  }
  TB_RETURN_IF_ERROR(tx.Commit());
  TB_RETURN_IF_ERROR(report.unreachable);  // the rest waits: back off
  return waiting;
}

}  // namespace timebank::activity
