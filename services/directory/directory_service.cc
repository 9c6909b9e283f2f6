#include "services/directory/directory_service.h"

#include <google/protobuf/util/json_util.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/auth/auth_interceptor.h"
#include "services/common/auth/token.h"
#include "services/common/grpc_util.h"
#include "services/common/paging.h"
#include "storage/absl_compat.h"
#include "storage/check.h"

namespace timebank::directory {
namespace {

namespace lpb = ::timebank::ledger::v1;

Actor ActorOf(const grpc::ServerContext& ctx) {
  Actor a;
  if (auto p = auth::CallerOf(ctx)) a.principal = std::move(*p);
  return a;
}

// The client's IP address (without the port), for the sign-in throttle.
std::string Address(const grpc::ServerContext& ctx) {
  std::string peer = ctx.peer();
  const size_t colon = peer.rfind(':');
  if (colon != std::string::npos && peer.compare(0, 4, "ipv4") == 0) peer.resize(colon);
  if (colon != std::string::npos && peer.compare(0, 4, "ipv6") == 0) peer.resize(colon);
  return peer;
}

}  // namespace

// ---- GrpcLedgerAccounts ----------------------------------------------------------------

void GrpcLedgerAccounts::Connect(std::shared_ptr<grpc::Channel> channel) {
  absl::MutexLock lock(&mu_);
  stub_ = lpb::LedgerService::NewStub(channel);
}

void GrpcLedgerAccounts::PrepareCall(grpc::ClientContext* ctx) {
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auth::AddBearer(ctx, auth::MintServiceToken(*keyring_, "directory", clock_->NowUnixSeconds()));
}

lpb::LedgerService::Stub* GrpcLedgerAccounts::Stub() {
  absl::MutexLock lock(&mu_);
  return stub_.get();
}

absl::StatusOr<std::vector<lpb::CreateAccountResult>> GrpcLedgerAccounts::OpenAccounts(
    const std::vector<lpb::Account>& accounts) {
  lpb::LedgerService::Stub* stub = Stub();
  if (stub == nullptr) return absl::UnavailableError("not connected to the ledger yet");
  grpc::ClientContext ctx;
  PrepareCall(&ctx);
  lpb::CreateAccountsRequest req;
  for (const lpb::Account& a : accounts) *req.add_accounts() = a;
  lpb::CreateAccountsResponse resp;
  TB_RETURN_IF_ERROR(FromGrpc(stub->CreateAccounts(&ctx, req, &resp)));
  if (static_cast<size_t>(resp.results_size()) != accounts.size()) {
    return absl::UnavailableError("the ledger answered CreateAccounts with the wrong count");
  }
  return std::vector<lpb::CreateAccountResult>(resp.results().begin(), resp.results().end());
}

absl::StatusOr<std::string> GrpcLedgerAccounts::ExportAccount(const std::string& account_id) {
  lpb::LedgerService::Stub* stub = Stub();
  if (stub == nullptr) return absl::UnavailableError("not connected to the ledger yet");
  const std::string token =
      auth::MintServiceToken(*keyring_, "directory", clock_->NowUnixSeconds());
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  // MessageToJsonString appends to its output: each message gets a fresh string.
  auto json = [&opts](const google::protobuf::Message& m) {
    std::string j;
    (void)google::protobuf::util::MessageToJsonString(m, &j, opts);
    return j;
  };
  std::string out = "{\"account\": ";
  {
    grpc::ClientContext ctx;
    auth::AddBearer(&ctx, token);
    lpb::GetAccountsRequest req;
    req.add_ids(account_id);
    lpb::GetAccountsResponse resp;
    TB_RETURN_IF_ERROR(FromGrpc(stub->GetAccounts(&ctx, req, &resp)));
    out += resp.accounts_size() == 1 ? json(resp.accounts(0)) : "null";
  }
  out += ", \"transfers\": [";
  std::string page_token;
  bool first = true;
  for (int pages = 0; pages < 10'000; ++pages) {
    grpc::ClientContext ctx;
    auth::AddBearer(&ctx, token);
    lpb::ListTransfersRequest req;
    req.set_account_id(account_id);
    req.set_oldest_first(true);
    req.set_page_size(1000);
    req.set_page_token(page_token);
    lpb::ListTransfersResponse resp;
    grpc::Status s = stub->ListTransfers(&ctx, req, &resp);
    if (s.error_code() == grpc::StatusCode::NOT_FOUND) break;
    TB_RETURN_IF_ERROR(FromGrpc(s));
    for (const lpb::Transfer& t : resp.transfers()) {
      absl::StrAppend(&out, first ? "" : ",\n", json(t));
      first = false;
    }
    if (resp.next_page_token().empty()) break;
    page_token = resp.next_page_token();
  }
  out += "]}";
  return out;
}

absl::StatusOr<std::vector<lpb::Account>> GrpcLedgerAccounts::GetAccounts(
    const std::vector<std::string>& ids) {
  lpb::LedgerService::Stub* stub = Stub();
  if (stub == nullptr) return absl::UnavailableError("not connected to the ledger yet");
  grpc::ClientContext ctx;
  PrepareCall(&ctx);
  lpb::GetAccountsRequest req;
  for (const std::string& id : ids) req.add_ids(id);
  lpb::GetAccountsResponse resp;
  TB_RETURN_IF_ERROR(FromGrpc(stub->GetAccounts(&ctx, req, &resp)));
  return std::vector<lpb::Account>(resp.accounts().begin(), resp.accounts().end());
}

// ---- DirectoryService -------------------------------------------------------------------

grpc::Status DirectoryServiceImpl::CreateCommunity(grpc::ServerContext* ctx,
                                                   const dpb::CreateCommunityRequest* req,
                                                   dpb::Community* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(dir_->CreateCommunity(ActorOf(*ctx), req->community(), req->request_id()), resp);
}

grpc::Status DirectoryServiceImpl::GetCommunity(grpc::ServerContext* ctx,
                                                const dpb::GetCommunityRequest* req,
                                                dpb::Community* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(dir_->GetCommunity(req->community_id()), resp);
}

grpc::Status DirectoryServiceImpl::ListCommunities(grpc::ServerContext* ctx,
                                                   const dpb::ListCommunitiesRequest* req,
                                                   dpb::ListCommunitiesResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  absl::StatusOr<IdPage> page = ReadIdPage(req->page_size(), req->page_token());
  if (!page.ok()) return ToGrpc(page.status());
  return ReplyPage(dir_->ListCommunities(page->after_id, page->size), resp->mutable_communities(),
                   resp);
}

grpc::Status DirectoryServiceImpl::UpdateCommunity(grpc::ServerContext* ctx,
                                                   const dpb::UpdateCommunityRequest* req,
                                                   dpb::Community* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(dir_->UpdateCommunity(ActorOf(*ctx), req->community(), req->update_mask()), resp);
}

grpc::Status DirectoryServiceImpl::CreateOrganisation(grpc::ServerContext* ctx,
                                                      const dpb::CreateOrganisationRequest* req,
                                                      dpb::Organisation* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(dir_->CreateOrganisation(ActorOf(*ctx), req->organisation(), req->request_id()),
               resp);
}

grpc::Status DirectoryServiceImpl::GetOrganisation(grpc::ServerContext* ctx,
                                                   const dpb::GetOrganisationRequest* req,
                                                   dpb::Organisation* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(dir_->GetOrganisation(req->community_id(), req->organisation_id()), resp);
}

grpc::Status DirectoryServiceImpl::ListOrganisations(grpc::ServerContext* ctx,
                                                     const dpb::ListOrganisationsRequest* req,
                                                     dpb::ListOrganisationsResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  absl::StatusOr<IdPage> page = ReadIdPage(req->page_size(), req->page_token());
  if (!page.ok()) return ToGrpc(page.status());
  return ReplyPage(dir_->ListOrganisations(req->community_id(), page->after_id, page->size),
                   resp->mutable_organisations(), resp);
}

grpc::Status DirectoryServiceImpl::CreateMember(grpc::ServerContext* ctx,
                                                const dpb::CreateMemberRequest* req,
                                                dpb::Member* resp) {
  TB_RETURN_IF_DENIED(ctx);
  // Hashing costs tens of milliseconds, so only when a password is given.
  std::string hash;
  if (!req->password().empty()) {
    if (req->member().username().empty()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "member.username: required with a password");
    }
    absl::StatusOr<std::string> h = auth_->HashPassword(req->password());
    if (!h.ok()) return ToGrpc(h.status());
    hash = *h;
  }
  return Reply(dir_->CreateMember(ActorOf(*ctx), req->member(), hash, req->request_id()), resp);
}

