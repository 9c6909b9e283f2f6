// The directory core and the authenticator over an in-memory store, with a fake ledger
// that can be "down": every rule, bad input writing nothing, erasure, sign-up modes,
// refresh-token rotation and the ledger-account outbox.
#include "services/directory/directory.h"

#include <algorithm>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "services/common/auth/keyring.h"
#include "services/common/auth/token.h"
#include "services/common/clock.h"
#include "services/common/ids.h"
#include "services/directory/authenticator.h"
#include "services/directory/directory_records.h"
#include "services/directory/directory_schema.h"
#include "storage/bytes.h"
#include "storage/mem_store.h"
#include "tests/common/test_util.h"

namespace timebank::directory {
namespace {

namespace lpb = ::timebank::ledger::v1;

// Called by the directory's pump thread as well as the test's: every field is guarded.
class FakeLedger final : public LedgerAccounts {
 public:
  absl::StatusOr<std::vector<lpb::CreateAccountResult>> OpenAccounts(
      const std::vector<lpb::Account>& accounts) override {
    absl::MutexLock lock(&mu_);
    ++calls_;
    mu_.Await(absl::Condition(
        +[](bool* blocked) { return !*blocked; }, &blocked_));  // a slow ledger
    if (down_) return absl::UnavailableError("ledger down");
    if (accounts.empty() || accounts.size() > ledger::kMaxBatchEvents) {  // as the ledger does
      return absl::InvalidArgumentError(
          absl::StrCat("accounts: between 1 and ", ledger::kMaxBatchEvents, " per call"));
    }
    std::vector<lpb::CreateAccountResult> results;
    for (const auto& a : accounts) {
      lpb::CreateAccountResult r;
      r.set_id(a.id());
      if (refuse_.count(a.id())) {
        r.set_code(lpb::CREATE_ACCOUNT_EXISTS_WITH_DIFFERENT_FIELDS);
      } else {
        r.set_code(opened_.count(a.id()) ? lpb::CREATE_ACCOUNT_EXISTS
                                         : lpb::CREATE_ACCOUNT_CREATED);
        opened_[a.id()] = a;
      }
      results.push_back(r);
    }
    return results;
  }
  absl::StatusOr<std::string> ExportAccount(const std::string& id) override {
    return "{\"account\": \"" + id + "\"}";
  }
  // The opened accounts among `ids`, with the balances SetBalance gave them.
  absl::StatusOr<std::vector<lpb::Account>> GetAccounts(
      const std::vector<std::string>& ids) override {
    absl::MutexLock lock(&mu_);
    std::vector<lpb::Account> out;
    for (const std::string& id : ids) {
      auto it = opened_.find(id);
      if (it != opened_.end()) out.push_back(it->second);
    }
    return out;
  }
  void SetBalance(const std::string& id, int64_t given, int64_t received) {
    absl::MutexLock lock(&mu_);
    lpb::Account& a = opened_[id];
    a.set_id(id);
    a.set_credits_posted(given);
    a.set_debits_posted(received);
    a.set_balance(given - received);
  }
  std::map<std::string, lpb::Account> Opened() {
    absl::MutexLock lock(&mu_);
    return opened_;
  }
  void SetDown(bool down) {
    absl::MutexLock lock(&mu_);
    down_ = down;
  }
  void Refuse(const std::string& id) {
    absl::MutexLock lock(&mu_);
    refuse_.insert(id);
  }
  // While blocked, OpenAccounts waits inside the call; Calls() counts calls entered.
  void SetBlocked(bool blocked) {
    absl::MutexLock lock(&mu_);
    blocked_ = blocked;
  }
  int Calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

 private:
  absl::Mutex mu_;
  bool down_ ABSL_GUARDED_BY(mu_) = false;
  bool blocked_ ABSL_GUARDED_BY(mu_) = false;
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::set<std::string> refuse_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, lpb::Account> opened_ ABSL_GUARDED_BY(mu_);
};

class DirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto k = auth::Keyring::Open(dir_.Sub("keyring"));
    ASSERT_TRUE(k.ok());
    keyring_ = std::move(*k);
    AuthOptions o;
    o.argon2_memory_kib = 1024;  // the cost is a setting; the rules are what is tested here
    o.argon2_passes = 1;
    o.max_failures_per_username = 3;
    auth_ = std::make_unique<Authenticator>(&dir, keyring_.get(), o);
    ASSERT_TRUE(dir.Start().ok());
    dpb::Community c;
    c.set_name("Riverside");
    c.set_member_credit_limit_minutes(600);
    auto made = dir.CreateCommunity(op_, c, "");
    ASSERT_TRUE(made.ok()) << made.status();
    community_ = made->id();
  }

  dpb::Member NewMember(const std::string& name, const std::string& number = "") {
    dpb::Member m;
    m.set_community_id(community_);
    m.set_display_name(name);
    m.set_member_number(number);
    return m;
  }

  size_t MemberCount() { return dir.SearchMembers(community_, "", "", 0, 1000)->items.size(); }

  testing::TempDir dir_;
  storage::MemStore store{1};
  FakeLedger ledger;
  auth::Revocations revocations;
  // The tokens the authenticator mints are checked against the host's clock.
  FakeClock clock{absl::Now()};
  Directory dir{&store, &ledger, &revocations, nullptr, &clock};
  std::unique_ptr<auth::Keyring> keyring_;
  std::unique_ptr<Authenticator> auth_;
  Actor op_;
  uint64_t community_ = 0;
};

