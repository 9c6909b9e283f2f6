// tbctl's expenses commands, the parts they share: their flags and the flag table
// (claims in claim_commands.cc, the policy in expenses_policy_commands.cc, the finance
// workflow in finance_commands.cc), the community's policy and currency, money shown
// and typed in it ("12.50"; the service keeps integer minor units), and claims shown.
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "clients/cli/client.h"
#include "clients/cli/commands.h"
#include "clients/cli/expenses_common.h"
#include "clients/common/hours.h"
#include "clients/common/table.h"
#include "clients/common/typed_input.h"
#include "services/common/ids.h"
#include "services/common/validation.h"

ABSL_DECLARE_FLAG(uint64_t, org);
ABSL_DECLARE_FLAG(std::string, member);
ABSL_DECLARE_FLAG(std::string, reason);
ABSL_DECLARE_FLAG(bool, csv);
ABSL_DECLARE_FLAG(std::string, out);
ABSL_DECLARE_FLAG(std::string, reference);
ABSL_DECLARE_FLAG(std::string, since);
ABSL_DECLARE_FLAG(std::string, until);
ABSL_FLAG(std::string, state, "",
          "claim list: draft, submitted, needs-info, approved, rejected, paid; activity list: "
          "proposed, confirmed, declined, disputed, reversed, expired");
ABSL_FLAG(std::string, min_amount, "", "finance queue: only claims of at least this much (12.50)");
ABSL_FLAG(int, min_age_days, 0, "finance queue: only claims waiting at least this many days");
ABSL_FLAG(std::string, mileage_rate, "", "expenses policy: money per mile or km (0.45)");
ABSL_FLAG(std::string, distance_unit, "mile", "expenses policy: mile or km");
ABSL_FLAG(std::string, max_claim, "", "expenses policy: the most one claim may total");
ABSL_FLAG(std::string, max_month, "", "expenses policy: the most one member may claim a month");
ABSL_FLAG(int, window_days, 90, "expenses policy: how many days back a line may be dated");
ABSL_FLAG(std::string, second_above, "",
          "expenses policy: claims above this need a second approver");
ABSL_FLAG(std::string, categories, "",
          "expenses policy: claimable categories, comma-separated, or all");
ABSL_FLAG(std::string, title, "", "claim edit: a new title");
ABSL_FLAG(uint64_t, activity, 0,
          "claim create/edit: the contribution or exchange that caused these costs");
ABSL_FLAG(std::string, receipt_above, "",
          "expenses policy: claims whose costs total more than this need a receipt");
ABSL_FLAG(bool, no_second_approver, false,
          "expenses policy set: switch the second approver off (one approval for any claim)");
ABSL_FLAG(std::string, bacs_sun, "",
          "expenses policy set: the Bacs service user number (6 digits) of the community");
ABSL_FLAG(std::string, bacs_sort_code, "",
          "expenses policy set: the sort code of the account BACS payments leave from");
ABSL_FLAG(std::string, bacs_account, "", "expenses policy set: that account's number (8 digits)");
ABSL_FLAG(std::string, bacs_name, "",
          "expenses policy set: that account's name as the bank holds it (at most 18)");
ABSL_FLAG(bool, no_receipts_required, false,
          "expenses policy set: switch the receipt requirement off");

