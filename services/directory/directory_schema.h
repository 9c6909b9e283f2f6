// The directory's RocksDB layout: one column family of tagged keys, every record a
// protobuf message. Integers in keys are big-endian so keys sort by them.
#ifndef TIMEBANK_SERVICES_DIRECTORY_DIRECTORY_SCHEMA_H_
#define TIMEBANK_SERVICES_DIRECTORY_DIRECTORY_SCHEMA_H_

#include <string>
#include <vector>

#include "storage/rocks_store.h"

namespace timebank::directory::schema {

// In the format of community-scoped ids (services/common/ids.h): members' and
// organisations' account ids name their community; the identity before is refused.
inline constexpr char kIdentity[] = "timebank.directory.v1@2";
inline constexpr char kIdentityBeforeScopedIds[] = "timebank.directory.v1";
inline constexpr storage::ColumnFamily kRecords = 0;

inline constexpr char kCommunity = 'C';       // u64 c -> Community
inline constexpr char kOrganisation = 'O';    // u64 c, u64 o -> Organisation
inline constexpr char kMember = 'M';          // u64 c, u64 m -> Member
inline constexpr char kMemberNumber = 'N';    // u64 c, number -> u64 m
inline constexpr char kUsername = 'H';        // sha256(username) -> u64 c, u64 m
inline constexpr char kLegacyUsername = 'U';  // username -> u64 c, u64 m (moved to 'H' at start)
inline constexpr char kPassword = 'P';        // u64 c, u64 m -> Argon2id encoded hash
inline constexpr char kEpoch = 'E';           // u8 kind, u64 c, u64 subject -> u64 epoch
inline constexpr char kInvitation = 'I';      // u64 c, u64 i -> Invitation (code empty)
inline constexpr char kInvitationCode = 'i';  // sha256(code) -> u64 c, u64 i
inline constexpr char kApiKey = 'K';          // u64 c, u64 k -> ApiKey (secret empty)
inline constexpr char kApiKeySecret = 'k';    // sha256(secret) -> u64 c, u64 k
inline constexpr char kAudit = 'A';           // u64 c, u64 seq -> AuditEntry
inline constexpr char kSession = 'S';         // u64 session -> Session
inline constexpr char kRefresh = 's';         // sha256(refresh token) -> u64 session
inline constexpr char kMemberSession = 'T';   // u64 c, u64 m, u64 session -> ""
inline constexpr char kRequest = 'Q';         // request_id -> the key of what it created
inline constexpr char kCounter = '#';         // name -> u64 last id issued
inline constexpr char kSetupCode = 'X';       // "" -> sha256(setup code)
inline constexpr char kAccountOutbox = 'Y';   // ledger account id -> ledger Account to open
inline constexpr char kRevocation = 'V';      // u64 seq -> Revocation (one window's worth)
inline constexpr char kErasureOutbox =
    'Z';  // u64 c, u64 m, u8 target -> "" (erasures to carry out)

inline std::vector<storage::CfSpec> ColumnFamilies() {
  return {{"records", storage::CfProfile::kPointLookup}};
}

}  // namespace timebank::directory::schema

#endif  // TIMEBANK_SERVICES_DIRECTORY_DIRECTORY_SCHEMA_H_
