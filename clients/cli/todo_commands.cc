// tbctl's to-do list and the commands that act on it: `todo` (ListTasks, plus the
// directory's sign-ups awaiting approval for those who may see them), `activity retry`
// (RetryPosting) and `exchange settle` (ResolveDispute with a corrected amount).
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "clients/cli/activity_common.h"
#include "clients/cli/client.h"
#include "clients/cli/commands.h"
#include "clients/cli/member_refs.h"
#include "clients/cli/paging.h"
#include "clients/common/hours.h"
#include "clients/common/table.h"

ABSL_DECLARE_FLAG(std::string, reason);
ABSL_DECLARE_FLAG(std::string, request_id);
ABSL_DECLARE_FLAG(int, limit);

namespace timebank::cli {
namespace {

namespace dpb = ::timebank::directory::v1;

// One row of the to-do table.
struct Row {
  std::string what, who, since, due, next;
};

Row RowOf(const apb::Task& t) {
  const apb::Activity& a = t.activity();
  const std::string id = absl::StrCat(t.activity_id());
  Row r;
  r.since = ShownTime(t.since().seconds());
  r.who = MemberLabel(a.provider_name(), a.provider_member_id());
  if (a.receiver_member_id() != 0) {
    absl::StrAppend(&r.who, " -> ", MemberLabel(a.receiver_name(), a.receiver_member_id()));
  }
  if (a.organisation_id() != 0) absl::StrAppend(&r.who, " (org ", a.organisation_id(), ")");
  const std::string amount = FormatMinutes(a.minutes());
  switch (t.kind()) {
    case apb::Task::KIND_VERIFY_SELF_REPORT:
      r.what = absl::StrCat("verify self-report ", id, " (", amount, ")");
      r.next = t.yours()
                   ? absl::StrCat("tbctl contribution approve ", id, " --org=", a.organisation_id())
                   : "another coordinator verifies it (it is yours)";
      break;
    case apb::Task::KIND_RESOLVE_DISPUTE:
      r.what = absl::StrCat("resolve dispute ", id, " (", amount, ")");
      r.next = absl::StrCat("tbctl exchange resolve ", id, " --reason=.. | exchange settle ", id,
                            " AMOUNT --reason=..");
      break;
    case apb::Task::KIND_UNANSWERED_EXCHANGE:
      r.what = absl::StrCat("unanswered exchange ", id, " (", amount, ")");
      r.due = absl::StrCat(ShownTime(t.due_at().seconds()),
                           t.lapses() ? " (lapses)" : " (auto-confirms)");
      r.next = t.yours()
                   ? absl::StrCat("tbctl exchange confirm|decline|dispute ", id)
                   : "remind " + (a.provider_member_id() == a.recorded_by()
                                      ? MemberLabel(a.receiver_name(), a.receiver_member_id())
                                      : MemberLabel(a.provider_name(), a.provider_member_id()));
      break;
    case apb::Task::KIND_RETRY_POSTING:
      r.what = absl::StrCat("refused posting ", id, " (", a.ledger_result(), ")");
      r.next = absl::StrCat("fix the cause, then tbctl activity retry ", id);
      break;
    default:
      r.what = absl::StrCat("task on activity ", id);
  }
  return r;
}

// Sign-ups awaiting approval: only admins see every member, so others get none.
std::vector<Row> PendingSignUps(Client& c, uint64_t community) {
  std::vector<Row> rows;
  dpb::SearchMembersRequest req;
  req.set_community_id(community);
  std::string token;
  do {
    req.set_page_token(token);
    req.set_page_size(kPageSizeMax);
    grpc::ClientContext ctx;
    c.Prepare(&ctx);
    dpb::SearchMembersResponse page;
    if (!c.directory()->SearchMembers(&ctx, req, &page).ok()) return rows;
    for (const dpb::Member& m : page.members()) {
      if (m.status() != dpb::MEMBER_STATUS_PENDING_APPROVAL) continue;
      rows.push_back(
          {"approve sign-up", absl::StrCat(m.display_name(), " (", m.member_number(), ")"),
           ShownTime(m.created_at().seconds()), "", absl::StrCat("tbctl member approve ", m.id())});
    }
    token = page.next_page_token();
  } while (!token.empty());
  return rows;
}

int Todo(Client& c) {
  const uint64_t community = CurrentCommunity(c);
  apb::ListTasksRequest req;
  req.set_community_id(community);
  apb::ListTasksResponse all;
  const int limit = FlagGiven("limit") ? absl::GetFlag(FLAGS_limit) : 0;
  if (limit < 0) Die("--limit: how many tasks to show (0: all)");
  all.set_next_page_token(ReadPages(limit, [&](int page_size, const std::string& page_token) {
    req.set_page_size(page_size);
    req.set_page_token(page_token);
    auto page =
        c.Call<apb::ListTasksResponse>(c.activity(), &apb::ActivityService::Stub::ListTasks, req);
    for (apb::Task& t : *page.mutable_tasks()) *all.add_tasks() = std::move(t);
    return PageRead{page.tasks_size(), page.next_page_token()};
  }));
  if (cli::Json()) {  // qualified: a unity build also sees credential_commands.cc's Json type
    PrintJson(all);
    return 0;
  }
  std::vector<Row> rows = PendingSignUps(c, community);
  for (const apb::Task& t : all.tasks()) rows.push_back(RowOf(t));
  if (rows.empty()) {
    std::printf("nothing to do\n");
    return 0;
  }
  const std::string zone = absl::StrCat(" (", ShownZoneName(), ")");
  Table table({"what", "who", "since" + zone, "due", "next"});
  for (const Row& r : rows) table.Add({r.what, r.who, r.since, r.due, r.next});
  table.Print(stdout);
  if (!all.next_page_token().empty()) {
    std::printf("\n(showing the oldest %d; more with --limit=0)\n", all.tasks_size());
  }
  return 0;
}

}  // namespace

int ActivityRetry(Client& c, const Args& a) {
  apb::RetryPostingRequest req;
  req.set_community_id(CurrentCommunity(c));
  req.set_activity_id(Id(a, 1, "an activity id"));
  return Show(c.Call<apb::Activity>(c.activity(), &apb::ActivityService::Stub::RetryPosting, req));
}

int ExchangeSettle(Client& c, const Args& a) {
  apb::ResolveDisputeRequest req;
  req.set_community_id(CurrentCommunity(c));
  req.set_activity_id(Id(a, 1, "an exchange id"));
  req.set_settled_minutes(Minutes(a, 2));
  req.set_uphold(true);
  req.set_reason(absl::GetFlag(FLAGS_reason));
  req.set_request_id(absl::GetFlag(FLAGS_request_id));
  return Show(
      c.Call<apb::Activity>(c.activity(), &apb::ActivityService::Stub::ResolveDispute, req));
}

int TodoCommand(Client& c, const std::string&, const Args& a) {
  if (!a.empty()) Die("usage: tbctl todo [--limit=N]");
  return Todo(c);
}

const std::vector<CommandFlags>& TodoCommandFlags() {
  static const auto* kTable = new std::vector<CommandFlags>{
      {"todo", {"community", "limit", "json"}},
      {"activity retry", {"community", "json"}},
      {"exchange settle", {"community", "reason", "request_id", "json"}},
  };
  return *kTable;
}

}  // namespace timebank::cli
