// tbctl commands for expenses: the community's policy and claims (members); the
// finance workflow is in finance_commands.cc. Money is shown and typed in the community's
// currency ("12.50"); the service keeps integer minor units.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "clients/cli/client.h"
#include "clients/cli/commands.h"
#include "clients/cli/expenses_common.h"
#include "clients/common/hours.h"
#include "clients/common/table.h"
#include "services/common/ids.h"
#include "services/common/validation.h"

ABSL_DECLARE_FLAG(uint64_t, org);
ABSL_DECLARE_FLAG(uint64_t, member);
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
  absl::StatusOr<int64_t> v = ParseMinor(text, Exponent(currency));
  if (!v.ok()) Die(absl::StrCat(flag, ": '", text, "' is not an amount like 12.50"));
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

// "category,YYYY-MM-DD,amount,description" (mileage: the distance instead of an amount).
xpb::ClaimLine ParseLine(const std::string& text, const std::string& currency) {
  std::vector<std::string> f = absl::StrSplit(text, absl::MaxSplits(',', 3));
  if (f.size() != 4) {
    Die(absl::StrCat("'", text,
                     "': a line is CATEGORY,YYYY-MM-DD,AMOUNT,DESCRIPTION (for mileage, the "
                     "distance instead of the amount)"));
  }
  xpb::ClaimLine line;
  line.set_category(ParseCategory(f[0]));
  line.set_date(f[1]);
  if (line.category() == xpb::CATEGORY_MILEAGE) {
    absl::StatusOr<int64_t> tenths = ParseMinor(f[2], 1);
    if (!tenths.ok()) Die(absl::StrCat("'", f[2], "' is not a distance like 12.3"));
    line.set_distance_tenths(*tenths);
  } else {
    line.set_amount_minor(ParseMoney("amount", f[2], currency));
  }
  line.set_description(f[3]);
  return line;
}

