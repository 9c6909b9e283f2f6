// One place that sets up a program's command line: the usage text, which flags --help
// lists (those defined in the program's main file; Abseil's default matching by file
// name finds none of ours), and parsing, where asking for help is a success.
#ifndef TIMEBANK_SERVICES_COMMON_PROGRAM_USAGE_H_
#define TIMEBANK_SERVICES_COMMON_PROGRAM_USAGE_H_

#include <vector>

namespace timebank {

// `main_file`: the end of the defining file's path, e.g. "timebankd/main.cc".
void SetProgramUsage(const char* main_file, const char* usage);

// absl::ParseCommandLine, except that --help, --helpfull and the other help flags
// print their help and exit 0 (Abseil exits 1 after printing it, which scripts and
// packaging checks read as a failure). Unknown flags still exit 1 with Abseil's
// message. Returns the arguments that are not flags, the program name first.
std::vector<char*> ParseCommandLine(int argc, char** argv);

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_COMMON_PROGRAM_USAGE_H_
