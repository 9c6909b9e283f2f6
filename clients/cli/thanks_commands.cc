// tbctl's thank-you notes: thanking for an activity you received (thank), reading the
// notes you received and wrote, or (coordinators) a member's (thanks), and hiding an
// abusive note (thanks hide). The activity is the id `tbctl activity list` shows.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "clients/cli/commands.h"
#include "clients/cli/paging.h"
#include "clients/cli/run_chart_text.h"
#include "clients/common/table.h"
#include "services/common/timestamps.h"

ABSL_DECLARE_FLAG(int, limit);
ABSL_DECLARE_FLAG(std::string, reason);

namespace timebank::cli {
namespace {

namespace lpb = ::timebank::ledger::v1;

// The `me` card shows this many of the notes the summary carries.
constexpr int kCardNotesMax = 5;

constexpr char kThankUsage[] = "usage: tbctl thank ACTIVITY_ID \"NOTE\"";
constexpr char kThanksUsage[] =
    "usage: tbctl thanks [MEMBER_ID] [--limit=N] | tbctl thanks hide ACTIVITY_ID --reason=..";

uint64_t IdOrDie(const std::string& arg, const char* usage) {
  uint64_t id = 0;
  if (!absl::SimpleAtoi(arg, &id) || id == 0) Die(usage);
  return id;
}

std::string DayOf(const google::protobuf::Timestamp& t) { return ShownDay(t.seconds()); }

// "from member 4", "from member 4 for organisation 2".
std::string FromWhom(const rpb::ThankYouNote& n) {
  std::string out = absl::StrCat("member ", n.author_member_id());
  if (n.organisation_id() != 0) absl::StrAppend(&out, " for organisation ", n.organisation_id());
  return out;
}

void PrintNotes(const rpb::ListThanksResponse& all) {
  if (all.notes().empty()) {
    std::printf("No thank-you notes yet.\n");
    return;
  }
  Table t({"ACTIVITY", "DATE", "DIRECTION", "WHO", "TIME", "NOTE"});
  for (const rpb::ThankYouNote& n : all.notes()) {
    const std::string who =
        n.received() ? FromWhom(n) : absl::StrCat("member ", n.provider_member_id());
    std::string note = n.text();
    if (n.hidden()) note = absl::StrCat("[hidden: ", n.hidden_reason(), "] ", note);
    t.Add({absl::StrCat(n.activity_id()), DayOf(n.left_at()), n.received() ? "received" : "written",
           who, HoursAndMinutes(n.minutes()), note});
  }
  t.Print(stdout);
  if (!all.next_page_token().empty()) std::printf("(more: raise --limit)\n");
}

int ListThanks(Client& c, const Args& args) {
  rpb::ListThanksRequest req;
  if (args.size() > 1) Die(kThanksUsage);
  if (args.size() == 1) {
    req.set_community_id(CurrentCommunity(c));
    req.set_member_id(IdOrDie(args[0], kThanksUsage));
  }
  rpb::ListThanksResponse all;
  const int limit = absl::GetFlag(FLAGS_limit);
  all.set_next_page_token(ReadPages(limit, [&](int page_size, const std::string& page_token) {
    req.set_page_size(page_size);
    req.set_page_token(page_token);
    auto page =
        c.Call<rpb::ListThanksResponse>(c.rewards(), &rpb::RewardsService::Stub::ListThanks, req);
    for (auto& n : *page.mutable_notes()) *all.add_notes() = std::move(n);
    return PageRead{page.notes_size(), page.next_page_token()};
  }));
  if (limit > 0 && all.notes_size() > limit) {
    all.mutable_notes()->DeleteSubrange(limit, all.notes_size() - limit);
  }
  if (cli::Json()) {
    PrintJson(all);
  } else {
    PrintNotes(all);
  }
  return 0;
}

int HideThanks(Client& c, const Args& args) {
  if (args.size() != 2) Die(kThanksUsage);
  rpb::HideThanksRequest req;
  req.set_community_id(CurrentCommunity(c));
  req.set_activity_id(IdOrDie(args[1], kThanksUsage));
  req.set_reason(absl::GetFlag(FLAGS_reason));
  auto n = c.Call<rpb::ThankYouNote>(c.rewards(), &rpb::RewardsService::Stub::HideThanks, req);
  if (cli::Json()) {
    PrintJson(n);
    return 0;
  }
  std::printf("The thank-you note on activity %llu is hidden from members (reason: %s).\n",
              static_cast<unsigned long long>(n.activity_id()), n.hidden_reason().c_str());
  return 0;
}

}  // namespace

int ThankCommand(Client& c, const std::string&, const Args& args) {
  if (args.size() != 2) Die(kThankUsage);
  rpb::LeaveThanksRequest req;
  req.set_community_id(CurrentCommunity(c));
  req.set_activity_id(IdOrDie(args[0], kThankUsage));
  req.set_text(args[1]);
  auto n = c.Call<rpb::ThankYouNote>(c.rewards(), &rpb::RewardsService::Stub::LeaveThanks, req);
  if (cli::Json()) {
    PrintJson(n);
    return 0;
  }
  std::printf("Your thank-you note on activity %llu is with member %llu.\n",
              static_cast<unsigned long long>(n.activity_id()),
              static_cast<unsigned long long>(n.provider_member_id()));
  return 0;
}

int ThanksCommand(Client& c, const std::string&, const Args& args) {
  if (!args.empty() && args[0] == "hide") return HideThanks(c, args);
  return ListThanks(c, args);
}

void PrintLatestThanks(const rpb::MemberSummary& s, bool self) {
  if (s.thank_you_notes().empty()) return;
  std::printf("\n  Thank-you notes %s received (latest first):\n", self ? "you" : "they");
  int shown = 0;
  for (const rpb::ThankYouNote& n : s.thank_you_notes()) {
    if (shown++ == kCardNotesMax) {
      std::printf("    (more: tbctl thanks)\n");
      break;
    }
    std::printf("    %s  \"%s\" (from %s)\n", DayOf(n.left_at()).c_str(), n.text().c_str(),
                FromWhom(n).c_str());
  }
}

}  // namespace timebank::cli
