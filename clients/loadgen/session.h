// What every tb-loadgen mode runs on: the settings from the flags, the server (an
// embedded node on a temporary directory, --target, or a mode's own), the service
// credential, the channels and stubs, the accounts of a run's community, the
// empty-RPC and transfer phases, and the report (table, or one JSON object) that
// puts a mode's figures next to the empty RPC's.
#ifndef TIMEBANK_CLIENTS_LOADGEN_SESSION_H_
#define TIMEBANK_CLIENTS_LOADGEN_SESSION_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "clients/loadgen/phase.h"
#include "services/ledger/model.h"
#include "services/timebankd/node.h"
#include "timebank/ledger/v1/ledger.grpc.pb.h"
#include "timebank/system/v1/system.grpc.pb.h"

namespace timebank::loadgen {

namespace lpb = ::timebank::ledger::v1;
namespace spb = ::timebank::system::v1;

inline constexpr int kMaxConcurrency = 4096;
// Transfers or accounts per call: the ledger's published limit.
inline constexpr int kMaxPerCall = static_cast<int>(ledger::kMaxBatchEvents);
inline constexpr int kMaxAccounts = 1'000'000;
// rewards mode's --members and --transfers.
inline constexpr int kMaxMembers = 1'000'000;
inline constexpr int64_t kMaxTransfers = 100'000'000;

// The flags, checked (main.cc).
struct Settings {
  std::string mode;
  std::string target;
  std::string token;
  std::string keyring;
  int concurrency = 64;
  double duration_s = 10;
  double warmup_s = 1;
  int accounts = 10000;
  // Transfers per CreateTransfers call: --batch_size in batch mode, else 1.
  int batch_size = 1;
  int channels = 2;
  bool json = false;
  int rows = 100'000;
  int claims = 100'000;
  // rewards mode: the community's members and the exchanges seeded between them.
  int members = 2000;
  int64_t transfers = 100'000;
};

// A server a mode starts for itself, in this process (the null ledger of ceiling).
class OwnServer {
 public:
  virtual ~OwnServer() = default;
  virtual std::string address() const = 0;
  virtual std::string ServiceToken() const = 0;
  // How the report names it.
  virtual std::string label() const = 0;
};

// --claims, for the modes that seed claims (import and finance-queue check it).
inline constexpr int kMinClaims = 50, kMaxClaims = 1'000'000;
absl::Status CheckClaims(const Settings& settings);

// Prints "tb-loadgen: <message>" and returns exit code 1.
int Fail(const std::string& message);

// A new directory under $TMPDIR (or /tmp): a run can compare disks, e.g. tmpfs, where
// a sync costs nothing.
absl::StatusOr<std::string> MakeTempDir(const char* prefix);

class Session {
 public:
  explicit Session(Settings settings);
  // Stops the embedded server and removes its directory.
  ~Session();

  // Starts `own` if given, else an embedded node unless --target names a server;
  // then the credential and the channels.
  absl::Status Connect(std::unique_ptr<OwnServer> own);
  // The run's accounts, in a community of its own (--accounts of them).
  absl::Status CreateAccounts();
  // The empty RPC (SystemService.Ping), with the access token or without.
  PhaseResult Pings(const std::string& label, bool with_token, double warmup_s, double duration_s);
  // CreateTransfers with `batch_size` transfers per call between random accounts;
  // `hot`: every transfer touches the first account.
  PhaseResult Transfers(const std::string& label, int batch_size, bool hot);
  // Prints a mode's figures next to the empty RPC's; the exit code (2: calls failed).
  int Report(const PhaseResult& empty, const PhaseResult& work) const;

  const Settings& settings() const { return settings_; }
  // The embedded node; null with --target or a mode's own server.
  Node* node() const { return embedded_.get(); }
  const std::shared_ptr<grpc::Channel>& channel() const { return channels_[0]; }
  // The embedded node's data directory ("" without one).
  const std::string& temp_dir() const { return temp_dir_; }

 private:
  absl::Status StartServer(std::unique_ptr<OwnServer> own);
  absl::Status MakeCredential();
  absl::Status OpenChannels();
  void PrintTable(const PhaseResult& empty, const PhaseResult& work) const;
  void PrintJson(const PhaseResult& empty, const PhaseResult& work) const;
  std::string TargetLabel() const;

  const Settings settings_;
  std::string target_;
  std::string temp_dir_;
  std::unique_ptr<Node> embedded_;
  std::unique_ptr<OwnServer> own_;
  std::string token_;
  std::string bearer_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<lpb::LedgerService::Stub>> ledgers_;
  std::vector<std::unique_ptr<spb::SystemService::Stub>> systems_;
  std::mt19937_64 rng_;
  uint64_t community_ = 0;
  std::vector<std::string> account_ids_;
};

}  // namespace timebank::loadgen

#endif  // TIMEBANK_CLIENTS_LOADGEN_SESSION_H_
