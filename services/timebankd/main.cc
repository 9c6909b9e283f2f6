// timebankd: the timebank server. Hosts any subset of the services in one process
// (--services=all by default), with its data under --data_dir.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/program_usage.h"
#include "services/timebankd/node.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:7400",
          "gRPC listen address (host:port; port 0 picks one)");
ABSL_FLAG(std::string, data_dir, "data", "Directory holding every hosted service's store");
ABSL_FLAG(std::string, services, "all",
          "Comma-separated services to host, or 'all' (ledger,directory,activity,expenses)");
ABSL_FLAG(std::string, metrics_listen, "127.0.0.1:9464",
          "Prometheus /metrics HTTP address; empty disables it");
ABSL_FLAG(std::string, keyring, "",
          "Token signing keys file (0600), shared by every timebankd of an installation; "
          "default <data_dir>/keyring");
ABSL_FLAG(std::string, directory_address, "",
          "The directory's address, when this process does not host the directory: the activity "
          "and expenses services call it, and every service follows its sign-outs from it "
          "(without it, only service credentials are accepted)");
ABSL_FLAG(std::string, activity_address, "",
          "The activity service's address, when this process hosts expenses or the directory but "
          "not activity (claim lines that name an activity are checked there; the directory's "
          "erasures of members reach it there)");
ABSL_FLAG(std::string, expenses_address, "",
          "The expenses service's address, when this process hosts the directory but not "
          "expenses (the directory's erasures of members reach it there)");
ABSL_FLAG(std::string, rewards_address, "",
          "The rewards service's address, when this process hosts the directory but not "
          "rewards (members' data exports and erasures reach it there)");
ABSL_FLAG(std::string, ledger_address, "",
          "The ledger's address, when this process hosts the directory but not the ledger");
ABSL_FLAG(std::string, admin_username, "",
          "On first start, create the operator with this username; the password comes from "
          "the TIMEBANK_ADMIN_PASSWORD environment variable. Without them a one-time setup code "
          "is printed");
ABSL_FLAG(int, read_threads, 2, "Threads for store scans (statements, journal)");
ABSL_FLAG(int64_t, ledger_max_accounts, 2'000'000, "Most accounts the ledger holds in memory");
ABSL_FLAG(bool, rewards_rebuild, false,
          "Rebuild the rewards projection from the ledger's journal, starting from its first "
          "entry (the figures are the same afterwards; it takes a while on a large journal)");

ABSL_FLAG(std::string, public_base_url, "https://timebank.invalid",
          "Where this installation is reached from outside (e.g. https://timebank.example.org): "
          "the URLs in exported Open Badges credentials (issuer, keys, revocation list) start "
          "with it, so set it before issuing credentials");

int main(int argc, char** argv) {
  timebank::SetProgramUsage(
      "timebankd/main.cc",
      "the timebank time-credit server.\n"
      "Usage: timebankd [--listen=127.0.0.1:7400] [--data_dir=data] [--services=all]\n"
      "Stops cleanly on SIGTERM or SIGINT, finishing in-flight commits.");
  timebank::ParseCommandLine(argc, argv);

  // Block the stop signals in every thread; main waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  timebank::NodeOptions options;
  options.listen = absl::GetFlag(FLAGS_listen);
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.services = absl::StrSplit(absl::GetFlag(FLAGS_services), ',', absl::SkipEmpty());
  options.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  options.read_threads = absl::GetFlag(FLAGS_read_threads);
  options.keyring_path = absl::GetFlag(FLAGS_keyring);
  options.ledger_address = absl::GetFlag(FLAGS_ledger_address);
  options.directory_address = absl::GetFlag(FLAGS_directory_address);
  options.activity_address = absl::GetFlag(FLAGS_activity_address);
  options.expenses_address = absl::GetFlag(FLAGS_expenses_address);
  options.rewards_address = absl::GetFlag(FLAGS_rewards_address);
  options.admin_username = absl::GetFlag(FLAGS_admin_username);
  if (const char* pw = std::getenv("TIMEBANK_ADMIN_PASSWORD"); pw != nullptr) {
    options.admin_password = pw;
  }
  if (!options.admin_username.empty() && options.admin_password.empty()) {
    std::fprintf(stderr,
                 "timebankd: --admin_username needs TIMEBANK_ADMIN_PASSWORD in the environment "
                 "(never on the command line, where other users can read it)\n");
    return 2;
  }
  options.rewards_rebuild = absl::GetFlag(FLAGS_rewards_rebuild);
  options.public_base_url = absl::GetFlag(FLAGS_public_base_url);
  options.ledger.limits.max_accounts =
      static_cast<size_t>(absl::GetFlag(FLAGS_ledger_max_accounts));

  auto node = timebank::Node::Start(options);
  if (!node.ok()) {
    std::fprintf(stderr, "timebankd: %s\n", std::string(node.status().message()).c_str());
    return 1;
  }
  std::printf("timebankd listening on %s (services: %s)\n", (*node)->address().c_str(),
              absl::StrJoin((*node)->services(), ", ").c_str());
  if ((*node)->metrics_port() != 0) {
    std::printf("metrics on http://%s/metrics\n", options.metrics_listen.c_str());
  }
  std::printf("data in %s\n", options.data_dir.c_str());
  if (!(*node)->setup_code().empty()) {
    std::printf(
        "\nFirst start: no operator exists yet. Create one within this run with\n"
        "  tbctl --server=%s setup --code=%s --username=<you>\n"
        "(the code works once, and a restart makes a new one)\n\n",
        (*node)->address().c_str(), (*node)->setup_code().c_str());
  }
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::printf("timebankd: %s received, finishing in-flight work\n",
              sig == SIGTERM ? "SIGTERM" : "SIGINT");
  std::fflush(stdout);
  (*node)->Shutdown();
  std::printf("timebankd: stopped cleanly\n");
  return 0;
}
