// Rewards crash test: the real timebankd binary with a community of members made
// through the directory's API, concurrent clients posting exchanges, contributions,
// donations and reversals, and kill -9 at random moments while the rewards follower
// is applying the journal (under load, catching up after a restart, or in the middle
// of a rebuild), restarted each time. Every other round, and after the last restart,
// once the projection has caught up with the ledger:
//  - every member's summary equals a model the test computes from the transfers the
//    ledger acknowledged (minutes given, received, donated; partners, organisations,
//    the Coproduction Star), so a step counted twice or lost across a crash fails
//    even if a rebuild would reproduce it;
// and at the end a rebuild from the journal gives the same digest (every projection
// record, badge states included) and the same summaries, compared whole.
// Beside the ledger load, members of a second community post requests on the
// noticeboard and answer them with confirmed exchanges (the activity service's events,
// which the rewards service follows through WatchActivity for "needs met"); after the
// last restart its needs-met counts hold at least what the activity service
// acknowledged, and equal a fresh rebuild's (the digest covers their records too).
#include <google/protobuf/util/message_differencer.h>

#include <atomic>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/common/auth/auth_interceptor.h"
#include "services/common/client_channel.h"
#include "services/common/ids.h"
#include "services/common/timestamps.h"
#include "tests/common/test_node.h"
#include "tests/common/test_util.h"
#include "tests/crash/crash_harness.h"
#include "timebank/activity/v1/activity.grpc.pb.h"
#include "timebank/directory/v1/auth.grpc.pb.h"
#include "timebank/directory/v1/directory.grpc.pb.h"
#include "timebank/ledger/v1/ledger.grpc.pb.h"
#include "timebank/rewards/v1/rewards.grpc.pb.h"

namespace timebank {
namespace {

namespace apb = ::timebank::activity::v1;
namespace dpb = ::timebank::directory::v1;
namespace lpb = ::timebank::ledger::v1;
namespace rpb = ::timebank::rewards::v1;
using testing::CallWithToken;

constexpr int kMembers = 20;
constexpr int kOrganisations = 3;
constexpr int kClients = 6;
constexpr int kRounds = 5;
constexpr int kStarTypes = 4;
// Pairs of the noticeboard community's members: one posts a request, the other
// answers it, and they swap.
constexpr int kActivityPairs = 2;
constexpr char kPassword[] = "crash-test-password";
// How long the projection may take to reach the ledger's head after a restart.
constexpr absl::Duration kCatchUpWait = absl::Seconds(30);

// The community the load runs in, as the directory made it.
struct Community {
  uint64_t id = 0;
  uint64_t admin = 0;
  std::string pool_account;
  std::vector<uint64_t> members;  // the admin is not among them and posts nothing
  std::vector<std::string> member_accounts;
  std::vector<uint64_t> organisations;
  std::vector<std::string> organisation_accounts;
};

// One running timebankd as the test calls it: the ledger as a trusted service, the
// directory and rewards as the operator or the community's admin.
class Calls {
 public:
  // Signs the operator (and, once the community has one, its admin) in.
  // A fatal failure when the server's keyring cannot be read.
  void Connect(const testing::Timebankd& server, const std::string& data_dir) {
    auto service = testing::ServiceChannel(data_dir, server.address());
    ASSERT_NE(service, nullptr);
    ledger_ = lpb::LedgerService::NewStub(service);
    auto channel = MakeChannel(server.address());
    auth_ = dpb::AuthService::NewStub(channel);
    directory_ = dpb::DirectoryService::NewStub(channel);
    rewards_ = rpb::RewardsService::NewStub(channel);
    activity_ = apb::ActivityService::NewStub(channel);
    operator_ = SignIn("operator");
    if (has_admin_) admin_ = SignIn("admin");
  }

  std::string SignIn(const std::string& username) {
    std::optional<std::string> token = TrySignIn(username);
    EXPECT_TRUE(token.has_value()) << username << ": " << last_sign_in_error_;
    return token.value_or("");
  }
  // For the load, which runs while the server is killed: a sign-in cut off by the
  // kill is not a failure of the test, only the end of that client's round.
  std::optional<std::string> TrySignIn(const std::string& username) {
    dpb::SignInRequest req;
    req.set_username(username);
    req.set_password(kPassword);
    dpb::Tokens t;
    grpc::ClientContext ctx;
    const grpc::Status s = auth_->SignIn(&ctx, req, &t);
    if (!s.ok()) {
      last_sign_in_error_ = s.error_message();
      return std::nullopt;
    }
    return t.access_token();
  }
  void SetAdmin() {
    has_admin_ = true;
    admin_ = SignIn("admin");
  }

