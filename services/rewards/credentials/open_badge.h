// The Open Badges 3.0 credential document: an OpenBadgeCredential in the W3C Verifiable
// Credentials data model 2.0, built from plain inputs (the caller makes every URL from
// its configured base URL), and the check of the fields OB 3.0 requires, which the
// VC-JWT verifier applies to whatever it is handed.
#ifndef TIMEBANK_SERVICES_REWARDS_CREDENTIALS_OPEN_BADGE_H_
#define TIMEBANK_SERVICES_REWARDS_CREDENTIALS_OPEN_BADGE_H_

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace timebank::rewards {

// The two contexts every OB 3.0 credential carries, in this order.
inline constexpr char kVcContextV2[] = "https://www.w3.org/ns/credentials/v2";
inline constexpr char kOpenBadgesContextV3[] =
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
// The credentialStatus type of the 1EdTech Revocation List status method.
inline constexpr char kRevocationListStatusType[] = "1EdTechRevocationList";

inline constexpr size_t kCredentialTextBytesMax = 4096;  // one name, narrative, URL
inline constexpr size_t kCredentialEvidenceMax = 100;    // evidence entries listed
inline constexpr size_t kCredentialJsonBytesMax = 1 << 20;

// One piece of evidence: an activity or transfer that met the badge's criterion.
struct CredentialEvidence {
  std::string id;  // a URL of the activity or transfer; may be empty
  std::string name;
  std::string narrative;
};

struct CredentialInputs {
  std::string credential_id;  // "urn:uuid:…" (CredentialIdForAward)
  // The issuer profile: the community.
  std::string issuer_id;  // URL
  std::string issuer_name;
  // The achievement: the badge definition.
  std::string achievement_id;  // URL
  std::string achievement_name;
  std::string achievement_description;
  std::string criteria_narrative;
  std::string subject_id;  // the member's URL or URN
  absl::Time valid_from;   // the award time; whole seconds are kept (JWT nbf has no more)
  std::vector<CredentialEvidence> evidence;
  std::string revocation_list_url;  // credentialStatus; empty: none
  // The award's place in that list, written as credentialStatus.revocationListIndex
  // (a decimal string, as status list indices are); negative: not written.
  int64_t revocation_list_index = -1;
};

// The credential as compact JSON; INVALID_ARGUMENT naming the input that is empty, too
// long, not a URI, or (valid_from) not a finite time.
absl::StatusOr<std::string> BuildOpenBadgeCredential(const CredentialInputs& inputs);

// A stable credential id for one award ("urn:uuid:" + an RFC 4122 version 5 UUID of
// `award_name` in the URL namespace): exporting the same award twice yields the same
// id, so the revocation list can name it without storing every export.
std::string CredentialIdForAward(absl::string_view award_name);

// OK when `credential` has what OB 3.0 requires of an OpenBadgeCredential: @context
// (VC 2.0 first, then OB 3.0), type with VerifiableCredential and OpenBadgeCredential
// (or AchievementCredential), id, issuer (URI or Profile with id), validFrom,
// credentialSubject (type AchievementSubject, id, achievement with id, type, name,
// description, criteria). Otherwise INVALID_ARGUMENT naming the field.
absl::Status CheckOpenBadgeCredential(const nlohmann::json& credential);

// validFrom / validUntil as RFC 3339 with a time zone.
absl::StatusOr<absl::Time> ParseCredentialTime(const nlohmann::json& value,
                                               absl::string_view field);
std::string FormatCredentialTime(absl::Time time);

// OK when `value` is a non-empty URI (scheme ":" rest, no spaces) of at most
// kCredentialTextBytesMax bytes; otherwise INVALID_ARGUMENT naming `field`.
absl::Status CheckCredentialUri(absl::string_view field, absl::string_view value);

// The issuer's id, whether the issuer is a URI or a Profile object; empty if neither.
std::string CredentialIssuerId(const nlohmann::json& credential);

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_CREDENTIALS_OPEN_BADGE_H_
