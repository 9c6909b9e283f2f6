#include "clients/cli/client.h"

#include <fcntl.h>
#include <google/protobuf/util/json_util.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "absl/flags/flag.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/common/typed_input.h"
#include "services/common/auth/keyring.h"
#include "services/common/auth/token.h"
#include "services/common/client_channel.h"

ABSL_FLAG(std::string, server, "",
          "timebankd address host:port (default: $TIMEBANK_SERVER, else 127.0.0.1:7400)");
ABSL_FLAG(bool, json, false, "Print JSON instead of tables");
ABSL_FLAG(std::string, token, "",
          "Access token to use (default: $TIMEBANK_TOKEN, else the saved login)");
ABSL_FLAG(std::string, service_keyring, "",
          "Operators on the server machine: act as a trusted service by signing a token with this "
          "keyring file (e.g. data/keyring)");

ABSL_DECLARE_FLAG(uint64_t, community);

namespace timebank::cli {

void Die(const std::string& message) {
  std::fprintf(stderr, "tbctl: %s\n", message.c_str());
  std::exit(1);
}

std::string ServerAddress() {
  std::string s = absl::GetFlag(FLAGS_server);
  if (s.empty()) {
    const char* env = std::getenv("TIMEBANK_SERVER");
    s = env && *env ? env : "127.0.0.1:7400";
  }
  return s;
}

void DieRpc(const grpc::Status& s) {
  switch (s.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      Die(absl::StrCat("cannot reach timebankd at ", ServerAddress(), " (", s.error_message(),
                       "). Is it running? Start it (see README.md) or pass --server=host:port."));
    case grpc::StatusCode::UNAUTHENTICATED:
      Die(absl::StrCat(s.error_message(), "\n  (sign in with: tbctl login USERNAME)"));
    default:
      Die(s.error_message());
  }
}

void PrintJson(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.add_whitespace = true;
  o.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  std::printf("%s", out.c_str());
}

bool Json() { return absl::GetFlag(FLAGS_json); }

int64_t ParseDate(const std::string& flag, const std::string& text) {
  absl::StatusOr<absl::CivilDay> day = ParseDay(text, absl::ToCivilDay(absl::Now(), ShownZone()));
  if (!day.ok()) Die(absl::StrCat("--", flag, ": ", day.status().message()));
  return absl::ToUnixNanos(absl::FromCivil(*day, ShownZone()));
}

std::string CredentialsPath() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  const char* home = std::getenv("HOME");
  const std::string base = xdg && *xdg ? xdg : absl::StrCat(home ? home : ".", "/.config");
  return base + "/timebank/credentials";
}

std::optional<SavedLogin> LoadLogin() {
  std::ifstream in(CredentialsPath());
  if (!in) return std::nullopt;
  SavedLogin l;
  std::string line;
  while (std::getline(in, line)) {
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "server") l.server = value;
    if (key == "access_token") l.access_token = value;
    if (key == "access_expires_s") (void)absl::SimpleAtoi(value, &l.access_expires_s);
    if (key == "refresh_token") l.refresh_token = value;
    if (key == "principal") {
      std::string bytes;
      if (absl::Base64Unescape(value, &bytes)) (void)l.principal.ParseFromString(bytes);
    }
  }
  if (l.access_token.empty()) return std::nullopt;
  return l;
}

void SaveLogin(const SavedLogin& l) {
  const std::string path = CredentialsPath();
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  const std::string text = absl::StrCat(
      "# tbctl login: secret, keep 0600\nserver=", l.server, "\naccess_token=", l.access_token,
      "\naccess_expires_s=", l.access_expires_s, "\nrefresh_token=", l.refresh_token,
      "\nprincipal=", absl::Base64Escape(l.principal.SerializeAsString()), "\n");
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    Die(absl::StrCat("cannot save the login to ", path));
  }
  ::fchmod(fd, 0600);
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    Die(absl::StrCat("cannot save the login to ", path));
}

void ClearLogin() { ::unlink(CredentialsPath().c_str()); }

Client::Client()
    : channel_(MakeChannel(ServerAddress())),
      ledger_(::timebank::ledger::v1::LedgerService::NewStub(channel_)),
      system_(::timebank::system::v1::SystemService::NewStub(channel_)),
      directory_(dpb::DirectoryService::NewStub(channel_)),
      auth_(dpb::AuthService::NewStub(channel_)),
      activity_(::timebank::activity::v1::ActivityService::NewStub(channel_)),
      expenses_(::timebank::expenses::v1::ExpensesService::NewStub(channel_)),
      rewards_(::timebank::rewards::v1::RewardsService::NewStub(channel_)) {}

