// Byte encodings shared by keys and stored values. Integers are big-endian so that
// encoded keys sort in numeric order; signed integers flip the sign bit so negative
// values sort first. ByteReader never reads past its input: a short or malformed
// value makes ok() false instead of crashing.
#ifndef TIMEBANK_STORAGE_BYTES_H_
#define TIMEBANK_STORAGE_BYTES_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace timebank::storage {

void PutU8(std::string* out, uint8_t v);
void PutU32(std::string* out, uint32_t v);
void PutU64(std::string* out, uint64_t v);
// Order-preserving encoding of a signed integer.
void PutI64(std::string* out, int64_t v);
// u32 length prefix then the bytes.
void PutBytes(std::string* out, std::string_view v);

uint64_t DecodeU64(const char* p);
uint32_t DecodeU32(const char* p);
int64_t DecodeI64(const char* p);

class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}
  uint8_t U8();
  uint32_t U32();
  uint64_t U64();
  int64_t I64();
  std::string_view Bytes();
  // `n` bytes without a length prefix; on a short input ok() turns false and the
  // answer is n zero bytes (n at most kMaxFixedBytes), so callers need not check first.
  std::string_view Fixed(size_t n);
  static constexpr size_t kMaxFixedBytes = 64;
  bool ok() const { return ok_; }
  bool done() const { return in_.empty(); }
  std::string_view rest() const { return in_; }

 private:
  bool Need(size_t n);
  static constexpr char kZeros[kMaxFixedBytes] = {};
  std::string_view in_;
  bool ok_ = true;
};

// Helpers for composite keys: a one-byte tag followed by fixed-width fields.
std::string KeyU64(char tag, uint64_t v);
std::string KeyU64U64(char tag, uint64_t a, uint64_t b);
std::string KeyStr(char tag, std::string_view s);

// Lower-case hex.
std::string ToHex(std::string_view bytes);

}  // namespace timebank::storage

#endif  // TIMEBANK_STORAGE_BYTES_H_
