// The rewards store's schema: every tag with its layout, and one key builder per tag.
// Keys are built nowhere else (services/common/records/records.h). The projection is
// a set of sums kept per member, per partner, per organisation and per week or month;
// the cursor (journal and activity-event positions) is written in the same batch as
// every step, so a restart resumes exactly where the last committed step ended.
#ifndef TIMEBANK_SERVICES_REWARDS_REWARDS_RECORDS_H_
#define TIMEBANK_SERVICES_REWARDS_REWARDS_RECORDS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/kv_store.h"
#include "timebank/rewards/v1/rewards_records.pb.h"

namespace timebank::rewards {

namespace rpb = ::timebank::rewards::v1;

inline constexpr storage::ColumnFamily kRecords = 0;
// The Coproduction Star's types (CoproductionType 1..4), in StarTotals order.
inline constexpr int kStarTypes = 4;

inline constexpr char kMemberTag = 'M';           // u64 c, u64 member -> MemberRecord
inline constexpr char kMemberBucketTag = 'W';     // u64 c, u64 member, u8 g, i64 b -> MemberBucket
inline constexpr char kGroupBucketTag = 'G';      // u64 c, u64 org (0 = all), u8 g, i64 b
                                                  //   -> CommunityBucket
inline constexpr char kOrgMemberBucketTag = 'g';  // u64 c, u64 org, u8 g, i64 b, u64 member
                                                  //   -> MemberBucket (time given to org)
inline constexpr char kHelpedTag = 'H';           // u64 c, u64 member, u64 partner -> PairCount
inline constexpr char kHelpedByTag = 'B';         // u64 c, u64 member, u64 partner -> PairCount
inline constexpr char kOrgGivenTag = 'O';         // u64 c, u64 member, u64 org -> PairCount
inline constexpr char kTransferTag = 'T';         // transfer id -> TransferFacts
inline constexpr char kRecentTag = 'X';           // u64 c, u64 member -> RecentActivities
inline constexpr char kBadgesTag = 'A';           // u64 c, u64 member -> MemberBadgeStates
inline constexpr char kEvidenceTag = 'E';         // u64 c, u64 member, u64 award, badge id
                                                  //   -> BadgeEvidence
inline constexpr char kRulesTag = 'R';      // u64 c -> BadgeRules in force at the projection's
                                            //   position (absent: the default rules)
inline constexpr char kPostFactsTag = 'P';  // u64 c, u64 post -> PostFacts (no text)
inline constexpr char kZoneTag = 'Z';       // u64 c -> IANA timezone name
inline constexpr char kCursorTag = '@';     // (nothing) -> Cursor
// Thank-you notes, applied from their recognition events (so a rebuild replays them):
inline constexpr char kThanksTag = 'Y';  // u64 c, u8 1, u64 activity -> ThanksRecord;
                                         // u64 c, u8 2, u64 member, u64 ~event_n -> ThanksRef
                                         //   (a member's notes, newest first)
// Recognition notices (notice_log.h), made by projection steps, so a rebuild makes them
// again and the digest covers them:
inline constexpr char kNoticeTag = 'J';         // u64 c, u64 seq -> RecognitionNotice (API)
inline constexpr char kMemberNoticeTag = 'j';   // u64 c, u64 member, u64 seq -> the same notice
inline constexpr char kNoticeCounterTag = 'U';  // u64 c -> NoticeCounter
// Not the projection (kept by a rebuild, left out of its digest):
inline constexpr char kAnnotationTag = 'N';  // u64 c, u64 org, i64 day, u64 id -> Annotation
inline constexpr char kRequestTag = 'Q';     // request key -> the annotation's key
inline constexpr char kCounterTag = '#';     // name -> u64 last value
inline constexpr char kEventTag = 'L';       // u64 n -> RecognitionEvent (replayed by a rebuild)
// Credentials (a rebuild must keep them: a key dropped would orphan what it signed, an
// index changed would point a credential at another award):
inline constexpr char kIssuerKeysTag = 'K';  // u64 c -> IssuerKeyring::Serialize()
inline constexpr char kRevocationTag = 'V';  // u64 c, u64 member, u64 award, badge id
                                             //   -> RevocationEntry

// Whether records under `tag` are the projection (what a rebuild replaces and the
// digest covers) rather than what people wrote or the zones the projection used.
constexpr bool IsProjectionTag(char tag) {
  return tag != kZoneTag && tag != kAnnotationTag && tag != kRequestTag && tag != kCounterTag &&
         tag != kCursorTag && tag != kEventTag && tag != kIssuerKeysTag && tag != kRevocationTag;
}
static_assert(IsProjectionTag(kThanksTag), "notes are rebuilt from their events and digested");

// The granularity byte of a bucket key.
enum class Grain : uint8_t { kWeek = 1, kMonth = 2 };

std::string MemberKey(uint64_t c, uint64_t member);
std::string MemberBucketKey(uint64_t c, uint64_t member, Grain g, int64_t bucket);
std::string GroupBucketKey(uint64_t c, uint64_t org, Grain g, int64_t bucket);
std::string OrgMemberBucketKey(uint64_t c, uint64_t org, Grain g, int64_t bucket, uint64_t member);
std::string HelpedKey(uint64_t c, uint64_t member, uint64_t partner);
std::string HelpedByKey(uint64_t c, uint64_t member, uint64_t partner);
std::string OrgGivenKey(uint64_t c, uint64_t member, uint64_t org);
std::string TransferKey(std::string_view transfer_id);
std::string RecentKey(uint64_t c, uint64_t member);
std::string BadgesKey(uint64_t c, uint64_t member);
// award: BadgeState.times_awarded of the award (1 for the first).
std::string EvidenceKey(uint64_t c, uint64_t member, std::string_view badge_id, uint32_t award);
std::string RulesKey(uint64_t c);
std::string PostFactsKey(uint64_t c, uint64_t post);
// Every member record of community c (MemberKey's prefix); the member id is the last u64.
std::string MemberPrefix(uint64_t c);
std::string EventKey(uint64_t n);
std::string ZoneKey(uint64_t c);
std::string CursorKey();
std::string NoticeKey(uint64_t c, uint64_t seq);
std::string NoticePrefix(uint64_t c);
std::string MemberNoticeKey(uint64_t c, uint64_t member, uint64_t seq);
std::string MemberNoticePrefix(uint64_t c, uint64_t member);
std::string NoticeCounterKey(uint64_t c);
// day: days since 1970-01-01 (the annotation's date).
std::string AnnotationKey(uint64_t c, uint64_t org, int64_t day, uint64_t id);
std::string AnnotationPrefix(uint64_t c, uint64_t org);
std::string IssuerKeysKey(uint64_t c);
// award: BadgeState.times_awarded of the award (1 for the first).
std::string RevocationKey(uint64_t c, uint64_t member, std::string_view badge_id, uint32_t award);
// Every revocation entry of community c.
std::string RevocationPrefix(uint64_t c);
std::string ThanksKey(uint64_t c, uint64_t activity_id);
// event_n: the ThanksLeft event's n; keys sort newest first.
std::string ThanksRefKey(uint64_t c, uint64_t member, uint64_t event_n);
std::string ThanksRefPrefix(uint64_t c, uint64_t member);
// The event n of a ThanksRefKey.
uint64_t ThanksRefEventN(std::string_view key);
// Every key of one member's pair records of `tag` (kHelpedTag, kHelpedByTag, kOrgGivenTag).
std::string PairPrefix(char tag, uint64_t c, uint64_t member);
// The last u64 field of a pair key: the partner or organisation.
uint64_t PairPartner(std::string_view key);

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_REWARDS_RECORDS_H_
