// A one-line progress bar on stderr for long client work. It draws only when stderr
// is a terminal, so scripts and CI logs stay clean.
#ifndef TIMEBANK_CLIENTS_COMMON_PROGRESS_H_
#define TIMEBANK_CLIENTS_COMMON_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <string>

namespace timebank::cli {

class ProgressBar {
 public:
  // total == 0: unknown size (shows a count and rate instead of a bar).
  ProgressBar(std::string label, uint64_t total);
  ~ProgressBar();
  void Update(uint64_t done);
  void Finish();

 private:
  void Draw(bool final);
  std::string label_;
  uint64_t total_;
  uint64_t done_ = 0;
  bool enabled_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace timebank::cli

#endif  // TIMEBANK_CLIENTS_COMMON_PROGRESS_H_
