// Projector folds the ledger's journal into the rewards projection: for every posted
// transfer of time it adds what the transfer means for the people involved (minutes
// given and received, partners, organisations, the Coproduction Star, donations and
// redemptions) to their lifetime records and to the weeks and months it happened in;
// a transfer that posts a reservation counts then, a reversal subtracts exactly what
// its target added. Money (the expenses book) and accounts the directory did not open
// are not counted. Pure over a ProjectionTx: no I/O of its own beyond the records.
#ifndef TIMEBANK_SERVICES_REWARDS_PROJECTOR_H_
#define TIMEBANK_SERVICES_REWARDS_PROJECTOR_H_

#include "absl/status/status.h"
#include "services/rewards/projection_tx.h"
#include "services/rewards/zone_book.h"
#include "timebank/ledger/v1/ledger.pb.h"
#include "timebank/rewards/v1/rewards_records.pb.h"

namespace timebank::rewards {

// What one journal entry counted: a transfer's facts counted in (sign +1) or out (-1,
// a reversal or a void); sign 0 when the entry counts nothing.
struct Counted {
  std::string transfer_id;  // the transfer whose facts these are
  ::timebank::rewards::v1::TransferFacts facts;
  int sign = 0;
};

class Projector {
 public:
  // Every community named by the entries applied must have been Resolve()d in `zones`.
  explicit Projector(const ZoneBook* zones) : zones_(zones) {}

  // Adds `entry`'s effect to `tx`. Entries must come in journal order, each once (the
  // cursor committed with `tx` sees to that).
  absl::StatusOr<Counted> Apply(const ::timebank::ledger::v1::JournalEntry& entry,
                                ProjectionTx& tx) const;

  // The facts the projection counts for a transfer; kind 0 when it counts nothing.
  ::timebank::rewards::v1::TransferFacts FactsOf(const ::timebank::ledger::v1::Transfer& t) const;

  // Adds (sign +1) or removes (-1) what `facts` count.
  absl::Status Count(const ::timebank::rewards::v1::TransferFacts& facts, int sign,
                     ProjectionTx& tx) const;

 private:
  absl::Status CountLifetime(const ::timebank::rewards::v1::TransferFacts& f, int sign,
                             ProjectionTx& tx) const;
  absl::Status CountBuckets(const ::timebank::rewards::v1::TransferFacts& f, int sign,
                            ProjectionTx& tx) const;

  const ZoneBook* const zones_;
};

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_PROJECTOR_H_
