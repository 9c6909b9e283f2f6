#include "services/directory/directory_records.h"

#include "services/common/records/record_key.h"
#include "services/directory/directory_schema.h"
#include "storage/bytes.h"
#include "storage/hash_chain.h"

namespace timebank::directory {

using records::Key;

std::string Sha256Of(std::string_view data) {
  return std::string(storage::HashBytes(storage::Sha256(data)));
}

std::string CommunityKey(uint64_t c) { return Key(schema::kCommunity).U64(c).str(); }
std::string CommunityPrefix() { return Key(schema::kCommunity).str(); }
std::string OrganisationKey(uint64_t c, uint64_t o) {
  return Key(schema::kOrganisation).U64(c).U64(o).str();
}
std::string OrganisationPrefix(uint64_t c) { return Key(schema::kOrganisation).U64(c).str(); }
std::string MemberKey(uint64_t c, uint64_t m) { return Key(schema::kMember).U64(c).U64(m).str(); }
std::string MemberPrefix(uint64_t c) { return Key(schema::kMember).U64(c).str(); }
std::string MemberNumberKey(uint64_t c, std::string_view number) {
  return Key(schema::kMemberNumber).U64(c).Bytes(number).str();
}
std::string UsernameKey(std::string_view username) {
  return Key(schema::kUsername).Bytes(Sha256Of(username)).str();
}
std::string LegacyUsernamePrefix() { return Key(schema::kLegacyUsername).str(); }
std::string PasswordKey(uint64_t c, uint64_t m) {
  return Key(schema::kPassword).U64(c).U64(m).str();
}
std::string EpochKey(int kind, uint64_t c, uint64_t subject) {
  std::string k = Key(schema::kEpoch).str();
  storage::PutU8(&k, static_cast<uint8_t>(kind));
  storage::PutU64(&k, c);
  storage::PutU64(&k, subject);
  return k;
}
std::string EpochPrefix() { return Key(schema::kEpoch).str(); }
std::string InvitationKey(uint64_t c, uint64_t i) {
  return Key(schema::kInvitation).U64(c).U64(i).str();
}
std::string InvitationPrefix(uint64_t c) { return Key(schema::kInvitation).U64(c).str(); }
std::string InvitationCodeKey(std::string_view code) {
  return Key(schema::kInvitationCode).Bytes(Sha256Of(code)).str();
}
std::string ApiKeyKey(uint64_t c, uint64_t k) { return Key(schema::kApiKey).U64(c).U64(k).str(); }
std::string ApiKeyPrefix(uint64_t c) { return Key(schema::kApiKey).U64(c).str(); }
std::string ApiKeySecretKey(std::string_view secret) {
  return Key(schema::kApiKeySecret).Bytes(Sha256Of(secret)).str();
}
std::string AuditKey(uint64_t c, uint64_t seq) { return Key(schema::kAudit).U64(c).U64(seq).str(); }
std::string AuditPrefix(uint64_t c) { return Key(schema::kAudit).U64(c).str(); }
std::string SessionKey(uint64_t session) { return Key(schema::kSession).U64(session).str(); }
std::string SessionPrefix() { return Key(schema::kSession).str(); }
std::string RefreshKey(std::string_view refresh_hash) {
  return Key(schema::kRefresh).Bytes(refresh_hash).str();
}
std::string MemberSessionKey(uint64_t c, uint64_t m, uint64_t session) {
  return Key(schema::kMemberSession).U64(c).U64(m).U64(session).str();
}
std::string MemberSessionPrefix(uint64_t c, uint64_t m) {
  return Key(schema::kMemberSession).U64(c).U64(m).str();
}
std::string SetupCodeKey() { return Key(schema::kSetupCode).str(); }

std::string U64Value(uint64_t v) {
  std::string s;
  storage::PutU64(&s, v);
  return s;
}

std::string RefValue(uint64_t c, uint64_t id) {
  std::string s = U64Value(c);
  storage::PutU64(&s, id);
  return s;
}

std::optional<std::pair<uint64_t, uint64_t>> RefOf(std::string_view value) {
  if (value.size() != 16) return std::nullopt;
  return std::make_pair(storage::DecodeU64(value.data()), storage::DecodeU64(value.data() + 8));
}

std::optional<uint64_t> U64Of(std::string_view value) {
  if (value.size() != 8) return std::nullopt;
  return storage::DecodeU64(value.data());
}

std::string RecordName(std::string_view key) { return "directory record " + storage::ToHex(key); }

google::protobuf::Timestamp Ts(absl::Time at) {
  google::protobuf::Timestamp t;
  t.set_seconds(absl::ToUnixSeconds(at));
  return t;
}

}  // namespace timebank::directory
