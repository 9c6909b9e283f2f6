#include "services/rewards/credentials/open_badge.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "storage/check.h"

namespace timebank::rewards {
namespace {

using Json = nlohmann::json;

// RFC 4122 appendix C: the name space for URLs, as bytes.
constexpr unsigned char kUuidUrlNamespace[16] = {0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
                                                 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};

// RFC 3986: scheme ":" and something after it, no spaces or control characters.
bool LooksLikeUri(absl::string_view text) {
  const size_t colon = text.find(':');
  if (colon == 0 || colon == absl::string_view::npos || colon + 1 == text.size()) return false;
  if (!absl::ascii_isalpha(static_cast<unsigned char>(text[0]))) return false;
  for (size_t i = 1; i < colon; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (!absl::ascii_isalnum(c) && c != '+' && c != '-' && c != '.') return false;
  }
  return std::none_of(text.begin(), text.end(),
                      [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; });
}

absl::Status CheckText(absl::string_view field, absl::string_view value) {
  if (value.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": empty"));
  if (value.size() > kCredentialTextBytesMax) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": longer than ", kCredentialTextBytesMax, " bytes"));
  }
  return absl::OkStatus();
}

absl::Status CheckInputs(const CredentialInputs& in) {
  TB_RETURN_IF_ERROR(CheckCredentialUri("credential_id", in.credential_id));
  TB_RETURN_IF_ERROR(CheckCredentialUri("issuer_id", in.issuer_id));
  TB_RETURN_IF_ERROR(CheckText("issuer_name", in.issuer_name));
  TB_RETURN_IF_ERROR(CheckCredentialUri("achievement_id", in.achievement_id));
  TB_RETURN_IF_ERROR(CheckText("achievement_name", in.achievement_name));
  TB_RETURN_IF_ERROR(CheckText("achievement_description", in.achievement_description));
  TB_RETURN_IF_ERROR(CheckText("criteria_narrative", in.criteria_narrative));
  TB_RETURN_IF_ERROR(CheckCredentialUri("subject_id", in.subject_id));
  if (in.valid_from == absl::InfinitePast() || in.valid_from == absl::InfiniteFuture()) {
    return absl::InvalidArgumentError("valid_from: not a finite time");
  }
  if (in.evidence.size() > kCredentialEvidenceMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("evidence: more than ", kCredentialEvidenceMax, " entries"));
  }
  for (const CredentialEvidence& e : in.evidence) {
    if (!e.id.empty()) TB_RETURN_IF_ERROR(CheckCredentialUri("evidence.id", e.id));
    TB_RETURN_IF_ERROR(CheckText("evidence.name", e.name));
    TB_RETURN_IF_ERROR(CheckText("evidence.narrative", e.narrative));
  }
  if (!in.revocation_list_url.empty()) {
    TB_RETURN_IF_ERROR(CheckCredentialUri("revocation_list_url", in.revocation_list_url));
  }
  return absl::OkStatus();
}

Json EvidenceJson(const std::vector<CredentialEvidence>& evidence) {
  Json list = Json::array();
  for (const CredentialEvidence& e : evidence) {
    Json entry = {
        {"type", Json::array({"Evidence"})}, {"name", e.name}, {"narrative", e.narrative}};
    if (!e.id.empty()) entry["id"] = e.id;
    list.push_back(std::move(entry));
  }
  return list;
}

absl::Status MissingField(absl::string_view field) {
  return absl::InvalidArgumentError(absl::StrCat("credential: ", field, " missing or malformed"));
}

bool HasString(const Json& object, const char* member) {
  auto it = object.find(member);
  return it != object.end() && it->is_string() && !it->get_ref<const std::string&>().empty();
}

// OB 3.0 lets `type` be one IRI or a set of them.
bool TypeIncludes(const Json& object, absl::string_view type) {
  auto it = object.find("type");
  if (it == object.end()) return false;
  if (it->is_string()) return it->get_ref<const std::string&>() == type;
  if (!it->is_array()) return false;
  return std::any_of(it->begin(), it->end(),
                     [&](const Json& t) { return t.is_string() && t.get<std::string>() == type; });
}

absl::Status CheckContext(const Json& credential) {
  auto it = credential.find("@context");
  if (it == credential.end() || !it->is_array() || it->size() < 2 || (*it)[0] != kVcContextV2) {
    return MissingField("@context (VC 2.0 context first)");
  }
  const bool has_ob = std::any_of(it->begin() + 1, it->end(), [](const Json& c) {
    return c.is_string() && absl::StartsWith(c.get<std::string>(),
                                             "https://purl.imsglobal.org/spec/ob/v3p0/context");
  });
  if (!has_ob) return MissingField("@context (Open Badges 3.0 context)");
  return absl::OkStatus();
}

