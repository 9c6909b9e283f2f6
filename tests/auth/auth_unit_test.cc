// Tokens, the keyring, the sign-in throttle and the access policy, without a network.
#include <sys/stat.h>

#include <fstream>
#include <set>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/common/auth/access_policy.h"
#include "services/common/auth/keyring.h"
#include "services/common/auth/revocations.h"
#include "services/common/auth/token.h"
#include "services/common/ids.h"
#include "services/directory/authenticator.h"
#include "tests/common/test_util.h"
#include "timebank/ledger/v1/ledger.pb.h"

namespace timebank::auth {
namespace {

namespace dpb = ::timebank::directory::v1;
constexpr int64_t kNow = 1'800'000'000;

dpb::TokenClaims Claims(int64_t expires_at_s) {
  dpb::TokenClaims c;
  c.mutable_principal()->set_kind(dpb::Principal::KIND_MEMBER);
  c.mutable_principal()->set_community_id(3);
  c.mutable_principal()->set_subject_id(7);
  c.mutable_principal()->add_roles(dpb::ROLE_MEMBER);
  c.set_issued_at_s(kNow);
  c.set_expires_at_s(expires_at_s);
  return c;
}

class KeyringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto k = Keyring::Open(dir_.Sub("keyring"));
    ASSERT_TRUE(k.ok()) << k.status();
    keyring_ = std::move(*k);
  }
  testing::TempDir dir_;
  std::unique_ptr<Keyring> keyring_;
};

