// LedgerPoster posts work from a service's outbox to the ledger in calls the ledger
// accepts: at most kMaxBatchEvents transfers (or accounts) per call, every linked
// chain inside one call. It tells "the ledger is unreachable" (nothing is known: the
// caller keeps the entries and retries with backoff) from "the ledger refused this
// request" (only the entries whose request was refused are marked so, and the
// others go on), so one bad entry never blocks the entries queued behind it.
// Plain C++ over the ledger interfaces of services/common/peers.h; used by every
// service that posts to the ledger through an outbox. LedgerAccountOpener is its
// accounts half on its own, for a service that opens accounts and posts no transfers
// (the directory), so nothing has to pretend it can post.
#ifndef TIMEBANK_SERVICES_COMMON_LEDGER_POSTER_H_
#define TIMEBANK_SERVICES_COMMON_LEDGER_POSTER_H_

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/common/peers.h"
#include "services/ledger/model.h"
#include "timebank/ledger/v1/ledger.pb.h"

namespace timebank {

// What happened to one entry (one outbox entry's transfers).
struct PostingOutcome {
  enum class Kind : uint8_t {
    // Not answered: the ledger was unreachable first. Keep the entry; retry it.
    kNotSent,
    // The ledger answered every transfer: `results` holds one per transfer, in order
    // (each CREATED, EXISTS, or the ledger's reason for not posting it).
    kAnswered,
    // The request carrying the entry was refused as a whole (or could never fit in
    // one call): `refusal` says why. Nothing of it was posted by that request;
    // retrying it unchanged cannot succeed, so record the refusal and move on.
    kRefused,
  };
  Kind kind = Kind::kNotSent;
  std::vector<::timebank::ledger::v1::CreateTransferResult> results;
  std::string refusal;
};

// Outcomes of one Post, one per entry in order, and why the ledger could not be
// reached (OK when every entry has an answer or a refusal).
struct PostingReport {
  std::vector<PostingOutcome> outcomes;
  absl::Status unreachable;
};

// Opens accounts in calls within the ledger's limit; a refused call is halved until
// the accounts at fault are found, so only they are reported.
class LedgerAccountOpener {
 public:
  // `max_per_call`: accounts per call (tests lower it; at most kMaxBatchEvents).
  explicit LedgerAccountOpener(LedgerAccountsClient* ledger,
                               size_t max_per_call = ledger::kMaxBatchEvents);

  // Opens `accounts` (idempotent) in calls within the limit. Returns the accounts
  // that could not be opened, with why (empty: every account exists now); an error
  // means the ledger was unreachable and nothing is known.
  absl::StatusOr<std::map<std::string, std::string>> OpenAccounts(
      const std::vector<::timebank::ledger::v1::Account>& accounts);

 private:
  LedgerAccountsClient* const ledger_;
  const size_t max_per_call_;
};

class LedgerPoster {
 public:
  // `max_per_call`: transfers or accounts per call (tests lower it; at most the
  // ledger's published kMaxBatchEvents).
  explicit LedgerPoster(LedgerClient* ledger, size_t max_per_call = ledger::kMaxBatchEvents);

  // Posts `entries` in order. An entry is a list of transfers whose linked chains are
  // closed (the last transfer is not `linked`); a chain longer than one call, or an
  // entry whose last chain is open, is refused without being sent. Entries are packed
  // into as few calls as fit; when the ledger refuses a call, its entries are tried
  // in smaller calls until the entries at fault are found, and only they are refused.
  PostingReport Post(const std::vector<std::vector<::timebank::ledger::v1::Transfer>>& entries);

  // As LedgerAccountOpener::OpenAccounts, through the same ledger.
  absl::StatusOr<std::map<std::string, std::string>> OpenAccounts(
      const std::vector<::timebank::ledger::v1::Account>& accounts) {
    return accounts_.OpenAccounts(accounts);
  }

  // Whether `s` (a failed ledger call) says the request itself is wrong, so that
  // sending it again can never succeed. Anything else — unreachable, busy, timed
  // out, not allowed, an internal fault — may be the ledger's state or this
  // installation's configuration, never the entry's fault: it is retried.
  static bool IsRefusal(const absl::Status& s);

 private:
  struct Chain {
    size_t entry;  // index into the entries
    size_t first;  // first transfer of the chain within the entry
    size_t count;
  };
  // Sends `chains` (already within one call), fills in their results and counts
  // each entry's answered transfers; on a refusal of a call holding more than one
  // entry, halves it and tries again. Not OK only when the ledger was unreachable.
  absl::Status Send(const std::vector<std::vector<::timebank::ledger::v1::Transfer>>& entries,
                    const std::vector<Chain>& chains, PostingReport* report,
                    std::vector<size_t>* answered);

  LedgerTransfersClient* const ledger_;
  const size_t max_per_call_;
  LedgerAccountOpener accounts_;
};

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_COMMON_LEDGER_POSTER_H_
