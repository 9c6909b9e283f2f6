#include "services/common/auth/keyring.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "storage/bytes.h"
#include "storage/check.h"
#include "storage/hash_chain.h"

namespace timebank::auth {

std::string RandomBytes(size_t n) { return storage::RandomBytes(n); }

namespace {

int64_t MtimeNs(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

bool FromHex(std::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  out->clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    int v = 0;
    for (int k = 0; k < 2; ++k) {
      const char c = hex[i + k];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= c - '0';
      else if (c >= 'a' && c <= 'f')
        v |= c - 'a' + 10;
      else
        return false;
    }
    out->push_back(static_cast<char>(v));
  }
  return true;
}

SigningKey NewKey(int64_t now_s, const std::vector<SigningKey>& existing) {
  int64_t created = now_s;
  for (const SigningKey& k : existing) created = std::max(created, k.created_s + 1);
  return SigningKey{absl::StrCat("k", created), created, RandomBytes(kKeyBytes)};
}

}  // namespace

absl::StatusOr<std::unique_ptr<Keyring>> Keyring::Open(const std::string& path,
                                                       const Clock* clock) {
  std::unique_ptr<Keyring> k(new Keyring(path));
  if (::access(path.c_str(), F_OK) != 0) {
    TB_RETURN_IF_ERROR(k->Save({NewKey(clock->NowUnixSeconds(), {})}));
  }
  TB_RETURN_IF_ERROR(k->Load());
  return k;
}

absl::Status Keyring::Load() {
  const int64_t mtime = MtimeNs(path_);
  std::ifstream in(path_);
  if (!in) return absl::FailedPreconditionError(absl::StrCat("cannot read keyring ", path_));
  std::vector<SigningKey> keys;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f = absl::StrSplit(line, ' ');
    SigningKey key;
    if (f.size() != 3 || !absl::SimpleAtoi(f[1], &key.created_s) || !FromHex(f[2], &key.secret) ||
        key.secret.size() != kKeyBytes) {
      return absl::FailedPreconditionError(
          absl::StrCat("keyring ", path_, " is damaged (line \"", line.substr(0, 20),
                       "...\"); restore it from backup, or delete it to sign everyone out"));
    }
    key.id = f[0];
    keys.push_back(std::move(key));
  }
  if (keys.empty() || keys.size() > kMaxKeys) {
    return absl::FailedPreconditionError(absl::StrCat("keyring ", path_, " holds no usable key"));
  }
  std::sort(keys.begin(), keys.end(),
            [](const SigningKey& a, const SigningKey& b) { return a.created_s > b.created_s; });
  absl::MutexLock lock(&mu_);
  keys_ = std::move(keys);
  loaded_mtime_ns_ = mtime;
  generation_.fetch_add(1, std::memory_order_acq_rel);
  return absl::OkStatus();
}

absl::Status Keyring::Save(const std::vector<SigningKey>& keys) {
  std::string text =
      "# timebank token signing keys: id created_unix_s secret_hex. Secret: keep 0600.\n";
  for (const SigningKey& k : keys) {
    absl::StrAppend(&text, k.id, " ", k.created_s, " ", storage::ToHex(k.secret), "\n");
  }
  const std::string tmp = path_ + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return absl::FailedPreconditionError(absl::StrCat("cannot write keyring ", tmp));
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path_.c_str()) != 0) {
    return absl::FailedPreconditionError(absl::StrCat("cannot write keyring ", path_));
  }
  return absl::OkStatus();
}

SigningKey Keyring::Active() const {
  absl::MutexLock lock(&mu_);
  return keys_.front();
}

bool Keyring::Find(std::string_view id, std::string* secret) const {
  absl::ReaderMutexLock lock(&mu_);
  for (const SigningKey& k : keys_) {
    if (k.id == id) {
      *secret = k.secret;
      return true;
    }
  }
  return false;
}

std::vector<std::string> Keyring::KeyIds() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> ids;
  for (const SigningKey& k : keys_) ids.push_back(k.id);
  return ids;
}

absl::StatusOr<std::vector<std::string>> Keyring::Rotate(int64_t now_s, int64_t retire_after_s) {
  std::vector<SigningKey> keys;
  {
    absl::MutexLock lock(&mu_);
    keys = keys_;
  }
  keys.insert(keys.begin(), NewKey(now_s, keys));
  // Key i (i >= 1) verifies while its successor, keys[i-1], is younger than retire_after_s.
  std::vector<SigningKey> kept = {keys[0]};
  for (size_t i = 1; i < keys.size() && kept.size() < kMaxKeys; ++i) {
    if (now_s - keys[i - 1].created_s < retire_after_s) kept.push_back(keys[i]);
  }
  TB_RETURN_IF_ERROR(Save(kept));
  TB_RETURN_IF_ERROR(Load());
  return KeyIds();
}

void Keyring::ReloadIfChanged() {
  {
    absl::MutexLock lock(&mu_);
    if (MtimeNs(path_) == loaded_mtime_ns_) return;
  }
  absl::Status s = Load();
  if (!s.ok())
    std::fprintf(stderr, "keyring: keeping the keys in memory: %s\n", s.ToString().c_str());
}

}  // namespace timebank::auth
