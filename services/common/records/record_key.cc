#include "services/common/records/record_key.h"

#include "storage/bytes.h"
#include "storage/check.h"

namespace timebank::records {

Key& Key::U8(uint8_t v) {
  storage::PutU8(&bytes_, v);
  return *this;
}

Key& Key::U64(uint64_t v) {
  storage::PutU64(&bytes_, v);
  return *this;
}

Key& Key::I64(int64_t v) {
  storage::PutI64(&bytes_, v);
  return *this;
}

Key& Key::Bytes(std::string_view s) {
  bytes_.append(s);
  return *this;
}

uint64_t U64At(std::string_view key, size_t offset) {
  TB_CHECK(offset + 8 <= key.size());
  return storage::DecodeU64(key.data() + offset);
}

int64_t I64At(std::string_view key, size_t offset) {
  TB_CHECK(offset + 8 <= key.size());
  return storage::DecodeI64(key.data() + offset);
}

}  // namespace timebank::records
