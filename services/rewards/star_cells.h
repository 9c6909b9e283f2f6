// The API's view of the Coproduction Star totals a projection record keeps: one
// StarCell per type with any time, in type order. Member summaries and dashboard
// periods both show a record's Star this way.
#ifndef TIMEBANK_SERVICES_REWARDS_STAR_CELLS_H_
#define TIMEBANK_SERVICES_REWARDS_STAR_CELLS_H_

#include "google/protobuf/repeated_ptr_field.h"
#include "services/rewards/rewards_records.h"
#include "timebank/rewards/v1/rewards.pb.h"

namespace timebank::rewards {

// Appends a cell to `out` for each type of `totals` with minutes (types past
// kStarTypes, which no record should hold, are left out).
void AppendStarCells(const rpb::StarTotals& totals,
                     google::protobuf::RepeatedPtrField<::timebank::rewards::v1::StarCell>* out);

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_STAR_CELLS_H_