  lpb::LedgerService::Stub* ledger() { return ledger_.get(); }
  apb::ActivityService::Stub* activity() { return activity_.get(); }
  dpb::DirectoryService::Stub* directory() { return directory_.get(); }
  const std::string& operator_token() const { return operator_; }
  const std::string& admin_token() const { return admin_; }

  grpc::Status Summary(const Community& c, uint64_t member, rpb::MemberSummary* out) {
    rpb::GetMemberSummaryRequest req;
    req.set_community_id(c.id);
    req.set_member_id(member);
    return CallWithToken(rewards_.get(), &rpb::RewardsService::Stub::GetMemberSummary, admin_, req,
                         out);
  }
  grpc::Status Dashboard(uint64_t community, const std::string& token, rpb::Dashboard* out) {
    rpb::GetDashboardRequest req;
    req.set_community_id(community);
    req.set_granularity(rpb::GRANULARITY_WEEK);
    return CallWithToken(rewards_.get(), &rpb::RewardsService::Stub::GetDashboard, token, req, out);
  }
  grpc::Status Status(rpb::ProjectionStatus* out) {
    return CallWithToken(rewards_.get(), &rpb::RewardsService::Stub::GetProjectionStatus, operator_,
                         rpb::GetProjectionStatusRequest(), out);
  }
  grpc::Status Rebuild(rpb::ProjectionStatus* out, absl::Duration deadline) {
    grpc::ClientContext ctx;
    auth::AddBearer(&ctx, operator_);
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    return rewards_->RebuildProjection(&ctx, rpb::RebuildProjectionRequest(), out);
  }