void PrintClaims(const google::protobuf::RepeatedPtrField<xpb::Claim>& claims) {
  Table t({"id", "claimant", "title", "total", "state", "submitted", "posting"});
  for (const xpb::Claim& x : claims) {
    t.Add({absl::StrCat(x.id()), absl::StrCat("member ", x.claimant_member_id()), x.title(),
           Money(x.total_minor(), x.currency()),
           EnumWord(xpb::ClaimState_Name(x.state()), 12) +
               (x.state() == xpb::CLAIM_STATE_SUBMITTED && x.first_approver_member_id()
                    ? " (1 of 2 approvals)"
                    : ""),
           x.submitted_at().seconds() == 0
               ? ""
               : absl::FormatTime("%Y-%m-%d", absl::FromUnixSeconds(x.submitted_at().seconds()),
                                  absl::UTCTimeZone()),
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
  Table history({"when (UTC)", "by", "from", "to", "why"});
  for (const xpb::ClaimEvent& e : x.history()) {
    history.Add({absl::FormatTime("%Y-%m-%d %H:%M", absl::FromUnixSeconds(e.at().seconds()),
                                  absl::UTCTimeZone()),
                 absl::StrCat("member ", e.by_member_id()),
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

// Whether the community has no policy yet (the first one needs the limits).
bool PolicyIsNew(Client& c, uint64_t community) {
  xpb::GetPolicyRequest req;
  req.set_community_id(community);
  xpb::Policy current;
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  grpc::Status s = c.expenses()->GetPolicy(&ctx, req, &current);
  const bool first = s.error_code() == grpc::StatusCode::NOT_FOUND;
  if (!s.ok() && !first) DieRpc(s);
  return first;
}

// Names `path` in the update mask when --`flag` was given; whether it was.
bool Change(google::protobuf::FieldMask* mask, const char* flag, const char* path) {
  if (!FlagGiven(flag)) return false;
  mask->add_paths(path);
  return true;
}

// The categories, mileage and limits named on the command line (all of them for a
// first policy's window).
void LimitsFromFlags(const std::string& currency, bool first, xpb::Policy* p,
                     google::protobuf::FieldMask* mask) {
  if (Change(mask, "categories", "categories")) {
    const std::string cats = absl::GetFlag(FLAGS_categories);
    if (cats.empty()) Die("--categories: the claimable categories, or --categories=all");
    if (cats != "all") {
      for (absl::string_view cat : absl::StrSplit(cats, ',', absl::SkipEmpty())) {
        p->add_categories(ParseCategory(std::string(cat)));
      }
    }
  }
  if (Change(mask, "mileage_rate", "mileage_rate_minor")) {
    p->set_mileage_rate_minor(
        ParseMoney("--mileage_rate", absl::GetFlag(FLAGS_mileage_rate), currency));
  }
  if (FlagGiven("mileage_rate") || Change(mask, "distance_unit", "distance_unit")) {
    const std::string unit = absl::GetFlag(FLAGS_distance_unit);
    if (unit != "mile" && unit != "km") Die("--distance_unit: mile or km");
    p->set_distance_unit(unit == "mile" ? xpb::DISTANCE_UNIT_MILE : xpb::DISTANCE_UNIT_KILOMETRE);
    if (!FlagGiven("distance_unit")) mask->add_paths("distance_unit");
  }
  if (Change(mask, "max_claim", "max_claim_minor")) {
    p->set_max_claim_minor(ParseMoney("--max_claim", absl::GetFlag(FLAGS_max_claim), currency));
  }
  if (Change(mask, "max_month", "max_month_minor")) {
    p->set_max_month_minor(ParseMoney("--max_month", absl::GetFlag(FLAGS_max_month), currency));
  }
  if (Change(mask, "window_days", "claim_window_days") || first) {
    p->set_claim_window_days(absl::GetFlag(FLAGS_window_days));
  }
}

// A threshold is set above zero, or its safeguard switched off by its own flag:
// never by a zero, and never by leaving it out.
void SafeguardsFromFlags(const std::string& currency, xpb::Policy* p,
                         google::protobuf::FieldMask* mask) {
  if (FlagGiven("second_above") && absl::GetFlag(FLAGS_no_second_approver)) {
    Die("--second_above and --no_second_approver contradict each other; say one");
  }
  if (Change(mask, "second_above", "second_approval_above_minor")) {
    const int64_t v = ParseMoney("--second_above", absl::GetFlag(FLAGS_second_above), currency);
    if (v == 0) {
      Die("--second_above: an amount above zero; to switch the second approver off, say "
          "--no_second_approver");
    }
    p->set_second_approval_above_minor(v);
  } else if (absl::GetFlag(FLAGS_no_second_approver)) {
    mask->add_paths("second_approval_above_minor");  // 0: one approval for any claim
  }
  if (FlagGiven("receipt_above") && absl::GetFlag(FLAGS_no_receipts_required)) {
    Die("--receipt_above and --no_receipts_required contradict each other; say one");
  }
  if (Change(mask, "receipt_above", "receipt_required_above_minor")) {
    const int64_t v = ParseMoney("--receipt_above", absl::GetFlag(FLAGS_receipt_above), currency);
    if (v == 0) {
      Die("--receipt_above: an amount above zero; to stop requiring receipts, say "
          "--no_receipts_required");
    }
    p->set_receipt_required_above_minor(v);
  } else if (absl::GetFlag(FLAGS_no_receipts_required)) {
    mask->add_paths("receipt_required_above_minor");  // 0: receipts are never required
  }
}

// tbctl expenses policy set: the first policy needs the limits; after that only the
// settings named change (the request's update mask), and a safeguard is switched off
// only by its own flag (--no_second_approver, --no_receipts_required).
int SetPolicy(Client& c, uint64_t community) {
  dpb::GetCommunityRequest get;
  get.set_community_id(community);
  // The currency is the community's; read it from the directory.
  const std::string currency =
      c.Call<dpb::Community>(c.directory(), &dpb::DirectoryService::Stub::GetCommunity, get)
          .expense_currency();
  const bool first = PolicyIsNew(c, community);
  xpb::SetPolicyRequest req;
  xpb::Policy& p = *req.mutable_policy();
  p.set_community_id(community);
  google::protobuf::FieldMask& mask = *req.mutable_update_mask();
  LimitsFromFlags(currency, first, &p, &mask);
  SafeguardsFromFlags(currency, &p, &mask);
  if (first) {
    if (!FlagGiven("max_claim") || !FlagGiven("max_month")) {
      Die("say the limits: --max_claim=250.00 --max_month=500.00");
    }
    mask.clear_paths();
    mask.add_paths("*");  // the whole first policy; what was not said is off
  } else if (mask.paths().empty()) {
    Die("say what to change, e.g. --max_claim=300.00 (tbctl expenses policy show lists the "
        "settings)");
  }
  xpb::Policy set = c.Call<xpb::Policy>(c.expenses(), &xpb::ExpensesService::Stub::SetPolicy, req);
  if (Json()) {
    PrintJson(set);
  } else {
    std::printf("expense policy of community %llu saved\n",
                static_cast<unsigned long long>(community));
  }
  return 0;
}

int PolicyCmd(Client& c, const Args& a) {
  const uint64_t community = CurrentCommunity(c);
  const std::string sub = a.size() > 1 ? a[1] : "";
  if (sub == "set") return SetPolicy(c, community);
  if (sub != "show" && !sub.empty()) {
    Die("usage: tbctl expenses policy show | set --max_claim=.. --max_month=.. "
        "[--mileage_rate=..]");
  }
  const xpb::Policy p = Policy(c, community);
  if (Json()) {
    PrintJson(p);
    return 0;
  }
  std::vector<std::string> cats;
  for (int cat : p.categories()) {
    cats.push_back(EnumWord(xpb::Category_Name(static_cast<xpb::Category>(cat)), 9));
  }
  Table t({"setting", "value"});
  t.Add({"currency", p.currency()});
  t.Add({"categories", cats.empty() ? "all" : absl::StrJoin(cats, ", ")});
  t.Add({"mileage rate",
         p.mileage_rate_minor() == 0
             ? "none"
             : absl::StrCat(Money(p.mileage_rate_minor(), p.currency()), " per ",
                            p.distance_unit() == xpb::DISTANCE_UNIT_MILE ? "mile" : "km")});
  t.Add({"most per claim", Money(p.max_claim_minor(), p.currency())});
  t.Add({"most per member per month", Money(p.max_month_minor(), p.currency())});
  t.Add({"claim window", absl::StrCat(p.claim_window_days(), " days")});
  t.Add({"receipt needed above", p.receipt_required_above_minor() == 0
                                     ? "never"
                                     : Money(p.receipt_required_above_minor(), p.currency())});
  t.Add({"second approver above", p.second_approval_above_minor() == 0
                                      ? "never"
                                      : Money(p.second_approval_above_minor(), p.currency())});
  t.Print(stdout);
  return 0;
}

int ClaimCreate(Client& c, uint64_t community, const std::string& sub, const Args& a) {
  const std::string currency = Policy(c, community).currency();
  xpb::CreateClaimRequest req;
  xpb::Claim& claim = *req.mutable_claim();
  claim.set_community_id(community);
  claim.set_title(a[1]);
  claim.set_organisation_id(absl::GetFlag(FLAGS_org));
  for (size_t i = 2; i < a.size(); ++i) *claim.add_lines() = ParseLine(a[i], currency);
  for (xpb::ClaimLine& l : *claim.mutable_lines()) l.set_activity_id(absl::GetFlag(FLAGS_activity));
  xpb::Claim made = c.Call<xpb::Claim>(c.expenses(), &xpb::ExpensesService::Stub::CreateClaim, req);
  if (!Json()) {
    std::printf("claim %llu saved as a draft; submit it with: tbctl claim submit %llu\n",
                static_cast<unsigned long long>(made.id()),
                static_cast<unsigned long long>(made.id()));
  }
  return ShowClaim(made);
}

int ClaimEdit(Client& c, uint64_t community, const std::string& sub, const Args& a) {
  // Only what is named changes (the request's update mask).
  const xpb::Claim claim = GetClaim(c, community, a[1]);
  xpb::UpdateClaimRequest req;
  xpb::Claim& patch = *req.mutable_claim();
  patch.set_community_id(community);
  patch.set_id(claim.id());
  patch.set_etag(claim.etag());
  if (FlagGiven("title")) {
    patch.set_title(absl::GetFlag(FLAGS_title));
    req.mutable_update_mask()->add_paths("title");
  }
  if (FlagGiven("org")) {
    patch.set_organisation_id(absl::GetFlag(FLAGS_org));
    req.mutable_update_mask()->add_paths("organisation_id");
  }
  if (a.size() > 2 || FlagGiven("activity")) {
    if (a.size() > 2) {
      for (size_t i = 2; i < a.size(); ++i) *patch.add_lines() = ParseLine(a[i], claim.currency());
    } else {
      *patch.mutable_lines() = claim.lines();
    }
    if (FlagGiven("activity")) {
      for (xpb::ClaimLine& l : *patch.mutable_lines()) {
        l.set_activity_id(absl::GetFlag(FLAGS_activity));
      }
    }
    req.mutable_update_mask()->add_paths("lines");
  }
  if (req.update_mask().paths().empty()) {
    Die("say what to change: new LINEs, --title, --org or --activity");
  }
  return ShowClaim(c.Call<xpb::Claim>(c.expenses(), &xpb::ExpensesService::Stub::UpdateClaim, req));
}

int ClaimSubmit(Client& c, uint64_t community, const std::string& sub, const Args& a) {
  return ActOnClaim(c, community, a[1], xpb::SubmitClaimRequest(),
                    &xpb::ExpensesService::Stub::SubmitClaim);
}

int ClaimAttach(Client& c, uint64_t community, const std::string& sub, const Args& a) {
  xpb::AttachReceiptRequest req;
  req.set_filename(std::filesystem::path(a[2]).filename().string());
  std::ifstream in(a[2], std::ios::binary);
  if (!in) Die(absl::StrCat("cannot read ", a[2]));
  std::ostringstream data;
  data << in.rdbuf();
  req.set_data(data.str());
  return ActOnClaim(c, community, a[1], req, &xpb::ExpensesService::Stub::AttachReceipt);
}

int ClaimReceipt(Client& c, uint64_t community, const std::string& sub, const Args& a) {
  uint64_t receipt = 0;
  if (!absl::SimpleAtoi(a[2], &receipt)) Die("expected a receipt id (tbctl claim show lists them)");
  if (sub == "detach") {
    xpb::DetachReceiptRequest req;
    req.set_receipt_id(receipt);
    return ActOnClaim(c, community, a[1], req, &xpb::ExpensesService::Stub::DetachReceipt);
  }
  xpb::GetReceiptRequest req;
  req.set_community_id(community);
  req.set_claim_id(GetClaim(c, community, a[1]).id());
  req.set_receipt_id(receipt);
  auto resp =
      c.Call<xpb::GetReceiptResponse>(c.expenses(), &xpb::ExpensesService::Stub::GetReceipt, req);
  const std::string out =
      absl::GetFlag(FLAGS_out).empty() ? resp.receipt().filename() : absl::GetFlag(FLAGS_out);
  FILE* f = std::fopen(out.c_str(), "wb");
  if (f == nullptr ||
      std::fwrite(resp.data().data(), 1, resp.data().size(), f) != resp.data().size()) {
    Die(absl::StrCat("cannot write ", out, "; choose another place with --out"));
  }
  std::fclose(f);
  std::printf("wrote %s (%s, %lld bytes)\n", out.c_str(), resp.receipt().content_type().c_str(),
              static_cast<long long>(resp.receipt().size_bytes()));
  return 0;
}

int ClaimList(Client& c, uint64_t community, const std::string& sub, const Args& a) {
  xpb::ListClaimsRequest req;
  req.set_community_id(community);
  req.set_member_id(absl::GetFlag(FLAGS_member));
  if (!FlagGiven("member")) {
    // Your own claims; finance officers and admins see everyone's.
    const dpb::Principal me =
        c.principal() ? *c.principal()
                      : c.Call<dpb::Principal>(c.auth(), &dpb::AuthService::Stub::WhoAmI,
                                               dpb::WhoAmIRequest());
    const bool finance = std::any_of(me.roles().begin(), me.roles().end(), [](int r) {
      return r == dpb::ROLE_FINANCE || r == dpb::ROLE_ADMIN;
    });
    if (me.kind() == dpb::Principal::KIND_MEMBER && !finance) req.set_member_id(me.subject_id());
  }
  if (!absl::GetFlag(FLAGS_state).empty()) {
    std::string s = absl::AsciiStrToUpper(absl::GetFlag(FLAGS_state));
    for (char& ch : s) ch = ch == '-' ? '_' : ch;
    xpb::ClaimState state;
    if (!xpb::ClaimState_Parse("CLAIM_STATE_" + s, &state)) {
      Die("--state: draft, submitted, needs-info, approved, rejected or paid");
    }
    req.set_state(state);
  }
  return ListAndPrintClaims(c, std::move(req), /*note_when_more=*/false);
}

int Claims(Client& c, const Args& a) {
  const std::string sub = a.empty() ? "" : a[0];
  const uint64_t community = CurrentCommunity(c);
  if (sub == "create" && a.size() >= 3) return ClaimCreate(c, community, sub, a);
  if (sub == "edit" && a.size() >= 2) return ClaimEdit(c, community, sub, a);
  if (sub == "submit" && a.size() == 2) return ClaimSubmit(c, community, sub, a);
  if (sub == "show" && a.size() == 2) return ShowClaim(GetClaim(c, community, a[1]));
  if (sub == "attach" && a.size() == 3) return ClaimAttach(c, community, sub, a);
  if ((sub == "detach" || sub == "receipt") && a.size() == 3)
    return ClaimReceipt(c, community, sub, a);
  if (sub == "list") return ClaimList(c, community, sub, a);
  Die("usage: tbctl claim create TITLE LINE... [--org=ID] | edit ID [LINE...] [--title=..] | "
      "attach ID FILE | detach ID RECEIPT | receipt ID RECEIPT [--out=F] | "
      "submit ID | show ID | list [--state=..]\n"
      "  LINE: CATEGORY,YYYY-MM-DD,AMOUNT,DESCRIPTION (mileage: the distance for AMOUNT)");
}

const std::vector<CommandFlags>& ExpensesCommandFlags() {
  static const auto* kTable = new std::vector<CommandFlags>{
      {"expenses policy show", {"community", "json"}},
      {"expenses policy set",
       {"community", "categories", "mileage_rate", "distance_unit", "max_claim", "max_month",
        "window_days", "second_above", "no_second_approver", "receipt_above",
        "no_receipts_required", "json"}},
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
      {"finance batch export", {"community", "out"}},
      {"finance batch paid", {"community", "reference", "json"}},
      {"finance report", {"community", "since", "until", "json", "csv"}},
      {"finance journal", {"community", "out"}},
  };
  return *kTable;
}

int ClaimCommand(Client& c, const std::string&, const Args& a) { return Claims(c, a); }

int PolicyCommand(Client& c, const std::string&, const Args& a) {
  if (!a.empty() && a[0] == "policy") return PolicyCmd(c, a);
  Die("usage: tbctl expenses policy show | expenses policy set --max_claim=.. --max_month=..");
}

}  // namespace timebank::cli
