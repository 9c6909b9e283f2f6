// Randomized test: thousands of random batches (plain, pending, post, void,
// reversal, retries, linked chains, invalid mixes) applied both to the ledger engine
// and to a deliberately naive in-memory model. After every batch, every result code
// (not only "accepted or not") and every balance must agree; the engine is restarted now and then
// so recovery is checked against the model too. Seeds are printed so a failure can be replayed.
#include <map>
#include <optional>
#include <random>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/ledger/ledger_engine.h"
#include "storage/check.h"
#include "tests/common/test_util.h"

namespace timebank::ledger {
namespace {

struct ModelAccount {
  uint64_t community;
  std::string unit;
  int64_t min, max;
  Balances b;
};

struct ModelTransfer {
  Transfer request;  // as sent (for retries)
  std::string debit, credit;
  int64_t amount;
  bool pending = false;
  bool pending_open = false;
  bool is_void = false;
  bool is_reversal = false;
  bool reversed = false;
  bool voided = false;  // a pending transfer that a void resolved
};

// The naive model: straight-line rules, maps copied wholesale for chains.
struct Model {
  std::map<std::string, ModelAccount> accounts;
  std::map<std::string, ModelTransfer> transfers;

  // A retry is EXISTS only when it is the same request, field for field.
  static bool Same(const Transfer& a, const Transfer& b) {
    return a.debit_account_id == b.debit_account_id && a.credit_account_id == b.credit_account_id &&
           a.amount == b.amount && a.kind == b.kind && a.flags == b.flags &&
           a.pending_id == b.pending_id && a.reverses_id == b.reverses_id && a.memo == b.memo &&
           a.reference == b.reference && a.coproduction_type == b.coproduction_type &&
           a.occurred_at_ns == b.occurred_at_ns && a.timeout_s == b.timeout_s;
  }

  // The community an id of this test names ("c1." or "c2.").
  static uint64_t CommunityOf(const std::string& id) { return id.rfind("c2.", 0) == 0 ? 2 : 1; }

  // Every id a transfer names is in the community of its own id.
  static bool InOneCommunity(const Transfer& t) {
    const uint64_t c = CommunityOf(t.id);
    for (const std::string* id :
         {&t.debit_account_id, &t.credit_account_id, &t.pending_id, &t.reverses_id}) {
      if (!id->empty() && CommunityOf(*id) != c) return false;
    }
    return true;
  }

  using Code = pb::CreateTransferResultCode;

  // Moves `amount` (releasing `release` pending first), checking what the engine
  // checks in its order; changes nothing unless it answers CREATED.
  Code Move(const std::string& d, const std::string& c, int64_t amount, bool pending,
            int64_t release, bool check_limits = true) {
    if (d == c) return pb::CREATE_TRANSFER_SAME_ACCOUNT;
    auto di = accounts.find(d), ci = accounts.find(c);
    if (di == accounts.end()) return pb::CREATE_TRANSFER_DEBIT_ACCOUNT_NOT_FOUND;
    if (ci == accounts.end()) return pb::CREATE_TRANSFER_CREDIT_ACCOUNT_NOT_FOUND;
    ModelAccount &da = di->second, &ca = ci->second;
    if (da.community != ca.community) return pb::CREATE_TRANSFER_COMMUNITY_MISMATCH;
    if (da.unit != ca.unit) return pb::CREATE_TRANSFER_UNIT_MISMATCH;
    Balances nd = da.b, nc = ca.b;
    nd.debits_pending -= release;
    nc.credits_pending -= release;
    if (pending) {
      nd.debits_pending += amount;
      nc.credits_pending += amount;
    } else {
      nd.debits_posted += amount;
      nc.credits_posted += amount;
    }
    if (check_limits) {
      if (nd.credits_posted - nd.debits_posted - nd.debits_pending < da.min) {
        return pb::CREATE_TRANSFER_EXCEEDS_MIN_BALANCE;
      }
      if (nc.credits_posted + nc.credits_pending - nc.debits_posted > ca.max) {
        return pb::CREATE_TRANSFER_EXCEEDS_MAX_BALANCE;
      }
    }
    da.b = nd;
    ca.b = nc;
    return pb::CREATE_TRANSFER_CREATED;
  }

