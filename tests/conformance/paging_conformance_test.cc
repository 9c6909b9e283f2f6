// Paging conformance: every List/Search RPC of every service (found from the service
// descriptors: a method whose request has page_size and page_token) returns every
// item exactly once. For each, more items than two default pages are seeded, then the
// list is walked from outside, through gRPC, with page sizes 0 (the default), 1, 7,
// 100 and 1000: no item missing, none twice, every page but the last full, and the
// next_page_token empty exactly on the last page. A walk during which items are added
// never repeats or loses an item that existed when it started. A listing method this
// test has no seeder for fails it, saying what to add.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>

#include <functional>
#include <map>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/common/ids.h"
#include "services/common/paging.h"
#include "storage/check.h"
#include "tests/common/test_util.h"
#include "tests/conformance/conformance_node.h"
#include "timebank/activity/v1/activity.pb.h"
#include "timebank/expenses/v1/expenses.pb.h"
#include "timebank/ledger/v1/ledger.pb.h"
#include "timebank/rewards/v1/rewards.pb.h"

namespace timebank::testing {
namespace {

namespace apb = ::timebank::activity::v1;
namespace dpb = ::timebank::directory::v1;
namespace lpb = ::timebank::ledger::v1;
namespace xpb = ::timebank::expenses::v1;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MethodDescriptor;

// More than two default pages, and a multiple of none of the page sizes walked.
constexpr int kSeeded = 2 * static_cast<int>(kDefaultListPageSize) + 13;
constexpr int kAddedDuringWalk = 5;
constexpr int kWalkPageSizes[] = {0, 1, 7, 100, 1000};
constexpr int kMaxPages = 5000;  // a walk longer than this never ends

bool IsListing(const MethodDescriptor* m) {
  const Descriptor* in = m->input_type();
  const FieldDescriptor* size = in->FindFieldByName("page_size");
  const FieldDescriptor* token = in->FindFieldByName("page_token");
  return size != nullptr && token != nullptr && size->type() == FieldDescriptor::TYPE_INT32 &&
         token->type() == FieldDescriptor::TYPE_STRING;
}

// The one repeated message field of a list response: the items.
const FieldDescriptor* ItemsField(const Descriptor* response) {
  const FieldDescriptor* items = nullptr;
  for (int i = 0; i < response->field_count(); ++i) {
    const FieldDescriptor* f = response->field(i);
    if (f->is_repeated() && f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (items != nullptr) return nullptr;
      items = f;
    }
  }
  return items;
}

// What identifies an item: its "id" (or, for audit entries, "seq"; for leaderboard
// entries, "member_id"; for thank-you notes, one per activity, "activity_id").
std::string IdentityOf(const Message& item) {
  const auto* d = item.GetDescriptor();
  const auto* r = item.GetReflection();
  for (const char* name : {"id", "seq", "member_id", "activity_id"}) {
    const FieldDescriptor* f = d->FindFieldByName(name);
    if (f == nullptr) continue;
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) return r->GetString(item, f);
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_UINT64)
      return absl::StrCat(r->GetUInt64(item, f));
  }
  return "";
}

// How the test drives one listing method.
struct Seeder {
  // Names the listing's scope in the request (its community, account, ...).
  std::function<void(Message* request)> scope;
  // The access token to list with.
  std::function<std::string()> token;
  // Adds `n` items the list must show; returns their identities when the seeder
  // knows them (empty when it knows only how many it added).
  std::function<absl::StatusOr<std::vector<std::string>>(int n)> add;
  // The response's field of items, for a response with more than one repeated
  // message field (a data export's notes beside its badges); empty: the only one.
  std::string items = "";
};

// One walk through a list: the identities in the order returned, and each page's size.
struct Walk {
  std::vector<std::string> ids;
  std::vector<int> page_lengths;
  bool last_token_empty = false;
};

class PagingConformanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto node = ConformanceNode::Start(dir_.Sub("data"));
    ASSERT_TRUE(node.ok()) << node.status();
    node_ = std::move(*node);
  }

  // Walks `method` from the first page, `between(page)` running after each page.
  absl::StatusOr<Walk> WalkList(const MethodDescriptor* method, const Seeder& seeder, int page_size,
                                const std::function<void(int)>& between = {}) {
    std::unique_ptr<Message> request(factory_.GetPrototype(method->input_type())->New());
    std::unique_ptr<Message> response(factory_.GetPrototype(method->output_type())->New());
    seeder.scope(request.get());
    const auto* in = method->input_type();
    request->GetReflection()->SetInt32(request.get(), in->FindFieldByName("page_size"), page_size);
    const FieldDescriptor* token_field = in->FindFieldByName("page_token");
    const FieldDescriptor* next_field = method->output_type()->FindFieldByName("next_page_token");
    const FieldDescriptor* items = seeder.items.empty()
                                       ? ItemsField(method->output_type())
                                       : method->output_type()->FindFieldByName(seeder.items);
    if (next_field == nullptr || items == nullptr) {
      return absl::InternalError(
          "the response needs next_page_token and exactly one repeated message field");
    }
    Walk walk;
    for (int page = 0; page < kMaxPages; ++page) {
      response->Clear();
      grpc::Status s = node_->Call(MethodPath(method), *request, seeder.token(), response.get());
      if (!s.ok()) {
        return absl::InternalError(
            absl::StrCat("page ", page, ": ", s.error_code(), " ", s.error_message()));
      }
      const auto* r = response->GetReflection();
      const int n = r->FieldSize(*response, items);
      walk.page_lengths.push_back(n);
      for (int i = 0; i < n; ++i)
        walk.ids.push_back(IdentityOf(r->GetRepeatedMessage(*response, items, i)));
      const std::string next = r->GetString(*response, next_field);
      if (next.empty()) {
        walk.last_token_empty = true;
        return walk;
      }
      request->GetReflection()->SetString(request.get(), token_field, next);
      if (between) between(page);
    }
    return absl::InternalError(
        absl::StrCat("no end after ", kMaxPages, " pages: the token keeps returning pages"));
  }

  absl::StatusOr<TestCommunity> Community(const std::string& name) {
    return node_->NewCommunity(name);
  }
  std::string Token(const dpb::Principal& p) { return node_->TokenFor(p); }

  // Members of `t`, created through the directory's core.
  absl::StatusOr<std::vector<dpb::Member>> AddMembers(const TestCommunity& t, int n) {
    std::vector<dpb::Member> out;
    for (int i = 0; i < n; ++i) {
      dpb::Member m;
      m.set_community_id(t.id);
      m.set_display_name(absl::StrCat("Paging member ", ++serial_));
      TB_ASSIGN_OR_RETURN(m, node_->node()->directory()->CreateMember({}, m, "", ""));
      out.push_back(std::move(m));
    }
    return out;
  }

  absl::Status SetPolicy(const TestCommunity& t) {
    xpb::Policy p;
    p.set_community_id(t.id);
    p.set_max_claim_minor(50'000);
    p.set_max_month_minor(10'000'000);
    p.set_claim_window_days(60);
    return node_->node()->expenses()->SetPolicy(t.finance, p).status();
  }

  absl::StatusOr<xpb::Claim> Draft(const TestCommunity& t) {
    xpb::Claim c;
    c.set_community_id(t.id);
    c.set_title(absl::StrCat("Bus fares ", ++serial_));
    xpb::ClaimLine* l = c.add_lines();
    l->set_category(xpb::CATEGORY_TRAVEL);
    l->set_date(absl::FormatTime("%Y-%m-%d", absl::Now() - absl::Hours(48), absl::UTCTimeZone()));
    l->set_amount_minor(100);
    l->set_description("bus to the hospital");
    return node_->node()->expenses()->CreateClaim(t.member, c, "");
  }

  // n claims of `t`'s member, approved by its finance officer and posted.
  absl::StatusOr<std::vector<uint64_t>> ApprovedClaims(const TestCommunity& t, int n) {
    expenses::ExpenseBook* book = node_->node()->expenses();
    std::vector<uint64_t> ids;
    for (int i = 0; i < n; ++i) {
      TB_ASSIGN_OR_RETURN(xpb::Claim c, Draft(t));
      TB_ASSIGN_OR_RETURN(c, book->SubmitClaim(t.member, t.id, c.id(), c.etag()));
      xpb::DecideClaimRequest d;
      d.set_community_id(t.id);
      d.set_claim_id(c.id());
      d.set_etag(c.etag());
      d.set_decision(xpb::DecideClaimRequest::DECISION_APPROVE);
      TB_RETURN_IF_ERROR(book->DecideClaim(t.finance, d).status());
      ids.push_back(c.id());
    }
    for (int i = 0; i < 1000 && book->OutboxSize() > 0; ++i) {
      TB_RETURN_IF_ERROR(book->Dispatch().status());
    }
    if (book->OutboxSize() > 0) return absl::DeadlineExceededError("approvals were not posted");
    return ids;
  }

  // Every listing method's seeder, by method key. Each lists in a community of its own.
  absl::StatusOr<std::map<std::string, Seeder>> Seeders() {
    std::map<std::string, Seeder> s;
    auto scoped = [](uint64_t c) {
      return [c](Message* m) {
        m->GetReflection()->SetUInt64(m, m->GetDescriptor()->FindFieldByName("community_id"), c);
      };
    };
    auto service = [this] { return node_->node()->ServiceToken("paging"); };
    auto ids_of = [](const auto& items) {
      std::vector<std::string> ids;
      for (const auto& i : items) ids.push_back(absl::StrCat(i.id()));
      return ids;
    };
    directory::Directory* dir = node_->node()->directory();

    TB_ASSIGN_OR_RETURN(TestCommunity accounts, Community("Accounts"));
    s["LedgerService/ListAccounts"] = {
        scoped(accounts.id), service, [=, this](int n) -> absl::StatusOr<std::vector<std::string>> {
          TB_ASSIGN_OR_RETURN(auto members, AddMembers(accounts, n));
          std::vector<std::string> ids;
          for (const dpb::Member& m : members) ids.push_back(m.account_id());
          for (int i = 0; i < 500; ++i) {  // the directory opens them through the ledger's API
            auto found = node_->node()->ledger()->GetAccounts(ids);
            if (std::all_of(found.begin(), found.end(),
                            [](const auto& a) { return a.has_value(); }))
              return ids;
            dir->DrainOutbox();
            absl::SleepFor(absl::Milliseconds(10));
          }
          return absl::DeadlineExceededError("the members' ledger accounts were not opened");
        }};

    TB_ASSIGN_OR_RETURN(TestCommunity statement, Community("Statement"));
    s["LedgerService/ListTransfers"] = {
        [a = MemberAccountId(statement.id, statement.member.subject_id())](Message* m) {
          m->GetReflection()->SetString(m, m->GetDescriptor()->FindFieldByName("account_id"), a);
        },
        service,
        [=, this](int n) -> absl::StatusOr<std::vector<std::string>> {
          const std::string a = MemberAccountId(statement.id, statement.member.subject_id());
          const std::string b = MemberAccountId(statement.id, statement.admin.subject_id());
          lpb::CreateTransfersRequest req;
          std::vector<std::string> ids;
          for (int i = 0; i < n; ++i) {
            lpb::Transfer* t = req.add_transfers();
            t->set_id(PersonChosenId(statement.id, absl::StrCat("paging-", ++serial_)));
            t->set_debit_account_id(serial_ % 2 ? a : b);  // back and forth: balances stay small
            t->set_credit_account_id(serial_ % 2 ? b : a);
            t->set_amount(1);
            t->set_kind(lpb::TRANSFER_KIND_EXCHANGE);
            ids.push_back(t->id());
          }
          lpb::CreateTransfersResponse resp;
          grpc::Status st = node_->Call("/timebank.ledger.v1.LedgerService/CreateTransfers", req,
                                        node_->node()->ServiceToken("paging"), &resp);
          if (!st.ok()) return absl::InternalError(st.error_message());
          for (const auto& r : resp.results()) {
            if (r.code() != lpb::CREATE_TRANSFER_CREATED) {
              return absl::InternalError(lpb::CreateTransferResultCode_Name(r.code()));
            }
          }
          return ids;
        }};

    s["DirectoryService/ListCommunities"] = {
        [](Message*) {}, service,
        [=, this](int n) -> absl::StatusOr<std::vector<std::string>> {
          std::vector<dpb::Community> made;
          for (int i = 0; i < n; ++i) {
            dpb::Community c;
            c.set_name(absl::StrCat("Paging community ", ++serial_));
            TB_ASSIGN_OR_RETURN(c, dir->CreateCommunity({}, c, ""));
            made.push_back(std::move(c));
          }
          return ids_of(made);
        }};

    TB_ASSIGN_OR_RETURN(TestCommunity orgs, Community("Organisations"));
    s["DirectoryService/ListOrganisations"] = {
        scoped(orgs.id), service, [=, this](int n) -> absl::StatusOr<std::vector<std::string>> {
          std::vector<dpb::Organisation> made;
          for (int i = 0; i < n; ++i) {
            dpb::Organisation o;
            o.set_community_id(orgs.id);
            o.set_name(absl::StrCat("Paging organisation ", ++serial_));
            o.set_kind(dpb::ORGANISATION_KIND_COMMUNITY_GROUP);
            TB_ASSIGN_OR_RETURN(o, dir->CreateOrganisation({}, o, ""));
            made.push_back(std::move(o));
          }
          return ids_of(made);
        }};

    TB_ASSIGN_OR_RETURN(TestCommunity members, Community("Members"));
    s["DirectoryService/SearchMembers"] = {
        scoped(members.id), service, [=, this](int n) -> absl::StatusOr<std::vector<std::string>> {
          TB_ASSIGN_OR_RETURN(auto made, AddMembers(members, n));
          return ids_of(made);
        }};

    // Each invitation writes one audit entry; the seeder cannot know their numbers.
    TB_ASSIGN_OR_RETURN(TestCommunity audit, Community("Audit"));
    s["DirectoryService/ListAudit"] = {
        scoped(audit.id), [=, this] { return Token(audit.admin); },
        [=](int n) -> absl::StatusOr<std::vector<std::string>> {
          for (int i = 0; i < n; ++i) {
            TB_RETURN_IF_ERROR(dir->CreateInvitation({audit.admin}, audit.id, 0, "").status());
          }
          return std::vector<std::string>();
        }};

    TB_ASSIGN_OR_RETURN(TestCommunity invitations, Community("Invitations"));
    s["DirectoryService/ListInvitations"] = {
        scoped(invitations.id), [=, this] { return Token(invitations.admin); },
        [=](int n) -> absl::StatusOr<std::vector<std::string>> {
          std::vector<dpb::Invitation> made;
          for (int i = 0; i < n; ++i) {
            TB_ASSIGN_OR_RETURN(dpb::Invitation inv,
                                dir->CreateInvitation({invitations.admin}, invitations.id, 0, ""));
            made.push_back(std::move(inv));
          }
          return ids_of(made);
        }};

    // The members of one organisation (Member.organisations), each with a balance.
    TB_ASSIGN_OR_RETURN(TestCommunity balances, Community("Balances"));
    s["DirectoryService/ListOrganisationBalances"] = {
        [=](Message* m) {
          scoped(balances.id)(m);
          m->GetReflection()->SetUInt64(m, m->GetDescriptor()->FindFieldByName("organisation_id"),
                                        balances.organisation_id);
        },
        [=, this] { return Token(balances.admin); },
        [=, this](int n) -> absl::StatusOr<std::vector<std::string>> {
          std::vector<std::string> ids;
          for (int i = 0; i < n; ++i) {
            dpb::Member m;
            m.set_community_id(balances.id);
            m.set_display_name(absl::StrCat("Organisation member ", ++serial_));
            m.add_organisations(balances.organisation_id);
            TB_ASSIGN_OR_RETURN(m, dir->CreateMember({}, m, "", ""));
            ids.push_back(absl::StrCat(m.id()));
          }
          return ids;
        }};

    TB_ASSIGN_OR_RETURN(TestCommunity keys, Community("Keys"));
    s["DirectoryService/ListApiKeys"] = {
        scoped(keys.id), [=, this] { return Token(keys.admin); },
        [=, this](int n) -> absl::StatusOr<std::vector<std::string>> {
          std::vector<dpb::ApiKey> made;
          for (int i = 0; i < n; ++i) {
            TB_ASSIGN_OR_RETURN(dpb::ApiKey k,
                                dir->CreateApiKey({keys.admin}, keys.id, keys.organisation_id,
                                                  absl::StrCat("key ", ++serial_)));
            made.push_back(std::move(k));
          }
          return ids_of(made);
        }};

    TB_ASSIGN_OR_RETURN(TestCommunity posts, Community("Posts"));
    s["ActivityService/SearchPosts"] = {
        scoped(posts.id), [=, this] { return Token(posts.member); },
        [=, this](int n) -> absl::StatusOr<std::vector<std::string>> {
          std::vector<apb::Post> made;
          for (int i = 0; i < n; ++i) {
            apb::Post p;
            p.set_community_id(posts.id);
            p.set_kind(i % 2 ? apb::POST_KIND_OFFER : apb::POST_KIND_REQUEST);
            p.set_title(absl::StrCat("Gardening ", ++serial_));
            TB_ASSIGN_OR_RETURN(p, node_->node()->activity()->CreatePost(posts.member, p, ""));
            made.push_back(std::move(p));
          }
          return ids_of(made);
        }};

    // A post's conversation: the admin posted; the member writes, and lists what they wrote.
    TB_ASSIGN_OR_RETURN(TestCommunity talk, Community("Conversations"));
    apb::Post asked;
    asked.set_community_id(talk.id);
    asked.set_kind(apb::POST_KIND_REQUEST);
    asked.set_title("A lift to the shops");
    TB_ASSIGN_OR_RETURN(asked, node_->node()->activity()->CreatePost(talk.admin, asked, ""));
    s["ActivityService/ListPostMessages"] = {
        [c = talk.id, post = asked.id()](Message* m) {
          const auto* d = m->GetDescriptor();
          m->GetReflection()->SetUInt64(m, d->FindFieldByName("community_id"), c);
          m->GetReflection()->SetUInt64(m, d->FindFieldByName("post_id"), post);
        },
        [=, this] { return Token(talk.member); },
        [=, this](int n) -> absl::StatusOr<std::vector<std::string>> {
          std::vector<apb::PostMessage> made;
          for (int i = 0; i < n; ++i) {
            apb::SendPostMessageRequest r;
            r.set_community_id(talk.id);
            r.set_post_id(asked.id());
            r.set_text(absl::StrCat("I can help ", ++serial_));
            TB_ASSIGN_OR_RETURN(apb::PostMessage m,
                                node_->node()->activity()->SendPostMessage(talk.member, r));
            made.push_back(std::move(m));
          }
          return ids_of(made);
        }};

    TB_ASSIGN_OR_RETURN(TestCommunity activities, Community("Activities"));
    s["ActivityService/ListActivities"] = {
        scoped(activities.id), service,
        [=, this](int n) -> absl::StatusOr<std::vector<std::string>> {
          std::vector<apb::Activity> made;
          for (int i = 0; i < n; ++i) {
            apb::LogContributionsRequest r;
            r.set_community_id(activities.id);
            r.set_organisation_id(activities.organisation_id);
            r.add_member_ids(activities.member.subject_id());
            r.set_minutes(1);
            r.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(absl::Now()) - 3600);
            r.set_description(absl::StrCat("Befriending call ", ++serial_));
            r.set_coproduction_type(lpb::COPRODUCTION_TYPE_CO_DELIVERY);
            TB_ASSIGN_OR_RETURN(auto logged,
                                node_->node()->activity()->LogContributions(activities.admin, r));
            for (apb::Activity& a : logged) made.push_back(std::move(a));
          }
          return ids_of(made);
        }};

    // Self-reports waiting for a coordinator: tasks on the admin's to-do list.
    TB_ASSIGN_OR_RETURN(TestCommunity tasks, Community("Tasks"));
    s["ActivityService/ListTasks"] = {
        scoped(tasks.id), [=, this] { return Token(tasks.admin); },
        [=, this](int n) -> absl::StatusOr<std::vector<std::string>> {
          std::vector<apb::Activity> made;
          for (int i = 0; i < n; ++i) {
            apb::ReportContributionRequest r;
            r.set_community_id(tasks.id);
            r.set_organisation_id(tasks.organisation_id);
            r.set_minutes(1);
            r.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(absl::Now()) - 3600);
            r.set_description(absl::StrCat("Lunch club ", ++serial_));
            r.set_coproduction_type(lpb::COPRODUCTION_TYPE_CO_DELIVERY);
            TB_ASSIGN_OR_RETURN(apb::Activity a,
                                node_->node()->activity()->ReportContribution(tasks.member, r));
            made.push_back(std::move(a));
          }
          return ids_of(made);
        }};

    TB_ASSIGN_OR_RETURN(TestCommunity claims, Community("Claims"));
    TB_RETURN_IF_ERROR(SetPolicy(claims));
    s["ExpensesService/ListClaims"] = {
        scoped(claims.id), [=, this] { return Token(claims.member); },
        [=, this](int n) -> absl::StatusOr<std::vector<std::string>> {
          std::vector<xpb::Claim> made;
          for (int i = 0; i < n; ++i) {
            TB_ASSIGN_OR_RETURN(xpb::Claim c, Draft(claims));
            made.push_back(std::move(c));
          }
          return ids_of(made);
        }};

    TB_ASSIGN_OR_RETURN(TestCommunity batches, Community("Batches"));
    TB_RETURN_IF_ERROR(SetPolicy(batches));
    s["ExpensesService/ListPaymentBatches"] = {
        scoped(batches.id), [=, this] { return Token(batches.finance); },
        [=, this](int n) -> absl::StatusOr<std::vector<std::string>> {
          TB_ASSIGN_OR_RETURN(std::vector<uint64_t> approved, ApprovedClaims(batches, n));
          std::vector<xpb::PaymentBatch> made;
          for (uint64_t claim : approved) {
            xpb::CreatePaymentBatchRequest r;
            r.set_community_id(batches.id);
            r.add_claim_ids(claim);
            TB_ASSIGN_OR_RETURN(xpb::PaymentBatch b,
                                node_->node()->expenses()->CreatePaymentBatch(batches.finance, r));
            made.push_back(std::move(b));
          }
          return ids_of(made);
        }};

    // Members who consented to leaderboards and gave the organisation an hour, once the
    // rewards projection has their contributions.
    TB_ASSIGN_OR_RETURN(TestCommunity board, Community("Leaderboard"));
    s["RewardsService/ListLeaderboard"] = {
        scoped(board.id), [=, this] { return Token(board.member); },
        [=, this](int n) -> absl::StatusOr<std::vector<std::string>> {
          std::vector<std::string> ids;
          apb::LogContributionsRequest r;
          r.set_community_id(board.id);
          r.set_organisation_id(board.organisation_id);
          r.set_minutes(60);
          r.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(absl::Now()) - 3600);
          r.set_description(absl::StrCat("Leaderboard session ", ++serial_));
          r.set_coproduction_type(lpb::COPRODUCTION_TYPE_CO_DELIVERY);
          for (int i = 0; i < n; ++i) {
            dpb::Member m;
            m.set_community_id(board.id);
            m.set_display_name(absl::StrCat("Board member ", ++serial_));
            m.mutable_consent()->set_appear_on_leaderboards(true);
            TB_ASSIGN_OR_RETURN(m, dir->CreateMember({}, m, "", ""));
            r.add_member_ids(m.id());
            ids.push_back(absl::StrCat(m.id()));
          }
          TB_RETURN_IF_ERROR(node_->node()->activity()->LogContributions(board.admin, r).status());
          if (!node_->WaitQuiet(60'000)) {
            return absl::DeadlineExceededError("the contributions did not reach the projection");
          }
          return ids;
        }};

    // Contributions of the member to the organisation, each thanked by its coordinator
    // once the rewards projection has counted it; the member lists the notes received.
    TB_ASSIGN_OR_RETURN(TestCommunity thanks, Community("Thanks"));
    auto members_notes = [](const TestCommunity& t) {
      return [=](Message* m) {
        auto* d = m->GetDescriptor();
        m->GetReflection()->SetUInt64(m, d->FindFieldByName("community_id"), t.id);
        m->GetReflection()->SetUInt64(m, d->FindFieldByName("member_id"), t.member.subject_id());
      };
    };
    s["RewardsService/ListThanks"] = {
        members_notes(thanks), [=, this] { return Token(thanks.member); },
        [=, this](int n) { return node_->ThankedContributions(thanks, n); }};
    // The directory's data export pages the same notes through the service-only call.
    TB_ASSIGN_OR_RETURN(TestCommunity exported, Community("Exported thanks"));
    s["RewardsService/ExportMemberRewards"] = {
        members_notes(exported), service,
        [=, this](int n) { return node_->ThankedContributions(exported, n); }, "thank_you_notes"};
    return s;
  }

  // Seeds `method`'s list and checks every walk of it.
  void CheckListing(const MethodDescriptor* method, const Seeder& seeder) {
    // What exists before seeding fits one page of the largest size, so the first page
    // alone is all of it.
    absl::StatusOr<Walk> before = WalkList(method, seeder, kMaxListPageSize);
    ASSERT_TRUE(before.ok()) << before.status();
    ASSERT_EQ(before->page_lengths.size(), 1u) << "the baseline should fit one page";
    absl::StatusOr<std::vector<std::string>> seeded = seeder.add(kSeeded);
    ASSERT_TRUE(seeded.ok()) << "seeding: " << seeded.status();

    absl::StatusOr<Walk> all = WalkList(method, seeder, kMaxListPageSize);
    ASSERT_TRUE(all.ok()) << all.status();
    ASSERT_EQ(all->page_lengths.size(), 1u) << "everything fits one page of 1000";
    const std::set<std::string> full(all->ids.begin(), all->ids.end());
    ASSERT_EQ(full.size(), all->ids.size()) << "an item appears twice in one page";
    ASSERT_EQ(full.size(), before->ids.size() + kSeeded)
        << "the list should hold what was there before and the " << kSeeded << " seeded items";
    for (const std::string& id : before->ids) EXPECT_TRUE(full.count(id)) << id << " vanished";
    for (const std::string& id : *seeded)
      EXPECT_TRUE(full.count(id)) << "seeded " << id << " missing";

    for (int page_size : kWalkPageSizes) {
      SCOPED_TRACE(absl::StrCat("page_size ", page_size));
      absl::StatusOr<Walk> walk = WalkList(method, seeder, page_size);
      ASSERT_TRUE(walk.ok()) << walk.status();
      CheckWalk(*walk, full, page_size == 0 ? kDefaultListPageSize : page_size);
    }
    CheckWalkWhileAdding(method, seeder, full);
  }

  // The walk returned exactly `full`, in full pages but the last, ending on an empty token.
  static void CheckWalk(const Walk& walk, const std::set<std::string>& full, size_t page_size) {
    const std::set<std::string> got(walk.ids.begin(), walk.ids.end());
    EXPECT_EQ(got.size(), walk.ids.size()) << "an item was returned twice";
    std::vector<std::string> missing;
    std::set_difference(full.begin(), full.end(), got.begin(), got.end(),
                        std::back_inserter(missing));
    EXPECT_TRUE(missing.empty()) << missing.size() << " items never returned, e.g. "
                                 << missing.front();
    EXPECT_EQ(got.size(), full.size());
    EXPECT_TRUE(walk.last_token_empty);
    const size_t pages = (full.size() + page_size - 1) / page_size;
    EXPECT_EQ(walk.page_lengths.size(), pages)
        << "the token must be empty exactly on the last page";
    for (size_t i = 0; i + 1 < walk.page_lengths.size(); ++i) {
      EXPECT_EQ(static_cast<size_t>(walk.page_lengths[i]), page_size)
          << "page " << i << " is short although more pages follow";
    }
  }

  // Items added part-way through a walk: nothing that existed before repeats or vanishes.
  void CheckWalkWhileAdding(const MethodDescriptor* method, const Seeder& seeder,
                            const std::set<std::string>& full) {
    SCOPED_TRACE("items added during the walk");
    std::vector<std::string> added;
    absl::Status add_status;
    absl::StatusOr<Walk> walk = WalkList(method, seeder, 7, [&](int page) {
      if (page != 3) return;
      absl::StatusOr<std::vector<std::string>> more = seeder.add(kAddedDuringWalk);
      if (more.ok()) {
        added = *more;
      } else {
        add_status = more.status();
      }
    });
    ASSERT_TRUE(add_status.ok()) << add_status;
    ASSERT_TRUE(walk.ok()) << walk.status();
    const std::set<std::string> got(walk->ids.begin(), walk->ids.end());
    EXPECT_EQ(got.size(), walk->ids.size()) << "an item was returned twice";
    std::vector<std::string> vanished;
    std::set_difference(full.begin(), full.end(), got.begin(), got.end(),
                        std::back_inserter(vanished));
    EXPECT_TRUE(vanished.empty()) << vanished.size() << " items that existed vanished, e.g. "
                                  << vanished.front();
    const std::set<std::string> new_ids(added.begin(), added.end());
    size_t extra = 0;
    for (const std::string& id : got) {
      if (full.count(id)) continue;
      ++extra;
      if (!added.empty()) {
        EXPECT_TRUE(new_ids.count(id)) << id << " was never added";
      }
    }
    EXPECT_LE(extra, static_cast<size_t>(kAddedDuringWalk));
  }

  TempDir dir_;
  std::unique_ptr<ConformanceNode> node_;
  google::protobuf::DynamicMessageFactory factory_;
  int serial_ = 0;
};

TEST_F(PagingConformanceTest, EveryListReturnsEveryItemExactlyOnce) {
  absl::StatusOr<std::map<std::string, Seeder>> seeders = Seeders();
  ASSERT_TRUE(seeders.ok()) << seeders.status();
  std::set<std::string> listed;
  for (const auto* service : AllServices()) {
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* method = service->method(i);
      if (!IsListing(method)) continue;
      const std::string key = MethodKey(method);
      listed.insert(key);
      SCOPED_TRACE(key);
      auto it = seeders->find(key);
      if (it == seeders->end()) {
        ADD_FAILURE() << key
                      << " pages (its request has page_size and page_token) but this test has "
                         "no seeder for it: add one to Seeders() that adds items to its list";
        continue;
      }
      CheckListing(method, it->second);
    }
  }
  for (const auto& [key, seeder] : *seeders) {
    EXPECT_TRUE(listed.count(key)) << key << " has a seeder but is not a listing method";
  }
  EXPECT_GE(listed.size(), 12u) << "listing methods found: " << absl::StrJoin(listed, ", ");
}

}  // namespace
}  // namespace timebank::testing