grpc::Status DirectoryServiceImpl::GetMember(grpc::ServerContext* ctx,
                                             const dpb::GetMemberRequest* req, dpb::Member* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(dir_->GetMember(req->community_id(), req->member_id()), resp);
}

grpc::Status DirectoryServiceImpl::LookupMembers(grpc::ServerContext* ctx,
                                                 const dpb::LookupMembersRequest* req,
                                                 dpb::LookupMembersResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  if (req->member_numbers_size() > 0 && req->member_ids_size() > 0) {
    return ToGrpc(absl::InvalidArgumentError(
        "member_ids: give member numbers or member ids, not both in one call"));
  }
  const bool by_id = req->member_ids_size() > 0;
  std::vector<std::string> numbers(req->member_numbers().begin(), req->member_numbers().end());
  std::vector<uint64_t> ids(req->member_ids().begin(), req->member_ids().end());
  auto found = by_id ? dir_->LookupMembersById(req->community_id(), ids)
                     : dir_->LookupMembers(req->community_id(), numbers);
  if (!found.ok()) return ToGrpc(found.status());
  for (size_t i = 0; i < found->size(); ++i) {
    dpb::MemberLookup* r = resp->add_results();
    if (by_id) {
      r->set_member_id(ids[i]);
    } else {
      r->set_member_number(numbers[i]);
    }
    r->set_found((*found)[i].has_value());
    if ((*found)[i]) *r->mutable_member() = std::move(*(*found)[i]);
  }
  return grpc::Status::OK;
}

