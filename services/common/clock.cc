#include "services/common/clock.h"

namespace timebank {
namespace {

class HostClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace

const Clock* SystemClock() {
  static const HostClock* const clock = new HostClock;  // never destroyed: used at exit
  return clock;
}

}  // namespace timebank