  // The code the ledger answers for `t` alone, applying it when CREATED.
  Code Apply(const Transfer& t) {
    if (!t.debit_account_id.empty() && !t.credit_account_id.empty() &&
        CommunityOf(t.debit_account_id) != CommunityOf(t.credit_account_id)) {
      return pb::CREATE_TRANSFER_COMMUNITY_MISMATCH;
    }
    if (!InOneCommunity(t)) return pb::CREATE_TRANSFER_ID_COMMUNITY_MISMATCH;
    if (auto it = transfers.find(t.id); it != transfers.end()) {
      return Same(it->second.request, t) ? pb::CREATE_TRANSFER_EXISTS
                                         : pb::CREATE_TRANSFER_EXISTS_WITH_DIFFERENT_FIELDS;
    }
    if (t.amount < 0) return pb::CREATE_TRANSFER_AMOUNT_MUST_BE_POSITIVE;
    ModelTransfer m{t, t.debit_account_id, t.credit_account_id, t.amount};
    if (t.is(kPostPending) || t.is(kVoidPending)) {
      auto p = transfers.find(t.pending_id);
      if (p == transfers.end()) return pb::CREATE_TRANSFER_PENDING_TRANSFER_NOT_FOUND;
      ModelTransfer& pt = p->second;
      if (!pt.pending) return pb::CREATE_TRANSFER_PENDING_TRANSFER_NOT_PENDING;
      if (!pt.pending_open) {
        return pt.voided ? pb::CREATE_TRANSFER_PENDING_TRANSFER_ALREADY_VOIDED
                         : pb::CREATE_TRANSFER_PENDING_TRANSFER_ALREADY_POSTED;
      }
      if (t.is(kPostPending)) {
        if (t.amount > pt.amount) return pb::CREATE_TRANSFER_EXCEEDS_PENDING_AMOUNT;
        m.amount = t.amount == 0 ? pt.amount : t.amount;
        if (Code c = Move(pt.debit, pt.credit, m.amount, false, pt.amount);
            c != pb::CREATE_TRANSFER_CREATED) {
          return c;
        }
      } else {
        if (t.amount != 0 && t.amount != pt.amount) {
          return pb::CREATE_TRANSFER_EXCEEDS_PENDING_AMOUNT;
        }
        m.is_void = true;
        m.amount = pt.amount;
        // A release only raises what is available: the limits are not checked.
        TB_CHECK(Move(pt.debit, pt.credit, 0, true, pt.amount, /*check_limits=*/false) ==
                 pb::CREATE_TRANSFER_CREATED);
        pt.voided = true;
      }
      pt.pending_open = false;
      m.debit = pt.debit;
      m.credit = pt.credit;
    } else if (t.kind == pb::TRANSFER_KIND_REVERSAL) {
      auto o = transfers.find(t.reverses_id);
      if (o == transfers.end()) return pb::CREATE_TRANSFER_REVERSAL_TARGET_NOT_FOUND;
      if (o->second.is_reversal) return pb::CREATE_TRANSFER_REVERSAL_TARGET_IS_REVERSAL;
      if (o->second.pending || o->second.is_void) {
        return pb::CREATE_TRANSFER_REVERSAL_TARGET_NOT_POSTED;
      }
      if (o->second.reversed) return pb::CREATE_TRANSFER_REVERSAL_TARGET_ALREADY_REVERSED;
      m.debit = o->second.credit;
      m.credit = o->second.debit;
      m.amount = o->second.amount;
      m.is_reversal = true;
      if (Code c = Move(m.debit, m.credit, m.amount, false, 0); c != pb::CREATE_TRANSFER_CREATED) {
        return c;
      }
      o->second.reversed = true;
    } else {
      if (t.amount == 0) return pb::CREATE_TRANSFER_AMOUNT_MUST_BE_POSITIVE;
      m.pending = m.pending_open = t.is(kPending);
      if (Code c = Move(t.debit_account_id, t.credit_account_id, t.amount, m.pending, 0);
          c != pb::CREATE_TRANSFER_CREATED) {
        return c;
      }
    }
    transfers.emplace(t.id, std::move(m));
    return pb::CREATE_TRANSFER_CREATED;
  }