// The record kit builds the keys the directory always wrote, so an existing data
// directory opens unchanged.
TEST(DirectoryRecordsTest, KeysAreTheBytesAlreadyOnDisk) {
  EXPECT_EQ(CommunityKey(7), storage::KeyU64(schema::kCommunity, 7));
  EXPECT_EQ(MemberKey(7, 9), storage::KeyU64U64(schema::kMember, 7, 9));
  EXPECT_EQ(OrganisationKey(7, 9), storage::KeyU64U64(schema::kOrganisation, 7, 9));
  EXPECT_EQ(AuditKey(7, 9), storage::KeyU64U64(schema::kAudit, 7, 9));
  EXPECT_EQ(UsernameKey("ana"), storage::KeyStr(schema::kUsername, auth::Sha256("ana")));
  EXPECT_EQ(InvitationCodeKey("c0de"),
            storage::KeyStr(schema::kInvitationCode, auth::Sha256("c0de")));
  EXPECT_EQ(MemberNumberKey(7, "M00001"),
            storage::KeyStr(schema::kMemberNumber, storage::KeyU64('_', 7).substr(1) + "M00001"));
  std::string session = storage::KeyU64U64(schema::kMemberSession, 7, 9);
  storage::PutU64(&session, 11);
  EXPECT_EQ(MemberSessionKey(7, 9, 11), session);
  EXPECT_EQ(RefValue(7, 9), storage::KeyU64U64('_', 7, 9).substr(1));
  EXPECT_EQ(RefOf(RefValue(7, 9)), std::make_pair(uint64_t{7}, uint64_t{9}));
  EXPECT_EQ(RefOf("short"), std::nullopt);
}

TEST_F(DirectoryTest, CommunityOrganisationAndMemberOpenTheirTimeAccounts) {
  EXPECT_EQ(ledger.Opened().count(PoolAccountId(community_)), 1u);
  EXPECT_EQ(ledger.Opened()[PoolAccountId(community_)].min_balance(), 0);
  dpb::Organisation o;
  o.set_community_id(community_);
  o.set_name("Carers");
  o.set_kind(dpb::ORGANISATION_KIND_RECOGNITION_PARTNER);
  auto org = dir.CreateOrganisation(op_, o, "");
  ASSERT_TRUE(org.ok()) << org.status();
  EXPECT_EQ(ledger.Opened()[org->account_id()].owner_kind(), lpb::OWNER_KIND_PARTNER);
  auto m = dir.CreateMember(op_, NewMember("Ana"), "", "");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->member_number(), "M00001");
  EXPECT_EQ(m->account_id(), MemberAccountId(community_, m->id()));
  EXPECT_EQ(ledger.Opened()[m->account_id()].min_balance(), -600);
  EXPECT_EQ(ledger.Opened()[m->account_id()].unit(), "TIME");
}

TEST_F(DirectoryTest, AccountsWaitInTheOutboxWhileTheLedgerIsDown) {
  ledger.SetDown(true);
  auto m = dir.CreateMember(op_, NewMember("Ben"), "", "");
  ASSERT_TRUE(m.ok()) << m.status();  // the member exists; the account follows
  EXPECT_EQ(ledger.Opened().count(m->account_id()), 0u);
  EXPECT_EQ(dir.DrainOutbox(), 1u);
  ledger.SetDown(false);
  EXPECT_EQ(dir.DrainOutbox(), 0u);
  EXPECT_EQ(ledger.Opened().count(m->account_id()), 1u);
}

TEST_F(DirectoryTest, ASlowLedgerBlocksNoUnrelatedDirectoryWrite) {
  ledger.SetBlocked(true);
  const int calls_before = ledger.Calls();
  absl::Notification created;
  absl::StatusOr<dpb::Member> ana;
  std::thread creator([&] {
    ana = dir.CreateMember(op_, NewMember("Ana"), "", "");
    created.Notify();
  });
  // The pump is inside the ledger call, opening Ana's account, and stays there.
  while (ledger.Calls() == calls_before) absl::SleepFor(absl::Milliseconds(5));
  auto inv = dir.CreateInvitation(op_, community_, 24, "while the ledger is slow");
  ASSERT_TRUE(inv.ok()) << inv.status();  // the write completed: the lock was not held
  EXPECT_FALSE(created.HasBeenNotified()) << "Ana's create waits (bounded) for her account";
  ledger.SetBlocked(false);
  creator.join();
  ASSERT_TRUE(ana.ok()) << ana.status();
  EXPECT_EQ(ledger.Opened().count(ana->account_id()), 1u);
}

TEST(DirectoryStopTest, StopIsSafeBeforeStartAndTwice) {
  storage::MemStore store{1};
  FakeLedger ledger;
  auth::Revocations revocations;
  Directory dir(&store, &ledger, &revocations);
  dir.Stop();
  dir.Stop();
  EXPECT_EQ(ledger.Calls(), 0);
}  // and the destructor stops it once more

// Stop joins the pump (the round it is in finishes); a create that was waiting for a
// round the pump will never run returns at once instead of after the whole wait, and
// a create after Stop answers without waiting: its account stays in the outbox.
TEST_F(DirectoryTest, StopJoinsTheAccountPumpAndReleasesCreatesWaitingForIt) {
  ledger.SetBlocked(true);
  const int calls_before = ledger.Calls();
  absl::StatusOr<dpb::Member> ana;
  std::thread first([&] { ana = dir.CreateMember(op_, NewMember("Ana"), "", ""); });
  // The pump is inside the ledger call, opening Ana's account, and stays there.
  while (ledger.Calls() == calls_before) absl::SleepFor(absl::Milliseconds(5));
  absl::StatusOr<dpb::Member> ben;
  std::thread second([&] { ben = dir.CreateMember(op_, NewMember("Ben"), "", ""); });
  absl::Notification stopped;
  std::thread stopper([&] {
    dir.Stop();
    stopped.Notify();
  });
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_FALSE(stopped.HasBeenNotified()) << "Stop waits for the round in the ledger";
  const absl::Time unblocked = absl::Now();
  ledger.SetBlocked(false);
  stopper.join();
  first.join();
  second.join();
  EXPECT_LT(absl::Now() - unblocked, absl::Milliseconds(DirectoryLimits::kAccountOpenWaitMs / 2))
      << "no create waited for a round after the pump stopped";
  ASSERT_TRUE(ana.ok() && ben.ok());
  EXPECT_EQ(ledger.Opened().count(ana->account_id()), 1u);

  const int calls_stopped = ledger.Calls();
  const absl::Time before = absl::Now();
  auto cat = dir.CreateMember(op_, NewMember("Cat"), "", "");
  ASSERT_TRUE(cat.ok()) << cat.status();
  EXPECT_LT(absl::Now() - before, absl::Seconds(1)) << "nothing to wait for";
  EXPECT_EQ(ledger.Calls(), calls_stopped) << "no pump opened Cat's account";
  EXPECT_EQ(ledger.Opened().count(cat->account_id()), 0u);
  EXPECT_EQ(dir.DrainOutbox(), 0u);  // the caller's drain still opens what waits
  EXPECT_EQ(ledger.Opened().count(cat->account_id()), 1u);
  EXPECT_EQ(ledger.Opened().count(ben->account_id()), 1u);
  dir.Stop();  // idempotent
}

