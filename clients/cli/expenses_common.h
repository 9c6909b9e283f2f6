// What tbctl's expenses commands (expenses_commands.cc, claim_commands.cc,
// expenses_policy_commands.cc, finance_commands.cc) share:
// the community's policy and currency, money shown and typed in it ("12.50"; the
// service keeps integer minor units), claims shown and acted on as last read.
#ifndef TIMEBANK_CLIENTS_CLI_EXPENSES_COMMON_H_
#define TIMEBANK_CLIENTS_CLI_EXPENSES_COMMON_H_

#include <cstdint>
#include <string>

#include "clients/cli/client.h"

namespace timebank::cli {

namespace xpb = ::timebank::expenses::v1;

xpb::Policy Policy(Client& c, uint64_t community);
// Digits after the point in `currency` (2 when unknown).
int Exponent(const std::string& currency);
// "12.50 GBP".
std::string Money(int64_t minor, const std::string& currency);
// Money typed for --`flag`; exits with advice when it is not an amount.
int64_t ParseMoney(const std::string& flag, const std::string& text, const std::string& currency);
// A category typed as a word (travel, mileage, care-cover...); exits with advice
// when it is not one.
xpb::Category ParseCategory(const std::string& text);
void PrintClaims(const google::protobuf::RepeatedPtrField<xpb::Claim>& claims);
int ShowClaim(const xpb::Claim& x);
xpb::Claim GetClaim(Client& c, uint64_t community, const std::string& id_text);

// The most claims one `claim list` or `finance queue` shows (one page).
inline constexpr int kClaimsListedMax = 200;
// Lists the first kClaimsListedMax claims that `req` selects and prints them as a table
// (or JSON with --json); with `note_when_more`, the table ends with a note when more
// claims matched than it shows. Returns exit code 0.
int ListAndPrintClaims(Client& c, xpb::ListClaimsRequest req, bool note_when_more);

// A member's bank details as the caller may see them (bank_commands.cc), and the
// claims to pay by other means (of `batch`, or all approved when 0). Exit code 0.
int ShowBankDetails(Client& c, uint64_t community, uint64_t member);
int ShowOtherMeans(Client& c, uint64_t community, uint64_t batch);

// Prints `m` as JSON (returns false: nothing more to show) or as a one-row table.
template <class Msg, class Print>
bool ShowOne(const Msg& m, Print print) {
  if (Json()) {
    PrintJson(m);
    return false;
  }
  google::protobuf::RepeatedPtrField<Msg> one;
  *one.Add() = m;
  print(one);
  return true;
}

// Acts on a claim as last read: fills `req`'s community, claim id and etag (so a change
// by someone else in between is refused, not overwritten) and calls `method`.
template <class Req, class Method>
int ActOnClaim(Client& c, uint64_t community, const std::string& claim_id, Req req, Method method) {
  const xpb::Claim claim = GetClaim(c, community, claim_id);
  req.set_community_id(community);
  req.set_claim_id(claim.id());
  req.set_etag(claim.etag());
  return ShowClaim(c.Call<xpb::Claim>(c.expenses(), method, req));
}

}  // namespace timebank::cli

#endif  // TIMEBANK_CLIENTS_CLI_EXPENSES_COMMON_H_
