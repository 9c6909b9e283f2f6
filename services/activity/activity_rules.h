// The activity service's request rules that need no store: who a caller is and what
// they may see, and the checks every record shares (minutes, when, description,
// reasons), each with its named limit. Used by every aggregate's file.
#ifndef TIMEBANK_SERVICES_ACTIVITY_ACTIVITY_RULES_H_
#define TIMEBANK_SERVICES_ACTIVITY_ACTIVITY_RULES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "services/common/records/bounded_text.h"
#include "services/common/text_fields.h"
#include "timebank/activity/v1/activity.pb.h"
#include "timebank/directory/v1/directory.pb.h"
#include "timebank/directory/v1/token.pb.h"

namespace timebank::activity {

namespace apb = ::timebank::activity::v1;

// Limits of an activity's numbers and lists; text limits are TextLimits'.
struct ActivityLimits {
  static constexpr int64_t kMaxMinutes = 24 * 60;
  static constexpr size_t kMaxMembersPerEvent = 500;
  static constexpr int64_t kMaxAgeDays = 366;
  static constexpr size_t kMaxDispatchBatch = 1000;
  static constexpr size_t kMaxGroupReceivers = 100;
  static constexpr size_t kMaxPostTags = 16;
  // Conversation messages one post may hold (all its conversations together).
  static constexpr size_t kMaxMessagesPerPost = 1000;
  static constexpr size_t kMaxImportRows = 1000;
  static constexpr size_t kMaxMemberNumberBytes = 32;
  static constexpr uint32_t kMaxImportWaitMs = 30'000;
  // Entries one list call examines at most (filters may skip many).
  static constexpr size_t kMaxListScan = 100'000;
  // How far ahead of the server's clock a record's time may be (clock skew).
  static constexpr absl::Duration kMaxFutureSkew = absl::Minutes(5);
};

// The activity's text fields.
inline constexpr records::BoundedText kDescription{
    "description", {TextLimits::kActivityDescriptionBytes}, "required: what was done"};
inline constexpr records::BoundedText kReason{"reason", {TextLimits::kReasonBytes}};

using records::FieldError;

bool IsMember(const ::timebank::directory::v1::Principal& p);
// Admins, and members who coordinate: they close anyone's post.
bool IsStaff(const ::timebank::directory::v1::Principal& p);
// Whether `p` may see activity `a`: members the activities they took part in;
// coordinators, finance and admins all of their community's; an API key its
// organisations'.
bool Sees(const ::timebank::directory::v1::Principal& p, const apb::Activity& a);

// `minutes` shared by `receivers` (> 0) in whole minutes: equal shares, the remainder one
// minute each to the first receivers (60 for 7: 9 9 9 9 8 8 8). The shares sum to
// `minutes`; a share may be 0 when minutes < receivers (callers refuse that).
std::vector<int64_t> EqualShares(int64_t minutes, size_t receivers);

// How long a community lets an exchange wait for its answer (a week unless it says).
int64_t AnswerHours(const ::timebank::directory::v1::Community& c);

// Minutes, when it happened (not in the future, at most a year ago, as of `now`) and
// the description: what every record of time shares.
absl::Status CheckCommon(int64_t minutes, const google::protobuf::Timestamp& occurred_at,
                         const std::string& description, absl::Time now);

}  // namespace timebank::activity

#endif  // TIMEBANK_SERVICES_ACTIVITY_ACTIVITY_RULES_H_
