// AccessPolicy is the one table that says who may call each RPC of every service, and
// the function that applies it to a caller and a request. A rule lists grants; the
// call is allowed when any grant holds. Grants that depend on the request (the
// caller's own community, member record, organisation or accounts) read the named
// request fields by protobuf reflection, so the table stays declarative.
// An RPC without a rule is refused (and fails the access matrix test).
#ifndef TIMEBANK_SERVICES_COMMON_AUTH_ACCESS_POLICY_H_
#define TIMEBANK_SERVICES_COMMON_AUTH_ACCESS_POLICY_H_

#include <google/protobuf/message.h>

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "timebank/directory/v1/token.pb.h"

namespace timebank::auth {

enum class Grant : uint8_t {
  kAnyone,                // no credential needed
  kOwnCredential,         // anyone: the request itself carries the credential (password,
                          // API key, refresh token, setup code), so a bearer token on the
                          // same call is refused as a second, ambiguous credential
  kSignedIn,              // any valid credential
  kService,               // another timebank service
  kOperator,              // runs the installation (community 0)
  kAdmin,                 // admin of the community the request names
  kFinance,               // finance officer of that community
  kCoordinator,           // coordinator (of any organisation) in that community
  kCommunityMember,       // anyone signed in to that community
  kSelf,                  // the member the request names
  kSelfByDefault,         // the same, or a person whose request names no member (both
                          // community and member 0: "the caller", resolved by the handler)
  kOrgCoordinator,        // coordinator of the organisation the request names (member or API key)
  kOrgCoordinatorPerson,  // the same, but a person (not an API key)
  kOwnAccounts,           // every account the request names is the caller's or its organisations'
};

struct AccessRule {
  std::string method;  // "/timebank.ledger.v1.LedgerService/CreateTransfers"
  std::vector<Grant> grants;
  // Field paths ("member.community_id", "transfers.debit_account_id"); repeated
  // messages on the way are all visited.
  std::string community;
  std::string member;
  std::string organisation;
  std::vector<std::string> accounts;
};

// Every rule, in one place (access_policy.cc).
const std::vector<AccessRule>& AccessTable();
const AccessRule* FindRule(std::string_view method);

// OK, UNAUTHENTICATED (no credential where one is needed) or PERMISSION_DENIED.
// `principal` is null for an unauthenticated call.
absl::Status Decide(const AccessRule* rule, std::string_view method,
                    const ::timebank::directory::v1::Principal* principal,
                    const google::protobuf::Message* request);

const char* GrantName(Grant g);

// Whether the rule's request carries its own credential (Grant::kOwnCredential).
bool CarriesOwnCredential(const AccessRule* rule);

}  // namespace timebank::auth

#endif  // TIMEBANK_SERVICES_COMMON_AUTH_ACCESS_POLICY_H_
