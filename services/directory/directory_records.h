// The directory store's keys and the small pieces of its record layout shared by its
// aggregates: one key builder per tag of directory_schema.h (built with the record
// kit's Key, services/common/records/records.h), the (community, id) reference values
// its indexes hold, and the SHA-256 its secret-derived keys use. The bytes are the
// ones already on disk; keys are built nowhere else.
#ifndef TIMEBANK_SERVICES_DIRECTORY_DIRECTORY_RECORDS_H_
#define TIMEBANK_SERVICES_DIRECTORY_DIRECTORY_RECORDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace timebank::directory {

// SHA-256 of `data` (32 raw bytes): index keys derived from a secret or a name hold
// this, never the thing itself.
std::string Sha256Of(std::string_view data);

std::string CommunityKey(uint64_t c);
std::string CommunityPrefix();
std::string OrganisationKey(uint64_t c, uint64_t o);
std::string OrganisationPrefix(uint64_t c);
std::string MemberKey(uint64_t c, uint64_t m);
std::string MemberPrefix(uint64_t c);
// Numbers are unique within a community.
std::string MemberNumberKey(uint64_t c, std::string_view number);
// Holds the username's SHA-256, not the name itself: keys can outlive their deletion
// in the store's files (tombstones, file boundaries in its manifest), and an erased
// member's sign-in name must not.
std::string UsernameKey(std::string_view username);
std::string LegacyUsernamePrefix();
std::string PasswordKey(uint64_t c, uint64_t m);
std::string EpochKey(int kind, uint64_t c, uint64_t subject);
std::string EpochPrefix();
std::string InvitationKey(uint64_t c, uint64_t i);
std::string InvitationPrefix(uint64_t c);
std::string InvitationCodeKey(std::string_view code);
std::string ApiKeyKey(uint64_t c, uint64_t k);
std::string ApiKeyPrefix(uint64_t c);
std::string ApiKeySecretKey(std::string_view secret);
std::string AuditKey(uint64_t c, uint64_t seq);
std::string AuditPrefix(uint64_t c);
std::string SessionKey(uint64_t session);
std::string SessionPrefix();
std::string RefreshKey(std::string_view refresh_hash);
std::string MemberSessionKey(uint64_t c, uint64_t m, uint64_t session);
std::string MemberSessionPrefix(uint64_t c, uint64_t m);
std::string SetupCodeKey();

// Index values: a u64, or a (community, id) reference.
std::string U64Value(uint64_t v);
std::string RefValue(uint64_t c, uint64_t id);
// The reference an index value holds; nullopt when it is not one.
std::optional<std::pair<uint64_t, uint64_t>> RefOf(std::string_view value);
std::optional<uint64_t> U64Of(std::string_view value);

// How a damaged record is named in DATA_LOSS errors ("directory record <hex key>").
std::string RecordName(std::string_view key);

google::protobuf::Timestamp Ts(absl::Time at);

}  // namespace timebank::directory

#endif  // TIMEBANK_SERVICES_DIRECTORY_DIRECTORY_RECORDS_H_