grpc::Status DirectoryServiceImpl::ResolveMember(grpc::ServerContext* ctx,
                                                 const dpb::ResolveMemberRequest* req,
                                                 dpb::ResolveMemberResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(dir_->ResolveMember(ActorOf(*ctx), req->community_id(), req->reference()), resp);
}

grpc::Status DirectoryServiceImpl::SearchMembers(grpc::ServerContext* ctx,
                                                 const dpb::SearchMembersRequest* req,
                                                 dpb::SearchMembersResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  absl::StatusOr<IdPage> page = ReadIdPage(req->page_size(), req->page_token());
  if (!page.ok()) return ToGrpc(page.status());
  return ReplyPage(dir_->SearchMembers(req->community_id(), req->query(), req->tag(),
                                       page->after_id, page->size),
                   resp->mutable_members(), resp);
}

grpc::Status DirectoryServiceImpl::UpdateMember(grpc::ServerContext* ctx,
                                                const dpb::UpdateMemberRequest* req,
                                                dpb::Member* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(dir_->UpdateMember(ActorOf(*ctx), req->member(), req->update_mask()), resp);
}

grpc::Status DirectoryServiceImpl::SetMemberStatus(grpc::ServerContext* ctx,
                                                   const dpb::SetMemberStatusRequest* req,
                                                   dpb::Member* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(dir_->SetMemberStatus(ActorOf(*ctx), req->community_id(), req->member_id(),
                                     req->status(), req->reason()),
               resp);
}

grpc::Status DirectoryServiceImpl::GrantRole(grpc::ServerContext* ctx,
                                             const dpb::GrantRoleRequest* req, dpb::Member* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(dir_->GrantRole(ActorOf(*ctx), req->community_id(), req->member_id(), req->role(),
                               req->organisation_id(), req->reason()),
               resp);
}

