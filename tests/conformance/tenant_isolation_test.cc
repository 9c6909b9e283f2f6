// Communities are tenants: nothing one community's people do can read, probe, block or
// change another's data, identifiers included. Two communities are set up with the
// same shapes (people of every role, an organisation and its API key, an invitation,
// contributions and an exchange posted to the ledger, noticeboard posts, an expense
// claim with a receipt in the money book, a payment batch, and transfers an admin made),
// community 2 with one more of each kind. Then every RPC of every service, found from
// the service descriptors, is called as each of community 1's people (admin,
// coordinator, finance officer, member, API key), naming community 2's ids, once with
// ids that exist and once with ids that do not: both answers must be the same (so
// nothing can be learned from them), neither may succeed with community 2's data, and
// community 2 must be exactly as it was afterwards. An RPC this file has no case for
// fails the test, as does an id field the filler does not know.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <grpcpp/generic/generic_stub.h>

#include <future>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/common/auth/auth_interceptor.h"
#include "services/common/ids.h"
#include "services/timebankd/node.h"
#include "tests/common/test_node.h"
#include "tests/common/test_util.h"
#include "timebank/activity/v1/activity.pb.h"
#include "timebank/directory/v1/auth.pb.h"
#include "timebank/expenses/v1/expenses.pb.h"
#include "timebank/ledger/v1/ledger.pb.h"
#include "timebank/system/v1/system.pb.h"

