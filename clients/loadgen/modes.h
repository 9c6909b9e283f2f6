// tb-loadgen's mode table: each mode's name, its lines in --help, whether it runs
// only against a server of its own, and the function that runs it (one file per
// mode: single_mode.cc, batch_mode.cc, ...). --help's mode list, the check of
// --mode and the dispatch all read this one table (modes.cc).
#ifndef TIMEBANK_CLIENTS_LOADGEN_MODES_H_
#define TIMEBANK_CLIENTS_LOADGEN_MODES_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "clients/loadgen/session.h"

namespace timebank::loadgen {

struct Mode {
  std::string name;
  // What it measures, for --help ("" when the usage line says enough).
  std::string help;
  // Runs against a server in this process (the embedded node, or `own_server`);
  // --target is refused.
  bool in_process_only = false;
  // Starts the server the mode runs against instead of the embedded node; null for
  // the embedded node or --target.
  absl::StatusOr<std::unique_ptr<OwnServer>> (*own_server)() = nullptr;
  // Runs the mode on a connected session; returns the exit code.
  int (*run)(Session& session) = nullptr;
};

// Every mode, in --help order.
const std::vector<Mode>& Modes();
// The mode named `name`, or null.
const Mode* FindMode(const std::string& name);
// "single|batch|..." and "single, batch, ... or ceiling".
std::string ModeNames(const std::string& separator, const std::string& last_separator);
// The --help text.
std::string Usage();

int RunSingle(Session& session);
int RunBatch(Session& session);
int RunHot(Session& session);
int RunAuth(Session& session);
int RunExchange(Session& session);
int RunImport(Session& session);
int RunFinanceQueue(Session& session);
int RunRewards(Session& session);
int RunCeiling(Session& session);
absl::StatusOr<std::unique_ptr<OwnServer>> StartNullLedger();

}  // namespace timebank::loadgen

#endif  // TIMEBANK_CLIENTS_LOADGEN_MODES_H_
