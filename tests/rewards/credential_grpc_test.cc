// Open Badges 3.0 credentials through the rewards service's gRPC API on a full node: a
// badge a member holds exports as a VC-JWT that verifies against the JWK Set anyone can
// fetch; a badge never awarded or withdrawn does not export; a withdrawn award's
// credential is listed as revoked; a key rotation keeps older credentials verifying;
// keys and revocation indices outlive a rebuild; and nobody exports another member's
// badge or another community's keys. Until the projection awards badges, the fixture
// writes badge states into the rewards store itself (BadgeStore below).
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/common/client_channel.h"
#include "services/rewards/badge_book.h"
#include "services/rewards/credentials/revocation_list.h"
#include "services/rewards/credentials/vc_jwt.h"
#include "services/rewards/rewards_records.h"
#include "tests/common/test_node.h"
#include "tests/common/test_util.h"
#include "timebank/rewards/v1/rewards.grpc.pb.h"

namespace timebank {
namespace {

namespace dpb = ::timebank::directory::v1;
namespace rpb = ::timebank::rewards::v1;
using Json = nlohmann::json;
using testing::CallWithToken;

// Awards and withdraws badges by writing a member's badge states (and an award's
// evidence) straight into the rewards store, as the projection would.
class BadgeStore {
 public:
  BadgeStore(storage::KvStore* store, uint64_t c) : store_(store), c_(c) {}

  // Awards every default badge `minutes_given` (and nothing received) earns, at `at`.
  void Give(uint64_t member, int64_t minutes_given, absl::Time at) {
    rewards::MemberBadges badges = Read(member);
    rewards::MemberFacts facts;
    facts.minutes_given = minutes_given;
    for (const rewards::BadgeEvent& e : badges.Apply(*rewards::DefaultBadgeRules(), facts, at)) {
      if (e.change != rewards::BadgeChange::kAwarded) continue;
      rpb::BadgeEvidence evidence;
      evidence.set_awarded_at_unix_ms(e.at_unix_ms);
      rpb::RecentActivity* a = evidence.add_items();
      a->set_transfer_id(absl::StrCat("c", c_, ".t ", e.times_awarded));  // a space: escaped
      a->set_role(1);
      a->set_minutes(minutes_given);
      a->set_occurred_unix_ms(e.at_unix_ms);
      Put(rewards::EvidenceKey(c_, member, e.badge_id, e.times_awarded),
          evidence.SerializeAsString());
    }
    Put(rewards::BadgesKey(c_, member), badges.Encode());
  }

 private:
  rewards::MemberBadges Read(uint64_t member) {
    auto badges = rewards::ReadMemberBadges(store_, nullptr, c_, member);
    EXPECT_TRUE(badges.ok()) << badges.status();
    return badges.ok() ? *badges : rewards::MemberBadges();
  }
  void Put(const std::string& key, const std::string& value) {
    std::unique_ptr<storage::WriteBatch> batch = store_->NewBatch();
    batch->Put(rewards::kRecords, key, value);
    ASSERT_TRUE(store_->Write(batch.get(), storage::WriteOptions()).ok());
  }

  storage::KvStore* const store_;
  const uint64_t c_;
};

class CredentialGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(testing::StartTestNode(
        testing::TestNodeOptions(dir_.Sub("data"), /*with_operator=*/true), &node_));
    rewards_ = rpb::RewardsService::NewStub(MakeChannel(node_->address()));
    directory::Directory* d = node_->directory();
    for (const char* name : {"Riverside", "Hillside"}) {
      dpb::Community c;
      c.set_name(name);
      c.set_timezone("Europe/London");
      c.set_member_credit_limit_minutes(600);
      const uint64_t id = d->CreateCommunity(directory::Actor(), c, "").value().id();
      (community_ == 0 ? community_ : other_) = id;
    }
    ana_ = testing::AddPerson(d, community_, "Ana");
    ben_ = testing::AddPerson(d, community_, "Ben");
    adm_ = testing::AddPerson(d, community_, "Admin", {dpb::ROLE_ADMIN});
    other_adm_ = testing::AddPerson(d, other_, "Other admin", {dpb::ROLE_ADMIN});
    badges_ = std::make_unique<BadgeStore>(node_->rewards_projection()->store(), community_);
  }
  void TearDown() override { node_->Shutdown(); }

