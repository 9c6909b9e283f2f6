// Rules of the ledger, one test per rule or result code, against a real RocksDB
// store in a temporary directory (invariants re-checked after every commit).
#include "services/ledger/ledger_engine.h"

#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/ledger/journal_codec.h"
#include "services/ledger/ledger_schema.h"
#include "storage/mem_store.h"
#include "tests/common/test_util.h"

namespace timebank::ledger {
namespace {

using testing::BalancesOf;
using testing::CreateAccounts;
using testing::CreateTransfers;
using testing::Move;
using testing::TempDir;
using testing::TimeAccount;

constexpr int64_t kNsPerS = 1'000'000'000;

class LedgerEngineTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void TearDown() override { Close(); }

  void Open() {
    auto store = testing::OpenLedgerStore(dir_.Sub("ledger"));
    ASSERT_TRUE(store.ok()) << store.status();
    auto engine = LedgerEngine::Open(std::move(*store), testing::TestOptions(&clock_));
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = std::move(*engine);
  }
  void Close() { engine_.reset(); }
  void Reopen() {
    Close();
    Open();
  }

  // alice and bob: members with min -600 (10h of debt), max +6000; pool unlimited;
  // carol in community 2; gbp: a money account in community 1.
  void Standard() {
    auto r = CreateAccounts(
        engine_.get(),
        {TimeAccount("c1.alice", 1, -600, 6000), TimeAccount("c1.bob", 1, -600, 6000),
         TimeAccount("c1.pool", 1), TimeAccount("c2.carol", 2),
         TimeAccount("c1.gbp", 1, kNoMinBalance, kNoMaxBalance, "GBP")});
    for (const auto& x : r) ASSERT_EQ(x.code, pb::CREATE_ACCOUNT_CREATED);
  }

  pb::CreateTransferResultCode One(Transfer t) {
    auto r = CreateTransfers(engine_.get(), {std::move(t)});
    return r.empty() ? pb::CREATE_TRANSFER_RESULT_CODE_UNSPECIFIED : r[0].code;
  }

  TempDir dir_;
  // Starts where the ledger tests have always started (2023-11-14).
  FakeClock clock_{absl::FromUnixNanos(1'700'000'000'000'000'000)};
  std::unique_ptr<LedgerEngine> engine_;
};

// ---- Accounts -----------------------------------------------------------------------

TEST_F(LedgerEngineTest, CreateAccountCodes) {
  auto bad_unit = TimeAccount("c1.x1", 1, kNoMinBalance, kNoMaxBalance, "XYZ");
  auto no_community = TimeAccount("c1.x2", 0);
  auto no_owner = TimeAccount("c1.x3");
  no_owner.info.owner_kind = pb::OWNER_KIND_UNSPECIFIED;
  auto bad_owner_ref = TimeAccount("c1.x4");
  bad_owner_ref.info.owner_ref = "line\nbreak";
  auto positive_min = TimeAccount("c1.x5", 1, 10, 100);
  auto negative_max = TimeAccount("c1.x6", 1, -10, -1);
  auto frozen = TimeAccount("c1.x7");
  frozen.info.status = pb::ACCOUNT_STATUS_FROZEN;
  auto with_balance = TimeAccount("c1.x8");
  with_balance.balances.credits_posted = 60;
  auto r = CreateAccounts(engine_.get(), {TimeAccount("c1.ok"),
                                          TimeAccount("c1.ok"),
                                          TimeAccount("c1.ok", 1, -60),
                                          TimeAccount("bad id!"),
                                          TimeAccount(""),
                                          bad_unit,
                                          no_community,
                                          no_owner,
                                          bad_owner_ref,
                                          positive_min,
                                          negative_max,
                                          frozen,
                                          with_balance,
                                          TimeAccount("c1." + std::string(62, 'a')),
                                          TimeAccount("ok"),
                                          TimeAccount("c01.ok"),
                                          TimeAccount("c1.OK"),
                                          TimeAccount("c1.m05"),
                                          TimeAccount("c1.ok", 2),
                                          TimeAccount("c2.ok", 1)});
  const std::vector<pb::CreateAccountResultCode> want = {
      pb::CREATE_ACCOUNT_CREATED,
      pb::CREATE_ACCOUNT_EXISTS,
      pb::CREATE_ACCOUNT_EXISTS_WITH_DIFFERENT_FIELDS,
      pb::CREATE_ACCOUNT_ID_INVALID,
      pb::CREATE_ACCOUNT_ID_INVALID,
      pb::CREATE_ACCOUNT_UNIT_INVALID,
      pb::CREATE_ACCOUNT_COMMUNITY_ID_REQUIRED,
      pb::CREATE_ACCOUNT_OWNER_KIND_REQUIRED,
      pb::CREATE_ACCOUNT_OWNER_REF_INVALID,
      pb::CREATE_ACCOUNT_MIN_BALANCE_MUST_NOT_BE_POSITIVE,
      pb::CREATE_ACCOUNT_MAX_BALANCE_MUST_NOT_BE_NEGATIVE,
      pb::CREATE_ACCOUNT_STATUS_MUST_BE_OPEN,
      pb::CREATE_ACCOUNT_BALANCES_MUST_BE_ZERO,
      pb::CREATE_ACCOUNT_ID_INVALID,  // 65 bytes
      pb::CREATE_ACCOUNT_ID_INVALID,  // no community
      pb::CREATE_ACCOUNT_ID_INVALID,  // not the canonical spelling
      pb::CREATE_ACCOUNT_ID_INVALID,
      pb::CREATE_ACCOUNT_ID_INVALID,
      pb::CREATE_ACCOUNT_COMMUNITY_ID_MISMATCH,  // the id says 1, the field 2
      pb::CREATE_ACCOUNT_COMMUNITY_ID_MISMATCH,
  };
  ASSERT_EQ(r.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(r[i].code, want[i]) << "index " << i << ": "
                                  << pb::CreateAccountResultCode_Name(r[i].code);
  }
  EXPECT_EQ(r[1].seq, r[0].seq);       // EXISTS reports where the account was created
  EXPECT_EQ(engine_->head_seq(), 1u);  // only one entry written
}

TEST_F(LedgerEngineTest, LedgerFullIsRefused) {
  Close();
  auto store = testing::OpenLedgerStore(dir_.Sub("full"));
  ASSERT_TRUE(store.ok());
  LedgerOptions o = testing::TestOptions();
  o.limits.max_accounts = 2;
  auto engine = LedgerEngine::Open(std::move(*store), o);
  ASSERT_TRUE(engine.ok());
  auto r = CreateAccounts(engine->get(),
                          {TimeAccount("c1.a"), TimeAccount("c1.b"), TimeAccount("c1.c")});
  EXPECT_EQ(r[2].code, pb::CREATE_ACCOUNT_LEDGER_FULL);
}

TEST_F(LedgerEngineTest, ListAccountsPagesByCommunityAndUnit) {
  Standard();
  auto page = engine_->ListAccounts(1, "", "", 2);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.next_after, "c1.bob");
  EXPECT_EQ(page.items[0].info.id, "c1.alice");
  EXPECT_EQ(page.items[1].info.id, "c1.bob");
  page = engine_->ListAccounts(1, "", "c1.bob", 10);
  ASSERT_EQ(page.items.size(), 2u);  // gbp, pool
  EXPECT_FALSE(page.next_after);
  page = engine_->ListAccounts(1, "GBP", "", 10);
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].info.id, "c1.gbp");
  EXPECT_EQ(engine_->ListAccounts(2, "", "", 10).items.size(), 1u);
  EXPECT_TRUE(engine_->ListAccounts(99, "", "", 10).items.empty());
}

// ---- Transfers: every result code -----------------------------------------------------

TEST_F(LedgerEngineTest, TransferMovesCreditToProvider) {
  Standard();
  // bob gives alice 1h30m of help: alice (receiver) is debited, bob credited.
  ASSERT_EQ(One(Move("c1.t1", "c1.alice", "c1.bob", 90)), pb::CREATE_TRANSFER_CREATED);
  EXPECT_EQ(BalancesOf(engine_.get(), "c1.alice").balance(), -90);
  EXPECT_EQ(BalancesOf(engine_.get(), "c1.bob").balance(), 90);
}