 private:
  std::unique_ptr<lpb::LedgerService::Stub> ledger_;
  std::unique_ptr<dpb::AuthService::Stub> auth_;
  std::unique_ptr<dpb::DirectoryService::Stub> directory_;
  std::unique_ptr<rpb::RewardsService::Stub> rewards_;
  std::unique_ptr<apb::ActivityService::Stub> activity_;
  std::string operator_, admin_;
  bool has_admin_ = false;
  std::string last_sign_in_error_;
};

template <typename Req, typename Resp>
void Dir(Calls& calls, const std::string& token,
         grpc::Status (dpb::DirectoryService::Stub::*method)(grpc::ClientContext*, const Req&,
                                                             Resp*),
         const Req& req, Resp* resp) {
  const grpc::Status s = CallWithToken(calls.directory(), method, token, req, resp);
  ASSERT_TRUE(s.ok()) << req.ShortDebugString() << ": " << s.error_message();
}

// The community, its admin (a member with the admin role), its organisations and
// members, all through the directory's gRPC API.
void MakeCommunity(Calls& calls, Community* out) {
  dpb::CreateCommunityRequest cc;
  cc.mutable_community()->set_name("Riverside");
  cc.mutable_community()->set_timezone("Europe/London");
  cc.mutable_community()->set_member_credit_limit_minutes(1000 * 60);
  cc.mutable_community()->set_organisation_credit_limit_minutes(1'000'000 * 60);
  dpb::Community c;
  ASSERT_NO_FATAL_FAILURE(
      Dir(calls, calls.operator_token(), &dpb::DirectoryService::Stub::CreateCommunity, cc, &c));
  out->id = c.id();
  out->pool_account = c.pool_account_id();
  dpb::CreateMemberRequest admin;
  admin.mutable_member()->set_community_id(c.id());
  admin.mutable_member()->set_display_name("Admin");
  admin.mutable_member()->set_username("admin");
  admin.set_password(kPassword);
  dpb::Member m;
  ASSERT_NO_FATAL_FAILURE(
      Dir(calls, calls.operator_token(), &dpb::DirectoryService::Stub::CreateMember, admin, &m));
  out->admin = m.id();
  dpb::GrantRoleRequest grant;
  grant.set_community_id(c.id());
  grant.set_member_id(m.id());
  grant.set_role(dpb::ROLE_ADMIN);
  ASSERT_NO_FATAL_FAILURE(
      Dir(calls, calls.operator_token(), &dpb::DirectoryService::Stub::GrantRole, grant, &m));
  calls.SetAdmin();
  for (int i = 0; i < kOrganisations; ++i) {
    dpb::CreateOrganisationRequest req;
    req.mutable_organisation()->set_community_id(c.id());
    req.mutable_organisation()->set_name(absl::StrCat("Organisation ", i));
    req.mutable_organisation()->set_kind(dpb::ORGANISATION_KIND_CHARITY);
    dpb::Organisation o;
    ASSERT_NO_FATAL_FAILURE(
        Dir(calls, calls.admin_token(), &dpb::DirectoryService::Stub::CreateOrganisation, req, &o));
    out->organisations.push_back(o.id());
    out->organisation_accounts.push_back(o.account_id());
  }
  for (int i = 0; i < kMembers; ++i) {
    dpb::CreateMemberRequest req;
    req.mutable_member()->set_community_id(c.id());
    req.mutable_member()->set_display_name(absl::StrCat("Member ", i));
    ASSERT_NO_FATAL_FAILURE(
        Dir(calls, calls.admin_token(), &dpb::DirectoryService::Stub::CreateMember, req, &m));
    out->members.push_back(m.id());
    out->member_accounts.push_back(m.account_id());
  }
}

// The noticeboard community: members who sign in (usernames "hill<i>"), made by the
// operator; no organisations.
void MakeNoticeboard(Calls& calls, Community* out) {
  dpb::CreateCommunityRequest cc;
  cc.mutable_community()->set_name("Hillside");
  cc.mutable_community()->set_timezone("Europe/London");
  cc.mutable_community()->set_member_credit_limit_minutes(1000 * 60);
  dpb::Community c;
  ASSERT_NO_FATAL_FAILURE(
      Dir(calls, calls.operator_token(), &dpb::DirectoryService::Stub::CreateCommunity, cc, &c));
  out->id = c.id();
  out->pool_account = c.pool_account_id();
  for (int i = 0; i < 2 * kActivityPairs; ++i) {
    dpb::CreateMemberRequest req;
    req.mutable_member()->set_community_id(c.id());
    req.mutable_member()->set_display_name(absl::StrCat("Hill member ", i));
    req.mutable_member()->set_username(absl::StrCat("hill", i));
    req.set_password(kPassword);
    dpb::Member m;
    ASSERT_NO_FATAL_FAILURE(
        Dir(calls, calls.operator_token(), &dpb::DirectoryService::Stub::CreateMember, req, &m));
    out->members.push_back(m.id());
    out->member_accounts.push_back(m.account_id());
  }
}

// The directory opens the ledger accounts after answering: waits until all are open.
void AwaitAccounts(Calls& calls, const Community& c) {
  lpb::GetAccountsRequest req;
  for (const auto& a : c.member_accounts) req.add_ids(a);
  for (const auto& a : c.organisation_accounts) req.add_ids(a);
  req.add_ids(c.pool_account);
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  lpb::GetAccountsResponse resp;
  do {
    resp.Clear();
    grpc::ClientContext ctx;
    ASSERT_TRUE(calls.ledger()->GetAccounts(&ctx, req, &resp).ok());
    if (resp.not_found_ids_size() == 0) return;
    absl::SleepFor(absl::Milliseconds(20));
  } while (absl::Now() < deadline);
  FAIL() << "accounts never opened, e.g. " << resp.not_found_ids(0);
}

// What every member's summary must say, from the transfers the ledger acknowledged:
// each counted once, and those an acknowledged reversal undid not at all.
class SummaryModel {
 public:
  SummaryModel(const Community& c, const std::map<std::string, lpb::Transfer>& acknowledged) {
    for (size_t i = 0; i < c.members.size(); ++i) member_of_[c.member_accounts[i]] = c.members[i];
    for (size_t i = 0; i < c.organisations.size(); ++i) {
      org_of_[c.organisation_accounts[i]] = c.organisations[i];
    }
    std::set<std::string> undone;
    for (const auto& [id, t] : acknowledged) {
      if (t.kind() != lpb::TRANSFER_KIND_REVERSAL) continue;
      EXPECT_TRUE(acknowledged.count(t.reverses_id())) << id << " reverses an unknown transfer";
      EXPECT_TRUE(undone.insert(t.reverses_id()).second) << t.reverses_id() << " undone twice";
    }
    for (const auto& [id, t] : acknowledged) {
      if (t.kind() != lpb::TRANSFER_KIND_REVERSAL && !undone.count(id)) Count(t);
    }
  }

