// The table of service modules a timebankd node can host, in start order. Adding a
// service is one module file and one row here.
#ifndef TIMEBANK_SERVICES_TIMEBANKD_MODULES_H_
#define TIMEBANK_SERVICES_TIMEBANKD_MODULES_H_

#include <memory>
#include <string>
#include <vector>

#include "services/timebankd/module.h"

namespace timebank {

// The services --services can name, in start order.
const std::vector<std::string>& KnownServices();

// A new module for a service KnownServices names, or for "system" (every node
// hosts it, last); null for any other name.
std::unique_ptr<ServiceModule> MakeModule(const std::string& name);

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_TIMEBANKD_MODULES_H_
