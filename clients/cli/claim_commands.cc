// tbctl claim ...: a member's expense claims: create and edit them (lines typed as
// CATEGORY,YYYY-MM-DD,AMOUNT,DESCRIPTION), attach and fetch receipts, submit, show
// and list them.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "clients/cli/client.h"
#include "clients/cli/command_flags.h"
#include "clients/cli/commands.h"
#include "clients/cli/expenses_common.h"
#include "clients/cli/member_refs.h"
#include "clients/common/hours.h"
#include "clients/common/typed_input.h"

ABSL_DECLARE_FLAG(uint64_t, org);
ABSL_DECLARE_FLAG(std::string, member);
ABSL_DECLARE_FLAG(std::string, out);
ABSL_DECLARE_FLAG(std::string, state);
ABSL_DECLARE_FLAG(std::string, title);
ABSL_DECLARE_FLAG(uint64_t, activity);

namespace timebank::cli {
namespace {

// "category,day,amount,description" (mileage: the distance instead of an amount).
xpb::ClaimLine ParseLine(const std::string& text, const std::string& currency) {
  std::vector<std::string> f = absl::StrSplit(text, absl::MaxSplits(',', 3));
  if (f.size() != 4) {
    Die(absl::StrCat("'", text,
                     "': a line is CATEGORY,YYYY-MM-DD,AMOUNT,DESCRIPTION (for mileage, the "
                     "distance instead of the amount)"));
  }
  xpb::ClaimLine line;
  line.set_category(ParseCategory(f[0]));
  // The day as people type it (25/11/2026, 25 Nov 2026, yesterday), sent as YYYY-MM-DD.
  const absl::StatusOr<absl::CivilDay> day =
      ParseDay(f[1], absl::ToCivilDay(absl::Now(), ShownZone()));
  if (!day.ok()) Die(absl::StrCat("'", text, "': ", day.status().message()));
  line.set_date(absl::FormatCivilTime(*day));
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
  req.set_member_id(MemberFlag(c, community));
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

}  // namespace

int ClaimCommand(Client& c, const std::string&, const Args& a) { return Claims(c, a); }

}  // namespace timebank::cli
