// tbctl's recognition commands: a member's give and take as a card in plain English
// (me, summary), and a community's dashboard with terminal run charts (dashboard),
// where coordinators also note the changes they try (dashboard annotate), the opt-in
// leaderboard (leaderboard), pausing a streak (streak pause, streak resume), and the
// recognition notices as sentences (notices [--follow]); thank-you notes are in
// thanks_commands.cc.
// Recognition, not competition: no ranks, no balances, and a streak of 0 is not
// mentioned.
#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "clients/cli/commands.h"
#include "clients/cli/ledger_common.h"
#include "clients/cli/member_refs.h"
#include "clients/cli/paging.h"
#include "clients/cli/run_chart_text.h"
#include "clients/common/table.h"
#include "services/common/timestamps.h"

ABSL_DECLARE_FLAG(uint64_t, org);
ABSL_DECLARE_FLAG(bool, csv);
ABSL_DECLARE_FLAG(int, limit);
ABSL_DECLARE_FLAG(std::string, member);
ABSL_DECLARE_FLAG(std::string, since);
ABSL_FLAG(int, weeks, 26, "dashboard: how many weeks back (1..520)");
ABSL_FLAG(int, months, 0, "dashboard: months instead of weeks, this many back (1..120)");
ABSL_FLAG(std::string, rules, "ihi", "dashboard: run-chart rules, ihi or anhoj");
ABSL_FLAG(bool, lifetime, false, "leaderboard: every week, not only the last 13");
ABSL_FLAG(bool, follow, false, "notices: keep watching and print new ones as they come");