TEST_F(LedgerEngineTest, InvalidTransferCodes) {
  Standard();
  clock_.Set(absl::FromUnixSeconds(1'800'000'000));
  auto with = [](Transfer t, auto&& mutate) {
    mutate(t);
    return t;
  };
  struct Case {
    Transfer t;
    pb::CreateTransferResultCode want;
  };
  std::vector<Case> cases = {
      {Move("", "c1.alice", "c1.bob", 1), pb::CREATE_TRANSFER_ID_INVALID},
      {Move(std::string(65, 'x'), "c1.alice", "c1.bob", 1), pb::CREATE_TRANSFER_ID_INVALID},
      {Move("~expire:x", "c1.alice", "c1.bob", 1), pb::CREATE_TRANSFER_ID_INVALID},
      {Move("act.1.5", "c1.alice", "c1.bob", 1), pb::CREATE_TRANSFER_ID_INVALID},
      {Move("c01.t", "c1.alice", "c1.bob", 1), pb::CREATE_TRANSFER_ID_INVALID},
      {Move("c1.T", "c1.alice", "c1.bob", 1), pb::CREATE_TRANSFER_ID_INVALID},
      {Move("c1.expire.7", "c1.alice", "c1.bob", 1), pb::CREATE_TRANSFER_ID_RESERVED},
      {Move("c1.case-d", "c01.alice", "c1.bob", 1), pb::CREATE_TRANSFER_DEBIT_ACCOUNT_ID_INVALID},
      {Move("c2.case-id", "c1.alice", "c1.bob", 1), pb::CREATE_TRANSFER_ID_COMMUNITY_MISMATCH},
      {with(Move("c1.case-pi", "", "", 0),
            [](Transfer& t) {
              t.flags = kPostPending;
              t.pending_id = "c1.P";
            }),
       pb::CREATE_TRANSFER_PENDING_ID_INVALID},
      {with(Move("c1.case-pc", "", "", 0),
            [](Transfer& t) {
              t.flags = kVoidPending;
              t.pending_id = "c2.p";
            }),
       pb::CREATE_TRANSFER_ID_COMMUNITY_MISMATCH},
      {with(Move("c1.case-ri", "", "", 0),
            [](Transfer& t) {
              t.kind = pb::TRANSFER_KIND_REVERSAL;
              t.reverses_id = "c1..t";
              t.memo = "mistake";
            }),
       pb::CREATE_TRANSFER_REVERSES_ID_INVALID},
      {with(Move("c1.case-rc", "", "", 0),
            [](Transfer& t) {
              t.kind = pb::TRANSFER_KIND_REVERSAL;
              t.reverses_id = "c2.t";
              t.memo = "mistake";
            }),
       pb::CREATE_TRANSFER_ID_COMMUNITY_MISMATCH},
      {Move("c1.case-1", "c1.alice", "c1.alice", 1), pb::CREATE_TRANSFER_SAME_ACCOUNT},
      {Move("c1.case-2", "c1.nobody", "c1.bob", 1), pb::CREATE_TRANSFER_DEBIT_ACCOUNT_NOT_FOUND},
      {Move("c1.case-3", "c1.alice", "c1.nobody", 1), pb::CREATE_TRANSFER_CREDIT_ACCOUNT_NOT_FOUND},
      {Move("c1.case-4", "c1.alice", "c2.carol", 1), pb::CREATE_TRANSFER_COMMUNITY_MISMATCH},
      {Move("c1.case-5", "c1.alice", "c1.gbp", 1), pb::CREATE_TRANSFER_UNIT_MISMATCH},
      {Move("c1.case-6", "c1.alice", "c1.bob", 0), pb::CREATE_TRANSFER_AMOUNT_MUST_BE_POSITIVE},
      {Move("c1.case-7", "c1.alice", "c1.bob", -5), pb::CREATE_TRANSFER_AMOUNT_MUST_BE_POSITIVE},
      {Move("c1.case-8", "c1.pool", "c1.bob", kMaxAmount + 1),
       pb::CREATE_TRANSFER_AMOUNT_TOO_LARGE},
      {Move("c1.case-9", "c1.alice", "c1.bob", 601), pb::CREATE_TRANSFER_EXCEEDS_MIN_BALANCE},
      {Move("c1.case-10", "c1.pool", "c1.bob", 6001), pb::CREATE_TRANSFER_EXCEEDS_MAX_BALANCE},
      {Move("c1.case-11", "", "c1.bob", 1), pb::CREATE_TRANSFER_DEBIT_ACCOUNT_ID_INVALID},
      {Move("c1.case-12", "c1.alice", "b b", 1), pb::CREATE_TRANSFER_CREDIT_ACCOUNT_ID_INVALID},
      {with(Move("c1.case-13", "c1.alice", "c1.bob", 1),
            [](Transfer& t) { t.kind = pb::TRANSFER_KIND_UNSPECIFIED; }),
       pb::CREATE_TRANSFER_KIND_REQUIRED},
      {with(Move("c1.case-14", "c1.alice", "c1.bob", 1),
            [](Transfer& t) { t.kind = static_cast<pb::TransferKind>(99); }),
       pb::CREATE_TRANSFER_KIND_INVALID},
      {with(Move("c1.case-15", "c1.alice", "c1.bob", 1),
            [](Transfer& t) { t.coproduction_type = static_cast<pb::CoproductionType>(42); }),
       pb::CREATE_TRANSFER_COPRODUCTION_TYPE_INVALID},
      {with(Move("c1.case-16", "c1.alice", "c1.bob", 1),
            [](Transfer& t) { t.memo = std::string(513, 'm'); }),
       pb::CREATE_TRANSFER_MEMO_TOO_LONG},
      {with(Move("c1.case-17", "c1.alice", "c1.bob", 1),
            [](Transfer& t) { t.memo = "bad \xff utf8"; }),
       pb::CREATE_TRANSFER_MEMO_INVALID_UTF8},
      {with(Move("c1.case-18", "c1.alice", "c1.bob", 1),
            [](Transfer& t) { t.reference = std::string(257, 'r'); }),
       pb::CREATE_TRANSFER_REFERENCE_TOO_LONG},
      {with(Move("c1.case-19", "c1.alice", "c1.bob", 1),
            [](Transfer& t) { t.reference = "\xc0\xaf"; }),
       pb::CREATE_TRANSFER_REFERENCE_INVALID_UTF8},
      {with(Move("c1.case-20", "c1.alice", "c1.bob", 1),
            [&](Transfer& t) { t.occurred_at_ns = clock_.NowUnixNanos() + 3600 * kNsPerS; }),
       pb::CREATE_TRANSFER_OCCURRED_AT_IN_FUTURE},
      {with(Move("c1.case-21", "c1.alice", "c1.bob", 1),
            [](Transfer& t) { t.occurred_at_ns = -1; }),
       pb::CREATE_TRANSFER_OCCURRED_AT_INVALID},
      {with(Move("c1.case-22", "c1.alice", "c1.bob", 1),
            [](Transfer& t) { t.flags = kPending | kPostPending; }),
       pb::CREATE_TRANSFER_FLAGS_ARE_MUTUALLY_EXCLUSIVE},
      {with(Move("c1.case-23", "c1.alice", "c1.bob", 1), [](Transfer& t) { t.timeout_s = 60; }),
       pb::CREATE_TRANSFER_TIMEOUT_REQUIRES_PENDING},
      {with(Move("c1.case-24", "c1.alice", "c1.bob", 1),
            [](Transfer& t) {
              t.flags = kPending;
              t.timeout_s = kMaxTimeoutS + 1;
            }),
       pb::CREATE_TRANSFER_TIMEOUT_TOO_LONG},
      {with(Move("c1.case-25", "", "", 0), [](Transfer& t) { t.flags = kPostPending; }),
       pb::CREATE_TRANSFER_PENDING_ID_REQUIRED},
      {with(Move("c1.case-26", "c1.alice", "c1.bob", 1),
            [](Transfer& t) { t.pending_id = "c1.p"; }),
       pb::CREATE_TRANSFER_PENDING_ID_MUST_BE_EMPTY},
      {with(Move("c1.case-27", "", "", 0),
            [](Transfer& t) {
              t.flags = kPostPending;
              t.pending_id = "c1.missing";
            }),
       pb::CREATE_TRANSFER_PENDING_TRANSFER_NOT_FOUND},
      {with(Move("c1.case-28", "", "", 0),
            [](Transfer& t) {
              t.kind = pb::TRANSFER_KIND_REVERSAL;
              t.memo = "x";
            }),
       pb::CREATE_TRANSFER_REVERSES_ID_REQUIRED},
      {with(Move("c1.case-29", "c1.alice", "c1.bob", 1),
            [](Transfer& t) { t.reverses_id = "c1.t"; }),
       pb::CREATE_TRANSFER_REVERSES_ID_MUST_BE_EMPTY},
      {with(Move("c1.case-30", "", "", 0),
            [](Transfer& t) {
              t.kind = pb::TRANSFER_KIND_REVERSAL;
              t.reverses_id = "c1.missing";
              t.memo = "mistake";
            }),
       pb::CREATE_TRANSFER_REVERSAL_TARGET_NOT_FOUND},
      {with(Move("c1.case-31", "", "", 0),
            [](Transfer& t) {
              t.kind = pb::TRANSFER_KIND_REVERSAL;
              t.reverses_id = "c1.missing";
            }),
       pb::CREATE_TRANSFER_REVERSAL_REASON_REQUIRED},
      {with(Move("c1.case-32", "c1.alice", "c1.bob", 1),
            [](Transfer& t) {
              t.kind = pb::TRANSFER_KIND_REVERSAL;
              t.reverses_id = "c1.x.t";
              t.memo = "m";
              t.flags = kPending;
            }),
       pb::CREATE_TRANSFER_FLAGS_ARE_MUTUALLY_EXCLUSIVE},
  };
  const uint64_t head = engine_->head_seq();
  for (const Case& c : cases) {
    EXPECT_EQ(One(c.t), c.want) << c.t.id << " got " << pb::CreateTransferResultCode_Name(One(c.t));
  }
  EXPECT_EQ(engine_->head_seq(), head) << "rejected transfers must write nothing";
  EXPECT_EQ(BalancesOf(engine_.get(), "c1.alice"), Balances{});
}

TEST_F(LedgerEngineTest, IdempotentRetries) {
  Standard();
  auto first = CreateTransfers(engine_.get(), {Move("c1.t1", "c1.alice", "c1.bob", 30)});
  ASSERT_EQ(first[0].code, pb::CREATE_TRANSFER_CREATED);
  auto again = CreateTransfers(engine_.get(), {Move("c1.t1", "c1.alice", "c1.bob", 30)});
  EXPECT_EQ(again[0].code, pb::CREATE_TRANSFER_EXISTS);
  EXPECT_EQ(again[0].seq, first[0].seq);
  EXPECT_EQ(again[0].recorded_at_ns, first[0].recorded_at_ns);
  EXPECT_EQ(One(Move("c1.t1", "c1.alice", "c1.bob", 31)),
            pb::CREATE_TRANSFER_EXISTS_WITH_DIFFERENT_FIELDS);
  EXPECT_EQ(One(Move("c1.t1", "c1.bob", "c1.alice", 30)),
            pb::CREATE_TRANSFER_EXISTS_WITH_DIFFERENT_FIELDS);
  auto memo = Move("c1.t1", "c1.alice", "c1.bob", 30);
  memo.memo = "different";
  EXPECT_EQ(One(memo), pb::CREATE_TRANSFER_EXISTS_WITH_DIFFERENT_FIELDS);
  // Same id twice in one batch: the second sees the first.
  auto dup = CreateTransfers(engine_.get(), {Move("c1.t2", "c1.alice", "c1.bob", 5),
                                             Move("c1.t2", "c1.alice", "c1.bob", 5)});
  EXPECT_EQ(dup[0].code, pb::CREATE_TRANSFER_CREATED);
  EXPECT_EQ(dup[1].code, pb::CREATE_TRANSFER_EXISTS);
  EXPECT_EQ(BalancesOf(engine_.get(), "c1.bob").balance(), 35);
  // After the projection has indexed it (lookup through the store, not the overlay).
  engine_->WaitForIndex();
  Reopen();
  EXPECT_EQ(One(Move("c1.t1", "c1.alice", "c1.bob", 30)), pb::CREATE_TRANSFER_EXISTS);
  EXPECT_EQ(BalancesOf(engine_.get(), "c1.bob").balance(), 35);
}

// ---- Idempotency: every field decides EXISTS -----------------------------------------

// A retry that differs from the original in exactly one field, for every field a
// client sets: never EXISTS, and nothing is written. The unchanged retry is EXISTS.
TEST_F(LedgerEngineTest, RetryDifferingInAnyOneFieldIsExistsWithDifferentFields) {
  Standard();
  clock_.Set(absl::FromUnixSeconds(1'800'000'000));
  Transfer base = Move("", "c1.pool", "c1.bob", 10);
  base.coproduction_type = pb::COPRODUCTION_TYPE_CO_DESIGN;
  base.reference = "communities/1/activities/9";
  base.memo = "gardening";
  base.occurred_at_ns = clock_.NowUnixNanos() - 3600 * kNsPerS;
  Transfer pending = base;
  pending.flags = kPending;
  pending.timeout_s = 600;
  struct Case {
    std::string field;
    Transfer original;
    std::function<void(Transfer&)> change;
  };
  const std::vector<Case> cases = {
      {"debit_account_id", base, [](Transfer& t) { t.debit_account_id = "c1.alice"; }},
      {"credit_account_id", base, [](Transfer& t) { t.credit_account_id = "c1.alice"; }},
      {"amount", base, [](Transfer& t) { t.amount = 11; }},
      {"kind", base, [](Transfer& t) { t.kind = pb::TRANSFER_KIND_CONTRIBUTION; }},
      {"coproduction_type", base,
       [](Transfer& t) { t.coproduction_type = pb::COPRODUCTION_TYPE_CO_DELIVERY; }},
      {"reference", base, [](Transfer& t) { t.reference = "communities/1/activities/8"; }},
      {"memo", base, [](Transfer& t) { t.memo = "gardening!"; }},
      {"occurred_at", base, [](Transfer& t) { t.occurred_at_ns += 1; }},
      {"occurred_at omitted", base, [](Transfer& t) { t.occurred_at_ns = 0; }},
      {"linked", base, [](Transfer& t) { t.flags |= kLinked; }},
      {"pending", base, [](Transfer& t) { t.flags |= kPending; }},
      {"post_pending", base, [](Transfer& t) { t.flags |= kPostPending; }},
      {"void_pending", base, [](Transfer& t) { t.flags |= kVoidPending; }},
      {"pending_id", base, [](Transfer& t) { t.pending_id = "c1.x.p"; }},
      {"reverses_id", base, [](Transfer& t) { t.reverses_id = "c1.x.r"; }},
      {"pending unset", pending, [](Transfer& t) { t.flags &= ~kPending; }},
      {"timeout_s", pending, [](Transfer& t) { t.timeout_s = 601; }},
  };
  int n = 0;
  for (const Case& c : cases) {
    Transfer original = c.original;
    original.id = absl::StrCat("c1.x.field-", n++);
    ASSERT_EQ(One(original), pb::CREATE_TRANSFER_CREATED) << c.field;
    EXPECT_EQ(One(original), pb::CREATE_TRANSFER_EXISTS) << c.field;
    Transfer retry = original;
    c.change(retry);
    const uint64_t head = engine_->head_seq();
    std::vector<Transfer> batch = {retry};
    // A linked retry needs a transfer after it to close its chain.
    if (retry.is(kLinked)) batch.push_back(Move("c1.x.closer", "c1.pool", "c1.bob", 1));
    auto r = CreateTransfers(engine_.get(), batch);
    ASSERT_EQ(r.size(), batch.size());
    EXPECT_EQ(r[0].code, pb::CREATE_TRANSFER_EXISTS_WITH_DIFFERENT_FIELDS)
        << c.field << ": " << pb::CreateTransferResultCode_Name(r[0].code);
    EXPECT_EQ(engine_->head_seq(), head) << c.field << ": a refused retry writes nothing";
  }
}

// An original that left occurred_at unset matches only a retry that leaves it unset:
// not one that gives the very time the ledger filled in.
TEST_F(LedgerEngineTest, OccurredAtLeftUnsetMatchesOnlyUnset) {
  Standard();
  Transfer t = Move("c1.x.when", "c1.alice", "c1.bob", 5);
  ASSERT_EQ(One(t), pb::CREATE_TRANSFER_CREATED);
  auto stored = engine_->GetTransfers({t.id});
  ASSERT_TRUE(stored.ok() && (*stored)[0].has_value());
  const Transfer& s = (*stored)[0]->transfer;
  EXPECT_EQ(s.occurred_at_ns, s.recorded_at_ns);
  EXPECT_TRUE(s.was_defaulted(kDefaultOccurredAt));
  EXPECT_EQ(One(t), pb::CREATE_TRANSFER_EXISTS);
  Transfer given = t;
  given.occurred_at_ns = s.recorded_at_ns;
  EXPECT_EQ(One(given), pb::CREATE_TRANSFER_EXISTS_WITH_DIFFERENT_FIELDS);
  // Still so after a restart, when the transfer is read back from the journal.
  engine_->WaitForIndex();
  Reopen();
  EXPECT_EQ(One(t), pb::CREATE_TRANSFER_EXISTS);
  EXPECT_EQ(One(given), pb::CREATE_TRANSFER_EXISTS_WITH_DIFFERENT_FIELDS);
}

// Posts, voids and reversals may leave accounts, amount, kind and coproduction type
// for the ledger to fill in. A retry matches only if it leaves unset exactly what the
// original left unset, and gives exactly what the original gave.
TEST_F(LedgerEngineTest, FieldsTheLedgerFillsInMatchOnlyWhenLeftUnsetAsBefore) {
  Standard();
  int n = 0;
  auto pending = [&] {
    Transfer p = Move(absl::StrCat("c1.x.pending-", n++), "c1.pool", "c1.bob", 20);
    p.flags = kPending;
    p.coproduction_type = pb::COPRODUCTION_TYPE_CO_DESIGN;
    EXPECT_EQ(One(p), pb::CREATE_TRANSFER_CREATED);
    return p;
  };
  auto posted = [&] {
    Transfer t = Move(absl::StrCat("c1.x.posted-", n++), "c1.pool", "c1.bob", 20);
    t.coproduction_type = pb::COPRODUCTION_TYPE_CO_DESIGN;
    EXPECT_EQ(One(t), pb::CREATE_TRANSFER_CREATED);
    return t;
  };
  auto resolve = [&](const Transfer& p, uint8_t flag) {
    Transfer t;
    t.id = p.id + ".done";
    t.flags = flag;
    t.pending_id = p.id;
    return t;
  };
  auto reverse = [&](const Transfer& o) {
    Transfer t;
    t.id = o.id + ".rev";
    t.kind = pb::TRANSFER_KIND_REVERSAL;
    t.reverses_id = o.id;
    t.memo = "mistake";
    return t;
  };
  // Each mutation gives a field the ledger would fill in with the very value it fills in.
  const std::vector<std::pair<std::string, std::function<void(Transfer&)>>> give = {
      {"debit_account_id", [](Transfer& t) { t.debit_account_id = "c1.pool"; }},
      {"credit_account_id", [](Transfer& t) { t.credit_account_id = "c1.bob"; }},
      {"amount", [](Transfer& t) { t.amount = 20; }},
      {"kind", [](Transfer& t) { t.kind = pb::TRANSFER_KIND_EXCHANGE; }},
      {"coproduction_type",
       [](Transfer& t) { t.coproduction_type = pb::COPRODUCTION_TYPE_CO_DESIGN; }},
  };
  for (uint8_t flag : {uint8_t{kPostPending}, uint8_t{kVoidPending}, uint8_t{0}}) {
    for (const auto& entry : give) {
      // Named, not a structured binding: clang 14 cannot capture those in a lambda.
      const std::string& field = entry.first;
      const auto& fill = entry.second;
      const bool reversal = flag == 0;
      if (reversal && field == "kind") continue;  // a reversal always says REVERSAL
      const std::string label = absl::StrCat(reversal               ? "reversal"
                                             : flag == kPostPending ? "post"
                                                                    : "void",
                                             " ", field);
      auto target = [&] { return reversal ? posted() : pending(); };
      auto make = [&](const Transfer& x) { return reversal ? reverse(x) : resolve(x, flag); };
      auto give_value = [&](Transfer& t) {
        fill(t);
        // A reversal moves the other way: it debits what the original credited.
        if (reversal && field == "debit_account_id") t.debit_account_id = "c1.bob";
        if (reversal && field == "credit_account_id") t.credit_account_id = "c1.pool";
      };
      // Left unset first, given on the retry.
      Transfer unset = make(target());
      ASSERT_EQ(One(unset), pb::CREATE_TRANSFER_CREATED) << label;
      EXPECT_EQ(One(unset), pb::CREATE_TRANSFER_EXISTS) << label;
      Transfer gave = unset;
      give_value(gave);
      EXPECT_EQ(One(gave), pb::CREATE_TRANSFER_EXISTS_WITH_DIFFERENT_FIELDS) << label;
      // Given first, left unset on the retry.
      const Transfer second = target();
      Transfer given = make(second);
      give_value(given);
      ASSERT_EQ(One(given), pb::CREATE_TRANSFER_CREATED) << label;
      EXPECT_EQ(One(given), pb::CREATE_TRANSFER_EXISTS) << label;
      EXPECT_EQ(One(make(second)), pb::CREATE_TRANSFER_EXISTS_WITH_DIFFERENT_FIELDS) << label;
    }
  }
}

// The linked flag decides too: a retry that differs in it fails, and the rest of the
// chain behind it is not committed.
TEST_F(LedgerEngineTest, RetryWithAnotherLinkedFlagCommitsNothingOfItsChain) {
  Standard();
  ASSERT_EQ(One(Move("c1.x.a", "c1.alice", "c1.bob", 10)), pb::CREATE_TRANSFER_CREATED);
  const uint64_t head = engine_->head_seq();
  Transfer a = Move("c1.x.a", "c1.alice", "c1.bob", 10);
  a.flags = kLinked;
  auto r = CreateTransfers(engine_.get(), {a, Move("c1.x.b", "c1.alice", "c1.bob", 20)});
  EXPECT_EQ(r[0].code, pb::CREATE_TRANSFER_EXISTS_WITH_DIFFERENT_FIELDS);
  EXPECT_EQ(r[1].code, pb::CREATE_TRANSFER_LINKED_EVENT_FAILED);
  EXPECT_EQ(engine_->head_seq(), head);
  auto found = engine_->GetTransfers({"c1.x.b"});
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE((*found)[0].has_value());
  EXPECT_EQ(BalancesOf(engine_.get(), "c1.bob").balance(), 10);
  // A chain retried exactly is EXISTS throughout; a member of it retried unlinked is not.
  Transfer c = Move("c1.x.c", "c1.alice", "c1.bob", 1);
  c.flags = kLinked;
  const Transfer d = Move("c1.x.d", "c1.alice", "c1.bob", 1);
  r = CreateTransfers(engine_.get(), {c, d});
  ASSERT_EQ(r[0].code, pb::CREATE_TRANSFER_CREATED);
  r = CreateTransfers(engine_.get(), {c, d});
  EXPECT_EQ(r[0].code, pb::CREATE_TRANSFER_EXISTS);
  EXPECT_EQ(r[1].code, pb::CREATE_TRANSFER_EXISTS);
  c.flags = 0;
  EXPECT_EQ(One(c), pb::CREATE_TRANSFER_EXISTS_WITH_DIFFERENT_FIELDS);
}

// CreateAccounts: every field decides EXISTS too.
TEST_F(LedgerEngineTest, AccountRetryDifferingInAnyOneFieldIsNotExists) {
  struct Case {
    std::string field;
    std::function<void(AccountView&)> change;
    pb::CreateAccountResultCode want;
  };
  const std::vector<Case> cases = {
      {"community_id", [](AccountView& a) { a.info.community_id = 2; },
       pb::CREATE_ACCOUNT_COMMUNITY_ID_MISMATCH},
      {"unit", [](AccountView& a) { a.info.unit = "GBP"; },
       pb::CREATE_ACCOUNT_EXISTS_WITH_DIFFERENT_FIELDS},
      {"owner_kind", [](AccountView& a) { a.info.owner_kind = pb::OWNER_KIND_ORGANISATION; },
       pb::CREATE_ACCOUNT_EXISTS_WITH_DIFFERENT_FIELDS},
      {"owner_ref", [](AccountView& a) { a.info.owner_ref += "x"; },
       pb::CREATE_ACCOUNT_EXISTS_WITH_DIFFERENT_FIELDS},
      {"min_balance", [](AccountView& a) { a.info.min_balance = -61; },
       pb::CREATE_ACCOUNT_EXISTS_WITH_DIFFERENT_FIELDS},
      {"min_balance unset", [](AccountView& a) { a.info.min_balance = kNoMinBalance; },
       pb::CREATE_ACCOUNT_EXISTS_WITH_DIFFERENT_FIELDS},
      {"max_balance", [](AccountView& a) { a.info.max_balance = 601; },
       pb::CREATE_ACCOUNT_EXISTS_WITH_DIFFERENT_FIELDS},
      {"max_balance unset", [](AccountView& a) { a.info.max_balance = kNoMaxBalance; },
       pb::CREATE_ACCOUNT_EXISTS_WITH_DIFFERENT_FIELDS},
      {"status", [](AccountView& a) { a.info.status = pb::ACCOUNT_STATUS_FROZEN; },
       pb::CREATE_ACCOUNT_STATUS_MUST_BE_OPEN},
      {"debits_posted", [](AccountView& a) { a.balances.debits_posted = 1; },
       pb::CREATE_ACCOUNT_BALANCES_MUST_BE_ZERO},
      {"credits_pending", [](AccountView& a) { a.balances.credits_pending = 1; },
       pb::CREATE_ACCOUNT_BALANCES_MUST_BE_ZERO},
  };
  int n = 0;
  for (const Case& c : cases) {
    AccountView original = TimeAccount(absl::StrCat("c1.x.acct-", n++), 1, -60, 600);
    ASSERT_EQ(CreateAccounts(engine_.get(), {original})[0].code, pb::CREATE_ACCOUNT_CREATED);
    ASSERT_EQ(CreateAccounts(engine_.get(), {original})[0].code, pb::CREATE_ACCOUNT_EXISTS);
    AccountView retry = original;
    c.change(retry);
    const uint64_t head = engine_->head_seq();
    EXPECT_EQ(CreateAccounts(engine_.get(), {retry})[0].code, c.want) << c.field;
    EXPECT_EQ(engine_->head_seq(), head) << c.field;
  }
  // An account created without limits matches only a retry without them.
  AccountView open = TimeAccount("c1.x.unlimited");
  ASSERT_EQ(CreateAccounts(engine_.get(), {open})[0].code, pb::CREATE_ACCOUNT_CREATED);
  open.info.min_balance = -600;
  EXPECT_EQ(CreateAccounts(engine_.get(), {open})[0].code,
            pb::CREATE_ACCOUNT_EXISTS_WITH_DIFFERENT_FIELDS);
}

// ---- Community-scoped ids ---------------------------------------------------------------

// Two communities may use the same name after their prefix; neither can name, post,
// void or reverse the other's transfers, and the answer does not depend on whether
// the other's id exists.
TEST_F(LedgerEngineTest, TransferIdsAreScopedToTheirCommunity) {
  Standard();
  ASSERT_EQ(CreateAccounts(engine_.get(), {TimeAccount("c2.dave", 2)})[0].code,
            pb::CREATE_ACCOUNT_CREATED);
  ASSERT_EQ(One(Move("c1.x.same", "c1.alice", "c1.bob", 5)), pb::CREATE_TRANSFER_CREATED);
  ASSERT_EQ(One(Move("c2.x.same", "c2.carol", "c2.dave", 5)), pb::CREATE_TRANSFER_CREATED);
  Transfer pending = Move("c2.x.held", "c2.carol", "c2.dave", 5);
  pending.flags = kPending;
  ASSERT_EQ(One(pending), pb::CREATE_TRANSFER_CREATED);
  const uint64_t head = engine_->head_seq();
  for (const char* other : {"c2.x.same", "c2.x.held", "c2.x.never-made"}) {
    EXPECT_EQ(One(Move(other, "c1.alice", "c1.bob", 5)), pb::CREATE_TRANSFER_ID_COMMUNITY_MISMATCH)
        << other;
    Transfer post;
    post.id = "c1.x.post";
    post.flags = kPostPending;
    post.pending_id = other;
    EXPECT_EQ(One(post), pb::CREATE_TRANSFER_ID_COMMUNITY_MISMATCH) << other;
    Transfer rev;
    rev.id = "c1.x.rev";
    rev.kind = pb::TRANSFER_KIND_REVERSAL;
    rev.reverses_id = other;
    rev.memo = "not ours";
    EXPECT_EQ(One(rev), pb::CREATE_TRANSFER_ID_COMMUNITY_MISMATCH) << other;
  }
  EXPECT_EQ(engine_->head_seq(), head);
  EXPECT_EQ(BalancesOf(engine_.get(), "c2.dave").credits_pending, 5);
  EXPECT_EQ(BalancesOf(engine_.get(), "c2.carol").debits_pending, 5);
  auto found = engine_->GetTransfers({"c1.x.same", "c2.x.same"});
  ASSERT_TRUE(found.ok());
  EXPECT_EQ((*found)[0]->transfer.community_id, 1u);
  EXPECT_EQ((*found)[1]->transfer.community_id, 2u);
}

TEST_F(LedgerEngineTest, LinkedChainIsAllOrNothing) {
  Standard();
  auto linked = [](Transfer t) {
    t.flags |= kLinked;
    return t;
  };
  auto r = CreateTransfers(engine_.get(), {linked(Move("c1.l1", "c1.alice", "c1.bob", 60)),
                                           linked(Move("c1.l2", "c1.bob", "c1.pool", 60)),
                                           Move("c1.l3", "c1.alice", "c1.bob", 9999),  // fails
                                           Move("c1.l4", "c1.alice", "c1.bob", 10)});
  EXPECT_EQ(r[0].code, pb::CREATE_TRANSFER_LINKED_EVENT_FAILED);
  EXPECT_EQ(r[1].code, pb::CREATE_TRANSFER_LINKED_EVENT_FAILED);
  EXPECT_EQ(r[2].code, pb::CREATE_TRANSFER_EXCEEDS_MIN_BALANCE);
  EXPECT_EQ(r[3].code, pb::CREATE_TRANSFER_CREATED);
  EXPECT_EQ(BalancesOf(engine_.get(), "c1.alice").balance(), -10);
  EXPECT_EQ(BalancesOf(engine_.get(), "c1.pool").balance(), 0);
  // The rolled-back ids are free to use again.
  r = CreateTransfers(engine_.get(), {linked(Move("c1.l1", "c1.alice", "c1.bob", 60)),
                                      Move("c1.l2", "c1.bob", "c1.pool", 60)});
  EXPECT_EQ(r[0].code, pb::CREATE_TRANSFER_CREATED);
  EXPECT_EQ(r[1].code, pb::CREATE_TRANSFER_CREATED);
  EXPECT_EQ(BalancesOf(engine_.get(), "c1.pool").balance(), 60);
  // A chain left open at the end of the batch fails whole.
  r = CreateTransfers(engine_.get(), {Move("c1.o1", "c1.alice", "c1.bob", 1),
                                      linked(Move("c1.o2", "c1.alice", "c1.bob", 1)),
                                      linked(Move("c1.o3", "c1.alice", "c1.bob", 1))});
  EXPECT_EQ(r[0].code, pb::CREATE_TRANSFER_CREATED);
  EXPECT_EQ(r[1].code, pb::CREATE_TRANSFER_LINKED_EVENT_FAILED);
  EXPECT_EQ(r[2].code, pb::CREATE_TRANSFER_LINKED_EVENT_CHAIN_OPEN);
  // The journal stayed contiguous and verifiable across the rollbacks.
  auto v = engine_->VerifyJournal();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->message;
  EXPECT_EQ(v->head_seq, engine_->head_seq());
}

TEST_F(LedgerEngineTest, PendingPostAndVoid) {
  Standard();
  Transfer p = Move("c1.p1", "c1.alice", "c1.bob", 120);
  p.flags = kPending;
  ASSERT_EQ(One(p), pb::CREATE_TRANSFER_CREATED);
  Balances a = BalancesOf(engine_.get(), "c1.alice");
  EXPECT_EQ(a.debits_pending, 120);
  EXPECT_EQ(a.debits_posted, 0);
  // Pending debits count against the limit: 600 - 120 = 480 left.
  EXPECT_EQ(One(Move("c1.x.over", "c1.alice", "c1.bob", 481)),
            pb::CREATE_TRANSFER_EXCEEDS_MIN_BALANCE);

  Transfer post;
  post.id = "c1.p1-post";
  post.flags = kPostPending;
  post.pending_id = "c1.p1";
  post.amount = 200;
  EXPECT_EQ(One(post), pb::CREATE_TRANSFER_EXCEEDS_PENDING_AMOUNT);
  post.amount = 90;  // partial post
  post.debit_account_id = "c1.bob";
  EXPECT_EQ(One(post), pb::CREATE_TRANSFER_PENDING_TRANSFER_HAS_DIFFERENT_ACCOUNTS);
  post.debit_account_id = "";
  ASSERT_EQ(One(post), pb::CREATE_TRANSFER_CREATED);
  a = BalancesOf(engine_.get(), "c1.alice");
  EXPECT_EQ(a.debits_pending, 0);
  EXPECT_EQ(a.debits_posted, 90);
  EXPECT_EQ(BalancesOf(engine_.get(), "c1.bob").credits_posted, 90);

  Transfer again = post;
  again.id = "c1.p1-post2";
  EXPECT_EQ(One(again), pb::CREATE_TRANSFER_PENDING_TRANSFER_ALREADY_POSTED);
  Transfer void_it;
  void_it.id = "c1.p1-void";
  void_it.flags = kVoidPending;
  void_it.pending_id = "c1.p1";
  EXPECT_EQ(One(void_it), pb::CREATE_TRANSFER_PENDING_TRANSFER_ALREADY_POSTED);
  // A plain transfer is not pending.
  void_it.pending_id = "c1.x-not-there";
  EXPECT_EQ(One(void_it), pb::CREATE_TRANSFER_PENDING_TRANSFER_NOT_FOUND);
  ASSERT_EQ(One(Move("c1.plain", "c1.alice", "c1.bob", 1)), pb::CREATE_TRANSFER_CREATED);
  void_it.pending_id = "c1.plain";
  EXPECT_EQ(One(void_it), pb::CREATE_TRANSFER_PENDING_TRANSFER_NOT_PENDING);

  Transfer p2 = Move("c1.p2", "c1.alice", "c1.bob", 30);
  p2.flags = kPending;
  ASSERT_EQ(One(p2), pb::CREATE_TRANSFER_CREATED);
  void_it.id = "c1.p2-void";
  void_it.pending_id = "c1.p2";
  ASSERT_EQ(One(void_it), pb::CREATE_TRANSFER_CREATED);
  EXPECT_EQ(BalancesOf(engine_.get(), "c1.alice").debits_pending, 0);
  void_it.id = "c1.p2-void-again";
  EXPECT_EQ(One(void_it), pb::CREATE_TRANSFER_PENDING_TRANSFER_ALREADY_VOIDED);

  auto found = engine_->GetTransfers({"c1.p1", "c1.p2", "c1.p1-post"});
  ASSERT_TRUE(found.ok());
  EXPECT_EQ((*found)[0]->record.state, pb::TRANSFER_STATE_PENDING_POSTED);
  EXPECT_EQ((*found)[1]->record.state, pb::TRANSFER_STATE_PENDING_VOIDED);
  EXPECT_EQ((*found)[2]->transfer.amount, 90);
  EXPECT_EQ((*found)[2]->transfer.pending_amount, 120);
}

TEST_F(LedgerEngineTest, PendingTimeoutExpires) {
  Standard();
  Transfer p = Move("c1.p1", "c1.alice", "c1.bob", 100);
  p.flags = kPending;
  p.timeout_s = 60;
  ASSERT_EQ(One(p), pb::CREATE_TRANSFER_CREATED);
  EXPECT_EQ(BalancesOf(engine_.get(), "c1.alice").debits_pending, 100);
  clock_.Advance(absl::Seconds(61));
  // A post arriving after the timeout sees it expired, even before the timer ran.
  Transfer post;
  post.id = "c1.late-post";
  post.flags = kPostPending;
  post.pending_id = "c1.p1";
  EXPECT_EQ(One(post), pb::CREATE_TRANSFER_PENDING_TRANSFER_EXPIRED);
  // The writer's timer voids it.
  for (int i = 0; i < 100 && BalancesOf(engine_.get(), "c1.alice").debits_pending != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(BalancesOf(engine_.get(), "c1.alice").debits_pending, 0);
  const std::string expiry_id =
      PendingExpiryId(1, (*engine_->GetTransfers({"c1.p1"}))[0]->transfer.seq);
  auto found = engine_->GetTransfers({"c1.p1", expiry_id});
  ASSERT_TRUE(found.ok());
  EXPECT_EQ((*found)[0]->record.state, pb::TRANSFER_STATE_PENDING_EXPIRED);
  ASSERT_TRUE((*found)[1].has_value());
  EXPECT_TRUE((*found)[1]->transfer.is(kExpiry));
}

TEST_F(LedgerEngineTest, PendingTimersSurviveRestart) {
  Standard();
  Transfer p = Move("c1.p1", "c1.alice", "c1.bob", 100);
  p.flags = kPending;
  p.timeout_s = 3600;
  ASSERT_EQ(One(p), pb::CREATE_TRANSFER_CREATED);
  engine_->WaitForIndex();
  Reopen();
  EXPECT_EQ(BalancesOf(engine_.get(), "c1.alice").debits_pending, 100);
  clock_.Advance(absl::Seconds(3601));
  for (int i = 0; i < 100 && BalancesOf(engine_.get(), "c1.alice").debits_pending != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(BalancesOf(engine_.get(), "c1.alice").debits_pending, 0);
}

TEST_F(LedgerEngineTest, Reversal) {
  Standard();
  ASSERT_EQ(One(Move("c1.t1", "c1.alice", "c1.bob", 45)), pb::CREATE_TRANSFER_CREATED);
  Transfer rev;
  rev.id = "c1.t1-rev";
  rev.kind = pb::TRANSFER_KIND_REVERSAL;
  rev.reverses_id = "c1.t1";
  rev.memo = "logged against the wrong member";
  rev.amount = 44;
  EXPECT_EQ(One(rev), pb::CREATE_TRANSFER_REVERSAL_DIFFERENT_ACCOUNTS_OR_AMOUNT);
  rev.amount = 0;
  ASSERT_EQ(One(rev), pb::CREATE_TRANSFER_CREATED);
  EXPECT_EQ(BalancesOf(engine_.get(), "c1.alice").balance(), 0);
  EXPECT_EQ(BalancesOf(engine_.get(), "c1.bob").balance(), 0);
  // Nothing was deleted: both transfers are there, the first marked reversed.
  auto found = engine_->GetTransfers({"c1.t1", "c1.t1-rev"});
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE((*found)[0]->record.reversed);
  EXPECT_EQ((*found)[1]->transfer.debit_account_id, "c1.bob");
  rev.id = "c1.t1-rev2";
  EXPECT_EQ(One(rev), pb::CREATE_TRANSFER_REVERSAL_TARGET_ALREADY_REVERSED);
  rev.reverses_id = "c1.t1-rev";
  EXPECT_EQ(One(rev), pb::CREATE_TRANSFER_REVERSAL_TARGET_IS_REVERSAL);
  Transfer p = Move("c1.p1", "c1.alice", "c1.bob", 10);
  p.flags = kPending;
  ASSERT_EQ(One(p), pb::CREATE_TRANSFER_CREATED);
  rev.reverses_id = "c1.p1";
  EXPECT_EQ(One(rev), pb::CREATE_TRANSFER_REVERSAL_TARGET_NOT_POSTED);
}

TEST_F(LedgerEngineTest, FrozenAndClosedAccounts) {
  Standard();
  ASSERT_EQ(One(Move("c1.t1", "c1.alice", "c1.bob", 45)), pb::CREATE_TRANSFER_CREATED);
  auto s = testing::SetStatus(engine_.get(),
                              {"c1.bob", pb::ACCOUNT_STATUS_FROZEN, "member asked to pause"});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->account.info.status, pb::ACCOUNT_STATUS_FROZEN);
  EXPECT_EQ(One(Move("c1.t2", "c1.alice", "c1.bob", 1)),
            pb::CREATE_TRANSFER_CREDIT_ACCOUNT_NOT_OPEN);
  EXPECT_EQ(One(Move("c1.t3", "c1.bob", "c1.alice", 1)),
            pb::CREATE_TRANSFER_DEBIT_ACCOUNT_NOT_OPEN);
  // A correction may still touch a frozen account.
  Transfer rev;
  rev.id = "c1.t1-rev";
  rev.kind = pb::TRANSFER_KIND_REVERSAL;
  rev.reverses_id = "c1.t1";
  rev.memo = "error";
  ASSERT_EQ(One(rev), pb::CREATE_TRANSFER_CREATED);
  // Closing needs a zero balance; closed is final.
  auto closed = testing::SetStatus(engine_.get(), {"c1.bob", pb::ACCOUNT_STATUS_CLOSED, "left"});
  ASSERT_TRUE(closed.ok()) << closed.status();
  EXPECT_EQ(One(Move("c1.t4", "c1.alice", "c1.bob", 1)),
            pb::CREATE_TRANSFER_CREDIT_ACCOUNT_NOT_OPEN);
  auto reopen = testing::SetStatus(engine_.get(), {"c1.bob", pb::ACCOUNT_STATUS_OPEN, "back"});
  EXPECT_EQ(reopen.status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_EQ(One(Move("c1.t5", "c1.alice", "c1.pool", 5)), pb::CREATE_TRANSFER_CREATED);
  auto busy = testing::SetStatus(engine_.get(), {"c1.alice", pb::ACCOUNT_STATUS_CLOSED, "left"});
  EXPECT_EQ(busy.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(testing::SetStatus(engine_.get(), {"c1.ghost", pb::ACCOUNT_STATUS_FROZEN, "x"})
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(testing::SetStatus(engine_.get(), {"c1.alice", pb::ACCOUNT_STATUS_FROZEN, ""})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  // Status survives restart (index rows and journal replay).
  Reopen();
  EXPECT_EQ(engine_->GetAccounts({"c1.bob"})[0]->info.status, pb::ACCOUNT_STATUS_CLOSED);
}

TEST_F(LedgerEngineTest, StatementsNewestFirstPagedAndByTime) {
  Standard();
  const int64_t t0 = clock_.NowUnixNanos();
  for (int i = 0; i < 25; ++i) {
    clock_.Set(absl::FromUnixNanos(t0 + i * kNsPerS));
    ASSERT_EQ(One(Move("c1.s" + std::to_string(i), i % 2 ? "c1.alice" : "c1.bob",
                       i % 2 ? "c1.bob" : "c1.alice", 1)),
              pb::CREATE_TRANSFER_CREATED);
  }
  ASSERT_EQ(One(Move("c1.other", "c1.pool", "c1.bob", 1)), pb::CREATE_TRANSFER_CREATED);
  auto collect = [&](StatementQuery q) {
    std::vector<std::string> ids;
    while (true) {
      auto page = engine_->ListTransfers(q);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      for (auto& t : page->items) ids.push_back(t.transfer.id);
      if (!page->next_after) break;
      q.after_seq = *page->next_after;
    }
    return ids;
  };
  StatementQuery q;
  q.account_id = "c1.alice";
  q.page_size = 10;
  // Half the statement is still in the journal gap, half indexed: both must merge.
  auto newest = collect(q);
  ASSERT_EQ(newest.size(), 25u);
  EXPECT_EQ(newest.front(), "c1.s24");
  EXPECT_EQ(newest.back(), "c1.s0");
  engine_->WaitForIndex();
  EXPECT_EQ(collect(q), newest);
  q.oldest_first = true;
  auto oldest = collect(q);
  std::reverse(oldest.begin(), oldest.end());
  EXPECT_EQ(oldest, newest);
  q.oldest_first = false;
  q.start_ns = t0 + 10 * kNsPerS;
  q.end_ns = t0 + 15 * kNsPerS;
  EXPECT_EQ(collect(q),
            (std::vector<std::string>{"c1.s14", "c1.s13", "c1.s12", "c1.s11", "c1.s10"}));
  StatementQuery missing;
  missing.account_id = "c1.nobody";
  EXPECT_EQ(engine_->ListTransfers(missing).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(LedgerEngineTest, RecoveryRestoresEverythingAndChainVerifies) {
  Standard();
  std::vector<Transfer> ts;
  for (int i = 0; i < 500; ++i)
    ts.push_back(Move("c1.r" + std::to_string(i), "c1.pool", i % 2 ? "c1.alice" : "c1.bob", 3));
  CreateTransfers(engine_.get(), std::move(ts));
  const Balances alice = BalancesOf(engine_.get(), "c1.alice");
  const uint64_t head = engine_->head_seq();
  // Reopen without waiting for the index: recovery replays the journal.
  Reopen();
  EXPECT_EQ(BalancesOf(engine_.get(), "c1.alice"), alice);
  EXPECT_EQ(engine_->head_seq(), head);
  EXPECT_EQ(One(Move("c1.r7", "c1.pool", "c1.alice", 3)), pb::CREATE_TRANSFER_EXISTS);
  auto v = engine_->VerifyJournal();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok);
  EXPECT_EQ(v->entries_checked, head);  // the retry wrote nothing
}

TEST_F(LedgerEngineTest, TamperedJournalIsDetectedAndRefused) {
  Standard();
  ASSERT_EQ(One(Move("c1.t1", "c1.alice", "c1.bob", 30)), pb::CREATE_TRANSFER_CREATED);
  ASSERT_EQ(One(Move("c1.t2", "c1.alice", "c1.bob", 30)), pb::CREATE_TRANSFER_CREATED);
  Close();
  {
    // Rewrite t1's amount in place, keeping its stored hash.
    auto store = testing::OpenLedgerStore(dir_.Sub("ledger"));
    ASSERT_TRUE(store.ok());
    std::string value;
    const std::string key = schema::JournalKey(6);
    ASSERT_TRUE(*(*store)->Get(schema::kJournal, key, &value));
    auto e = DecodeStoredEntry(value);
    ASSERT_TRUE(e.ok());
    ASSERT_EQ(e->transfer.id, "c1.t1");
    e->transfer.amount = 3000;
    std::string forged;
    EncodeCanonical(*e, &forged);
    forged.append(storage::HashBytes(e->hash));
    auto batch = (*store)->NewBatch();
    batch->Put(schema::kJournal, key, forged);
    ASSERT_TRUE((*store)->Write(batch.get(), {}).ok());
  }
  // VerifyJournal finds it, naming the first bad entry.
  Open();
  auto v = engine_->VerifyJournal();
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_bad_seq, 6u);
  Close();
  // A restart that has to replay the tampered entry refuses to start.
  {
    auto store = testing::OpenLedgerStore(dir_.Sub("ledger"));
    ASSERT_TRUE(store.ok());
    // As after a crash before anything was indexed: the index is empty.
    auto batch = (*store)->NewBatch();
    auto it = (*store)->NewIterator(schema::kIndex);
    for (it->SeekToFirst(); it->Valid(); it->Next()) batch->Delete(schema::kIndex, it->key());
    ASSERT_TRUE((*store)->Write(batch.get(), {}).ok());
  }
  auto store = testing::OpenLedgerStore(dir_.Sub("ledger"));
  ASSERT_TRUE(store.ok());
  auto engine = LedgerEngine::Open(std::move(*store), testing::TestOptions());
  ASSERT_FALSE(engine.ok());
  EXPECT_EQ(engine.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(engine.status().message().find("hash"), absl::string_view::npos);
}

TEST_F(LedgerEngineTest, ErasedTextsAreGoneTheChainVerifiesAndLaterTransfersKeepNone) {
  Standard();
  Transfer a = Move("c1.t1", "c1.alice", "c1.bob", 30);
  a.memo = "alice's private note";
  a.reference = "communities/1/activities/1";
  Transfer b = Move("c1.t2", "c1.bob", "c1.pool", 10);
  b.memo = "bob and the pool";
  ASSERT_EQ(One(a), pb::CREATE_TRANSFER_CREATED);
  ASSERT_EQ(One(b), pb::CREATE_TRANSFER_CREATED);
  ASSERT_EQ(One(Move("c1.t3", "c1.alice", "c1.pool", 5)), pb::CREATE_TRANSFER_CREATED);  // no text
  auto erased = engine_->EraseTexts({"c1.alice"});
  ASSERT_TRUE(erased.ok()) << erased.status();
  EXPECT_EQ(erased->transfers_erased, 1u);  // t3 had no text to erase
  EXPECT_EQ(erased->transfers_not_erasable, 0u);
  auto got = engine_->GetTransfers({"c1.t1", "c1.t2"});
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE((*got)[0]->transfer.text_erased);
  EXPECT_EQ((*got)[0]->transfer.memo, "");
  EXPECT_EQ((*got)[0]->transfer.reference, "");
  EXPECT_FALSE((*got)[1]->transfer.text_erased);
  EXPECT_EQ((*got)[1]->transfer.memo, "bob and the pool");
  // A retry of the erased transfer is the same transfer; a different one still is not.
  EXPECT_EQ(One(a), pb::CREATE_TRANSFER_EXISTS);
  a.amount = 31;
  EXPECT_EQ(One(a), pb::CREATE_TRANSFER_EXISTS_WITH_DIFFERENT_FIELDS);
  // Later transfers that touch alice keep their digest, not their text, after a restart too.
  Reopen();
  Transfer later = Move("c1.t4", "c1.bob", "c1.alice", 7);
  later.memo = "written after the erasure";
  ASSERT_EQ(One(later), pb::CREATE_TRANSFER_CREATED);
  got = engine_->GetTransfers({"c1.t4"});
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE((*got)[0]->transfer.text_erased);
  EXPECT_NE((*got)[0]->transfer.text_digest, storage::Hash256{});
  auto v = engine_->VerifyJournal();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->message;
  EXPECT_EQ(v->texts_erased, 2u);
  EXPECT_EQ(v->texts_verified, 1u);
  // Erasing again changes nothing and is not an error.
  erased = engine_->EraseTexts({"c1.alice", "c1.no-such-account"});
  ASSERT_TRUE(erased.ok()) << erased.status();
  EXPECT_EQ(erased->transfers_erased, 2u);
}

TEST_F(LedgerEngineTest, AlteredTextIsCaughtByVerifyAndByReads) {
  Standard();
  Transfer a = Move("c1.t1", "c1.alice", "c1.bob", 30);
  a.memo = "the original words";
  ASSERT_EQ(One(a), pb::CREATE_TRANSFER_CREATED);
  const uint64_t seq = engine_->head_seq();
  Close();
  {
    auto store = testing::OpenLedgerStore(dir_.Sub("ledger"));
    ASSERT_TRUE(store.ok());
    std::string record;
    ASSERT_TRUE(*(*store)->Get(schema::kTexts, schema::JournalKey(seq), &record));
    const size_t at = record.find("original");
    ASSERT_NE(at, std::string::npos);
    record.replace(at, 8, "replaced");
    auto batch = (*store)->NewBatch();
    batch->Put(schema::kTexts, schema::JournalKey(seq), record);
    ASSERT_TRUE((*store)->Write(batch.get(), {}).ok());
  }
  Open();
  auto v = engine_->VerifyJournal();
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_bad_seq, seq);
  EXPECT_EQ(engine_->GetTransfers({"c1.t1"}).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(LedgerEngineTest, FailedWriteAcknowledgesNothingAndRollsBack) {
  Close();
  auto mem = std::make_unique<storage::MemStore>(3);
  storage::MemStore* raw = mem.get();
  auto engine = LedgerEngine::Open(std::move(mem), testing::TestOptions());
  ASSERT_TRUE(engine.ok());
  engine_ = std::move(*engine);
  Standard();
  // Let the index projection catch up first, so the one injected failure hits the
  // writer's commit rather than a projection step.
  engine_->WaitForIndex();
  raw->FailWrites(1);
  auto failed =
      testing::TryCreateTransfers(engine_.get(), {Move("c1.t1", "c1.alice", "c1.bob", 30)});
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(BalancesOf(engine_.get(), "c1.bob").balance(), 0);
  // The retry succeeds and lands exactly once, at the next sequence number.
  const uint64_t head = engine_->head_seq();
  auto ok = CreateTransfers(engine_.get(), {Move("c1.t1", "c1.alice", "c1.bob", 30)});
  EXPECT_EQ(ok[0].code, pb::CREATE_TRANSFER_CREATED);
  EXPECT_EQ(ok[0].seq, head + 1);
  EXPECT_EQ(BalancesOf(engine_.get(), "c1.bob").balance(), 30);
  auto v = engine_->VerifyJournal();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->message;
}

TEST_F(LedgerEngineTest, ForeignOrDamagedDirectoryIsRefused) {
  TempDir other;
  // Not empty and not a database.
  {
    FILE* f = fopen(other.Sub("notes.txt").c_str(), "w");
    fputs("c1.x", f);
    fclose(f);
  }
  auto s = testing::OpenLedgerStore(other.path());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kFailedPrecondition);
  // A file where the ledger's directory should be.
  auto file = testing::OpenLedgerStore(other.Sub("notes.txt"));
  EXPECT_EQ(file.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(file.status().message().find("is a file"), absl::string_view::npos);
  // A RocksDB directory of another identity where the journal should be.
  std::filesystem::create_directories(other.Sub("db"));
  storage::RocksStoreOptions o;
  o.path = other.Sub("db/journal");
  o.identity = "timebank.directory.v1";
  o.column_families = {{"journal", storage::CfProfile::kAppendLog}};
  ASSERT_TRUE(storage::OpenRocksStore(o).ok());
  auto foreign = testing::OpenLedgerStore(other.Sub("db"));
  EXPECT_EQ(foreign.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(foreign.status().message().find("timebank.directory.v1"), absl::string_view::npos);
  // Damaged: CURRENT points nowhere.
  {
    FILE* f = fopen(other.Sub("db/journal/CURRENT").c_str(), "w");
    fputs("MANIFEST-999999\n", f);
    fclose(f);
  }
  auto damaged = testing::OpenLedgerStore(other.Sub("db"));
  EXPECT_EQ(damaged.status().code(), absl::StatusCode::kDataLoss);
  // The single-database layout of development builds is named, not misread.
  o.path = other.Sub("old");
  o.identity = schema::kIdentity;
  o.column_families = {{"journal", storage::CfProfile::kAppendLog},
                       {"index", storage::CfProfile::kPointLookup}};
  ASSERT_TRUE(storage::OpenRocksStore(o).ok());
  auto old = testing::OpenLedgerStore(other.Sub("old"));
  EXPECT_EQ(old.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(old.status().message().find("single-database layout"), absl::string_view::npos);
}

TEST_F(LedgerEngineTest, AnIndexWithoutItsJournalIsRefusedAndAMissingIndexIsRebuilt) {
  Standard();
  ASSERT_EQ(One(Move("c1.t1", "c1.alice", "c1.bob", 30)), pb::CREATE_TRANSFER_CREATED);
  engine_.reset();
  // Without its index the ledger rebuilds it from the journal.
  std::filesystem::rename(dir_.Sub("ledger/index"), dir_.Sub("index-aside"));
  {
    auto store = testing::OpenLedgerStore(dir_.Sub("ledger"));
    ASSERT_TRUE(store.ok()) << store.status();
    auto engine = LedgerEngine::Open(std::move(*store), testing::TestOptions());
    ASSERT_TRUE(engine.ok()) << engine.status();
    (*engine)->WaitForIndex();
    EXPECT_EQ(BalancesOf(engine->get(), "c1.bob").balance(), 30);
    auto got = (*engine)->GetTransfers({"c1.t1"});
    ASSERT_TRUE(got.ok());
    ASSERT_TRUE((*got)[0].has_value());
    EXPECT_TRUE((*engine)->VerifyJournal()->ok);
  }
  // Without its journal, nothing is opened (or created).
  std::filesystem::remove_all(dir_.Sub("ledger/journal"));
  auto store = testing::OpenLedgerStore(dir_.Sub("ledger"));
  EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("ledger/journal")));
}

TEST_F(LedgerEngineTest, CheckpointIsAnOpenableCopy) {
  Standard();
  ASSERT_EQ(One(Move("c1.t1", "c1.alice", "c1.bob", 30)), pb::CREATE_TRANSFER_CREATED);
  ASSERT_TRUE(engine_->Checkpoint(dir_.Sub("backup")).ok());
  ASSERT_EQ(One(Move("c1.t2", "c1.alice", "c1.bob", 30)), pb::CREATE_TRANSFER_CREATED);
  auto store = testing::OpenLedgerStore(dir_.Sub("backup"));
  ASSERT_TRUE(store.ok()) << store.status();
  auto copy = LedgerEngine::Open(std::move(*store), testing::TestOptions());
  ASSERT_TRUE(copy.ok()) << copy.status();
  EXPECT_EQ(BalancesOf(copy->get(), "c1.bob").balance(), 30);
  EXPECT_TRUE((*copy)->VerifyJournal()->ok);
}

TEST_F(LedgerEngineTest, WatchListenersSeeEveryCommit) {
  Standard();
  std::atomic<uint64_t> seen{0};
  const int id = engine_->AddCommitListener([&](uint64_t head) { seen = head; });
  ASSERT_EQ(One(Move("c1.t1", "c1.alice", "c1.bob", 30)), pb::CREATE_TRANSFER_CREATED);
  EXPECT_EQ(seen.load(), engine_->head_seq());
  engine_->RemoveCommitListener(id);
  auto entries = engine_->ReadJournal(1, 100);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(entries->size(), engine_->head_seq());
  EXPECT_EQ(entries->back().transfer.id, "c1.t1");
}

// ---- A bounded queue ----------------------------------------------------------------

// Holds the writer inside its commit observer (on_commit) from Stall() until Release(),
// so a test can fill the queue behind it.
class WriterGate {
 public:
  void Stall() {
    absl::MutexLock lock(&mu_);
    stall_ = true;
  }
  // Blocks until the writer is held.
  void AwaitHeld() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&held_));
  }
  void Release() {
    absl::MutexLock lock(&mu_);
    stall_ = false;
  }
  std::function<void(const CommitStats&)> Observer() {
    return [this](const CommitStats&) {
      absl::MutexLock lock(&mu_);
      if (!stall_) return;
      held_ = true;
      auto released = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !stall_; };
      mu_.Await(absl::Condition(&released));
      held_ = false;
    };
  }

 private:
  absl::Mutex mu_;
  bool stall_ ABSL_GUARDED_BY(mu_) = false;
  bool held_ ABSL_GUARDED_BY(mu_) = false;
};

TEST(LedgerQueueTest, CallsBeyondTheQueueBoundAreRefusedAndWriteNothingWhileQueuedOnesCommit) {
  TempDir dir;
  WriterGate gate;
  auto store = testing::OpenLedgerStore(dir.Sub("ledger"));
  ASSERT_TRUE(store.ok()) << store.status();
  LedgerOptions options = testing::TestOptions();
  options.max_queued_events = kMaxBatchEvents;  // the smallest bound allowed
  options.on_commit = gate.Observer();
  auto opened = LedgerEngine::Open(std::move(*store), std::move(options));
  ASSERT_TRUE(opened.ok()) << opened.status();
  std::unique_ptr<LedgerEngine> engine = std::move(*opened);
  // Whatever fails below, the writer is let go before the engine stops.
  struct ReleaseAtExit {
    WriterGate* gate;
    ~ReleaseAtExit() { gate->Release(); }
  } release_at_exit{&gate};
  for (const auto& r : CreateAccounts(engine.get(), {TimeAccount("c1.a"), TimeAccount("c1.b")})) {
    ASSERT_EQ(r.code, pb::CREATE_ACCOUNT_CREATED);
  }

  gate.Stall();
  gate.AwaitHeld();
  // Two calls fill the queue exactly: kMaxBatchEvents - 1 transfers, then one.
  std::vector<Transfer> big;
  for (size_t i = 0; i + 1 < kMaxBatchEvents; ++i) {
    big.push_back(Move(absl::StrCat("c1.q", i), "c1.a", "c1.b", 1));
  }
  std::promise<absl::StatusOr<std::vector<TransferResult>>> big_done, last_done;
  engine->CreateTransfers(std::move(big), [&](auto r) { big_done.set_value(std::move(r)); });
  engine->CreateTransfers({Move("c1.last", "c1.a", "c1.b", 1)},
                          [&](auto r) { last_done.set_value(std::move(r)); });
  // The next call of either kind is answered before it returns, the writer still held.
  std::promise<absl::StatusOr<std::vector<TransferResult>>> refused_done;
  auto refused = refused_done.get_future();
  engine->CreateTransfers({Move("c1.refused", "c1.a", "c1.b", 5)},
                          [&](auto r) { refused_done.set_value(std::move(r)); });
  ASSERT_EQ(refused.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  const absl::Status refusal = refused.get().status();
  EXPECT_EQ(refusal.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(refusal.message().find("retry"), std::string::npos) << refusal.message();
  std::promise<absl::StatusOr<std::vector<AccountResult>>> account_done;
  auto account_refused = account_done.get_future();
  engine->CreateAccounts({TimeAccount("c1.refused")},
                         [&](auto r) { account_done.set_value(std::move(r)); });
  ASSERT_EQ(account_refused.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  EXPECT_EQ(account_refused.get().status().code(), absl::StatusCode::kResourceExhausted);

  gate.Release();
  absl::StatusOr<std::vector<TransferResult>> big_result = big_done.get_future().get();
  ASSERT_TRUE(big_result.ok()) << big_result.status();
  ASSERT_EQ(big_result->size(), kMaxBatchEvents - 1);
  for (const TransferResult& r : *big_result) ASSERT_EQ(r.code, pb::CREATE_TRANSFER_CREATED);
  absl::StatusOr<std::vector<TransferResult>> last_result = last_done.get_future().get();
  ASSERT_TRUE(last_result.ok()) << last_result.status();
  EXPECT_EQ((*last_result)[0].code, pb::CREATE_TRANSFER_CREATED);
  // Nothing of the refused calls was written; the queue takes work again.
  auto found = engine->GetTransfers({"c1.refused", "c1.last"});
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_FALSE((*found)[0].has_value());
  EXPECT_TRUE((*found)[1].has_value());
  EXPECT_FALSE(engine->GetAccounts({"c1.refused"})[0].has_value());
  EXPECT_EQ(BalancesOf(engine.get(), "c1.b").balance(), static_cast<int64_t>(kMaxBatchEvents));
  EXPECT_EQ(engine->head_seq(), 2 + kMaxBatchEvents);
  EXPECT_EQ(testing::CreateTransfers(engine.get(), {Move("c1.after", "c1.a", "c1.b", 1)})[0].code,
            pb::CREATE_TRANSFER_CREATED);
}

}  // namespace
}  // namespace timebank::ledger
