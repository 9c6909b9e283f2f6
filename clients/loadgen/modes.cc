#include "clients/loadgen/modes.h"

#include "absl/strings/str_cat.h"

namespace timebank::loadgen {

const std::vector<Mode>& Modes() {
  static const auto* kModes = new std::vector<Mode>{
      {"single", "", false, nullptr, RunSingle},
      {"batch", "", false, nullptr, RunBatch},
      {"hot", "", false, nullptr, RunHot},
      {"auth", "the same empty RPC without and then with an access token (the token check's cost)",
       false, nullptr, RunAuth},
      {"exchange", "record + confirm an exchange; p50/p99 = confirmation to balance visible", true,
       nullptr, RunExchange},
      {"import",
       "a generated CSV of --rows contribution rows imported end to end (as tbctl\n"
       "        contribution import does), all posted to the ledger; prints seconds taken",
       true, nullptr, RunImport},
      {"finance-queue",
       "--claims submitted expense claims, then the finance queue's first\n"
       "        page read for --duration_s: p50/p99 latency",
       true, nullptr, RunFinanceQueue},
      {"rewards",
       "--members and --transfers exchanges over 104 weeks, then the rewards projection's\n"
       "        catch-up rate, its lag behind single transfers (p50/p99), dashboard and member\n"
       "        summary latency, a rebuild's entries/s and the RSS",
       true, nullptr, RunRewards},
      {"ceiling",
       "single mode against a ledger that records nothing (same gRPC server setup,\n"
       "        authentication and access check, same messages): the ratio an engine that\n"
       "        cost nothing would reach on this machine",
       true, StartNullLedger, RunCeiling},
  };
  return *kModes;
}

const Mode* FindMode(const std::string& name) {
  for (const Mode& m : Modes()) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

std::string ModeNames(const std::string& separator, const std::string& last_separator) {
  std::string out;
  const std::vector<Mode>& modes = Modes();
  for (size_t i = 0; i < modes.size(); ++i) {
    if (i > 0) absl::StrAppend(&out, i + 1 == modes.size() ? last_separator : separator);
    absl::StrAppend(&out, modes[i].name);
  }
  return out;
}

std::string Usage() {
  std::string out = absl::StrCat(
      "measures ledger throughput and latency against the empty-RPC baseline.\n"
      "Usage: tb-loadgen [--mode=",
      ModeNames("|", "|"),
      "] [--concurrency=64] [--duration_s=10]\n"
      "                  [--target=host:port [--keyring=PATH | --token=T]] [--json]");
  for (const Mode& m : Modes()) {
    if (!m.help.empty()) absl::StrAppend(&out, "\n", m.name, ": ", m.help);
  }
  return out;
}

}  // namespace timebank::loadgen
