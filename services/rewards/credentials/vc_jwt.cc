#include "services/rewards/credentials/vc_jwt.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/rewards/credentials/open_badge.h"
#include "storage/check.h"

namespace timebank::rewards {
namespace {

using Json = nlohmann::json;

constexpr char kJwtAlg[] = "RS256";
// The registered claims OB 3.0 maps onto credential fields; they are not credential
// members, so verification takes them off again.
constexpr std::array<const char*, 5> kCredentialClaims = {"iss", "sub", "nbf", "jti", "exp"};

absl::StatusOr<Json> ParseJsonObject(absl::string_view text, absl::string_view what) {
  Json doc = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object())
    return absl::InvalidArgumentError(absl::StrCat(what, ": not a JSON object"));
  return doc;
}

// JWS uses base64url without padding (RFC 7515 section 2); anything else is malformed,
// including the padded or standard alphabets a lenient decoder would accept.
absl::StatusOr<std::string> DecodeSegment(absl::string_view segment, absl::string_view what) {
  const bool alphabet_ok = std::all_of(segment.begin(), segment.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
  std::string bytes;
  if (segment.empty() || !alphabet_ok || !absl::WebSafeBase64Unescape(segment, &bytes)) {
    return absl::InvalidArgumentError(absl::StrCat("malformed JWS: ", what, " is not base64url"));
  }
  return bytes;
}

absl::Status CheckJoseHeader(const Json& header) {
  for (const auto& [name, value] : header.items()) {
    // OB 3.0: "Additional JOSE Headers are NOT allowed" (a crit or jku we ignored would
    // change what the signature means).
    if (name != "alg" && name != "kid" && name != "typ") {
      return absl::InvalidArgumentError(absl::StrCat("JWS header: member ", name, " not allowed"));
    }
  }
  if (header.value("alg", "") != kJwtAlg) {
    return absl::InvalidArgumentError("JWS header: alg is not RS256");
  }
  if (!header.contains("kid") || !header["kid"].is_string()) {
    return absl::InvalidArgumentError("JWS header: kid missing");
  }
  if (header.contains("typ") && header["typ"] != "JWT") {
    return absl::InvalidArgumentError("JWS header: typ is not JWT");
  }
  return absl::OkStatus();
}

absl::StatusOr<IssuerKey> FindJwk(absl::string_view jwks_json, absl::string_view kid) {
  if (jwks_json.size() > kJwksBytesMax) return absl::InvalidArgumentError("JWK Set: too large");
  TB_ASSIGN_OR_RETURN(Json jwks, ParseJsonObject(jwks_json, "JWK Set"));
  if (!jwks.contains("keys") || !jwks["keys"].is_array()) {
    return absl::InvalidArgumentError("JWK Set: no keys array");
  }
  for (const Json& jwk : jwks["keys"]) {
    if (jwk.is_object() && jwk.contains("kid") && jwk["kid"].is_string() &&
        jwk["kid"].get_ref<const std::string&>() == kid) {
      return IssuerKey::FromPublicJwk(jwk);
    }
  }
  return absl::NotFoundError(absl::StrCat("JWK Set has no key with kid ", kid));
}

absl::StatusOr<int64_t> NumericDateClaim(const Json& payload, const char* claim) {
  auto it = payload.find(claim);
  if (it == payload.end() || !it->is_number_integer()) {
    return absl::InvalidArgumentError(
        absl::StrCat("JWT claim ", claim, ": missing or not integer"));
  }
  return it->get<int64_t>();
}

absl::Status CheckStringClaim(const Json& payload, const char* claim, const std::string& expected,
                              absl::string_view field) {
  auto it = payload.find(claim);
  if (it == payload.end() || !it->is_string() || it->get<std::string>() != expected) {
    return absl::InvalidArgumentError(
        absl::StrCat("JWT claim ", claim, " does not match the credential's ", field));
  }
  return absl::OkStatus();
}

// OB 3.0 section 8.2.4.1: each claim must equal its credential field; then the validity
// window is checked against `now`.
absl::Status CheckClaims(const Json& payload, const Json& credential, absl::Time now) {
  TB_RETURN_IF_ERROR(CheckStringClaim(payload, "iss", CredentialIssuerId(credential), "issuer.id"));
  TB_RETURN_IF_ERROR(CheckStringClaim(payload, "sub",
                                      credential["credentialSubject"]["id"].get<std::string>(),
                                      "credentialSubject.id"));
  TB_RETURN_IF_ERROR(CheckStringClaim(payload, "jti", credential["id"].get<std::string>(), "id"));
  TB_ASSIGN_OR_RETURN(int64_t nbf_s, NumericDateClaim(payload, "nbf"));
  TB_ASSIGN_OR_RETURN(absl::Time valid_from,
                      ParseCredentialTime(credential["validFrom"], "validFrom"));
  if (absl::FromUnixSeconds(nbf_s) != valid_from) {
    return absl::InvalidArgumentError("JWT claim nbf does not match the credential's validFrom");
  }
  const bool has_valid_until = credential.contains("validUntil");
  if (has_valid_until != payload.contains("exp")) {
    return absl::InvalidArgumentError("JWT claim exp and the credential's validUntil disagree");
  }
  if (now < valid_from) return absl::FailedPreconditionError("credential is not yet valid");
  if (!has_valid_until) return absl::OkStatus();
  TB_ASSIGN_OR_RETURN(int64_t exp_s, NumericDateClaim(payload, "exp"));
  TB_ASSIGN_OR_RETURN(absl::Time valid_until,
                      ParseCredentialTime(credential["validUntil"], "validUntil"));
  if (absl::FromUnixSeconds(exp_s) != valid_until) {
    return absl::InvalidArgumentError("JWT claim exp does not match the credential's validUntil");
  }
  if (now >= valid_until) return absl::FailedPreconditionError("credential has expired");
  return absl::OkStatus();
}

// A NumericDate holds whole seconds, so a time with a fraction could never be matched.
absl::StatusOr<int64_t> WholeSeconds(const Json& value, absl::string_view field) {
  TB_ASSIGN_OR_RETURN(absl::Time time, ParseCredentialTime(value, field));
  if (absl::FromUnixSeconds(absl::ToUnixSeconds(time)) != time) {
    return absl::InvalidArgumentError(
        absl::StrCat("credential: ", field, " has a fraction of a second"));
  }
  return absl::ToUnixSeconds(time);
}

}  // namespace

absl::StatusOr<std::string> SignVcJwt(const IssuerKeyring& keyring,
                                      absl::string_view credential_json) {
  if (credential_json.size() > kCredentialJsonBytesMax) {
    return absl::InvalidArgumentError("credential: too large");
  }
  TB_ASSIGN_OR_RETURN(Json payload, ParseJsonObject(credential_json, "credential"));
  TB_RETURN_IF_ERROR(CheckOpenBadgeCredential(payload));
  for (const char* claim : kCredentialClaims) {
    if (payload.contains(claim)) {
      return absl::InvalidArgumentError(absl::StrCat("credential: has a member named ", claim));
    }
  }
  TB_ASSIGN_OR_RETURN(payload["nbf"], WholeSeconds(payload["validFrom"], "validFrom"));
  if (payload.contains("validUntil")) {
    TB_ASSIGN_OR_RETURN(payload["exp"], WholeSeconds(payload["validUntil"], "validUntil"));
  }
  payload["iss"] = CredentialIssuerId(payload);
  payload["sub"] = payload["credentialSubject"]["id"];
  payload["jti"] = payload["id"];

  const IssuerKey& key = keyring.signing_key();
  const Json header = {{"alg", kJwtAlg}, {"kid", key.kid()}, {"typ", "JWT"}};
  const std::string signing_input = absl::StrCat(absl::WebSafeBase64Escape(header.dump()), ".",
                                                 absl::WebSafeBase64Escape(payload.dump()));
  TB_ASSIGN_OR_RETURN(std::string signature, key.SignRs256(signing_input));
  return absl::StrCat(signing_input, ".", absl::WebSafeBase64Escape(signature));
}

absl::StatusOr<VerifiedCredential> VerifyVcJwt(absl::string_view jws, absl::string_view jwks_json,
                                               absl::Time now) {
  if (jws.size() > kVcJwtBytesMax) return absl::InvalidArgumentError("malformed JWS: too large");
  const std::vector<absl::string_view> parts = absl::StrSplit(jws, '.');
  if (parts.size() != 3) {
    return absl::InvalidArgumentError("malformed JWS: not three dot-separated parts");
  }
  TB_ASSIGN_OR_RETURN(std::string header_bytes, DecodeSegment(parts[0], "header"));
  TB_ASSIGN_OR_RETURN(std::string payload_bytes, DecodeSegment(parts[1], "payload"));
  TB_ASSIGN_OR_RETURN(std::string signature, DecodeSegment(parts[2], "signature"));
  TB_ASSIGN_OR_RETURN(Json header, ParseJsonObject(header_bytes, "JWS header"));
  TB_RETURN_IF_ERROR(CheckJoseHeader(header));
  const std::string kid = header["kid"].get<std::string>();
  TB_ASSIGN_OR_RETURN(IssuerKey key, FindJwk(jwks_json, kid));
  const absl::string_view signing_input = jws.substr(0, parts[0].size() + 1 + parts[1].size());
  if (!key.VerifyRs256(signing_input, signature)) {
    return absl::UnauthenticatedError(absl::StrCat("JWS signature does not verify with key ", kid));
  }
  TB_ASSIGN_OR_RETURN(Json payload, ParseJsonObject(payload_bytes, "JWT payload"));
  Json credential = payload;
  for (const char* claim : kCredentialClaims) credential.erase(claim);
  TB_RETURN_IF_ERROR(CheckOpenBadgeCredential(credential));
  TB_RETURN_IF_ERROR(CheckClaims(payload, credential, now));
  return VerifiedCredential{credential.dump(), kid};
}

}  // namespace timebank::rewards
