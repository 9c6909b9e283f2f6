// Puts names on the activities and posts a reply carries: each member they mention
// gets their display name and member number (never contact details), from one
// directory call per reply. Names are a courtesy to the reader: when the directory
// cannot be reached the reply goes out without them, and clients fall back to ids.
#ifndef TIMEBANK_SERVICES_ACTIVITY_MEMBER_NAMES_H_
#define TIMEBANK_SERVICES_ACTIVITY_MEMBER_NAMES_H_

#include <cstdint>
#include <vector>

#include "services/common/peers.h"
#include "timebank/activity/v1/activity.pb.h"
#include "timebank/directory/v1/token.pb.h"

namespace timebank::activity {

class MemberNamer {
 public:
  explicit MemberNamer(People* people) : people_(people) {}

  // All of them are from one community (a reply never mixes communities). A party is
  // named to `caller` only as ShowsName (member_names.cc) allows; otherwise by number.
  void NameActivities(const ::timebank::directory::v1::Principal& caller,
                      const std::vector<::timebank::activity::v1::Activity*>& activities);
  void NamePosts(const std::vector<::timebank::activity::v1::Post*>& posts);
  void NameMessages(const std::vector<::timebank::activity::v1::PostMessage*>& messages);

 private:
  // The members `ids` in `community_id`; members not found are left out.
  std::vector<::timebank::directory::v1::Member> Members(uint64_t community_id,
                                                         std::vector<uint64_t> ids);
  People* const people_;
};

// Pointers to every item of a repeated field or a single message, for MemberNamer.
template <class Msg>
std::vector<Msg*> ItemsOf(google::protobuf::RepeatedPtrField<Msg>* items) {
  std::vector<Msg*> out;
  out.reserve(items->size());
  for (Msg& m : *items) out.push_back(&m);
  return out;
}

}  // namespace timebank::activity

#endif  // TIMEBANK_SERVICES_ACTIVITY_MEMBER_NAMES_H_