TEST_F(DirectoryTest, AnAccountTheLedgerRefusesIsAuditedAndBlocksNoOther) {
  ledger.SetDown(true);
  auto refused = dir.CreateMember(op_, NewMember("Ana"), "", "");
  auto fine = dir.CreateMember(op_, NewMember("Ben"), "", "");
  ASSERT_TRUE(refused.ok() && fine.ok());
  ledger.Refuse(refused->account_id());
  ledger.SetDown(false);
  EXPECT_EQ(dir.DrainOutbox(), 0u) << "a refused account leaves the queue";
  EXPECT_EQ(ledger.Opened().count(refused->account_id()), 0u);
  EXPECT_EQ(ledger.Opened().count(fine->account_id()), 1u);
  auto audit = dir.ListAudit(community_, 0, 1000);
  ASSERT_TRUE(audit.ok());
  int refusals = 0;
  for (const dpb::AuditEntry& e : audit->items) {
    if (e.action() != "account.refused") continue;
    ++refusals;
    EXPECT_TRUE(absl::StrContains(e.detail(), refused->account_id())) << e.detail();
    EXPECT_TRUE(absl::StrContains(e.detail(), "EXISTS_WITH_DIFFERENT_FIELDS")) << e.detail();
  }
  EXPECT_EQ(refusals, 1);
}

TEST_F(DirectoryTest, BadInputIsRefusedNamingTheFieldAndWritesNothing) {
  ASSERT_TRUE(dir.CreateMember(op_, NewMember("Cat", "C-1"), "", "").ok());
  const size_t before = MemberCount();
  auto dup = dir.CreateMember(op_, NewMember("Cat again", "C-1"), "", "");
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(absl::StrContains(dup.status().message(), "member_number")) << dup.status();
  struct Case {
    std::string name, number, field;
  } cases[] = {
      {std::string(129, 'a'), "", "member.display_name"},
      {"tab\there", "", "member.display_name"},
      {"", "", "member.display_name"},
      {"\xff\xfe", "", "member.display_name"},
      {"Dee", "has space", "member.member_number"},
  };
  for (const Case& c : cases) {
    auto r = dir.CreateMember(op_, NewMember(c.name, c.number), "", "");
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_TRUE(absl::StrContains(r.status().message(), c.field)) << r.status();
  }
  dpb::Member unknown = NewMember("Eve");
  unknown.set_community_id(999);
  EXPECT_EQ(dir.CreateMember(op_, unknown, "", "").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(MemberCount(), before);
  dpb::Community bad;
  bad.set_name("X");
  bad.set_timezone("Mars/Olympus");
  EXPECT_TRUE(absl::StrContains(dir.CreateCommunity(op_, bad, "").status().message(), "timezone"));
  bad.set_timezone("Europe/London");
  bad.set_expense_currency("XXQ");
  EXPECT_TRUE(
      absl::StrContains(dir.CreateCommunity(op_, bad, "").status().message(), "expense_currency"));
  bad.set_expense_currency("GBP");
  bad.set_member_credit_limit_minutes(-5);
  EXPECT_TRUE(absl::StrContains(dir.CreateCommunity(op_, bad, "").status().message(),
                                "member_credit_limit"));
  EXPECT_EQ(dir.GrantRole(op_, community_, 1, dpb::ROLE_OPERATOR, 0, "").status().code(),
            absl::StatusCode::kInvalidArgument);
}

google::protobuf::FieldMask Mask(std::vector<std::string> paths) {
  google::protobuf::FieldMask m;
  for (std::string& p : paths) m.add_paths(std::move(p));
  return m;
}

// Issue 11 item 10: updates replaced the whole record, so a field left out was reset.
TEST_F(DirectoryTest, CommunityUpdatesChangeOnlyTheFieldsNamed) {
  const dpb::Community before = *dir.GetCommunity(community_);
  ASSERT_EQ(before.member_credit_limit_minutes(), 600);
  dpb::Community patch;
  patch.set_id(community_);
  patch.set_etag(before.etag());
  patch.set_timezone("Europe/Dublin");
  auto updated = dir.UpdateCommunity(op_, patch, Mask({"timezone"}));
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->timezone(), "Europe/Dublin");
  EXPECT_EQ(updated->name(), "Riverside");
  EXPECT_EQ(updated->member_credit_limit_minutes(), 600);
  EXPECT_EQ(updated->expense_currency(), before.expense_currency());
  // Without a mask: what the request sets. Naming a field sets it even to zero.
  patch.set_etag(updated->etag());
  patch.clear_timezone();
  updated = dir.UpdateCommunity(op_, patch, Mask({"member_credit_limit_minutes"}));
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->member_credit_limit_minutes(), 0);
  EXPECT_EQ(updated->timezone(), "Europe/Dublin");
  // A path that cannot change, or a change that breaks a rule: refused, nothing written.
  patch.set_etag(updated->etag());
  EXPECT_TRUE(absl::StartsWith(
      dir.UpdateCommunity(op_, patch, Mask({"pool_account_id"})).status().message(),
      "update_mask:"));
  EXPECT_TRUE(absl::StartsWith(dir.UpdateCommunity(op_, patch, Mask({"name"})).status().message(),
                               "community.name"));
  EXPECT_EQ(dir.GetCommunity(community_)->etag(), updated->etag());
}

