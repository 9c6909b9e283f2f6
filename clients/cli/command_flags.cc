#include "clients/cli/command_flags.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace timebank::cli {
namespace {

// Flags every command accepts: where the server is and who is calling, and
// Abseil's own (flag files, help).
bool AcceptedEverywhere(const std::string& name) {
  static const std::set<std::string>* kEverywhere = new std::set<std::string>{
      "server", "token", "service_keyring", "flagfile", "fromenv", "tryfromenv", "undefok"};
  return kEverywhere->count(name) > 0 || absl::StartsWith(name, "help");
}

std::set<std::string>& Given() {
  static auto* given = new std::set<std::string>();
  return *given;
}

}  // namespace

void NoteGivenFlags(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") break;  // what follows is data
    if (arg.size() < 2 || arg[0] != '-') continue;
    std::string name = arg.substr(arg[1] == '-' ? 2 : 1);
    const bool has_value = name.find('=') != std::string::npos;
    name = name.substr(0, name.find('='));
    const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr && absl::StartsWith(name, "no")) {
      const absl::CommandLineFlag* negated = absl::FindCommandLineFlag(name.substr(2));
      if (negated != nullptr && negated->IsOfType<bool>()) {
        flag = negated;
        name = name.substr(2);
      }
    }
    if (flag == nullptr) continue;  // Abseil refuses it when parsing
    Given().insert(name);
    // `--flag value`: the value is the next argument, not a flag.
    if (!has_value && !flag->IsOfType<bool>()) ++i;
  }
}

bool FlagGiven(const std::string& name) { return Given().count(name) > 0; }

void CheckCommandFlags(const std::vector<CommandFlags>& table,
                       const std::vector<std::string>& words) {
  const CommandFlags* command = nullptr;
  size_t matched = 0;
  for (const CommandFlags& c : table) {
    const std::vector<std::string> parts = absl::StrSplit(c.command, ' ');
    if (parts.size() <= matched || parts.size() > words.size()) continue;
    if (std::equal(parts.begin(), parts.end(), words.begin())) {
      command = &c;
      matched = parts.size();
    }
  }
  if (command == nullptr) return;
  std::vector<std::string> refused;
  for (const std::string& name : Given()) {
    if (AcceptedEverywhere(name)) continue;
    if (std::find(command->flags.begin(), command->flags.end(), name) == command->flags.end()) {
      refused.push_back("--" + name);
    }
  }
  if (refused.empty()) return;
  std::vector<std::string> takes;
  for (const std::string& f : command->flags) takes.push_back("--" + f);
  const std::string offer =
      takes.empty() ? "it takes no flags" : "it takes " + absl::StrJoin(takes, ", ");
  std::fprintf(stderr, "tbctl %s: %s %s not an option of this command; %s (see tbctl --help)\n",
               command->command.c_str(), absl::StrJoin(refused, ", ").c_str(),
               refused.size() == 1 ? "is" : "are", offer.c_str());
  std::exit(2);
}

}  // namespace timebank::cli
