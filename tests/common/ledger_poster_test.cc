// The one ledger poster every service posts through: calls within the ledger's
// published per-call limit, linked chains never split, a chain too long for one call
// refused as a whole, a refused request pinned on the entries at fault while the
// others post, and an unreachable ledger leaving entries to retry (nothing twice).
// Its accounts half (LedgerAccountOpener) works over a ledger that only opens
// accounts, as the directory's does.
#include "services/common/ledger_poster.h"

#include <algorithm>
#include <numeric>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/common/model_ledger.h"

namespace timebank {
namespace {

namespace lpb = ::timebank::ledger::v1;
using Kind = PostingOutcome::Kind;
using Entries = std::vector<std::vector<lpb::Transfer>>;

lpb::Transfer Move(const std::string& id, int64_t amount = 1, bool linked = false) {
  lpb::Transfer t;
  t.set_id(id);
  t.set_debit_account_id("receiver");
  t.set_credit_account_id("provider");
  t.set_amount(amount);
  t.set_kind(lpb::TRANSFER_KIND_EXCHANGE);
  t.set_linked(linked);
  return t;
}

// `n` transfers as one linked chain (ids prefix.0 .. prefix.n-1).
std::vector<lpb::Transfer> Chain(const std::string& prefix, size_t n) {
  std::vector<lpb::Transfer> out;
  for (size_t i = 0; i < n; ++i) out.push_back(Move(absl::StrCat(prefix, ".", i), 1, i + 1 < n));
  return out;
}

// Each entry one single transfer.
Entries Singles(const std::string& prefix, size_t n) {
  Entries out;
  for (size_t i = 0; i < n; ++i) out.push_back({Move(absl::StrCat(prefix, ".", i))});
  return out;
}

bool AllCreated(const PostingOutcome& o) {
  return o.kind == Kind::kAnswered &&
         std::all_of(o.results.begin(), o.results.end(),
                     [](const auto& r) { return r.code() == lpb::CREATE_TRANSFER_CREATED; });
}

TEST(ModelLedgerTest, EnforcesTheLedgersPublishedPerCallLimit) {
  testing::ModelLedger ledger;
  std::vector<lpb::Transfer> too_many;
  for (size_t i = 0; i <= ledger::kMaxBatchEvents; ++i) too_many.push_back(Move(absl::StrCat(i)));
  EXPECT_EQ(ledger.Post(too_many).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ledger.Post({}).status().code(), absl::StatusCode::kInvalidArgument);
  too_many.pop_back();
  EXPECT_TRUE(ledger.Post(too_many).ok());
  std::vector<lpb::Account> accounts(ledger::kMaxBatchEvents + 1);
  EXPECT_EQ(ledger.OpenAccounts(accounts).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(LedgerPosterTest, SplitsAnyNumberOfTransfersIntoCallsWithinTheLimit) {
  testing::ModelLedger ledger;
  LedgerPoster poster(&ledger);
  const Entries entries = Singles("t", 20'000);
  const PostingReport report = poster.Post(entries);
  ASSERT_TRUE(report.unreachable.ok()) << report.unreachable;
  ASSERT_EQ(report.outcomes.size(), entries.size());
  for (const PostingOutcome& o : report.outcomes) ASSERT_TRUE(AllCreated(o));
  constexpr size_t kMax = ledger::kMaxBatchEvents;
  EXPECT_EQ(ledger.call_sizes, (std::vector<size_t>{kMax, kMax, 20'000 - 2 * kMax}));
  EXPECT_EQ(ledger.posted.size(), 20'000u);
  EXPECT_EQ(ledger.Sum(), 0);
}

TEST(LedgerPosterTest, NeverSplitsALinkedChainAcrossCalls) {
  testing::ModelLedger ledger;
  LedgerPoster poster(&ledger, /*max_per_call=*/10);
  // Chains of 4: two fit in a call of 10, the third starts the next call.
  Entries entries;
  for (int i = 0; i < 5; ++i) entries.push_back(Chain(absl::StrCat("c", i), 4));
  // One entry of two chains (3 and 2) and a single.
  std::vector<lpb::Transfer> two = Chain("d", 3);
  for (lpb::Transfer& t : Chain("e", 2)) two.push_back(t);
  entries.push_back(two);
  entries.push_back({Move("f")});
  const PostingReport report = poster.Post(entries);
  ASSERT_TRUE(report.unreachable.ok());
  for (const PostingOutcome& o : report.outcomes) EXPECT_TRUE(AllCreated(o));
  EXPECT_EQ(ledger.call_sizes, (std::vector<size_t>{8, 8, 10}));
  EXPECT_EQ(ledger.posted.size(), 26u);

  // At the real limit: chains of 3,000 go two to a call.
  testing::ModelLedger big;
  LedgerPoster real(&big);
  const PostingReport r = real.Post({Chain("x", 3000), Chain("y", 3000), Chain("z", 3000)});
  for (const PostingOutcome& o : r.outcomes) EXPECT_TRUE(AllCreated(o));
  EXPECT_EQ(big.call_sizes, (std::vector<size_t>{6000, 3000}));
}

TEST(LedgerPosterTest, AChainLongerThanOneCallIsRefusedWholeAndTheOthersPost) {
  testing::ModelLedger ledger;
  LedgerPoster poster(&ledger);
  const Entries entries = {
      {Move("before")}, Chain("long", ledger::kMaxBatchEvents + 1), {Move("after")}};
  const PostingReport report = poster.Post(entries);
  ASSERT_TRUE(report.unreachable.ok());
  EXPECT_TRUE(AllCreated(report.outcomes[0]));
  EXPECT_EQ(report.outcomes[1].kind, Kind::kRefused);
  EXPECT_TRUE(absl::StrContains(report.outcomes[1].refusal,
                                absl::StrCat(ledger::kMaxBatchEvents + 1, " transfers is longer")))
      << report.outcomes[1].refusal;
  EXPECT_TRUE(AllCreated(report.outcomes[2]));
  EXPECT_EQ(ledger.posted.size(), 2u);  // nothing of the long chain
  EXPECT_EQ(ledger.call_sizes, (std::vector<size_t>{2}));
}

TEST(LedgerPosterTest, AnEntryWhoseChainNeverClosesIsRefusedUnsent) {
  testing::ModelLedger ledger;
  LedgerPoster poster(&ledger);
  // Sent together, the open chain would swallow the next entry into its chain.
  const Entries entries = {{Move("open.0", 1, true), Move("open.1", 1, true)}, {Move("next")}};
  const PostingReport report = poster.Post(entries);
  EXPECT_EQ(report.outcomes[0].kind, Kind::kRefused);
  EXPECT_TRUE(absl::StrContains(report.outcomes[0].refusal, "never closes"));
  EXPECT_TRUE(AllCreated(report.outcomes[1]));
  EXPECT_EQ(ledger.posted.count("open.0"), 0u);
}

TEST(LedgerPosterTest, ARefusedRequestIsPinnedOnTheEntryAtFaultAndTheRestPost) {
  testing::ModelLedger ledger;
  // The ledger refuses any call carrying entry 37 (as it refuses a request it
  // cannot decode): the others must still post.
  ledger.refuse = [](const std::vector<lpb::Transfer>& ts) {
    for (const lpb::Transfer& t : ts) {
      if (t.id() == "t.37") return absl::InvalidArgumentError("transfers[5].memo: not UTF-8");
    }
    return absl::OkStatus();
  };
  LedgerPoster poster(&ledger, /*max_per_call=*/40);
  const Entries entries = Singles("t", 100);
  const PostingReport report = poster.Post(entries);
  ASSERT_TRUE(report.unreachable.ok());
  for (size_t i = 0; i < entries.size(); ++i) {
    SCOPED_TRACE(i);
    if (i == 37) {
      EXPECT_EQ(report.outcomes[i].kind, Kind::kRefused);
      EXPECT_TRUE(absl::StrContains(report.outcomes[i].refusal, "not UTF-8"));
    } else {
      EXPECT_TRUE(AllCreated(report.outcomes[i]));
    }
  }
  EXPECT_EQ(ledger.posted.size(), 99u);
  // Halving finds it in a few calls, not one call per entry.
  EXPECT_LE(ledger.call_sizes.size(), 12u);
}

TEST(LedgerPosterTest, AnUnreachableLedgerLeavesEveryEntryToRetryAndARetryPostsOnce) {
  testing::ModelLedger ledger;
  LedgerPoster poster(&ledger, /*max_per_call=*/10);
  const Entries entries = Singles("t", 25);
  ledger.down = true;
  PostingReport report = poster.Post(entries);
  EXPECT_EQ(report.unreachable.code(), absl::StatusCode::kUnavailable);
  for (const PostingOutcome& o : report.outcomes) EXPECT_EQ(o.kind, Kind::kNotSent);
  ledger.down = false;

  // Unreachable halfway (the second call): the first call's entries are answered.
  int calls = 0;
  ledger.refuse = [&calls](const std::vector<lpb::Transfer>&) {
    return ++calls == 2 ? absl::UnavailableError("connection reset") : absl::OkStatus();
  };
  report = poster.Post(entries);
  EXPECT_EQ(report.unreachable.code(), absl::StatusCode::kUnavailable);
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(report.outcomes[i].kind, i < 10 ? Kind::kAnswered : Kind::kNotSent) << i;
  }
  ledger.refuse = nullptr;
  report = poster.Post(entries);
  ASSERT_TRUE(report.unreachable.ok());
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(report.outcomes[i].results[0].code(),
              i < 10 ? lpb::CREATE_TRANSFER_EXISTS : lpb::CREATE_TRANSFER_CREATED);
  }

  // A lost reply is unreachable too: the ledger applied the call, but nothing is
  // known, so the entries are kept...
  const Entries more = Singles("u", 5);
  ledger.lose_reply = true;
  report = poster.Post(more);
  EXPECT_EQ(report.unreachable.code(), absl::StatusCode::kDeadlineExceeded);
  for (const PostingOutcome& o : report.outcomes) EXPECT_EQ(o.kind, Kind::kNotSent);
  // ...and the retry finds every transfer already there: posted exactly once.
  report = poster.Post(more);
  ASSERT_TRUE(report.unreachable.ok());
  for (const PostingOutcome& o : report.outcomes) {
    ASSERT_EQ(o.kind, Kind::kAnswered);
    EXPECT_EQ(o.results[0].code(), lpb::CREATE_TRANSFER_EXISTS);
  }
  EXPECT_EQ(ledger.posted.size(), 30u);
  EXPECT_EQ(ledger.Sum(), 0);
}

TEST(LedgerPosterTest, TellsARefusedRequestFromAnUnreachableLedger) {
  for (absl::StatusCode code :
       {absl::StatusCode::kInvalidArgument, absl::StatusCode::kOutOfRange}) {
    EXPECT_TRUE(LedgerPoster::IsRefusal(absl::Status(code, "x"))) << code;
  }
  for (absl::StatusCode code :
       {absl::StatusCode::kUnavailable, absl::StatusCode::kDeadlineExceeded,
        absl::StatusCode::kResourceExhausted, absl::StatusCode::kAborted,
        absl::StatusCode::kCancelled, absl::StatusCode::kInternal, absl::StatusCode::kUnknown,
        absl::StatusCode::kPermissionDenied, absl::StatusCode::kUnauthenticated,
        absl::StatusCode::kFailedPrecondition, absl::StatusCode::kUnimplemented,
        absl::StatusCode::kDataLoss}) {
    EXPECT_FALSE(LedgerPoster::IsRefusal(absl::Status(code, "x"))) << code;
  }
}

// The ledger answers RESOURCE_EXHAUSTED when its writer's queue is full: that is the
// ledger's state, not the entry's fault, so the entries wait and are never refused.
TEST(LedgerPosterTest, ABusyLedgerLeavesEntriesToRetryAndNeverRefusesThem) {
  testing::ModelLedger ledger;
  LedgerPoster poster(&ledger, /*max_per_call=*/4);
  const Entries entries = Singles("busy", 6);
  ledger.refuse = [](const std::vector<lpb::Transfer>&) {
    return absl::ResourceExhaustedError("the ledger has too much work waiting; retry");
  };
  PostingReport report = poster.Post(entries);
  EXPECT_EQ(report.unreachable.code(), absl::StatusCode::kResourceExhausted);
  for (const PostingOutcome& o : report.outcomes) {
    EXPECT_EQ(o.kind, Kind::kNotSent);
    EXPECT_TRUE(o.refusal.empty()) << o.refusal;
  }
  EXPECT_TRUE(ledger.posted.empty());
  ledger.refuse = nullptr;
  report = poster.Post(entries);
  ASSERT_TRUE(report.unreachable.ok()) << report.unreachable;
  for (const PostingOutcome& o : report.outcomes) EXPECT_TRUE(AllCreated(o));
  EXPECT_EQ(ledger.call_sizes, (std::vector<size_t>{4, 2}));
}

TEST(LedgerPosterTest, OpensAccountsInCallsWithinTheLimit) {
  testing::ModelLedger ledger;
  LedgerPoster poster(&ledger);
  std::vector<lpb::Account> accounts(10'000);
  for (size_t i = 0; i < accounts.size(); ++i) accounts[i].set_id(absl::StrCat("a", i));
  auto unusable = poster.OpenAccounts(accounts);
  ASSERT_TRUE(unusable.ok()) << unusable.status();
  EXPECT_TRUE(unusable->empty());
  EXPECT_EQ(ledger.account_call_sizes,
            (std::vector<size_t>{ledger::kMaxBatchEvents, 10'000 - ledger::kMaxBatchEvents}));
  EXPECT_EQ(ledger.accounts.size(), 10'000u);
  ledger.down = true;
  EXPECT_EQ(poster.OpenAccounts(accounts).status().code(), absl::StatusCode::kUnavailable);
}

// A ledger that only opens accounts, as the directory's is: it implements
// LedgerAccountsClient and nothing else, so it has no Post to fake. It refuses a
// whole call that holds an account whose id starts with "bad" (INVALID_ARGUMENT,
// as the ledger refuses a malformed request), and answers ID_INVALID for an id
// starting with "odd".
class AccountsOnlyLedger final : public LedgerAccountsClient {
 public:
  absl::StatusOr<std::vector<lpb::CreateAccountResult>> OpenAccounts(
      const std::vector<lpb::Account>& accounts) override {
    if (down) return absl::UnavailableError("ledger down");
    for (const lpb::Account& a : accounts) {
      if (absl::StartsWith(a.id(), "bad")) return absl::InvalidArgumentError("malformed account");
    }
    call_sizes.push_back(accounts.size());
    std::vector<lpb::CreateAccountResult> out(accounts.size());
    for (size_t i = 0; i < accounts.size(); ++i) {
      out[i].set_id(accounts[i].id());
      out[i].set_code(absl::StartsWith(accounts[i].id(), "odd") ? lpb::CREATE_ACCOUNT_ID_INVALID
                                                                : lpb::CREATE_ACCOUNT_CREATED);
      if (out[i].code() == lpb::CREATE_ACCOUNT_CREATED) opened.push_back(accounts[i].id());
    }
    return out;
  }

  bool down = false;
  std::vector<size_t> call_sizes;  // calls answered
  std::vector<std::string> opened;
};

std::vector<lpb::Account> Accounts(const std::vector<std::string>& ids) {
  std::vector<lpb::Account> out(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) out[i].set_id(ids[i]);
  return out;
}

TEST(LedgerAccountOpenerTest, OpensThroughALedgerThatOnlyOpensAccountsInCallsWithinTheLimit) {
  AccountsOnlyLedger ledger;
  LedgerAccountOpener opener(&ledger, /*max_per_call=*/4);
  std::vector<std::string> ids;
  for (size_t i = 0; i < 10; ++i) ids.push_back(absl::StrCat("a", i));
  auto unusable = opener.OpenAccounts(Accounts(ids));
  ASSERT_TRUE(unusable.ok()) << unusable.status();
  EXPECT_TRUE(unusable->empty());
  EXPECT_EQ(ledger.call_sizes, (std::vector<size_t>{4, 4, 2}));
  EXPECT_EQ(ledger.opened, ids);
}

TEST(LedgerAccountOpenerTest, ARefusedCallIsHalvedUntilOnlyTheAccountAtFaultIsRefused) {
  AccountsOnlyLedger ledger;
  LedgerAccountOpener opener(&ledger, /*max_per_call=*/8);
  const std::vector<std::string> ids = {"a0", "a1", "a2", "bad3", "a4", "odd5", "a6", "a7"};
  auto unusable = opener.OpenAccounts(Accounts(ids));
  ASSERT_TRUE(unusable.ok()) << unusable.status();
  ASSERT_EQ(unusable->size(), 2u);
  EXPECT_TRUE(absl::StrContains(unusable->at("bad3"), "the ledger refused to open it"))
      << unusable->at("bad3");
  EXPECT_EQ(unusable->at("odd5"), "CREATE_ACCOUNT_ID_INVALID");
  EXPECT_EQ(ledger.opened, (std::vector<std::string>{"a0", "a1", "a2", "a4", "a6", "a7"}));
}

TEST(LedgerAccountOpenerTest, AnUnreachableLedgerIsAnErrorAndNothingIsReportedUnusable) {
  AccountsOnlyLedger ledger;
  ledger.down = true;
  LedgerAccountOpener opener(&ledger);
  auto unusable = opener.OpenAccounts(Accounts({"a0", "bad1"}));
  EXPECT_EQ(unusable.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(ledger.call_sizes.empty());
}

}  // namespace
}  // namespace timebank
