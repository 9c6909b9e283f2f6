// gRPC adapters for the directory (DirectoryService, AuthService) on gRPC's
// synchronous API: directory calls are few, and password hashing must not block a
// callback reactor thread. Each handler checks access, converts, calls the core and
// maps Status. GrpcLedgerAccounts opens ledger accounts through the ledger's API with
// the directory's own service credential. (The erasure targets' gRPC client is
// GrpcErasureTargets, in erasure_targets_grpc.h.)
#ifndef TIMEBANK_SERVICES_DIRECTORY_DIRECTORY_SERVICE_H_
#define TIMEBANK_SERVICES_DIRECTORY_DIRECTORY_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <vector>

#include "services/common/auth/keyring.h"
#include "services/common/clock.h"
#include "services/directory/authenticator.h"
#include "services/directory/directory.h"
#include "timebank/directory/v1/auth.grpc.pb.h"
#include "timebank/directory/v1/directory.grpc.pb.h"
#include "timebank/ledger/v1/ledger.grpc.pb.h"

namespace timebank::directory {

class GrpcLedgerAccounts final : public LedgerAccounts {
 public:
  // `clock` dates the directory's service credentials.
  GrpcLedgerAccounts(auth::Keyring* keyring, const Clock* clock = SystemClock())
      : keyring_(keyring), clock_(clock) {}
  // Until connected (the server starts after the services are built), OpenAccounts
  // answers UNAVAILABLE and the accounts wait in the outbox.
  void Connect(std::shared_ptr<grpc::Channel> channel);
  absl::StatusOr<std::vector<::timebank::ledger::v1::CreateAccountResult>> OpenAccounts(
      const std::vector<::timebank::ledger::v1::Account>& accounts) override;
  absl::StatusOr<std::string> ExportAccount(const std::string& account_id) override;
  absl::StatusOr<std::vector<::timebank::ledger::v1::Account>> GetAccounts(
      const std::vector<std::string>& ids) override;

 private:
  ::timebank::ledger::v1::LedgerService::Stub* Stub();
  // A call of the directory's own: a 10 s deadline and the directory's service token.
  void PrepareCall(grpc::ClientContext* ctx);
  absl::Mutex mu_;
  std::unique_ptr<::timebank::ledger::v1::LedgerService::Stub> stub_ ABSL_GUARDED_BY(mu_);
  auth::Keyring* const keyring_;
  const Clock* const clock_;
};

class DirectoryServiceImpl final : public dpb::DirectoryService::Service {
 public:
  DirectoryServiceImpl(Directory* directory, Authenticator* auth) : dir_(directory), auth_(auth) {}

