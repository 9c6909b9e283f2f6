#include "services/common/auth/auth_interceptor.h"

#include <google/protobuf/descriptor.h>
#include <grpcpp/support/client_interceptor.h>

#include <algorithm>
#include <atomic>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "services/common/auth/access_policy.h"
#include "services/common/auth/token.h"
#include "services/common/request_check.h"
#include "services/common/server.h"
#include "services/common/text_fields.h"
#include "storage/absl_compat.h"
#include "storage/check.h"

namespace timebank::auth {
namespace {

namespace dpb = ::timebank::directory::v1;

// Metadata the interceptor writes for the handler. Keys a client sends with this
// prefix are deleted first, so a client cannot forge a decision.
constexpr std::string_view kDecisionPrefix = "x-tb-";
constexpr char kDecisionKey[] = "x-tb-access";
constexpr char kPrincipalKey[] = "x-tb-principal";
constexpr int64_t kKeyringReloadS = 5;

using MetadataMap = std::multimap<grpc::string_ref, grpc::string_ref>;

// Metadata that can carry a credential: the bearer token, and its binary form, which
// some gRPC clients send instead. More than one of them on a call is ambiguous.
bool IsCredentialHeader(std::string_view key) {
  return key == "authorization" || key == "authorization-bin";
}

// What the interceptor knows of a method before its request arrives: its access rule,
// the edge check of its request type, and that type's name. Built once, for every
// method the access table names; any other method has no rule and no check.
struct MethodInfo {
  const AccessRule* rule = nullptr;
  const RequestCheck* check = nullptr;  // null when the request type has nothing to check
  std::string request_type;             // "timebank.ledger.v1.ListAccountsRequest"
};

const MethodInfo& FindMethodInfo(std::string_view method) {
  static const auto* table = [] {
    auto* t = new absl::flat_hash_map<std::string, MethodInfo>();
    for (const AccessRule& rule : AccessTable()) {
      MethodInfo& info = (*t)[rule.method];
      info.rule = &rule;
      // "/timebank.ledger.v1.LedgerService/ListAccounts" -> "...LedgerService.ListAccounts"
      std::string name = rule.method.substr(1);
      std::replace(name.begin(), name.end(), '/', '.');
      const google::protobuf::MethodDescriptor* m =
          google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(name);
      if (m == nullptr) continue;
      info.request_type = m->input_type()->full_name();
      const RequestCheck* check = RequestCheck::For(m->input_type());
      if (!check->empty()) info.check = check;
    }
    return t;
  }();
  static const MethodInfo* unknown = new MethodInfo();
  auto it = table->find(AsAbsl(method));
  return it == table->end() ? *unknown : it->second;
}

// Tokens verified recently: a client sends the same token with every call, so a hit
// costs a hash lookup instead of base64, an HMAC and a parse. Entries are checked for
// expiry and revocation on every use, and dropped when the keyring changes.
class VerifiedTokens {
 public:
  struct Entry {
    dpb::TokenClaims claims;
    std::string principal_bytes;
    uint64_t keyring_generation = 0;
  };
  static std::shared_ptr<const Entry> MakeEntry(dpb::TokenClaims claims, uint64_t generation) {
    Entry e;
    e.principal_bytes = claims.principal().SerializeAsString();
    e.claims = std::move(claims);
    e.keyring_generation = generation;
    return std::make_shared<const Entry>(std::move(e));
  }
  std::shared_ptr<const Entry> Find(std::string_view token, uint64_t generation) {
    absl::ReaderMutexLock lock(&mu_);
    auto it = map_.find(AsAbsl(token));
    if (it == map_.end() || it->second->keyring_generation != generation) return nullptr;
    return it->second;
  }
  void Put(std::string_view token, std::shared_ptr<const Entry> e) {
    absl::MutexLock lock(&mu_);
    if (map_.size() >= kMaxEntries) map_.clear();  // bounded; refills from live traffic
    map_.insert_or_assign(std::string(token), std::move(e));
  }

