// A member's rights over their rewards data: the MemberDataDesk answers the directory's
// two service-only calls, ExportMemberRewards (the rewards part of a member's data
// export) and EraseMemberRewards (the rewards part of an erasure). An erasure is a
// RecognitionEvent (MemberErased), so a rebuild replays it at the same journal position
// and the projection after a rebuild equals the live one (decision 0007). The export's
// thank-you notes come in pages (AIP-158 paging), so a member with many notes never
// needs a reply larger than gRPC carries.
#ifndef TIMEBANK_SERVICES_REWARDS_MEMBER_DATA_H_
#define TIMEBANK_SERVICES_REWARDS_MEMBER_DATA_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"
#include "services/common/clock.h"
#include "services/common/paging.h"
#include "services/common/text_fields.h"
#include "services/rewards/projection.h"
#include "services/rewards/rewards_book.h"
#include "timebank/directory/v1/auth.pb.h"
#include "timebank/rewards/v1/rewards.pb.h"

namespace timebank::rewards {

struct ExportLimits {
  // The largest message a gRPC client receives unless it is told otherwise (4 MiB).
  static constexpr size_t kGrpcReplyBytesMax = 4 * 1024 * 1024;
  // A note's largest encoding: its text and a few ids, numbers and times.
  static constexpr size_t kNoteBytesMax = TextLimits::kThankYouBytes + 256;
  // The summary (its latest notes among it) and the badges, on the first page.
  static constexpr size_t kFirstPageExtraBytesMax = 1024 * 1024;
};
// A full page of notes, with what the first page carries besides, fits a reply.
static_assert(kMaxListPageSize * ExportLimits::kNoteBytesMax +
                  ExportLimits::kFirstPageExtraBytesMax <
              ExportLimits::kGrpcReplyBytesMax);

class MemberDataDesk {
 public:
  MemberDataDesk(RewardsProjection* projection, RewardsBook* book, const Clock* clock)
      : projection_(projection), book_(book), clock_(clock) {}

  // One page of the export: the summary and badges with the first page's notes, then
  // the notes of each page the token names.
  absl::StatusOr<::timebank::rewards::v1::MemberRewardsExport> Export(
      const ::timebank::directory::v1::Principal& caller,
      const ::timebank::rewards::v1::ExportMemberRewardsRequest& req);
  // Idempotent: a member erased already is answered with erased_now false.
  absl::StatusOr<::timebank::rewards::v1::EraseMemberRewardsResponse> Erase(
      const ::timebank::directory::v1::Principal& caller,
      const ::timebank::rewards::v1::EraseMemberRewardsRequest& req);

 private:
  RewardsProjection* const projection_;
  RewardsBook* const book_;
  const Clock* const clock_;
};

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_MEMBER_DATA_H_
