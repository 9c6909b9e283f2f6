// What the gRPC tests share to run a real in-process timebankd and call it from
// outside: a node on a free local port with its stores in a test directory, people
// in roles and API keys made directly in its directory (the tests then call as
// them with the node's tokens), and calls through gRPC, typed or by method path.
// Setting up and calling are written here once; each test keeps only its own data.
#ifndef TIMEBANK_TESTS_COMMON_TEST_NODE_H_
#define TIMEBANK_TESTS_COMMON_TEST_NODE_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/client_channel.h"
#include "services/timebankd/node.h"
#include "timebank/directory/v1/auth.grpc.pb.h"
#include "timebank/directory/v1/directory.grpc.pb.h"
#include "timebank/directory/v1/directory.pb.h"
#include "timebank/expenses/v1/expenses.grpc.pb.h"

namespace timebank::testing {

// Every gRPC service a full node serves (system, ledger, directory, auth, activity,
// expenses, rewards): the one list the tests that walk every RPC from the descriptors
// start from. AccessMatrixTest checks it names every service of the access table.
const std::vector<const google::protobuf::ServiceDescriptor*>& TimebankServices();

// The operator login a node made with TestNodeOptions(dir, /*with_operator=*/true) has.
inline constexpr char kOperatorUsername[] = "operator";
inline constexpr char kOperatorPassword[] = "operator-password";

// A node serving every service on a free local port with its stores under `data_dir`,
// and with `with_operator`, the operator login above. Tests change the rest they need.
NodeOptions TestNodeOptions(const std::string& data_dir, bool with_operator = false);

// Starts a node with `options` into *node. A fatal test failure when it does not
// start: call it under ASSERT_NO_FATAL_FAILURE.
void StartTestNode(const NodeOptions& options, std::unique_ptr<Node>* node);

// A member of `community` named `display_name` (with `member_number` when not empty),
// granted each of `roles` in turn; a coordinator role coordinates organisation
// `coordinator_of`.
absl::StatusOr<::timebank::directory::v1::Principal> MakePerson(
    directory::Directory* d, uint64_t community, const std::string& display_name,
    const std::vector<::timebank::directory::v1::Role>& roles = {}, uint64_t coordinator_of = 0,
    const std::string& member_number = "");
// The same for a test's set-up: a person not made is a test failure, and an empty
// principal is returned.
::timebank::directory::v1::Principal AddPerson(
    directory::Directory* d, uint64_t community, const std::string& display_name,
    const std::vector<::timebank::directory::v1::Role>& roles = {}, uint64_t coordinator_of = 0,
    const std::string& member_number = "");

// A new API key `name` of `organisation`, as the principal that calls with it (a key
// coordinates the organisation it belongs to; its id is the principal's subject_id).
absl::StatusOr<::timebank::directory::v1::Principal> MakeApiKey(directory::Directory* d,
                                                                uint64_t community,
                                                                uint64_t organisation,
                                                                const std::string& name);

// The operator's principal (the node has the operator login).
absl::StatusOr<::timebank::directory::v1::Principal> OperatorPrincipal(Node* node);

// For the tests that fill every request from its descriptor: where field `f` of `m`
// names a community, a member, an organisation or an account (by its name), sets it to
// community 1, member `member_id`, organisation 1, that member's account (community
// 1's pool as the credit side). Any other field is left alone.
void FillCommunityOneField(google::protobuf::Message* m, const google::protobuf::FieldDescriptor* f,
                           uint64_t member_id);

// Through gRPC, as an outside client: creates member `username` (their display name
// too) with `password` in `community`, calling as `token`; their id (0, and a test
// failure, when refused).
uint64_t CreateMemberWithPassword(::timebank::directory::v1::DirectoryService::Stub* directory,
                                  const std::string& token, uint64_t community,
                                  const std::string& username, const std::string& password);
// Signs `username` in with `password`; their tokens (a test failure when refused).
::timebank::directory::v1::Tokens SignInWithPassword(
    ::timebank::directory::v1::AuthService::Stub* auth, const std::string& username,
    const std::string& password);

// A community in GBP, "Riverside", with the people of a claim's whole life: Alice, a
// member who claims, and Fiona and Farid, two finance officers (a claim above the
// second-approver threshold needs both).
struct ExpensesCommunity {
  uint64_t id = 0;
  ::timebank::directory::v1::Principal alice, fiona, farid;
};
absl::StatusOr<ExpensesCommunity> MakeExpensesCommunity(directory::Directory* d);
// Submits `claim` (a draft as its claimant last read it) with the claimant's token and
// approves it once with a finance officer's, through the API; *claim ends as approved.
grpc::Status SubmitAndApprove(::timebank::expenses::v1::ExpensesService::Stub* stub,
                              const std::string& claimant_token, const std::string& finance_token,
                              ::timebank::expenses::v1::Claim* claim);

// A unary call of the method at `method_path` ("/timebank.ledger.v1.LedgerService/
// ListAccounts") with the request's bytes as given, through gRPC's generic API, with
// `token` (none when empty) and `deadline`. *response_bytes, when given, receives the
// answer of a call that succeeded.
grpc::Status CallMethodBytes(const std::shared_ptr<grpc::Channel>& channel,
                             const std::string& method_path, const std::string& request_bytes,
                             const std::string& token, absl::Duration deadline,
                             std::string* response_bytes = nullptr);
// The same with a message; the answer of a call that succeeded is parsed into
// *response when given (a test failure if it does not parse).
grpc::Status CallMethod(const std::shared_ptr<grpc::Channel>& channel,
                        const std::string& method_path, const google::protobuf::Message& request,
                        const std::string& token, absl::Duration deadline,
                        google::protobuf::Message* response = nullptr);

// A typed unary call of `method` on `stub` with `token`.
template <typename Stub, typename Method, typename Req, typename Resp>
grpc::Status CallWithToken(Stub* stub, Method method, const std::string& token, const Req& req,
                           Resp* resp) {
  grpc::ClientContext ctx;
  auth::AddBearer(&ctx, token);
  return (stub->*method)(&ctx, req, resp);
}

}  // namespace timebank::testing

#endif  // TIMEBANK_TESTS_COMMON_TEST_NODE_H_
