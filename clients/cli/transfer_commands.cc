// tbctl's transfer commands: a new transfer (pending or posted), posting or voiding
// a pending one, reversing a posted one, and showing transfers.
#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "clients/cli/commands.h"
#include "clients/cli/ledger_common.h"
#include "clients/common/hours.h"
#include "clients/common/typed_input.h"

namespace timebank::cli {
namespace {

int SubmitTransfer(Client& c, const lpb::Transfer& t) {
  lpb::CreateTransfersRequest req;
  *req.add_transfers() = t;
  auto resp = c.Call<lpb::CreateTransfersResponse>(c.ledger(),
                                                   &lpb::LedgerService::Stub::CreateTransfers, req);
  const auto& r = resp.results(0);
  const bool ok =
      r.code() == lpb::CREATE_TRANSFER_CREATED || r.code() == lpb::CREATE_TRANSFER_EXISTS;
  if (Json()) {
    PrintJson(resp);
    return ok ? 0 : 1;
  }
  if (!ok) Die(absl::StrCat("transfer ", t.id(), " refused: ", Explain(r.code())));
  if (r.code() == lpb::CREATE_TRANSFER_EXISTS) {
    std::printf("transfer %s: %s\n", t.id().c_str(), Explain(r.code()).c_str());
  } else {
    std::printf("transfer %s recorded at %s (journal #%llu)\n", t.id().c_str(),
                FormatTime(r.recorded_at()).c_str(), static_cast<unsigned long long>(r.seq()));
  }
  return 0;
}

lpb::TransferKind ParseKind(const std::string& kind) {
  const std::vector<std::pair<std::string, lpb::TransferKind>> kinds = {
      {"exchange", lpb::TRANSFER_KIND_EXCHANGE},
      {"contribution", lpb::TRANSFER_KIND_CONTRIBUTION},
      {"donation", lpb::TRANSFER_KIND_DONATION},
      {"redemption", lpb::TRANSFER_KIND_REDEMPTION},
      {"adjustment", lpb::TRANSFER_KIND_ADJUSTMENT}};
  for (const auto& [name, k] : kinds) {
    if (name == kind) return k;
  }
  Die("--kind: exchange, contribution, donation, redemption or adjustment");
}

int ShowTransfers(Client& c, const Args& args) {
  if (args.size() < 2) Die("usage: tbctl transfer show ID...");
  lpb::GetTransfersRequest req;
  for (size_t i = 1; i < args.size(); ++i) req.add_ids(LedgerIdOrDie(args[i]));
  auto resp =
      c.Call<lpb::GetTransfersResponse>(c.ledger(), &lpb::LedgerService::Stub::GetTransfers, req);
  if (Json()) {
    PrintJson(resp);
  } else {
    PrintTransfers(resp.transfers());
    for (const auto& id : resp.not_found_ids()) {
      std::fprintf(stderr, "tbctl: no transfer '%s'\n", id.c_str());
    }
  }
  return resp.not_found_ids_size() == 0 ? 0 : 1;
}

// post or void a pending transfer; `t` holds the flags' fields.
int FollowUp(Client& c, const std::string& sub, const Args& args, lpb::Transfer t) {
  if (args.size() < 2 || args.size() > 3) {
    Die(absl::StrCat("usage: tbctl transfer ", sub, " PENDING_ID",
                     sub == "post" ? " [AMOUNT]" : ""));
  }
  lpb::GetTransfersRequest get;
  get.add_ids(LedgerIdOrDie(args[1]));
  auto found =
      c.Call<lpb::GetTransfersResponse>(c.ledger(), &lpb::LedgerService::Stub::GetTransfers, get);
  if (found.transfers_size() == 0) Die(absl::StrCat("no pending transfer '", args[1], "'"));
  const std::string unit = found.transfers(0).unit();
  if (t.id().empty()) t.set_id(FollowUpIdOrDie(args[1], sub));
  t.set_pending_id(args[1]);
  if (sub == "post") {
    t.set_post_pending(true);
  } else {
    t.set_void_pending(true);
  }
  if (args.size() == 3) t.set_amount(ParseAmount(args[2], unit, false));
  return SubmitTransfer(c, t);
}

int Reverse(Client& c, const Args& args, lpb::Transfer t) {
  if (args.size() != 2) Die("usage: tbctl transfer reverse ID --reason=\"...\"");
  if (absl::GetFlag(FLAGS_reason).empty()) Die("--reason: say why it is being reversed");
  if (t.id().empty()) t.set_id(FollowUpIdOrDie(args[1], "reversal"));
  t.set_kind(lpb::TRANSFER_KIND_REVERSAL);
  t.set_reverses_id(args[1]);
  t.set_memo(absl::GetFlag(FLAGS_reason));
  return SubmitTransfer(c, t);
}

// tbctl transfer AMOUNT --provider=.. --receiver=..
int New(Client& c, const Args& args, lpb::Transfer t) {
  const std::string& sub = args[0];
  // A new transfer: tbctl transfer AMOUNT --provider=.. --receiver=..
  if (args.size() != 1) Die("usage: tbctl transfer AMOUNT --provider=ACCT --receiver=ACCT");
  const std::string provider = absl::GetFlag(FLAGS_provider);
  const std::string receiver = absl::GetFlag(FLAGS_receiver);
  if (provider.empty() || receiver.empty()) {
    Die("say who gave the time (--provider=ACCT) and who received it (--receiver=ACCT)");
  }
  const lpb::Account account = GetAccount(c, receiver);
  if (t.id().empty()) t.set_id(RandomTransferId(account.community_id()));
  t.set_debit_account_id(receiver);
  t.set_credit_account_id(provider);
  t.set_amount(ParseAmount(sub, account.unit(), false));
  t.set_kind(ParseKind(absl::GetFlag(FLAGS_kind)));
  t.set_pending(absl::GetFlag(FLAGS_pending));
  if (!absl::GetFlag(FLAGS_timeout).empty()) {
    if (!t.pending()) Die("--timeout only applies with --pending");
    auto minutes = ParseDurationMinutes(absl::GetFlag(FLAGS_timeout));
    if (!minutes.ok()) Die(absl::StrCat("--timeout: ", minutes.status().message()));
    t.set_timeout_s(static_cast<uint32_t>(std::min<int64_t>(*minutes * 60, UINT32_MAX)));
  }
  return SubmitTransfer(c, t);
}

}  // namespace

int TransferCommand(Client& c, const std::string&, const Args& args) {
  if (args.empty()) Die("usage: tbctl transfer AMOUNT --provider=ACCT --receiver=ACCT");
  const std::string& sub = args[0];
  lpb::Transfer t;
  t.set_id(absl::GetFlag(FLAGS_id));
  t.set_memo(absl::GetFlag(FLAGS_memo));
  t.set_reference(absl::GetFlag(FLAGS_reference));
  t.set_coproduction_type(ParseCoproduction(absl::GetFlag(FLAGS_coproduction)));
  if (sub == "show") return ShowTransfers(c, args);
  if (sub == "post" || sub == "void") return FollowUp(c, sub, args, std::move(t));
  if (sub == "reverse") return Reverse(c, args, std::move(t));
  return New(c, args, std::move(t));
}

}  // namespace timebank::cli