  void Expect(const rpb::MemberSummary& s, const std::string& when) const {
    const auto it = members_.find(s.member_id());
    const Member m = it == members_.end() ? Member() : it->second;
    const std::string who = absl::StrCat("member ", s.member_id(), " ", when);
    EXPECT_EQ(s.minutes_given(), m.given) << who;
    EXPECT_EQ(s.minutes_received(), m.received) << who;
    EXPECT_EQ(s.two_way(), m.given > 0 && m.received > 0) << who;
    EXPECT_EQ(s.people_helped(), m.helped.size()) << who;
    EXPECT_EQ(s.helped_by(), m.helped_by.size()) << who;
    EXPECT_EQ(s.organisations_given_to(), m.organisations.size()) << who;
    EXPECT_EQ(s.minutes_donated(), m.donated) << who;
    EXPECT_EQ(s.donations(), m.donations) << who;
    std::map<int, std::pair<int64_t, int32_t>> star;
    for (const rpb::StarCell& cell : s.star()) star[cell.type()] = {cell.minutes(), cell.count()};
    EXPECT_EQ(star, m.star) << who << " (the Coproduction Star: type -> minutes, count)";
  }

  size_t counted() const { return counted_; }

 private:
  struct Member {
    int64_t given = 0, received = 0, donated = 0;
    int32_t donations = 0;
    // The distinct members helped, helped by, organisations given to.
    std::set<uint64_t> helped, helped_by, organisations;
    std::map<int, std::pair<int64_t, int32_t>> star;  // type -> minutes, count
  };

  void Count(const lpb::Transfer& t) {
    ++counted_;
    const int64_t minutes = t.amount();
    auto star = [&](Member& giver) {
      if (t.coproduction_type() == lpb::COPRODUCTION_TYPE_UNSPECIFIED) return;
      auto& cell = giver.star[t.coproduction_type()];
      cell.first += minutes;
      cell.second += 1;
    };
    switch (t.kind()) {
      case lpb::TRANSFER_KIND_EXCHANGE: {
        const uint64_t giver = member_of_.at(t.credit_account_id());
        const uint64_t receiver = member_of_.at(t.debit_account_id());
        members_[giver].given += minutes;
        members_[giver].helped.insert(receiver);
        star(members_[giver]);
        members_[receiver].received += minutes;
        members_[receiver].helped_by.insert(giver);
        break;
      }
      case lpb::TRANSFER_KIND_CONTRIBUTION: {
        Member& giver = members_[member_of_.at(t.credit_account_id())];
        giver.given += minutes;
        giver.organisations.insert(org_of_.at(t.debit_account_id()));
        star(giver);
        break;
      }
      case lpb::TRANSFER_KIND_DONATION: {
        Member& donor = members_[member_of_.at(t.debit_account_id())];
        donor.donated += minutes;
        donor.donations += 1;
        break;
      }
      default:
        ADD_FAILURE() << "the load sent a kind the model does not know: " << t.ShortDebugString();
    }
  }

  std::map<std::string, uint64_t> member_of_, org_of_;
  std::map<uint64_t, Member> members_;
  size_t counted_ = 0;
};

// Clients posting exchanges, contributions, donations and reversals of their own
// acknowledged transfers until stopped or the server is gone, every call filed in the
// log; and a watcher of how far the projection has got.
class Load {
 public:
  Load(Calls* calls, const Community& c, testing::TransferLog* log, int round, uint64_t seed)
      : calls_(calls), c_(c), log_(log), round_(round) {
    std::mt19937_64 r(seed);
    for (int i = 0; i < kClients; ++i) {
      threads_.emplace_back([this, i, s = r()] { Client(i, s); });
    }
    threads_.emplace_back([this] { Watch(); });
  }
  ~Load() { Stop(); }

  void Stop() {
    stop_ = true;
    for (auto& t : threads_) t.join();
    threads_.clear();
  }
  // The newest journal entry a client was told of, and the newest the projection
  // was seen to include.
  uint64_t acknowledged_seq() const { return acknowledged_seq_; }
  uint64_t projected_seq() const { return projected_seq_; }

