#include "clients/common/progress.h"

#include <unistd.h>

#include <cstdio>

namespace timebank::cli {

ProgressBar::ProgressBar(std::string label, uint64_t total)
    : label_(std::move(label)),
      total_(total),
      enabled_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Update(uint64_t done) {
  done_ = done;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ >= std::chrono::milliseconds(100)) {
    last_draw_ = now;
    Draw(false);
  }
}

void ProgressBar::Finish() {
  if (finished_) return;
  finished_ = true;
  Draw(true);
}

void ProgressBar::Draw(bool final) {
  if (!enabled_) return;
  const double elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed_s > 0 ? static_cast<double>(done_) / elapsed_s : 0;
  constexpr int kWidth = 30;
  if (total_ > 0) {
    const double frac = std::min(1.0, static_cast<double>(done_) / static_cast<double>(total_));
    const int filled = static_cast<int>(frac * kWidth);
    std::fprintf(stderr, "\r%s [%.*s%*s] %3.0f%% %llu/%llu (%.0f/s)", label_.c_str(), filled,
                 "##############################", kWidth - filled, "", frac * 100,
                 static_cast<unsigned long long>(done_), static_cast<unsigned long long>(total_),
                 rate);
  } else {
    std::fprintf(stderr, "\r%s %llu (%.0f/s) %.0fs", label_.c_str(),
                 static_cast<unsigned long long>(done_), rate, elapsed_s);
  }
  if (final) std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace timebank::cli
