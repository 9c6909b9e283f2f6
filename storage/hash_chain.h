// HashChain: a SHA-256 chain over a sequence of records,
// hash_n = SHA-256(hash_{n-1} || record_n), starting from 32 zero bytes. Any change,
// removal or reordering of an earlier record changes every later hash.
#ifndef TIMEBANK_STORAGE_HASH_CHAIN_H_
#define TIMEBANK_STORAGE_HASH_CHAIN_H_

#include <array>
#include <string_view>

namespace timebank::storage {

using Hash256 = std::array<unsigned char, 32>;

inline constexpr Hash256 kGenesisHash{};

// Returns SHA-256(prev || record).
Hash256 ChainHash(const Hash256& prev, std::string_view record);

inline std::string_view HashBytes(const Hash256& h) {
  return std::string_view(reinterpret_cast<const char*>(h.data()), h.size());
}

}  // namespace timebank::storage

#endif  // TIMEBANK_STORAGE_HASH_CHAIN_H_