 private:
  lpb::Transfer Random(std::mt19937_64& r, const std::string& id) const {
    lpb::Transfer t;
    t.set_id(id);
    t.set_amount(1 + static_cast<int64_t>(r() % 120));
    t.set_coproduction_type(static_cast<lpb::CoproductionType>(r() % (kStarTypes + 1)));
    // Spread over ten weeks, so weeks, months and streaks have something to count.
    const absl::Time at = absl::Now() - absl::Seconds(static_cast<int64_t>(r() % (70 * 86400)));
    ToTimestamp(absl::ToUnixSeconds(at) * 1'000'000'000, t.mutable_occurred_at());
    const size_t a = r() % c_.members.size();
    const size_t b = (a + 1 + r() % (c_.members.size() - 1)) % c_.members.size();
    const int kind = static_cast<int>(r() % 10);
    if (kind < 6) {  // a helped b
      t.set_kind(lpb::TRANSFER_KIND_EXCHANGE);
      t.set_debit_account_id(c_.member_accounts[b]);
      t.set_credit_account_id(c_.member_accounts[a]);
    } else if (kind < 9) {  // a gave time to an organisation
      t.set_kind(lpb::TRANSFER_KIND_CONTRIBUTION);
      t.set_debit_account_id(c_.organisation_accounts[r() % c_.organisation_accounts.size()]);
      t.set_credit_account_id(c_.member_accounts[a]);
    } else {  // a gave time to the pool
      t.set_kind(lpb::TRANSFER_KIND_DONATION);
      t.set_debit_account_id(c_.member_accounts[a]);
      t.set_credit_account_id(c_.pool_account);
    }
    return t;
  }

  void Client(int client, uint64_t seed) {
    std::mt19937_64 r(seed);
    std::vector<std::string> reversible;  // this client's, acknowledged, not yet undone
    for (int n = 0; !stop_; ++n) {
      const int batch = r() % 4 == 0 ? 1 + static_cast<int>(r() % 20) : 1;
      lpb::CreateTransfersRequest req;
      std::vector<lpb::Transfer> sent;
      for (int i = 0; i < batch; ++i) {
        const std::string id =
            PersonChosenId(c_.id, absl::StrCat("r", round_, "c", client, "n", n, "i", i));
        if (!reversible.empty() && r() % 6 == 0) {
          const size_t k = r() % reversible.size();
          lpb::Transfer t;
          t.set_id(id);
          t.set_kind(lpb::TRANSFER_KIND_REVERSAL);
          t.set_reverses_id(reversible[k]);
          t.set_memo("undone by the crash test");
          reversible[k] = reversible.back();  // never reversed twice, even if lost
          reversible.pop_back();
          sent.push_back(std::move(t));
        } else {
          sent.push_back(Random(r, id));
        }
        *req.add_transfers() = sent.back();
      }
      lpb::CreateTransfersResponse resp;
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
      const grpc::Status s = calls_->ledger()->CreateTransfers(&ctx, req, &resp);
      const std::vector<std::string> created = log_->Record(sent, s, resp);
      if (!s.ok()) return;  // the server is gone
      for (const auto& res : resp.results()) {
        uint64_t seen = acknowledged_seq_;
        while (res.seq() > seen && !acknowledged_seq_.compare_exchange_weak(seen, res.seq())) {
        }
      }
      for (size_t i = 0, j = 0; i < sent.size() && j < created.size(); ++i) {
        if (sent[i].id() != created[j]) continue;
        ++j;
        if (sent[i].kind() != lpb::TRANSFER_KIND_REVERSAL) reversible.push_back(sent[i].id());
      }
    }
  }

  void Watch() {
    while (!stop_) {
      rpb::MemberSummary s;
      if (calls_->Summary(c_, c_.members[0], &s).ok()) projected_seq_ = s.as_of_journal_seq();
      absl::SleepFor(absl::Milliseconds(20));
    }
  }

  Calls* const calls_;
  const Community& c_;
  testing::TransferLog* const log_;
  const int round_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> acknowledged_seq_{0}, projected_seq_{0};
  std::vector<std::thread> threads_;
};

// What the activity service acknowledged: requests posted, and answered by an
// exchange its receiver confirmed. A call cut off by a kill may still have happened.
struct NoticeboardCounts {
  std::atomic<int64_t> posted{0}, answered{0};
};

// Pairs of noticeboard members posting requests and answering them until stopped or
// the server is gone: the poster posts a request and records the exchange that
// answers it (as its receiver), the other confirms it; then they swap.
class ActivityLoad {
 public:
  ActivityLoad(Calls* calls, const Community& board, NoticeboardCounts* counts, int round)
      : calls_(calls), board_(board), counts_(counts), round_(round) {
    for (int i = 0; i < kActivityPairs; ++i) threads_.emplace_back([this, i] { Pair(i); });
  }
  ~ActivityLoad() { Stop(); }

