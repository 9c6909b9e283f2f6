// tbctl commands for the activity service: exchanges, the noticeboard, donations,
// redemptions and activities (contributions: contribution_commands.cc). The flags
// of every activity command are defined here.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/cli/activity_common.h"
#include "clients/cli/client.h"
#include "clients/cli/commands.h"
#include "clients/cli/member_refs.h"
#include "clients/cli/paging.h"
#include "clients/common/contribution_import.h"
#include "clients/common/hours.h"
#include "clients/common/progress.h"
#include "clients/common/table.h"
#include "clients/common/typed_input.h"
#include "google/protobuf/struct.pb.h"
#include "services/common/timestamps.h"

ABSL_DECLARE_FLAG(uint64_t, community);
ABSL_DECLARE_FLAG(uint64_t, org);
ABSL_DECLARE_FLAG(std::string, reason);
ABSL_DECLARE_FLAG(std::string, coproduction);
ABSL_DECLARE_FLAG(bool, csv);
ABSL_DECLARE_FLAG(std::string, provider);
ABSL_DECLARE_FLAG(std::string, receiver);
ABSL_DECLARE_FLAG(uint64_t, from);
ABSL_DECLARE_FLAG(std::string, tags);
ABSL_DECLARE_FLAG(std::string, tag);
ABSL_DECLARE_FLAG(std::string, state);
ABSL_DECLARE_FLAG(std::string, since);
ABSL_DECLARE_FLAG(std::string, until);
ABSL_DECLARE_FLAG(int, limit);
ABSL_FLAG(std::string, details, "", "offer/request: more about it");
ABSL_FLAG(uint64_t, post, 0, "exchange record: the offer or request it answers");
ABSL_FLAG(bool, closed, false, "posts: include closed offers and requests");
ABSL_FLAG(std::string, with, "",
          "posts reply, posts messages: the member who wrote about your post (their number "
          "such as M00004, username or name)");
ABSL_FLAG(std::string, members, "",
          "contribution log, exchange group: the members, comma-separated (numbers such as "
          "M00004, usernames, names or ids)");
ABSL_FLAG(std::string, what, "", "What was done (one line)");
ABSL_FLAG(std::string, when, "",
          "When it happened: a day (25/11/2026, yesterday) or YYYY-MM-DDTHH:MM, where the "
          "community is (default now)");
ABSL_FLAG(bool, collective, false,
          "contribution log: a collective input (a group's), not individual");
ABSL_FLAG(std::string, member, "",
          "A member: their member number (M00004), username, name or id. activity list: only "
          "their activities; donate: to them (default: the pool)");
ABSL_FLAG(bool, uphold, true, "exchange resolve: the exchange stands (--nouphold declines it)");
ABSL_FLAG(bool, dry_run, false,
          "contribution import: check every row (members, dates, duplicates), write nothing");
ABSL_FLAG(
    std::string, rejected, "",
    "contribution import: where to write the rejected-row report (default FILE.rejected.csv)");
ABSL_FLAG(int, in_flight, 4, "contribution import: batches of 1,000 rows sent at once (1..8)");
ABSL_FLAG(bool, wait, true,
          "contribution import: wait until the rows are posted to the ledger (--nowait: don't)");
ABSL_FLAG(std::string, group_credit, "",
          "activity settings: how group sessions are debited: shared (each receiver their "
          "equal share) or pool (the community pool pays)");
ABSL_FLAG(std::string, request_id, "",
          "Idempotency key: a retry with the same key records nothing twice");

