// tb-loadgen --mode=auth: the empty RPC without and then with an access token, so
// the difference is what checking a token costs.
#include "clients/loadgen/modes.h"

namespace timebank::loadgen {
namespace {
// The two variants alternate in short rounds: a slow drift of a noisy machine then
// falls on both alike.
constexpr int kAuthRounds = 5;
}  // namespace

int RunAuth(Session& session) {
  const Settings& settings = session.settings();
  PhaseResult empty;
  PhaseResult work;
  const double round_s = settings.duration_s / kAuthRounds;
  for (int round = 0; round < kAuthRounds; ++round) {
    const double warm = round == 0 ? settings.warmup_s : 0.2;
    Merge(&empty, session.Pings("empty RPC", false, warm, round_s));
    Merge(&work, session.Pings("authenticated empty RPC", true, warm, round_s));
  }
  work.transfers_ok = work.calls;  // reported as calls per second
  return session.Report(empty, work);
}

}  // namespace timebank::loadgen
