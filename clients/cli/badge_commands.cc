// tbctl's badge commands: a member's badges with when and why each was awarded (badges),
// hiding or showing one of your own (badge hide|show), and a community's rules (rules
// show|check|set). A rules file is checked here first, so a mistake is reported with
// its line, and then by the server, which has the final word.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "clients/cli/commands.h"
#include "clients/common/table.h"
#include "services/rewards/badges/badge_rules.h"

namespace timebank::cli {
namespace {

namespace rpb = ::timebank::rewards::v1;

std::string Day(const google::protobuf::Timestamp& ts) {
  return absl::FormatTime("%d %b %Y", absl::FromUnixSeconds(ts.seconds()), ShownZone());
}

std::string StatusWords(const rpb::EarnedBadge& b) {
  std::string s = b.withdrawn() ? absl::StrCat("withdrawn ", Day(b.withdrawn_at())) : "held";
  if (b.hidden()) absl::StrAppend(&s, ", hidden from others");
  return s;
}

void PrintBadges(const rpb::ListBadgesResponse& r, bool self) {
  if (r.badges().empty()) {
    std::printf("%s\n", self ? "No badges yet. They come with the time you give and receive."
                             : "No badges yet.");
    return;
  }
  Table t({"BADGE", "NAME", "AWARDED", "STATUS", "WHY"});
  for (const rpb::EarnedBadge& b : r.badges()) {
    t.Add({b.badge_id(), b.name(), Day(b.awarded_at()), StatusWords(b), b.criteria()});
  }
  t.Print(stdout);
}

int ListBadges(Client& c, const Args& args) {
  rpb::ListBadgesRequest req;
  uint64_t id = 0;
  if (args.size() > 1 || (args.size() == 1 && (!absl::SimpleAtoi(args[0], &id) || id == 0))) {
    Die("usage: tbctl badges [MEMBER_ID]");
  }
  if (id != 0) {
    req.set_community_id(CurrentCommunity(c));
    req.set_member_id(id);
  }
  auto r =
      c.Call<rpb::ListBadgesResponse>(c.rewards(), &rpb::RewardsService::Stub::ListBadges, req);
  if (Json()) {
    PrintJson(r);
  } else {
    PrintBadges(r, id == 0);
  }
  return 0;
}

int HideBadge(Client& c, const std::string& sub, const Args& args) {
  if (args.size() != 1) Die(absl::StrCat("usage: tbctl badge ", sub, " BADGE_ID"));
  rpb::HideBadgeRequest req;
  req.set_badge_id(args[0]);
  req.set_hidden(sub == "hide");
  auto b = c.Call<rpb::EarnedBadge>(c.rewards(), &rpb::RewardsService::Stub::HideBadge, req);
  if (Json()) {
    PrintJson(b);
  } else {
    std::printf("%s: %s\n", b.name().empty() ? b.badge_id().c_str() : b.name().c_str(),
                b.hidden() ? "hidden; only you see it now" : "shown to others again");
  }
  return 0;
}

// A metric in words, with its unit.
std::string MetricWords(rpb::Metric m) {
  switch (m) {
    case rpb::METRIC_MINUTES_GIVEN:
      return "minutes given";
    case rpb::METRIC_HOURS_GIVEN:
      return "hours given";
    case rpb::METRIC_MINUTES_RECEIVED:
      return "minutes received";
    case rpb::METRIC_HOURS_RECEIVED:
      return "hours received";
    case rpb::METRIC_PEOPLE_HELPED_COUNT:
      return "people helped";
    case rpb::METRIC_HELPED_BY_COUNT:
      return "people who helped them";
    case rpb::METRIC_ORGANISATIONS_GIVEN_TO_COUNT:
      return "organisations given time to";
    case rpb::METRIC_CO_COMMISSION_CONTRIBUTIONS_COUNT:
      return "co-commissioning activities";
    case rpb::METRIC_CO_DESIGN_CONTRIBUTIONS_COUNT:
      return "co-design activities";
    case rpb::METRIC_CO_DELIVERY_CONTRIBUTIONS_COUNT:
      return "co-delivery activities";
    case rpb::METRIC_CO_ASSESSMENT_CONTRIBUTIONS_COUNT:
      return "co-assessment activities";
    case rpb::METRIC_CURRENT_STREAK_WEEKS:
      return "weeks in a row now";
    case rpb::METRIC_LONGEST_STREAK_WEEKS:
      return "weeks in a row (longest)";
    case rpb::METRIC_POOL_DONATIONS_COUNT:
      return "donations to the pool";
    case rpb::METRIC_POOL_DONATION_MINUTES:
      return "minutes donated to the pool";
    case rpb::METRIC_THANK_YOU_NOTES_RECEIVED_COUNT:
      return "thank-you notes received";
    case rpb::METRIC_REDEMPTIONS_COUNT:
      return "times spent at a partner";
    default:
      return "?";
  }
}

std::string RuleWords(const rpb::BadgeRule& r) {
  switch (r.kind()) {
    case rpb::RULE_KIND_THRESHOLD:
      return absl::StrCat(MetricWords(r.metric()), " at least ", r.threshold());
    case rpb::RULE_KIND_BOTH:
      return absl::StrCat(MetricWords(r.metric()), " and ", MetricWords(r.second_metric()),
                          " each at least ", r.threshold());
    case rpb::RULE_KIND_FIRST_OF_STAR_TYPE:
      return absl::StrCat(
          "first ", EnumWord(::timebank::ledger::v1::CoproductionType_Name(r.star_type()), 18));
    default:
      return "?";
  }
}

void PrintRules(const rpb::BadgeRulesInForce& r) {
  Table t({"BADGE", "NAME", "RULE"});
  for (const rpb::BadgeRule& rule : r.rules().rules()) {
    t.Add({rule.id(), rule.name(), RuleWords(rule)});
  }
  t.Print(stdout);
  if (r.defaults()) std::printf("\nThese are the default badges; no admin has changed them.\n");
}

// Reads and checks a rules file here (its line and column on a mistake).
rpb::BadgeRules ReadRulesFile(const std::string& path) {
  absl::StatusOr<rpb::BadgeRules> rules = rewards::LoadBadgeRulesFile(path);
  if (!rules.ok()) {
    Die(absl::StrCat(rules.status().message(),
                     "\nNothing was changed. Fix the file and run the command again."));
  }
  return *std::move(rules);
}

int RulesCommandImpl(Client& c, const Args& args) {
  const std::string sub = args.empty() ? "show" : args[0];
  if (sub == "show" && args.size() <= 1) {
    rpb::GetBadgeRulesRequest req;
    req.set_community_id(CurrentCommunity(c));
    auto r =
        c.Call<rpb::BadgeRulesInForce>(c.rewards(), &rpb::RewardsService::Stub::GetBadgeRules, req);
    if (Json()) {
      PrintJson(r);
    } else {
      PrintRules(r);
    }
    return 0;
  }
  if ((sub != "check" && sub != "set") || args.size() != 2) {
    Die("usage: tbctl rules show | rules check FILE | rules set FILE");
  }
  rpb::SetBadgeRulesRequest req;
  req.set_community_id(CurrentCommunity(c));
  *req.mutable_rules() = ReadRulesFile(args[1]);
  req.set_validate_only(sub == "check");
  auto r =
      c.Call<rpb::BadgeRulesInForce>(c.rewards(), &rpb::RewardsService::Stub::SetBadgeRules, req);
  if (Json()) {
    PrintJson(r);
  } else if (sub == "check") {
    std::printf(
        "%s is valid: %d badges. Nothing was changed; `tbctl rules set %s` puts it in "
        "force.\n",
        args[1].c_str(), r.rules().rules_size(), args[1].c_str());
  } else {
    std::printf(
        "In force now: %d badges. Every member's badges were checked again; none was "
        "awarded twice.\n",
        r.rules().rules_size());
  }
  return 0;
}

}  // namespace

int BadgeCommand(Client& c, const std::string& cmd, const Args& args) {
  if (cmd == "badges") return ListBadges(c, args);
  const std::string sub = args.empty() ? "" : args[0];
  if (sub == "hide" || sub == "show") return HideBadge(c, sub, Args(args.begin() + 1, args.end()));
  if (sub == "export" || sub == "verify") return BadgeCredentialCommand(c, cmd, args);
  Die("usage: tbctl badge hide|show BADGE_ID | badge export BADGE_ID | badge verify FILE");
}

int RulesCommand(Client& c, const std::string& cmd, const Args& args) {
  return RulesCommandImpl(c, args);
}

}  // namespace timebank::cli
