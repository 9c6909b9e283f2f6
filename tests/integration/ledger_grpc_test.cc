// The ledger through gRPC, as clients see it: a Node on a temporary directory,
// called over TCP loopback with the generated client classes.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <future>
#include <thread>

#include "gtest/gtest.h"
#include "services/common/auth/auth_interceptor.h"
#include "services/common/server.h"
#include "services/directory/directory_schema.h"
#include "services/ledger/ledger_schema.h"
#include "services/timebankd/node.h"
#include "storage/rocks_store.h"
#include "tests/common/test_util.h"
#include "timebank/ledger/v1/ledger.grpc.pb.h"
#include "timebank/system/v1/system.grpc.pb.h"

namespace timebank {
namespace {

namespace lpb = ::timebank::ledger::v1;
namespace spb = ::timebank::system::v1;

class LedgerGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    NodeOptions o;
    o.listen = "127.0.0.1:0";
    o.data_dir = dir_.Sub("data");
    o.metrics_listen = "127.0.0.1:0";
    o.ledger.check_invariants_every_commit = true;
    auto node = Node::Start(o);
    ASSERT_TRUE(node.ok()) << node.status();
    node_ = std::move(*node);
    channel_ = auth::MakeTokenChannel(node_->address(), node_->ServiceToken("test"));
    ledger_ = lpb::LedgerService::NewStub(channel_);
    system_ = spb::SystemService::NewStub(channel_);
  }

  void CreateStandardAccounts() {
    lpb::CreateAccountsRequest req;
    for (const char* id : {"c1.alice", "c1.bob", "c1.pool"}) {
      auto* a = req.add_accounts();
      a->set_id(id);
      a->set_community_id(1);
      a->set_unit("TIME");
      a->set_owner_kind(lpb::OWNER_KIND_MEMBER);
      if (std::string(id) != "c1.pool") a->set_min_balance(-600);
    }
    lpb::CreateAccountsResponse resp;
    grpc::ClientContext ctx;
    ASSERT_TRUE(ledger_->CreateAccounts(&ctx, req, &resp).ok());
    for (const auto& r : resp.results()) ASSERT_EQ(r.code(), lpb::CREATE_ACCOUNT_CREATED);
  }

