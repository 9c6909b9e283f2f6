#include "services/activity/activity_records.h"

#include "absl/strings/str_cat.h"
#include "services/common/ids.h"
#include "storage/check.h"

namespace timebank::activity {

using records::Key;

std::string ActivityKey(uint64_t c, uint64_t id) { return Key(kActivityTag).U64(c).U64(id).str(); }
std::string ActivityPrefix(uint64_t c) { return Key(kActivityTag).U64(c).str(); }
std::string AllPrefix(uint64_t c) { return Key(kAllTag).U64(c).str(); }
std::string MemberPrefix(uint64_t c, uint64_t m) { return Key(kMemberTag).U64(c).U64(m).str(); }
std::string OrgPrefix(uint64_t c, uint64_t o) { return Key(kOrgTag).U64(c).U64(o).str(); }

uint64_t IndexedId(std::string_view index_key) {
  return Key::Inverted(records::U64At(index_key, index_key.size() - 8));
}

std::string IndexStart(const std::string& prefix, uint64_t before_id) {
  Key k(prefix[0]);
  k.Bytes(std::string_view(prefix).substr(1));
  if (before_id != 0) k.U64(Key::Inverted(before_id) + 1);
  return k.str();
}

std::string WaitingKey(const apb::Activity& a) {
  return Key(kWaitingTag).I64(a.created_at().seconds()).U64(a.community_id()).U64(a.id()).str();
}

std::string SettingsKey(uint64_t c) { return Key(kSettingsTag).U64(c).str(); }

std::string PostKey(uint64_t c, uint64_t id) { return Key(kPostTag).U64(c).NewestFirst(id).str(); }
std::string PostPrefix(uint64_t c) { return Key(kPostTag).U64(c).str(); }
uint64_t PostIdOf(std::string_view post_key) { return Key::Inverted(records::U64At(post_key, 9)); }

std::string MessageKey(uint64_t c, uint64_t post_id, uint64_t id) {
  return Key(kMessageTag).U64(c).U64(post_id).U64(id).str();
}
std::string MessagePrefix(uint64_t c, uint64_t post_id) {
  return Key(kMessageTag).U64(c).U64(post_id).str();
}
std::string MessagesPrefix(uint64_t c) { return Key(kMessageTag).U64(c).str(); }
uint64_t MessageIdOf(std::string_view message_key) {
  return records::U64At(message_key, message_key.size() - 8);
}

ActivityRecords::ActivityRecords(storage::KvStore* store, EventLog* events)
    : store_(store),
      events_(events),
      committed_(store, kRecords),
      outbox_(store, kRecords, kOutboxTag) {}

absl::StatusOr<apb::Activity> ActivityRecords::Load(const records::Reader& from, uint64_t c,
                                                    uint64_t id) const {
  return records::LoadRecord<apb::Activity>(
      from, ActivityKey(c, id), absl::StrCat("activity ", id),
      absl::StrCat("activity ", id, " does not exist in community ", c));
}

void ActivityRecords::Put(records::Tx& tx, apb::Activity& a, bool is_new, Posting posting) const {
  const uint64_t c = a.community_id();
  if (posting != Posting::kNone) {
    a.set_posting_state(apb::POSTING_STATE_QUEUED);
    a.set_transfer_id(ActivityTransferId(c, a.id()));
    // A counter read can fail only if the store does; then nothing is committed either.
    TB_CHECK(outbox_.Add(tx, c, a.id(), static_cast<uint8_t>(posting)).ok());
  } else if (a.posting_state() == apb::POSTING_STATE_UNSPECIFIED) {
    a.set_posting_state(apb::POSTING_STATE_NOT_POSTED);
  }
  Rewrite(tx, a);
  if (is_new) {
    tx.Put(Key(kAllTag).U64(c).NewestFirst(a.id()).str(), "");
    tx.Put(Key(kMemberTag).U64(c).U64(a.provider_member_id()).NewestFirst(a.id()).str(), "");
    if (a.receiver_member_id() != 0) {
      tx.Put(Key(kMemberTag).U64(c).U64(a.receiver_member_id()).NewestFirst(a.id()).str(), "");
    }
    if (a.organisation_id() != 0) {
      tx.Put(Key(kOrgTag).U64(c).U64(a.organisation_id()).NewestFirst(a.id()).str(), "");
    }
  }
}

void ActivityRecords::Rewrite(records::Tx& tx, apb::Activity& a) const {
  tx.Put(ActivityKey(a.community_id(), a.id()), records::Seal(a));
  events_->Append(tx, a);
}

absl::StatusOr<std::vector<apb::Activity>> ActivityRecords::LoadAll(
    const records::Reader& from, std::string_view remembered) const {
  std::vector<apb::Activity> out;
  for (const auto& [c, id] : records::DecodeRefs(remembered)) {
    absl::StatusOr<apb::Activity> a = Load(from, c, id);
    if (!a.ok()) return a.status();
    out.push_back(*std::move(a));
  }
  return out;
}

absl::StatusOr<apb::Post> ActivityRecords::LoadPost(const records::Reader& from, uint64_t c,
                                                    uint64_t id) const {
  return records::LoadRecord<apb::Post>(
      from, PostKey(c, id), absl::StrCat("post ", id),
      absl::StrCat("post ", id, " does not exist in community ", c));
}

void ActivityRecords::PutPost(records::Tx& tx, uint64_t c, const apb::Post& p,
                              absl::Time at) const {
  TB_CHECK(p.community_id() == c);
  tx.Put(PostKey(c, p.id()), p.SerializeAsString());
  events_->AppendPost(tx, p, at);
}

}  // namespace timebank::activity
