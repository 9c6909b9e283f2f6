#include "tests/crash/crash_harness.h"

#include <algorithm>
#include <set>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/common/auth/auth_interceptor.h"
#include "services/common/auth/keyring.h"
#include "services/common/auth/token.h"

namespace timebank::testing {

namespace lpb = ::timebank::ledger::v1;

namespace {

std::vector<std::string> TimebankdArgs(const std::string& data_dir,
                                       const std::vector<std::string>& args) {
  std::vector<std::string> all = {"--listen=127.0.0.1:0",
                                  "--metrics_listen=", "--data_dir=" + data_dir};
  all.insert(all.end(), args.begin(), args.end());
  return all;
}

// Ids per CreateTransfers and GetTransfers call: well inside the ledger's limits.
constexpr size_t kRetryBatch = 1000;
constexpr size_t kLookupBatch = 8000;

}  // namespace

Timebankd::Timebankd(const std::string& data_dir, const std::vector<std::string>& args,
                     const std::vector<std::string>& env)
    : ChildProcess(TIMEBANKD_PATH, TimebankdArgs(data_dir, args), env) {}

std::shared_ptr<grpc::Channel> ServiceChannel(const std::string& data_dir,
                                              const std::string& address) {
  auto keyring = auth::Keyring::Open(data_dir + "/keyring");
  if (!keyring.ok()) {
    ADD_FAILURE() << "the server's keyring: " << keyring.status();
    return nullptr;
  }
  return auth::MakeTokenChannel(
      address, auth::MintServiceToken(**keyring, "crash-test", absl::ToUnixSeconds(absl::Now())));
}

std::vector<std::string> TransferLog::Record(const std::vector<lpb::Transfer>& sent,
                                             const grpc::Status& status,
                                             const lpb::CreateTransfersResponse& resp) {
  std::vector<std::string> created;
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < sent.size(); ++i) {
    if (!status.ok()) {
      uncertain_[sent[i].id()] = sent[i];
    } else if (static_cast<int>(i) < resp.results_size() &&
               resp.results(static_cast<int>(i)).code() == lpb::CREATE_TRANSFER_CREATED) {
      acknowledged_[sent[i].id()] = sent[i];
      created.push_back(sent[i].id());
    }
  }
  return created;
}

void TransferLog::ResolveUncertain(lpb::LedgerService::Stub* ledger) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> ids;
  for (const auto& [id, t] : uncertain_) ids.push_back(id);
  for (size_t from = 0; from < ids.size(); from += kRetryBatch) {
    lpb::CreateTransfersRequest req;
    for (size_t i = from; i < std::min(ids.size(), from + kRetryBatch); ++i) {
      *req.add_transfers() = uncertain_[ids[i]];
    }
    lpb::CreateTransfersResponse resp;
    grpc::ClientContext ctx;
    const grpc::Status s = ledger->CreateTransfers(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    for (const auto& r : resp.results()) {
      ASSERT_TRUE(r.code() == lpb::CREATE_TRANSFER_CREATED ||
                  r.code() == lpb::CREATE_TRANSFER_EXISTS)
          << r.id() << " " << lpb::CreateTransferResultCode_Name(r.code());
      acknowledged_[r.id()] = uncertain_[r.id()];
    }
  }
  uncertain_.clear();
}

void TransferLog::ExpectAcknowledgedPresent(lpb::LedgerService::Stub* ledger) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> acked;
  for (const auto& [id, t] : acknowledged_) acked.push_back(id);
  for (size_t from = 0; from < acked.size(); from += kLookupBatch) {
    lpb::GetTransfersRequest req;
    for (size_t i = from; i < std::min(acked.size(), from + kLookupBatch); ++i) {
      req.add_ids(acked[i]);
    }
    lpb::GetTransfersResponse resp;
    grpc::ClientContext ctx;
    const grpc::Status s = ledger->GetTransfers(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(resp.not_found_ids_size(), 0)
        << "acknowledged transfer lost: " << resp.not_found_ids(0);
    for (const auto& t : resp.transfers()) {
      const lpb::Transfer& sent = acknowledged_[t.id()];
      if (sent.amount() != 0) ASSERT_EQ(t.amount(), sent.amount()) << t.id();
    }
  }
}

std::map<std::string, lpb::Transfer> TransferLog::acknowledged() const {
  std::lock_guard<std::mutex> lock(mu_);
  return acknowledged_;
}

size_t TransferLog::uncertain_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return uncertain_.size();
}

void ReadJournal(lpb::LedgerService::Stub* ledger, JournalContents* out) {
  lpb::VerifyJournalResponse v;
  {
    grpc::ClientContext ctx;
    const grpc::Status s = ledger->VerifyJournal(&ctx, lpb::VerifyJournalRequest(), &v);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  ASSERT_TRUE(v.ok()) << v.message();
  out->head_seq = v.head_seq();
  out->transfers.clear();
  std::set<std::string> seen;
  grpc::ClientContext ctx;
  lpb::WatchJournalRequest req;
  req.set_from_seq(1);
  auto reader = ledger->WatchJournal(&ctx, req);
  lpb::JournalEntry e;
  uint64_t last = 0;
  while (last < v.head_seq() && reader->Read(&e)) {
    ASSERT_EQ(e.seq(), last + 1);
    last = e.seq();
    if (!e.has_transfer()) continue;
    ASSERT_TRUE(seen.insert(e.transfer().id()).second)
        << "transfer posted twice: " << e.transfer().id();
    out->transfers.push_back(e.transfer());
  }
  ctx.TryCancel();
  ASSERT_EQ(last, v.head_seq());
}

}  // namespace timebank::testing