  // One code per transfer: a chain is all or nothing (the failing transfer keeps its
  // code, the rest of the chain LINKED_EVENT_FAILED; EXISTS does not fail a chain),
  // and a chain still open at the end of the batch fails whole, unevaluated.
  std::vector<Code> ApplyBatch(const std::vector<Transfer>& batch) {
    const size_t n = batch.size();
    std::vector<Code> codes(n, pb::CREATE_TRANSFER_RESULT_CODE_UNSPECIFIED);
    size_t i = 0;
    while (i < n) {
      size_t end = i;
      while (end + 1 < n && batch[end].is(kLinked)) ++end;
      if (end == n - 1 && batch[end].is(kLinked)) {
        for (size_t k = i; k < n; ++k) {
          codes[k] = k == n - 1 ? pb::CREATE_TRANSFER_LINKED_EVENT_CHAIN_OPEN
                                : pb::CREATE_TRANSFER_LINKED_EVENT_FAILED;
        }
        break;
      }
      Model saved = *this;
      size_t failed = n;
      for (size_t k = i; k <= end; ++k) {
        codes[k] = Apply(batch[k]);
        if (codes[k] != pb::CREATE_TRANSFER_CREATED && codes[k] != pb::CREATE_TRANSFER_EXISTS) {
          failed = k;
          break;
        }
      }
      if (failed < n && end > i) {
        *this = std::move(saved);
        for (size_t k = i; k <= end; ++k) {
          if (k != failed) codes[k] = pb::CREATE_TRANSFER_LINKED_EVENT_FAILED;
        }
      }
      i = end + 1;
    }
    return codes;
  }
};

class ModelTest : public ::testing::TestWithParam<uint64_t> {};

TEST_P(ModelTest, EngineMatchesModel) {
  const uint64_t seed = GetParam();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  testing::TempDir dir;
  auto open = [&] {
    auto store = testing::OpenLedgerStore(dir.Sub("ledger"));
    EXPECT_TRUE(store.ok());
    auto engine = LedgerEngine::Open(std::move(*store), testing::TestOptions());
    EXPECT_TRUE(engine.ok()) << engine.status();
    return std::move(*engine);
  };
  std::unique_ptr<LedgerEngine> engine = open();
  Model model;

  // 12 accounts over two communities and two units, mixed limits.
  auto account_id = [](int i) { return absl::StrCat("c", i < 9 ? 1 : 2, ".m", i); };
  std::vector<AccountView> accounts;
  for (int i = 0; i < 12; ++i) {
    const uint64_t community = i < 9 ? 1 : 2;
    const std::string unit = i == 8 ? "GBP" : "TIME";
    const int64_t min = i % 3 == 0 ? kNoMinBalance : -120 * (i % 4 + 1);
    const int64_t max = i % 4 == 0 ? kNoMaxBalance : 300 * (i % 3 + 1);
    accounts.push_back(testing::TimeAccount(account_id(i), community, min, max, unit));
    model.accounts[account_id(i)] = ModelAccount{community, unit, min, max, {}};
  }
  for (const auto& r : testing::CreateAccounts(engine.get(), accounts)) {
    ASSERT_EQ(r.code, pb::CREATE_ACCOUNT_CREATED);
  }

  std::vector<std::string> ids;  // every id tried so far
  int next_id = 0;
  auto account = [&] { return account_id(static_cast<int>(rng() % 13)); };  // 12 never exists
  auto pick_id = [&]() -> std::string { return ids.empty() ? "c1.none" : ids[rng() % ids.size()]; };
  constexpr int kBatches = 1500;
  for (int batch_no = 0; batch_no < kBatches; ++batch_no) {
    std::vector<Transfer> batch;
    const int n = 1 + static_cast<int>(rng() % 12);
    for (int k = 0; k < n; ++k) {
      Transfer t;
      const int op = static_cast<int>(rng() % 100);
      if (op < 10 && !ids.empty()) {
        // A retry: same fields usually, different sometimes.
        auto it = model.transfers.find(pick_id());
        if (it != model.transfers.end()) {
          t = it->second.request;
          if (rng() % 2 == 0) t.flags &= ~kLinked;
          if (rng() % 3 == 0) t.memo = "changed";
          batch.push_back(t);
          continue;
        }
      }
      const int id_number = next_id++;
      t.kind = pb::TRANSFER_KIND_EXCHANGE;
      if (op < 55) {
        t.debit_account_id = account();
        t.credit_account_id = account();
        t.amount = static_cast<int64_t>(rng() % 200) - 5;
      } else if (op < 70) {
        t.debit_account_id = account();
        t.credit_account_id = account();
        t.amount = static_cast<int64_t>(rng() % 150) + 1;
        t.flags = kPending;
      } else if (op < 82) {
        t.flags = kPostPending;
        t.pending_id = pick_id();
        t.amount = rng() % 2 ? 0 : static_cast<int64_t>(rng() % 100);
      } else if (op < 90) {
        t.flags = kVoidPending;
        t.pending_id = pick_id();
      } else {
        t.kind = pb::TRANSFER_KIND_REVERSAL;
        t.reverses_id = pick_id();
        t.memo = "correction";
      }
      // The id is usually in the community of what the transfer names; now and then
      // in the other one, which the ledger must refuse.
      const std::string& named = !t.debit_account_id.empty() ? t.debit_account_id
                                 : !t.pending_id.empty()     ? t.pending_id
                                                             : t.reverses_id;
      uint64_t community = Model::CommunityOf(named);
      if (rng() % 10 == 0) community = 3 - community;
      t.id = absl::StrCat("c", community, ".t", id_number);
      if (rng() % 5 == 0) t.flags |= kLinked;
      ids.push_back(t.id);
      batch.push_back(t);
    }
    const std::vector<Model::Code> want = model.ApplyBatch(batch);
    auto got = testing::CreateTransfers(engine.get(), batch);
    ASSERT_EQ(got.size(), batch.size());
    for (size_t k = 0; k < batch.size(); ++k) {
      ASSERT_EQ(pb::CreateTransferResultCode_Name(got[k].code),
                pb::CreateTransferResultCode_Name(want[k]))
          << "batch " << batch_no << " event " << k << " id " << batch[k].id;
    }
    for (const auto& [id, m] : model.accounts) {
      ASSERT_EQ(testing::BalancesOf(engine.get(), id), m.b)
          << "account " << id << " batch " << batch_no;
    }
    if (batch_no % 500 == 499) {
      engine.reset();  // restart: recovery must rebuild exactly the model's state
      engine = open();
    }
  }
  auto verify = engine->VerifyJournal();
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok) << verify->message;
}

INSTANTIATE_TEST_SUITE_P(Seeds, ModelTest, ::testing::Values(1, 2, 3, 20261122));

}  // namespace
}  // namespace timebank::ledger