  grpc::Status Export(const dpb::Principal& as, uint64_t member, const std::string& badge,
                      rpb::ExportedCredential* out) {
    rpb::ExportCredentialRequest req;
    if (member != 0) {
      req.set_community_id(community_);
      req.set_member_id(member);
    }
    req.set_badge_id(badge);
    return CallWithToken(rewards_.get(), &rpb::RewardsService::Stub::ExportCredential,
                         node_->TokenFor(as), req, out);
  }
  rpb::ExportedCredential MustExport(const dpb::Principal& as, const std::string& badge) {
    rpb::ExportedCredential out;
    const grpc::Status s = Export(as, 0, badge, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  // Anonymously: what any verifier can fetch.
  rpb::IssuerKeys Keys() {
    rpb::GetIssuerKeysRequest req;
    req.set_community_id(community_);
    rpb::IssuerKeys out;
    const grpc::Status s =
        CallWithToken(rewards_.get(), &rpb::RewardsService::Stub::GetIssuerKeys, "", req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  rpb::RevocationList List() {
    rpb::GetRevocationListRequest req;
    req.set_community_id(community_);
    rpb::RevocationList out;
    const grpc::Status s =
        CallWithToken(rewards_.get(), &rpb::RewardsService::Stub::GetRevocationList, "", req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  grpc::Status Rotate(const dpb::Principal& as, uint64_t c, rpb::RotatedIssuerKey* out) {
    rpb::RotateIssuerKeyRequest req;
    req.set_community_id(c);
    return CallWithToken(rewards_.get(), &rpb::RewardsService::Stub::RotateIssuerKey,
                         node_->TokenFor(as), req, out);
  }
  bool Revoked(const rpb::ExportedCredential& credential) {
    auto revoked =
        rewards::IsCredentialRevoked(credential.credential_json(), List().revocation_list_json());
    EXPECT_TRUE(revoked.ok()) << revoked.status();
    return revoked.value_or(false);
  }

  testing::TempDir dir_;
  std::unique_ptr<Node> node_;
  std::unique_ptr<rpb::RewardsService::Stub> rewards_;
  std::unique_ptr<BadgeStore> badges_;
  uint64_t community_ = 0, other_ = 0;
  dpb::Principal ana_, ben_, adm_, other_adm_;
  const absl::Time awarded_ = absl::FromUnixSeconds(1'780'000'000);
};

TEST_F(CredentialGrpcTest, AHeldBadgeExportsAndVerifiesWithThePublishedKeys) {
  badges_->Give(ana_.subject_id(), 60, awarded_);
  const rpb::ExportedCredential exported = MustExport(ana_, "first-hour-given");
  const rpb::IssuerKeys keys = Keys();
  auto verified = rewards::VerifyVcJwt(exported.credential_jwt(), keys.jwks_json(), absl::Now());
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->credential_json, exported.credential_json());
  EXPECT_EQ(verified->kid, exported.kid());
  EXPECT_TRUE(absl::StartsWith(exported.kid(), keys.jwks_url() + "#"));
  EXPECT_FALSE(absl::StrContains(keys.jwks_json(), "\"d\""));  // no private part

  const Json c = Json::parse(exported.credential_json());
  EXPECT_EQ(c["id"], exported.credential_id());
  EXPECT_EQ(c["issuer"]["id"], keys.issuer_id());
  EXPECT_EQ(c["issuer"]["name"], "Riverside");
  EXPECT_EQ(keys.issuer_id(),
            absl::StrCat("https://timebank.invalid/v1/communities/", community_, "/issuer"));
  EXPECT_EQ(c["validFrom"], "2026-05-28T20:26:40Z");  // the award's time
  EXPECT_EQ(c["credentialSubject"]["id"], absl::StrCat("https://timebank.invalid/v1/communities/",
                                                       community_, "/members/", ana_.subject_id()));
  EXPECT_EQ(c["credentialSubject"]["achievement"]["name"], "First hour given");
  ASSERT_EQ(c["evidence"].size(), 1u);
  EXPECT_TRUE(absl::EndsWith(c["evidence"][0]["id"].get<std::string>(), "/transfers/c1.t%201"))
      << c["evidence"][0]["id"];
  EXPECT_EQ(c["credentialStatus"]["id"], List().list_url());
  EXPECT_EQ(c["credentialStatus"]["revocationListIndex"], "0");
  EXPECT_FALSE(Revoked(exported));

  // The same award exports with the same id and index; another award gets the next.
  const rpb::ExportedCredential again = MustExport(ana_, "first-hour-given");
  EXPECT_EQ(again.credential_id(), exported.credential_id());
  EXPECT_EQ(again.revocation_list_index(), 0u);
  rpb::ExportedCredential coordinators;
  ASSERT_TRUE(Export(adm_, ana_.subject_id(), "first-hour-given", &coordinators).ok());
  EXPECT_EQ(coordinators.credential_id(), exported.credential_id());
}

TEST_F(CredentialGrpcTest, ABadgeNotHeldDoesNotExportAndSaysWhy) {
  rpb::ExportedCredential out;
  grpc::Status s = Export(ana_, 0, "first-hour-given", &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "badge_id")) << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "first-hour-given")) << s.error_message();
  for (const char* bad : {"", "Two Way", "two-way\n"}) {
    s = Export(ana_, 0, bad, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad;
    EXPECT_TRUE(absl::StrContains(s.error_message(), "badge_id")) << s.error_message();
  }

  badges_->Give(ana_.subject_id(), 60, awarded_);
  badges_->Give(ana_.subject_id(), 0, awarded_ + absl::Hours(24));  // a reversal
  s = Export(ana_, 0, "first-hour-given", &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "withdrawn on 2026-05-29")) << s.error_message();
  EXPECT_FALSE(List().revocation_list_json().empty());
}

TEST_F(CredentialGrpcTest, AHiddenBadgeExportsOnlyForItsMember) {
  badges_->Give(ana_.subject_id(), 60, awarded_);
  rpb::HideBadgeRequest hide;
  hide.set_badge_id("first-hour-given");
  hide.set_hidden(true);
  rpb::EarnedBadge hidden;
  grpc::Status s = CallWithToken(rewards_.get(), &rpb::RewardsService::Stub::HideBadge,
                                 node_->TokenFor(ana_), hide, &hidden);
  ASSERT_TRUE(s.ok()) << s.error_message();
  rpb::ExportedCredential out;
  s = Export(adm_, ana_.subject_id(), "first-hour-given", &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << "an admin cannot tell it exists";
  EXPECT_TRUE(absl::StrContains(s.error_message(), "has not been awarded")) << s.error_message();
  MustExport(ana_, "first-hour-given");  // hers to share
}

TEST_F(CredentialGrpcTest, AWithdrawnAwardIsRevokedAndAReAwardIsANewCredential) {
  badges_->Give(ana_.subject_id(), 60, awarded_);
  badges_->Give(ben_.subject_id(), 60, awarded_);
  const rpb::ExportedCredential first = MustExport(ana_, "first-hour-given");
  const rpb::ExportedCredential bens = MustExport(ben_, "first-hour-given");
  EXPECT_NE(bens.credential_id(), first.credential_id());
  EXPECT_EQ(bens.revocation_list_index(), 1u);
  badges_->Give(ana_.subject_id(), 0, awarded_ + absl::Hours(24));
  EXPECT_TRUE(Revoked(first));
  EXPECT_FALSE(Revoked(bens));
  EXPECT_TRUE(absl::StrContains(List().revocation_list_json(), "withdrawn on 2026-05-29"));

  badges_->Give(ana_.subject_id(), 60, awarded_ + absl::Hours(48));  // earned again
  const rpb::ExportedCredential second = MustExport(ana_, "first-hour-given");
  EXPECT_NE(second.credential_id(), first.credential_id());
  EXPECT_EQ(second.revocation_list_index(), 2u);
  EXPECT_FALSE(Revoked(second));
  EXPECT_TRUE(Revoked(first));  // the withdrawn award stays revoked
}

TEST_F(CredentialGrpcTest, RotationKeepsOlderCredentialsVerifying) {
  badges_->Give(ana_.subject_id(), 60, awarded_ - absl::Hours(24 * 200));
  const rpb::ExportedCredential before = MustExport(ana_, "first-hour-given");
  rpb::RotatedIssuerKey rotated;
  grpc::Status s = Rotate(adm_, community_, &rotated);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_NE(rotated.kid(), before.kid());
  EXPECT_EQ(rotated.keys(), 2);
  badges_->Give(ben_.subject_id(), 60, awarded_ - absl::Hours(24 * 200));
  const rpb::ExportedCredential after = MustExport(ben_, "first-hour-given");
  EXPECT_EQ(after.kid(), rotated.kid());
  const std::string jwks = Keys().jwks_json();
  EXPECT_EQ(Json::parse(jwks)["keys"].size(), 2u);
  for (const auto* c : {&before, &after}) {
    auto verified = rewards::VerifyVcJwt(c->credential_jwt(), jwks, absl::Now());
    EXPECT_TRUE(verified.ok()) << verified.status();
  }
  // For tests/rewards/verify_credential.py: the RPC path, checked by PyJWT and cryptography.
  if (const char* out = std::getenv("TB_CREDENTIAL_RPC_SAMPLE_DIR"); out != nullptr) {
    std::filesystem::create_directories(out);
    for (const auto& [name, bytes] :
         {std::pair<std::string, std::string>{"credential_old.jwt", before.credential_jwt()},
          {"credential.jwt", after.credential_jwt()},
          {"credential.json", after.credential_json()},
          {"jwks.json", jwks}}) {
      std::ofstream f(absl::StrCat(out, "/", name), std::ios::binary | std::ios::trunc);
      f << bytes;
      ASSERT_TRUE(f.good()) << name;
    }
  }
}

TEST_F(CredentialGrpcTest, KeysAndRevocationIndicesOutliveARebuild) {
  badges_->Give(ana_.subject_id(), 60, awarded_);
  const rpb::ExportedCredential before = MustExport(ana_, "first-hour-given");
  const std::string jwks = Keys().jwks_json();
  auto op = testing::OperatorPrincipal(node_.get());
  ASSERT_TRUE(op.ok()) << op.status();
  rpb::ProjectionStatus rebuilt;
  grpc::Status s = CallWithToken(rewards_.get(), &rpb::RewardsService::Stub::RebuildProjection,
                                 node_->TokenFor(*op), rpb::RebuildProjectionRequest(), &rebuilt);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(Keys().jwks_json(), jwks);
  badges_->Give(ana_.subject_id(), 60, awarded_);  // as the projection would again
  const rpb::ExportedCredential after = MustExport(ana_, "first-hour-given");
  EXPECT_EQ(after.credential_id(), before.credential_id());
  EXPECT_EQ(after.revocation_list_index(), before.revocation_list_index());
  EXPECT_EQ(after.kid(), before.kid());
}

TEST_F(CredentialGrpcTest, NobodyExportsAnothersBadgeOrRotatesAnotherCommunitysKeys) {
  badges_->Give(ana_.subject_id(), 60, awarded_);
  rpb::ExportedCredential out;
  EXPECT_EQ(Export(ben_, ana_.subject_id(), "first-hour-given", &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Export(other_adm_, ana_.subject_id(), "first-hour-given", &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  const std::string jwks = Keys().jwks_json();
  rpb::RotatedIssuerKey rotated;
  EXPECT_EQ(Rotate(other_adm_, community_, &rotated).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Rotate(ana_, community_, &rotated).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Keys().jwks_json(), jwks);
  // Each community is its own issuer with its own keys.
  ASSERT_TRUE(Rotate(other_adm_, other_, &rotated).ok());
  EXPECT_FALSE(absl::StrContains(jwks, rotated.kid()));
  EXPECT_EQ(Keys().jwks_json(), jwks);
  rpb::GetIssuerKeysRequest unknown;
  unknown.set_community_id(999);
  rpb::IssuerKeys keys;
  EXPECT_EQ(
      CallWithToken(rewards_.get(), &rpb::RewardsService::Stub::GetIssuerKeys, "", unknown, &keys)
          .error_code(),
      grpc::StatusCode::NOT_FOUND);
}

// What `tbctl ARGS` printed and its exit code (anonymous: no saved login is read).
std::pair<int, std::string> RunTbctl(const std::string& tbctl, const std::string& args,
                                     const std::string& home) {
  const std::string command =
      absl::StrCat("XDG_CONFIG_HOME='", home, "' TIMEBANK_TOKEN= '", tbctl, "' ", args, " 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  char buffer[4096];
  while (pipe != nullptr && fgets(buffer, sizeof(buffer), pipe) != nullptr) out += buffer;
  const int status = pipe != nullptr ? pclose(pipe) : -1;
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// The tbctl of this build: $TB_TBCTL, or the one beside this test in the build tree
// (<build>/tests/rewards_test and <build>/clients/cli/tbctl).
std::string BuiltTbctl() {
  if (const char* named = std::getenv("TB_TBCTL"); named != nullptr) return named;
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (self.parent_path().parent_path() / "clients" / "cli" / "tbctl").string();
}

// tbctl's verifier against this node, anonymously: only what the issuer publishes.
TEST_F(CredentialGrpcTest, TbctlVerifiesAnExportAndRefusesForgedAndRevokedOnes) {
  const std::string tbctl_path = BuiltTbctl();
  ASSERT_TRUE(std::filesystem::exists(tbctl_path)) << tbctl_path << ": build tbctl first";
  const char* tbctl = tbctl_path.c_str();
  badges_->Give(ana_.subject_id(), 60, awarded_);
  const rpb::ExportedCredential exported = MustExport(ana_, "first-hour-given");
  const std::string file = dir_.Sub("badge.jwt"), forged = dir_.Sub("forged.jwt");
  std::ofstream(file) << exported.credential_jwt() << "\n";
  // The same signature over a payload that names another badge.
  const std::vector<std::string> parts = absl::StrSplit(exported.credential_jwt(), '.');
  ASSERT_EQ(parts.size(), 3u);
  std::string payload;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(parts[1], &payload));
  absl::StrReplaceAll({{"First hour given", "First 100 hours given"}}, &payload);
  std::ofstream(forged) << parts[0] << "." << absl::WebSafeBase64Escape(payload) << "." << parts[2]
                        << "\n";
  const std::string server = absl::StrCat("--server=", node_->address(), " badge verify ");
  const std::string home = dir_.Sub("home");

  auto [code, out] = RunTbctl(tbctl, server + file, home);
  EXPECT_EQ(code, 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "VALID: \"First hour given\", awarded to")) << out;
  EXPECT_TRUE(absl::StrContains(out, "by Riverside from 2026-05-28T20:26:40Z")) << out;
  std::tie(code, out) = RunTbctl(tbctl, server + forged, home);
  EXPECT_NE(code, 0) << out;
  EXPECT_TRUE(absl::StartsWith(out, "NOT VALID: the signature does not match")) << out;

  badges_->Give(ana_.subject_id(), 0, awarded_ + absl::Hours(24));  // withdrawn
  std::tie(code, out) = RunTbctl(tbctl, server + file, home);
  EXPECT_NE(code, 0) << out;
  EXPECT_TRUE(absl::StartsWith(out, "REVOKED: \"First hour given\"")) << out;
}

}  // namespace
}  // namespace timebank