TEST_F(KeyringTest, FileIsPrivateAndReopensWithTheSameKey) {
  struct stat st;
  ASSERT_EQ(::stat(dir_.Sub("keyring").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = Keyring::Open(dir_.Sub("keyring"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->Active().secret, keyring_->Active().secret);
  EXPECT_EQ(keyring_->Active().secret.size(), kKeyBytes);
}

TEST_F(KeyringTest, DamagedFileRefusesWithAMessage) {
  std::ofstream(dir_.Sub("bad")) << "k1 123 nothex\n";
  auto k = Keyring::Open(dir_.Sub("bad"));
  ASSERT_FALSE(k.ok());
  EXPECT_TRUE(absl::StrContains(k.status().message(), "damaged")) << k.status();
}

TEST_F(KeyringTest, TokensRoundTripAndRejectTamperingAndExpiry) {
  const std::string t = MintToken(*keyring_, Claims(kNow + 900));
  auto ok = VerifyToken(*keyring_, t, kNow + 10);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->principal().subject_id(), 7u);

  auto expired = VerifyToken(*keyring_, t, kNow + 900 + kClockSkewS + 1);
  EXPECT_EQ(expired.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(absl::StrContains(expired.status().message(), "expired"));

  for (size_t i = 4; i < t.size(); i += 7) {  // flip characters all along the token
    std::string bad = t;
    bad[i] = bad[i] == 'x' ? 'y' : 'x';
    EXPECT_EQ(VerifyToken(*keyring_, bad, kNow).status().code(), absl::StatusCode::kUnauthenticated)
        << "tampered at " << i;
  }
  EXPECT_FALSE(VerifyToken(*keyring_, "", kNow).ok());
  EXPECT_FALSE(VerifyToken(*keyring_, "tb1.", kNow).ok());
  EXPECT_FALSE(VerifyToken(*keyring_, std::string(kMaxTokenBytes + 1, 'a'), kNow).ok());
  // Issued in the future (beyond the skew): refused.
  EXPECT_FALSE(VerifyToken(*keyring_,
                           MintToken(*keyring_,
                                     [] {
                                       auto c = Claims(kNow + 900);
                                       c.set_issued_at_s(kNow + 3600);
                                       return c;
                                     }()),
                           kNow)
                   .ok());
}

TEST_F(KeyringTest, RotationKeepsTheOldKeyForOneLifetimeThenRetiresIt) {
  const std::string old_token = MintToken(*keyring_, Claims(kNow + 900));
  auto ids = keyring_->Rotate(kNow, 960);
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_EQ(ids->size(), 2u);
  EXPECT_TRUE(VerifyToken(*keyring_, old_token, kNow + 10).ok());
  const std::string new_token = MintToken(*keyring_, Claims(kNow + 900));
  EXPECT_NE(new_token.substr(0, 20), old_token.substr(0, 20));
  // Another process sees the rotation after reloading the shared file.
  auto other = Keyring::Open(dir_.Sub("keyring"));
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(VerifyToken(**other, new_token, kNow + 10).ok());
  ids = keyring_->Rotate(kNow + 2000, 960);  // the first key's successor is now old enough
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(ids->size(), 2u);
  EXPECT_FALSE(VerifyToken(*keyring_, old_token, kNow + 10).ok());
  EXPECT_TRUE(VerifyToken(*keyring_, new_token, kNow + 10).ok());
}

TEST(RevocationsTest, RaisingTheEpochRefusesOlderTokens) {
  Revocations r;
  dpb::TokenClaims c = Claims(kNow + 1);
  EXPECT_TRUE(r.IsCurrent(c));
  r.SetEpoch(dpb::Principal::KIND_MEMBER, 3, 7, 1);
  EXPECT_FALSE(r.IsCurrent(c));
  c.set_epoch(1);
  EXPECT_TRUE(r.IsCurrent(c));
  r.SetEpoch(dpb::Principal::KIND_MEMBER, 3, 8, 5);  // someone else: no effect
  EXPECT_TRUE(r.IsCurrent(c));
}

TEST(RevocationsTest, AnEndedSessionRefusesOnlyItsOwnTokens) {
  Revocations r;
  dpb::TokenClaims mine = Claims(kNow + 1);
  mine.set_session_id(41);
  dpb::TokenClaims other = mine;
  other.set_session_id(42);
  r.EndSession(41, absl::ToUnixSeconds(absl::Now()));
  EXPECT_EQ(r.Check(mine, 0), Revocations::Verdict::kRevoked);
  EXPECT_EQ(r.Check(other, 0), Revocations::Verdict::kCurrent);
  // Epochs only rise: a late, older event cannot bring tokens back.
  r.SetEpoch(dpb::Principal::KIND_MEMBER, 3, 7, 5);
  r.SetEpoch(dpb::Principal::KIND_MEMBER, 3, 7, 2);
  EXPECT_EQ(r.Epoch(dpb::Principal::KIND_MEMBER, 3, 7), 5u);
}

TEST(RevocationsTest, AFollowerThatHasNotHeardFromTheDirectoryRefusesPeopleButNotServices) {
  Revocations r;
  r.FollowDirectory();
  const dpb::TokenClaims person = Claims(kNow + 1);
  dpb::TokenClaims service;
  service.mutable_principal()->set_kind(dpb::Principal::KIND_SERVICE);
  const int64_t now_ms = kNow * 1000;
  EXPECT_EQ(r.Check(person, now_ms), Revocations::Verdict::kUnknown);  // never synced
  EXPECT_EQ(r.Check(service, now_ms), Revocations::Verdict::kCurrent);
  r.MarkSynced(now_ms);
  EXPECT_EQ(r.Check(person, now_ms + kRevocationMaxLagMs), Revocations::Verdict::kCurrent);
  EXPECT_EQ(r.Check(person, now_ms + kRevocationMaxLagMs + 1), Revocations::Verdict::kUnknown);
  r.MarkSynced(now_ms - 10'000);  // an older poll answering late moves nothing back
  EXPECT_EQ(r.Check(person, now_ms + 1), Revocations::Verdict::kCurrent);
}

TEST(ThrottleTest, RefusesAfterTooManyFailuresUntilTheWindowPasses) {
  directory::Throttle t(3, 60);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(t.RetryAfterS("ana", kNow), 0);
    t.Fail("ana", kNow);
  }
  EXPECT_GT(t.RetryAfterS("ana", kNow + 1), 0);
  EXPECT_EQ(t.RetryAfterS("bob", kNow + 1), 0);
  EXPECT_EQ(t.RetryAfterS("ana", kNow + 61), 0);
  t.Fail("bob", kNow);
  t.Clear("bob");
  EXPECT_EQ(t.RetryAfterS("bob", kNow), 0);
}

TEST(AccessPolicyTest, EveryRuleReadsFieldsThatExist) {
  for (const AccessRule& r : AccessTable()) {
    EXPECT_FALSE(r.grants.empty()) << r.method;
    EXPECT_EQ(FindRule(r.method), &r) << r.method << " is listed twice";
  }
  EXPECT_EQ(FindRule("/timebank.ledger.v1.LedgerService/NoSuchMethod"), nullptr);
  EXPECT_EQ(Decide(nullptr, "/x.Y/Z", nullptr, nullptr).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(AccessPolicyTest, AdminsMoveOnlyBetweenAccountsOfTheirCommunity) {
  const AccessRule* rule = FindRule("/timebank.ledger.v1.LedgerService/CreateTransfers");
  ASSERT_NE(rule, nullptr);
  dpb::Principal admin;
  admin.set_kind(dpb::Principal::KIND_MEMBER);
  admin.set_community_id(3);
  admin.add_roles(dpb::ROLE_ADMIN);
  ::timebank::ledger::v1::CreateTransfersRequest req;
  auto* t = req.add_transfers();
  t->set_debit_account_id(MemberAccountId(3, 1));
  t->set_credit_account_id(PoolAccountId(3));
  EXPECT_TRUE(Decide(rule, rule->method, &admin, &req).ok());
  auto* t2 = req.add_transfers();
  t2->set_debit_account_id(MemberAccountId(3, 1));
  t2->set_credit_account_id(MemberAccountId(4, 1));  // another community
  EXPECT_EQ(Decide(rule, rule->method, &admin, &req).code(), absl::StatusCode::kPermissionDenied);
  t2->set_credit_account_id("alice");  // not a directory account: no community known
  EXPECT_EQ(Decide(rule, rule->method, &admin, &req).code(), absl::StatusCode::kPermissionDenied);
  t2->set_credit_account_id("c03.m1");  // not the canonical spelling of c3.m1
  EXPECT_EQ(Decide(rule, rule->method, &admin, &req).code(), absl::StatusCode::kPermissionDenied);
  // Every id the transfer names counts: its own, and what it posts, voids or reverses.
  req.clear_transfers();
  t = req.add_transfers();
  t->set_id(PersonChosenId(3, "t"));
  t->set_debit_account_id(MemberAccountId(3, 1));
  t->set_credit_account_id(PoolAccountId(3));
  EXPECT_TRUE(Decide(rule, rule->method, &admin, &req).ok());
  t->set_id(PersonChosenId(4, "t"));
  EXPECT_EQ(Decide(rule, rule->method, &admin, &req).code(), absl::StatusCode::kPermissionDenied);
  t->set_id(PersonChosenId(3, "t"));
  t->set_reverses_id(ActivityTransferId(4, 1));
  EXPECT_EQ(Decide(rule, rule->method, &admin, &req).code(), absl::StatusCode::kPermissionDenied);
  t->clear_reverses_id();
  t->set_pending_id(PersonChosenId(4, "p"));
  EXPECT_EQ(Decide(rule, rule->method, &admin, &req).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Decide(rule, rule->method, nullptr, &req).code(), absl::StatusCode::kUnauthenticated);
}

TEST(IdsTest, CommunityIsReadFromTheId) {
  EXPECT_EQ(CommunityOfId(MemberAccountId(12, 5)), 12u);
  EXPECT_EQ(CommunityOfId(OrganisationAccountId(3, 1)), 3u);
  EXPECT_EQ(CommunityOfId(PoolAccountId(9)), 9u);
  for (const char* bad : {"", "c", "c.", "c0.m1", "cx.m1", "alice", "c12"}) {
    EXPECT_EQ(CommunityOfId(bad), std::nullopt) << bad;
  }
}

// One spelling per id: the c01.m5 beside c1.m5 (and every other variant) is
// not an id at all.
TEST(IdsTest, OnlyTheCanonicalSpellingIsAnId) {
  for (const char* good : {"c1.m5", "c12.o3", "c1.pool", "c1.m0", "c1.exp.care_cover",
                           "c1.act.10.post", "c2.exp.7.r0.travel.rev", "c1.x.gift-2026-01-05",
                           "c1.x.007", "c1.a:b-c_d", "c18446744073709551615.m1"}) {
    EXPECT_TRUE(ParseLedgerId(good).has_value()) << good;
  }
  const std::string longest = "c1." + std::string(kMaxLedgerIdBytes - 3, 'a');
  EXPECT_TRUE(ParseLedgerId(longest).has_value());
  for (const std::string& bad : std::vector<std::string>{"",
                                                         "c",
                                                         "c.",
                                                         "c1",
                                                         "c1.",
                                                         "c0.m1",
                                                         "c01.m5",
                                                         "c+1.m5",
                                                         "c-1.m5",
                                                         "c 1.m5",
                                                         "C1.m5",
                                                         "c1.M5",
                                                         "c1.m05",
                                                         "c1.act.007",
                                                         "c1.m5.",
                                                         "c1..m5",
                                                         ".c1.m5",
                                                         "cx.m1",
                                                         "alice",
                                                         "act.2.1",
                                                         "c1.x",
                                                         "c1.x.",
                                                         "c1.m 5",
                                                         "c1.m5\n",
                                                         "c1.\xc3\xa9",
                                                         "c18446744073709551616.m1",
                                                         "c99999999999999999999.m1",
                                                         longest + "a",
                                                         std::string("c1.m\0", 5)}) {
    EXPECT_FALSE(ParseLedgerId(bad).has_value()) << bad;
  }
  const std::optional<LedgerId> id = ParseLedgerId("c42.act.7");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->community_id, 42u);
  EXPECT_EQ(id->local, "act.7");
}

TEST(IdsTest, PersonAndLedgerNamespacesAreTold) {
  EXPECT_TRUE(ParseLedgerId("c1.x.t1")->person_chosen());
  EXPECT_FALSE(ParseLedgerId("c1.xt1")->person_chosen());
  EXPECT_FALSE(ParseLedgerId("c1.act.1")->person_chosen());
  EXPECT_TRUE(ParseLedgerId("c1.expire.5")->ledger_made());
  EXPECT_TRUE(ParseLedgerId("c1.expire")->ledger_made());
  EXPECT_FALSE(ParseLedgerId("c1.expired.5")->ledger_made());
  EXPECT_FALSE(ParseLedgerId("c1.x.expire.5")->ledger_made());
  EXPECT_EQ(PersonChosenId(3, "gift"), "c3.x.gift");
}

// Every id a service derives goes through the one grammar, names its community, and
// is outside the person namespace (so no person can create it first).
TEST(IdsTest, ServiceIdsAreCanonicalAndNameTheirCommunity) {
  const std::vector<std::string> made = {
      MemberAccountId(7, 5),
      OrganisationAccountId(7, 2),
      PoolAccountId(7),
      ExpenseCategoryAccountId(7, "care_cover"),
      PayableAccountId(7, 5),
      BankAccountId(7),
      ActivityTransferId(7, 10),
      ActivityPostId(7, 10),
      ActivityReversalId(7, 10),
      ExpenseApprovalId(7, 3, 0, "travel"),
      ExpenseApprovalReversalId(7, 3, 1, "travel"),
      ExpensePaymentId(7, 3),
      PendingExpiryId(7, 99),
  };
  std::set<std::string> distinct(made.begin(), made.end());
  EXPECT_EQ(distinct.size(), made.size());
  for (const std::string& id : made) {
    const std::optional<LedgerId> parsed = ParseLedgerId(id);
    ASSERT_TRUE(parsed.has_value()) << id;
    EXPECT_EQ(parsed->community_id, 7u) << id;
    EXPECT_FALSE(parsed->person_chosen()) << id;
  }
  EXPECT_EQ(ActivityTransferId(2, 1), "c2.act.1");
  EXPECT_EQ(ExpenseApprovalId(2, 3, 1, "travel"), "c2.exp.3.r1.travel");
  EXPECT_TRUE(ParseLedgerId(PendingExpiryId(7, 99))->ledger_made());
  EXPECT_TRUE(IsMoneyBookAccountId(BankAccountId(7)));
  EXPECT_TRUE(IsMoneyBookAccountId(ExpenseCategoryAccountId(7, "travel")));
  EXPECT_FALSE(IsMoneyBookAccountId(PayableAccountId(7, 5)));
  EXPECT_FALSE(IsMoneyBookAccountId(ExpenseApprovalId(7, 3, 0, "travel")));
  EXPECT_EQ(FollowUpId("c1.x.t1", "reversal"), "c1.x.t1.reversal");
  EXPECT_EQ(FollowUpId("c1.X", "post"), std::nullopt);
  EXPECT_EQ(FollowUpId("c1." + std::string(60, 'a'), "post"), std::nullopt);
}

TEST(IdsTest, DirectoryAccountIdsNameTheirOwner) {
  const std::optional<AccountOwner> m = ParseAccountId("c3.m12");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->community_id, 3u);
  EXPECT_EQ(m->kind, 'm');
  EXPECT_EQ(m->id, 12u);
  EXPECT_EQ(ParseAccountId("c3.o2")->kind, 'o');
  EXPECT_EQ(ParseAccountId("c3.pool")->kind, 'p');
  for (const char* other : {"c3.m0", "c3.mx", "c3.m", "c3.x.m1", "c3.payable.m1", "c03.m1"}) {
    EXPECT_EQ(ParseAccountId(other), std::nullopt) << other;
  }
}

}  // namespace
}  // namespace timebank::auth
