// RecordCache keeps the rewards records that recent projection steps committed, parsed,
// so the next step takes them from memory instead of reading and parsing them from the
// store again (the members, current weeks and months and group buckets a step touches
// are mostly the ones the step before it touched). It holds committed state only: a
// step takes the records it uses out of the cache and gives back what it committed, so
// a step that fails gives nothing back and its records are read from the store the next
// time. An empty message stands for "no record under this key". Bounded: about
// `limit_bytes` of records in two generations, the older dropped whole when the newer
// fills its half (an LRU's effect without a list per record). Single-threaded: the
// projection's follower owns it; Clear() on a wipe.
#ifndef TIMEBANK_SERVICES_REWARDS_RECORD_CACHE_H_
#define TIMEBANK_SERVICES_REWARDS_RECORD_CACHE_H_

#include <google/protobuf/message.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"

namespace timebank::rewards {

class RecordCache {
 public:
  // What the rewards service keeps by default: every member record and current bucket
  // of a community of a few thousand members; at 100,000 members, the most recently
  // touched ones (the service's RSS target is 300 MiB in all).
  static constexpr size_t kDefaultLimitBytes = size_t{32} << 20;

  explicit RecordCache(size_t limit_bytes = kDefaultLimitBytes);
  RecordCache(const RecordCache&) = delete;
  RecordCache& operator=(const RecordCache&) = delete;

  // The record under `key`, moved out of the cache; nullptr if the cache does not hold it.
  std::unique_ptr<google::protobuf::Message> Take(const std::string& key);
  // Keeps `record` (committed under `key`; empty if the key has no record). Records of
  // kinds a step reads again only rarely (a transfer's facts, a notice) are not kept.
  void Put(std::string key, std::unique_ptr<google::protobuf::Message> record);
  // Forgets everything (the projection was wiped).
  void Clear();

  size_t bytes() const { return young_.bytes + old_.bytes; }
  size_t records() const { return young_.records.size() + old_.records.size(); }
  size_t limit_bytes() const { return limit_bytes_; }

 private:
  struct Entry {
    std::unique_ptr<google::protobuf::Message> record;
    size_t bytes = 0;
  };
  struct Generation {
    absl::flat_hash_map<std::string, Entry> records;
    size_t bytes = 0;
  };

  std::unique_ptr<google::protobuf::Message> TakeFrom(Generation& g, const std::string& key);

  const size_t limit_bytes_;
  Generation young_;  // put since the last turn-over
  Generation old_;    // put before it; dropped at the next
};

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_RECORD_CACHE_H_
