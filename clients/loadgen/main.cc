// tb-loadgen: drives a timebank server with N concurrent clients and measures, in
// the same run and at the same concurrency, an empty RPC (SystemService.Ping) as the
// baseline. Prints throughput, latency percentiles and the ratio to the empty RPC.
//
//   tb-loadgen --mode=single --concurrency=64 --duration_s=10        (embedded server)
//   tb-loadgen --mode=batch --target=127.0.0.1:7400 --json
//
// This file holds the flags and their checks; the modes are in the table of
// modes.cc, one file each; what they share is in session.h and phase.h.
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "clients/common/contribution_import.h"
#include "clients/loadgen/modes.h"
#include "clients/loadgen/session.h"
#include "services/common/program_usage.h"

ABSL_FLAG(std::string, mode, "single",
          "single (1 transfer per RPC), batch (--batch_size per RPC), hot (every transfer "
          "touches one account)");
ABSL_FLAG(std::string, target, "",
          "Server address host:port; empty starts an embedded server on a temporary directory");
ABSL_FLAG(int, concurrency, 64, "RPCs in flight");
ABSL_FLAG(double, duration_s, 10, "Measured seconds per phase (empty RPC, then the mode)");
ABSL_FLAG(double, warmup_s, 1, "Unmeasured seconds before each phase");
ABSL_FLAG(int, accounts, 10000, "Accounts to spread transfers over");
ABSL_FLAG(std::string, token, "", "Access token for --target (a service's or an admin's)");
ABSL_FLAG(std::string, keyring, "",
          "With --target on the server's machine: sign a service token with this keyring file");
ABSL_FLAG(int, batch_size, 1000,
          "Transfers per RPC in batch mode (1 up to the ledger's per-call limit)");
ABSL_FLAG(int, channels, 2, "gRPC channels (connections) the clients share");
ABSL_FLAG(bool, json, false, "Print one JSON object instead of a table");
ABSL_FLAG(int, rows, 100'000, "import mode: contribution rows in the generated CSV file");
ABSL_FLAG(int, claims, 100'000, "finance-queue mode: expense claims in the community");
// The rewards defaults are issue 13's target scale (a run takes the best part of an
// hour on 2 cores); --members=2000 --transfers=100000 is a quick look.
ABSL_FLAG(int, members, 100'000, "rewards mode: members in the community");
ABSL_FLAG(int64_t, transfers, 10'000'000,
          "rewards mode: exchanges seeded between random members over the last 104 weeks");

namespace {

using timebank::loadgen::Settings;

Settings SettingsFromFlags() {
  Settings s;
  s.mode = absl::GetFlag(FLAGS_mode);
  s.target = absl::GetFlag(FLAGS_target);
  s.token = absl::GetFlag(FLAGS_token);
  s.keyring = absl::GetFlag(FLAGS_keyring);
  s.concurrency = absl::GetFlag(FLAGS_concurrency);
  s.duration_s = absl::GetFlag(FLAGS_duration_s);
  s.warmup_s = absl::GetFlag(FLAGS_warmup_s);
  s.accounts = absl::GetFlag(FLAGS_accounts);
  s.batch_size = s.mode == "batch" ? absl::GetFlag(FLAGS_batch_size) : 1;
  s.channels = absl::GetFlag(FLAGS_channels);
  s.json = absl::GetFlag(FLAGS_json);
  s.rows = absl::GetFlag(FLAGS_rows);
  s.claims = absl::GetFlag(FLAGS_claims);
  s.members = absl::GetFlag(FLAGS_members);
  s.transfers = absl::GetFlag(FLAGS_transfers);
  return s;
}

// "" when the settings are usable, else what to fix.
std::string CheckSettings(const Settings& s, const timebank::loadgen::Mode& mode) {
  using namespace timebank::loadgen;  // NOLINT: the limits
  if (mode.in_process_only && !s.target.empty()) {
    return absl::StrCat("--mode=", s.mode,
                        " runs against a server of its own, in this process; drop --target");
  }
  if (s.rows < 1 || s.rows > static_cast<int>(timebank::cli::ImportLimits::kMaxRows)) {
    return "--rows: 1..1000000";
  }
  if (s.concurrency < 1 || s.concurrency > kMaxConcurrency) {
    return absl::StrCat("--concurrency: 1..", kMaxConcurrency);
  }
  if (!(s.duration_s > 0 && s.duration_s <= 3600) || !(s.warmup_s >= 0 && s.warmup_s <= 600)) {
    return "--duration_s: 0..3600 seconds; --warmup_s: 0..600 seconds";
  }
  if (s.accounts < 2 || s.accounts > kMaxAccounts) {
    return absl::StrCat("--accounts: 2..", kMaxAccounts);
  }
  if (s.batch_size < 1 || s.batch_size > kMaxPerCall) {
    return absl::StrCat("--batch_size: 1..", kMaxPerCall, " (the ledger's per-call limit)");
  }
  if (s.channels < 1 || s.channels > 64) return "--channels: 1..64";
  if (s.members < 2 || s.members > kMaxMembers) return absl::StrCat("--members: 2..", kMaxMembers);
  if (s.transfers < 1 || s.transfers > kMaxTransfers) {
    return absl::StrCat("--transfers: 1..", kMaxTransfers);
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  const std::string usage = timebank::loadgen::Usage();
  timebank::SetProgramUsage("loadgen/main.cc", usage.c_str());
  timebank::ParseCommandLine(argc, argv);
  const Settings settings = SettingsFromFlags();
  const timebank::loadgen::Mode* mode = timebank::loadgen::FindMode(settings.mode);
  if (mode == nullptr) {
    return timebank::loadgen::Fail(
        absl::StrCat("--mode: must be ", timebank::loadgen::ModeNames(", ", " or ")));
  }
  if (std::string problem = CheckSettings(settings, *mode); !problem.empty()) {
    return timebank::loadgen::Fail(problem);
  }
  std::unique_ptr<timebank::loadgen::OwnServer> own;
  if (mode->own_server != nullptr) {
    auto started = mode->own_server();
    if (!started.ok()) return timebank::loadgen::Fail(std::string(started.status().message()));
    own = std::move(*started);
  }
  timebank::loadgen::Session session(settings);
  if (absl::Status s = session.Connect(std::move(own)); !s.ok()) {
    return timebank::loadgen::Fail(std::string(s.message()));
  }
  return mode->run(session);
}
