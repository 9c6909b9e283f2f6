#include "services/rewards/star_cells.h"

namespace timebank::rewards {

void AppendStarCells(const rpb::StarTotals& totals,
                     google::protobuf::RepeatedPtrField<::timebank::rewards::v1::StarCell>* out) {
  for (int i = 0; i < totals.minutes_size() && i < kStarTypes; ++i) {
    if (totals.minutes(i) == 0) continue;
    auto* cell = out->Add();
    cell->set_type(static_cast<::timebank::ledger::v1::CoproductionType>(i + 1));
    cell->set_minutes(totals.minutes(i));
    // count may be shorter than minutes in a record written by hand; 0 then.
    cell->set_count(i < totals.count_size() ? totals.count(i) : 0);
  }
}

}  // namespace timebank::rewards