namespace timebank::cli {

uint64_t Id(const Args& a, size_t i, const char* what) {
  uint64_t v = 0;
  if (a.size() <= i || !absl::SimpleAtoi(a[i], &v) || v == 0) Die(absl::StrCat("expected ", what));
  return v;
}

int64_t Minutes(const Args& a, size_t i) {
  if (a.size() <= i) Die("expected an amount of time such as 2h or 1h30m");
  absl::StatusOr<int64_t> m = ParseDurationMinutes(a[i]);
  if (!m.ok()) Die(std::string(m.status().message()));
  return *m;
}

google::protobuf::Timestamp When() {
  google::protobuf::Timestamp ts;
  const std::string w = absl::GetFlag(FLAGS_when);
  absl::Time t = absl::Now();
  std::string err;
  // A day as people type it (midnight where the community is), or a day and a time.
  if (!w.empty() && !absl::ParseTime("%Y-%m-%dT%H:%M", w, ShownZone(), &t, &err)) {
    t = absl::FromUnixNanos(ParseDate("when", w));
  }
  ts.set_seconds(absl::ToUnixSeconds(t));
  return ts;
}

void PrintActivities(const google::protobuf::RepeatedPtrField<apb::Activity>& as) {
  Table t({"id", absl::StrCat("when (", ShownZoneName(), ")"), "kind", "state", "posting",
           "provider", "receiver/org", "time", "what"});
  for (const apb::Activity& a : as) {
    t.Add({absl::StrCat(a.id()), ShownTime(a.occurred_at().seconds()),
           EnumWord(apb::ActivityKind_Name(a.kind()), 14),
           EnumWord(apb::ActivityState_Name(a.state()), 15),
           EnumWord(apb::PostingState_Name(a.posting_state()), 14) +
               (a.ledger_result().empty() ? "" : " (" + a.ledger_result() + ")"),
           MemberLabel(a.provider_name(), a.provider_member_id()),
           a.receiver_member_id() ? MemberLabel(a.receiver_name(), a.receiver_member_id())
           : a.kind() == apb::ACTIVITY_KIND_DONATION ? std::string("community pool")
                                                     : absl::StrCat("org ", a.organisation_id()),
           // A settled dispute shows what was first recorded beside what was settled.
           a.recorded_minutes() == 0 ? FormatMinutes(a.minutes())
                                     : absl::StrCat(FormatMinutes(a.minutes()), " (recorded ",
                                                    FormatMinutes(a.recorded_minutes()), ")"),
           // Why it was declined, disputed or reversed belongs in the table, not only --json.
           a.reason().empty() ? a.description()
                              : absl::StrCat(a.description(), " (why: ", a.reason(), ")")});
  }
  if (absl::GetFlag(FLAGS_csv)) {
    t.PrintCsv(stdout);
  } else {
    t.Print(stdout);
  }
}

int Show(const apb::Activity& a) {
  if (Json()) {
    PrintJson(a);
  } else {
    google::protobuf::RepeatedPtrField<apb::Activity> one;
    *one.Add() = a;
    PrintActivities(one);
  }
  return 0;
}

namespace {

// --provider, or the signed-in member (who is recording the help they gave).
uint64_t ProviderFlag(Client& c, uint64_t community_id) {
  const std::string given = absl::GetFlag(FLAGS_provider);
  if (given.empty() && c.principal() && c.principal()->kind() == dpb::Principal::KIND_MEMBER) {
    return c.principal()->subject_id();
  }
  return ResolveMemberRef(c, community_id, given, "--provider");
}

int ExchangeRecord(Client& c, const std::string& sub, const Args& a) {
  apb::RecordExchangeRequest req;
  req.set_community_id(CurrentCommunity(c));
  req.set_provider_member_id(ProviderFlag(c, req.community_id()));
  req.set_receiver_member_id(
      ResolveMemberRef(c, req.community_id(), absl::GetFlag(FLAGS_receiver), "--receiver"));
  req.set_minutes(Minutes(a, 1));
  *req.mutable_occurred_at() = When();
  req.set_description(absl::GetFlag(FLAGS_what));
  req.set_request_id(absl::GetFlag(FLAGS_request_id));
  req.set_post_id(absl::GetFlag(FLAGS_post));
  return Show(
      c.Call<apb::Activity>(c.activity(), &apb::ActivityService::Stub::RecordExchange, req));
}

int ExchangeGroup(Client& c, const std::string& sub, const Args& a) {
  apb::RecordGroupSessionRequest req;
  req.set_community_id(CurrentCommunity(c));
  req.set_provider_member_id(ProviderFlag(c, req.community_id()));
  for (uint64_t id :
       ResolveMemberRefs(c, req.community_id(), absl::GetFlag(FLAGS_members), "--members")) {
    req.add_receiver_member_ids(id);
  }
  req.set_minutes(Minutes(a, 1));
  *req.mutable_occurred_at() = When();
  req.set_description(absl::GetFlag(FLAGS_what));
  req.set_request_id(absl::GetFlag(FLAGS_request_id));
  auto resp = c.Call<apb::RecordGroupSessionResponse>(
      c.activity(), &apb::ActivityService::Stub::RecordGroupSession, req);
  if (Json()) {
    PrintJson(resp);
  } else {
    std::printf("recorded a group session: %d exchanges, each for its receiver to confirm\n",
                resp.exchanges_size());
    PrintActivities(resp.exchanges());
  }
  return 0;
}

int ExchangeRespond(Client& c, const std::string& sub, const Args& a) {
  apb::RespondToExchangeRequest req;
  req.set_community_id(CurrentCommunity(c));
  req.set_activity_id(Id(a, 1, "an exchange id"));
  req.set_response(sub == "confirm"   ? apb::RespondToExchangeRequest::RESPONSE_CONFIRM
                   : sub == "decline" ? apb::RespondToExchangeRequest::RESPONSE_DECLINE
                                      : apb::RespondToExchangeRequest::RESPONSE_DISPUTE);
  req.set_reason(absl::GetFlag(FLAGS_reason));
  return Show(
      c.Call<apb::Activity>(c.activity(), &apb::ActivityService::Stub::RespondToExchange, req));
}

int ExchangeResolve(Client& c, const std::string& sub, const Args& a) {
  apb::ResolveDisputeRequest req;
  req.set_community_id(CurrentCommunity(c));
  req.set_activity_id(Id(a, 1, "an exchange id"));
  req.set_uphold(absl::GetFlag(FLAGS_uphold));
  req.set_reason(absl::GetFlag(FLAGS_reason));
  return Show(
      c.Call<apb::Activity>(c.activity(), &apb::ActivityService::Stub::ResolveDispute, req));
}

int Exchange(Client& c, const Args& a) {
  const std::string sub = a.empty() ? "" : a[0];
  if (sub == "record") return ExchangeRecord(c, sub, a);
  if (sub == "group") return ExchangeGroup(c, sub, a);
  if ((sub == "confirm" || sub == "decline" || sub == "dispute") && a.size() == 2)
    return ExchangeRespond(c, sub, a);
  if (sub == "resolve" && a.size() == 2) return ExchangeResolve(c, sub, a);
  if (sub == "settle" && a.size() == 3) return ExchangeSettle(c, a);
  Die("usage: tbctl exchange record AMOUNT --provider=ID --receiver=ID --what=.. | "
      "confirm|decline|dispute ID "
      "[--reason=..] | resolve ID --uphold|--nouphold --reason=.. | settle ID AMOUNT --reason=..");
}

// --state for activities: proposed, confirmed, declined, disputed, reversed, expired.
apb::ActivityState ParseActivityState(const std::string& text) {
  std::string name = absl::AsciiStrToUpper(text);
  for (char& ch : name) ch = ch == '-' ? '_' : ch;
  apb::ActivityState state;
  if (!apb::ActivityState_Parse("ACTIVITY_STATE_" + name, &state) ||
      state == apb::ACTIVITY_STATE_UNSPECIFIED) {
    Die("--state: proposed, confirmed, declined, disputed, reversed or expired");
  }
  return state;
}

// tbctl activity list: newest first, filtered by member, organisation, state and the
// days it happened (--since inclusive, --until exclusive), at most --limit rows
// (default 1000; 0: all).
int List(Client& c) {
  constexpr int kDefaultRows = 1000;
  apb::ListActivitiesRequest req;
  req.set_community_id(CurrentCommunity(c));
  req.set_member_id(MemberFlag(c, req.community_id()));
  req.set_organisation_id(absl::GetFlag(FLAGS_org));
  if (!absl::GetFlag(FLAGS_state).empty())
    req.set_state(ParseActivityState(absl::GetFlag(FLAGS_state)));
  if (!absl::GetFlag(FLAGS_since).empty()) {
    ToTimestamp(ParseDate("since", absl::GetFlag(FLAGS_since)), req.mutable_occurred_from());
  }
  if (!absl::GetFlag(FLAGS_until).empty()) {
    ToTimestamp(ParseDate("until", absl::GetFlag(FLAGS_until)), req.mutable_occurred_until());
  }
  const int limit = FlagGiven("limit") ? absl::GetFlag(FLAGS_limit) : kDefaultRows;
  if (limit < 0) Die("--limit: how many rows to show (0: all)");
  apb::ListActivitiesResponse all;
  all.set_next_page_token(ReadPages(limit, [&](int page_size, const std::string& page_token) {
    req.set_page_size(page_size);
    req.set_page_token(page_token);
    auto page = c.Call<apb::ListActivitiesResponse>(
        c.activity(), &apb::ActivityService::Stub::ListActivities, req);
    for (apb::Activity& x : *page.mutable_activities()) *all.add_activities() = std::move(x);
    return PageRead{page.activities_size(), page.next_page_token()};
  }));
  if (Json()) {
    PrintJson(all);
    return 0;
  }
  PrintActivities(all.activities());
  if (!all.next_page_token().empty() && !absl::GetFlag(FLAGS_csv)) {
    std::printf("\n(showing the newest %d; more with --limit=0)\n", all.activities_size());
  }
  return 0;
}

// tbctl activity settings [--group_credit=shared|pool]: shows, or (admins) sets, how a
// group session is debited; the provider is always credited the time given.
int Settings(Client& c) {
  const uint64_t community = CurrentCommunity(c);
  apb::ActivitySettings s;
  const std::string credit = absl::GetFlag(FLAGS_group_credit);
  if (credit.empty()) {
    apb::GetActivitySettingsRequest req;
    req.set_community_id(community);
    s = c.Call<apb::ActivitySettings>(c.activity(),
                                      &apb::ActivityService::Stub::GetActivitySettings, req);
  } else {
    if (credit != "shared" && credit != "pool") Die("--group_credit: shared or pool");
    apb::UpdateActivitySettingsRequest req;
    req.mutable_settings()->set_community_id(community);
    req.mutable_settings()->set_group_session_credit(
        credit == "pool" ? apb::GROUP_SESSION_CREDIT_COMMUNITY_POOL
                         : apb::GROUP_SESSION_CREDIT_SHARED_EQUALLY);
    s = c.Call<apb::ActivitySettings>(c.activity(),
                                      &apb::ActivityService::Stub::UpdateActivitySettings, req);
  }
  if (Json()) {
    PrintJson(s);
    return 0;
  }
  std::printf("Group sessions: the provider is credited the time given, once; %s\n",
              s.group_session_credit() == apb::GROUP_SESSION_CREDIT_COMMUNITY_POOL
                  ? "the community pool pays it (--group_credit=pool)"
                  : "the receivers share it equally (--group_credit=shared)");
  return 0;
}

int Activity(Client& c, const Args& a) {
  const std::string sub = a.empty() ? "" : a[0];
  if (sub == "show" && a.size() == 2) {
    apb::GetActivityRequest req;
    req.set_community_id(CurrentCommunity(c));
    req.set_activity_id(Id(a, 1, "an activity id"));
    return Show(c.Call<apb::Activity>(c.activity(), &apb::ActivityService::Stub::GetActivity, req));
  }
  if (sub == "reverse" && a.size() == 2) {
    apb::ReverseActivityRequest req;
    req.set_community_id(CurrentCommunity(c));
    req.set_activity_id(Id(a, 1, "an activity id"));
    req.set_reason(absl::GetFlag(FLAGS_reason));
    return Show(
        c.Call<apb::Activity>(c.activity(), &apb::ActivityService::Stub::ReverseActivity, req));
  }
  if (sub == "list") return List(c);
  if (sub == "retry" && a.size() == 2) return ActivityRetry(c, a);
  if (sub == "settings" && a.size() == 1) return Settings(c);
  if (sub == "watch") {
    grpc::ClientContext ctx;
    c.Prepare(&ctx, 0);
    apb::WatchActivityRequest req;
    req.set_from_seq(absl::GetFlag(FLAGS_from));
    auto reader = c.activity()->WatchActivity(&ctx, req);
    apb::ActivityEvent e;
    while (reader->Read(&e)) {
      if (e.has_post()) {
        const apb::Post& p = e.post();
        std::printf(
            "#%-6llu community %llu post %llu %s %s\n", static_cast<unsigned long long>(e.seq()),
            static_cast<unsigned long long>(p.community_id()),
            static_cast<unsigned long long>(p.id()),
            EnumWord(apb::PostKind_Name(p.kind()), 10).c_str(), p.closed() ? "closed" : "open");
        std::fflush(stdout);
        continue;
      }
      const apb::Activity& x = e.activity();
      std::printf("#%-6llu community %llu activity %llu %s %s %s %s: %s\n",
                  static_cast<unsigned long long>(e.seq()),
                  static_cast<unsigned long long>(x.community_id()),
                  static_cast<unsigned long long>(x.id()),
                  EnumWord(apb::ActivityKind_Name(x.kind()), 14).c_str(),
                  EnumWord(apb::ActivityState_Name(x.state()), 15).c_str(),
                  EnumWord(apb::PostingState_Name(x.posting_state()), 14).c_str(),
                  FormatMinutes(x.minutes()).c_str(), x.description().c_str());
      std::fflush(stdout);
    }
    grpc::Status s = reader->Finish();
    if (!s.ok()) DieRpc(s);
    return 0;
  }
  Die("usage: tbctl activity show ID | list [--member=ID] [--org=ID] [--state=proposed] "
      "[--since=YYYY-MM-DD] [--until=YYYY-MM-DD] [--limit=N] | reverse ID --reason=.. | retry ID | "
      "settings [--group_credit=shared|pool] | "
      "watch [--from=1]");
}

void PrintPosts(const google::protobuf::RepeatedPtrField<apb::Post>& ps) {
  Table t({"id", "kind", "member", "title", "tags", absl::StrCat("posted (", ShownZoneName(), ")"),
           "state"});
  for (const apb::Post& p : ps) {
    std::string tags;
    for (const auto& x : p.tags()) tags += (tags.empty() ? "" : ",") + x;
    t.Add({absl::StrCat(p.id()), p.kind() == apb::POST_KIND_OFFER ? "offer" : "request",
           MemberLabel(p.posted_by(), p.member_id()), p.title(), tags,
           ShownDay(p.created_at().seconds()), p.closed() ? "closed" : "open"});
  }
  t.Print(stdout);
}

void PrintMessages(const google::protobuf::RepeatedPtrField<apb::PostMessage>& ms) {
  Table t({absl::StrCat("sent (", ShownZoneName(), ")"), "from", "conversation with", "message"});
  for (const apb::PostMessage& m : ms) {
    t.Add({ShownTime(m.sent_at().seconds()), MemberLabel(m.from_name(), m.from_member_id()),
           MemberLabel(m.helper_name(), m.helper_member_id()),
           m.text_erased() ? "(erased)" : m.text()});
  }
  t.Print(stdout);
}

// posts help|reply|messages: the conversations about a post.
int Conversation(Client& c, const Args& a) {
  const uint64_t community = CurrentCommunity(c);
  const uint64_t post = Id(a, 1, "a post id");
  const uint64_t with = absl::GetFlag(FLAGS_with).empty()
                            ? 0
                            : ResolveMemberRef(c, community, absl::GetFlag(FLAGS_with), "--with");
  if (a[0] == "reply" && with == 0) Die("--with: the member you are answering (such as M00004)");
  if (a[0] == "messages") {
    apb::ListPostMessagesRequest req;
    req.set_community_id(community);
    req.set_post_id(post);
    req.set_helper_member_id(with);
    apb::ListPostMessagesResponse all;
    ReadPages(0, [&](int page_size, const std::string& page_token) {
      req.set_page_size(page_size);
      req.set_page_token(page_token);
      auto page = c.Call<apb::ListPostMessagesResponse>(
          c.activity(), &apb::ActivityService::Stub::ListPostMessages, req);
      for (apb::PostMessage& m : *page.mutable_messages()) *all.add_messages() = std::move(m);
      return PageRead{page.messages_size(), page.next_page_token()};
    });
    if (Json()) {
      PrintJson(all);
    } else if (all.messages_size() == 0) {
      std::printf("no messages about post %llu yet\n", static_cast<unsigned long long>(post));
    } else {
      PrintMessages(all.messages());
    }
    return 0;
  }
  apb::SendPostMessageRequest req;
  req.set_community_id(community);
  req.set_post_id(post);
  req.set_helper_member_id(with);
  req.set_text(a[2]);
  req.set_request_id(absl::GetFlag(FLAGS_request_id));
  auto sent =
      c.Call<apb::PostMessage>(c.activity(), &apb::ActivityService::Stub::SendPostMessage, req);
  if (Json()) {
    PrintJson(sent);
  } else {
    std::printf("sent about post %llu; only you and %s read this conversation\n",
                static_cast<unsigned long long>(post),
                a[0] == "help" ? "whoever posted it" : "the member you answered");
  }
  return 0;
}

int Posts(Client& c, const std::string& cmd, const Args& a) {
  if ((cmd == "offer" || cmd == "request") && a.size() == 1) {
    apb::CreatePostRequest req;
    apb::Post* p = req.mutable_post();
    p->set_community_id(CurrentCommunity(c));
    p->set_kind(cmd == "offer" ? apb::POST_KIND_OFFER : apb::POST_KIND_REQUEST);
    p->set_title(a[0]);
    p->set_details(absl::GetFlag(FLAGS_details));
    for (absl::string_view t : absl::StrSplit(absl::GetFlag(FLAGS_tags), ',', absl::SkipEmpty())) {
      p->add_tags(std::string(t));
    }
    req.set_request_id(absl::GetFlag(FLAGS_request_id));
    auto out = c.Call<apb::Post>(c.activity(), &apb::ActivityService::Stub::CreatePost, req);
    if (Json()) {
      PrintJson(out);
    } else {
      std::printf("posted %s %llu: %s\n", cmd.c_str(), static_cast<unsigned long long>(out.id()),
                  out.title().c_str());
    }
    return 0;
  }
  if (cmd == "posts") {
    if ((a.size() == 3 && (a[0] == "help" || a[0] == "reply")) ||
        (a.size() == 2 && a[0] == "messages")) {
      return Conversation(c, a);
    }
    if (a.size() == 2 && a[0] == "close") {
      apb::ClosePostRequest req;
      req.set_community_id(CurrentCommunity(c));
      req.set_post_id(Id(a, 1, "a post id"));
      auto out = c.Call<apb::Post>(c.activity(), &apb::ActivityService::Stub::ClosePost, req);
      if (Json()) {
        PrintJson(out);
      } else {
        std::printf("post %llu closed\n", static_cast<unsigned long long>(out.id()));
      }
      return 0;
    }
    apb::SearchPostsRequest req;
    req.set_community_id(CurrentCommunity(c));
    if (!a.empty()) req.set_text(a[0]);
    req.set_tag(absl::GetFlag(FLAGS_tag));
    req.set_include_closed(absl::GetFlag(FLAGS_closed));
    req.set_page_size(1000);
    auto resp = c.Call<apb::SearchPostsResponse>(c.activity(),
                                                 &apb::ActivityService::Stub::SearchPosts, req);
    if (Json()) {
      PrintJson(resp);
    } else {
      PrintPosts(resp.posts());
    }
    return 0;
  }
  Die("usage: tbctl offer|request TITLE [--details=..] [--tags=a,b] | posts [TEXT] [--tag=T] "
      "[--closed] | "
      "posts close ID | posts help POST \"message\" | posts messages POST [--with=MEMBER] | "
      "posts reply POST --with=MEMBER \"message\"");
}

}  // namespace

const std::vector<CommandFlags>& ActivityCommandFlags() {
  static const auto* kTable = new std::vector<CommandFlags>{
      {"contribution log",
       {"community", "org", "members", "when", "what", "coproduction", "collective", "request_id",
        "json"}},
      {"contribution report",
       {"community", "org", "when", "what", "coproduction", "request_id", "json"}},
      {"contribution approve", {"community", "org", "reason", "json"}},
      {"contribution decline", {"community", "org", "reason", "json"}},
      {"contribution import", {"community", "dry_run", "in_flight", "wait", "rejected", "json"}},
      {"exchange record",
       {"community", "provider", "receiver", "when", "what", "request_id", "post", "json"}},
      {"exchange group",
       {"community", "provider", "members", "when", "what", "request_id", "json"}},
      {"exchange confirm", {"community", "reason", "json"}},
      {"exchange decline", {"community", "reason", "json"}},
      {"exchange dispute", {"community", "reason", "json"}},
      {"exchange resolve", {"community", "uphold", "reason", "json"}},
      {"activity show", {"community", "json", "csv"}},
      {"activity reverse", {"community", "reason", "json"}},
      {"activity list",
       {"community", "member", "org", "state", "since", "until", "limit", "json", "csv"}},
      {"activity watch", {"from"}},
      {"activity settings", {"community", "group_credit", "json"}},
      {"offer", {"community", "details", "tags", "request_id", "json"}},
      {"request", {"community", "details", "tags", "request_id", "json"}},
      {"posts", {"community", "tag", "closed", "json"}},
      {"posts close", {"community", "json"}},
      {"posts help", {"community", "request_id", "json"}},
      {"posts reply", {"community", "with", "request_id", "json"}},
      {"posts messages", {"community", "with", "json"}},
      {"donate", {"community", "member", "what", "request_id", "json"}},
      {"redeem", {"community", "org", "what", "request_id", "json"}},
  };
  return *kTable;
}

int DonateCommand(Client& c, const std::string&, const Args& a) {
  apb::DonateRequest req;
  req.set_community_id(CurrentCommunity(c));
  req.set_to_member_id(MemberFlag(c, req.community_id()));
  req.set_minutes(Minutes(a, 0));
  req.set_description(absl::GetFlag(FLAGS_what));
  req.set_request_id(absl::GetFlag(FLAGS_request_id));
  return Show(c.Call<apb::Activity>(c.activity(), &apb::ActivityService::Stub::Donate, req));
}

int RedeemCommand(Client& c, const std::string&, const Args& a) {
  apb::RedeemRequest req;
  req.set_community_id(CurrentCommunity(c));
  req.set_organisation_id(absl::GetFlag(FLAGS_org));
  req.set_minutes(Minutes(a, 0));
  req.set_description(absl::GetFlag(FLAGS_what));
  req.set_request_id(absl::GetFlag(FLAGS_request_id));
  return Show(c.Call<apb::Activity>(c.activity(), &apb::ActivityService::Stub::Redeem, req));
}

int PostCommand(Client& c, const std::string& cmd, const Args& a) { return Posts(c, cmd, a); }

int ExchangeCommand(Client& c, const std::string&, const Args& a) { return Exchange(c, a); }

int ActivityCommand(Client& c, const std::string&, const Args& a) { return Activity(c, a); }

}  // namespace timebank::cli
