#include "services/activity/member_names.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "services/directory/directory.h"
#include "storage/check.h"

namespace timebank::activity {
namespace {

namespace apb = ::timebank::activity::v1;
namespace dpb = ::timebank::directory::v1;

using MemberMap = absl::flat_hash_map<uint64_t, dpb::Member>;

MemberMap ById(std::vector<dpb::Member> members) {
  MemberMap out;
  for (dpb::Member& m : members) out[m.id()] = std::move(m);
  return out;
}

const dpb::Member* Find(const MemberMap& members, uint64_t id) {
  auto it = members.find(id);
  return it == members.end() ? nullptr : &it->second;
}

dpb::MemberName NameOf(const dpb::Member& m, bool with_display_name) {
  dpb::MemberName n;
  n.set_member_id(m.id());
  n.set_member_number(m.member_number());
  if (with_display_name) n.set_display_name(m.display_name());
  return n;
}

bool SeesAllNames(const dpb::Principal& p) {
  if (p.kind() == dpb::Principal::KIND_SERVICE) return true;
  if (p.kind() != dpb::Principal::KIND_MEMBER) return false;  // an API key is no person
  for (int r : p.roles()) {
    if (r == dpb::ROLE_ADMIN || r == dpb::ROLE_COORDINATOR || r == dpb::ROLE_FINANCE) return true;
  }
  return false;
}

// Whether `caller` sees the display name of `party` on `a`. Anyone may record an
// exchange naming any member id, so recording one must not tell its recorder a name
// they were not given (decision 0019): the name shows once the party has answered it
// (confirmed or disputed; reversed ones were confirmed first), when the party recorded
// it, when they agreed to appear in the directory, to themselves, and to staff.
bool ShowsName(const dpb::Principal& caller, const apb::Activity& a, const dpb::Member& party) {
  if (SeesAllNames(caller)) return true;
  if (caller.kind() == dpb::Principal::KIND_MEMBER && caller.subject_id() == party.id()) {
    return true;
  }
  if (party.id() == a.recorded_by() || party.consent().appear_in_directory()) return true;
  return a.state() == apb::ACTIVITY_STATE_CONFIRMED || a.state() == apb::ACTIVITY_STATE_DISPUTED ||
         a.state() == apb::ACTIVITY_STATE_REVERSED;
}

}  // namespace

std::vector<dpb::Member> MemberNamer::Members(uint64_t community_id, std::vector<uint64_t> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  ids.erase(std::remove(ids.begin(), ids.end(), 0), ids.end());
  std::vector<dpb::Member> out;
  if (ids.empty()) return out;
  // A page is at most 1,000 items of two members each: ask in lookup-sized chunks.
  constexpr size_t kChunk = directory::DirectoryLimits::kMaxLookupMembers;
  for (size_t from = 0; from < ids.size(); from += kChunk) {
    std::vector<uint64_t> chunk(ids.begin() + from,
                                ids.begin() + std::min(ids.size(), from + kChunk));
    auto found = people_->MembersById(community_id, chunk);
    if (!found.ok()) return out;  // names are a courtesy; the reply goes out without them
    TB_CHECK(found->size() == chunk.size());
    for (std::optional<dpb::Member>& m : *found) {
      if (m) out.push_back(*std::move(m));
    }
  }
  return out;
}

void MemberNamer::NameActivities(const dpb::Principal& caller,
                                 const std::vector<apb::Activity*>& activities) {
  if (activities.empty()) return;
  const uint64_t community_id = activities.front()->community_id();
  std::vector<uint64_t> ids;
  for (const apb::Activity* a : activities) {
    TB_CHECK(a->community_id() == community_id);
    ids.push_back(a->provider_member_id());
    ids.push_back(a->receiver_member_id());
  }
  const MemberMap members = ById(Members(community_id, std::move(ids)));
  for (apb::Activity* a : activities) {
    if (const dpb::Member* m = Find(members, a->provider_member_id())) {
      *a->mutable_provider_name() = NameOf(*m, ShowsName(caller, *a, *m));
    }
    if (const dpb::Member* m = Find(members, a->receiver_member_id())) {
      *a->mutable_receiver_name() = NameOf(*m, ShowsName(caller, *a, *m));
    }
  }
}

void MemberNamer::NameMessages(const std::vector<apb::PostMessage*>& messages) {
  if (messages.empty()) return;
  const uint64_t community_id = messages.front()->community_id();
  std::vector<uint64_t> ids;
  for (const apb::PostMessage* m : messages) {
    TB_CHECK(m->community_id() == community_id);
    ids.push_back(m->from_member_id());
    ids.push_back(m->helper_member_id());
  }
  // The two wrote to each other about a post: each chose to be known to the other.
  const MemberMap members = ById(Members(community_id, std::move(ids)));
  for (apb::PostMessage* m : messages) {
    if (const dpb::Member* p = Find(members, m->from_member_id())) {
      *m->mutable_from_name() = NameOf(*p, true);
    }
    if (const dpb::Member* p = Find(members, m->helper_member_id())) {
      *m->mutable_helper_name() = NameOf(*p, true);
    }
  }
}

void MemberNamer::NamePosts(const std::vector<apb::Post*>& posts) {
  if (posts.empty()) return;
  const uint64_t community_id = posts.front()->community_id();
  std::vector<uint64_t> ids;
  for (const apb::Post* p : posts) {
    TB_CHECK(p->community_id() == community_id);
    ids.push_back(p->member_id());
  }
  // Posting puts one's name on the noticeboard.
  const MemberMap members = ById(Members(community_id, std::move(ids)));
  for (apb::Post* p : posts) {
    if (const dpb::Member* m = Find(members, p->member_id())) {
      *p->mutable_posted_by() = NameOf(*m, true);
    }
  }
}

}  // namespace timebank::activity
