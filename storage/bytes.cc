#include "storage/bytes.h"

#include <algorithm>

#include "storage/check.h"

namespace timebank::storage {

void PutU8(std::string* out, uint8_t v) { out->push_back(static_cast<char>(v)); }

void PutU32(std::string* out, uint32_t v) {
  char buf[4];
  for (int i = 3; i >= 0; --i) {
    buf[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out->append(buf, 4);
}

void PutU64(std::string* out, uint64_t v) {
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out->append(buf, 8);
}

void PutI64(std::string* out, int64_t v) {
  PutU64(out, static_cast<uint64_t>(v) ^ (uint64_t{1} << 63));
}

void PutBytes(std::string* out, std::string_view v) {
  PutU32(out, static_cast<uint32_t>(v.size()));
  out->append(v);
}

uint64_t DecodeU64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

uint32_t DecodeU32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

int64_t DecodeI64(const char* p) {
  return static_cast<int64_t>(DecodeU64(p) ^ (uint64_t{1} << 63));
}

bool ByteReader::Need(size_t n) {
  if (!ok_ || in_.size() < n) {
    ok_ = false;
    return false;
  }
  return true;
}

uint8_t ByteReader::U8() {
  if (!Need(1)) return 0;
  uint8_t v = static_cast<uint8_t>(in_[0]);
  in_.remove_prefix(1);
  return v;
}

uint32_t ByteReader::U32() {
  if (!Need(4)) return 0;
  uint32_t v = DecodeU32(in_.data());
  in_.remove_prefix(4);
  return v;
}

uint64_t ByteReader::U64() {
  if (!Need(8)) return 0;
  uint64_t v = DecodeU64(in_.data());
  in_.remove_prefix(8);
  return v;
}

int64_t ByteReader::I64() {
  if (!Need(8)) return 0;
  int64_t v = DecodeI64(in_.data());
  in_.remove_prefix(8);
  return v;
}

std::string_view ByteReader::Fixed(size_t n) {
  TB_CHECK(n <= kMaxFixedBytes);
  if (!Need(n)) return std::string_view(kZeros, std::min(n, sizeof(kZeros)));
  std::string_view v = in_.substr(0, n);
  in_.remove_prefix(n);
  return v;
}

std::string_view ByteReader::Bytes() {
  uint32_t n = U32();
  if (!Need(n)) return {};
  std::string_view v = in_.substr(0, n);
  in_.remove_prefix(n);
  return v;
}

std::string KeyU64(char tag, uint64_t v) {
  std::string k(1, tag);
  PutU64(&k, v);
  return k;
}

std::string KeyU64U64(char tag, uint64_t a, uint64_t b) {
  std::string k(1, tag);
  PutU64(&k, a);
  PutU64(&k, b);
  return k;
}

std::string KeyStr(char tag, std::string_view s) {
  std::string k(1, tag);
  k.append(s);
  return k;
}

std::string ToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

}  // namespace timebank::storage
