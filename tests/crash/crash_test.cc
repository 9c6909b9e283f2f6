// Crash test: runs the real timebankd binary, drives it with concurrent clients,
// kill -9s it at a random moment, restarts it, and checks after every crash that
//  - every transfer the server acknowledged is present with its amount,
//  - no transfer id appears twice in the journal,
//  - every balance equals what the journal's transfers add up to, and sums to zero,
//  - the hash chain verifies,
//  - retrying the calls whose answers were lost never posts twice.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/common/auth/auth_interceptor.h"
#include "services/common/auth/token.h"
#include "services/common/server.h"
#include "tests/common/test_util.h"
#include "timebank/ledger/v1/ledger.grpc.pb.h"

namespace timebank {
namespace {

namespace lpb = ::timebank::ledger::v1;

constexpr int kAccounts = 12;
constexpr int kClients = 8;
constexpr int kRounds = 6;

// A timebankd child process on `data_dir`.
class Server : public testing::ChildProcess {
 public:
  explicit Server(const std::string& data_dir)
      : ChildProcess(TIMEBANKD_PATH,
                     {"--listen=127.0.0.1:0", "--metrics_listen=", "--data_dir=" + data_dir}) {}
};

struct Sent {
  std::string debit, credit;
  int64_t amount;
};

lpb::Transfer MakeTransfer(const std::string& id, const Sent& s) {
  lpb::Transfer t;
  t.set_id(id);
  t.set_debit_account_id(s.debit);
  t.set_credit_account_id(s.credit);
  t.set_amount(s.amount);
  t.set_kind(lpb::TRANSFER_KIND_EXCHANGE);
  return t;
}

TEST(CrashTest, AcknowledgedTransfersSurviveKillNine) {
  testing::TempDir dir;
  const std::string data = dir.Sub("data");
  std::mt19937_64 rng(std::random_device{}());
  std::mutex mu;
  std::map<std::string, Sent> acknowledged, uncertain, all_sent;

  for (int round = 0; round <= kRounds; ++round) {  // the last round only verifies
    Server server(data);
    ASSERT_FALSE(server.address().empty());
    // The crash test acts as a trusted service, signing with the server's keyring.
    auto keyring = auth::Keyring::Open(data + "/keyring");
    ASSERT_TRUE(keyring.ok()) << keyring.status();
    auto channel = auth::MakeTokenChannel(
        server.address(),
        auth::MintServiceToken(**keyring, "crash-test", absl::ToUnixSeconds(absl::Now())));
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
      // Retry every call whose answer was lost: CREATED or EXISTS, never twice.
      std::vector<std::string> ids;
      for (const auto& [id, s] : uncertain) ids.push_back(id);
      for (size_t from = 0; from < ids.size(); from += 1000) {
        lpb::CreateTransfersRequest req;
        for (size_t i = from; i < std::min(ids.size(), from + 1000); ++i) {
          *req.add_transfers() = MakeTransfer(ids[i], uncertain[ids[i]]);
        }
        lpb::CreateTransfersResponse resp;
        grpc::ClientContext ctx;
        ASSERT_TRUE(ledger->CreateTransfers(&ctx, req, &resp).ok());
        for (const auto& r : resp.results()) {
          ASSERT_TRUE(r.code() == lpb::CREATE_TRANSFER_CREATED ||
                      r.code() == lpb::CREATE_TRANSFER_EXISTS)
              << r.id() << " " << lpb::CreateTransferResultCode_Name(r.code());
          acknowledged[r.id()] = uncertain[r.id()];
        }
      }
      uncertain.clear();

      // Every acknowledged transfer is there, as sent.
      std::vector<std::string> acked;
      for (const auto& [id, s] : acknowledged) acked.push_back(id);
      for (size_t from = 0; from < acked.size(); from += 8000) {
        lpb::GetTransfersRequest req;
        for (size_t i = from; i < std::min(acked.size(), from + 8000); ++i) req.add_ids(acked[i]);
        lpb::GetTransfersResponse resp;
        grpc::ClientContext ctx;
        ASSERT_TRUE(ledger->GetTransfers(&ctx, req, &resp).ok());
        ASSERT_EQ(resp.not_found_ids_size(), 0)
            << "acknowledged transfer lost: " << resp.not_found_ids(0);
        for (const auto& t : resp.transfers()) {
          ASSERT_EQ(t.amount(), acknowledged[t.id()].amount) << t.id();
        }
      }

      // The journal: hash chain, no duplicate ids, balances match its transfers.
      lpb::VerifyJournalResponse v;
      {
        grpc::ClientContext ctx;
        ASSERT_TRUE(ledger->VerifyJournal(&ctx, lpb::VerifyJournalRequest(), &v).ok());
      }
      ASSERT_TRUE(v.ok()) << v.message();
      std::map<std::string, int64_t> expected;
      std::set<std::string> seen;
      {
        grpc::ClientContext ctx;
        lpb::WatchJournalRequest req;
        req.set_from_seq(1);
        auto reader = ledger->WatchJournal(&ctx, req);
        lpb::JournalEntry e;
        uint64_t last = 0;
        while (last < v.head_seq() && reader->Read(&e)) {
          ASSERT_EQ(e.seq(), last + 1);
          last = e.seq();
          if (!e.has_transfer()) continue;
          ASSERT_TRUE(seen.insert(e.transfer().id()).second)
              << "transfer posted twice: " << e.transfer().id();
          expected[e.transfer().debit_account_id()] -= e.transfer().amount();
          expected[e.transfer().credit_account_id()] += e.transfer().amount();
        }
        ctx.TryCancel();
        ASSERT_EQ(last, v.head_seq());
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
          std::vector<std::pair<std::string, Sent>> sent;
          for (int i = 0; i < batch; ++i) {
            const int a = static_cast<int>(r() % kAccounts);
            const int b = (a + 1 + static_cast<int>(r() % (kAccounts - 1))) % kAccounts;
            Sent s{"c1.a" + std::to_string(a), "c1.a" + std::to_string(b),
                   1 + static_cast<int64_t>(r() % 120)};
            std::string id = "c1.r" + std::to_string(round) + "c" + std::to_string(c) + "n" +
                             std::to_string(n) + "i" + std::to_string(i);
            *req.add_transfers() = MakeTransfer(id, s);
            sent.emplace_back(std::move(id), s);
          }
          lpb::CreateTransfersResponse resp;
          grpc::ClientContext ctx;
          ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
          const grpc::Status s = ledger->CreateTransfers(&ctx, req, &resp);
          std::lock_guard<std::mutex> lock(mu);
          for (size_t i = 0; i < sent.size(); ++i) {
            if (s.ok() &&
                resp.results(static_cast<int>(i)).code() == lpb::CREATE_TRANSFER_CREATED) {
              acknowledged.insert(sent[i]);
            } else if (!s.ok()) {
              uncertain.insert(sent[i]);
            }
          }
          if (!s.ok()) return;  // the server is gone
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200 + rng() % 800));
    server.Kill();
    stop = true;
    for (auto& t : clients) t.join();
    ASSERT_GT(acknowledged.size(), 0u);
  }
  std::printf("crash test: %zu acknowledged transfers survived %d kill -9s\n", acknowledged.size(),
              kRounds);
}

}  // namespace
}  // namespace timebank
