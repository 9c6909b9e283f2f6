// SystemService on a real gRPC server with the access interceptor, a FakeClock and
// fake backup targets: the uptime comes from the injected clock (and so does token
// expiry), and CreateBackup checks its directory, writes every target into it, stops
// at the first failure and answers RESOURCE_EXHAUSTED when the pool is full.
#include "services/system/system_service.h"

#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <fstream>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "services/common/auth/auth_interceptor.h"
#include "services/common/auth/token.h"
#include "services/common/server.h"
#include "tests/common/test_util.h"

namespace timebank::system {
namespace {

namespace fs = std::filesystem;

// A backup target that writes one file named after it (or fails, when told to).
BackupTarget FileTarget(const std::string& name, absl::Status result = absl::OkStatus()) {
  return {name, [name, result](const std::string& dir) {
            if (!result.ok()) return result;
            fs::create_directories(dir);
            std::ofstream(fs::path(dir) / "copy") << name;
            return absl::OkStatus();
          }};
}

class SystemServiceTest : public ::testing::Test {
 protected:
  void Start(std::vector<BackupTarget> targets, WorkerPool* pool) {
    auto keyring = auth::Keyring::Open(dir_.Sub("keyring"), &clock_);
    ASSERT_TRUE(keyring.ok()) << keyring.status();
    keyring_ = std::move(*keyring);
    service_ = std::make_unique<SystemServiceImpl>(std::vector<std::string>{"ledger", "system"},
                                                   std::move(targets), pool, &clock_);
    ServerConfig config;
    config.listen = "127.0.0.1:0";
    config.keyring = keyring_.get();
    config.revocations = &revocations_;
    config.clock = &clock_;
    auto server = GrpcServer::Start(config, {service_.get()});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    // Minted at the fake clock's time (months before the host's): only a server that
    // reads the injected clock accepts it.
    stub_ = pb::SystemService::NewStub(
        auth::MakeTokenChannel(absl::StrCat("127.0.0.1:", server_->port()),
                               auth::MintServiceToken(*keyring_, "test", clock_.NowUnixSeconds())));
  }

  grpc::Status Backup(const std::string& dir, pb::CreateBackupResponse* resp) {
    grpc::ClientContext ctx;
    pb::CreateBackupRequest req;
    req.set_dir(dir);
    return stub_->CreateBackup(&ctx, req, resp);
  }

  testing::TempDir dir_;
  FakeClock clock_;
  auth::Revocations revocations_{&clock_};
  std::unique_ptr<auth::Keyring> keyring_;
  std::unique_ptr<SystemServiceImpl> service_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<pb::SystemService::Stub> stub_;
};

TEST_F(SystemServiceTest, ServerInfoGivesTheServicesAndTheUptimeOnTheInjectedClock) {
  WorkerPool pool(1, 4);
  Start({}, &pool);
  clock_.Advance(absl::Seconds(90));
  grpc::ClientContext ctx;
  pb::GetServerInfoResponse info;
  const grpc::Status s = stub_->GetServerInfo(&ctx, {}, &info);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(info.uptime_s(), 90);
  EXPECT_EQ(std::vector<std::string>(info.services().begin(), info.services().end()),
            (std::vector<std::string>{"ledger", "system"}));
  EXPECT_FALSE(info.version().empty());
  grpc::ClientContext ping_ctx;
  pb::PingResponse pong;
  EXPECT_TRUE(stub_->Ping(&ping_ctx, {}, &pong).ok());
}

TEST_F(SystemServiceTest, BackupWritesEveryTargetIntoANewAbsoluteDirectory) {
  WorkerPool pool(1, 4);
  Start({FileTarget("ledger"), FileTarget("directory")}, &pool);
  const std::string dir = dir_.Sub("backup");
  pb::CreateBackupResponse resp;
  const grpc::Status s = Backup(dir, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(std::vector<std::string>(resp.paths().begin(), resp.paths().end()),
            (std::vector<std::string>{dir + "/ledger", dir + "/directory"}));
  for (const char* name : {"ledger", "directory"}) {
    std::ifstream in(fs::path(dir) / name / "copy");
    std::string text;
    in >> text;
    EXPECT_EQ(text, name);
  }
  pb::CreateBackupResponse again;
  EXPECT_EQ(Backup(dir, &again).error_code(), grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(SystemServiceTest, BackupRefusesARelativeOrEmptyOrOverlongDirectoryWritingNothing) {
  WorkerPool pool(1, 4);
  Start({FileTarget("ledger")}, &pool);
  pb::CreateBackupResponse resp;
  for (const std::string& bad :
       {std::string("relative/dir"), std::string(""), "/" + std::string(2000, 'a')}) {
    const grpc::Status s = Backup(bad, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad.substr(0, 20);
    EXPECT_NE(s.error_message().find("dir"), std::string::npos) << s.error_message();
  }
  EXPECT_FALSE(fs::exists("relative"));
  EXPECT_EQ(resp.paths_size(), 0);
}

TEST_F(SystemServiceTest, BackupStopsAtTheFirstTargetThatFailsAndSaysWhy) {
  WorkerPool pool(1, 4);
  Start({FileTarget("ledger"), FileTarget("directory", absl::UnavailableError("disk full")),
         FileTarget("expenses")},
        &pool);
  pb::CreateBackupResponse resp;
  const grpc::Status s = Backup(dir_.Sub("backup"), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(s.error_message(), "disk full");
  EXPECT_FALSE(fs::exists(dir_.Sub("backup/expenses")));
}

TEST_F(SystemServiceTest, BackupAnswersResourceExhaustedWhenThePoolIsFull) {
  WorkerPool pool(1, 1);
  Start({FileTarget("ledger")}, &pool);
  absl::Notification started, release;
  ASSERT_TRUE(pool.TrySubmit([&] {
    started.Notify();
    release.WaitForNotification();
  }));
  started.WaitForNotification();
  ASSERT_TRUE(pool.TrySubmit([] {}));  // the queue (1) is full now
  pb::CreateBackupResponse resp;
  EXPECT_EQ(Backup(dir_.Sub("busy"), &resp).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  release.Notify();
  EXPECT_FALSE(fs::exists(dir_.Sub("busy")));
}

}  // namespace
}  // namespace timebank::system
