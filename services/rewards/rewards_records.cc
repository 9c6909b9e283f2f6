#include "services/rewards/rewards_records.h"

#include "services/common/records/record_key.h"

namespace timebank::rewards {

using records::Key;

std::string MemberKey(uint64_t c, uint64_t member) {
  return Key(kMemberTag).U64(c).U64(member).str();
}

std::string MemberBucketKey(uint64_t c, uint64_t member, Grain g, int64_t bucket) {
  return Key(kMemberBucketTag).U64(c).U64(member).U8(static_cast<uint8_t>(g)).I64(bucket).str();
}

std::string GroupBucketKey(uint64_t c, uint64_t org, Grain g, int64_t bucket) {
  return Key(kGroupBucketTag).U64(c).U64(org).U8(static_cast<uint8_t>(g)).I64(bucket).str();
}

std::string OrgMemberBucketKey(uint64_t c, uint64_t org, Grain g, int64_t bucket, uint64_t member) {
  return Key(kOrgMemberBucketTag)
      .U64(c)
      .U64(org)
      .U8(static_cast<uint8_t>(g))
      .I64(bucket)
      .U64(member)
      .str();
}

std::string HelpedKey(uint64_t c, uint64_t member, uint64_t partner) {
  return Key(kHelpedTag).U64(c).U64(member).U64(partner).str();
}

std::string HelpedByKey(uint64_t c, uint64_t member, uint64_t partner) {
  return Key(kHelpedByTag).U64(c).U64(member).U64(partner).str();
}

std::string OrgGivenKey(uint64_t c, uint64_t member, uint64_t org) {
  return Key(kOrgGivenTag).U64(c).U64(member).U64(org).str();
}

std::string TransferKey(std::string_view transfer_id) {
  return Key(kTransferTag).Bytes(transfer_id).str();
}

std::string RecentKey(uint64_t c, uint64_t member) {
  return Key(kRecentTag).U64(c).U64(member).str();
}

std::string BadgesKey(uint64_t c, uint64_t member) {
  return Key(kBadgesTag).U64(c).U64(member).str();
}

std::string EvidenceKey(uint64_t c, uint64_t member, std::string_view badge_id, uint32_t award) {
  return Key(kEvidenceTag).U64(c).U64(member).U64(award).Bytes(badge_id).str();
}

std::string RulesKey(uint64_t c) { return Key(kRulesTag).U64(c).str(); }
std::string PostFactsKey(uint64_t c, uint64_t post) {
  return Key(kPostFactsTag).U64(c).U64(post).str();
}

std::string MemberPrefix(uint64_t c) { return Key(kMemberTag).U64(c).str(); }

std::string EventKey(uint64_t n) { return Key(kEventTag).U64(n).str(); }

std::string ZoneKey(uint64_t c) { return Key(kZoneTag).U64(c).str(); }

std::string CursorKey() { return Key(kCursorTag).str(); }

std::string NoticeKey(uint64_t c, uint64_t seq) { return Key(kNoticeTag).U64(c).U64(seq).str(); }

std::string NoticePrefix(uint64_t c) { return Key(kNoticeTag).U64(c).str(); }

std::string MemberNoticeKey(uint64_t c, uint64_t member, uint64_t seq) {
  return Key(kMemberNoticeTag).U64(c).U64(member).U64(seq).str();
}

std::string MemberNoticePrefix(uint64_t c, uint64_t member) {
  return Key(kMemberNoticeTag).U64(c).U64(member).str();
}

std::string NoticeCounterKey(uint64_t c) { return Key(kNoticeCounterTag).U64(c).str(); }

std::string AnnotationKey(uint64_t c, uint64_t org, int64_t day, uint64_t id) {
  return Key(kAnnotationTag).U64(c).U64(org).I64(day).U64(id).str();
}

std::string AnnotationPrefix(uint64_t c, uint64_t org) {
  return Key(kAnnotationTag).U64(c).U64(org).str();
}

std::string IssuerKeysKey(uint64_t c) { return Key(kIssuerKeysTag).U64(c).str(); }

std::string RevocationKey(uint64_t c, uint64_t member, std::string_view badge_id, uint32_t award) {
  return Key(kRevocationTag).U64(c).U64(member).U64(award).Bytes(badge_id).str();
}

std::string RevocationPrefix(uint64_t c) { return Key(kRevocationTag).U64(c).str(); }

namespace {
constexpr uint8_t kThanksNote = 1;
constexpr uint8_t kThanksRef = 2;
}  // namespace

std::string ThanksKey(uint64_t c, uint64_t activity_id) {
  return Key(kThanksTag).U64(c).U8(kThanksNote).U64(activity_id).str();
}

std::string ThanksRefKey(uint64_t c, uint64_t member, uint64_t event_n) {
  return Key(kThanksTag).U64(c).U8(kThanksRef).U64(member).U64(~event_n).str();
}

std::string ThanksRefPrefix(uint64_t c, uint64_t member) {
  return Key(kThanksTag).U64(c).U8(kThanksRef).U64(member).str();
}

uint64_t ThanksRefEventN(std::string_view key) { return ~records::U64At(key, key.size() - 8); }

std::string PairPrefix(char tag, uint64_t c, uint64_t member) {
  return Key(tag).U64(c).U64(member).str();
}

uint64_t PairPartner(std::string_view key) { return records::U64At(key, key.size() - 8); }

}  // namespace timebank::rewards
