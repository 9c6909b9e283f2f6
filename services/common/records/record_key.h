// Key is a record key built field by field under one record tag: the tag byte, then
// each field in the order the tag's layout names, fixed-width and big-endian, so keys
// sort by their fields. A service writes one small builder per tag on top of it
// (`ActivityKey(c, id)`), so no key is concatenated by hand anywhere else and the
// layout of each tag is written once. The bytes are those of storage/bytes.h's
// KeyU64/KeyU64U64/KeyStr and PutU8: keys built here are the keys already on disk.
#ifndef TIMEBANK_SERVICES_COMMON_RECORDS_RECORD_KEY_H_
#define TIMEBANK_SERVICES_COMMON_RECORDS_RECORD_KEY_H_

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace timebank::records {

class Key {
 public:
  explicit Key(char tag) : bytes_(1, tag) {}
  Key& U8(uint8_t v);  // a small enum (a state)
  Key& U64(uint64_t v);
  Key& I64(int64_t v);  // sorts in numeric order, negatives first
  // An id stored inverted (~id), so an ascending scan meets the newest first.
  Key& NewestFirst(uint64_t id) { return U64(Inverted(id)); }
  // Raw bytes: the last field, or one of fixed width (a digest): it has no length.
  Key& Bytes(std::string_view s);

  const std::string& str() const { return bytes_; }

  // ~id, and back: NewestFirst's stored form.
  static constexpr uint64_t Inverted(uint64_t id) {
    return std::numeric_limits<uint64_t>::max() - id;
  }

 private:
  std::string bytes_;
};

// The u64 field at byte `offset` of a key read back from the store.
uint64_t U64At(std::string_view key, size_t offset);
int64_t I64At(std::string_view key, size_t offset);

}  // namespace timebank::records

#endif  // TIMEBANK_SERVICES_COMMON_RECORDS_RECORD_KEY_H_
