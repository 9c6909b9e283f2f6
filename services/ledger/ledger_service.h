// LedgerServiceImpl adapts LedgerEngine to gRPC's callback API. It validates every
// request at the edge (sizes, ids, page tokens), hands mutations to the engine's
// writer and finishes the call from the engine's completion, runs store scans on a
// worker pool, and streams the journal to watchers. No handler ever blocks a
// gRPC thread.
#ifndef TIMEBANK_SERVICES_LEDGER_LEDGER_SERVICE_H_
#define TIMEBANK_SERVICES_LEDGER_LEDGER_SERVICE_H_

#include "services/common/metrics.h"
#include "services/common/worker_pool.h"
#include "services/ledger/ledger_engine.h"
#include "timebank/ledger/v1/ledger.grpc.pb.h"

namespace timebank::ledger {

class LedgerServiceImpl final : public pb::LedgerService::CallbackService {
 public:
  LedgerServiceImpl(LedgerEngine* engine, WorkerPool* pool);

  grpc::ServerUnaryReactor* CreateAccounts(grpc::CallbackServerContext* ctx,
                                           const pb::CreateAccountsRequest* req,
                                           pb::CreateAccountsResponse* resp) override;
  grpc::ServerUnaryReactor* GetAccounts(grpc::CallbackServerContext* ctx,
                                        const pb::GetAccountsRequest* req,
                                        pb::GetAccountsResponse* resp) override;
  grpc::ServerUnaryReactor* ListAccounts(grpc::CallbackServerContext* ctx,
                                         const pb::ListAccountsRequest* req,
                                         pb::ListAccountsResponse* resp) override;
  grpc::ServerUnaryReactor* SetAccountStatus(grpc::CallbackServerContext* ctx,
                                             const pb::SetAccountStatusRequest* req,
                                             pb::SetAccountStatusResponse* resp) override;
  grpc::ServerUnaryReactor* CreateTransfers(grpc::CallbackServerContext* ctx,
                                            const pb::CreateTransfersRequest* req,
                                            pb::CreateTransfersResponse* resp) override;
  grpc::ServerUnaryReactor* GetTransfers(grpc::CallbackServerContext* ctx,
                                         const pb::GetTransfersRequest* req,
                                         pb::GetTransfersResponse* resp) override;
  grpc::ServerUnaryReactor* ListTransfers(grpc::CallbackServerContext* ctx,
                                          const pb::ListTransfersRequest* req,
                                          pb::ListTransfersResponse* resp) override;
  grpc::ServerWriteReactor<pb::JournalEntry>* WatchJournal(
      grpc::CallbackServerContext* ctx, const pb::WatchJournalRequest* req) override;
  grpc::ServerUnaryReactor* VerifyJournal(grpc::CallbackServerContext* ctx,
                                          const pb::VerifyJournalRequest* req,
                                          pb::VerifyJournalResponse* resp) override;
  grpc::ServerUnaryReactor* EraseMemberTexts(grpc::CallbackServerContext* ctx,
                                             const pb::EraseMemberTextsRequest* req,
                                             pb::EraseMemberTextsResponse* resp) override;

 private:
  LedgerEngine* const engine_;
  WorkerPool* const pool_;
};

// Registers ledger gauges (journal head, index lag) and the commit histograms.
// Returns the LedgerOptions::on_commit observer to pass to the engine.
std::function<void(const CommitStats&)> LedgerCommitMetrics(MetricsRegistry* registry);
void RegisterLedgerGauges(MetricsRegistry* registry, LedgerEngine* engine);

}  // namespace timebank::ledger

#endif  // TIMEBANK_SERVICES_LEDGER_LEDGER_SERVICE_H_
