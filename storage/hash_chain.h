// HashChain: a SHA-256 chain over a sequence of records,
// hash_n = SHA-256(hash_{n-1} || record_n), starting from 32 zero bytes. Any change,
// removal or reordering of an earlier record changes every later hash. Also the plain
// SHA-256 and the cryptographic randomness that salted commitments to records use.
#ifndef TIMEBANK_STORAGE_HASH_CHAIN_H_
#define TIMEBANK_STORAGE_HASH_CHAIN_H_

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace timebank::storage {

using Hash256 = std::array<unsigned char, 32>;

inline constexpr Hash256 kGenesisHash{};

// Returns SHA-256(prev || record).
Hash256 ChainHash(const Hash256& prev, std::string_view record);
// Returns SHA-256(data).
Hash256 Sha256(std::string_view data);
// `n` cryptographically random bytes (OpenSSL RAND_bytes); aborts if the RNG fails.
std::string RandomBytes(size_t n);

inline std::string_view HashBytes(const Hash256& h) {
  return std::string_view(reinterpret_cast<const char*>(h.data()), h.size());
}

}  // namespace timebank::storage

#endif  // TIMEBANK_STORAGE_HASH_CHAIN_H_