  lpb::CreateTransfersResponse Transfer(const std::string& id, const std::string& debit,
                                        const std::string& credit, int64_t amount,
                                        grpc::Status* status = nullptr) {
    lpb::CreateTransfersRequest req;
    auto* t = req.add_transfers();
    t->set_id(id);
    t->set_debit_account_id(debit);
    t->set_credit_account_id(credit);
    t->set_amount(amount);
    t->set_kind(lpb::TRANSFER_KIND_EXCHANGE);
    t->set_memo("gardening");
    lpb::CreateTransfersResponse resp;
    grpc::ClientContext ctx;
    grpc::Status s = ledger_->CreateTransfers(&ctx, req, &resp);
    if (status) *status = s;
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  testing::TempDir dir_;
  std::unique_ptr<Node> node_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<lpb::LedgerService::Stub> ledger_;
  std::unique_ptr<spb::SystemService::Stub> system_;
};

TEST_F(LedgerGrpcTest, TransfersBalancesAndStatements) {
  CreateStandardAccounts();
  auto r = Transfer("c1.t1", "c1.alice", "c1.bob", 90);
  ASSERT_EQ(r.results_size(), 1);
  EXPECT_EQ(r.results(0).code(), lpb::CREATE_TRANSFER_CREATED);
  EXPECT_GT(r.results(0).seq(), 0u);
  EXPECT_GT(r.results(0).recorded_at().seconds(), 0);
  EXPECT_EQ(Transfer("c1.t1", "c1.alice", "c1.bob", 90).results(0).code(),
            lpb::CREATE_TRANSFER_EXISTS);
  EXPECT_EQ(Transfer("c1.t2", "c1.alice", "c1.bob", 9999).results(0).code(),
            lpb::CREATE_TRANSFER_EXCEEDS_MIN_BALANCE);

  lpb::GetAccountsRequest get;
  get.add_ids("c1.alice");
  get.add_ids("c1.bob");
  get.add_ids("c1.nobody");
  lpb::GetAccountsResponse accounts;
  grpc::ClientContext ctx;
  ASSERT_TRUE(ledger_->GetAccounts(&ctx, get, &accounts).ok());
  ASSERT_EQ(accounts.accounts_size(), 2);
  EXPECT_EQ(accounts.accounts(0).balance(), -90);
  EXPECT_EQ(accounts.accounts(0).min_balance(), -600);
  EXPECT_FALSE(accounts.accounts(0).has_max_balance());
  EXPECT_EQ(accounts.accounts(1).balance(), 90);
  ASSERT_EQ(accounts.not_found_ids_size(), 1);

  for (int i = 0; i < 5; ++i) Transfer("c1.s" + std::to_string(i), "c1.pool", "c1.bob", 10);
  lpb::ListTransfersRequest list;
  list.set_account_id("c1.bob");
  list.set_page_size(4);
  std::vector<std::string> ids;
  while (true) {
    lpb::ListTransfersResponse page;
    grpc::ClientContext c;
    ASSERT_TRUE(ledger_->ListTransfers(&c, list, &page).ok());
    for (const auto& t : page.transfers()) ids.push_back(t.id());
    if (page.next_page_token().empty()) break;
    list.set_page_token(page.next_page_token());
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"c1.s4", "c1.s3", "c1.s2", "c1.s1", "c1.s0", "c1.t1"}));

  lpb::GetTransfersRequest gt;
  gt.add_ids("c1.t1");
  lpb::GetTransfersResponse got;
  grpc::ClientContext c2;
  ASSERT_TRUE(ledger_->GetTransfers(&c2, gt, &got).ok());
  ASSERT_EQ(got.transfers_size(), 1);
  EXPECT_EQ(got.transfers(0).memo(), "gardening");
  EXPECT_EQ(got.transfers(0).state(), lpb::TRANSFER_STATE_POSTED);
  EXPECT_EQ(got.transfers(0).unit(), "TIME");
}

