// Keyring holds the HMAC-SHA256 keys that sign access tokens. It lives in one file
// (0600) so every timebankd process of an installation can verify tokens: the
// directory rotates keys by rewriting the file, other processes reload it when it
// changes. The newest key signs; older keys verify until they retire, one access-token
// lifetime after their successor was created. See docs/decisions/0003.
#ifndef TIMEBANK_SERVICES_COMMON_AUTH_KEYRING_H_
#define TIMEBANK_SERVICES_COMMON_AUTH_KEYRING_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/common/clock.h"

namespace timebank::auth {

inline constexpr size_t kKeyBytes = 32;
inline constexpr size_t kMaxKeys = 8;

struct SigningKey {
  std::string id;      // "k" + creation time, unique per keyring
  int64_t created_s;   // Unix seconds
  std::string secret;  // kKeyBytes random bytes
};

class Keyring {
 public:
  // Opens the keyring file, creating it with one fresh key (dated by `clock`) when it
  // does not exist.
  static absl::StatusOr<std::unique_ptr<Keyring>> Open(const std::string& path,
                                                       const Clock* clock = SystemClock());

  // The key that signs new tokens.
  SigningKey Active() const;
  // The secret of key `id`, if it still verifies.
  bool Find(std::string_view id, std::string* secret) const;
  // Adds a new active key and retires keys older than `retire_after_s` beyond their
  // successor; persists atomically. Returns the ids that still verify, newest first.
  absl::StatusOr<std::vector<std::string>> Rotate(int64_t now_s, int64_t retire_after_s);
  // Rereads the file if another process changed it.
  void ReloadIfChanged();
  std::vector<std::string> KeyIds() const;
  // Changes whenever the keys change (caches of verified tokens compare it).
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  explicit Keyring(std::string path) : path_(std::move(path)) {}
  absl::Status Load();
  absl::Status Save(const std::vector<SigningKey>& keys);

  const std::string path_;
  mutable absl::Mutex mu_;
  std::vector<SigningKey> keys_ ABSL_GUARDED_BY(mu_);  // newest first
  int64_t loaded_mtime_ns_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<uint64_t> generation_{0};
};

// Cryptographically random bytes (OpenSSL RAND_bytes); aborts if the RNG fails.
std::string RandomBytes(size_t n);

}  // namespace timebank::auth

#endif  // TIMEBANK_SERVICES_COMMON_AUTH_KEYRING_H_
