// tbctl's Open Badges commands: `badge export` writes a badge a member holds as a signed
// credential (a compact VC-JWT), and `badge verify` checks one the way any verifier
// would, from what the issuer publishes (its JWK Set and revocation list), never from
// anything private: the signature, the JWT claims against the credential, the fields
// Open Badges 3.0 requires, and whether the badge has been withdrawn since. The verdict
// is said in plain words; the exit code is 0 only for a valid credential.
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "clients/cli/commands.h"
#include "clients/cli/member_refs.h"
#include "services/rewards/credentials/open_badge.h"
#include "services/rewards/credentials/revocation_list.h"
#include "services/rewards/credentials/vc_jwt.h"

ABSL_DECLARE_FLAG(std::string, out);
ABSL_DECLARE_FLAG(std::string, member);

namespace timebank::cli {
namespace {

using Json = nlohmann::json;

constexpr int kExitInvalid = 1;

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Die(absl::StrCat("cannot read ", path));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(bytes.str()));
}

int Export(Client& c, const Args& args) {
  if (args.size() != 2) Die("usage: tbctl badge export BADGE_ID [--member=M] [--out=FILE]");
  rpb::ExportCredentialRequest req;
  req.set_badge_id(args[1]);
  if (FlagGiven("member")) {
    req.set_community_id(CurrentCommunity(c));
    req.set_member_id(MemberFlag(c, req.community_id()));
  }
  auto out = c.Call<rpb::ExportedCredential>(c.rewards(),
                                             &rpb::RewardsService::Stub::ExportCredential, req);
  const std::string path = absl::GetFlag(FLAGS_out);
  if (path.empty()) {
    std::printf("%s\n", out.credential_jwt().c_str());
    return 0;
  }
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << out.credential_jwt() << "\n";
  file.close();
  if (!file) Die(absl::StrCat("cannot write ", path));
  std::fprintf(stderr, "wrote the \"%s\" badge's credential (%s) to %s\n", args[1].c_str(),
               out.credential_id().c_str(), path.c_str());
  return 0;
}

// The issuer's community, from the unverified payload: which keys to fetch. Nothing
// read here is trusted until the signature verifies with those keys. Says why not, and
// returns 0, for a file that is no credential of a timebank community.
uint64_t IssuerCommunity(const std::string& jws, std::string* issuer_id) {
  const std::vector<std::string> parts = absl::StrSplit(jws, '.');
  std::string payload;
  if (parts.size() != 3 || !absl::WebSafeBase64Unescape(parts[1], &payload)) {
    std::printf("NOT VALID: the file does not hold a compact JWT (three base64url parts)\n");
    return 0;
  }
  const Json credential = Json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!credential.is_object()) {
    std::printf("NOT VALID: the JWT's payload is not a credential (damaged or altered)\n");
    return 0;
  }
  *issuer_id = rewards::CredentialIssuerId(credential);
  const size_t at = issuer_id->rfind("/communities/");
  constexpr size_t kPrefix = sizeof("/communities/") - 1, kSuffix = sizeof("/issuer") - 1;
  uint64_t community = 0;
  if (at == std::string::npos || !absl::EndsWith(*issuer_id, "/issuer") ||
      issuer_id->size() < at + kPrefix + kSuffix ||
      !absl::SimpleAtoi(issuer_id->substr(at + kPrefix, issuer_id->size() - at - kPrefix - kSuffix),
                        &community)) {
    std::printf("NOT VALID: the credential's issuer (\"%s\") is not a community of a timebank\n",
                issuer_id->c_str());
    return 0;
  }
  return community;
}

std::string SubjectLine(const Json& credential) {
  const Json& subject = credential["credentialSubject"];
  const std::string& name = subject["achievement"]["name"].get_ref<const std::string&>();
  const std::string issuer = credential["issuer"].is_object()
                                 ? credential["issuer"].value("name", "the issuer")
                                 : std::string("the issuer");
  return absl::StrCat("\"", name, "\", awarded to ", subject["id"].get<std::string>(), " by ",
                      issuer, " from ", credential["validFrom"].get<std::string>());
}

int Verify(Client& c, const Args& args) {
  if (args.size() != 2) Die("usage: tbctl badge verify FILE");
  const std::string jws = ReadWholeFile(args[1]);
  std::string issuer_id;
  rpb::GetIssuerKeysRequest keys_req;
  keys_req.set_community_id(IssuerCommunity(jws, &issuer_id));
  if (keys_req.community_id() == 0) return kExitInvalid;
  auto keys =
      c.Call<rpb::IssuerKeys>(c.rewards(), &rpb::RewardsService::Stub::GetIssuerKeys, keys_req);
  if (keys.issuer_id() != issuer_id) {
    std::printf("NOT VALID: issued by %s, but this server's issuer for that community is %s\n",
                issuer_id.c_str(), keys.issuer_id().c_str());
    return kExitInvalid;
  }
  absl::StatusOr<rewards::VerifiedCredential> verified =
      rewards::VerifyVcJwt(jws, keys.jwks_json(), absl::Now());
  if (!verified.ok()) {
    const char* why = absl::IsUnauthenticated(verified.status())
                          ? "the signature does not match the issuer's keys (altered or forged)"
                      : absl::IsNotFound(verified.status())
                          ? "it was signed with a key the issuer does not publish"
                          : "it is malformed or not yet valid";
    std::printf("NOT VALID: %s.\n  (%s)\n", why, std::string(verified.status().message()).c_str());
    return kExitInvalid;
  }
  rpb::GetRevocationListRequest list_req;
  list_req.set_community_id(keys_req.community_id());
  auto list = c.Call<rpb::RevocationList>(c.rewards(),
                                          &rpb::RewardsService::Stub::GetRevocationList, list_req);
  absl::StatusOr<bool> revoked =
      rewards::IsCredentialRevoked(verified->credential_json, list.revocation_list_json());
  if (!revoked.ok()) {
    std::printf("NOT VALID: its revocation status cannot be checked.\n  (%s)\n",
                std::string(revoked.status().message()).c_str());
    return kExitInvalid;
  }
  const Json credential = Json::parse(verified->credential_json);
  if (*revoked) {
    std::printf(
        "REVOKED: %s.\n  The signature is genuine, but the issuer has since withdrawn "
        "this badge.\n",
        SubjectLine(credential).c_str());
    return kExitInvalid;
  }
  std::printf(
      "VALID: %s.\n  Signed by the issuer (key %s), the claims match the credential, the "
      "Open Badges 3.0 fields are present, and it has not been revoked.\n",
      SubjectLine(credential).c_str(), verified->kid.c_str());
  return 0;
}

}  // namespace

int BadgeCredentialCommand(Client& c, const std::string&, const Args& args) {
  if (!args.empty() && args[0] == "export") return Export(c, args);
  if (!args.empty() && args[0] == "verify") return Verify(c, args);
  Die("usage: tbctl badge export BADGE_ID [--member=M] [--out=FILE] | tbctl badge verify FILE");
}

const std::vector<CommandFlags>& CredentialCommandFlags() {
  static const auto* kTable = new std::vector<CommandFlags>{
      {"badge export", {"community", "member", "out"}},
      {"badge verify", {}},
  };
  return *kTable;
}

}  // namespace timebank::cli
