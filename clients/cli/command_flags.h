// Which flags each tbctl command reads. tbctl's flags are Abseil flags, global to the
// program, so without this a flag that a command does not read would be accepted
// and silently ignored (`activity list --state=proposed` listed everything). Each
// command file declares its commands' flags in a table; before anything runs, the
// dispatcher refuses any flag given on the command line that the command does not
// declare. The connection flags (--server, --token, --service_keyring) and Abseil's
// own flags are accepted everywhere.
#ifndef TIMEBANK_CLIENTS_CLI_COMMAND_FLAGS_H_
#define TIMEBANK_CLIENTS_CLI_COMMAND_FLAGS_H_

#include <string>
#include <vector>

namespace timebank::cli {

struct CommandFlags {
  // The command's words: "statement", "activity list", "finance batch paid". A
  // command's arguments that follow these words are data (ids, amounts, names).
  std::string command;
  // The flags it reads, without dashes.
  std::vector<std::string> flags;
};

// Notes which flags argv names (--name, --name=value, --noname for a boolean), so
// that FlagGiven and CheckCommandFlags can tell a flag given from a default.
void NoteGivenFlags(int argc, char** argv);

// Whether the command line named flag `name` (even with its default value).
bool FlagGiven(const std::string& name);

// Exits 2, saying what the command takes, if a flag was given that the command
// named by `words` (the command and its arguments) does not declare in `table`.
// The command is the longest entry of `table` that `words` begin with; words that
// name no command are left to the dispatcher (it reports an unknown command).
void CheckCommandFlags(const std::vector<CommandFlags>& table,
                       const std::vector<std::string>& words);

}  // namespace timebank::cli

#endif  // TIMEBANK_CLIENTS_CLI_COMMAND_FLAGS_H_
