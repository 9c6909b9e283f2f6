#include "services/rewards/projector.h"

#include <optional>

#include "services/common/ids.h"
#include "services/common/timestamps.h"
#include "services/rewards/analysis/weeks.h"
#include "services/rewards/bucket_counts.h"
#include "services/rewards/rewards_records.h"
#include "storage/check.h"

namespace timebank::rewards {
namespace {

namespace lpb = ::timebank::ledger::v1;
using rpb::TransferFacts;

constexpr char kTimeUnit[] = "TIME";

// Which owners each kind needs: the debit side, then the credit side (0 = any).
struct Sides {
  char debit;
  char credit;
};
std::optional<Sides> SidesOf(int kind) {
  switch (kind) {
    case lpb::TRANSFER_KIND_EXCHANGE:
      return Sides{'m', 'm'};
    case lpb::TRANSFER_KIND_CONTRIBUTION:
      return Sides{'o', 'm'};
    case lpb::TRANSFER_KIND_DONATION:
      return Sides{'m', 0};
    case lpb::TRANSFER_KIND_REDEMPTION:
      return Sides{'m', 'o'};
    default:
      return std::nullopt;
  }
}

}  // namespace

TransferFacts Projector::FactsOf(const lpb::Transfer& t) const {
  TransferFacts f;
  const std::optional<Sides> sides = SidesOf(t.kind());
  if (!sides || t.unit() != kTimeUnit || t.amount() <= 0) return f;
  std::optional<AccountOwner> debit = ParseAccountId(t.debit_account_id());
  std::optional<AccountOwner> credit = ParseAccountId(t.credit_account_id());
  if (!debit || debit->kind != sides->debit) return f;
  if (sides->credit != 0 && (!credit || credit->kind != sides->credit)) return f;
  f.set_kind(t.kind());
  f.set_community_id(debit->community_id);
  f.set_debit_owner_kind(debit->kind);
  f.set_debit_owner_id(debit->id);
  if (credit) {
    f.set_credit_owner_kind(credit->kind);
    f.set_credit_owner_id(credit->id);
  }
  f.set_minutes(t.amount());
  f.set_star(t.coproduction_type());
  const absl::Time at =
      absl::FromUnixNanos(FromTimestamp(t.has_occurred_at() ? t.occurred_at() : t.recorded_at()));
  const absl::TimeZone tz = zones_->Zone(f.community_id());
  f.set_occurred_unix_ms(absl::ToUnixMillis(at));
  f.set_week(WeekIndex(at, tz));
  f.set_month(MonthIndex(at, tz));
  return f;
}

absl::StatusOr<Counted> Projector::Apply(const lpb::JournalEntry& entry, ProjectionTx& tx) const {
  Counted counted;
  if (!entry.has_transfer()) return counted;
  const lpb::Transfer& t = entry.transfer();
  if (t.kind() == lpb::TRANSFER_KIND_REVERSAL || t.void_pending()) {
    const std::string& target = t.void_pending() ? t.pending_id() : t.reverses_id();
    TB_ASSIGN_OR_RETURN(TransferFacts * f, tx.Mutable<TransferFacts>(TransferKey(target)));
    if (f->kind() != 0 && !f->pending()) {
      TB_RETURN_IF_ERROR(Count(*f, -1, tx));
      counted = {target, *f, -1};
    }
    f->Clear();  // counted out, or a reservation released: nothing left to undo
    return counted;
  }
  if (t.post_pending()) {
    TB_ASSIGN_OR_RETURN(TransferFacts * pending,
                        tx.Mutable<TransferFacts>(TransferKey(t.pending_id())));
    if (pending->kind() == 0) return counted;
    TransferFacts posted = *pending;
    pending->Clear();
    posted.set_pending(false);
    if (t.amount() > 0) posted.set_minutes(t.amount());
    TB_RETURN_IF_ERROR(Count(posted, +1, tx));
    counted = {t.id(), posted, +1};
    TB_ASSIGN_OR_RETURN(TransferFacts * kept, tx.Mutable<TransferFacts>(TransferKey(t.id())));
    *kept = std::move(posted);
    return counted;
  }
  TransferFacts f = FactsOf(t);
  if (f.kind() == 0) return counted;
  f.set_pending(t.pending());
  if (!f.pending()) {
    TB_RETURN_IF_ERROR(Count(f, +1, tx));
    counted = {t.id(), f, +1};
  }
  TB_ASSIGN_OR_RETURN(TransferFacts * kept, tx.Mutable<TransferFacts>(TransferKey(t.id())));
  *kept = std::move(f);
  return counted;
}

absl::Status Projector::Count(const TransferFacts& f, int sign, ProjectionTx& tx) const {
  TB_RETURN_IF_ERROR(CountLifetime(f, sign, tx));
  return CountBuckets(f, sign, tx);
}

}  // namespace timebank::rewards
