// tb-loadgen --mode=hot: one transfer per call, every one touching the same account
// (the community pool), so every commit contends for it.
#include "absl/strings/str_cat.h"
#include "clients/loadgen/modes.h"

namespace timebank::loadgen {

int RunHot(Session& session) {
  if (absl::Status s = session.CreateAccounts(); !s.ok()) return Fail(std::string(s.message()));
  const Settings& settings = session.settings();
  const PhaseResult empty =
      session.Pings("empty RPC", false, settings.warmup_s, settings.duration_s);
  const PhaseResult work = session.Transfers("hot transfers", 1, true);
  return session.Report(empty, work);
}

}  // namespace timebank::loadgen
