// API keys of organisations: created with a secret shown once (only its hash is
// kept), listed, revoked (ending their tokens), and found by secret.
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "services/directory/directory.h"
#include "services/directory/directory_fields.h"
#include "storage/hash_chain.h"

namespace timebank::directory {

absl::StatusOr<dpb::ApiKey> Directory::CreateApiKey(const Actor& a, uint64_t c, uint64_t org_id,
                                                    const std::string& label) {
  TB_RETURN_IF_ERROR(CheckName("label", label, true));
  absl::MutexLock lock(&write_mu_);
  TB_RETURN_IF_ERROR(GetOrganisation(c, org_id).status());
  records::Tx tx = NewTx();
  TB_ASSIGN_OR_RETURN(uint64_t id, tx.NextId("apikey"));
  dpb::ApiKey k;
  k.set_community_id(c);
  k.set_id(id);
  k.set_organisation_id(org_id);
  k.set_label(label);
  *k.mutable_created_at() = Ts(Now());
  k.set_created_by(a.principal.subject_id());
  std::string secret;
  absl::WebSafeBase64Escape(AsAbsl(storage::RandomBytes(24)), &secret);
  secret = absl::StrCat("tbk_", secret);
  tx.Put(ApiKeyKey(c, id), k.SerializeAsString());
  tx.Put(ApiKeySecretKey(secret), RefValue(c, id));
  Audit(tx, c, a, "apikey.create", 0,
        absl::StrCat("key ", id, " for organisation ", org_id, ": ", label));
  TB_RETURN_IF_ERROR(tx.Commit());
  k.set_secret(secret);
  return k;
}

absl::StatusOr<Page<dpb::ApiKey>> Directory::ListApiKeys(uint64_t c, uint64_t org_id,
                                                         uint64_t after_id, size_t limit) {
  return Scan<dpb::ApiKey>(
      ApiKeyPrefix(c), ApiKeyKey(c, after_id + 1), limit,
      [org_id](const dpb::ApiKey& k) { return org_id == 0 || k.organisation_id() == org_id; });
}

absl::StatusOr<dpb::ApiKey> Directory::RevokeApiKey(const Actor& a, uint64_t c, uint64_t org_id,
                                                    uint64_t id) {
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(std::optional<dpb::ApiKey> k,
                      Find<dpb::ApiKey>(committed_, ApiKeyKey(c, id)));
  if (!k || (org_id != 0 && k->organisation_id() != org_id)) {
    return absl::NotFoundError(
        absl::StrCat("API key ", id, " does not exist for that organisation"));
  }
  k->set_revoked(true);
  records::Tx tx = NewTx();
  tx.Put(ApiKeyKey(c, id), k->SerializeAsString());
  Audit(tx, c, a, "apikey.revoke", 0, absl::StrCat("key ", id));
  TB_RETURN_IF_ERROR(EndTokens(tx, dpb::Principal::KIND_API_KEY, c, id));
  TB_RETURN_IF_ERROR(tx.Commit());
  return *std::move(k);
}

absl::StatusOr<std::optional<dpb::ApiKey>> Directory::FindApiKey(const std::string& secret) {
  std::string ref;
  TB_ASSIGN_OR_RETURN(bool found, committed_.Get(ApiKeySecretKey(secret), &ref));
  const std::optional<std::pair<uint64_t, uint64_t>> at = found ? RefOf(ref) : std::nullopt;
  if (!at) return std::nullopt;
  TB_ASSIGN_OR_RETURN(std::optional<dpb::ApiKey> k,
                      Find<dpb::ApiKey>(committed_, ApiKeyKey(at->first, at->second)));
  if (!k || k->revoked()) return std::nullopt;
  return k;
}

}  // namespace timebank::directory