namespace timebank {
namespace {

namespace apb = ::timebank::activity::v1;
namespace dpb = ::timebank::directory::v1;
namespace lpb = ::timebank::ledger::v1;
namespace xpb = ::timebank::expenses::v1;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Every RPC, and whether it names a community or ids (then it is probed) or why not.
constexpr char kProbe[] = "";
// Readable by anyone, signed in or not, whichever community it names: such a case is
// called as each of community 1's people and anonymously, and every answer must be the
// same (being in another community grants nothing more than being nobody).
constexpr char kPublic[] = "public by design: ";
const std::map<std::string, std::string>& Cases() {
  static const auto* m = new std::map<std::string, std::string>{
      {"SystemService/Ping", "names nothing"},
      {"SystemService/GetServerInfo", "names nothing; says only the version and services"},
      {"SystemService/CreateBackup", "the whole installation, operator and services only"},
      {"LedgerService/CreateAccounts", kProbe},
      {"LedgerService/GetAccounts", kProbe},
      {"LedgerService/ListAccounts", kProbe},
      {"LedgerService/SetAccountStatus", kProbe},
      {"LedgerService/CreateTransfers", kProbe},
      {"LedgerService/GetTransfers", kProbe},
      {"LedgerService/ListTransfers", kProbe},
      {"LedgerService/WatchJournal", "every community's journal; services only"},
      {"LedgerService/VerifyJournal", "the whole chain; services and the operator only"},
      {"LedgerService/EraseMemberTexts", kProbe},  // services only: people are refused
      {"DirectoryService/CreateCommunity", kProbe},
      {"DirectoryService/GetCommunity", kProbe},
      {"DirectoryService/ListCommunities", "every community; the operator and services only"},
      {"DirectoryService/UpdateCommunity", kProbe},
      {"DirectoryService/CreateOrganisation", kProbe},
      {"DirectoryService/GetOrganisation", kProbe},
      {"DirectoryService/ListOrganisations", kProbe},
      {"DirectoryService/ListOrganisationBalances", kProbe},
      {"DirectoryService/CreateMember", kProbe},
      {"DirectoryService/GetMember", kProbe},
      {"DirectoryService/SearchMembers", kProbe},
      {"DirectoryService/LookupMembers", kProbe},
      {"DirectoryService/ResolveMember", kProbe},
      {"ActivityService/SendPostMessage", kProbe},
      {"ActivityService/ListPostMessages", kProbe},
      {"DirectoryService/UpdateMember", kProbe},
      {"DirectoryService/SetMemberStatus", kProbe},
      {"DirectoryService/GrantRole", kProbe},
      {"DirectoryService/RevokeRole", kProbe},
      {"DirectoryService/ListAudit", kProbe},
      {"DirectoryService/CreateInvitation", kProbe},
      {"DirectoryService/ListInvitations", kProbe},
      {"DirectoryService/RevokeInvitation", kProbe},
      {"DirectoryService/CreateApiKey", kProbe},
      {"DirectoryService/ListApiKeys", kProbe},
      {"DirectoryService/RevokeApiKey", kProbe},
      {"DirectoryService/ExportMemberData", kProbe},
      {"DirectoryService/EraseMember", kProbe},
      {"AuthService/SignUp", kProbe},
      {"AuthService/SignIn", "a username and password, no community or id"},
      {"AuthService/Refresh", "the refresh token is the credential"},
      {"AuthService/SignOut", "the refresh token is the credential"},
      {"AuthService/CompleteSetup", "the one-time setup code; the operator, community 0"},
      {"AuthService/SignOutEverywhere", kProbe},
      {"AuthService/ChangePassword", "the caller's own password"},
      {"AuthService/SetPassword", kProbe},
      {"AuthService/RotateSigningKey", "the installation's keyring; the operator only"},
      {"AuthService/WhoAmI", "the caller themself"},
      {"AuthService/PollRevocations", "every community's sign-outs; services only"},
      {"ActivityService/LogContributions", kProbe},
      {"ActivityService/ImportContributions", kProbe},
      {"ActivityService/ReportContribution", kProbe},
      {"ActivityService/ReviewContribution", kProbe},
      {"ActivityService/RecordExchange", kProbe},
      {"ActivityService/RecordGroupSession", kProbe},
      {"ActivityService/RespondToExchange", kProbe},
      {"ActivityService/ResolveDispute", kProbe},
      {"ActivityService/ReverseActivity", kProbe},
      {"ActivityService/RetryPosting", kProbe},
      {"ActivityService/ListTasks", kProbe},
      {"ActivityService/GetActivitySettings", kProbe},
      {"ActivityService/UpdateActivitySettings", kProbe},
      {"ActivityService/CreatePost", kProbe},
      {"ActivityService/ClosePost", kProbe},
      {"ActivityService/SearchPosts", kProbe},
      {"ActivityService/Donate", kProbe},
      {"ActivityService/Redeem", kProbe},
      {"ActivityService/WatchActivity", "every community's events; services only"},
      {"ActivityService/GetActivity", kProbe},
      {"ActivityService/ListActivities", kProbe},
      {"ActivityService/EraseMemberData", kProbe},  // services only: people are refused
      {"ExpensesService/SetPolicy", kProbe},
      {"ExpensesService/GetPolicy", kProbe},
      {"ExpensesService/CreateClaim", kProbe},
      {"ExpensesService/UpdateClaim", kProbe},
      {"ExpensesService/SubmitClaim", kProbe},
      {"ExpensesService/GetClaim", kProbe},
      {"ExpensesService/ListClaims", kProbe},
      {"ExpensesService/DecideClaim", kProbe},
      {"ExpensesService/AttachReceipt", kProbe},
      {"ExpensesService/DetachReceipt", kProbe},
      {"ExpensesService/GetReceipt", kProbe},
      {"ExpensesService/ReverseApproval", kProbe},
      {"ExpensesService/GetMoneyReport", kProbe},
      {"ExpensesService/CreatePaymentBatch", kProbe},
      {"ExpensesService/GetPaymentBatch", kProbe},
      {"ExpensesService/ListPaymentBatches", kProbe},
      {"ExpensesService/ExportPaymentBatch", kProbe},
      {"ExpensesService/MarkBatchPaid", kProbe},
      {"ExpensesService/ListOtherMeansClaims", kProbe},
      {"ExpensesService/SetBankDetails", kProbe},
      {"ExpensesService/GetBankDetails", kProbe},
      {"ExpensesService/DeleteBankDetails", kProbe},
      {"ExpensesService/EraseMemberData", kProbe},  // services only: people are refused
      {"RewardsService/GetMemberSummary", kProbe},
      {"RewardsService/GetDashboard", kProbe},
      {"RewardsService/AnnotateChange", kProbe},
      {"RewardsService/GetProjectionStatus", "the whole projection; operator and services only"},
      {"RewardsService/RebuildProjection", "the whole projection; the operator only"},
      {"RewardsService/ListBadges", kProbe},
      {"RewardsService/HideBadge", kProbe},
      {"RewardsService/GetBadgeRules", kProbe},
      {"RewardsService/SetBadgeRules", kProbe},
      {"RewardsService/ListLeaderboard", kProbe},
      {"RewardsService/ExportCredential", kProbe},
      {"RewardsService/GetIssuerKeys",
       absl::StrCat(kPublic, "an issuer's public keys, so its credentials verify anywhere")},
      {"RewardsService/GetRevocationList",
       absl::StrCat(kPublic, "which of an issuer's credential ids are revoked")},
      {"RewardsService/RotateIssuerKey", kProbe},
      {"RewardsService/PauseStreak", kProbe},
      {"RewardsService/EndStreakPause", kProbe},
      {"RewardsService/ExportMemberRewards", kProbe},  // services only: people are refused
      {"RewardsService/EraseMemberRewards", kProbe},   // services only: people are refused
      {"RewardsService/LeaveThanks", kProbe},
      {"RewardsService/ListThanks", kProbe},
      {"RewardsService/HideThanks", kProbe},
      {"RewardsService/WatchRecognition", kProbe},
  };
  return *m;
}

// Uint64 and string fields that are neither a community nor an id of a tenant's data.
const std::set<std::string>& NotTenantIds() {
  static const auto* s = new std::set<std::string>{
      "RotateSigningKeyRequest.active_key_id",      // keys of the installation's keyring
      "RotateSigningKeyRequest.verifying_key_ids",  // likewise
      "WatchJournalRequest.from_seq",               // not an id field, listed for clarity
      "PollRevocationsRequest.after_seq",           // the revocation log's seq, likewise
      "Annotation.id",                              // output only: the server numbers it
  };
  return *s;
}

// What a probing request names: a community and one id of each kind of thing.
struct Names {
  uint64_t community = 0;
  uint64_t member = 0, other_member = 0, third_member = 0, organisation = 0, activity = 0,
           claim = 0, receipt = 0, batch = 0, post = 0, invitation = 0, api_key = 0;
  std::string account, other_account, transfer, pending, request_id;
};

// Makes a probing request: a `Req` that `fill` completes from the names it is given.
template <typename Req>
std::function<std::unique_ptr<Message>(const Names&)> MakeRequest(
    std::function<void(Req*, const Names&)> fill) {
  return [fill](const Names& n) {
    auto req = std::make_unique<Req>();
    fill(req.get(), n);
    return std::unique_ptr<Message>(std::move(req));
  };
}

// One community's people and things, as the fixture made them.
struct Tenant {
  uint64_t id = 0;
  std::map<std::string, dpb::Principal> people;  // adm coo fin mem giver key
  uint64_t organisation = 0, invitation = 0, api_key = 0;
  std::vector<uint64_t> activities, claims, posts, batches, receipts;
  std::string gift, held;  // ledger transfers an admin made (c<c>.x....)
};

struct Answer {
  int code = 0;
  std::string message;
  std::string response;
  bool operator==(const Answer&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Answer& a) {
  return os << "code " << a.code << " \"" << a.message << "\" response " << a.response.size()
            << " bytes";
}

// Numbers in an answer (ids, counts) are masked: the two probes name different ids, and
// what must not differ is what the answer says about them.
std::string MaskDigits(const std::string& s) {
  // Hand-written rather than std::regex: GCC 12's <regex> trips -Wmaybe-uninitialized
  // under -O2 with the sanitizers, and CI builds with -Werror.
  auto is_hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  std::string etags_masked;
  for (size_t i = 0; i < s.size();) {
    size_t run = 0;
    while (i + run < s.size() && run < 16 && is_hex(s[i + run])) ++run;
    if (run == 16) {  // etags of what a probe created
      etags_masked += '@';
      i += run;
    } else {
      etags_masked += s[i++];
    }
  }
  std::string out;
  for (size_t i = 0; i < etags_masked.size();) {
    if (!is_digit(etags_masked[i])) {
      out += etags_masked[i++];
      continue;
    }
    out += '#';
    while (i < etags_masked.size() && is_digit(etags_masked[i])) ++i;
  }
  return out;
}

// The export with the value of "exported_at" left out: the two exports differ only there.
std::string WithoutExportTime(const std::string& json) {
  const std::string key = "\"exported_at\": \"";
  size_t start = json.find(key);
  if (start == std::string::npos) return json;
  size_t end = json.find('"', start + key.size());
  if (end == std::string::npos) return json;
  return json.substr(0, start) + "exported_at" + json.substr(end + 1);
}

class TenantIsolationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(testing::StartTestNode(
        testing::TestNodeOptions(dir_.Sub("data"), /*with_operator=*/true), &node_));
    channel_ = MakeChannel(node_->address());
    for (uint64_t c : {1, 2}) {
      dpb::Community community;
      community.set_name(c == 1 ? "One" : "Two");
      community.set_expense_currency("GBP");
      community.set_member_credit_limit_minutes(600);
      community.set_organisation_credit_limit_minutes(60'000);
      ASSERT_TRUE(node_->directory()->CreateCommunity({}, community, "").ok());
    }
    // The same shapes in both; community 2 has one more of each kind of thing, so its
    // ids include some community 1 does not have (ids numbered per community).
    MakeTenant(1, &one_);
    MakeTenant(2, &two_);
    WaitForPostings();
  }
  void TearDown() override { node_->Shutdown(); }

  std::string TokenFor(const dpb::Principal& p) { return node_->TokenFor(p); }
  std::string ServiceToken() { return node_->ServiceToken("tenant-test"); }