 private:
  static constexpr size_t kMaxEntries = 50'000;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const Entry>> map_ ABSL_GUARDED_BY(mu_);
};

class AccessInterceptor final : public grpc::experimental::Interceptor {
 public:
  AccessInterceptor(Keyring* keyring, const Revocations* revocations, const Clock* clock,
                    VerifiedTokens* cache, const char* method, const MethodInfo* info)
      : keyring_(keyring),
        revocations_(revocations),
        clock_(clock),
        cache_(cache),
        method_(method),
        rule_(info->rule),
        info_(info) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      metadata_ = methods->GetRecvInitialMetadata();
      Authenticate();
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE)) {
      // Not const: the text rule normalises the request's text in place (CheckRequest).
      auto* request = static_cast<google::protobuf::Message*>(methods->GetRecvMessage());
      // No message here means gRPC could not parse the bytes: the handler will not run
      // and gRPC answers INTERNAL (synchronous handlers) or UNIMPLEMENTED (callback
      // ones), which tells the client nothing true. The status is replaced below.
      undecodable_ = request == nullptr;
      Authorise(request);
    }
    if (undecodable_ &&
        methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const absl::Status s = UndecodableStatus();
      methods->ModifySendStatus(
          grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message())));
    }
    methods->Proceed();
  }

 private:
  void Authenticate() {
    if (metadata_ == nullptr) return;
    std::string_view bearer;
    int credentials = 0;
    for (auto it = metadata_->begin(); it != metadata_->end();) {
      const std::string_view key(it->first.data(), it->first.size());
      if (key.substr(0, kDecisionPrefix.size()) == kDecisionPrefix) {
        it = metadata_->erase(it);
        continue;
      }
      if (IsCredentialHeader(key)) {
        ++credentials;
        bearer = std::string_view(it->second.data(), it->second.size());
      }
      ++it;
    }
    if (credentials == 0) return;
    // Two credentials could speak for two people: never guess which one counts.
    if (credentials > 1) {
      auth_error_ = absl::UnauthenticatedError(
          absl::StrCat("the call carries ", credentials,
                       " authorization headers; send exactly one (\"Bearer <access token>\")"));
      return;
    }
    if (CarriesOwnCredential(rule_)) {
      auth_error_ = absl::UnauthenticatedError(
          "this call carries its own credential in the request (a password, API key, refresh "
          "token or setup code); send it without an authorization header, so that exactly "
          "one credential speaks for the call");
      return;
    }
    constexpr std::string_view kScheme = "Bearer ";
    if (bearer.substr(0, kScheme.size()) != kScheme) {
      auth_error_ = absl::UnauthenticatedError(
          "the authorization header must be \"Bearer <access token>\"; sign in with tbctl login");
      return;
    }
    const std::string_view token = bearer.substr(kScheme.size());
    const int64_t now_ms = absl::ToUnixMillis(clock_->Now());
    const int64_t now_s = now_ms / 1000;
    const uint64_t generation = keyring_->generation();
    std::shared_ptr<const VerifiedTokens::Entry> entry = cache_->Find(token, generation);
    if (entry == nullptr) {
      absl::StatusOr<dpb::TokenClaims> claims = VerifyToken(*keyring_, token, now_s);
      if (!claims.ok()) {
        auth_error_ = claims.status();
        return;
      }
      entry = VerifiedTokens::MakeEntry(std::move(*claims), generation);
      cache_->Put(token, entry);
    } else if (entry->claims.expires_at_s() <= now_s - kClockSkewS) {
      auth_error_ = absl::UnauthenticatedError(
          "the access token has expired; refresh it or sign in again (tbctl login)");
      return;
    }
    switch (revocations_->Check(entry->claims, now_ms)) {
      case Revocations::Verdict::kCurrent:
        break;
      case Revocations::Verdict::kRevoked:
        auth_error_ = absl::UnauthenticatedError(
            "this session was signed out or its roles changed; sign in again (tbctl login)");
        return;
      case Revocations::Verdict::kUnknown:
        auth_error_ = absl::UnavailableError(
            "this server cannot check with the directory whether your session was signed "
            "out (it has not heard from it for a few seconds, or was started without "
            "--directory_address); retry shortly");
        return;
    }
    entry_ = std::move(entry);
  }

  // Decides access, then (for a caller who may make the call) checks the request's
  // shape and text (CheckRequest), and records the decision for CheckAccess.
  void Authorise(google::protobuf::Message* request) {
    absl::Status s = auth_error_;
    if (s.ok()) s = Decide(rule_, method_, entry_ ? &entry_->claims.principal() : nullptr, request);
    if (s.ok()) s = CheckRequest(request);
    decision_ = s.ok() ? "" : absl::StrCat(static_cast<int>(s.code()), ":", s.message());
    if (metadata_ == nullptr) return;
    metadata_->emplace(grpc::string_ref(kDecisionKey), grpc::string_ref(decision_));
    if (s.ok() && entry_) {
      metadata_->emplace(grpc::string_ref(kPrincipalKey),
                         grpc::string_ref(entry_->principal_bytes));
    }
  }

  // The edge check of a request, after access, so only callers who may call the method
  // learn what is wrong with it: every enum and time holds a value its type allows
  // (services/common/request_check.h), then every human-readable field follows the text
  // rule and is normalised in place before the handler sees it (services/common/
  // text_fields.h). Either refusal is INVALID_ARGUMENT naming the field's path.
  absl::Status CheckRequest(google::protobuf::Message* request) const {
    if (request == nullptr) return absl::OkStatus();
    if (info_->check != nullptr) {
      absl::Status shape = info_->check->Check(*request);
      if (!shape.ok()) return shape;
    }
    return NormaliseRequestText(request);
  }

  // The answer to a request that could not be parsed: a caller who must sign in is
  // told that first; everyone else, what is wrong with the bytes.
  absl::Status UndecodableStatus() const {
    if (!auth_error_.ok()) return auth_error_;
    absl::Status access =
        Decide(rule_, method_, entry_ ? &entry_->claims.principal() : nullptr, nullptr);
    if (access.code() == absl::StatusCode::kUnauthenticated) return access;
    return absl::InvalidArgumentError(absl::StrCat(
        "the request could not be decoded as ",
        info_->request_type.empty() ? "this method's request message" : info_->request_type,
        ": its bytes are not a valid encoding of that message (cut short, a length past the "
        "end, text that is not UTF-8, or nested too deeply); build it from timebank's published "
        ".proto files with a protobuf library"));
  }

  Keyring* const keyring_;
  const Revocations* const revocations_;
  const Clock* const clock_;
  VerifiedTokens* const cache_;
  const char* const method_;
  const AccessRule* const rule_;
  const MethodInfo* const info_;
  bool undecodable_ = false;
  MetadataMap* metadata_ = nullptr;
  absl::Status auth_error_;
  std::shared_ptr<const VerifiedTokens::Entry> entry_;  // set when authenticated
  std::string decision_;
};

class AccessInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  AccessInterceptorFactory(Keyring* keyring, const Revocations* revocations, const Clock* clock)
      : keyring_(keyring), revocations_(revocations), clock_(clock) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    const int64_t now_s = clock_->NowUnixSeconds();
    int64_t last = last_reload_s_.load(std::memory_order_relaxed);
    if (now_s - last >= kKeyringReloadS &&
        last_reload_s_.compare_exchange_strong(last, now_s, std::memory_order_relaxed)) {
      keyring_->ReloadIfChanged();
    }
    return new AccessInterceptor(keyring_, revocations_, clock_, &cache_, info->method(),
                                 &FindMethodInfo(info->method()));
  }

 private:
  Keyring* const keyring_;
  const Revocations* const revocations_;
  const Clock* const clock_;
  VerifiedTokens cache_;
  std::atomic<int64_t> last_reload_s_{0};
};

std::optional<std::string_view> Find(const grpc::ServerContextBase& ctx, std::string_view key) {
  const auto& md = ctx.client_metadata();
  auto it = md.find(grpc::string_ref(key.data(), key.size()));
  if (it == md.end()) return std::nullopt;
  return std::string_view(it->second.data(), it->second.size());
}

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeAccessInterceptorFactory(
    Keyring* keyring, const Revocations* revocations, const Clock* clock) {
  TB_CHECK(clock != nullptr);
  return std::make_unique<AccessInterceptorFactory>(keyring, revocations, clock);
}

grpc::Status CheckAccess(const grpc::ServerContextBase& ctx) {
  std::optional<std::string_view> d = Find(ctx, kDecisionKey);
  if (!d) {
    return grpc::Status(grpc::StatusCode::INTERNAL,
                        "the server's access check did not run; the call was refused");
  }
  if (d->empty()) return grpc::Status::OK;
  const size_t colon = d->find(':');
  int code = grpc::StatusCode::PERMISSION_DENIED;
  if (colon != std::string_view::npos) {
    if (!absl::SimpleAtoi(absl::string_view(d->data(), colon), &code)) {
      code = grpc::StatusCode::PERMISSION_DENIED;
    }
  }
  return grpc::Status(static_cast<grpc::StatusCode>(code),
                      std::string(colon == std::string_view::npos ? *d : d->substr(colon + 1)));
}

std::optional<dpb::Principal> CallerOf(const grpc::ServerContextBase& ctx) {
  std::optional<std::string_view> bytes = Find(ctx, kPrincipalKey);
  if (!bytes) return std::nullopt;
  dpb::Principal p;
  if (!p.ParseFromArray(bytes->data(), static_cast<int>(bytes->size()))) return std::nullopt;
  return p;
}

namespace {

class BearerInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit BearerInterceptor(const std::string* header) : header_(header) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->insert({"authorization", *header_});
    }
    methods->Proceed();
  }

 private:
  const std::string* header_;
};

class BearerInterceptorFactory final
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit BearerInterceptorFactory(const std::string& token)
      : header_(absl::StrCat("Bearer ", token)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new BearerInterceptor(&header_);
  }

 private:
  const std::string header_;
};

}  // namespace

std::shared_ptr<grpc::Channel> MakeTokenChannel(const std::string& target,
                                                const std::string& token) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> creators;
  creators.push_back(std::make_unique<BearerInterceptorFactory>(token));
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      target, grpc::InsecureChannelCredentials(), args, std::move(creators));
}

}  // namespace timebank::auth
