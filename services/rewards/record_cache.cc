#include "services/rewards/record_cache.h"

#include <utility>

#include "services/rewards/rewards_records.h"
#include "storage/check.h"

namespace timebank::rewards {
namespace {

// What a kept record costs beyond its serialised bytes: the map slot, the key's heap
// copy, the message object and the allocator's headers (measured on MemberRecord and
// MemberBucket: 200-300 bytes). Parsed repeated fields take about twice their packed
// encoding.
constexpr size_t kEntryOverheadBytes = 256;
constexpr size_t kParsedBytesPerEncodedByte = 2;

size_t CostOf(const std::string& key, const google::protobuf::Message& record) {
  return kEntryOverheadBytes + key.size() + kParsedBytesPerEncodedByte * record.ByteSizeLong();
}

}  // namespace

RecordCache::RecordCache(size_t limit_bytes) : limit_bytes_(limit_bytes) {
  TB_CHECK(limit_bytes_ >= 2 * kEntryOverheadBytes);
}

std::unique_ptr<google::protobuf::Message> RecordCache::TakeFrom(Generation& g,
                                                                 const std::string& key) {
  auto it = g.records.find(key);
  if (it == g.records.end()) return nullptr;
  std::unique_ptr<google::protobuf::Message> record = std::move(it->second.record);
  g.bytes -= it->second.bytes;
  g.records.erase(it);
  return record;
}

std::unique_ptr<google::protobuf::Message> RecordCache::Take(const std::string& key) {
  if (std::unique_ptr<google::protobuf::Message> r = TakeFrom(young_, key)) return r;
  return TakeFrom(old_, key);
}

void RecordCache::Put(std::string key, std::unique_ptr<google::protobuf::Message> record) {
  TB_CHECK(!key.empty() && record != nullptr);
  // A transfer's facts are read again only if it is reversed or posted; a recognition
  // notice never is (a step only appends them).
  if (key[0] == kTransferTag || key[0] == kNoticeTag || key[0] == kMemberNoticeTag) return;
  const size_t cost = CostOf(key, *record);
  if (cost > limit_bytes_ / 2) return;
  if (young_.bytes + cost > limit_bytes_ / 2) {
    // Turn over: the old generation goes, what was put since the last turn-over stays.
    old_ = std::move(young_);
    young_ = Generation{};
  }
  // A key is in at most one generation: Take removed it, or this replaces it.
  TakeFrom(old_, key);
  Entry& e = young_.records[std::move(key)];
  young_.bytes = young_.bytes - e.bytes + cost;
  e.record = std::move(record);
  e.bytes = cost;
}

void RecordCache::Clear() {
  young_ = Generation{};
  old_ = Generation{};
}

}  // namespace timebank::rewards
