#include "services/common/program_usage.h"

#include <cstdlib>
#include <iostream>
#include <string>

#include "absl/flags/internal/parse.h"
#include "absl/flags/internal/usage.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"

namespace timebank {

void SetProgramUsage(const char* main_file, const char* usage) {
  absl::FlagsUsageConfig config;
  const std::string suffix = main_file;
  config.contains_help_flags = [suffix](absl::string_view file) {
    return file.size() >= suffix.size() &&
           file.substr(file.size() - suffix.size()) == absl::string_view(suffix);
  };
  config.contains_helpshort_flags = config.contains_help_flags;
  absl::SetFlagsUsageConfig(config);
  absl::SetProgramUsageMessage(usage);
}

std::vector<char*> ParseCommandLine(int argc, char** argv) {
  // Abseil's own parse, with its usage handling done here: Debian 12's Abseil has no
  // public way to parse without exiting 1 on --help (newer releases add
  // ParseAbseilFlagsOnly), so this uses the two internal calls ParseCommandLine makes.
  namespace fi = absl::flags_internal;
  std::vector<char*> args = fi::ParseCommandLineImpl(
      argc, argv, fi::ArgvListAction::kRemoveParsedArgs, fi::UsageFlagsAction::kIgnoreUsage,
      fi::OnUndefinedFlag::kAbortIfUndefined);
  // -1: no usage flag; 1: help was printed (a success here); 0: --version and the like.
  const int handled = fi::HandleUsageFlags(std::cout, absl::ProgramUsageMessage());
  if (handled != -1) {
    std::cout.flush();
    std::exit(handled == 1 ? 0 : handled);
  }
  return args;
}

}  // namespace timebank
