// What the activity service posts to the ledger for an activity, and what it records
// on the activity when the ledger answers: the accounts an activity moves time
// between, the transfer for each kind of posting (the transfer, its reversal, the
// post of a reservation, the reservation itself), with ids derived from the activity
// so a retry never posts twice. ActivityBook::Dispatch (ledger_posting.cc) posts the
// outbox with these.
#ifndef TIMEBANK_SERVICES_ACTIVITY_LEDGER_POSTING_H_
#define TIMEBANK_SERVICES_ACTIVITY_LEDGER_POSTING_H_

#include <string>
#include <utility>

#include "services/activity/activity_records.h"
#include "services/common/ledger_poster.h"
#include "timebank/activity/v1/activity.pb.h"
#include "timebank/ledger/v1/ledger.pb.h"

namespace timebank::activity {

// The accounts an activity moves time between: debit (receives the service, or gives
// the credits away) and credit.
std::pair<std::string, std::string> Accounts(const apb::Activity& a);

// The transfer an outbox entry of kind `posting` (not kNone) posts for `a`.
::timebank::ledger::v1::Transfer TransferFor(const apb::Activity& a, Posting posting);

// The pending transfer that reserves a donation's or redemption's credits before it is
// recorded; the ledger releases it by itself if the record is never written.
inline constexpr int64_t kReservationTimeoutS = 3600;
::timebank::ledger::v1::Transfer ReservationFor(const apb::Activity& a);

// Records on `a` what the ledger did with its `posting`.
void RecordPosting(Posting posting, const PostingOutcome& outcome, apb::Activity* a);

}  // namespace timebank::activity

#endif  // TIMEBANK_SERVICES_ACTIVITY_LEDGER_POSTING_H_
