// tbctl: the command-line client of timebank. Tables by default, --json for
// scripts, --csv for spreadsheets. Run `tbctl --help` for the commands; the command
// table (commands.cc) gives both the help and the dispatch.
#include <cstdio>
#include <string>
#include <vector>

#include "clients/cli/client.h"
#include "clients/cli/command_flags.h"
#include "clients/cli/commands.h"
#include "services/common/program_usage.h"

namespace {

using timebank::cli::Args;
using timebank::cli::Command;

Args Tail(const std::vector<char*>& args, size_t from) {
  Args out;
  for (size_t i = from; i < args.size(); ++i) out.emplace_back(args[i]);
  return out;
}

// `tbctl help COMMAND` and `tbctl COMMAND --help` print that command's lines, flags and
// examples; any other request for help (--help, -h, or `tbctl help`) prints the whole usage.
// The word "help" after the command is an argument like any other (`tbctl posts help 12
// "..."`, a message that says "help"). Returns -1 when no help was asked.
int Help(int argc, char** argv, const std::string& usage) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a != "--help" && a != "-h" && a != "--helpshort" && !(a == "help" && i == 1)) continue;
    // `tbctl COMMAND ... --help`: that command's part only.
    if (i > 1 && a != "help") {
      if (const Command* command = timebank::cli::FindCommand(argv[1])) {
        std::printf("%s", timebank::cli::CommandUsage(*command).c_str());
        return 0;
      }
    }
    if (i == 1 && a == "help" && argc == 3) {
      const Command* command = timebank::cli::FindCommand(argv[2]);
      if (command == nullptr) {
        std::fprintf(stderr, "tbctl: unknown command '%s'\n\n%s", argv[2], usage.c_str());
        return 2;
      }
      std::printf("%s", timebank::cli::CommandUsage(*command).c_str());
      return 0;
    }
    std::printf("%s", usage.c_str());
    return 0;
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string usage = timebank::cli::Usage();
  timebank::SetProgramUsage("cli/main.cc", usage.c_str());
  if (int rc = Help(argc, argv, usage); rc >= 0) return rc;
  timebank::cli::NoteGivenFlags(argc, argv);
  std::vector<char*> args = timebank::ParseCommandLine(argc, argv);
  if (args.size() < 2) {
    std::fprintf(stderr, "%s", usage.c_str());
    return 2;
  }
  // A flag the command does not read is refused before anything runs.
  timebank::cli::CheckCommandFlags(timebank::cli::AllCommandFlags(), Tail(args, 1));
  const std::string cmd = args[1];
  const Command* command = timebank::cli::FindCommand(cmd);
  if (command == nullptr) {
    std::fprintf(stderr, "tbctl: unknown command '%s'\n\n%s", cmd.c_str(), usage.c_str());
    return 2;
  }
  timebank::cli::Client client;
  if (command->anonymous) client.SetAnonymous();
  timebank::cli::UseClientForZone(&client);
  return command->run(client, cmd, Tail(args, 2));
}