absl::Status CheckAchievement(const Json& subject) {
  auto it = subject.find("achievement");
  if (it == subject.end() || !it->is_object()) return MissingField("credentialSubject.achievement");
  const Json& achievement = *it;
  if (!HasString(achievement, "id")) return MissingField("achievement.id");
  if (!TypeIncludes(achievement, "Achievement")) return MissingField("achievement.type");
  if (!HasString(achievement, "name")) return MissingField("achievement.name");
  if (!HasString(achievement, "description")) return MissingField("achievement.description");
  auto criteria = achievement.find("criteria");
  if (criteria == achievement.end() || !criteria->is_object() ||
      !(HasString(*criteria, "narrative") || HasString(*criteria, "id"))) {
    return MissingField("achievement.criteria");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckCredentialUri(absl::string_view field, absl::string_view value) {
  TB_RETURN_IF_ERROR(CheckText(field, value));
  if (!LooksLikeUri(value)) return absl::InvalidArgumentError(absl::StrCat(field, ": not a URI"));
  return absl::OkStatus();
}

absl::StatusOr<std::string> BuildOpenBadgeCredential(const CredentialInputs& inputs) {
  TB_RETURN_IF_ERROR(CheckInputs(inputs));
  Json achievement = {{"id", inputs.achievement_id},
                      {"type", Json::array({"Achievement"})},
                      {"name", inputs.achievement_name},
                      {"description", inputs.achievement_description},
                      {"criteria", {{"narrative", inputs.criteria_narrative}}}};
  Json credential = {{"@context", Json::array({kVcContextV2, kOpenBadgesContextV3})},
                     {"id", inputs.credential_id},
                     {"type", Json::array({"VerifiableCredential", "OpenBadgeCredential"})},
                     {"name", inputs.achievement_name},
                     {"issuer",
                      {{"id", inputs.issuer_id},
                       {"type", Json::array({"Profile"})},
                       {"name", inputs.issuer_name}}},
                     {"validFrom", FormatCredentialTime(inputs.valid_from)},
                     {"credentialSubject",
                      {{"id", inputs.subject_id},
                       {"type", Json::array({"AchievementSubject"})},
                       {"achievement", std::move(achievement)}}}};
  // OB 3.0 serialisation: empty arrays are omitted, not written.
  if (!inputs.evidence.empty()) credential["evidence"] = EvidenceJson(inputs.evidence);
  if (!inputs.revocation_list_url.empty()) {
    credential["credentialStatus"] = {{"id", inputs.revocation_list_url},
                                      {"type", kRevocationListStatusType}};
    if (inputs.revocation_list_index >= 0) {
      credential["credentialStatus"]["revocationListIndex"] =
          absl::StrCat(inputs.revocation_list_index);
    }
  }
  TB_CHECK(CheckOpenBadgeCredential(credential).ok());  // what we build, we accept
  return credential.dump();
}

std::string CredentialIdForAward(absl::string_view award_name) {
  std::string input(reinterpret_cast<const char*>(kUuidUrlNamespace), sizeof(kUuidUrlNamespace));
  absl::StrAppend(&input, award_name);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0f) | 0x50);  // version 5
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3f) | 0x80);  // RFC 4122 variant
  const std::string hex =
      absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), 16));
  return absl::StrCat("urn:uuid:", hex.substr(0, 8), "-", hex.substr(8, 4), "-", hex.substr(12, 4),
                      "-", hex.substr(16, 4), "-", hex.substr(20, 12));
}

absl::Status CheckOpenBadgeCredential(const nlohmann::json& credential) {
  if (!credential.is_object()) return absl::InvalidArgumentError("credential: not a JSON object");
  TB_RETURN_IF_ERROR(CheckContext(credential));
  if (!TypeIncludes(credential, "VerifiableCredential")) {
    return MissingField("type (VerifiableCredential)");
  }
  if (!TypeIncludes(credential, "OpenBadgeCredential") &&
      !TypeIncludes(credential, "AchievementCredential")) {
    return MissingField("type (OpenBadgeCredential)");
  }
  if (!HasString(credential, "id")) return MissingField("id");
  if (CredentialIssuerId(credential).empty()) return MissingField("issuer.id");
  auto issuer = credential.find("issuer");
  if (issuer->is_object() && !TypeIncludes(*issuer, "Profile")) return MissingField("issuer.type");
  if (!credential.contains("validFrom")) return MissingField("validFrom");
  TB_RETURN_IF_ERROR(ParseCredentialTime(credential["validFrom"], "validFrom").status());
  auto subject = credential.find("credentialSubject");
  if (subject == credential.end() || !subject->is_object())
    return MissingField("credentialSubject");
  if (!TypeIncludes(*subject, "AchievementSubject")) return MissingField("credentialSubject.type");
  // OB 3.0 allows `identifier` instead of an id; our VC-JWT's sub needs the id.
  if (!HasString(*subject, "id")) return MissingField("credentialSubject.id");
  return CheckAchievement(*subject);
}

absl::StatusOr<absl::Time> ParseCredentialTime(const nlohmann::json& value,
                                               absl::string_view field) {
  absl::Time time;
  std::string error;
  if (!value.is_string() ||
      !absl::ParseTime(absl::RFC3339_full, value.get<std::string>(), &time, &error)) {
    return absl::InvalidArgumentError(absl::StrCat("credential: ", field, " is not RFC 3339"));
  }
  return time;
}

std::string FormatCredentialTime(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(absl::ToUnixSeconds(time)),
                          absl::UTCTimeZone());
}

std::string CredentialIssuerId(const nlohmann::json& credential) {
  auto issuer = credential.find("issuer");
  if (issuer == credential.end()) return "";
  if (issuer->is_string()) return issuer->get<std::string>();
  if (issuer->is_object() && HasString(*issuer, "id")) return (*issuer)["id"].get<std::string>();
  return "";
}

}  // namespace timebank::rewards