std::string Client::Token() {
  if (token_) return *token_;
  std::string t = absl::GetFlag(FLAGS_token);
  if (t.empty()) {
    const char* env = std::getenv("TIMEBANK_TOKEN");
    if (env != nullptr) t = env;
  }
  if (t.empty() && !absl::GetFlag(FLAGS_service_keyring).empty()) {
    absl::StatusOr<std::unique_ptr<auth::Keyring>> k =
        auth::Keyring::Open(absl::GetFlag(FLAGS_service_keyring));
    if (!k.ok()) Die(std::string(k.status().message()));
    t = auth::MintServiceToken(**k, "tbctl", absl::ToUnixSeconds(absl::Now()));
  }
  if (t.empty()) {
    if (std::optional<SavedLogin> l = LoadLogin(); l && l->server == ServerAddress()) {
      const int64_t now_s = absl::ToUnixSeconds(absl::Now());
      if (l->access_expires_s - 30 < now_s && !l->refresh_token.empty()) {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        dpb::RefreshRequest req;
        req.set_refresh_token(l->refresh_token);
        dpb::Tokens fresh;
        if (grpc::Status s = auth_->Refresh(&ctx, req, &fresh); s.ok()) {
          l->access_token = fresh.access_token();
          l->access_expires_s = fresh.access_expires_at().seconds();
          l->refresh_token = fresh.refresh_token();
          l->principal = fresh.principal();
          SaveLogin(*l);
        }
      }
      t = l->access_token;
      principal_ = l->principal;
    }
  }
  token_ = t;
  return t;
}

void Client::Prepare(grpc::ClientContext* ctx, int timeout_s) {
  if (timeout_s > 0) {
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(timeout_s));
  }
  auth::AddBearer(ctx, Token());
}

namespace {
Client* zone_client = nullptr;
std::optional<std::pair<absl::TimeZone, std::string>>& Zone() {
  static auto* zone = new std::optional<std::pair<absl::TimeZone, std::string>>();
  return *zone;
}
}  // namespace

void UseClientForZone(Client* c) { zone_client = c; }

std::string ShownMember(uint64_t community_id, uint64_t member_id) {
  static auto* names = new std::map<std::pair<uint64_t, uint64_t>, std::string>();
  const std::pair<uint64_t, uint64_t> key{community_id, member_id};
  auto it = names->find(key);
  if (it != names->end()) return it->second;
  std::string name = absl::StrCat("member ", member_id);
  if (zone_client != nullptr && member_id != 0) {
    dpb::GetMemberRequest req;
    req.set_community_id(community_id);
    req.set_member_id(member_id);
    dpb::Member m;
    grpc::ClientContext ctx;
    zone_client->Prepare(&ctx, 10);
    if (zone_client->directory()->GetMember(&ctx, req, &m).ok() && !m.display_name().empty()) {
      name = absl::StrCat(m.display_name(), " (", m.member_number(), ")");
    }
  }
  return (*names)[key] = name;
}

absl::TimeZone ShownZone() {
  if (!Zone()) {
    Zone() = {absl::UTCTimeZone(), "UTC"};
    uint64_t id = absl::GetFlag(FLAGS_community);
    if (id == 0 && zone_client != nullptr && zone_client->principal()) {
      id = zone_client->principal()->community_id();
    }
    if (id != 0 && zone_client != nullptr) {
      dpb::GetCommunityRequest req;
      req.set_community_id(id);
      dpb::Community community;
      grpc::ClientContext ctx;
      zone_client->Prepare(&ctx, 10);
      absl::TimeZone tz;
      if (zone_client->directory()->GetCommunity(&ctx, req, &community).ok() &&
          absl::LoadTimeZone(community.timezone(), &tz)) {
        Zone() = {tz, community.timezone()};
      }
    }
  }
  return Zone()->first;
}

std::string ShownZoneName() {
  ShownZone();
  return Zone()->second;
}

std::string ShownTime(int64_t unix_seconds) {
  return absl::FormatTime("%Y-%m-%d %H:%M", absl::FromUnixSeconds(unix_seconds), ShownZone());
}

std::string ShownDay(int64_t unix_seconds) {
  return absl::FormatTime("%Y-%m-%d", absl::FromUnixSeconds(unix_seconds), ShownZone());
}

uint64_t CurrentCommunity(Client& c) {
  uint64_t id = absl::GetFlag(FLAGS_community);
  if (id == 0 && c.principal()) id = c.principal()->community_id();
  if (id == 0) Die("say which community: --community=N");
  return id;
}

std::string EnumWord(const std::string& enum_name, size_t prefix_length) {
  std::string s = enum_name.substr(std::min(prefix_length, enum_name.size()));
  for (char& ch : s) ch = ch == '_' ? '-' : static_cast<char>(std::tolower(ch));
  return s;
}

::timebank::ledger::v1::CoproductionType ParseCoproduction(const std::string& type) {
  if (type.empty()) return ::timebank::ledger::v1::COPRODUCTION_TYPE_UNSPECIFIED;
  if (type == "co-commission") return ::timebank::ledger::v1::COPRODUCTION_TYPE_CO_COMMISSION;
  if (type == "co-design") return ::timebank::ledger::v1::COPRODUCTION_TYPE_CO_DESIGN;
  if (type == "co-delivery") return ::timebank::ledger::v1::COPRODUCTION_TYPE_CO_DELIVERY;
  if (type == "co-assessment") return ::timebank::ledger::v1::COPRODUCTION_TYPE_CO_ASSESSMENT;
  Die("--coproduction: co-commission, co-design, co-delivery or co-assessment");
}

}  // namespace timebank::cli