namespace timebank::cli {
namespace {

namespace lpb = ::timebank::ledger::v1;

// "2026-01-26" as "Monday 26 January 2026"; `days_after` moves it (-1: the Sunday before).
std::string DayInWords(const std::string& iso_day, int days_after = 0) {
  absl::CivilDay day;
  if (!absl::ParseCivilTime(iso_day, &day)) return iso_day;
  return absl::FormatTime("%A %d %B %Y", absl::FromCivil(day + days_after, absl::UTCTimeZone()),
                          absl::UTCTimeZone());
}

// The pause under way today, or the next one planned, in a sentence; nothing otherwise.
void PrintStreakPause(const rpb::MemberSummary& s, bool self) {
  const std::string today =
      absl::FormatCivilTime(absl::ToCivilDay(absl::Now(), absl::LocalTimeZone()));
  for (const rpb::StreakPause& p : s.streak_pauses()) {
    if (p.resumes_on() <= today) continue;  // over
    const char* whose = self ? "Your" : "Their";
    const std::string until = DayInWords(p.resumes_on(), -1);
    if (p.first_week() <= today) {
      std::printf("  %s streak is paused until %s; weeks count again from %s.\n", whose,
                  until.c_str(), DayInWords(p.resumes_on()).c_str());
    } else {
      std::printf("  %s streak will be paused from %s until %s.\n", whose,
                  DayInWords(p.first_week()).c_str(), until.c_str());
    }
    return;
  }
}

// `self`: the caller's own card ("You ..."); a coordinator's view says "They ...".
void PrintSummaryCard(const rpb::MemberSummary& s, bool self) {
  const char* who = self ? "You" : "They";
  std::printf("Member %llu\n\n", static_cast<unsigned long long>(s.member_id()));
  std::printf("  Given:     %s    Received: %s    (all time)\n",
              HoursAndMinutes(s.minutes_given()).c_str(),
              HoursAndMinutes(s.minutes_received()).c_str());
  for (const auto& r : s.recent()) {
    std::printf("  Last %d weeks: given %s, received %s\n", r.weeks(),
                HoursAndMinutes(r.minutes_given()).c_str(),
                HoursAndMinutes(r.minutes_received()).c_str());
  }
  if (s.two_way()) std::printf("\n  %s have both given and received help.\n", who);
  if (s.people_helped() > 0) {
    std::printf("\n  %s helped %s.\n", who, Count(s.people_helped(), "person", "people").c_str());
  }
  if (s.helped_by() > 0) {
    std::printf("  %s were helped by %s.\n", who, Count(s.helped_by(), "person", "people").c_str());
  }
  if (s.organisations_given_to() > 0) {
    std::printf("  %s gave time to %s.\n", who,
                Count(s.organisations_given_to(), "organisation").c_str());
  }
  if (!s.star().empty()) {
    std::printf("\n  Coproduction Star:\n");
    for (const auto& cell : s.star()) {
      std::printf("    %-14s %s (%s)\n",
                  EnumWord(lpb::CoproductionType_Name(cell.type()), 18).c_str(),
                  HoursAndMinutes(cell.minutes()).c_str(),
                  Count(cell.count(), "activity", "activities").c_str());
    }
  }
  if (s.current_streak_weeks() > 0) {
    std::printf("\n  Active %s in a row now.\n", Count(s.current_streak_weeks(), "week").c_str());
  }
  if (s.longest_streak_weeks() > 0) {
    std::printf("  Longest run: %s in a row.\n", Count(s.longest_streak_weeks(), "week").c_str());
  }
  PrintStreakPause(s, self);
  PrintLatestThanks(s, self);
  if (s.donations() > 0) {
    std::printf("  Donated %s (%s).\n", HoursAndMinutes(s.minutes_donated()).c_str(),
                Count(s.donations(), "donation").c_str());
  }
  if (s.redemptions() > 0) {
    std::printf("  Redeemed %s (%s).\n", HoursAndMinutes(s.minutes_redeemed()).c_str(),
                Count(s.redemptions(), "redemption").c_str());
  }
}

}  // namespace

int MeCommand(Client& c, const std::string& cmd, const Args& args) {
  rpb::GetMemberSummaryRequest req;
  if (cmd == "summary") {
    uint64_t id = 0;
    if (args.size() != 1 || !absl::SimpleAtoi(args[0], &id) || id == 0) {
      Die("usage: tbctl summary MEMBER_ID");
    }
    req.set_community_id(CurrentCommunity(c));
    req.set_member_id(id);
  } else if (!args.empty()) {
    Die("usage: tbctl me");
  }
  auto s =
      c.Call<rpb::MemberSummary>(c.rewards(), &rpb::RewardsService::Stub::GetMemberSummary, req);
  if (Json()) {
    PrintJson(s);
  } else {
    PrintSummaryCard(s, cmd != "summary");
  }
  return 0;
}

namespace {

constexpr char kStreakUsage[] =
    "usage: tbctl streak pause YYYY-MM-DD WEEKS [--member=ID] | tbctl streak resume "
    "[--member=ID]";

// Both ids set for --member, neither for the caller's own streak.
template <class Req>
void NameMember(Client& c, uint64_t member, Req* req) {
  if (member == 0) return;
  req->set_community_id(CurrentCommunity(c));
  req->set_member_id(member);
}

int ResumeStreak(Client& c, uint64_t member) {
  rpb::EndStreakPauseRequest req;
  NameMember(c, member, &req);
  auto p = c.Call<rpb::StreakPause>(c.rewards(), &rpb::RewardsService::Stub::EndStreakPause, req);
  if (Json()) {
    PrintJson(p);
    return 0;
  }
  const std::string whose = member == 0 ? "your" : absl::StrCat("member ", member, "'s");
  if (p.weeks() == 0) {
    std::printf("The pause of %s streak planned from %s is called off.\n", whose.c_str(),
                DayInWords(p.first_week()).c_str());
  } else {
    std::printf("The pause of %s streak has ended; weeks count again from %s.\n", whose.c_str(),
                DayInWords(p.resumes_on()).c_str());
  }
  return 0;
}

}  // namespace

int StreakCommand(Client& c, const std::string&, const Args& args) {
  const uint64_t member = FlagGiven("member") ? MemberFlag(c, CurrentCommunity(c)) : 0;
  if (args.size() == 1 && args[0] == "resume") return ResumeStreak(c, member);
  int weeks = 0;
  if (args.size() != 3 || args[0] != "pause" || !absl::SimpleAtoi(args[2], &weeks)) {
    Die(kStreakUsage);
  }
  rpb::PauseStreakRequest req;
  req.set_starts_on(args[1]);
  req.set_weeks(weeks);
  NameMember(c, member, &req);
  auto p = c.Call<rpb::StreakPause>(c.rewards(), &rpb::RewardsService::Stub::PauseStreak, req);
  if (Json()) {
    PrintJson(p);
    return 0;
  }
  const std::string whose = member == 0 ? "Your" : absl::StrCat("Member ", member, "'s");
  std::printf("%s streak is paused for %s, from %s until %s.\n", whose.c_str(),
              Count(p.weeks(), "week").c_str(), DayInWords(p.first_week()).c_str(),
              DayInWords(p.resumes_on(), -1).c_str());
  std::printf("Those weeks neither count nor break it; weeks count again from %s.\n",
              DayInWords(p.resumes_on()).c_str());
  return 0;
}

namespace {

constexpr char kNoticesUsage[] =
    "usage: tbctl notices [community | --member=ID] [--since=SEQ] [--follow] [--json]";

// One notice as a sentence: "You earned the badge Two-way street". `self`: the
// caller's own notices.
std::string NoticeInWords(const rpb::RecognitionNotice& n, bool self) {
  const std::string who = self ? "You" : absl::StrCat("Member ", n.member_id());
  const std::string whose = self ? "Your" : absl::StrCat("Member ", n.member_id(), "'s");
  switch (n.notice_case()) {
    case rpb::RecognitionNotice::kBadgeAwarded:
      return absl::StrCat(who, " earned the badge ", n.badge_awarded().name());
    case rpb::RecognitionNotice::kBadgeWithdrawn:
      return absl::StrCat(whose, " badge ", n.badge_withdrawn().name(),
                          " was withdrawn: what earned it no longer counts");
    case rpb::RecognitionNotice::kStreakMilestone:
      return absl::StrCat(self ? "" : absl::StrCat("Member ", n.member_id(), ": "),
                          n.streak_milestone().weeks(), " weeks in a row — well done");
    case rpb::RecognitionNotice::kThanksReceived:
      return absl::StrCat(who, " received a thank-you note (activity ",
                          n.thanks_received().activity_id(), ")");
    default:
      return absl::StrCat("(a notice this tbctl does not know: ", n.ShortDebugString(), ")");
  }
}

}  // namespace

int NoticesCommand(Client& c, const std::string&, const Args& args) {
  rpb::WatchRecognitionRequest req;
  const uint64_t member = FlagGiven("member") ? MemberFlag(c, CurrentCommunity(c)) : 0;
  const bool community = args.size() == 1 && args[0] == "community";
  if ((!args.empty() && !community) || (community && member != 0)) Die(kNoticesUsage);
  if (community || member != 0) {
    req.set_community_id(CurrentCommunity(c));
    req.set_member_id(member);
  }
  const std::string since = absl::GetFlag(FLAGS_since);
  uint64_t from_seq = 0;
  if (!since.empty() && !absl::SimpleAtoi(since, &from_seq)) {
    Die("--since: the seq of the last notice seen (a number), e.g. --since=12");
  }
  req.set_from_seq(from_seq);
  req.set_follow(absl::GetFlag(FLAGS_follow));
  grpc::ClientContext ctx;
  c.Prepare(&ctx, 0);
  auto reader = c.rewards()->WatchRecognition(&ctx, req);
  rpb::RecognitionNotice n;
  int printed = 0;
  while (reader->Read(&n)) {
    ++printed;
    if (Json()) {
      std::string out;
      google::protobuf::util::JsonPrintOptions o;
      o.preserve_proto_field_names = true;
      (void)google::protobuf::util::MessageToJsonString(n, &out, o);
      std::printf("%s\n", out.c_str());
    } else {
      std::printf("#%-5llu %s  %s\n", static_cast<unsigned long long>(n.seq()),
                  FormatDay(n.at()).c_str(), NoticeInWords(n, !community && member == 0).c_str());
    }
    std::fflush(stdout);
  }
  grpc::Status s = reader->Finish();
  if (!s.ok()) DieRpc(s);
  if (printed == 0 && !Json()) std::printf("Nothing new.\n");
  return 0;
}

namespace {

void PrintPeriods(const rpb::Dashboard& d) {
  Table t({"START", "ACTIVE", "GIVERS", "RECEIVERS", "BOTH", "RECIPROCITY_%", "NEW", "RETURNING",
           "HOURS_GIVEN", "REQUESTS_POSTED", "REQUESTS_ANSWERED", "OPEN_OFFERS", "OPEN_REQUESTS"});
  for (const auto& p : d.periods()) {
    t.Add({p.start(), absl::StrCat(p.active_members()), absl::StrCat(p.givers()),
           absl::StrCat(p.receivers()), absl::StrCat(p.both()),
           absl::StrCat(static_cast<int>(p.reciprocity_rate() * 100 + 0.5)),
           absl::StrCat(p.new_members()), absl::StrCat(p.returning_members()),
           Figure(static_cast<double>(p.minutes_given()) / 60), absl::StrCat(p.requests_posted()),
           absl::StrCat(p.requests_answered()), absl::StrCat(p.open_offers()),
           absl::StrCat(p.open_requests())});
  }
  if (absl::GetFlag(FLAGS_csv)) {
    t.PrintCsv(stdout);
  } else {
    t.Print(stdout);
  }
}

// "Needs met: 12 requests posted, 9 answered; open now: 4 offers, 3 requests".
void PrintNeedsMet(const rpb::Dashboard& d) {
  if (d.periods().empty()) return;
  int64_t posted = 0;
  int64_t answered = 0;
  for (const auto& p : d.periods()) {
    posted += p.requests_posted();
    answered += p.requests_answered();
  }
  const rpb::DashboardPeriod& last = d.periods(d.periods_size() - 1);
  std::printf(
      "\nNeeds met: %lld request%s posted, %lld answered; open at the end: %d offer%s, %d "
      "request%s\n",
      static_cast<long long>(posted), posted == 1 ? "" : "s", static_cast<long long>(answered),
      last.open_offers(), last.open_offers() == 1 ? "" : "s", last.open_requests(),
      last.open_requests() == 1 ? "" : "s");
}

const rpb::Annotation* FindAnnotation(const rpb::Dashboard& d, uint64_t id) {
  for (const auto& a : d.annotations()) {
    if (a.id() == id) return &a;
  }
  return nullptr;
}

void PrintRunChart(const rpb::Dashboard& d, const rpb::Series& s,
                   const std::vector<std::string>& starts) {
  const std::vector<double> values(s.values().begin(), s.values().end());
  std::printf("\n%s\n  %s\n  %s   (+ above the median, - below, = on it)\n", s.name().c_str(),
              Sparkline(values).c_str(), MedianMarks(values, s.run_chart().median()).c_str());
  for (const std::string& line : DescribeSeries(s, starts, d.granularity())) {
    std::printf("  %s\n", line.c_str());
  }
  const SeriesWords words = WordsFor(s.name(), d.granularity());
  for (const auto& change : s.changes()) {
    const rpb::Annotation* a = FindAnnotation(d, change.annotation_id());
    if (a == nullptr) continue;
    std::printf("  %s\n", DescribeChange(change, *a, words).c_str());
    // Judged against the baseline before the change.
    for (const std::string& line : DescribeChangeSignals(change, starts, words)) {
      std::printf("    since then: %s\n", line.c_str());
    }
  }
}

rpb::RuleSet ParseRules(const std::string& rules) {
  if (rules == "ihi") return rpb::RULE_SET_IHI;
  if (rules == "anhoj") return rpb::RULE_SET_ANHOJ;
  Die("--rules: ihi or anhoj");
}

int Dashboard(Client& c) {
  rpb::GetDashboardRequest req;
  req.set_community_id(CurrentCommunity(c));
  req.set_organisation_id(absl::GetFlag(FLAGS_org));
  req.set_rule_set(ParseRules(absl::GetFlag(FLAGS_rules)));
  const absl::Time until = absl::Now();
  const int months = absl::GetFlag(FLAGS_months);
  const int weeks = absl::GetFlag(FLAGS_weeks);
  if (months < 0 || months > 120) Die("--months: 1..120");
  if (weeks < 1 || weeks > 520) Die("--weeks: 1..520");
  req.set_granularity(months > 0 ? rpb::GRANULARITY_MONTH : rpb::GRANULARITY_WEEK);
  const absl::Duration back =
      months > 0 ? absl::Hours(24) * 30.44 * months : absl::Hours(24 * 7) * weeks;
  timebank::ToTimestamp(absl::ToUnixNanos(until - back), req.mutable_from());
  timebank::ToTimestamp(absl::ToUnixNanos(until), req.mutable_until());
  auto d = c.Call<rpb::Dashboard>(c.rewards(), &rpb::RewardsService::Stub::GetDashboard, req);
  if (Json()) {
    PrintJson(d);
    return 0;
  }
  PrintPeriods(d);
  if (absl::GetFlag(FLAGS_csv)) return 0;
  if (req.organisation_id() == 0) PrintNeedsMet(d);
  std::vector<std::string> starts;
  for (const auto& p : d.periods()) starts.push_back(p.start());
  for (const auto& s : d.series()) {
    if (s.name() == "hours_given" || s.name() == "active_members") PrintRunChart(d, s, starts);
  }
  return 0;
}

int Annotate(Client& c, const Args& args) {
  if (args.size() != 3) Die("usage: tbctl dashboard annotate YYYY-MM-DD \"TEXT\" [--org=ID]");
  (void)ParseDate("date", args[1]);  // exits with advice when it is not a date
  rpb::AnnotateChangeRequest req;
  rpb::Annotation* a = req.mutable_annotation();
  a->set_community_id(CurrentCommunity(c));
  a->set_organisation_id(absl::GetFlag(FLAGS_org));
  a->set_date(args[1]);
  a->set_text(args[2]);
  std::random_device rd;
  req.set_request_id(absl::StrCat("annotate-", (uint64_t{rd()} << 32) | rd()));
  auto out = c.Call<rpb::Annotation>(c.rewards(), &rpb::RewardsService::Stub::AnnotateChange, req);
  if (Json()) {
    PrintJson(out);
  } else {
    std::printf("noted change %llu on %s: %s\n", static_cast<unsigned long long>(out.id()),
                out.date().c_str(), out.text().c_str());
  }
  return 0;
}

}  // namespace

int DashboardCommand(Client& c, const std::string&, const Args& args) {
  if (!args.empty() && args[0] == "annotate") return Annotate(c, args);
  if (!args.empty()) Die("usage: tbctl dashboard [--org=ID] [--weeks=26|--months=12] [--csv]");
  return Dashboard(c);
}

int LeaderboardCommand(Client& c, const std::string&, const Args& args) {
  if (!args.empty()) Die("usage: tbctl leaderboard [--org=ID] [--lifetime] [--limit=N]");
  rpb::ListLeaderboardRequest req;
  req.set_community_id(CurrentCommunity(c));
  req.set_organisation_id(absl::GetFlag(FLAGS_org));
  req.set_lifetime(absl::GetFlag(FLAGS_lifetime));
  rpb::ListLeaderboardResponse all;
  const int limit = absl::GetFlag(FLAGS_limit);
  all.set_next_page_token(ReadPages(limit, [&](int page_size, const std::string& page_token) {
    req.set_page_size(page_size);
    req.set_page_token(page_token);
    auto page = c.Call<rpb::ListLeaderboardResponse>(
        c.rewards(), &rpb::RewardsService::Stub::ListLeaderboard, req);
    all.set_as_of_journal_seq(page.as_of_journal_seq());
    for (auto& e : *page.mutable_entries()) *all.add_entries() = std::move(e);
    return PageRead{page.entries_size(), page.next_page_token()};
  }));
  if (limit > 0 && all.entries_size() > limit) {
    all.mutable_entries()->DeleteSubrange(limit, all.entries_size() - limit);
  }
  if (Json()) {
    PrintJson(all);
    return 0;
  }
  if (all.entries().empty()) {
    std::printf("Nobody has chosen to appear on this leaderboard yet.\n");
    return 0;
  }
  std::printf("Members who chose to appear, by people helped and weeks active (%s):\n\n",
              req.lifetime() ? "all time" : "the last 13 weeks");
  Table t({"MEMBER", "NAME", "PEOPLE_HELPED", "WEEKS_ACTIVE"});
  for (const auto& e : all.entries()) {
    t.Add({absl::StrCat(e.member_id()), e.display_name(), absl::StrCat(e.people_helped()),
           absl::StrCat(e.weeks_active())});
  }
  t.Print(stdout);
  if (!all.next_page_token().empty()) std::printf("(more: raise --limit)\n");
  return 0;
}

const std::vector<CommandFlags>& RewardsCommandFlags() {
  static const auto* kTable = new std::vector<CommandFlags>{
      {"me", {"json"}},
      {"summary", {"community", "json"}},
      {"dashboard", {"community", "org", "weeks", "months", "rules", "csv", "json"}},
      {"dashboard annotate", {"community", "org", "json"}},
      {"leaderboard", {"community", "org", "lifetime", "limit", "json"}},
      {"streak pause", {"community", "member", "json"}},
      {"streak resume", {"community", "member", "json"}},
      {"thank", {"community", "json"}},
      {"thanks", {"community", "limit", "json"}},
      {"thanks hide", {"community", "reason", "json"}},
      {"notices", {"community", "member", "since", "follow", "json"}},
  };
  return *kTable;
}

}  // namespace timebank::cli
