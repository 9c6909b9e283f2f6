// One place that sets a program's --help: the usage text, and which flags --help
// lists (those defined in the program's main file; Abseil's default matching by file
// name finds none of ours).
#ifndef TIMEBANK_SERVICES_COMMON_PROGRAM_USAGE_H_
#define TIMEBANK_SERVICES_COMMON_PROGRAM_USAGE_H_

namespace timebank {

// `main_file`: the end of the defining file's path, e.g. "timebankd/main.cc".
void SetProgramUsage(const char* main_file, const char* usage);

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_COMMON_PROGRAM_USAGE_H_
