// tb-loadgen --mode=batch: --batch_size transfers per CreateTransfers call between
// random accounts, next to the empty RPC at the same concurrency.
#include "absl/strings/str_cat.h"
#include "clients/loadgen/modes.h"

namespace timebank::loadgen {

int RunBatch(Session& session) {
  if (absl::Status s = session.CreateAccounts(); !s.ok()) return Fail(std::string(s.message()));
  const Settings& settings = session.settings();
  const PhaseResult empty =
      session.Pings("empty RPC", false, settings.warmup_s, settings.duration_s);
  const PhaseResult work = session.Transfers("batch transfers", settings.batch_size, false);
  return session.Report(empty, work);
}

}  // namespace timebank::loadgen
