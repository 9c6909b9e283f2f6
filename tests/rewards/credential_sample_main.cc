// tb_credential_sample DIR: writes what the rewards service would publish for one
// member's badges, for verify_credential.py to check with an implementation that is
// not ours: credential_old.jwt (signed before a key rotation), credential.jwt (signed
// after it), credential.json (the credential inside credential.jwt) and jwks.json (the
// JWK Set published after the rotation).
#include <cstdio>
#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/rewards/credentials/issuer_keys.h"
#include "services/rewards/credentials/open_badge.h"
#include "services/rewards/credentials/vc_jwt.h"
#include "storage/check.h"

namespace timebank::rewards {
namespace {

constexpr char kBaseUrl[] = "https://timebank.example/communities/riverside";

absl::StatusOr<std::string> Credential(int award, absl::Time awarded) {
  CredentialInputs in;
  in.credential_id = CredentialIdForAward(absl::StrCat(kBaseUrl, "/awards/", award));
  in.issuer_id = kBaseUrl;
  in.issuer_name = "Riverside Time Bank";
  in.achievement_id = absl::StrCat(kBaseUrl, "/badges/two-way-street");
  in.achievement_name = "Two-way street";
  in.achievement_description = "Gave time to and received time from this community.";
  in.criteria_narrative = "Give at least one hour and receive at least one hour.";
  in.subject_id = absl::StrCat(kBaseUrl, "/members/m", 40 + award);
  in.valid_from = awarded;
  in.evidence = {{absl::StrCat(kBaseUrl, "/activities/a", award), "Gardening", "Gave 2 hours"},
                 {"", "Lift to the clinic", "Received 1 hour"}};
  in.revocation_list_url = absl::StrCat(kBaseUrl, "/rewards/revocations");
  return BuildOpenBadgeCredential(in);
}

absl::Status WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

absl::Status WriteSample(const std::string& dir) {
  const std::string kid_prefix = absl::StrCat(kBaseUrl, "/rewards/jwks#");
  // A day ago, so PyJWT's nbf check (against its own clock) passes.
  const absl::Time awarded =
      absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now())) - absl::Hours(24);
  TB_ASSIGN_OR_RETURN(IssuerKeyring keyring, IssuerKeyring::Create(kid_prefix, awarded));
  TB_ASSIGN_OR_RETURN(std::string old_credential, Credential(1, awarded));
  TB_ASSIGN_OR_RETURN(std::string old_jws, SignVcJwt(keyring, old_credential));
  TB_RETURN_IF_ERROR(keyring.Rotate(kid_prefix, awarded + absl::Hours(1)));
  TB_ASSIGN_OR_RETURN(std::string credential, Credential(2, awarded + absl::Hours(2)));
  TB_ASSIGN_OR_RETURN(std::string jws, SignVcJwt(keyring, credential));
  TB_RETURN_IF_ERROR(WriteFile(dir + "/credential_old.jwt", old_jws));
  TB_RETURN_IF_ERROR(WriteFile(dir + "/credential.jwt", jws));
  TB_RETURN_IF_ERROR(WriteFile(dir + "/credential.json", credential));
  return WriteFile(dir + "/jwks.json", keyring.Jwks());
}

}  // namespace
}  // namespace timebank::rewards

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const absl::Status status = timebank::rewards::WriteSample(argv[1]);
  if (!status.ok()) {
    std::fprintf(stderr, "tb_credential_sample: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
