// The client side of a timebank connection, safe for clients (tbctl) to include: a
// channel with the server's message limits, and the bearer credential on a call.
// Server plumbing (services/common/server.h, auth/auth_interceptor.h) builds on it.
#ifndef TIMEBANK_SERVICES_COMMON_CLIENT_CHANNEL_H_
#define TIMEBANK_SERVICES_COMMON_CLIENT_CHANNEL_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

namespace timebank {

// The largest message either side sends or accepts.
inline constexpr int kMaxMessageBytes = 32 << 20;

// Client-side channel with the same message limits as the server.
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target);

namespace auth {
// Adds "authorization: Bearer <token>" (nothing for an empty token).
void AddBearer(grpc::ClientContext* ctx, const std::string& token);
}  // namespace auth

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_COMMON_CLIENT_CHANNEL_H_