  // Any method by name, through gRPC's generic API.
  Answer Call(const std::string& path, const Message& request, const std::string& token) {
    Answer a;
    const grpc::Status s = testing::CallMethodBytes(channel_, path, request.SerializeAsString(),
                                                    token, absl::Seconds(5), &a.response);
    a.code = s.error_code();
    a.message = s.error_message();
    return a;
  }

  // Calls that must succeed (setting up), returning the parsed response.
  template <class Resp>
  Resp Ok(const std::string& path, const Message& request, const std::string& token) {
    const Answer a = Call(path, request, token);
    Resp out;
    EXPECT_EQ(a.code, 0) << path << ": " << a.message;
    EXPECT_TRUE(out.ParseFromString(a.response)) << path;
    return out;
  }

  static std::string Dir(const std::string& m) {
    return "/timebank.directory.v1.DirectoryService/" + m;
  }
  static std::string Act(const std::string& m) {
    return "/timebank.activity.v1.ActivityService/" + m;
  }
  static std::string Exp(const std::string& m) {
    return "/timebank.expenses.v1.ExpensesService/" + m;
  }
  static std::string Led(const std::string& m) { return "/timebank.ledger.v1.LedgerService/" + m; }

  void MakeTenant(uint64_t c, Tenant* t) {
    const int kinds_each = c == 2 ? 2 : 1;  // community 2 has one more of each
    t->id = c;
    directory::Directory* d = node_->directory();
    dpb::Organisation org;
    org.set_community_id(c);
    org.set_name("Carers");
    org.set_kind(dpb::ORGANISATION_KIND_CHARITY);
    auto made_org = d->CreateOrganisation({}, org, "");
    ASSERT_TRUE(made_org.ok()) << made_org.status();
    t->organisation = made_org->id();
    t->people["adm"] = testing::AddPerson(d, c, "Admin", {dpb::ROLE_ADMIN});
    t->people["coo"] =
        testing::AddPerson(d, c, "Coordinator", {dpb::ROLE_COORDINATOR}, t->organisation);
    t->people["fin"] = testing::AddPerson(d, c, "Finance", {dpb::ROLE_FINANCE});
    t->people["mem"] = testing::AddPerson(d, c, "Member");
    t->people["giver"] = testing::AddPerson(d, c, "Giver");
    auto key = testing::MakeApiKey(d, c, t->organisation, "rota");
    ASSERT_TRUE(key.ok()) << key.status();
    t->api_key = key->subject_id();
    t->people["key"] = *key;
    const std::string adm = TokenFor(t->people["adm"]), coo = TokenFor(t->people["coo"]),
                      fin = TokenFor(t->people["fin"]), mem = TokenFor(t->people["mem"]),
                      giver = TokenFor(t->people["giver"]);
    const uint64_t mem_id = t->people["mem"].subject_id();
    const uint64_t giver_id = t->people["giver"].subject_id();

    dpb::CreateInvitationRequest invite;
    invite.set_community_id(c);
    invite.set_valid_hours(24);
    t->invitation = Ok<dpb::Invitation>(Dir("CreateInvitation"), invite, adm).id();

    const int64_t yesterday_s = absl::ToUnixSeconds(absl::Now() - absl::Hours(24));
    for (int i = 0; i < kinds_each; ++i) {
      apb::LogContributionsRequest log;
      log.set_community_id(c);
      log.set_organisation_id(t->organisation);
      log.add_member_ids(mem_id);
      log.set_minutes(60);
      log.mutable_occurred_at()->set_seconds(yesterday_s);
      log.set_description("garden session");
      log.set_coproduction_type(lpb::COPRODUCTION_TYPE_CO_DELIVERY);
      log.set_request_id(absl::StrCat("log-", i));
      auto logged = Ok<apb::LogContributionsResponse>(Act("LogContributions"), log, coo);
      for (const auto& a : logged.activities()) t->activities.push_back(a.id());
    }
    apb::RecordExchangeRequest exchange;
    exchange.set_community_id(c);
    exchange.set_provider_member_id(giver_id);
    exchange.set_receiver_member_id(mem_id);
    exchange.set_minutes(30);
    exchange.mutable_occurred_at()->set_seconds(yesterday_s);
    exchange.set_description("lift to the shops");
    exchange.set_request_id("r1");
    const apb::Activity recorded = Ok<apb::Activity>(Act("RecordExchange"), exchange, giver);
    t->activities.push_back(recorded.id());
    apb::RespondToExchangeRequest confirm;
    confirm.set_community_id(c);
    confirm.set_activity_id(recorded.id());
    confirm.set_response(apb::RespondToExchangeRequest::RESPONSE_CONFIRM);
    Ok<apb::Activity>(Act("RespondToExchange"), confirm, mem);
    // Probes of CreatePost make posts in community 1: community 2's last post id must
    // stay one community 1 never reaches.
    for (int i = 0; i < (c == 2 ? 20 : 1); ++i) {
      apb::CreatePostRequest post;
      post.mutable_post()->set_community_id(c);
      post.mutable_post()->set_kind(apb::POST_KIND_OFFER);
      post.mutable_post()->set_title("Help with gardening");
      post.set_request_id(absl::StrCat("post-", i));
      t->posts.push_back(Ok<apb::Post>(Act("CreatePost"), post, mem).id());
    }

    xpb::SetPolicyRequest policy;
    policy.mutable_policy()->set_community_id(c);
    policy.mutable_policy()->set_mileage_rate_minor(45);
    policy.mutable_policy()->set_distance_unit(xpb::DISTANCE_UNIT_MILE);
    policy.mutable_policy()->set_max_claim_minor(50'000);
    policy.mutable_policy()->set_max_month_minor(100'000);
    policy.mutable_policy()->set_claim_window_days(60);
    Ok<xpb::Policy>(Exp("SetPolicy"), policy, fin);
    const std::string day =
        absl::FormatTime("%Y-%m-%d", absl::Now() - absl::Hours(30), absl::UTCTimeZone());
    for (int i = 0; i < kinds_each; ++i) {
      xpb::CreateClaimRequest create;
      create.mutable_claim()->set_community_id(c);
      create.mutable_claim()->set_title("Bus fare");
      xpb::ClaimLine* line = create.mutable_claim()->add_lines();
      line->set_category(xpb::CATEGORY_TRAVEL);
      line->set_date(day);
      line->set_amount_minor(320);
      line->set_description("bus");
      create.set_request_id(absl::StrCat("claim-", i));
      xpb::Claim claim = Ok<xpb::Claim>(Exp("CreateClaim"), create, mem);
      t->claims.push_back(claim.id());
      xpb::AttachReceiptRequest attach;
      attach.set_community_id(c);
      attach.set_claim_id(claim.id());
      attach.set_etag(claim.etag());
      attach.set_filename("ticket.png");
      attach.set_data(std::string("\x89PNG\r\n\x1A\n", 8) + std::string(64, 'x'));
      claim = Ok<xpb::Claim>(Exp("AttachReceipt"), attach, mem);
      for (const auto& r : claim.receipts()) t->receipts.push_back(r.id());
      if (i > 0) continue;  // community 2's second claim stays a draft
      xpb::SubmitClaimRequest submit;
      submit.set_community_id(c);
      submit.set_claim_id(claim.id());
      submit.set_etag(claim.etag());
      claim = Ok<xpb::Claim>(Exp("SubmitClaim"), submit, mem);
      xpb::DecideClaimRequest decide;
      decide.set_community_id(c);
      decide.set_claim_id(claim.id());
      decide.set_etag(claim.etag());
      decide.set_decision(xpb::DecideClaimRequest::DECISION_APPROVE);
      Ok<xpb::Claim>(Exp("DecideClaim"), decide, fin);
    }

    // An admin's own transfers, in the person namespace.
    t->gift = PersonChosenId(c, "gift1");
    t->held = PersonChosenId(c, "held1");
    lpb::CreateTransfersRequest transfers;
    for (const std::string& id : {t->gift, t->held}) {
      lpb::Transfer* x = transfers.add_transfers();
      x->set_id(id);
      x->set_debit_account_id(MemberAccountId(c, mem_id));
      x->set_credit_account_id(MemberAccountId(c, giver_id));
      x->set_amount(15);
      x->set_kind(lpb::TRANSFER_KIND_EXCHANGE);
      x->set_pending(id == t->held);
    }
    auto made = Ok<lpb::CreateTransfersResponse>(Led("CreateTransfers"), transfers, adm);
    for (const auto& r : made.results()) EXPECT_EQ(r.code(), lpb::CREATE_TRANSFER_CREATED);
  }

  // Every queued posting has reached the ledger; community 2 then gets its batch.
  void WaitForPostings() {
    for (int i = 0; i < 500; ++i) {
      if (node_->activity()->OutboxSize() == 0 && node_->expenses()->OutboxSize() == 0) break;
      absl::SleepFor(absl::Milliseconds(10));
    }
    ASSERT_EQ(node_->activity()->OutboxSize(), 0u);
    ASSERT_EQ(node_->expenses()->OutboxSize(), 0u);
    if (two_.batches.empty()) {
      xpb::CreatePaymentBatchRequest batch;
      batch.set_community_id(2);
      batch.set_request_id("batch-1");
      two_.batches.push_back(
          Ok<xpb::PaymentBatch>(Exp("CreatePaymentBatch"), batch, TokenFor(two_.people["fin"]))
              .id());
    }
  }

  // Community 2's ids (`exists`), or ids of the same kinds that nothing has; in
  // `community` (ledger ids always name community 2).
  Names NamesOf(uint64_t community, bool exists) const {
    Names n;
    n.community = community;
    const uint64_t none = 999'999;
    auto last = [&](const std::vector<uint64_t>& v) { return exists ? v.back() : none; };
    n.member = exists ? two_.people.at("mem").subject_id() : none;
    n.other_member = exists ? two_.people.at("giver").subject_id() : none + 1;
    n.third_member = exists ? two_.people.at("fin").subject_id() : none + 2;
    n.organisation = exists ? two_.organisation : none;
    n.activity = last(two_.activities);
    n.claim = last(two_.claims);
    n.receipt = last(two_.receipts);
    n.batch = last(two_.batches);
    n.post = last(two_.posts);
    n.invitation = exists ? two_.invitation : none;
    n.api_key = exists ? two_.api_key : none;
    n.account = MemberAccountId(2, n.member);
    n.other_account = MemberAccountId(2, exists ? two_.people.at("giver").subject_id() : none);
    n.transfer = exists ? two_.gift : PersonChosenId(2, "gift999");
    n.pending = exists ? two_.held : PersonChosenId(2, "held999");
    n.request_id = exists ? "r1" : "r999";  // r1: a request id community 2's giver used
    return n;
  }

  // Fills every community and id field of `m` (and of the messages inside it) from
  // `names`. Returns false (with a test failure) for an id field it does not know.
  struct Filled {
    bool community = false;
    bool ids = false;
  };
  bool Fill(Message* m, const Names& names, Filled* filled, int depth = 0) {
    const auto* d = m->GetDescriptor();
    const auto* r = m->GetReflection();
    const std::string& type = d->name();
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      const std::string& n = f->name();
      const std::string qualified = absl::StrCat(type, ".", n);
      if (NotTenantIds().count(qualified)) continue;
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        if (f->message_type()->full_name() == "google.protobuf.Timestamp") {
          if (n == "occurred_at" && !f->is_repeated()) {
            r->MutableMessage(m, f)->GetReflection()->SetInt64(
                r->MutableMessage(m, f), f->message_type()->FindFieldByName("seconds"),
                absl::ToUnixSeconds(absl::Now() - absl::Hours(24)));
          }
          continue;
        }
        if (depth > 3) continue;
        Message* inner = f->is_repeated() ? r->AddMessage(m, f) : r->MutableMessage(m, f);
        if (!Fill(inner, names, filled, depth + 1)) return false;
        continue;
      }
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_UINT64) {
        std::optional<uint64_t> v;
        bool community = false;
        if (n == "community_id" || (n == "id" && type == "Community")) {
          v = names.community;
          community = true;
        } else if (n == "receiver_member_id" || n == "receiver_member_ids") {
          v = names.other_member;  // a receiver differs from the provider
        } else if (absl::EndsWith(n, "member_id") || absl::EndsWith(n, "member_ids") ||
                   (n == "id" && type == "Member")) {
          v = names.member;
        } else if (n == "organisation_id" || (n == "id" && type == "Organisation")) {
          v = names.organisation;
        } else if (n == "activity_id") {
          v = names.activity;
        } else if (n == "claim_id" || n == "claim_ids" || n == "also_on_claim_ids" ||
                   (n == "id" && type == "Claim")) {
          v = names.claim;
        } else if (n == "receipt_id" || (n == "id" && type == "Receipt")) {
          v = names.receipt;
        } else if (n == "batch_id" || n == "payment_batch_id") {
          v = names.batch;
        } else if (n == "post_id" || (n == "id" && type == "Post")) {
          v = names.post;
        } else if (n == "invitation_id" || (n == "id" && type == "Invitation")) {
          v = names.invitation;
        } else if (n == "api_key_id" || (n == "id" && type == "ApiKey")) {
          v = names.api_key;
        } else if (n == "id" || absl::EndsWith(n, "_id") || absl::EndsWith(n, "_ids")) {
          ADD_FAILURE() << qualified << " is an id this test does not know: say what it names";
          return false;
        }
        if (!v) continue;
        if (f->is_repeated()) {
          r->AddUInt64(m, f, *v);
          if (n == "receiver_member_ids") r->AddUInt64(m, f, names.third_member);  // 2 or more
        } else {
          r->SetUInt64(m, f, *v);
        }
        (community ? filled->community : filled->ids) = true;
        continue;
      }
      if (!f->is_repeated()) SetPlausible(m, f);
      if (f->cpp_type() != FieldDescriptor::CPPTYPE_STRING) continue;
      std::optional<std::string> v;
      if (n == "ids") {
        v = type == "GetTransfersRequest" ? names.transfer : names.account;
      } else if (n == "account_id" || n == "pool_account_id" || n == "debit_account_id" ||
                 (n == "id" && (type == "SetAccountStatusRequest" || type == "Account"))) {
        v = names.account;
      } else if (n == "credit_account_id") {
        v = names.other_account;
      } else if ((n == "id" && type == "Transfer") || n == "reverses_id" || n == "transfer_id") {
        v = names.transfer;
      } else if (n == "pending_id") {
        v = names.pending;
      } else if (n == "request_id") {
        v = names.request_id;
      } else if (n == "reason") {
        v = "tenant test";
      } else if (n == "badge_id" || (n == "id" && type == "BadgeRule")) {
        v = "first-hour-given";  // a rule's id: the same name in every community's rules
      } else if (n == "id" || absl::EndsWith(n, "_id") || absl::EndsWith(n, "_ids")) {
        ADD_FAILURE() << qualified << " is an id this test does not know: say what it names";
        return false;
      }
      if (!v) continue;
      if (f->is_repeated()) {
        r->AddString(m, f, *v);
      } else {
        r->SetString(m, f, *v);
      }
      if (n != "reason" && n != "badge_id") filled->ids = true;
    }
    return true;
  }

