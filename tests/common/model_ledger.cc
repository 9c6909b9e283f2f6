#include "tests/common/model_ledger.h"

#include <google/protobuf/util/message_differencer.h>

#include "absl/strings/str_cat.h"
#include "services/ledger/model.h"

namespace timebank::testing {
namespace {

namespace lpb = ::timebank::ledger::v1;

bool Landed(lpb::CreateTransferResultCode code) {
  return code == lpb::CREATE_TRANSFER_CREATED || code == lpb::CREATE_TRANSFER_EXISTS;
}

}  // namespace

absl::StatusOr<std::vector<lpb::CreateTransferResult>> ModelLedger::Post(
    const std::vector<lpb::Transfer>& ts) {
  if (down) return absl::UnavailableError("ledger down");
  if (ts.empty() || ts.size() > ledger::kMaxBatchEvents) {
    return absl::InvalidArgumentError(absl::StrCat("transfers: between 1 and ",
                                                   ledger::kMaxBatchEvents, " per call (got ",
                                                   ts.size(), "); split larger batches"));
  }
  if (refuse) {
    if (absl::Status s = refuse(ts); !s.ok()) return s;
  }
  call_sizes.push_back(ts.size());
  std::vector<lpb::CreateTransferResult> out(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) {
    out[i].set_index(static_cast<uint32_t>(i));
    out[i].set_id(ts[i].id());
  }
  for (size_t begin = 0; begin < ts.size();) {
    size_t end = begin;  // ts[begin..end] is one chain
    while (end + 1 < ts.size() && ts[end].linked()) ++end;
    if (ts[end].linked()) {  // still open at the end of the call
      for (size_t k = begin; k <= end; ++k) {
        out[k].set_code(k == end ? lpb::CREATE_TRANSFER_LINKED_EVENT_CHAIN_OPEN
                                 : lpb::CREATE_TRANSFER_LINKED_EVENT_FAILED);
      }
      break;
    }
    // A chain is all or nothing: keep what it may have to undo.
    const bool chain = end > begin;
    const auto saved_balance = chain ? balance : decltype(balance){};
    const auto saved_posted = chain ? posted : decltype(posted){};
    const auto saved_requests = chain ? requests : decltype(requests){};
    size_t failed = ts.size();
    for (size_t k = begin; k <= end && failed == ts.size(); ++k) {
      out[k].set_code(Apply(ts[k]));
      if (!Landed(out[k].code())) failed = k;
    }
    if (failed != ts.size() && chain) {
      balance = saved_balance;
      posted = saved_posted;
      requests = saved_requests;
      for (size_t k = begin; k <= end; ++k) {
        if (k != failed) out[k].set_code(lpb::CREATE_TRANSFER_LINKED_EVENT_FAILED);
      }
    }
    begin = end + 1;
  }
  if (lose_reply) {
    lose_reply = false;
    return absl::DeadlineExceededError("reply lost");
  }
  return out;
}

lpb::CreateTransferResultCode ModelLedger::Apply(const lpb::Transfer& in) {
  // As the ledger: a retry is EXISTS only when it is the same request, every field.
  if (auto it = requests.find(in.id()); it != requests.end()) {
    return google::protobuf::util::MessageDifferencer::Equals(it->second, in)
               ? lpb::CREATE_TRANSFER_EXISTS
               : lpb::CREATE_TRANSFER_EXISTS_WITH_DIFFERENT_FIELDS;
  }
  const lpb::CreateTransferResultCode code = ApplyNew(in);
  if (code == lpb::CREATE_TRANSFER_CREATED) requests[in.id()] = in;
  return code;
}

lpb::CreateTransferResultCode ModelLedger::ApplyNew(const lpb::Transfer& in) {
  lpb::Transfer t = in;
  if (in.post_pending()) {
    if (!posted.count(in.pending_id())) return lpb::CREATE_TRANSFER_PENDING_TRANSFER_NOT_FOUND;
    posted[in.id()] = in;  // the reservation already moved the balances
    return lpb::CREATE_TRANSFER_CREATED;
  }
  if (in.kind() == lpb::TRANSFER_KIND_REVERSAL) {  // the reversed transfer, backwards
    auto it = posted.find(in.reverses_id());
    if (it == posted.end()) return lpb::CREATE_TRANSFER_REVERSAL_TARGET_NOT_FOUND;
    t.set_debit_account_id(it->second.credit_account_id());
    t.set_credit_account_id(it->second.debit_account_id());
    t.set_amount(it->second.amount());
  }
  auto debit = accounts.find(t.debit_account_id());
  if (options_.accounts_must_exist) {
    if (debit == accounts.end()) return lpb::CREATE_TRANSFER_DEBIT_ACCOUNT_NOT_FOUND;
    if (!accounts.count(t.credit_account_id())) {
      return lpb::CREATE_TRANSFER_CREDIT_ACCOUNT_NOT_FOUND;
    }
  }
  std::optional<int64_t> min = options_.default_min_balance;
  if (debit != accounts.end() && debit->second.has_min_balance()) {
    min = debit->second.min_balance();
  }
  if (min && balance[t.debit_account_id()] - t.amount() < *min) {
    return lpb::CREATE_TRANSFER_EXCEEDS_MIN_BALANCE;
  }
  balance[t.debit_account_id()] -= t.amount();
  balance[t.credit_account_id()] += t.amount();
  posted[t.id()] = t;
  return lpb::CREATE_TRANSFER_CREATED;
}

absl::StatusOr<std::vector<lpb::CreateAccountResult>> ModelLedger::OpenAccounts(
    const std::vector<lpb::Account>& as) {
  if (down) return absl::UnavailableError("ledger down");
  if (as.empty() || as.size() > ledger::kMaxBatchEvents) {
    return absl::InvalidArgumentError(absl::StrCat("accounts: between 1 and ",
                                                   ledger::kMaxBatchEvents, " per call (got ",
                                                   as.size(), "); split larger batches"));
  }
  account_call_sizes.push_back(as.size());
  std::vector<lpb::CreateAccountResult> out(as.size());
  for (size_t i = 0; i < as.size(); ++i) {
    out[i].set_index(static_cast<uint32_t>(i));
    out[i].set_id(as[i].id());
    // As the ledger: a retry is EXISTS only when it asks for the same account.
    auto it = accounts.find(as[i].id());
    out[i].set_code(it == accounts.end() ? lpb::CREATE_ACCOUNT_CREATED
                    : google::protobuf::util::MessageDifferencer::Equals(it->second, as[i])
                        ? lpb::CREATE_ACCOUNT_EXISTS
                        : lpb::CREATE_ACCOUNT_EXISTS_WITH_DIFFERENT_FIELDS);
    accounts.emplace(as[i].id(), as[i]);
  }
  return out;
}

int64_t ModelLedger::Sum() const {
  int64_t s = 0;
  for (const auto& [id, b] : balance) s += b;
  return s;
}

}  // namespace timebank::testing
