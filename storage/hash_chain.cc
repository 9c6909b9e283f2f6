#include "storage/hash_chain.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <initializer_list>
#include <memory>

#include "storage/check.h"

namespace timebank::storage {

namespace {

// SHA-256 of the concatenation of `parts`.
Hash256 Digest(std::initializer_list<std::string_view> parts) {
  // One context per thread: EVP context creation costs more than hashing a record.
  struct CtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  thread_local std::unique_ptr<EVP_MD_CTX, CtxFree> owned(EVP_MD_CTX_new());
  EVP_MD_CTX* ctx = owned.get();
  static const EVP_MD* md = EVP_sha256();
  Hash256 out;
  unsigned int len = 0;
  TB_CHECK(ctx != nullptr);
  TB_CHECK(EVP_DigestInit_ex(ctx, md, nullptr) == 1);
  for (std::string_view p : parts) TB_CHECK(EVP_DigestUpdate(ctx, p.data(), p.size()) == 1);
  TB_CHECK(EVP_DigestFinal_ex(ctx, out.data(), &len) == 1);
  TB_CHECK(len == out.size());
  return out;
}

}  // namespace

Hash256 ChainHash(const Hash256& prev, std::string_view record) {
  return Digest({HashBytes(prev), record});
}

Hash256 Sha256(std::string_view data) { return Digest({data}); }

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  TB_CHECK(RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) == 1);
  return out;
}

}  // namespace timebank::storage