  // Plausible values for the fields that are not ids, so that a probe gets past the
  // checks of its own fields to the lookup of the ids it names.
  static void SetPlausible(Message* m, const FieldDescriptor* f) {
    const auto* r = m->GetReflection();
    const std::string& n = f->name();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT64:
        if (n == "minutes") r->SetInt64(m, f, 30);
        if (n == "amount_minor") r->SetInt64(m, f, 320);
        break;
      case FieldDescriptor::CPPTYPE_INT32:
        if (n == "weeks" && m->GetDescriptor()->name() == "PauseStreakRequest") {
          r->SetInt32(m, f, 2);
        }
        break;
      case FieldDescriptor::CPPTYPE_ENUM: {
        const auto* e = f->enum_type();
        const google::protobuf::EnumValueDescriptor* v = e->FindValueByNumber(1);
        if (n == "role") v = e->FindValueByName("ROLE_COORDINATOR");
        if (n == "status") {  // a status anyone may set
          for (int k = 0; k < e->value_count(); ++k) {
            if (absl::EndsWith(e->value(k)->name(), "_SUSPENDED") ||
                absl::EndsWith(e->value(k)->name(), "_FROZEN")) {
              v = e->value(k);
            }
          }
        }
        if (v != nullptr) r->SetEnum(m, f, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_STRING:
        if (n == "description" || n == "title" || n == "name" || n == "display_name" ||
            n == "label" || n == "details" || n == "note") {
          r->SetString(m, f, "tenant test");
        }
        if (n == "filename") r->SetString(m, f, "ticket.png");
        if (n == "timezone") r->SetString(m, f, "Europe/London");
        if (n == "data") r->SetString(m, f, std::string("\x89PNG\r\n\x1A\n", 8) + "0123456789");
        if (n == "password" || n == "new_password") r->SetString(m, f, "tenant test password");
        if (n == "starts_on") {  // PauseStreak: this week
          r->SetString(m, f, absl::FormatTime("%Y-%m-%d", absl::Now(), absl::UTCTimeZone()));
        }
        if (n == "date") {
          r->SetString(
              m, f,
              absl::FormatTime("%Y-%m-%d", absl::Now() - absl::Hours(30), absl::UTCTimeZone()));
        }
        break;
      default:
        break;
    }
  }

  // What can be read of community 2, by its own admin and by a service.
  std::string SnapshotOfTwo() {
    const std::string adm = TokenFor(two_.people["adm"]);
    const std::string svc = ServiceToken();
    std::string out;
    auto read = [&](const std::string& path, const Message& req, const std::string& token) {
      const Answer a = Call(path, req, token);
      EXPECT_EQ(a.code, 0) << path << ": " << a.message;
      absl::StrAppend(&out, path, " ", a.response.size(), "\n", a.response, "\n");
      return a;
    };
    lpb::ListAccountsRequest accounts;
    accounts.set_community_id(2);
    accounts.set_page_size(1000);
    const Answer listed = read(Led("ListAccounts"), accounts, svc);
    lpb::ListAccountsResponse all;
    all.ParseFromString(listed.response);
    EXPECT_GT(all.accounts_size(), 5);
    for (const lpb::Account& a : all.accounts()) {
      lpb::ListTransfersRequest statement;
      statement.set_account_id(a.id());
      statement.set_page_size(1000);
      read(Led("ListTransfers"), statement, svc);
    }
    dpb::GetCommunityRequest community;
    community.set_community_id(2);
    read(Dir("GetCommunity"), community, adm);
    dpb::SearchMembersRequest members;
    members.set_community_id(2);
    members.set_page_size(1000);
    read(Dir("SearchMembers"), members, adm);
    for (const auto& [role, p] : two_.people) {
      if (p.kind() != dpb::Principal::KIND_MEMBER) continue;
      dpb::ExportMemberDataRequest exported;
      exported.set_community_id(2);
      exported.set_member_id(p.subject_id());
      // Everything held about the member, less when it was exported.
      dpb::ExportMemberDataResponse json;
      json.ParseFromString(Call(Dir("ExportMemberData"), exported, adm).response);
      absl::StrAppend(&out, WithoutExportTime(json.json()), "\n");
      EXPECT_TRUE(absl::StrContains(json.json(), MemberAccountId(2, p.subject_id())));
    }
    dpb::ListOrganisationsRequest orgs;
    orgs.set_community_id(2);
    read(Dir("ListOrganisations"), orgs, adm);
    dpb::ListInvitationsRequest invitations;
    invitations.set_community_id(2);
    read(Dir("ListInvitations"), invitations, adm);
    dpb::ListApiKeysRequest keys;
    keys.set_community_id(2);
    keys.set_organisation_id(two_.organisation);
    read(Dir("ListApiKeys"), keys, adm);
    dpb::ListAuditRequest audit;
    audit.set_community_id(2);
    audit.set_page_size(1000);
    read(Dir("ListAudit"), audit, adm);
    apb::ListActivitiesRequest activities;
    activities.set_community_id(2);
    read(Act("ListActivities"), activities, svc);
    apb::SearchPostsRequest posts;
    posts.set_community_id(2);
    posts.set_include_closed(true);
    read(Act("SearchPosts"), posts, adm);
    xpb::ListClaimsRequest claims;
    claims.set_community_id(2);
    read(Exp("ListClaims"), claims, svc);
    xpb::ListPaymentBatchesRequest batches;
    batches.set_community_id(2);
    read(Exp("ListPaymentBatches"), batches, adm);
    xpb::GetPolicyRequest policy;
    policy.set_community_id(2);
    read(Exp("GetPolicy"), policy, adm);
    return out;
  }

  testing::TempDir dir_;
  // A public method's answer about community 2: the same for community 1's people as
  // for an anonymous caller.
  void ExpectSameForEveryone(const std::string& key, const std::string& path,
                             const Message& request);

  std::unique_ptr<Node> node_;
  std::shared_ptr<grpc::Channel> channel_;
  Tenant one_, two_;
};

const char* const kCallers[] = {"adm", "coo", "fin", "mem", "key"};

void TenantIsolationTest::ExpectSameForEveryone(const std::string& key, const std::string& path,
                                                const Message& request) {
  const Answer anonymous = Call(path, request, "");
  EXPECT_EQ(anonymous.code, 0) << key << " is public but refuses an anonymous caller: "
                               << anonymous.message;
  for (const char* caller : kCallers) {
    EXPECT_EQ(Call(path, request, TokenFor(one_.people.at(caller))), anonymous)
        << key << " as community 1's " << caller << " differs from the anonymous answer";
  }
}

TEST_F(TenantIsolationTest, NoRpcLetsOneCommunityReadProbeOrChangeAnothersIds) {
  const std::string before = SnapshotOfTwo();
  // Community 2's member stays signed in whatever community 1 does.
  const std::string two_member = TokenFor(two_.people.at("mem"));
  google::protobuf::DynamicMessageFactory factory;
  std::set<std::string> seen;
  int probes = 0;
  for (const google::protobuf::ServiceDescriptor* service : testing::TimebankServices()) {
    for (int i = 0; i < service->method_count(); ++i) {
      const auto* method = service->method(i);
      const std::string key = absl::StrCat(service->name(), "/", method->name());
      const std::string path = absl::StrCat("/", service->full_name(), "/", method->name());
      seen.insert(key);
      auto it = Cases().find(key);
      ASSERT_NE(it, Cases().end()) << key << " has no case in this test: add one";
      const Message* prototype = factory.GetPrototype(method->input_type());
      // (1) Everything names community 2; (2) the caller's own community with
      // community 2's ids in every id field.
      for (uint64_t community : {2, 1}) {
        std::unique_ptr<Message> exists(prototype->New()), absent(prototype->New());
        Filled filled, filled_absent;
        ASSERT_TRUE(Fill(exists.get(), NamesOf(community, true), &filled)) << key;
        ASSERT_TRUE(Fill(absent.get(), NamesOf(community, false), &filled_absent)) << key;
        const bool names_something = filled.community || filled.ids;
        if (absl::StartsWith(it->second, kPublic)) {
          ExpectSameForEveryone(key, path, *exists);
          break;
        }
        if (it->second != kProbe) {
          EXPECT_FALSE(names_something)
              << key << " is listed as naming nothing (" << it->second << ") but has ids";
          break;
        }
        ASSERT_TRUE(names_something) << key << " is probed but names no community or id";
        if (community == 1 && !filled.ids) continue;  // only the caller's own community
        for (const char* caller : kCallers) {
          const std::string token = TokenFor(one_.people.at(caller));
          Answer a = Call(path, *exists, token);
          Answer b = Call(path, *absent, token);
          ++probes;
          const std::string what = absl::StrCat(
              key, " as community 1's ", caller, " naming ",
              community == 2 ? "community 2" : "its own community", " and community 2's ids");
          if (community == 2) {
            EXPECT_NE(a.code, 0) << what << " succeeded";
          }
          for (Answer* x : {&a, &b}) {
            // Compared as text, numbers masked: a probe that creates something of the
            // caller's own gets new ids and times each time.
            std::unique_ptr<Message> response(factory.GetPrototype(method->output_type())->New());
            EXPECT_TRUE(response->ParseFromString(x->response)) << key;
            x->message = MaskDigits(x->message);
            x->response = MaskDigits(response->ShortDebugString());
          }
          EXPECT_EQ(a, b) << what << ": the answer depends on whether the ids exist";
        }
      }
    }
  }
  EXPECT_EQ(seen.size(), Cases().size()) << "a case names a method that no longer exists";
  EXPECT_GT(probes, 300);
  WaitForPostings();
  EXPECT_EQ(SnapshotOfTwo(), before) << "community 2 changed";
  EXPECT_EQ(
      Call("/timebank.directory.v1.AuthService/WhoAmI", dpb::WhoAmIRequest(), two_member).code, 0)
      << "community 2's member was signed out";
}

// The example, end to end: community 1's admin tries to take the transfer ids
// community 2's activity service will derive for its next contribution (in every
// spelling); none is accepted, and community 2's contribution then posts.
TEST_F(TenantIsolationTest, AnAdminCannotTakeTheIdsAnotherCommunitysServicesWillDerive) {
  const uint64_t next = two_.activities.back() + 1;  // community 2's next activity
  const uint64_t one_mem = one_.people.at("mem").subject_id();
  const uint64_t one_giver = one_.people.at("giver").subject_id();
  const std::string adm = TokenFor(one_.people.at("adm"));
  const uint64_t head = node_->ledger()->head_seq();
  for (const std::string& id :
       {absl::StrCat("act.2.", next), ActivityTransferId(2, next), ActivityTransferId(1, next),
        absl::StrCat("c1.act.2.", next), absl::StrCat("c02.act.", next)}) {
    lpb::CreateTransfersRequest req;
    lpb::Transfer* t = req.add_transfers();
    t->set_id(id);
    t->set_debit_account_id(MemberAccountId(1, one_mem));
    t->set_credit_account_id(MemberAccountId(1, one_giver));
    t->set_amount(5);
    t->set_kind(lpb::TRANSFER_KIND_EXCHANGE);
    const Answer a = Call(Led("CreateTransfers"), req, adm);
    EXPECT_EQ(a.code, grpc::StatusCode::PERMISSION_DENIED) << id << ": " << a.message;
  }
  EXPECT_EQ(node_->ledger()->head_seq(), head) << "nothing may be written";

  const std::string balance_before = [&] {
    lpb::GetAccountsRequest get;
    get.add_ids(MemberAccountId(2, two_.people.at("mem").subject_id()));
    return Ok<lpb::GetAccountsResponse>(Led("GetAccounts"), get, ServiceToken()).DebugString();
  }();
  apb::LogContributionsRequest log;
  log.set_community_id(2);
  log.set_organisation_id(two_.organisation);
  log.add_member_ids(two_.people.at("mem").subject_id());
  log.set_minutes(45);
  log.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(absl::Now() - absl::Hours(2)));
  log.set_description("litter pick");
  log.set_coproduction_type(lpb::COPRODUCTION_TYPE_CO_DELIVERY);
  auto logged = Ok<apb::LogContributionsResponse>(Act("LogContributions"), log,
                                                  TokenFor(two_.people.at("coo")));
  ASSERT_EQ(logged.activities_size(), 1);
  ASSERT_EQ(logged.activities(0).id(), next);
  WaitForPostings();
  apb::GetActivityRequest get;
  get.set_community_id(2);
  get.set_activity_id(next);
  const auto activity = Ok<apb::Activity>(Act("GetActivity"), get, TokenFor(two_.people.at("adm")));
  EXPECT_EQ(activity.posting_state(), apb::POSTING_STATE_POSTED) << activity.ledger_result();
  EXPECT_EQ(activity.transfer_id(), ActivityTransferId(2, next));
  lpb::GetTransfersRequest transfer;
  transfer.add_ids(ActivityTransferId(2, next));
  const auto found =
      Ok<lpb::GetTransfersResponse>(Led("GetTransfers"), transfer, TokenFor(two_.people.at("adm")));
  ASSERT_EQ(found.transfers_size(), 1);
  EXPECT_EQ(found.transfers(0).community_id(), 2u);
  EXPECT_EQ(found.transfers(0).amount(), 45);
  EXPECT_EQ(found.transfers(0).credit_account_id(),
            MemberAccountId(2, two_.people.at("mem").subject_id()));
  EXPECT_EQ(Call(Led("GetTransfers"), transfer, adm).code, grpc::StatusCode::PERMISSION_DENIED);
  lpb::GetAccountsRequest after;
  after.add_ids(MemberAccountId(2, two_.people.at("mem").subject_id()));
  EXPECT_NE(Ok<lpb::GetAccountsResponse>(Led("GetAccounts"), after, ServiceToken()).DebugString(),
            balance_before);
}

// A person (an admin with tbctl) creates ids only in the person namespace, and posts,
// voids or reverses only what a person made; what a service made is undone through it.
TEST_F(TenantIsolationTest, PeopleCreateOnlyPersonChosenIdsAndUndoOnlyWhatPeopleMade) {
  const std::string adm = TokenFor(one_.people.at("adm"));
  const uint64_t mem = one_.people.at("mem").subject_id();
  const uint64_t giver = one_.people.at("giver").subject_id();
  const uint64_t head = node_->ledger()->head_seq();
  auto account = [](const std::string& id) {
    lpb::CreateAccountsRequest req;
    lpb::Account* a = req.add_accounts();
    a->set_id(id);
    a->set_community_id(1);
    a->set_unit("TIME");
    a->set_owner_kind(lpb::OWNER_KIND_SYSTEM);
    return req;
  };
  for (const std::string& id : {MemberAccountId(1, 999), PoolAccountId(1), BankAccountId(1)}) {
    const Answer a = Call(Led("CreateAccounts"), account(id), adm);
    EXPECT_EQ(a.code, grpc::StatusCode::PERMISSION_DENIED) << id;
    EXPECT_TRUE(absl::StrContains(a.message, "only timebank's services make")) << a.message;
    EXPECT_TRUE(absl::StrContains(a.message, "c1.x.")) << a.message;
  }
  auto transfer = [&](const std::string& id) {
    lpb::CreateTransfersRequest req;
    lpb::Transfer* t = req.add_transfers();
    t->set_id(id);
    t->set_debit_account_id(MemberAccountId(1, mem));
    t->set_credit_account_id(MemberAccountId(1, giver));
    t->set_amount(5);
    t->set_kind(lpb::TRANSFER_KIND_EXCHANGE);
    return req;
  };
  for (const std::string& id : {ActivityTransferId(1, 99), ExpensePaymentId(1, 9),
                                PendingExpiryId(1, 9), std::string("c1.gift")}) {
    const Answer a = Call(Led("CreateTransfers"), transfer(id), adm);
    EXPECT_EQ(a.code, grpc::StatusCode::PERMISSION_DENIED) << id << ": " << a.message;
  }
  lpb::CreateTransfersRequest undo;
  lpb::Transfer* rev = undo.add_transfers();
  rev->set_id(PersonChosenId(1, "undo"));
  rev->set_kind(lpb::TRANSFER_KIND_REVERSAL);
  rev->set_reverses_id(ActivityTransferId(1, one_.activities.front()));
  rev->set_memo("wrong member");
  Answer a = Call(Led("CreateTransfers"), undo, adm);
  EXPECT_EQ(a.code, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(absl::StrContains(a.message, "tbctl activity reverse")) << a.message;
  rev->Clear();
  rev->set_id(PersonChosenId(1, "void"));
  rev->set_void_pending(true);
  rev->set_pending_id(ActivityTransferId(1, one_.activities.front()));
  EXPECT_EQ(Call(Led("CreateTransfers"), undo, adm).code, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(node_->ledger()->head_seq(), head) << "nothing may be written";

  // What the admin made, they may look up, reverse and post.
  EXPECT_EQ(Ok<lpb::CreateAccountsResponse>(Led("CreateAccounts"),
                                            account(PersonChosenId(1, "savings")), adm)
                .results(0)
                .code(),
            lpb::CREATE_ACCOUNT_CREATED);
  rev->Clear();
  rev->set_id(*FollowUpId(one_.gift, "reversal"));
  rev->set_kind(lpb::TRANSFER_KIND_REVERSAL);
  rev->set_reverses_id(one_.gift);
  rev->set_memo("given twice");
  lpb::Transfer* post = undo.add_transfers();
  post->set_id(*FollowUpId(one_.held, "post"));
  post->set_post_pending(true);
  post->set_pending_id(one_.held);
  auto done = Ok<lpb::CreateTransfersResponse>(Led("CreateTransfers"), undo, adm);
  ASSERT_EQ(done.results_size(), 2);
  EXPECT_EQ(done.results(0).code(), lpb::CREATE_TRANSFER_CREATED);
  EXPECT_EQ(done.results(1).code(), lpb::CREATE_TRANSFER_CREATED);
}

// GetTransfers: whoever reads the community's statements may look its transfers up by
// id (admins, finance, coordinators); not members or API keys, and nobody another
// community's.
TEST_F(TenantIsolationTest, TransfersAreLookedUpByTheirCommunitysAdminsFinanceAndCoordinators) {
  lpb::GetTransfersRequest own;
  own.add_ids(one_.gift);
  own.add_ids(ActivityTransferId(1, one_.activities.front()));
  for (const char* who : {"adm", "fin", "coo"}) {
    const auto got =
        Ok<lpb::GetTransfersResponse>(Led("GetTransfers"), own, TokenFor(one_.people.at(who)));
    EXPECT_EQ(got.transfers_size(), 2) << who;
  }
  for (const char* who : {"mem", "key"}) {
    EXPECT_EQ(Call(Led("GetTransfers"), own, TokenFor(one_.people.at(who))).code,
              grpc::StatusCode::PERMISSION_DENIED)
        << who;
  }
  lpb::GetTransfersRequest mixed = own;
  mixed.add_ids(two_.gift);
  EXPECT_EQ(Call(Led("GetTransfers"), mixed, TokenFor(one_.people.at("adm"))).code,
            grpc::StatusCode::PERMISSION_DENIED);
}

// Ledger requests that mix the caller's community with another's: the answer is the
// same whether the other community's id exists or not, for a community's admin and
// even for a service (the engine checks every id's community before any lookup).
TEST_F(TenantIsolationTest, LedgerRequestsMixingCommunitiesAnswerAlikeWhateverExists) {
  const std::string own_mem = MemberAccountId(1, one_.people.at("mem").subject_id());
  const std::string own_giver = MemberAccountId(1, one_.people.at("giver").subject_id());
  struct Probe {
    std::string name;
    std::string method;
    std::function<std::unique_ptr<Message>(const Names&)> make;
    bool service_too;  // a service may call it; its answer must not differ either
  };
  auto transfers = [&](std::function<void(lpb::Transfer*, const Names&)> fill) {
    return MakeRequest<lpb::CreateTransfersRequest>(
        [fill](lpb::CreateTransfersRequest* r, const Names& n) { fill(r->add_transfers(), n); });
  };
  const std::vector<Probe> probes = {
      {"GetAccounts", "GetAccounts",
       MakeRequest<lpb::GetAccountsRequest>([&](lpb::GetAccountsRequest* r, const Names& n) {
         r->add_ids(own_mem);
         r->add_ids(n.account);
       }),
       false},
      {"GetTransfers", "GetTransfers",
       MakeRequest<lpb::GetTransfersRequest>([&](lpb::GetTransfersRequest* r, const Names& n) {
         r->add_ids(one_.gift);
         r->add_ids(n.transfer);
       }),
       false},
      {"ListTransfers", "ListTransfers",
       MakeRequest<lpb::ListTransfersRequest>(
           [&](lpb::ListTransfersRequest* r, const Names& n) { r->set_account_id(n.account); }),
       false},
      {"SetAccountStatus", "SetAccountStatus",
       MakeRequest<lpb::SetAccountStatusRequest>(
           [&](lpb::SetAccountStatusRequest* r, const Names& n) {
             r->set_id(n.account);
             r->set_status(lpb::ACCOUNT_STATUS_FROZEN);
             r->set_reason("probe");
           }),
       false},
      {"CreateAccounts with another community's id", "CreateAccounts",
       MakeRequest<lpb::CreateAccountsRequest>([&](lpb::CreateAccountsRequest* r, const Names& n) {
         lpb::Account* a = r->add_accounts();
         a->set_id(n.account);
         a->set_community_id(1);
         a->set_unit("TIME");
         a->set_owner_kind(lpb::OWNER_KIND_MEMBER);
       }),
       true},
      {"a transfer between own accounts under another community's id", "CreateTransfers",
       transfers([&](lpb::Transfer* t, const Names& n) {
         t->set_id(n.transfer);
         t->set_debit_account_id(own_mem);
         t->set_credit_account_id(own_giver);
         t->set_amount(5);
         t->set_kind(lpb::TRANSFER_KIND_EXCHANGE);
       }),
       true},
      {"reversing another community's transfer", "CreateTransfers",
       transfers([&](lpb::Transfer* t, const Names& n) {
         t->set_id(PersonChosenId(1, "probe-rev"));
         t->set_kind(lpb::TRANSFER_KIND_REVERSAL);
         t->set_reverses_id(n.transfer);
         t->set_memo("probe");
       }),
       true},
      {"posting another community's pending transfer", "CreateTransfers",
       transfers([&](lpb::Transfer* t, const Names& n) {
         t->set_id(PersonChosenId(1, "probe-post"));
         t->set_post_pending(true);
         t->set_pending_id(n.pending);
       }),
       true},
      {"voiding another community's pending transfer", "CreateTransfers",
       transfers([&](lpb::Transfer* t, const Names& n) {
         t->set_id(PersonChosenId(1, "probe-void"));
         t->set_void_pending(true);
         t->set_pending_id(n.pending);
       }),
       true},
      {"a transfer to another community's account", "CreateTransfers",
       transfers([&](lpb::Transfer* t, const Names& n) {
         t->set_id(PersonChosenId(1, "probe-move"));
         t->set_debit_account_id(own_mem);
         t->set_credit_account_id(n.account);
         t->set_amount(5);
         t->set_kind(lpb::TRANSFER_KIND_EXCHANGE);
       }),
       true},
  };
  const uint64_t head = node_->ledger()->head_seq();
  const std::string before = SnapshotOfTwo();
  for (const Probe& p : probes) {
    const std::unique_ptr<Message> exists = p.make(NamesOf(1, true));
    const std::unique_ptr<Message> absent = p.make(NamesOf(1, false));
    std::vector<std::string> callers = {TokenFor(one_.people.at("adm"))};
    if (p.service_too) callers.push_back(ServiceToken());
    for (size_t k = 0; k < callers.size(); ++k) {
      Answer a = Call(Led(p.method), *exists, callers[k]);
      Answer b = Call(Led(p.method), *absent, callers[k]);
      if (k == 0) {
        EXPECT_EQ(a.code, grpc::StatusCode::PERMISSION_DENIED) << p.name;
      } else {
        // A service is trusted, but the engine still refuses, the same way both times.
        ASSERT_EQ(a.code, 0) << p.name << ": " << a.message;
        // Results echo the ids the caller sent; what they say must not differ.
        for (Answer* x : {&a, &b}) {
          if (p.method == "CreateTransfers") {
            lpb::CreateTransfersResponse r;
            ASSERT_TRUE(r.ParseFromString(x->response));
            const lpb::CreateTransferResultCode code = r.results(0).code();
            EXPECT_TRUE(code == lpb::CREATE_TRANSFER_ID_COMMUNITY_MISMATCH ||
                        code == lpb::CREATE_TRANSFER_COMMUNITY_MISMATCH)
                << p.name << ": " << lpb::CreateTransferResultCode_Name(code);
            r.mutable_results(0)->clear_id();
            x->response = r.SerializeAsString();
          } else {
            lpb::CreateAccountsResponse r;
            ASSERT_TRUE(r.ParseFromString(x->response));
            EXPECT_EQ(r.results(0).code(), lpb::CREATE_ACCOUNT_COMMUNITY_ID_MISMATCH) << p.name;
            r.mutable_results(0)->clear_id();
            x->response = r.SerializeAsString();
          }
        }
      }
      EXPECT_EQ(a, b) << p.name << (k == 0 ? " as an admin" : " as a service")
                      << ": the answer depends on whether community 2's id exists";
    }
  }
  EXPECT_EQ(node_->ledger()->head_seq(), head) << "nothing may be written";
  EXPECT_EQ(SnapshotOfTwo(), before);
}

}  // namespace
}  // namespace timebank