  grpc::Status CreateCommunity(grpc::ServerContext*, const dpb::CreateCommunityRequest*,
                               dpb::Community*) override;
  grpc::Status GetCommunity(grpc::ServerContext*, const dpb::GetCommunityRequest*,
                            dpb::Community*) override;
  grpc::Status ListCommunities(grpc::ServerContext*, const dpb::ListCommunitiesRequest*,
                               dpb::ListCommunitiesResponse*) override;
  grpc::Status UpdateCommunity(grpc::ServerContext*, const dpb::UpdateCommunityRequest*,
                               dpb::Community*) override;
  grpc::Status CreateOrganisation(grpc::ServerContext*, const dpb::CreateOrganisationRequest*,
                                  dpb::Organisation*) override;
  grpc::Status GetOrganisation(grpc::ServerContext*, const dpb::GetOrganisationRequest*,
                               dpb::Organisation*) override;
  grpc::Status ListOrganisations(grpc::ServerContext*, const dpb::ListOrganisationsRequest*,
                                 dpb::ListOrganisationsResponse*) override;
  grpc::Status CreateMember(grpc::ServerContext*, const dpb::CreateMemberRequest*,
                            dpb::Member*) override;
  grpc::Status GetMember(grpc::ServerContext*, const dpb::GetMemberRequest*, dpb::Member*) override;
  grpc::Status LookupMembers(grpc::ServerContext* ctx, const dpb::LookupMembersRequest* req,
                             dpb::LookupMembersResponse* resp) override;
  grpc::Status ResolveMember(grpc::ServerContext*, const dpb::ResolveMemberRequest*,
                             dpb::ResolveMemberResponse*) override;
  grpc::Status SearchMembers(grpc::ServerContext*, const dpb::SearchMembersRequest*,
                             dpb::SearchMembersResponse*) override;
  grpc::Status UpdateMember(grpc::ServerContext*, const dpb::UpdateMemberRequest*,
                            dpb::Member*) override;
  grpc::Status SetMemberStatus(grpc::ServerContext*, const dpb::SetMemberStatusRequest*,
                               dpb::Member*) override;
  grpc::Status GrantRole(grpc::ServerContext*, const dpb::GrantRoleRequest*, dpb::Member*) override;
  grpc::Status RevokeRole(grpc::ServerContext*, const dpb::RevokeRoleRequest*,
                          dpb::Member*) override;
  grpc::Status ListAudit(grpc::ServerContext*, const dpb::ListAuditRequest*,
                         dpb::ListAuditResponse*) override;
  grpc::Status CreateInvitation(grpc::ServerContext*, const dpb::CreateInvitationRequest*,
                                dpb::Invitation*) override;
  grpc::Status ListInvitations(grpc::ServerContext*, const dpb::ListInvitationsRequest*,
                               dpb::ListInvitationsResponse*) override;
  grpc::Status RevokeInvitation(grpc::ServerContext*, const dpb::RevokeInvitationRequest*,
                                dpb::Invitation*) override;
  grpc::Status CreateApiKey(grpc::ServerContext*, const dpb::CreateApiKeyRequest*,
                            dpb::ApiKey*) override;
  grpc::Status ListApiKeys(grpc::ServerContext*, const dpb::ListApiKeysRequest*,
                           dpb::ListApiKeysResponse*) override;
  grpc::Status ListOrganisationBalances(grpc::ServerContext*,
                                        const dpb::ListOrganisationBalancesRequest*,
                                        dpb::ListOrganisationBalancesResponse*) override;
  grpc::Status RevokeApiKey(grpc::ServerContext*, const dpb::RevokeApiKeyRequest*,
                            dpb::ApiKey*) override;
  grpc::Status ExportMemberData(grpc::ServerContext*, const dpb::ExportMemberDataRequest*,
                                dpb::ExportMemberDataResponse*) override;
  grpc::Status EraseMember(grpc::ServerContext*, const dpb::EraseMemberRequest*,
                           dpb::Member*) override;

 private:
  Directory* const dir_;
  Authenticator* const auth_;
};

class AuthServiceImpl final : public dpb::AuthService::Service {
 public:
  explicit AuthServiceImpl(Authenticator* auth) : auth_(auth) {}

  grpc::Status SignUp(grpc::ServerContext*, const dpb::SignUpRequest*,
                      dpb::SignUpResponse*) override;
  grpc::Status SignIn(grpc::ServerContext*, const dpb::SignInRequest*, dpb::Tokens*) override;
  grpc::Status Refresh(grpc::ServerContext*, const dpb::RefreshRequest*, dpb::Tokens*) override;
  grpc::Status SignOut(grpc::ServerContext*, const dpb::SignOutRequest*,
                       dpb::SignOutResponse*) override;
  grpc::Status SignOutEverywhere(grpc::ServerContext*, const dpb::SignOutEverywhereRequest*,
                                 dpb::SignOutEverywhereResponse*) override;
  grpc::Status ChangePassword(grpc::ServerContext*, const dpb::ChangePasswordRequest*,
                              dpb::ChangePasswordResponse*) override;
  grpc::Status SetPassword(grpc::ServerContext*, const dpb::SetPasswordRequest*,
                           dpb::SetPasswordResponse*) override;
  grpc::Status RotateSigningKey(grpc::ServerContext*, const dpb::RotateSigningKeyRequest*,
                                dpb::RotateSigningKeyResponse*) override;
  grpc::Status CompleteSetup(grpc::ServerContext*, const dpb::CompleteSetupRequest*,
                             dpb::Tokens*) override;
  grpc::Status WhoAmI(grpc::ServerContext*, const dpb::WhoAmIRequest*, dpb::Principal*) override;
  grpc::Status PollRevocations(grpc::ServerContext*, const dpb::PollRevocationsRequest*,
                               dpb::PollRevocationsResponse*) override;

 private:
  Authenticator* const auth_;
};

}  // namespace timebank::directory

#endif  // TIMEBANK_SERVICES_DIRECTORY_DIRECTORY_SERVICE_H_
