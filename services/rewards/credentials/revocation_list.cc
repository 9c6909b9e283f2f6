#include "services/rewards/credentials/revocation_list.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "services/rewards/credentials/open_badge.h"
#include "storage/check.h"

namespace timebank::rewards {
namespace {

using Json = nlohmann::json;

// The list document as parsed, with its shape checked.
struct ParsedRevocationList {
  Json doc;
};

absl::StatusOr<ParsedRevocationList> ParseRevocationList(absl::string_view list_json) {
  Json doc = Json::parse(list_json.begin(), list_json.end(), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("id") || !doc["id"].is_string() ||
      !doc.contains("issuer") || !doc["issuer"].is_string() ||
      !doc.contains("revokedCredentials") || !doc["revokedCredentials"].is_array()) {
    return absl::InvalidArgumentError(
        "revocation list: not an object with id, issuer and revokedCredentials");
  }
  for (const Json& entry : doc["revokedCredentials"]) {
    if (!entry.is_object() || !entry.contains("id") || !entry["id"].is_string()) {
      return absl::InvalidArgumentError("revocation list: an entry has no credential id");
    }
  }
  return ParsedRevocationList{std::move(doc)};
}

bool ListsCredential(const ParsedRevocationList& list, absl::string_view credential_id) {
  const Json& entries = list.doc["revokedCredentials"];
  return std::any_of(entries.begin(), entries.end(), [&](const Json& entry) {
    return entry["id"].get_ref<const std::string&>() == credential_id;
  });
}

}  // namespace

absl::StatusOr<std::string> BuildRevocationList(absl::string_view list_url,
                                                absl::string_view issuer_id,
                                                std::vector<RevokedCredential> revoked) {
  TB_RETURN_IF_ERROR(CheckCredentialUri("list_url", list_url));
  TB_RETURN_IF_ERROR(CheckCredentialUri("issuer_id", issuer_id));
  if (revoked.size() > kRevokedCredentialsMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("revoked: more than ", kRevokedCredentialsMax, " credentials"));
  }
  for (const RevokedCredential& r : revoked) {
    TB_RETURN_IF_ERROR(CheckCredentialUri("revoked.credential_id", r.credential_id));
    if (r.reason.size() > kRevocationReasonBytesMax) {
      return absl::InvalidArgumentError(
          absl::StrCat("revoked.reason: longer than ", kRevocationReasonBytesMax, " bytes"));
    }
  }
  // Sorted and unique: a badge withdrawn, re-awarded and withdrawn again is one entry
  // (its credential id is the award's), and equal sets publish equal bytes.
  std::sort(revoked.begin(), revoked.end(),
            [](const RevokedCredential& a, const RevokedCredential& b) {
              return a.credential_id < b.credential_id;
            });
  revoked.erase(std::unique(revoked.begin(), revoked.end(),
                            [](const RevokedCredential& a, const RevokedCredential& b) {
                              return a.credential_id == b.credential_id;
                            }),
                revoked.end());
  Json entries = Json::array();
  for (RevokedCredential& r : revoked) {
    Json entry = {{"id", std::move(r.credential_id)}};
    if (!r.reason.empty()) entry["revocationReason"] = std::move(r.reason);
    entries.push_back(std::move(entry));
  }
  return Json{{"id", list_url}, {"issuer", issuer_id}, {"revokedCredentials", std::move(entries)}}
      .dump();
}

absl::StatusOr<bool> IsRevokedInList(absl::string_view list_json, absl::string_view credential_id) {
  TB_ASSIGN_OR_RETURN(ParsedRevocationList list, ParseRevocationList(list_json));
  return ListsCredential(list, credential_id);
}

absl::StatusOr<bool> IsCredentialRevoked(absl::string_view credential_json,
                                         absl::string_view list_json) {
  const Json credential =
      Json::parse(credential_json.begin(), credential_json.end(), nullptr, false);
  TB_RETURN_IF_ERROR(CheckOpenBadgeCredential(credential));
  auto status = credential.find("credentialStatus");
  if (status == credential.end()) return false;
  if (!status->is_object() || status->value("type", "") != kRevocationListStatusType ||
      !status->contains("id") || !(*status)["id"].is_string()) {
    return absl::InvalidArgumentError(
        "credential: credentialStatus is not a 1EdTech Revocation List entry");
  }
  TB_ASSIGN_OR_RETURN(ParsedRevocationList list, ParseRevocationList(list_json));
  if (list.doc["id"] != (*status)["id"]) {
    return absl::InvalidArgumentError("revocation list: not the list the credential names");
  }
  if (list.doc["issuer"].get<std::string>() != CredentialIssuerId(credential)) {
    return absl::InvalidArgumentError("revocation list: issued by another issuer");
  }
  return ListsCredential(list, credential["id"].get<std::string>());
}

}  // namespace timebank::rewards
