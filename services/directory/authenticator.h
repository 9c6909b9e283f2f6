// Authenticator signs people and integrations in: Argon2id password checks slowed by
// a throttle (per username and per client address), sign-up by invitation or for
// approval, short-lived access tokens with rotating single-use refresh tokens,
// sign-out (one session or everywhere), API-key sign-in, signing-key rotation and the
// one-time setup code that creates the installation's operator.
#ifndef TIMEBANK_SERVICES_DIRECTORY_AUTHENTICATOR_H_
#define TIMEBANK_SERVICES_DIRECTORY_AUTHENTICATOR_H_

#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/common/auth/keyring.h"
#include "services/directory/directory.h"
#include "timebank/directory/v1/auth.pb.h"

namespace timebank::directory {

struct AuthOptions {
  int64_t refresh_lifetime_s = 30 * 24 * 3600;
  // Failed sign-ins allowed per window before further attempts are refused.
  int max_failures_per_username = 5;
  int max_failures_per_address = 30;
  int64_t throttle_window_s = 15 * 60;
  // Argon2id cost (OWASP's minimum: 19 MiB, 2 passes).
  uint32_t argon2_memory_kib = 19 * 1024;
  uint32_t argon2_passes = 2;
};

// Counts failed attempts per key in a sliding window; bounded in size.
class Throttle {
 public:
  Throttle(int max_failures, int64_t window_s) : max_(max_failures), window_s_(window_s) {}
  // Seconds until the key may try again; 0 if it may now.
  int64_t RetryAfterS(const std::string& key, int64_t now_s);
  void Fail(const std::string& key, int64_t now_s);
  void Clear(const std::string& key);

 private:
  static constexpr size_t kMaxKeys = 100'000;
  struct Entry {
    int64_t window_start_s = 0;
    int failures = 0;
  };
  const int max_;
  const int64_t window_s_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

class Authenticator {
 public:
  Authenticator(Directory* directory, auth::Keyring* keyring, AuthOptions options);

  absl::StatusOr<std::string> HashPassword(const std::string& password) const;

  absl::StatusOr<dpb::SignUpResponse> SignUp(const dpb::SignUpRequest& req,
                                             const std::string& address);
  absl::StatusOr<dpb::Tokens> SignIn(const dpb::SignInRequest& req, const std::string& address);
  absl::StatusOr<dpb::Tokens> Refresh(const std::string& refresh_token);
  absl::Status SignOut(const std::string& refresh_token);
  // Both ids 0: the caller (a person) signs themself out.
  absl::StatusOr<int> SignOutEverywhere(const dpb::Principal& caller, uint64_t community_id,
                                        uint64_t member_id);
  absl::Status ChangePassword(const dpb::Principal& caller, const std::string& current,
                              const std::string& next, const std::string& address);
  absl::Status SetPassword(const Actor& a, uint64_t community_id, uint64_t member_id,
                           const std::string& next);
  absl::StatusOr<dpb::RotateSigningKeyResponse> RotateSigningKey();
  dpb::PollRevocationsResponse PollRevocations(uint64_t after_seq) {
    return directory_->PollRevocations(after_seq);
  }
  absl::StatusOr<dpb::Tokens> CompleteSetup(const dpb::CompleteSetupRequest& req,
                                            const std::string& address);

  // First start: creates the operator from a username and password, or, without
  // them, stores a new one-time setup code and returns it ("" if setup is done).
  absl::StatusOr<std::string> EnsureOperator(const std::string& username,
                                             const std::string& password);

 private:
  absl::StatusOr<dpb::Tokens> Issue(const dpb::Principal& p, bool with_refresh, uint64_t session_id,
                                    int64_t refresh_expires_s, const std::string& refresh_token);
  absl::StatusOr<dpb::Tokens> NewSession(const dpb::Principal& p);
  absl::Status Throttled(const std::string& username, const std::string& address, int64_t now_s);
  bool VerifyPassword(const std::string& encoded, const std::string& password) const;

  Directory* const directory_;
  auth::Keyring* const keyring_;
  const AuthOptions options_;
  Throttle by_username_;
  Throttle by_address_;
  std::string dummy_hash_;  // verified when a username is unknown, so timing says nothing
};

}  // namespace timebank::directory

#endif  // TIMEBANK_SERVICES_DIRECTORY_AUTHENTICATOR_H_
