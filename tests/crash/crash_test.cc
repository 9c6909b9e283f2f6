// Crash test: runs the real timebankd binary, drives it with concurrent clients,
// kill -9s it at a random moment, restarts it, and checks after every crash that
//  - every transfer the server acknowledged is present with its amount,
//  - no transfer id appears twice in the journal,
//  - every balance equals what the journal's transfers add up to, and sums to zero,
//  - the hash chain verifies,
//  - retrying the calls whose answers were lost never posts twice.
#include <atomic>
#include <map>
#include <random>
#include <thread>

#include "gtest/gtest.h"
#include "tests/common/test_util.h"
#include "tests/crash/crash_harness.h"
#include "timebank/ledger/v1/ledger.grpc.pb.h"

namespace timebank {
namespace {

namespace lpb = ::timebank::ledger::v1;

constexpr int kAccounts = 12;
constexpr int kClients = 8;
constexpr int kRounds = 6;

lpb::Transfer MakeTransfer(const std::string& id, const std::string& debit,
                           const std::string& credit, int64_t amount) {
  lpb::Transfer t;
  t.set_id(id);
  t.set_debit_account_id(debit);
  t.set_credit_account_id(credit);
  t.set_amount(amount);
  t.set_kind(lpb::TRANSFER_KIND_EXCHANGE);
  return t;
}

TEST(CrashTest, AcknowledgedTransfersSurviveKillNine) {
  testing::TempDir dir;
  const std::string data = dir.Sub("data");
  std::mt19937_64 rng(std::random_device{}());
  testing::TransferLog log;

  for (int round = 0; round <= kRounds; ++round) {  // the last round only verifies
    testing::Timebankd server(data);
    ASSERT_FALSE(server.address().empty());
    // The crash test acts as a trusted service, signing with the server's keyring.
    auto channel = testing::ServiceChannel(data, server.address());
    ASSERT_NE(channel, nullptr);
    auto ledger = lpb::LedgerService::NewStub(channel);

    if (round == 0) {
      lpb::CreateAccountsRequest req;
      for (int i = 0; i < kAccounts; ++i) {
        auto* a = req.add_accounts();
        a->set_id("c1.a" + std::to_string(i));
        a->set_community_id(1);
        a->set_unit("TIME");
        a->set_owner_kind(lpb::OWNER_KIND_MEMBER);
      }
      lpb::CreateAccountsResponse resp;
      grpc::ClientContext ctx;
      ASSERT_TRUE(ledger->CreateAccounts(&ctx, req, &resp).ok());
    }

    // --- Verify everything the previous rounds were told -------------------------
    {
      // Retry every call whose answer was lost: CREATED or EXISTS, never twice; then
      // every acknowledged transfer is there, as sent.
      ASSERT_NO_FATAL_FAILURE(log.ResolveUncertain(ledger.get()));
      ASSERT_NO_FATAL_FAILURE(log.ExpectAcknowledgedPresent(ledger.get()));

      // The journal: hash chain, no duplicate ids, balances match its transfers.
      testing::JournalContents journal;
      ASSERT_NO_FATAL_FAILURE(testing::ReadJournal(ledger.get(), &journal));
      std::map<std::string, int64_t> expected;
      for (const lpb::Transfer& t : journal.transfers) {
        expected[t.debit_account_id()] -= t.amount();
        expected[t.credit_account_id()] += t.amount();
      }
      lpb::ListAccountsRequest list;
      list.set_community_id(1);
      list.set_page_size(100);
      lpb::ListAccountsResponse accounts;
      grpc::ClientContext ctx;
      ASSERT_TRUE(ledger->ListAccounts(&ctx, list, &accounts).ok());
      ASSERT_EQ(accounts.accounts_size(), kAccounts);
      int64_t sum = 0;
      for (const auto& a : accounts.accounts()) {
        EXPECT_EQ(a.balance(), expected[a.id()]) << a.id() << " after round " << round;
        sum += a.balance();
      }
      EXPECT_EQ(sum, 0);
    }

    if (round == kRounds) break;

    // --- Load, then kill -9 at a random moment ------------------------------------
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c, seed = rng()] {
        std::mt19937_64 r(seed);
        for (int n = 0; !stop; ++n) {
          const int batch = r() % 4 == 0 ? 1 + static_cast<int>(r() % 50) : 1;
          lpb::CreateTransfersRequest req;
          std::vector<lpb::Transfer> sent;
          for (int i = 0; i < batch; ++i) {
            const int a = static_cast<int>(r() % kAccounts);
            const int b = (a + 1 + static_cast<int>(r() % (kAccounts - 1))) % kAccounts;
            std::string id = "c1.r" + std::to_string(round) + "c" + std::to_string(c) + "n" +
                             std::to_string(n) + "i" + std::to_string(i);
            sent.push_back(MakeTransfer(id, "c1.a" + std::to_string(a), "c1.a" + std::to_string(b),
                                        1 + static_cast<int64_t>(r() % 120)));
            *req.add_transfers() = sent.back();
          }
          lpb::CreateTransfersResponse resp;
          grpc::ClientContext ctx;
          ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
          const grpc::Status s = ledger->CreateTransfers(&ctx, req, &resp);
          log.Record(sent, s, resp);
          if (!s.ok()) return;  // the server is gone
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200 + rng() % 800));
    server.Kill();
    stop = true;
    for (auto& t : clients) t.join();
    ASSERT_GT(log.acknowledged().size(), 0u);
  }
  std::printf("crash test: %zu acknowledged transfers survived %d kill -9s\n",
              log.acknowledged().size(), kRounds);
}

}  // namespace
}  // namespace timebank
