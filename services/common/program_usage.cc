#include "services/common/program_usage.h"

#include <string>

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

}  // namespace timebank
