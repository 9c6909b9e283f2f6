// tb-loadgen --mode=single: one transfer per CreateTransfers call between random
// accounts, next to the empty RPC at the same concurrency.
#include "absl/strings/str_cat.h"
#include "clients/loadgen/modes.h"

namespace timebank::loadgen {

int RunSingle(Session& session) {
  if (absl::Status s = session.CreateAccounts(); !s.ok()) return Fail(std::string(s.message()));
  const Settings& settings = session.settings();
  const PhaseResult empty =
      session.Pings("empty RPC", false, settings.warmup_s, settings.duration_s);
  const PhaseResult work = session.Transfers("single transfers", 1, false);
  return session.Report(empty, work);
}

}  // namespace timebank::loadgen