TEST_F(DirectoryTest, MemberUpdatesChangeOnlyTheFieldsNamedAndCanClearOne) {
  dpb::Member m = NewMember("Hana");
  m.set_email("hana@example.org");
  m.set_phone("01234 567890");
  m.add_tags("Gardening");
  m.mutable_consent()->set_appear_in_directory(true);
  auto made = dir.CreateMember(op_, m, "", "");
  ASSERT_TRUE(made.ok()) << made.status();
  dpb::Member patch;
  patch.set_community_id(community_);
  patch.set_id(made->id());
  patch.set_etag(made->etag());
  patch.add_tags(" Cooking ");
  auto updated = dir.UpdateMember(op_, patch, google::protobuf::FieldMask());
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->display_name(), "Hana");
  EXPECT_EQ(updated->email(), "hana@example.org");
  ASSERT_EQ(updated->tags_size(), 1);
  EXPECT_EQ(updated->tags(0), "cooking");  // normalised as on creation
  EXPECT_TRUE(updated->consent().appear_in_directory());
  // Clearing the email and withdrawing a consent: by naming them.
  patch.set_etag(updated->etag());
  patch.clear_tags();
  updated = dir.UpdateMember(op_, patch, Mask({"email", "consent.appear_in_directory"}));
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->email(), "");
  EXPECT_EQ(updated->phone(), "01234 567890");
  EXPECT_FALSE(updated->consent().appear_in_directory());
  EXPECT_EQ(updated->tags_size(), 1);
  patch.set_etag(updated->etag());
  EXPECT_TRUE(absl::StartsWith(dir.UpdateMember(op_, patch, Mask({"roles"})).status().message(),
                               "update_mask:"));
}

