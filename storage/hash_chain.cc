#include "storage/hash_chain.h"

#include <openssl/evp.h>

#include <memory>

#include "storage/check.h"

namespace timebank::storage {

Hash256 ChainHash(const Hash256& prev, std::string_view record) {
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
  TB_CHECK(EVP_DigestUpdate(ctx, prev.data(), prev.size()) == 1);
  TB_CHECK(EVP_DigestUpdate(ctx, record.data(), record.size()) == 1);
  TB_CHECK(EVP_DigestFinal_ex(ctx, out.data(), &len) == 1);
  TB_CHECK(len == out.size());
  return out;
}

}  // namespace timebank::storage