TEST_F(LedgerGrpcTest, BadRequestsGetInvalidArgumentNamingTheField) {
  CreateStandardAccounts();
  struct Case {
    std::function<grpc::Status(grpc::ClientContext*)> call;
    std::string field;
  };
  std::vector<Case> cases = {
      {[&](grpc::ClientContext* c) {
         lpb::CreateTransfersRequest req;  // empty batch
         lpb::CreateTransfersResponse resp;
         return ledger_->CreateTransfers(c, req, &resp);
       },
       "transfers"},
      {[&](grpc::ClientContext* c) {
         lpb::CreateTransfersRequest req;
         for (int i = 0; i < 8191; ++i) req.add_transfers()->set_id("c1.x" + std::to_string(i));
         lpb::CreateTransfersResponse resp;
         return ledger_->CreateTransfers(c, req, &resp);
       },
       "transfers"},
      {[&](grpc::ClientContext* c) {
         lpb::CreateAccountsRequest req;
         lpb::CreateAccountsResponse resp;
         return ledger_->CreateAccounts(c, req, &resp);
       },
       "accounts"},
      {[&](grpc::ClientContext* c) {
         lpb::ListAccountsRequest req;
         lpb::ListAccountsResponse resp;
         return ledger_->ListAccounts(c, req, &resp);
       },
       "community_id"},
      {[&](grpc::ClientContext* c) {
         lpb::ListAccountsRequest req;
         req.set_community_id(1);
         req.set_page_size(5000);
         lpb::ListAccountsResponse resp;
         return ledger_->ListAccounts(c, req, &resp);
       },
       "page_size"},
      {[&](grpc::ClientContext* c) {
         lpb::ListAccountsRequest req;
         req.set_community_id(1);
         req.set_page_token("forged");
         lpb::ListAccountsResponse resp;
         return ledger_->ListAccounts(c, req, &resp);
       },
       "page_token"},
      {[&](grpc::ClientContext* c) {
         lpb::ListTransfersRequest req;
         req.set_account_id("bad id");
         lpb::ListTransfersResponse resp;
         return ledger_->ListTransfers(c, req, &resp);
       },
       "account_id"},
      {[&](grpc::ClientContext* c) {
         lpb::ListTransfersRequest req;
         req.set_account_id("c1.alice");
         req.mutable_start_time()->set_seconds(200);
         req.mutable_end_time()->set_seconds(100);
         lpb::ListTransfersResponse resp;
         return ledger_->ListTransfers(c, req, &resp);
       },
       "end_time"},
      {[&](grpc::ClientContext* c) {
         lpb::GetTransfersRequest req;
         req.add_ids("c1.fine");
         req.add_ids(std::string(100, 'x'));
         lpb::GetTransfersResponse resp;
         return ledger_->GetTransfers(c, req, &resp);
       },
       "ids[1]"},
      {[&](grpc::ClientContext* c) {
         lpb::GetAccountsRequest req;
         req.add_ids("new\nline");
         lpb::GetAccountsResponse resp;
         return ledger_->GetAccounts(c, req, &resp);
       },
       "ids[0]"},
      // Only the canonical spelling of an id is one, in every id-bearing field.
      {[&](grpc::ClientContext* c) {
         lpb::GetAccountsRequest req;
         req.add_ids("c1.alice");
         req.add_ids("c01.alice");
         lpb::GetAccountsResponse resp;
         return ledger_->GetAccounts(c, req, &resp);
       },
       "ids[1]: 'c01.alice' is not an id"},
      {[&](grpc::ClientContext* c) {
         lpb::GetTransfersRequest req;
         req.add_ids("c1.T1");
         lpb::GetTransfersResponse resp;
         return ledger_->GetTransfers(c, req, &resp);
       },
       "ids[0]: 'c1.T1' is not an id"},
      {[&](grpc::ClientContext* c) {
         lpb::ListTransfersRequest req;
         req.set_account_id("c+1.alice");
         lpb::ListTransfersResponse resp;
         return ledger_->ListTransfers(c, req, &resp);
       },
       "account_id: 'c+1.alice' is not an id"},
      {[&](grpc::ClientContext* c) {
         lpb::SetAccountStatusRequest req;
         req.set_id("act.1.5");
         req.set_status(lpb::ACCOUNT_STATUS_FROZEN);
         req.set_reason("typo");
         lpb::SetAccountStatusResponse resp;
         return ledger_->SetAccountStatus(c, req, &resp);
       },
       "id: 'act.1.5' is not an id"},
      {[&](grpc::ClientContext* c) {
         lpb::SetAccountStatusRequest req;
         req.set_id("c1.alice");
         req.set_status(lpb::ACCOUNT_STATUS_FROZEN);
         lpb::SetAccountStatusResponse resp;
         return ledger_->SetAccountStatus(c, req, &resp);
       },
       "reason"},
  };
  for (auto& tc : cases) {
    grpc::ClientContext ctx;
    grpc::Status s = tc.call(&ctx);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << tc.field;
    EXPECT_NE(s.error_message().find(tc.field), std::string::npos) << s.error_message();
  }
  lpb::ListTransfersRequest req;
  req.set_account_id("c1.ghost");
  lpb::ListTransfersResponse resp;
  grpc::ClientContext ctx;
  EXPECT_EQ(ledger_->ListTransfers(&ctx, req, &resp).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(node_->ledger()->head_seq(), 3u) << "no bad request may write anything";
}

TEST_F(LedgerGrpcTest, WatchJournalReplaysThenFollows) {
  CreateStandardAccounts();
  Transfer("c1.t1", "c1.alice", "c1.bob", 30);
  grpc::ClientContext ctx;
  lpb::WatchJournalRequest req;
  req.set_from_seq(2);
  auto reader = ledger_->WatchJournal(&ctx, req);
  lpb::JournalEntry e;
  ASSERT_TRUE(reader->Read(&e));
  EXPECT_EQ(e.seq(), 2u);
  EXPECT_EQ(e.account_created().id(), "c1.bob");
  ASSERT_TRUE(reader->Read(&e));
  ASSERT_TRUE(reader->Read(&e));
  EXPECT_EQ(e.transfer().id(), "c1.t1");
  EXPECT_EQ(e.hash_hex().size(), 64u);
  // Live: an entry committed after the watch started arrives.
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    Transfer("c1.t2", "c1.alice", "c1.bob", 30);
  });
  ASSERT_TRUE(reader->Read(&e));
  EXPECT_EQ(e.transfer().id(), "c1.t2");
  later.join();
  ctx.TryCancel();
  while (reader->Read(&e)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(LedgerGrpcTest, VerifyPingHealthBackupAndMetrics) {
  CreateStandardAccounts();
  Transfer("c1.t1", "c1.alice", "c1.bob", 30);
  lpb::VerifyJournalResponse v;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(ledger_->VerifyJournal(&ctx, lpb::VerifyJournalRequest(), &v).ok());
  }
  EXPECT_TRUE(v.ok());
  EXPECT_EQ(v.head_seq(), 4u);
  EXPECT_EQ(v.head_hash_hex().size(), 64u);
  {
    grpc::ClientContext ctx;
    spb::PingResponse pong;
    EXPECT_TRUE(system_->Ping(&ctx, spb::PingRequest(), &pong).ok());
  }
  {
    grpc::ClientContext ctx;
    spb::GetServerInfoResponse info;
    ASSERT_TRUE(system_->GetServerInfo(&ctx, spb::GetServerInfoRequest(), &info).ok());
    EXPECT_EQ(info.services(0), "ledger");
  }
  {
    // Standard gRPC health checking (grpc.health.v1), as probes call it: an empty
    // HealthCheckRequest, answered with status SERVING (field 1 = 1 -> bytes 08 01).
    grpc::GenericStub generic(channel_);
    grpc::ClientContext ctx;
    grpc::Slice empty;
    grpc::ByteBuffer request(&empty, 1), response;
    std::promise<grpc::Status> done;
    generic.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                      &response, [&](grpc::Status s) { done.set_value(s); });
    ASSERT_TRUE(done.get_future().get().ok());
    std::vector<grpc::Slice> slices;
    ASSERT_TRUE(response.Dump(&slices).ok());
    std::string bytes;
    for (auto& sl : slices) bytes.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
    EXPECT_EQ(bytes, std::string("\x08\x01", 2));
  }
  {
    spb::CreateBackupRequest req;
    req.set_dir(dir_.Sub("backup"));
    spb::CreateBackupResponse resp;
    grpc::ClientContext ctx;
    ASSERT_TRUE(system_->CreateBackup(&ctx, req, &resp).ok());
    // ledger, directory, activity, expenses and its bank keyring, rewards, the keyring
    ASSERT_EQ(resp.paths_size(), 7);
    grpc::ClientContext again;
    EXPECT_EQ(system_->CreateBackup(&again, req, &resp).error_code(),
              grpc::StatusCode::ALREADY_EXISTS);
    grpc::ClientContext relative;
    req.set_dir("relative/path");
    EXPECT_EQ(system_->CreateBackup(&relative, req, &resp).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  // The backup is a data directory a new server starts from.
  NodeOptions o;
  o.listen = "127.0.0.1:0";
  o.data_dir = dir_.Sub("backup");
  auto restored = Node::Start(o);
  ASSERT_TRUE(restored.ok()) << restored.status();
  auto b = (*restored)->ledger()->GetAccounts({"c1.bob"});
  ASSERT_TRUE(b[0].has_value());
  EXPECT_EQ(b[0]->balances.balance(), 30);
  (*restored)->Shutdown();
  // Metrics count the calls made above.
  const std::string text = node_->metrics()->Render();
  // (prometheus-cpp writes a series' labels in name order.)
  EXPECT_NE(text.find("timebank_rpc_requests_total{code=\"0\",method=\"/timebank.ledger.v1."
                      "LedgerService/CreateTransfers\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("timebank_ledger_journal_head_seq 4"), std::string::npos);
}

// A data directory written before community-scoped ids cannot be read by this version
// (its ids have no community): every store of it is refused at start, saying what to
// do, and nothing is written into it.
TEST(DataDirectoryTest, StoresFromBeforeCommunityScopedIdsAreRefusedWithWhatToDo) {
  struct Old {
    std::string path;  // under the data directory
    std::string identity;
    std::vector<storage::CfSpec> families;
  };
  const std::vector<Old> olds = {
      {"ledger/journal",
       ledger::schema::kIdentityBeforeScopedIds,
       {{"journal", storage::CfProfile::kAppendLog}}},
      {"directory", directory::schema::kIdentityBeforeScopedIds,
       directory::schema::ColumnFamilies()},
      {"activity", "timebank.activity.v1", {{"records", storage::CfProfile::kPointLookup}}},
      {"expenses", "timebank.expenses.v1", {{"records", storage::CfProfile::kPointLookup}}},
  };
  for (const Old& old : olds) {
    testing::TempDir dir;
    std::filesystem::create_directories(dir.Sub("data/ledger"));
    storage::RocksStoreOptions ro;
    ro.path = dir.Sub("data/" + old.path);
    ro.identity = old.identity;
    ro.column_families = old.families;
    ASSERT_TRUE(storage::OpenRocksStore(ro).ok()) << old.path;
    NodeOptions o;
    o.listen = "127.0.0.1:0";
    o.data_dir = dir.Sub("data");
    auto node = Node::Start(o);
    ASSERT_FALSE(node.ok()) << old.path << " was opened";
    EXPECT_EQ(node.status().code(), absl::StatusCode::kFailedPrecondition) << old.path;
    const std::string message(node.status().message());
    EXPECT_NE(message.find("written by an earlier version of timebank"), std::string::npos)
        << message;
    EXPECT_NE(message.find("docs/decisions/0005"), std::string::npos) << message;
    EXPECT_NE(message.find("move the whole data directory (--data_dir) aside"), std::string::npos)
        << message;
  }
}

TEST_F(LedgerGrpcTest, ShutdownFinishesInFlightCommits) {
  CreateStandardAccounts();
  std::atomic<int> acknowledged{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < 200; ++i) {
        lpb::CreateTransfersRequest req;
        auto* t = req.add_transfers();
        t->set_id("c1.c" + std::to_string(c) + "-" + std::to_string(i));
        t->set_debit_account_id("c1.pool");
        t->set_credit_account_id("c1.bob");
        t->set_amount(1);
        t->set_kind(lpb::TRANSFER_KIND_DONATION);
        lpb::CreateTransfersResponse resp;
        grpc::ClientContext ctx;
        if (!ledger_->CreateTransfers(&ctx, req, &resp).ok()) return;
        if (resp.results(0).code() == lpb::CREATE_TRANSFER_CREATED) ++acknowledged;
      }
    });
  }
  // Shut down mid-stream: once some calls are acknowledged and others are still coming.
  for (int waited_ms = 0; acknowledged.load() < 20 && waited_ms < 30'000; waited_ms += 5) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  node_->Shutdown();
  for (auto& t : clients) t.join();
  node_.reset();
  // Without acknowledged calls the comparison below would prove nothing.
  ASSERT_GE(acknowledged.load(), 20);
  // Everything acknowledged is there after a restart.
  NodeOptions o;
  o.listen = "127.0.0.1:0";
  o.data_dir = dir_.Sub("data");
  auto again = Node::Start(o);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)->ledger()->GetAccounts({"c1.bob"})[0]->balances.balance(),
            acknowledged.load());
}

}  // namespace
}  // namespace timebank
