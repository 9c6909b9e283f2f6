// The pieces every tbctl command shares: the server address, the signed-in session
// (access token from --token, $TIMEBANK_TOKEN, a local service keyring, or the saved
// login, refreshed when it expires), gRPC stubs that carry it, and output helpers.
#ifndef TIMEBANK_CLIENTS_CLI_CLIENT_H_
#define TIMEBANK_CLIENTS_CLI_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/flags/declare.h"
#include "absl/time/time.h"
#include "clients/cli/command_flags.h"
#include "timebank/activity/v1/activity.grpc.pb.h"
#include "timebank/directory/v1/auth.grpc.pb.h"
#include "timebank/directory/v1/directory.grpc.pb.h"
#include "timebank/expenses/v1/expenses.grpc.pb.h"
#include "timebank/ledger/v1/ledger.grpc.pb.h"
#include "timebank/rewards/v1/rewards.grpc.pb.h"
#include "timebank/system/v1/system.grpc.pb.h"

ABSL_DECLARE_FLAG(std::string, server);
ABSL_DECLARE_FLAG(bool, json);

namespace timebank::cli {

namespace dpb = ::timebank::directory::v1;

[[noreturn]] void Die(const std::string& message);
// Turns an RPC failure into advice a person can act on, and exits.
[[noreturn]] void DieRpc(const grpc::Status& s);
std::string ServerAddress();
void PrintJson(const google::protobuf::Message& m);
bool Json();
// --coproduction values: co-commission, co-design, co-delivery, co-assessment ("" = none).
::timebank::ledger::v1::CoproductionType ParseCoproduction(const std::string& type);
// An enum value's name as a word for people: ("TRANSFER_KIND_EXCHANGE", 14) -> "exchange",
// underscores become hyphens ("co-design").
std::string EnumWord(const std::string& enum_name, size_t prefix_length);
// A day given to --`flag` as people type it (typed_input.h: 25/11/2026, 25 Nov 2026,
// yesterday, ...), its midnight in ShownZone(), as Unix nanoseconds; exits with advice
// when it is not one.
int64_t ParseDate(const std::string& flag, const std::string& text);

// The saved login (~/.config/timebank/credentials, mode 0600).
struct SavedLogin {
  std::string server;
  std::string access_token;
  int64_t access_expires_s = 0;
  std::string refresh_token;
  dpb::Principal principal;
};
std::string CredentialsPath();
std::optional<SavedLogin> LoadLogin();
void SaveLogin(const SavedLogin& login);
void ClearLogin();

class Client {
 public:
  Client();
  // Deadline and credentials for one call.
  void Prepare(grpc::ClientContext* ctx, int timeout_s = 30);
  // Calls a unary method of `stub`; on failure prints advice and exits.
  template <typename Resp, typename Stub, typename Req, typename Method>
  Resp Call(Stub* stub, Method method, const Req& req) {
    Resp resp;
    grpc::ClientContext ctx;
    Prepare(&ctx);
    grpc::Status s = (stub->*method)(&ctx, req, &resp);
    if (!s.ok()) DieRpc(s);
    return resp;
  }
  ::timebank::ledger::v1::LedgerService::Stub* ledger() { return ledger_.get(); }
  ::timebank::system::v1::SystemService::Stub* system() { return system_.get(); }
  dpb::DirectoryService::Stub* directory() { return directory_.get(); }
  dpb::AuthService::Stub* auth() { return auth_.get(); }
  ::timebank::activity::v1::ActivityService::Stub* activity() { return activity_.get(); }
  ::timebank::expenses::v1::ExpensesService::Stub* expenses() { return expenses_.get(); }
  ::timebank::rewards::v1::RewardsService::Stub* rewards() { return rewards_.get(); }
  // Send no credential (signing in must not carry a stale saved token).
  void SetAnonymous() { token_ = std::string(); }
  // The signed-in principal, if the saved login is in use.
  const std::optional<dpb::Principal>& principal() {
    Token();
    return principal_;
  }

 private:
  std::string Token();
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<::timebank::ledger::v1::LedgerService::Stub> ledger_;
  std::unique_ptr<::timebank::system::v1::SystemService::Stub> system_;
  std::unique_ptr<dpb::DirectoryService::Stub> directory_;
  std::unique_ptr<dpb::AuthService::Stub> auth_;
  std::unique_ptr<::timebank::activity::v1::ActivityService::Stub> activity_;
  std::unique_ptr<::timebank::expenses::v1::ExpensesService::Stub> expenses_;
  std::unique_ptr<::timebank::rewards::v1::RewardsService::Stub> rewards_;
  std::optional<std::string> token_;
  std::optional<dpb::Principal> principal_;
};

// --community, or the signed-in member's community; exits asking for it otherwise.
uint64_t CurrentCommunity(Client& c);

// The timezone dates and times are shown and typed in: the community's (--community,
// or the signed-in member's), so a day is the day people there lived it; UTC when
// there is none (the operator, a service token) or it cannot be read. Looked up once
// per run, on first use, through the client given to UseClientForZone (main).
absl::TimeZone ShownZone();
// Its name, for table headings ("when (Europe/London)").
std::string ShownZoneName();
// A time as "2026-11-25 14:30" in ShownZone().
std::string ShownTime(int64_t unix_seconds);
// A day as "2026-11-25" in ShownZone().
std::string ShownDay(int64_t unix_seconds);
// A member named in a table where only their id is at hand (claims, payment batches):
// "Bilal Hussain (M00004)" where the caller may read members (staff), else "member 15".
// Looked up once per member per run through the same client.
std::string ShownMember(uint64_t community_id, uint64_t member_id);
void UseClientForZone(Client* c);

}  // namespace timebank::cli

#endif  // TIMEBANK_CLIENTS_CLI_CLIENT_H_