  void Stop() {
    stop_ = true;
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

 private:
  // One request posted, answered and confirmed; false once the server is gone.
  bool Answer(int pair, int n, size_t poster, size_t helper, const std::string& poster_token,
              const std::string& helper_token) {
    const std::string name = absl::StrCat("r", round_, "p", pair, "n", n);
    apb::CreatePostRequest post;
    post.mutable_post()->set_community_id(board_.id);
    post.mutable_post()->set_kind(apb::POST_KIND_REQUEST);
    post.mutable_post()->set_title(absl::StrCat("Help wanted ", name));
    post.set_request_id(name);
    apb::Post made;
    if (!CallWithToken(calls_->activity(), &apb::ActivityService::Stub::CreatePost, poster_token,
                       post, &made)
             .ok()) {
      return false;
    }
    ++counts_->posted;
    apb::RecordExchangeRequest ex;
    ex.set_post_id(made.id());
    ex.set_community_id(board_.id);
    ex.set_provider_member_id(board_.members[helper]);
    ex.set_receiver_member_id(board_.members[poster]);
    ex.set_minutes(30);
    ToTimestamp((absl::ToUnixSeconds(absl::Now()) - 3600) * 1'000'000'000,
                ex.mutable_occurred_at());
    ex.set_description(absl::StrCat("Answered ", name));
    ex.set_request_id(name);
    apb::Activity a;
    if (!CallWithToken(calls_->activity(), &apb::ActivityService::Stub::RecordExchange,
                       poster_token, ex, &a)
             .ok()) {
      return false;
    }
    apb::RespondToExchangeRequest confirm;
    confirm.set_community_id(board_.id);
    confirm.set_activity_id(a.id());
    confirm.set_response(apb::RespondToExchangeRequest::RESPONSE_CONFIRM);
    if (!CallWithToken(calls_->activity(), &apb::ActivityService::Stub::RespondToExchange,
                       helper_token, confirm, &a)
             .ok()) {
      return false;
    }
    ++counts_->answered;
    return true;
  }

  void Pair(int pair) {
    size_t poster = 2 * pair, helper = 2 * pair + 1;
    std::optional<std::string> poster_signed = calls_->TrySignIn(absl::StrCat("hill", poster));
    std::optional<std::string> helper_signed = calls_->TrySignIn(absl::StrCat("hill", helper));
    if (!poster_signed || !helper_signed) return;  // the server was killed meanwhile
    std::string poster_token = *poster_signed, helper_token = *helper_signed;
    for (int n = 0; !stop_; ++n) {
      if (!Answer(pair, n, poster, helper, poster_token, helper_token)) return;
      std::swap(poster, helper);  // balances stay small
      std::swap(poster_token, helper_token);
    }
  }

  Calls* const calls_;
  const Community& board_;
  NoticeboardCounts* const counts_;
  const int round_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

// The noticeboard community's needs met, over its dashboard's weeks: requests posted
// and answered.
std::pair<int64_t, int64_t> NeedsMet(Calls& calls, const Community& board,
                                     const std::string& token) {
  rpb::Dashboard d;
  const grpc::Status s = calls.Dashboard(board.id, token, &d);
  EXPECT_TRUE(s.ok()) << s.error_message();
  std::pair<int64_t, int64_t> out;
  for (const rpb::DashboardPeriod& p : d.periods()) {
    out.first += p.requests_posted();
    out.second += p.requests_answered();
  }
  return out;
}

// Waits until the rewards service has followed the activity service's events: the
// needs met hold at least what was acknowledged and stay the same for a while.
void AwaitNeedsMetSettled(Calls& calls, const Community& board, const NoticeboardCounts& counts,
                          const std::string& token) {
  const absl::Time deadline = absl::Now() + kCatchUpWait;
  std::pair<int64_t, int64_t> last = {-1, -1};
  for (;;) {
    const std::pair<int64_t, int64_t> now = NeedsMet(calls, board, token);
    if (now == last && now.first >= counts.posted && now.second >= counts.answered) return;
    ASSERT_LT(absl::Now(), deadline)
        << "needs met stayed at " << now.first << " posted, " << now.second
        << " answered; acknowledged " << counts.posted << ", " << counts.answered;
    last = now;
    absl::SleepFor(absl::Seconds(1));
  }
}

// Waits until the projection includes the ledger's whole journal (read into
// *journal); fatal failure if it does not within kCatchUpWait.
void AwaitCaughtUp(Calls& calls, const Community& c, testing::JournalContents* journal) {
  ASSERT_NO_FATAL_FAILURE(testing::ReadJournal(calls.ledger(), journal));
  const absl::Time deadline = absl::Now() + kCatchUpWait;
  rpb::ProjectionStatus status;
  while (true) {
    const grpc::Status s = calls.Status(&status);
    ASSERT_TRUE(s.ok()) << s.error_message();
    if (status.journal_seq() >= journal->head_seq) break;
    ASSERT_LT(absl::Now(), deadline)
        << "the projection stayed at " << status.journal_seq() << " of " << journal->head_seq;
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_EQ(status.journal_seq(), journal->head_seq);
}

// Every member's summary (the admin's too), in member order.
void Summaries(Calls& calls, const Community& c, std::vector<rpb::MemberSummary>* out) {
  out->clear();
  std::vector<uint64_t> all = c.members;
  all.push_back(c.admin);
  for (uint64_t m : all) {
    rpb::MemberSummary s;
    const grpc::Status st = calls.Summary(c, m, &s);
    ASSERT_TRUE(st.ok()) << "member " << m << ": " << st.error_message();
    out->push_back(std::move(s));
  }
}

// Caught up, every summary is what the acknowledged transfers add up to.
void ExpectSummariesModelled(Calls& calls, const Community& c, const testing::TransferLog& log,
                             const std::string& when) {
  testing::JournalContents journal;
  ASSERT_NO_FATAL_FAILURE(AwaitCaughtUp(calls, c, &journal));
  std::vector<rpb::MemberSummary> summaries;
  ASSERT_NO_FATAL_FAILURE(Summaries(calls, c, &summaries));
  // The journal holds exactly the transfers the test knows were posted: the model
  // below is the journal's.
  const std::map<std::string, lpb::Transfer> acknowledged = log.acknowledged();
  std::set<std::string> posted;
  for (const lpb::Transfer& t : journal.transfers) {
    if (t.community_id() == c.id) posted.insert(t.id());
  }
  std::set<std::string> known;
  for (const auto& [id, t] : acknowledged) known.insert(id);
  ASSERT_EQ(posted, known) << when;
  const SummaryModel model(c, acknowledged);
  for (const rpb::MemberSummary& s : summaries) model.Expect(s, when);
}

// After the last restart: caught up and modelled; then a rebuild from the journal
// gives the same digest over every projection record and the same summaries, whole.
void ExpectRebuildReproduces(Calls& calls, const Community& c, const testing::TransferLog& log,
                             const Community& board, const NoticeboardCounts& counts) {
  ASSERT_NO_FATAL_FAILURE(ExpectSummariesModelled(calls, c, log, "after the last kill"));
  const std::string board_token = calls.SignIn("hill0");
  ASSERT_NO_FATAL_FAILURE(AwaitNeedsMetSettled(calls, board, counts, board_token));
  const std::pair<int64_t, int64_t> needs_met = NeedsMet(calls, board, board_token);
  EXPECT_GT(needs_met.second, 0) << "the noticeboard load answered no request";
  // The activity service may have posted its last exchanges to the ledger meanwhile.
  testing::JournalContents journal;
  ASSERT_NO_FATAL_FAILURE(AwaitCaughtUp(calls, c, &journal));
  rpb::ProjectionStatus live;
  ASSERT_TRUE(calls.Status(&live).ok());
  std::vector<rpb::MemberSummary> before, after;
  ASSERT_NO_FATAL_FAILURE(Summaries(calls, c, &before));
  rpb::ProjectionStatus rebuilt;
  const grpc::Status s = calls.Rebuild(&rebuilt, absl::Seconds(60));
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(rebuilt.journal_seq(), live.journal_seq());
  EXPECT_EQ(rebuilt.records(), live.records());
  EXPECT_EQ(rebuilt.digest_hex(), live.digest_hex()) << "the projection after kill -9s is not "
                                                        "what the journal rebuilds";
  ASSERT_NO_FATAL_FAILURE(Summaries(calls, c, &after));
  EXPECT_EQ(NeedsMet(calls, board, board_token), needs_met)
      << "needs met after kill -9s are not what the activity events rebuild";
  std::printf("needs met: %lld requests posted, %lld answered (acknowledged %lld, %lld)\n",
              static_cast<long long>(needs_met.first), static_cast<long long>(needs_met.second),
              static_cast<long long>(counts.posted.load()),
              static_cast<long long>(counts.answered.load()));
  ASSERT_EQ(before.size(), after.size());
  for (size_t i = 0; i < before.size(); ++i) {
    std::string diff;
    google::protobuf::util::MessageDifferencer d;
    d.ReportDifferencesToString(&diff);
    EXPECT_TRUE(d.Compare(before[i], after[i]))
        << "member " << before[i].member_id() << " before and after the rebuild: " << diff;
  }
  std::printf("projection: %llu records at journal seq %llu, digest %s, rebuilt in %.2f s\n",
              static_cast<unsigned long long>(rebuilt.records()),
              static_cast<unsigned long long>(rebuilt.journal_seq()),
              rebuilt.digest_hex().substr(0, 16).c_str(), rebuilt.rebuild_s());
}

// How each round ends: the server killed under load at a random moment, or while a
// rebuild it was asked for is replaying the journal.
enum class Kill { kUnderLoad, kDuringRebuild };

// One round of load on `server`, ended by kill -9 after `after`; what was seen printed.
void LoadAndKill(testing::Timebankd& server, Calls& calls, const Community& c,
                 testing::TransferLog* log, const Community& board, NoticeboardCounts* counts,
                 int round, Kill how, absl::Duration after, uint64_t seed) {
  Load load(&calls, c, log, round, seed);
  ActivityLoad activity(&calls, board, counts, round);
  std::thread rebuild;
  if (how == Kill::kDuringRebuild) {
    absl::SleepFor(after / 2);
    rebuild = std::thread([&calls] {
      rpb::ProjectionStatus status;
      calls.Rebuild(&status, absl::Seconds(30));  // the kill ends it, or it finishes
    });
    absl::SleepFor(after / 2);
  } else {
    absl::SleepFor(after);
  }
  const uint64_t acked = load.acknowledged_seq(), projected = load.projected_seq();
  server.Kill();
  load.Stop();
  activity.Stop();
  if (rebuild.joinable()) rebuild.join();
  std::printf(
      "round %d: kill -9 after %s%s, ledger acknowledged up to %llu, projection seen at %llu\n",
      round, absl::FormatDuration(after).c_str(),
      how == Kill::kDuringRebuild ? " (rebuilding)" : "", static_cast<unsigned long long>(acked),
      static_cast<unsigned long long>(projected));
}

TEST(RewardsCrashTest, TheProjectionCountsEachTransferOnceAcrossKillNine) {
  // On disk, not in memory: every commit syncs, so a commit split in two (a bug this
  // test is for) leaves a window a kill can fall into.
  testing::TempDir dir;
  const std::string data = dir.Sub("data");
  const uint64_t seed = std::random_device{}();
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  testing::TransferLog log;
  Community community, board;
  NoticeboardCounts counts;
  Calls calls;
  for (int round = 0; round <= kRounds; ++round) {  // the last round only verifies
    testing::Timebankd server(data, {"--admin_username=operator"},
                              {std::string("TIMEBANK_ADMIN_PASSWORD=") + kPassword});
    ASSERT_FALSE(server.address().empty());
    ASSERT_NO_FATAL_FAILURE(calls.Connect(server, data));
    if (round == 0) {
      ASSERT_NO_FATAL_FAILURE(MakeCommunity(calls, &community));
      ASSERT_NO_FATAL_FAILURE(AwaitAccounts(calls, community));
      ASSERT_NO_FATAL_FAILURE(MakeNoticeboard(calls, &board));
      ASSERT_NO_FATAL_FAILURE(AwaitAccounts(calls, board));
    }
    // Retry the calls whose answers were lost: each posted once, none lost.
    ASSERT_NO_FATAL_FAILURE(log.ResolveUncertain(calls.ledger()));
    ASSERT_NO_FATAL_FAILURE(log.ExpectAcknowledgedPresent(calls.ledger()));
    if (round == kRounds) {
      ASSERT_NO_FATAL_FAILURE(ExpectRebuildReproduces(calls, community, log, board, counts));
      break;
    }
    // Odd rounds load (and die) while the follower still catches up after the restart.
    if (round % 2 == 0 && round > 0) {
      ASSERT_NO_FATAL_FAILURE(
          ExpectSummariesModelled(calls, community, log, absl::StrCat("after kill ", round)));
    }
    const Kill how = round == 3 ? Kill::kDuringRebuild : Kill::kUnderLoad;
    const absl::Duration after = absl::Milliseconds(300 + static_cast<int64_t>(rng() % 1200));
    LoadAndKill(server, calls, community, &log, board, &counts, round, how, after, rng());
  }
  std::printf("%zu acknowledged transfers survived %d kill -9s\n", log.acknowledged().size(),
              kRounds);
}

}  // namespace
}  // namespace timebank