TEST_F(DirectoryTest, MembersAreLookedUpByNumberInBulk) {
  ASSERT_TRUE(dir.CreateMember(op_, NewMember("Alice", "R-1"), "", "").ok());
  ASSERT_TRUE(dir.CreateMember(op_, NewMember("Bob", "R-2"), "", "").ok());
  auto found = dir.LookupMembers(community_, {"R-2", "R-9", "R-1", "r-1"});
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->size(), 4u);
  EXPECT_EQ((*found)[0]->display_name(), "Bob");
  EXPECT_FALSE((*found)[1].has_value());
  EXPECT_EQ((*found)[2]->display_name(), "Alice");
  EXPECT_FALSE((*found)[3].has_value());  // numbers are exact
  EXPECT_EQ(dir.LookupMembers(community_, {}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(dir.LookupMembers(community_, std::vector<std::string>(1001, "R-1")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(dir.LookupMembers(community_, {std::string(33, 'x')}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(dir.LookupMembers(community_ + 7, {"R-1"}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(DirectoryTest, MembersAreLookedUpByIdInBulk) {
  auto ana = dir.CreateMember(op_, NewMember("Ana"), "", "");
  auto ben = dir.CreateMember(op_, NewMember("Ben"), "", "");
  ASSERT_TRUE(ana.ok() && ben.ok());
  auto found = dir.LookupMembersById(community_, {ben->id(), 999, ana->id()});
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->size(), 3u);
  EXPECT_EQ((*found)[0]->display_name(), "Ben");
  EXPECT_FALSE((*found)[1].has_value());
  EXPECT_EQ((*found)[2]->display_name(), "Ana");
  EXPECT_TRUE(
      absl::StartsWith(dir.LookupMembersById(community_, {}).status().message(), "member_ids:"));
  EXPECT_EQ(dir.LookupMembersById(community_, std::vector<uint64_t>(1001, 1)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(dir.LookupMembersById(community_ + 7, {ana->id()}).status().code(),
            absl::StatusCode::kNotFound);
}

// A person's typed reference, as staff and as members see the community.
class MemberReferenceTest : public DirectoryTest {
 protected:
  void SetUp() override {
    DirectoryTest::SetUp();
    dpb::Member bilal = NewMember("Bilal Hussain", "M-4");
    bilal.set_username("bilal.h");
    bilal.mutable_consent()->set_appear_in_directory(true);
    bilal_ = Must(dir.CreateMember(op_, bilal, "", ""));
    dpb::Member ann1 = NewMember("Ann Jones", "M-5");
    ann1.mutable_consent()->set_appear_in_directory(true);
    ann_jones_ = Must(dir.CreateMember(op_, ann1, "", ""));
    // Ann Smith did not agree to appear in the directory.
    ann_smith_ = Must(dir.CreateMember(op_, NewMember("Ann Smith", "M-6"), "", ""));
  }
  static dpb::Member Must(absl::StatusOr<dpb::Member> m) {
    EXPECT_TRUE(m.ok()) << m.status();
    return m.ok() ? *m : dpb::Member();
  }
  Actor As(dpb::Principal::Kind kind, uint64_t id, std::vector<dpb::Role> roles) {
    Actor a;
    a.principal.set_kind(kind);
    a.principal.set_community_id(community_);
    a.principal.set_subject_id(id);
    for (dpb::Role r : roles) a.principal.add_roles(r);
    return a;
  }
  std::vector<std::string> Found(const Actor& a, const std::string& ref) {
    auto r = dir.ResolveMember(a, community_, ref);
    EXPECT_TRUE(r.ok()) << r.status();
    std::vector<std::string> out;
    if (!r.ok()) return out;
    for (const auto& n : r->candidates()) {
      out.push_back(n.display_name().empty() ? n.member_number() : n.display_name());
    }
    return out;
  }
  dpb::Member bilal_, ann_jones_, ann_smith_;
};

TEST_F(MemberReferenceTest, StaffFindAnyMemberByNumberUsernameIdOrName) {
  const Actor coordinator = As(dpb::Principal::KIND_MEMBER, bilal_.id(), {dpb::ROLE_COORDINATOR});
  using V = std::vector<std::string>;
  EXPECT_EQ(Found(coordinator, "m-6"), V{"Ann Smith"});  // numbers ignore case
  EXPECT_EQ(Found(coordinator, "bilal.h"), V{"Bilal Hussain"});
  EXPECT_EQ(Found(coordinator, absl::StrCat(ann_jones_.id())), V{"Ann Jones"});
  EXPECT_EQ(Found(coordinator, "  ann smith "), V{"Ann Smith"});        // a whole name is exact
  EXPECT_EQ(Found(coordinator, "ann"), (V{"Ann Jones", "Ann Smith"}));  // candidates listed
  EXPECT_EQ(Found(coordinator, "nobody"), V{});
  auto r = dir.ResolveMember(coordinator, community_, "ann");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->more());
  EXPECT_EQ(r->candidates(0).member_number(), "M-5");
  EXPECT_EQ(r->candidates(0).member_id(), ann_jones_.id());
}

TEST_F(MemberReferenceTest, MembersFindOnlyWhoAgreedToAppearAndNoOtherNames) {
  const Actor member = As(dpb::Principal::KIND_MEMBER, bilal_.id(), {});
  using V = std::vector<std::string>;
  EXPECT_EQ(Found(member, "ann"), V{"Ann Jones"});  // Ann Smith did not agree to appear
  EXPECT_EQ(Found(member, "Ann Smith"), V{});
  EXPECT_EQ(Found(member, absl::StrCat(ann_smith_.id())), V{});  // no probing by id
  // Her number (from her card) names her, without telling her name.
  auto by_number = dir.ResolveMember(member, community_, "M-6");
  ASSERT_TRUE(by_number.ok());
  ASSERT_EQ(by_number->candidates_size(), 1);
  EXPECT_EQ(by_number->candidates(0).member_id(), ann_smith_.id());
  EXPECT_EQ(by_number->candidates(0).display_name(), "");
  // An API key sees as a member does, though it carries its organisation's coordinator role.
  EXPECT_EQ(Found(As(dpb::Principal::KIND_API_KEY, 1, {dpb::ROLE_COORDINATOR}), "ann"),
            V{"Ann Jones"});
  // Suspended or erased members are not found by other members.
  ASSERT_TRUE(dir.SetMemberStatus(As(dpb::Principal::KIND_MEMBER, 0, {dpb::ROLE_ADMIN}), community_,
                                  ann_jones_.id(), dpb::MEMBER_STATUS_SUSPENDED, "", "")
                  .ok());
  EXPECT_EQ(Found(member, "ann"), V{});
  EXPECT_EQ(Found(member, "bilal"), V{"Bilal Hussain"});  // themself
}

TEST_F(MemberReferenceTest, ManyMatchesSayThereAreMore) {
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(dir.CreateMember(op_, NewMember(absl::StrCat("Sam ", i)), "", "").ok());
  }
  auto r = dir.ResolveMember(As(dpb::Principal::KIND_SERVICE, 0, {}), community_, "sam");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->candidates_size(), 10);
  EXPECT_TRUE(r->more());
}

TEST_F(MemberReferenceTest, BadReferencesAreRefusedNamingTheField) {
  const Actor staff = As(dpb::Principal::KIND_SERVICE, 0, {});
  for (const std::string& bad :
       {std::string("   "), std::string(129, 'a'), std::string("a\x01b"), std::string("\xff")}) {
    auto r = dir.ResolveMember(staff, community_, bad);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_TRUE(absl::StartsWith(r.status().message(), "reference")) << r.status();
  }
  EXPECT_EQ(dir.ResolveMember(staff, community_ + 7, "ann").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(DirectoryTest, OrganisationsMayRunFurtherBelowZeroThanMembers) {
  dpb::Community c;
  c.set_name("Big");
  c.set_organisation_credit_limit_minutes(int64_t{1'000'000} * 60);
  EXPECT_TRUE(dir.CreateCommunity(op_, c, "").ok());
  c.set_organisation_credit_limit_minutes(int64_t{1'000'000} * 60 + 1);
  EXPECT_TRUE(absl::StartsWith(dir.CreateCommunity(op_, c, "").status().message(),
                               "community.organisation_credit_limit_minutes"));
  c.set_organisation_credit_limit_minutes(0);
  c.set_member_credit_limit_minutes(1000 * 60 + 1);
  EXPECT_TRUE(absl::StartsWith(dir.CreateCommunity(op_, c, "").status().message(),
                               "community.member_credit_limit_minutes"));
}

TEST_F(DirectoryTest, RetriedCreateWithTheSameRequestIdCreatesOnce) {
  auto a = dir.CreateMember(op_, NewMember("Fay"), "", "req-1");
  auto b = dir.CreateMember(op_, NewMember("Fay"), "", "req-1");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->id(), b->id());
  EXPECT_EQ(MemberCount(), 1u);
}

TEST_F(DirectoryTest, RolesAreAuditedAndEndOldTokens) {
  auto m = dir.CreateMember(op_, NewMember("Gus"), "", "");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(dir.GrantRole(op_, community_, m->id(), dpb::ROLE_COORDINATOR, 0, "").status().code(),
            absl::StatusCode::kInvalidArgument);  // a coordinator coordinates something
  EXPECT_EQ(dir.GrantRole(op_, community_, m->id(), dpb::ROLE_COORDINATOR, 42, "").status().code(),
            absl::StatusCode::kNotFound);
  const uint64_t epoch = dir.Epoch(dpb::Principal::KIND_MEMBER, community_, m->id());
  auto g = dir.GrantRole(op_, community_, m->id(), dpb::ROLE_FINANCE, 0, "treasurer");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_GT(dir.Epoch(dpb::Principal::KIND_MEMBER, community_, m->id()), epoch);
  auto r = dir.RevokeRole(op_, community_, m->id(), dpb::ROLE_FINANCE, 0, "stepped down");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->roles_size(), 1);
  auto audit = dir.ListAudit(community_, 0, 100);
  ASSERT_TRUE(audit.ok());
  std::vector<std::string> actions;
  for (const auto& e : audit->items) actions.push_back(e.action() + ":" + e.detail());
  EXPECT_NE(std::find(actions.begin(), actions.end(), "role.grant:ROLE_FINANCE: treasurer"),
            actions.end());
  EXPECT_NE(std::find(actions.begin(), actions.end(), "role.revoke:ROLE_FINANCE: stepped down"),
            actions.end());
}

TEST_F(DirectoryTest, InvitationsWorkOnceAndExpire) {
  auto inv = dir.CreateInvitation(op_, community_, 1, "for Hal");
  ASSERT_TRUE(inv.ok());
  dpb::SignUpRequest req;
  req.set_community_id(community_);
  req.set_username("hal");
  req.set_password("hal-password-1");
  req.set_invitation_code("wrong");
  EXPECT_EQ(auth_->SignUp(req, "a").status().code(), absl::StatusCode::kFailedPrecondition);
  req.set_invitation_code(inv->code());
  auto joined = auth_->SignUp(req, "a");
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_EQ(joined->member().status(), dpb::MEMBER_STATUS_ACTIVE);
  EXPECT_FALSE(joined->tokens().access_token().empty());
  req.set_username("hal2");
  EXPECT_EQ(auth_->SignUp(req, "a").status().code(),
            absl::StatusCode::kFailedPrecondition);  // used

  auto later = dir.CreateInvitation(op_, community_, 1, "");
  ASSERT_TRUE(later.ok());
  clock.Advance(absl::Hours(2));
  req.set_invitation_code(later->code());
  req.set_username("ivy");
  auto expired = auth_->SignUp(req, "a");
  EXPECT_EQ(expired.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(expired.status().message(), "expired"));
}

// Issue 14, item 7: the operator hands a new community to its first admin with a
// one-time code; the code works once, and each refusal says why.
TEST_F(DirectoryTest, AnAdminInvitationMakesItsUserTheFirstAdmin) {
  Actor operator_actor;
  operator_actor.principal.set_kind(dpb::Principal::KIND_MEMBER);
  operator_actor.principal.add_roles(dpb::ROLE_OPERATOR);
  Actor coordinator;
  coordinator.principal.set_kind(dpb::Principal::KIND_MEMBER);
  coordinator.principal.set_community_id(community_);
  coordinator.principal.add_roles(dpb::ROLE_COORDINATOR);
  EXPECT_EQ(dir.CreateInvitation(coordinator, community_, 24, "", dpb::ROLE_ADMIN).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(
      dir.CreateInvitation(operator_actor, community_, 24, "", dpb::ROLE_FINANCE).status().code(),
      absl::StatusCode::kInvalidArgument);
  auto inv = dir.CreateInvitation(operator_actor, community_, 24, "first admin", dpb::ROLE_ADMIN);
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->role(), dpb::ROLE_ADMIN);
  dpb::SignUpRequest req;
  req.set_community_id(community_);
  req.set_username("amara");
  req.set_password("amara-password-1");
  req.set_invitation_code(inv->code());
  auto joined = auth_->SignUp(req, "a");
  ASSERT_TRUE(joined.ok()) << joined.status();
  const auto& roles = joined->member().roles();
  EXPECT_NE(std::find(roles.begin(), roles.end(), dpb::ROLE_ADMIN), roles.end());
  const auto& token_roles = joined->tokens().principal().roles();
  EXPECT_NE(std::find(token_roles.begin(), token_roles.end(), dpb::ROLE_ADMIN), token_roles.end());
  auto stored = dir.GetMember(community_, joined->member().id());
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->roles_size(), 2);  // member and admin
  auto audit = dir.ListAudit(community_, 0, 100);
  ASSERT_TRUE(audit.ok());
  bool granted = false;
  for (const auto& e : audit->items) {
    granted |= e.action() == "role.grant" && e.member_id() == joined->member().id() &&
               absl::StrContains(e.detail(), "ROLE_ADMIN by invitation");
  }
  EXPECT_TRUE(granted);

  req.set_username("someone-else");  // the same code again
  auto again = auth_->SignUp(req, "b");
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(again.status().message(), "already used")) << again.status();

  auto revoked = dir.CreateInvitation(op_, community_, 24, "");
  ASSERT_TRUE(revoked.ok());
  ASSERT_TRUE(dir.RevokeInvitation(op_, community_, revoked->id()).ok());
  req.set_invitation_code(revoked->code());
  auto refused = auth_->SignUp(req, "c");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "revoked")) << refused.status();

  // A code of one community does not admit anyone to another.
  dpb::Community other;
  other.set_name("Hillside");
  auto hill = dir.CreateCommunity(op_, other, "");
  ASSERT_TRUE(hill.ok());
  auto open = dir.CreateInvitation(op_, community_, 24, "");
  ASSERT_TRUE(open.ok());
  req.set_community_id(hill->id());
  req.set_invitation_code(open->code());
  auto wrong = auth_->SignUp(req, "d");
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(wrong.status().message(), "not an invitation of community"))
      << wrong.status();
  // ...and is still good where it belongs.
  req.set_community_id(community_);
  EXPECT_TRUE(auth_->SignUp(req, "d").ok());
}

// Issue 14, item 6: who belongs to an organisation, and the balances its coordinators
// see (the organisation's and its members', as the ledger holds them).
TEST_F(DirectoryTest, AnOrganisationsBalancesListItsMembersOnly) {
  auto org = [this](const std::string& name) {
    dpb::Organisation o;
    o.set_community_id(community_);
    o.set_name(name);
    o.set_kind(dpb::ORGANISATION_KIND_CHARITY);
    return dir.CreateOrganisation(op_, o, "");
  };
  auto carers = org("Carers");
  auto library = org("Library");
  ASSERT_TRUE(carers.ok() && library.ok());
  dpb::Member in = NewMember("Ana");
  in.add_organisations(carers->id());
  in.add_organisations(carers->id());  // named twice: kept once
  auto ana = dir.CreateMember(op_, in, "", "");
  ASSERT_TRUE(ana.ok()) << ana.status();
  EXPECT_EQ(ana->organisations_size(), 1);
  auto ben = dir.CreateMember(op_, NewMember("Ben"), "", "");
  ASSERT_TRUE(ben.ok());
  dpb::Member nowhere = NewMember("Cy");
  nowhere.add_organisations(99);
  EXPECT_EQ(dir.CreateMember(op_, nowhere, "", "").status().code(), absl::StatusCode::kNotFound);

  // A coordinator adds members only to the organisations they coordinate.
  Actor coordinator;
  coordinator.principal.set_kind(dpb::Principal::KIND_MEMBER);
  coordinator.principal.set_community_id(community_);
  coordinator.principal.add_roles(dpb::ROLE_COORDINATOR);
  coordinator.principal.add_coordinator_of(carers->id());
  dpb::Member elsewhere = NewMember("Dee");
  elsewhere.add_organisations(library->id());
  EXPECT_EQ(dir.CreateMember(coordinator, elsewhere, "", "").status().code(),
            absl::StatusCode::kPermissionDenied);
  dpb::Member theirs = NewMember("Eve");
  theirs.add_organisations(carers->id());
  EXPECT_TRUE(dir.CreateMember(coordinator, theirs, "", "").ok());

  // A member does not join themself to an organisation; an admin adds them.
  Actor self;
  self.principal = Directory::PrincipalOf(*ben);
  dpb::Member join = *ben;
  join.add_organisations(carers->id());
  google::protobuf::FieldMask mask;
  mask.add_paths("organisations");
  EXPECT_EQ(dir.UpdateMember(self, join, mask).status().code(),
            absl::StatusCode::kPermissionDenied);
  Actor admin;
  admin.principal.set_kind(dpb::Principal::KIND_MEMBER);
  admin.principal.set_community_id(community_);
  admin.principal.add_roles(dpb::ROLE_ADMIN);
  auto joined = dir.UpdateMember(admin, join, mask);
  ASSERT_TRUE(joined.ok()) << joined.status();
  // ...and changing something else of theirs still works for them.
  dpb::Member phone = *joined;
  phone.set_phone("07700 900123");
  google::protobuf::FieldMask phone_mask;
  phone_mask.add_paths("phone");
  EXPECT_TRUE(dir.UpdateMember(self, phone, phone_mask).ok());

  ledger.SetBalance(carers->account_id(), 0, 300);
  ledger.SetBalance(ana->account_id(), 180, 30);
  auto page = dir.ListOrganisationBalances(community_, carers->id(), 0, 100);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->organisation().name(), "Carers");
  EXPECT_EQ(page->organisation_balance().received_minutes(), 300);
  EXPECT_EQ(page->organisation_balance().balance_minutes(), -300);
  ASSERT_EQ(page->members_size(), 3);  // Ana, Ben (added by the admin), Eve
  EXPECT_EQ(page->members(0).display_name(), "Ana");
  EXPECT_EQ(page->members(0).member_number(), ana->member_number());
  EXPECT_EQ(page->members(0).balance().given_minutes(), 180);
  EXPECT_EQ(page->members(0).balance().received_minutes(), 30);
  EXPECT_EQ(page->members(0).balance().balance_minutes(), 150);
  EXPECT_EQ(page->members(1).member_id(), ben->id());
  auto none = dir.ListOrganisationBalances(community_, library->id(), 0, 100);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->members_size(), 0);
  auto paged = dir.ListOrganisationBalances(community_, carers->id(), 0, 2);
  ASSERT_TRUE(paged.ok());
  EXPECT_EQ(paged->members_size(), 2);
  EXPECT_FALSE(paged->next_page_token().empty());
  EXPECT_EQ(dir.ListOrganisationBalances(community_, 99, 0, 100).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(DirectoryTest, ApprovalCommunitiesHoldSignUpsUntilAnAdminApproves) {
  dpb::Community c;
  c.set_name("Hillside");
  c.set_signup_mode(dpb::SIGNUP_MODE_APPROVAL);
  auto hill = dir.CreateCommunity(op_, c, "");
  ASSERT_TRUE(hill.ok());
  dpb::SignUpRequest req;
  req.set_community_id(hill->id());
  req.set_username("joan");
  req.set_password("joan-password-1");
  auto pending = auth_->SignUp(req, "a");
  ASSERT_TRUE(pending.ok()) << pending.status().ToString();
  EXPECT_EQ(pending->member().status(), dpb::MEMBER_STATUS_PENDING_APPROVAL);
  EXPECT_FALSE(pending->has_tokens());
  dpb::SignInRequest in;
  in.set_username("joan");
  in.set_password("joan-password-1");
  EXPECT_EQ(auth_->SignIn(in, "a").status().code(), absl::StatusCode::kUnauthenticated);
  Actor admin;
  admin.principal.add_roles(dpb::ROLE_ADMIN);
  ASSERT_TRUE(dir.SetMemberStatus(admin, hill->id(), pending->member().id(),
                                  dpb::MEMBER_STATUS_ACTIVE, "ok")
                  .ok());
  auto signed_in = auth_->SignIn(in, "a");
  EXPECT_TRUE(signed_in.ok()) << signed_in.status();
}

TEST_F(DirectoryTest, SignUpForApprovalAnswersAlikeWhetherOrNotTheUsernameIsTaken) {
  dpb::Community c;
  c.set_name("Hillside");
  c.set_signup_mode(dpb::SIGNUP_MODE_APPROVAL);
  auto hill = dir.CreateCommunity(op_, c, "");
  ASSERT_TRUE(hill.ok());
  dpb::Member joan = NewMember("Joan");
  joan.set_username("joan");
  ASSERT_TRUE(dir.CreateMember(op_, joan, *auth_->HashPassword("joan-password-1"), "").ok());
  auto sign_up = [&](const std::string& username) {
    dpb::SignUpRequest req;
    req.set_community_id(hill->id());
    req.set_username(username);
    req.set_password("a-password-of-" + username);
    req.set_display_name("Someone");
    return auth_->SignUp(req, "10.0.0.7");
  };
  auto taken = sign_up("joan");
  auto fresh = sign_up("jo-new");
  ASSERT_TRUE(taken.ok()) << taken.status();
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  // Apart from what differs for every sign-up (ids, numbers, times, the name asked
  // for), the two answers are the same: nothing says that "joan" is someone's.
  auto shape = [](dpb::SignUpResponse r) {
    dpb::Member* m = r.mutable_member();
    EXPECT_TRUE(m->username().empty());
    m->clear_id();
    m->clear_member_number();
    m->clear_account_id();
    m->clear_created_at();
    m->clear_etag();
    m->clear_requested_username();
    return r.SerializeAsString();
  };
  EXPECT_EQ(shape(*taken), shape(*fresh));
  EXPECT_EQ(taken->member().status(), dpb::MEMBER_STATUS_PENDING_APPROVAL);
  EXPECT_EQ(taken->member().requested_username(), "joan");

  // The admin who approves settles it: the free name is given, the taken one is not...
  Actor admin;
  admin.principal.add_roles(dpb::ROLE_ADMIN);
  auto approved = dir.SetMemberStatus(admin, hill->id(), fresh->member().id(),
                                      dpb::MEMBER_STATUS_ACTIVE, "welcome");
  ASSERT_TRUE(approved.ok()) << approved.status();
  EXPECT_EQ(approved->username(), "jo-new");
  auto refused = dir.SetMemberStatus(admin, hill->id(), taken->member().id(),
                                     dpb::MEMBER_STATUS_ACTIVE, "welcome");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StartsWith(refused.status().message(), "username: 'joan' is taken"))
      << refused.status();
  // ...and another, agreed with the person, is given instead; their password works.
  approved = dir.SetMemberStatus(admin, hill->id(), taken->member().id(), dpb::MEMBER_STATUS_ACTIVE,
                                 "welcome", "joan-h");
  ASSERT_TRUE(approved.ok()) << approved.status();
  dpb::SignInRequest in;
  in.set_username("joan-h");
  in.set_password("a-password-of-joan");
  EXPECT_TRUE(auth_->SignIn(in, "10.0.0.7").ok());
  in.set_username("joan");
  in.set_password("joan-password-1");
  EXPECT_TRUE(auth_->SignIn(in, "10.0.0.7").ok()) << "the first joan is untouched";
  // A username is given only when approving a sign-up.
  EXPECT_EQ(dir.SetMemberStatus(admin, hill->id(), approved->id(), dpb::MEMBER_STATUS_ACTIVE, "",
                                "other-name")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(DirectoryTest, OnlyAnInvitationHolderIsToldThatAUsernameIsTakenAndKeepsTheInvitation) {
  dpb::Member kim = NewMember("Kim");
  kim.set_username("kim");
  ASSERT_TRUE(dir.CreateMember(op_, kim, "", "").ok());
  dpb::SignUpRequest req;
  req.set_community_id(community_);
  req.set_username("kim");
  req.set_password("someone-else-1");
  // Without a valid invitation the answer is about the invitation, taken name or not.
  req.set_invitation_code("guessed");
  const absl::Status without = auth_->SignUp(req, "b").status();
  req.set_username("nobody-has-this");
  EXPECT_EQ(auth_->SignUp(req, "b").status(), without);
  EXPECT_EQ(without.code(), absl::StatusCode::kFailedPrecondition);
  // The holder of an invitation (a credential) is told, and the invitation still works.
  auto inv = dir.CreateInvitation(op_, community_, 24, "");
  ASSERT_TRUE(inv.ok());
  req.set_invitation_code(inv->code());
  req.set_username("kim");
  const absl::Status taken = auth_->SignUp(req, "b").status();
  EXPECT_EQ(taken.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(absl::StartsWith(taken.message(), "username:")) << taken;
  req.set_username("kim-two");
  auto joined = auth_->SignUp(req, "b");
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_EQ(joined->member().username(), "kim-two");
}

TEST_F(DirectoryTest, SignInRefreshAndSignOut) {
  auto hash = auth_->HashPassword("kim-password-1");
  ASSERT_TRUE(hash.ok());
  dpb::Member m = NewMember("Kim");
  m.set_username("kim");
  ASSERT_TRUE(dir.CreateMember(op_, m, *hash, "").ok());
  dpb::SignInRequest in;
  in.set_username("kim");
  in.set_password("kim-password-1");
  auto t = auth_->SignIn(in, "10.0.0.1");
  ASSERT_TRUE(t.ok()) << t.status();
  auto claims = auth::VerifyToken(*keyring_, t->access_token(), absl::ToUnixSeconds(absl::Now()));
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(claims->principal().name(), "kim");
  // The same message whether the username exists or the password is wrong.
  in.set_password("wrong-password");
  const auto wrong = auth_->SignIn(in, "10.0.0.2").status();
  in.set_username("nobody");
  const auto unknown = auth_->SignIn(in, "10.0.0.3").status();
  EXPECT_EQ(wrong, unknown);
  // Refresh tokens rotate and work once.
  auto r1 = auth_->Refresh(t->refresh_token());
  ASSERT_TRUE(r1.ok()) << r1.status();
  EXPECT_NE(r1->refresh_token(), t->refresh_token());
  EXPECT_EQ(auth_->Refresh(t->refresh_token()).status().code(), absl::StatusCode::kUnauthenticated);
  ASSERT_TRUE(auth_->SignOut(r1->refresh_token()).ok());
  EXPECT_EQ(auth_->Refresh(r1->refresh_token()).status().code(),
            absl::StatusCode::kUnauthenticated);
  // Brute force is slowed: after 3 failures (this test's setting) even the right password waits.
  in.set_username("kim");
  for (int i = 0; i < 3; ++i) {
    in.set_password("guess-" + std::to_string(i) + "-xxxxx");
    EXPECT_FALSE(auth_->SignIn(in, "10.0.0.9").ok());
  }
  in.set_password("kim-password-1");
  EXPECT_EQ(auth_->SignIn(in, "10.0.0.9").status().code(), absl::StatusCode::kResourceExhausted);
}

TEST_F(DirectoryTest, ErasureRemovesPersonalDataAndKeepsTheAccount) {
  auto hash = auth_->HashPassword("lee-password-1");
  dpb::Member m = NewMember("Lee Jones");
  m.set_username("lee");
  m.set_email("lee@example.org");
  m.set_phone("+44 7700 900123");
  m.add_tags("knitting");
  auto made = dir.CreateMember(op_, m, *hash, "");
  ASSERT_TRUE(made.ok());
  auto before = dir.ExportMemberData(community_, made->id());
  ASSERT_TRUE(before.ok());
  EXPECT_TRUE(absl::StrContains(*before, "lee@example.org"));
  EXPECT_TRUE(absl::StrContains(*before, MemberAccountId(community_, made->id())));
  auto erased = dir.EraseMember(op_, community_, made->id(), "request");
  ASSERT_TRUE(erased.ok());
  EXPECT_EQ(erased->status(), dpb::MEMBER_STATUS_ERASED);
  auto after = dir.ExportMemberData(community_, made->id());
  ASSERT_TRUE(after.ok());
  for (const char* gone : {"lee@example.org", "Lee Jones", "7700", "knitting", "\"lee\""}) {
    EXPECT_FALSE(absl::StrContains(*after, gone)) << gone;
  }
  EXPECT_TRUE(absl::StrContains(*after, erased->account_id()));  // the books keep the pseudonym
  auto login = dir.FindLogin("lee");
  ASSERT_TRUE(login.ok());
  EXPECT_FALSE(login->has_value());
  dpb::Member reuse = NewMember("New Lee");
  reuse.set_username("lee");
  EXPECT_TRUE(dir.CreateMember(op_, reuse, "", "").ok());  // the username is free again
}

}  // namespace
}  // namespace timebank::directory
