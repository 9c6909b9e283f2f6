// gRPC adapter of the expenses service (synchronous API) over the ExpenseBook.
#ifndef TIMEBANK_SERVICES_EXPENSES_EXPENSES_SERVICE_H_
#define TIMEBANK_SERVICES_EXPENSES_EXPENSES_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "services/common/outbox_pump.h"
#include "services/expenses/expense_book.h"
#include "timebank/expenses/v1/expenses.grpc.pb.h"

namespace timebank::expenses {

class ExpensesServiceImpl final : public xpb::ExpensesService::Service {
 public:
  ExpensesServiceImpl(ExpenseBook* book, OutboxPump* pump) : book_(book), pump_(pump) {}

  grpc::Status SetPolicy(grpc::ServerContext*, const xpb::SetPolicyRequest*, xpb::Policy*) override;
  grpc::Status GetPolicy(grpc::ServerContext*, const xpb::GetPolicyRequest*, xpb::Policy*) override;
  grpc::Status CreateClaim(grpc::ServerContext*, const xpb::CreateClaimRequest*,
                           xpb::Claim*) override;
  grpc::Status UpdateClaim(grpc::ServerContext*, const xpb::UpdateClaimRequest*,
                           xpb::Claim*) override;
  grpc::Status SubmitClaim(grpc::ServerContext*, const xpb::SubmitClaimRequest*,
                           xpb::Claim*) override;
  grpc::Status GetClaim(grpc::ServerContext*, const xpb::GetClaimRequest*, xpb::Claim*) override;
  grpc::Status ListClaims(grpc::ServerContext*, const xpb::ListClaimsRequest*,
                          xpb::ListClaimsResponse*) override;
  grpc::Status DecideClaim(grpc::ServerContext*, const xpb::DecideClaimRequest*,
                           xpb::Claim*) override;
  grpc::Status AttachReceipt(grpc::ServerContext*, const xpb::AttachReceiptRequest*,
                             xpb::Claim*) override;
  grpc::Status DetachReceipt(grpc::ServerContext*, const xpb::DetachReceiptRequest*,
                             xpb::Claim*) override;
  grpc::Status GetReceipt(grpc::ServerContext*, const xpb::GetReceiptRequest*,
                          xpb::GetReceiptResponse*) override;
  grpc::Status ReverseApproval(grpc::ServerContext*, const xpb::ReverseApprovalRequest*,
                               xpb::Claim*) override;
  grpc::Status GetMoneyReport(grpc::ServerContext*, const xpb::GetMoneyReportRequest*,
                              xpb::MoneyReport*) override;
  grpc::Status CreatePaymentBatch(grpc::ServerContext*, const xpb::CreatePaymentBatchRequest*,
                                  xpb::PaymentBatch*) override;
  grpc::Status GetPaymentBatch(grpc::ServerContext*, const xpb::GetPaymentBatchRequest*,
                               xpb::PaymentBatch*) override;
  grpc::Status ListPaymentBatches(grpc::ServerContext*, const xpb::ListPaymentBatchesRequest*,
                                  xpb::ListPaymentBatchesResponse*) override;
  grpc::Status ExportPaymentBatch(grpc::ServerContext*, const xpb::ExportPaymentBatchRequest*,
                                  xpb::ExportPaymentBatchResponse*) override;
  grpc::Status ListOtherMeansClaims(grpc::ServerContext*, const xpb::ListOtherMeansClaimsRequest*,
                                    xpb::ListOtherMeansClaimsResponse*) override;
  grpc::Status SetBankDetails(grpc::ServerContext*, const xpb::SetBankDetailsRequest*,
                              xpb::BankDetails*) override;
  grpc::Status GetBankDetails(grpc::ServerContext*, const xpb::GetBankDetailsRequest*,
                              xpb::BankDetails*) override;
  grpc::Status DeleteBankDetails(grpc::ServerContext*, const xpb::DeleteBankDetailsRequest*,
                                 xpb::DeleteBankDetailsResponse*) override;
  grpc::Status MarkBatchPaid(grpc::ServerContext*, const xpb::MarkBatchPaidRequest*,
                             xpb::PaymentBatch*) override;
  grpc::Status EraseMemberData(grpc::ServerContext*, const xpb::EraseMemberDataRequest*,
                               xpb::EraseMemberDataResponse*) override;

 private:
  ExpenseBook* const book_;
  OutboxPump* const pump_;
};

}  // namespace timebank::expenses

#endif  // TIMEBANK_SERVICES_EXPENSES_EXPENSES_SERVICE_H_
