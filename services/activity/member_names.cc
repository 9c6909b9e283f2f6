#include "services/activity/member_names.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "services/directory/directory.h"
#include "storage/check.h"

namespace timebank::activity {
namespace {

namespace apb = ::timebank::activity::v1;
namespace dpb = ::timebank::directory::v1;

using NameMap = absl::flat_hash_map<uint64_t, dpb::MemberName>;

NameMap ById(const std::vector<dpb::MemberName>& names) {
  NameMap out;
  for (const dpb::MemberName& n : names) out[n.member_id()] = n;
  return out;
}

const dpb::MemberName* Find(const NameMap& names, uint64_t id) {
  auto it = names.find(id);
  return it == names.end() ? nullptr : &it->second;
}

}  // namespace

std::vector<dpb::MemberName> MemberNamer::Names(uint64_t community_id, std::vector<uint64_t> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  ids.erase(std::remove(ids.begin(), ids.end(), 0), ids.end());
  std::vector<dpb::MemberName> out;
  if (ids.empty()) return out;
  // A page is at most 1,000 items of two members each: ask in lookup-sized chunks.
  constexpr size_t kChunk = directory::DirectoryLimits::kMaxLookupMembers;
  for (size_t from = 0; from < ids.size(); from += kChunk) {
    std::vector<uint64_t> chunk(ids.begin() + from,
                                ids.begin() + std::min(ids.size(), from + kChunk));
    auto found = people_->MembersById(community_id, chunk);
    if (!found.ok()) return out;  // names are a courtesy; the reply goes out without them
    TB_CHECK(found->size() == chunk.size());
    for (const std::optional<dpb::Member>& m : *found) {
      if (!m) continue;
      dpb::MemberName& n = out.emplace_back();
      n.set_member_id(m->id());
      n.set_member_number(m->member_number());
      n.set_display_name(m->display_name());
    }
  }
  return out;
}

void MemberNamer::NameActivities(const std::vector<apb::Activity*>& activities) {
  if (activities.empty()) return;
  const uint64_t community_id = activities.front()->community_id();
  std::vector<uint64_t> ids;
  for (const apb::Activity* a : activities) {
    TB_CHECK(a->community_id() == community_id);
    ids.push_back(a->provider_member_id());
    ids.push_back(a->receiver_member_id());
  }
  const NameMap names = ById(Names(community_id, std::move(ids)));
  for (apb::Activity* a : activities) {
    if (const dpb::MemberName* n = Find(names, a->provider_member_id())) {
      *a->mutable_provider_name() = *n;
    }
    if (const dpb::MemberName* n = Find(names, a->receiver_member_id())) {
      *a->mutable_receiver_name() = *n;
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
  const NameMap names = ById(Names(community_id, std::move(ids)));
  for (apb::PostMessage* m : messages) {
    if (const dpb::MemberName* n = Find(names, m->from_member_id())) *m->mutable_from_name() = *n;
    if (const dpb::MemberName* n = Find(names, m->helper_member_id())) {
      *m->mutable_helper_name() = *n;
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
  const NameMap names = ById(Names(community_id, std::move(ids)));
  for (apb::Post* p : posts) {
    if (const dpb::MemberName* n = Find(names, p->member_id())) *p->mutable_posted_by() = *n;
  }
}

}  // namespace timebank::activity
