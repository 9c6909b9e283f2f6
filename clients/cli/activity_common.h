// What tbctl's activity commands (activity_commands.cc, contribution_commands.cc)
// share: ids and amounts of time from arguments, --when, and activities shown as a
// table (or JSON with --json). Defined in activity_commands.cc.
#ifndef TIMEBANK_CLIENTS_CLI_ACTIVITY_COMMON_H_
#define TIMEBANK_CLIENTS_CLI_ACTIVITY_COMMON_H_

#include <cstdint>
#include <string>
#include <vector>

#include "clients/cli/client.h"

namespace timebank::cli {

namespace apb = ::timebank::activity::v1;

// a[i] as a positive id; exits saying it expected `what` otherwise.
uint64_t Id(const std::vector<std::string>& a, size_t i, const char* what);
// a[i] as an amount of time (2h, 90m, 1h30m); exits with advice otherwise.
int64_t Minutes(const std::vector<std::string>& a, size_t i);
// --when (YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC), or now.
google::protobuf::Timestamp When();
void PrintActivities(const google::protobuf::RepeatedPtrField<apb::Activity>& as);
// One activity, as a one-row table or JSON; returns exit code 0.
int Show(const apb::Activity& a);
// `activity retry ID` and `exchange settle ID AMOUNT` (todo_commands.cc).
int ActivityRetry(Client& c, const std::vector<std::string>& a);
int ExchangeSettle(Client& c, const std::vector<std::string>& a);

}  // namespace timebank::cli

#endif  // TIMEBANK_CLIENTS_CLI_ACTIVITY_COMMON_H_
