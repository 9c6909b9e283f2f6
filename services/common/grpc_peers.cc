#include "services/common/grpc_peers.h"

#include "services/common/auth/auth_interceptor.h"
#include "services/common/auth/token.h"
#include "services/common/grpc_util.h"
#include "storage/check.h"

namespace timebank {
namespace {

namespace dpb = ::timebank::directory::v1;
namespace lpb = ::timebank::ledger::v1;

}  // namespace

void GrpcPeers::Connect(std::shared_ptr<grpc::Channel> directory,
                        std::shared_ptr<grpc::Channel> ledger) {
  absl::MutexLock lock(&mu_);
  directory_ = dpb::DirectoryService::NewStub(directory);
  ledger_ = lpb::LedgerService::NewStub(ledger);
}

void GrpcPeers::Prepare(grpc::ClientContext* ctx) {
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auth::AddBearer(ctx, auth::MintServiceToken(*keyring_, service_name_, clock_->NowUnixSeconds()));
}

absl::StatusOr<dpb::DirectoryService::Stub*> GrpcPeers::Directory(grpc::ClientContext* ctx) {
  dpb::DirectoryService::Stub* stub;
  {
    absl::MutexLock lock(&mu_);
    stub = directory_.get();
  }
  if (stub == nullptr) return absl::UnavailableError("not connected to the directory yet");
  Prepare(ctx);
  return stub;
}

absl::StatusOr<dpb::Member> GrpcPeers::Member(uint64_t community_id, uint64_t member_id) {
  grpc::ClientContext ctx;
  TB_ASSIGN_OR_RETURN(dpb::DirectoryService::Stub * stub, Directory(&ctx));
  dpb::GetMemberRequest req;
  req.set_community_id(community_id);
  req.set_member_id(member_id);
  dpb::Member m;
  TB_RETURN_IF_ERROR(FromGrpc(stub->GetMember(&ctx, req, &m)));
  return m;
}

absl::StatusOr<std::vector<std::optional<dpb::Member>>> GrpcPeers::MembersByNumber(
    uint64_t community_id, const std::vector<std::string>& member_numbers) {
  dpb::LookupMembersRequest req;
  req.set_community_id(community_id);
  for (const std::string& n : member_numbers) req.add_member_numbers(n);
  return Lookup(req, req.member_numbers_size());
}

absl::StatusOr<std::vector<std::optional<dpb::Member>>> GrpcPeers::MembersById(
    uint64_t community_id, const std::vector<uint64_t>& member_ids) {
  dpb::LookupMembersRequest req;
  req.set_community_id(community_id);
  for (uint64_t id : member_ids) req.add_member_ids(id);
  return Lookup(req, req.member_ids_size());
}

absl::StatusOr<std::vector<std::optional<dpb::Member>>> GrpcPeers::Lookup(
    const dpb::LookupMembersRequest& req, int expected) {
  grpc::ClientContext ctx;
  TB_ASSIGN_OR_RETURN(dpb::DirectoryService::Stub * stub, Directory(&ctx));
  dpb::LookupMembersResponse resp;
  TB_RETURN_IF_ERROR(FromGrpc(stub->LookupMembers(&ctx, req, &resp)));
  if (resp.results_size() != expected) {
    return absl::InternalError("the directory answered a different number of members");
  }
  std::vector<std::optional<dpb::Member>> out;
  for (dpb::MemberLookup& r : *resp.mutable_results()) {
    if (r.found()) {
      out.emplace_back(std::move(*r.mutable_member()));
    } else {
      out.emplace_back();
    }
  }
  return out;
}

absl::StatusOr<dpb::Community> GrpcPeers::Community(uint64_t community_id) {
  grpc::ClientContext ctx;
  TB_ASSIGN_OR_RETURN(dpb::DirectoryService::Stub * stub, Directory(&ctx));
  dpb::GetCommunityRequest req;
  req.set_community_id(community_id);
  dpb::Community c;
  TB_RETURN_IF_ERROR(FromGrpc(stub->GetCommunity(&ctx, req, &c)));
  return c;
}

absl::StatusOr<dpb::Organisation> GrpcPeers::Organisation(uint64_t community_id,
                                                          uint64_t organisation_id) {
  grpc::ClientContext ctx;
  TB_ASSIGN_OR_RETURN(dpb::DirectoryService::Stub * stub, Directory(&ctx));
  dpb::GetOrganisationRequest req;
  req.set_community_id(community_id);
  req.set_organisation_id(organisation_id);
  dpb::Organisation o;
  TB_RETURN_IF_ERROR(FromGrpc(stub->GetOrganisation(&ctx, req, &o)));
  return o;
}

absl::StatusOr<std::vector<lpb::CreateTransferResult>> GrpcPeers::Post(
    const std::vector<lpb::Transfer>& transfers) {
  grpc::ClientContext ctx;
  TB_ASSIGN_OR_RETURN(lpb::LedgerService::Stub * stub, Ledger(&ctx));
  lpb::CreateTransfersRequest req;
  for (const lpb::Transfer& t : transfers) *req.add_transfers() = t;
  lpb::CreateTransfersResponse resp;
  TB_RETURN_IF_ERROR(FromGrpc(stub->CreateTransfers(&ctx, req, &resp)));
  if (resp.results_size() != req.transfers_size()) {
    return absl::InternalError("the ledger answered a different number of results");
  }
  return std::vector<lpb::CreateTransferResult>(resp.results().begin(), resp.results().end());
}

absl::StatusOr<lpb::LedgerService::Stub*> GrpcPeers::Ledger(grpc::ClientContext* ctx) {
  lpb::LedgerService::Stub* stub;
  {
    absl::MutexLock lock(&mu_);
    stub = ledger_.get();
  }
  if (stub == nullptr) return absl::UnavailableError("not connected to the ledger yet");
  Prepare(ctx);
  return stub;
}

absl::StatusOr<std::vector<lpb::CreateAccountResult>> GrpcPeers::OpenAccounts(
    const std::vector<lpb::Account>& accounts) {
  grpc::ClientContext ctx;
  TB_ASSIGN_OR_RETURN(lpb::LedgerService::Stub * stub, Ledger(&ctx));
  lpb::CreateAccountsRequest req;
  for (const lpb::Account& a : accounts) *req.add_accounts() = a;
  lpb::CreateAccountsResponse resp;
  TB_RETURN_IF_ERROR(FromGrpc(stub->CreateAccounts(&ctx, req, &resp)));
  if (resp.results_size() != req.accounts_size()) {
    return absl::InternalError("the ledger answered a different number of results");
  }
  return std::vector<lpb::CreateAccountResult>(resp.results().begin(), resp.results().end());
}

void GrpcPeers::ConnectActivity(std::shared_ptr<grpc::Channel> activity) {
  absl::MutexLock lock(&mu_);
  activity_ = ::timebank::activity::v1::ActivityService::NewStub(activity);
}

absl::StatusOr<::timebank::activity::v1::Activity> GrpcPeers::Activity(uint64_t community_id,
                                                                       uint64_t activity_id) {
  ::timebank::activity::v1::ActivityService::Stub* stub;
  {
    absl::MutexLock lock(&mu_);
    stub = activity_.get();
  }
  if (stub == nullptr) {
    return absl::UnavailableError("this server does not reach the activity service");
  }
  grpc::ClientContext ctx;
  Prepare(&ctx);
  ::timebank::activity::v1::GetActivityRequest req;
  req.set_community_id(community_id);
  req.set_activity_id(activity_id);
  ::timebank::activity::v1::Activity a;
  TB_RETURN_IF_ERROR(FromGrpc(stub->GetActivity(&ctx, req, &a)));
  return a;
}

}  // namespace timebank
