// ConformanceNode is a real in-process timebankd hosting every service, seen from
// outside: the conformance tests find every RPC of every service from the service
// descriptors and call it through gRPC's generic API with bytes they build
// themselves, as an independent client would, so a new RPC is covered without
// editing them. It holds community 1 with an admin, a coordinator of organisation 1,
// a finance officer, a member and an API key of organisation 1; more communities
// can be made for tests that need their own.
#ifndef TIMEBANK_TESTS_CONFORMANCE_CONFORMANCE_NODE_H_
#define TIMEBANK_TESTS_CONFORMANCE_CONFORMANCE_NODE_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/timebankd/node.h"
#include "timebank/directory/v1/token.pb.h"

namespace timebank::testing {

// Every service a timebankd serves, from the generated descriptors.
const std::vector<const google::protobuf::ServiceDescriptor*>& AllServices();
// "LedgerService/ListAccounts": how tests name a method.
std::string MethodKey(const google::protobuf::MethodDescriptor* method);
// "/timebank.ledger.v1.LedgerService/ListAccounts": what gRPC calls it.
std::string MethodPath(const google::protobuf::MethodDescriptor* method);

// A community of its own, with one person in each role.
struct TestCommunity {
  uint64_t id = 0;
  uint64_t organisation_id = 0;
  ::timebank::directory::v1::Principal admin, coordinator, finance, member;
};

class ConformanceNode {
 public:
  static absl::StatusOr<std::unique_ptr<ConformanceNode>> Start(const std::string& data_dir);
  ~ConformanceNode();

  Node* node() { return node_.get(); }

  // A community named `name` (expenses in GBP) with an organisation and a person in
  // each role (the coordinator coordinates the organisation).
  absl::StatusOr<TestCommunity> NewCommunity(const std::string& name);

  // Callers of community 1: "anon" (no token), "svc" (a service), "op" (the operator),
  // "adm", "coo", "fin", "mem" (the member requests name), "key" (an API key of
  // organisation 1).
  std::string TokenFor(const std::string& caller) const;
  std::string TokenFor(const ::timebank::directory::v1::Principal& principal) const;
  const TestCommunity& one() const { return one_; }

  // n contributions of `t`'s member to its organisation, each thanked by its
  // coordinator once the rewards projection has counted it; their activity ids.
  absl::StatusOr<std::vector<std::string>> ThankedContributions(const TestCommunity& t, int n);

  // A caller the access table lets call `method` with a request Fill() made.
  std::string AllowedCaller(const google::protobuf::MethodDescriptor* method) const;
  // Fills a request so that it names community 1, the member `mem`, organisation 1
  // and mem's account, and is otherwise harmless: a handler that runs refuses it or
  // changes nothing later calls depend on.
  void Fill(google::protobuf::Message* request) const;

  // A unary call (or the first message of a server stream) with the request's bytes
  // as given; `response_bytes` receives what came back, if anything.
  grpc::Status CallBytes(const std::string& method_path, const std::string& request_bytes,
                         const std::string& token, std::string* response_bytes = nullptr);
  // The same with a message (parsed into *response when given).
  grpc::Status Call(const std::string& method_path, const google::protobuf::Message& request,
                    const std::string& token, google::protobuf::Message* response = nullptr);

  // Waits until no service has work queued for the ledger and the rewards projection
  // has caught up with the journal (so that the stores change only when a call changes
  // them). False if that took more than `timeout_ms`.
  bool WaitQuiet(int timeout_ms = 10'000);
  // A digest of everything every service has stored: the ledger's journal head and
  // every record of the directory, activity and expenses stores. Equal digests mean
  // nothing was written in between.
  std::string StoredState();

 private:
  ConformanceNode() = default;
  std::unique_ptr<Node> node_;
  std::shared_ptr<grpc::Channel> channel_;
  TestCommunity one_;
  std::map<std::string, ::timebank::directory::v1::Principal> principals_;
  int serial_ = 0;  // makes descriptions unique
};

}  // namespace timebank::testing

#endif  // TIMEBANK_TESTS_CONFORMANCE_CONFORMANCE_NODE_H_
