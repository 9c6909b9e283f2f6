// GrpcPeers: the directory and the ledger (services/common/peers.h) over gRPC, with
// the calling service's own signed credential.
#ifndef TIMEBANK_SERVICES_COMMON_GRPC_PEERS_H_
#define TIMEBANK_SERVICES_COMMON_GRPC_PEERS_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "services/common/auth/keyring.h"
#include "services/common/clock.h"
#include "services/common/peers.h"
#include "timebank/activity/v1/activity.grpc.pb.h"
#include "timebank/directory/v1/directory.grpc.pb.h"
#include "timebank/ledger/v1/ledger.grpc.pb.h"

namespace timebank {

// Directory and ledger over gRPC with a service's own credential (`service_name`).
// Until Connect, calls fail UNAVAILABLE (and the outbox waits).
class GrpcPeers final : public People, public LedgerClient, public ActivityLookup {
 public:
  // `clock` dates the service's credentials.
  GrpcPeers(auth::Keyring* keyring, std::string service_name, const Clock* clock = SystemClock())
      : keyring_(keyring), service_name_(std::move(service_name)), clock_(clock) {}
  void Connect(std::shared_ptr<grpc::Channel> directory, std::shared_ptr<grpc::Channel> ledger);
  // Optional: the activity service (without it, Activity() is UNAVAILABLE).
  void ConnectActivity(std::shared_ptr<grpc::Channel> activity);
  absl::StatusOr<::timebank::activity::v1::Activity> Activity(uint64_t community_id,
                                                              uint64_t activity_id) override;
  absl::StatusOr<::timebank::directory::v1::Member> Member(uint64_t community_id,
                                                           uint64_t member_id) override;
  absl::StatusOr<::timebank::directory::v1::Community> Community(uint64_t community_id) override;
  absl::StatusOr<std::vector<std::optional<::timebank::directory::v1::Member>>> MembersByNumber(
      uint64_t community_id, const std::vector<std::string>& member_numbers) override;
  absl::StatusOr<std::vector<std::optional<::timebank::directory::v1::Member>>> MembersById(
      uint64_t community_id, const std::vector<uint64_t>& member_ids) override;
  absl::StatusOr<::timebank::directory::v1::Organisation> Organisation(
      uint64_t community_id, uint64_t organisation_id) override;
  absl::StatusOr<std::vector<::timebank::ledger::v1::CreateTransferResult>> Post(
      const std::vector<::timebank::ledger::v1::Transfer>& transfers) override;
  absl::StatusOr<std::vector<::timebank::ledger::v1::CreateAccountResult>> OpenAccounts(
      const std::vector<::timebank::ledger::v1::Account>& accounts) override;

 private:
  void Prepare(grpc::ClientContext* ctx);
  // The directory stub, with `ctx` prepared (deadline, credential); UNAVAILABLE before
  // Connect.
  absl::StatusOr<::timebank::directory::v1::DirectoryService::Stub*> Directory(
      grpc::ClientContext* ctx);
  // One LookupMembers call (by numbers or by ids), its results in request order.
  absl::StatusOr<std::vector<std::optional<::timebank::directory::v1::Member>>> Lookup(
      const ::timebank::directory::v1::LookupMembersRequest& req, int expected);
  // The ledger stub with `ctx` prepared; UNAVAILABLE before Connect.
  absl::StatusOr<::timebank::ledger::v1::LedgerService::Stub*> Ledger(grpc::ClientContext* ctx);
  auth::Keyring* const keyring_;
  const std::string service_name_;
  const Clock* const clock_;
  absl::Mutex mu_;
  std::unique_ptr<::timebank::directory::v1::DirectoryService::Stub> directory_
      ABSL_GUARDED_BY(mu_);
  std::unique_ptr<::timebank::ledger::v1::LedgerService::Stub> ledger_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<::timebank::activity::v1::ActivityService::Stub> activity_ ABSL_GUARDED_BY(mu_);
};

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_COMMON_GRPC_PEERS_H_