namespace timebank::cli {

xpb::Policy Policy(Client& c, uint64_t community) {
  xpb::GetPolicyRequest req;
  req.set_community_id(community);
  return c.Call<xpb::Policy>(c.expenses(), &xpb::ExpensesService::Stub::GetPolicy, req);
}

int Exponent(const std::string& currency) { return CurrencyExponent(currency).value_or(2); }

std::string Money(int64_t minor, const std::string& currency) {
  return absl::StrCat(FormatMinor(minor, Exponent(currency)), " ", currency);
}

int64_t ParseMoney(const std::string& flag, const std::string& text, const std::string& currency) {
  absl::StatusOr<int64_t> v = ParseMoneyMinor(text, currency);
  if (!v.ok()) Die(absl::StrCat(flag, ": ", v.status().message()));
  return *v;
}

xpb::Category ParseCategory(const std::string& text) {
  std::string want = absl::AsciiStrToUpper(text);
  for (char& ch : want) ch = ch == '-' ? '_' : ch;
  xpb::Category c;
  if (!xpb::Category_Parse("CATEGORY_" + want, &c) || c == xpb::CATEGORY_UNSPECIFIED) {
    Die(absl::StrCat("'", text,
                     "' is not a category: travel, mileage, care-cover, subsistence, materials, "
                     "phone-data or other"));
  }
  return c;
}

void PrintClaims(const google::protobuf::RepeatedPtrField<xpb::Claim>& claims) {
  Table t({"id", "claimant", "title", "total", "state", "submitted", "posting"});
  for (const xpb::Claim& x : claims) {
    t.Add({absl::StrCat(x.id()), ShownMember(x.community_id(), x.claimant_member_id()), x.title(),
           Money(x.total_minor(), x.currency()),
           EnumWord(xpb::ClaimState_Name(x.state()), 12) +
               (x.state() == xpb::CLAIM_STATE_SUBMITTED && x.first_approver_member_id()
                    ? " (1 of 2 approvals)"
                    : ""),
           x.submitted_at().seconds() == 0 ? "" : ShownDay(x.submitted_at().seconds()),
           EnumWord(xpb::PostingState_Name(x.posting_state()), 14) +
               (x.ledger_result().empty() ? "" : " (" + x.ledger_result() + ")")});
  }
  if (absl::GetFlag(FLAGS_csv)) {
    t.PrintCsv(stdout);
  } else {
    t.Print(stdout);
  }
}

int ShowClaim(const xpb::Claim& x) {
  if (!ShowOne(x, PrintClaims)) return 0;
  std::printf("\n");
  Table lines({"line", "category", "date", "amount", "description"});
  for (int i = 0; i < x.lines_size(); ++i) {
    const xpb::ClaimLine& l = x.lines(i);
    std::string what = l.description();
    if (l.category() == xpb::CATEGORY_MILEAGE) {
      what = absl::StrCat(FormatMinor(l.distance_tenths(), 1), " (distance) ", what);
    }
    lines.Add({absl::StrCat(i + 1), EnumWord(xpb::Category_Name(l.category()), 9), l.date(),
               Money(l.amount_minor(), x.currency()), what});
  }
  lines.Print(stdout);
  std::printf("\n");
  if (x.receipts_size() > 0) {
    Table receipts({"receipt", "file", "type", "bytes", "sha-256", "note"});
    for (const xpb::Receipt& r : x.receipts()) {
      std::vector<std::string> others;
      for (uint64_t id : r.also_on_claim_ids()) others.push_back(absl::StrCat(id));
      receipts.Add(
          {absl::StrCat(r.id()), r.filename(), r.content_type(), absl::StrCat(r.size_bytes()),
           r.sha256_hex().substr(0, 16),
           others.empty() ? "" : "THE SAME FILE IS ON CLAIM " + absl::StrJoin(others, ", ")});
    }
    receipts.Print(stdout);
    std::printf("\n");
  }
  Table history({absl::StrCat("when (", ShownZoneName(), ")"), "by", "from", "to", "why"});
  for (const xpb::ClaimEvent& e : x.history()) {
    history.Add({ShownTime(e.at().seconds()), ShownMember(x.community_id(), e.by_member_id()),
                 e.from() == xpb::CLAIM_STATE_UNSPECIFIED
                     ? "(new)"
                     : EnumWord(xpb::ClaimState_Name(e.from()), 12),
                 EnumWord(xpb::ClaimState_Name(e.to()), 12), e.reason()});
  }
  history.Print(stdout);
  return 0;
}

int ListAndPrintClaims(Client& c, xpb::ListClaimsRequest req, bool note_when_more) {
  req.set_page_size(kClaimsListedMax);
  auto resp =
      c.Call<xpb::ListClaimsResponse>(c.expenses(), &xpb::ExpensesService::Stub::ListClaims, req);
  if (Json()) {
    PrintJson(resp);
    return 0;
  }
  PrintClaims(resp.claims());
  if (note_when_more && !resp.next_page_token().empty()) {
    std::printf("\n(the oldest %d shown)\n", kClaimsListedMax);
  }
  return 0;
}

xpb::Claim GetClaim(Client& c, uint64_t community, const std::string& id_text) {
  uint64_t id = 0;
  if (!absl::SimpleAtoi(id_text, &id) || id == 0) Die(absl::StrCat("'", id_text, "': a claim id"));
  xpb::GetClaimRequest req;
  req.set_community_id(community);
  req.set_claim_id(id);
  return c.Call<xpb::Claim>(c.expenses(), &xpb::ExpensesService::Stub::GetClaim, req);
}
const std::vector<CommandFlags>& ExpensesCommandFlags() {
  static const auto* kTable = new std::vector<CommandFlags>{
      {"expenses policy show", {"community", "json"}},
      {"expenses policy set",
       {"community", "categories", "mileage_rate", "distance_unit", "max_claim", "max_month",
        "window_days", "second_above", "no_second_approver", "receipt_above",
        "no_receipts_required", "bacs_sun", "bacs_sort_code", "bacs_account", "bacs_name", "json"}},
      {"claim create", {"community", "org", "activity", "json"}},
      {"claim edit", {"community", "title", "org", "activity", "json"}},
      {"claim submit", {"community", "json"}},
      {"claim show", {"community", "json"}},
      {"claim attach", {"community", "json"}},
      {"claim detach", {"community", "json"}},
      {"claim receipt", {"community", "out"}},
      {"claim list", {"community", "member", "state", "json", "csv"}},
      {"finance queue", {"community", "org", "min_amount", "min_age_days", "json", "csv"}},
      {"finance approve", {"community", "reason", "json"}},
      {"finance reject", {"community", "reason", "json"}},
      {"finance ask", {"community", "reason", "json"}},
      {"finance reverse", {"community", "reason", "json"}},
      {"finance batch create", {"community", "json"}},
      {"finance batch list", {"community", "json"}},
      {"finance batch show", {"community", "json"}},
      {"finance batch export", {"community", "out", "format", "processing_date", "again"}},
      {"finance bank", {"community", "json"}},
      {"finance other-means", {"community", "json"}},
      {"bank show", {"community", "json"}},
      {"bank set", {"community", "account_name", "sort_code", "account_number", "json"}},
      {"bank remove", {"community", "json"}},
      {"finance batch paid", {"community", "reference", "json"}},
      {"finance report", {"community", "since", "until", "json", "csv"}},
      {"finance journal", {"community", "out"}},
  };
  return *kTable;
}
}  // namespace timebank::cli
