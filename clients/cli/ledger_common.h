// What the ledger and server commands of tbctl share: their flags, amounts and
// times for people, ledger ids checked before they are sent, advice for a refused
// transfer, and the statement table (statement_commands.cc) that `transfer show`
// also prints.
#ifndef TIMEBANK_CLIENTS_CLI_LEDGER_COMMON_H_
#define TIMEBANK_CLIENTS_CLI_LEDGER_COMMON_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/flags/declare.h"
#include "clients/cli/client.h"
#include "timebank/ledger/v1/ledger.grpc.pb.h"

ABSL_DECLARE_FLAG(bool, csv);
ABSL_DECLARE_FLAG(uint64_t, community);
ABSL_DECLARE_FLAG(std::string, unit);
ABSL_DECLARE_FLAG(std::string, owner);
ABSL_DECLARE_FLAG(std::string, owner_ref);
ABSL_DECLARE_FLAG(std::string, min);
ABSL_DECLARE_FLAG(std::string, max);
ABSL_DECLARE_FLAG(std::string, provider);
ABSL_DECLARE_FLAG(std::string, receiver);
ABSL_DECLARE_FLAG(std::string, id);
ABSL_DECLARE_FLAG(std::string, kind);
ABSL_DECLARE_FLAG(std::string, coproduction);
ABSL_DECLARE_FLAG(std::string, memo);
ABSL_DECLARE_FLAG(std::string, reference);
ABSL_DECLARE_FLAG(std::string, reason);
ABSL_DECLARE_FLAG(bool, pending);
ABSL_DECLARE_FLAG(std::string, timeout);
ABSL_DECLARE_FLAG(std::string, since);
ABSL_DECLARE_FLAG(std::string, until);
ABSL_DECLARE_FLAG(bool, oldest_first);
ABSL_DECLARE_FLAG(int, limit);
ABSL_DECLARE_FLAG(uint64_t, from);

namespace timebank::cli {

namespace lpb = ::timebank::ledger::v1;

// 1h30m for TIME, "12.50 GBP" for money.
std::string FormatAmount(int64_t amount, const std::string& unit);
// An amount typed for an account of `unit`; exits with advice when it is not one.
int64_t ParseAmount(const std::string& text, const std::string& unit, bool allow_negative);
// "2026-11-20 14:05" and "2026-11-20", UTC.
std::string FormatTime(const google::protobuf::Timestamp& ts);
std::string FormatDay(const google::protobuf::Timestamp& ts);
// A refused transfer's result code as advice ("EXCEEDS_MIN_BALANCE" -> what to do).
std::string Explain(lpb::CreateTransferResultCode code);
// A new id a person chose, in the community of the transfer's accounts.
std::string RandomTransferId(uint64_t community_id);
// Ledger ids typed by a person are checked here, so a typo gets the id rule rather
// than a refusal (the server cannot tell a typo from another community's id).
const std::string& LedgerIdOrDie(const std::string& id);
// The default id of a post, void or reversal of `id`; --id when it cannot be made.
std::string FollowUpIdOrDie(const std::string& id, const std::string& step);
// The account, or exits saying it does not exist.
lpb::Account GetAccount(Client& c, const std::string& id);

// Transfers as a table (or CSV with --csv), both accounts shown (statements are
// tbctl statement's own table).
void PrintTransfers(const google::protobuf::RepeatedPtrField<lpb::Transfer>& ts);

}  // namespace timebank::cli

#endif  // TIMEBANK_CLIENTS_CLI_LEDGER_COMMON_H_
