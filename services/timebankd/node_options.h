// NodeOptions: everything a timebankd node is told at start (the flags of
// services/timebankd/main.cc), shared by the node and its service modules.
#ifndef TIMEBANK_SERVICES_TIMEBANKD_NODE_OPTIONS_H_
#define TIMEBANK_SERVICES_TIMEBANKD_NODE_OPTIONS_H_

#include <string>
#include <vector>

#include "services/common/clock.h"
#include "services/directory/authenticator.h"
#include "services/ledger/ledger_engine.h"

namespace timebank {

struct NodeOptions {
  std::string listen = "127.0.0.1:7400";
  std::string data_dir = "data";
  // Service names, or {"all"}.
  std::vector<std::string> services = {"all"};
  // "" disables the metrics endpoint.
  std::string metrics_listen;
  int read_threads = 2;
  // Where the node and every service it hosts read the time (tests give a FakeClock).
  // It is the ledger's clock too: ledger.clock is replaced by it.
  const Clock* clock = SystemClock();
  ledger::LedgerOptions ledger;
  // Token signing keys; "" means <data_dir>/keyring. Every process of an installation
  // must share this file (see docs/OPERATIONS.md).
  std::string keyring_path;
  // Where the ledger and the directory are when this node does not host them. A node
  // without the directory follows the directory's revocations from directory_address;
  // without one it accepts only service credentials.
  std::string ledger_address;
  std::string directory_address;
  // Where the activity service is, for expenses hosted without it (lines that name
  // an activity are checked there; empty: such lines are refused) and for the
  // directory's erasures; and where expenses is, for the directory's erasures.
  std::string activity_address;
  std::string expenses_address;
  // Where rewards is, for the directory's exports and erasures of members.
  std::string rewards_address;
  // The operator created on first start; without them a one-time setup code is made.
  std::string admin_username;
  std::string admin_password;
  directory::AuthOptions auth;
  // Start the rewards projection again from the journal's first entry.
  bool rewards_rebuild = false;
  // Where the installation is reached from outside (scheme, host, optional path): every
  // URL an Open Badges credential holds (issuer, keys, revocation list) starts with it.
  std::string public_base_url = "https://timebank.invalid";
};

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_TIMEBANKD_NODE_OPTIONS_H_