grpc::Status DirectoryServiceImpl::RevokeRole(grpc::ServerContext* ctx,
                                              const dpb::RevokeRoleRequest* req,
                                              dpb::Member* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(dir_->RevokeRole(ActorOf(*ctx), req->community_id(), req->member_id(), req->role(),
                                req->organisation_id(), req->reason()),
               resp);
}

grpc::Status DirectoryServiceImpl::ListAudit(grpc::ServerContext* ctx,
                                             const dpb::ListAuditRequest* req,
                                             dpb::ListAuditResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  absl::StatusOr<IdPage> page = ReadIdPage(req->page_size(), req->page_token());
  if (!page.ok()) return ToGrpc(page.status());
  return ReplyPage(dir_->ListAudit(req->community_id(), page->after_id, page->size),
                   resp->mutable_entries(), resp);
}

grpc::Status DirectoryServiceImpl::ListOrganisationBalances(
    grpc::ServerContext* ctx, const dpb::ListOrganisationBalancesRequest* req,
    dpb::ListOrganisationBalancesResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  absl::StatusOr<IdPage> page = ReadIdPage(req->page_size(), req->page_token());
  if (!page.ok()) return ToGrpc(page.status());
  return Reply(dir_->ListOrganisationBalances(req->community_id(), req->organisation_id(),
                                              page->after_id, page->size),
               resp);
}

grpc::Status DirectoryServiceImpl::CreateInvitation(grpc::ServerContext* ctx,
                                                    const dpb::CreateInvitationRequest* req,
                                                    dpb::Invitation* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(dir_->CreateInvitation(ActorOf(*ctx), req->community_id(), req->valid_hours(),
                                      req->note(), req->role()),
               resp);
}

grpc::Status DirectoryServiceImpl::ListInvitations(grpc::ServerContext* ctx,
                                                   const dpb::ListInvitationsRequest* req,
                                                   dpb::ListInvitationsResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  absl::StatusOr<IdPage> page = ReadIdPage(req->page_size(), req->page_token());
  if (!page.ok()) return ToGrpc(page.status());
  return ReplyPage(dir_->ListInvitations(req->community_id(), page->after_id, page->size),
                   resp->mutable_invitations(), resp);
}

grpc::Status DirectoryServiceImpl::RevokeInvitation(grpc::ServerContext* ctx,
                                                    const dpb::RevokeInvitationRequest* req,
                                                    dpb::Invitation* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(dir_->RevokeInvitation(ActorOf(*ctx), req->community_id(), req->invitation_id()),
               resp);
}

grpc::Status DirectoryServiceImpl::CreateApiKey(grpc::ServerContext* ctx,
                                                const dpb::CreateApiKeyRequest* req,
                                                dpb::ApiKey* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(
      dir_->CreateApiKey(ActorOf(*ctx), req->community_id(), req->organisation_id(), req->label()),
      resp);
}

grpc::Status DirectoryServiceImpl::ListApiKeys(grpc::ServerContext* ctx,
                                               const dpb::ListApiKeysRequest* req,
                                               dpb::ListApiKeysResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  absl::StatusOr<IdPage> page = ReadIdPage(req->page_size(), req->page_token());
  if (!page.ok()) return ToGrpc(page.status());
  return ReplyPage(
      dir_->ListApiKeys(req->community_id(), req->organisation_id(), page->after_id, page->size),
      resp->mutable_api_keys(), resp);
}

grpc::Status DirectoryServiceImpl::RevokeApiKey(grpc::ServerContext* ctx,
                                                const dpb::RevokeApiKeyRequest* req,
                                                dpb::ApiKey* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(dir_->RevokeApiKey(ActorOf(*ctx), req->community_id(), req->organisation_id(),
                                  req->api_key_id()),
               resp);
}

grpc::Status DirectoryServiceImpl::ExportMemberData(grpc::ServerContext* ctx,
                                                    const dpb::ExportMemberDataRequest* req,
                                                    dpb::ExportMemberDataResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  absl::StatusOr<std::string> json = dir_->ExportMemberData(req->community_id(), req->member_id());
  if (!json.ok()) return ToGrpc(json.status());
  resp->set_json(std::move(*json));
  return grpc::Status::OK;
}

