#include "services/timebankd/modules.h"

#include <functional>

#include "services/timebankd/activity_module.h"
#include "services/timebankd/directory_module.h"
#include "services/timebankd/expenses_module.h"
#include "services/timebankd/ledger_module.h"
#include "services/timebankd/rewards_module.h"
#include "services/timebankd/system_module.h"

namespace timebank {
namespace {

struct ModuleRow {
  std::string name;
  std::function<std::unique_ptr<ServiceModule>()> make;
};

template <class M>
std::unique_ptr<ServiceModule> Make() {
  return std::make_unique<M>();
}

// Start order: the ledger first (the others post to it), the system service last
// (it backs up what the others declared).
const std::vector<ModuleRow>& Rows() {
  static const auto* kRows = new std::vector<ModuleRow>{
      {"ledger", Make<LedgerModule>},     {"directory", Make<DirectoryModule>},
      {"activity", Make<ActivityModule>}, {"expenses", Make<ExpensesModule>},
      {"rewards", Make<RewardsModule>},   {"system", Make<SystemModule>},
  };
  return *kRows;
}

}  // namespace

const std::vector<std::string>& KnownServices() {
  static const auto* kServices = [] {
    auto* names = new std::vector<std::string>;
    for (const ModuleRow& row : Rows()) {
      if (row.name != "system") names->push_back(row.name);
    }
    return names;
  }();
  return *kServices;
}

std::unique_ptr<ServiceModule> MakeModule(const std::string& name) {
  for (const ModuleRow& row : Rows()) {
    if (row.name == name) return row.make();
  }
  return nullptr;
}

}  // namespace timebank
