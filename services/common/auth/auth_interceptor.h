// The access interceptor authenticates every call (bearer access token in the
// "authorization" header) and applies the AccessPolicy table to the caller and the
// request message. gRPC C++ server interceptors cannot end a call (docs/decisions/
// 0003), so the interceptor records its decision in the call's metadata, after
// deleting any such entries the client sent, and every handler begins with
// CheckAccess(ctx), which returns the decision. No decision recorded means refused.
// The decision also covers the request's shape and text: once access is granted, every
// enum and time in the request is checked (services/common/request_check.h), so a
// handler never sees an undeclared enum value or an impossible time, and then every
// human-readable field is held to the text rule and normalised in place (services/
// common/text_fields.h). A request gRPC cannot parse never reaches a handler; the
// interceptor answers it INVALID_ARGUMENT (naming the request type) instead of gRPC's
// INTERNAL or UNIMPLEMENTED.
#ifndef TIMEBANK_SERVICES_COMMON_AUTH_AUTH_INTERCEPTOR_H_
#define TIMEBANK_SERVICES_COMMON_AUTH_AUTH_INTERCEPTOR_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "services/common/auth/keyring.h"
#include "services/common/auth/revocations.h"
#include "services/common/client_channel.h"
#include "services/common/clock.h"
#include "timebank/directory/v1/token.pb.h"

namespace timebank::auth {

// `clock` is where token expiry, revocation freshness and keyring reloads read the time.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeAccessInterceptorFactory(
    Keyring* keyring, const Revocations* revocations, const Clock* clock = SystemClock());

// The interceptor's decision for this call: OK, or the status to answer with.
grpc::Status CheckAccess(const grpc::ServerContextBase& ctx);
// The authenticated caller, if any (valid only after CheckAccess returned OK).
std::optional<::timebank::directory::v1::Principal> CallerOf(const grpc::ServerContextBase& ctx);

// Unary callback handlers: finish the call with the refusal and return.
#define TB_FINISH_IF_DENIED(ctx, reactor)                                                    \
  do {                                                                                       \
    if (::grpc::Status tb_denied = ::timebank::auth::CheckAccess(*(ctx)); !tb_denied.ok()) { \
      (reactor)->Finish(tb_denied);                                                          \
      return (reactor);                                                                      \
    }                                                                                        \
  } while (0)

// Synchronous handlers: return the refusal.
#define TB_RETURN_IF_DENIED(ctx)                                                           \
  do {                                                                                     \
    if (::grpc::Status tb_denied = ::timebank::auth::CheckAccess(*(ctx)); !tb_denied.ok()) \
      return tb_denied;                                                                    \
  } while (0)

// Server-streaming handlers: a stream that ends at once with the refusal.
template <class Response>
class RefusedStream final : public grpc::ServerWriteReactor<Response> {
 public:
  explicit RefusedStream(grpc::Status status) { this->Finish(std::move(status)); }
  void OnDone() override { delete this; }
};

// A channel (same limits as MakeChannel) whose every call carries `token`.
std::shared_ptr<grpc::Channel> MakeTokenChannel(const std::string& target,
                                                const std::string& token);

}  // namespace timebank::auth

#endif  // TIMEBANK_SERVICES_COMMON_AUTH_AUTH_INTERCEPTOR_H_