grpc::Status DirectoryServiceImpl::EraseMember(grpc::ServerContext* ctx,
                                               const dpb::EraseMemberRequest* req,
                                               dpb::Member* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(
      dir_->EraseMember(ActorOf(*ctx), req->community_id(), req->member_id(), req->reason()), resp);
}

// ---- AuthService --------------------------------------------------------------------------

grpc::Status AuthServiceImpl::SignUp(grpc::ServerContext* ctx, const dpb::SignUpRequest* req,
                                     dpb::SignUpResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(auth_->SignUp(*req, Address(*ctx)), resp);
}

grpc::Status AuthServiceImpl::SignIn(grpc::ServerContext* ctx, const dpb::SignInRequest* req,
                                     dpb::Tokens* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(auth_->SignIn(*req, Address(*ctx)), resp);
}

grpc::Status AuthServiceImpl::Refresh(grpc::ServerContext* ctx, const dpb::RefreshRequest* req,
                                      dpb::Tokens* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(auth_->Refresh(req->refresh_token()), resp);
}

grpc::Status AuthServiceImpl::SignOut(grpc::ServerContext* ctx, const dpb::SignOutRequest* req,
                                      dpb::SignOutResponse*) {
  TB_RETURN_IF_DENIED(ctx);
  return ToGrpc(auth_->SignOut(req->refresh_token()));
}

grpc::Status AuthServiceImpl::SignOutEverywhere(grpc::ServerContext* ctx,
                                                const dpb::SignOutEverywhereRequest* req,
                                                dpb::SignOutEverywhereResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  absl::StatusOr<int> n =
      auth_->SignOutEverywhere(ActorOf(*ctx).principal, req->community_id(), req->member_id());
  if (!n.ok()) return ToGrpc(n.status());
  resp->set_sessions_revoked(*n);
  return grpc::Status::OK;
}

grpc::Status AuthServiceImpl::ChangePassword(grpc::ServerContext* ctx,
                                             const dpb::ChangePasswordRequest* req,
                                             dpb::ChangePasswordResponse*) {
  TB_RETURN_IF_DENIED(ctx);
  return ToGrpc(auth_->ChangePassword(ActorOf(*ctx).principal, req->current_password(),
                                      req->new_password(), Address(*ctx)));
}

grpc::Status AuthServiceImpl::SetPassword(grpc::ServerContext* ctx,
                                          const dpb::SetPasswordRequest* req,
                                          dpb::SetPasswordResponse*) {
  TB_RETURN_IF_DENIED(ctx);
  return ToGrpc(auth_->SetPassword(ActorOf(*ctx), req->community_id(), req->member_id(),
                                   req->new_password()));
}

grpc::Status AuthServiceImpl::RotateSigningKey(grpc::ServerContext* ctx,
                                               const dpb::RotateSigningKeyRequest*,
                                               dpb::RotateSigningKeyResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(auth_->RotateSigningKey(), resp);
}

grpc::Status AuthServiceImpl::CompleteSetup(grpc::ServerContext* ctx,
                                            const dpb::CompleteSetupRequest* req,
                                            dpb::Tokens* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(auth_->CompleteSetup(*req, Address(*ctx)), resp);
}

grpc::Status AuthServiceImpl::PollRevocations(grpc::ServerContext* ctx,
                                              const dpb::PollRevocationsRequest* req,
                                              dpb::PollRevocationsResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  *resp = auth_->PollRevocations(req->after_seq());
  return grpc::Status::OK;
}

grpc::Status AuthServiceImpl::WhoAmI(grpc::ServerContext* ctx, const dpb::WhoAmIRequest*,
                                     dpb::Principal* resp) {
  TB_RETURN_IF_DENIED(ctx);
  *resp = ActorOf(*ctx).principal;
  return grpc::Status::OK;
}

}  // namespace timebank::directory
