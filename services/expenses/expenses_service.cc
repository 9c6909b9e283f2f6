#include "services/expenses/expenses_service.h"

#include "absl/strings/str_cat.h"
#include "services/common/auth/auth_interceptor.h"
#include "services/common/grpc_util.h"
#include "services/common/paging.h"

namespace timebank::expenses {
namespace {

namespace dpb = ::timebank::directory::v1;

dpb::Principal Caller(const grpc::ServerContext& ctx) {
  std::optional<dpb::Principal> p = auth::CallerOf(ctx);
  return p ? *p : dpb::Principal();
}

}  // namespace

grpc::Status ExpensesServiceImpl::SetPolicy(grpc::ServerContext* ctx,
                                            const xpb::SetPolicyRequest* req, xpb::Policy* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(book_->UpdatePolicy(Caller(*ctx), req->policy(), req->update_mask()), resp);
}

grpc::Status ExpensesServiceImpl::GetPolicy(grpc::ServerContext* ctx,
                                            const xpb::GetPolicyRequest* req, xpb::Policy* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(book_->GetPolicy(req->community_id()), resp);
}

grpc::Status ExpensesServiceImpl::CreateClaim(grpc::ServerContext* ctx,
                                              const xpb::CreateClaimRequest* req,
                                              xpb::Claim* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(book_->CreateClaim(Caller(*ctx), req->claim(), req->request_id()), resp);
}

grpc::Status ExpensesServiceImpl::UpdateClaim(grpc::ServerContext* ctx,
                                              const xpb::UpdateClaimRequest* req,
                                              xpb::Claim* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(book_->UpdateClaim(Caller(*ctx), req->claim(), req->update_mask()), resp);
}

grpc::Status ExpensesServiceImpl::SubmitClaim(grpc::ServerContext* ctx,
                                              const xpb::SubmitClaimRequest* req,
                                              xpb::Claim* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(book_->SubmitClaim(Caller(*ctx), req->community_id(), req->claim_id(), req->etag()),
               resp);
}

grpc::Status ExpensesServiceImpl::GetClaim(grpc::ServerContext* ctx,
                                           const xpb::GetClaimRequest* req, xpb::Claim* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(book_->GetClaim(Caller(*ctx), req->community_id(), req->claim_id()), resp);
}

grpc::Status ExpensesServiceImpl::ListClaims(grpc::ServerContext* ctx,
                                             const xpb::ListClaimsRequest* req,
                                             xpb::ListClaimsResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  absl::StatusOr<IdPage> page = ReadIdPage(req->page_size(), req->page_token());
  if (!page.ok()) return ToGrpc(page.status());
  return ReplyPage(book_->ListClaims(Caller(*ctx), *req, page->after_id, page->size),
                   resp->mutable_claims(), resp);
}

grpc::Status ExpensesServiceImpl::DecideClaim(grpc::ServerContext* ctx,
                                              const xpb::DecideClaimRequest* req,
                                              xpb::Claim* resp) {
  TB_RETURN_IF_DENIED(ctx);
  grpc::Status s = Reply(book_->DecideClaim(Caller(*ctx), *req), resp);
  pump_->Wake();  // an approval queued a posting
  return s;
}

grpc::Status ExpensesServiceImpl::AttachReceipt(grpc::ServerContext* ctx,
                                                const xpb::AttachReceiptRequest* req,
                                                xpb::Claim* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(book_->AttachReceipt(Caller(*ctx), *req), resp);
}

grpc::Status ExpensesServiceImpl::DetachReceipt(grpc::ServerContext* ctx,
                                                const xpb::DetachReceiptRequest* req,
                                                xpb::Claim* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(book_->DetachReceipt(Caller(*ctx), *req), resp);
}

grpc::Status ExpensesServiceImpl::GetReceipt(grpc::ServerContext* ctx,
                                             const xpb::GetReceiptRequest* req,
                                             xpb::GetReceiptResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(book_->GetReceipt(Caller(*ctx), *req), resp);
}

grpc::Status ExpensesServiceImpl::ReverseApproval(grpc::ServerContext* ctx,
                                                  const xpb::ReverseApprovalRequest* req,
                                                  xpb::Claim* resp) {
  TB_RETURN_IF_DENIED(ctx);
  grpc::Status s = Reply(book_->ReverseApproval(Caller(*ctx), *req), resp);
  pump_->Wake();
  return s;
}

grpc::Status ExpensesServiceImpl::GetMoneyReport(grpc::ServerContext* ctx,
                                                 const xpb::GetMoneyReportRequest* req,
                                                 xpb::MoneyReport* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(book_->GetMoneyReport(*req), resp);
}

grpc::Status ExpensesServiceImpl::CreatePaymentBatch(grpc::ServerContext* ctx,
                                                     const xpb::CreatePaymentBatchRequest* req,
                                                     xpb::PaymentBatch* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(book_->CreatePaymentBatch(Caller(*ctx), *req), resp);
}

grpc::Status ExpensesServiceImpl::GetPaymentBatch(grpc::ServerContext* ctx,
                                                  const xpb::GetPaymentBatchRequest* req,
                                                  xpb::PaymentBatch* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(book_->GetPaymentBatch(req->community_id(), req->batch_id()), resp);
}

grpc::Status ExpensesServiceImpl::ListPaymentBatches(grpc::ServerContext* ctx,
                                                     const xpb::ListPaymentBatchesRequest* req,
                                                     xpb::ListPaymentBatchesResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  absl::StatusOr<IdPage> page = ReadIdPage(req->page_size(), req->page_token());
  if (!page.ok()) return ToGrpc(page.status());
  return ReplyPage(book_->ListPaymentBatches(req->community_id(), page->after_id, page->size),
                   resp->mutable_batches(), resp);
}

grpc::Status ExpensesServiceImpl::ExportPaymentBatch(grpc::ServerContext* ctx,
                                                     const xpb::ExportPaymentBatchRequest* req,
                                                     xpb::ExportPaymentBatchResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(book_->ExportPaymentBatch(Caller(*ctx), *req), resp);
}

grpc::Status ExpensesServiceImpl::ListOtherMeansClaims(grpc::ServerContext* ctx,
                                                       const xpb::ListOtherMeansClaimsRequest* req,
                                                       xpb::ListOtherMeansClaimsResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(book_->ListOtherMeansClaims(*req), resp);
}

grpc::Status ExpensesServiceImpl::SetBankDetails(grpc::ServerContext* ctx,
                                                 const xpb::SetBankDetailsRequest* req,
                                                 xpb::BankDetails* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(book_->SetBankDetails(Caller(*ctx), *req), resp);
}

grpc::Status ExpensesServiceImpl::GetBankDetails(grpc::ServerContext* ctx,
                                                 const xpb::GetBankDetailsRequest* req,
                                                 xpb::BankDetails* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(book_->GetBankDetails(Caller(*ctx), req->community_id(), req->member_id()), resp);
}

grpc::Status ExpensesServiceImpl::DeleteBankDetails(grpc::ServerContext* ctx,
                                                    const xpb::DeleteBankDetailsRequest* req,
                                                    xpb::DeleteBankDetailsResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(book_->DeleteBankDetails(Caller(*ctx), req->community_id(), req->member_id()), resp);
}

grpc::Status ExpensesServiceImpl::MarkBatchPaid(grpc::ServerContext* ctx,
                                                const xpb::MarkBatchPaidRequest* req,
                                                xpb::PaymentBatch* resp) {
  TB_RETURN_IF_DENIED(ctx);
  grpc::Status s = Reply(book_->MarkBatchPaid(Caller(*ctx), *req), resp);
  pump_->Wake();
  return s;
}

grpc::Status ExpensesServiceImpl::EraseMemberData(grpc::ServerContext* ctx,
                                                  const xpb::EraseMemberDataRequest* req,
                                                  xpb::EraseMemberDataResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(book_->EraseMember(req->community_id(), req->member_id()), resp);
}

}  // namespace timebank::expenses
