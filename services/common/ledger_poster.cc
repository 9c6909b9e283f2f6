#include "services/common/ledger_poster.h"

#include "absl/strings/str_cat.h"
#include "storage/check.h"

namespace timebank {
namespace {

namespace lpb = ::timebank::ledger::v1;

}  // namespace

LedgerAccountOpener::LedgerAccountOpener(LedgerAccountsClient* ledger, size_t max_per_call)
    : ledger_(ledger), max_per_call_(max_per_call) {
  TB_CHECK(ledger_ != nullptr);
  TB_CHECK(max_per_call_ >= 1 && max_per_call_ <= ledger::kMaxBatchEvents);
}

LedgerPoster::LedgerPoster(LedgerClient* ledger, size_t max_per_call)
    : ledger_(ledger), max_per_call_(max_per_call), accounts_(ledger, max_per_call) {
  TB_CHECK(ledger_ != nullptr);
  TB_CHECK(max_per_call_ >= 1 && max_per_call_ <= ledger::kMaxBatchEvents);
}

bool LedgerPoster::IsRefusal(const absl::Status& s) {
  return s.code() == absl::StatusCode::kInvalidArgument ||
         s.code() == absl::StatusCode::kOutOfRange;
}

PostingReport LedgerPoster::Post(const std::vector<std::vector<lpb::Transfer>>& entries) {
  PostingReport report;
  report.outcomes.resize(entries.size());
  // Every chain of every entry that can be sent, in order.
  std::vector<Chain> chains;
  for (size_t e = 0; e < entries.size(); ++e) {
    const std::vector<lpb::Transfer>& ts = entries[e];
    PostingOutcome& out = report.outcomes[e];
    if (ts.empty()) {
      out.kind = PostingOutcome::Kind::kAnswered;  // nothing to post
      continue;
    }
    if (ts.back().linked()) {
      out.kind = PostingOutcome::Kind::kRefused;
      out.refusal = "its last transfer is linked, so its chain never closes; nothing was sent";
      continue;
    }
    std::vector<Chain> own;
    for (size_t first = 0; first < ts.size();) {
      size_t end = first;
      while (ts[end].linked()) ++end;  // the last transfer is not linked: stops there
      own.push_back({e, first, end - first + 1});
      first = end + 1;
    }
    for (const Chain& c : own) {
      if (c.count > max_per_call_) {
        out.kind = PostingOutcome::Kind::kRefused;
        out.refusal = absl::StrCat("a linked chain of ", c.count,
                                   " transfers is longer than the ledger takes in one call (",
                                   max_per_call_, "); nothing was sent");
        break;
      }
    }
    if (out.kind == PostingOutcome::Kind::kRefused) continue;
    out.results.resize(ts.size());
    chains.insert(chains.end(), own.begin(), own.end());
  }

  // Pack whole chains into calls of at most max_per_call_ transfers, in order.
  std::vector<size_t> answered(entries.size(), 0);
  std::vector<Chain> call;
  size_t in_call = 0;
  for (size_t i = 0; i <= chains.size() && report.unreachable.ok(); ++i) {
    if (i == chains.size() || in_call + chains[i].count > max_per_call_) {
      if (!call.empty()) report.unreachable = Send(entries, call, &report, &answered);
      call.clear();
      in_call = 0;
      if (i == chains.size()) break;
    }
    call.push_back(chains[i]);
    in_call += chains[i].count;
  }

  for (size_t e = 0; e < entries.size(); ++e) {
    PostingOutcome& out = report.outcomes[e];
    if (out.kind != PostingOutcome::Kind::kNotSent) continue;
    if (answered[e] == entries[e].size()) {
      out.kind = PostingOutcome::Kind::kAnswered;
    } else {
      out.results.clear();  // partly answered: all of it is retried (idempotent ids)
    }
  }
  return report;
}

absl::Status LedgerPoster::Send(const std::vector<std::vector<lpb::Transfer>>& entries,
                                const std::vector<Chain>& chains, PostingReport* report,
                                std::vector<size_t>* answered) {
  std::vector<lpb::Transfer> call;
  for (const Chain& c : chains) {
    const std::vector<lpb::Transfer>& ts = entries[c.entry];
    call.insert(call.end(), ts.begin() + static_cast<ptrdiff_t>(c.first),
                ts.begin() + static_cast<ptrdiff_t>(c.first + c.count));
  }
  TB_CHECK(!call.empty() && call.size() <= max_per_call_);
  absl::StatusOr<std::vector<lpb::CreateTransferResult>> results = ledger_->Post(call);
  if (results.ok()) {
    TB_CHECK(results->size() == call.size());
    size_t k = 0;
    for (const Chain& c : chains) {
      PostingOutcome& out = report->outcomes[c.entry];
      for (size_t i = 0; i < c.count; ++i, ++k) out.results[c.first + i] = std::move((*results)[k]);
      (*answered)[c.entry] += c.count;
    }
    return absl::OkStatus();
  }
  if (!IsRefusal(results.status())) return results.status();
  // Refused as a whole. One entry: it is at fault. Several: halve at an entry
  // boundary and try each half, so only the entries at fault are refused.
  const size_t first_entry = chains.front().entry;
  const size_t last_entry = chains.back().entry;
  if (first_entry == last_entry) {
    PostingOutcome& out = report->outcomes[first_entry];
    out.kind = PostingOutcome::Kind::kRefused;
    out.results.clear();
    out.refusal = absl::StrCat("the ledger refused the request: ", results.status().message());
    return absl::OkStatus();
  }
  const size_t middle_entry = first_entry + (last_entry - first_entry + 1) / 2;
  size_t split = 0;
  while (chains[split].entry < middle_entry) ++split;
  const std::vector<Chain> head(chains.begin(), chains.begin() + static_cast<ptrdiff_t>(split));
  const std::vector<Chain> tail(chains.begin() + static_cast<ptrdiff_t>(split), chains.end());
  TB_RETURN_IF_ERROR(Send(entries, head, report, answered));
  return Send(entries, tail, report, answered);
}

absl::StatusOr<std::map<std::string, std::string>> LedgerAccountOpener::OpenAccounts(
    const std::vector<lpb::Account>& accounts) {
  std::map<std::string, std::string> unusable;
  // Calls within the limit; a refused call is halved until the accounts at fault
  // are found (as Post does for entries).
  std::vector<std::pair<size_t, size_t>> todo;  // [begin, end), processed front first
  for (size_t b = 0; b < accounts.size(); b += max_per_call_) {
    todo.emplace_back(b, std::min(accounts.size(), b + max_per_call_));
  }
  for (size_t t = 0; t < todo.size(); ++t) {
    const auto [begin, end] = todo[t];
    const std::vector<lpb::Account> call(accounts.begin() + static_cast<ptrdiff_t>(begin),
                                         accounts.begin() + static_cast<ptrdiff_t>(end));
    absl::StatusOr<std::vector<lpb::CreateAccountResult>> opened = ledger_->OpenAccounts(call);
    if (opened.ok()) {
      TB_CHECK(opened->size() == call.size());
      for (size_t i = 0; i < call.size(); ++i) {
        const lpb::CreateAccountResultCode code = (*opened)[i].code();
        if (code != lpb::CREATE_ACCOUNT_CREATED && code != lpb::CREATE_ACCOUNT_EXISTS) {
          unusable[call[i].id()] = lpb::CreateAccountResultCode_Name(code);
        }
      }
      continue;
    }
    if (!LedgerPoster::IsRefusal(opened.status())) return opened.status();
    if (call.size() == 1) {
      unusable[call[0].id()] =
          absl::StrCat("the ledger refused to open it: ", opened.status().message());
      continue;
    }
    const size_t middle = begin + call.size() / 2;
    // Process both halves next, before the remaining calls (order is kept).
    todo.insert(todo.begin() + static_cast<ptrdiff_t>(t) + 1, {{begin, middle}, {middle, end}});
  }
  return unusable;
}

}  // namespace timebank
