// tbctl expenses policy show | set: the community's expense policy (categories,
// mileage rate, limits and the safeguards: a second approver, receipts).
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "clients/cli/client.h"
#include "clients/cli/command_flags.h"
#include "clients/cli/commands.h"
#include "clients/cli/expenses_common.h"
#include "clients/common/hours.h"
#include "clients/common/table.h"

ABSL_DECLARE_FLAG(std::string, mileage_rate);
ABSL_DECLARE_FLAG(std::string, distance_unit);
ABSL_DECLARE_FLAG(std::string, max_claim);
ABSL_DECLARE_FLAG(std::string, max_month);
ABSL_DECLARE_FLAG(int, window_days);
ABSL_DECLARE_FLAG(std::string, second_above);
ABSL_DECLARE_FLAG(std::string, categories);
ABSL_DECLARE_FLAG(std::string, receipt_above);
ABSL_DECLARE_FLAG(bool, no_second_approver);
ABSL_DECLARE_FLAG(bool, no_receipts_required);
ABSL_DECLARE_FLAG(std::string, bacs_sun);
ABSL_DECLARE_FLAG(std::string, bacs_sort_code);
ABSL_DECLARE_FLAG(std::string, bacs_account);
ABSL_DECLARE_FLAG(std::string, bacs_name);

namespace timebank::cli {
namespace {

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

// The community's Bacs originating details: all four together (the service checks
// each one's form).
void OriginatorFromFlags(xpb::Policy* p, google::protobuf::FieldMask* mask) {
  const int given = FlagGiven("bacs_sun") + FlagGiven("bacs_sort_code") +
                    FlagGiven("bacs_account") + FlagGiven("bacs_name");
  if (given == 0) return;
  if (given != 4) {
    Die("the Bacs originating details go together: --bacs_sun=123456 --bacs_sort_code=12-34-56 "
        "--bacs_account=12345678 --bacs_name=\"RIVERSIDE TB\"");
  }
  xpb::BacsOriginator* o = p->mutable_bacs_originator();
  o->set_service_user_number(absl::GetFlag(FLAGS_bacs_sun));
  o->set_sort_code(absl::GetFlag(FLAGS_bacs_sort_code));
  o->set_account_number(absl::GetFlag(FLAGS_bacs_account));
  o->set_account_name(absl::GetFlag(FLAGS_bacs_name));
  mask->add_paths("bacs_originator");
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
  OriginatorFromFlags(&p, &mask);
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
  const xpb::BacsOriginator& o = p.bacs_originator();
  t.Add({"bacs originator",
         o.service_user_number().empty()
             ? "not set (--bacs_sun, --bacs_sort_code, --bacs_account, --bacs_name)"
             : absl::StrCat("SUN ", o.service_user_number(), ", ", o.sort_code().substr(0, 2), "-",
                            o.sort_code().substr(2, 2), "-", o.sort_code().substr(4, 2), " ",
                            o.account_number(), ", ", o.account_name())});
  t.Print(stdout);
  return 0;
}
}  // namespace

int PolicyCommand(Client& c, const std::string&, const Args& a) {
  if (!a.empty() && a[0] == "policy") return PolicyCmd(c, a);
  Die("usage: tbctl expenses policy show | expenses policy set --max_claim=.. --max_month=..");
}

}  // namespace timebank::cli
