#include "services/rewards/zone_book.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "services/rewards/rewards_records.h"
#include "storage/check.h"

namespace timebank::rewards {

absl::Status ZoneBook::Resolve(uint64_t c) {
  {
    absl::MutexLock lock(&mu_);
    if (zones_.contains(c)) return absl::OkStatus();
  }
  std::string name;
  TB_ASSIGN_OR_RETURN(bool stored, store_->Get(kRecords, ZoneKey(c), &name));
  if (!stored) {
    // Outside the lock: the directory may be slow.
    absl::StatusOr<::timebank::directory::v1::Community> community = people_->Community(c);
    if (absl::IsNotFound(community.status())) {
      name = "UTC";  // transfers of a community the directory no longer knows
    } else if (!community.ok()) {
      return community.status();
    } else {
      name = community->timezone().empty() ? "UTC" : community->timezone();
    }
    std::unique_ptr<storage::WriteBatch> batch = store_->NewBatch();
    batch->Put(kRecords, ZoneKey(c), name);
    TB_RETURN_IF_ERROR(store_->Write(batch.get(), storage::WriteOptions{}));
  }
  absl::TimeZone tz;
  if (!absl::LoadTimeZone(name, &tz)) tz = absl::UTCTimeZone();
  absl::MutexLock lock(&mu_);
  zones_.emplace(c, tz);
  return absl::OkStatus();
}

absl::TimeZone ZoneBook::Zone(uint64_t c) const {
  absl::MutexLock lock(&mu_);
  auto it = zones_.find(c);
  TB_CHECK(it != zones_.end());
  return it->second;
}

}  // namespace timebank::rewards
