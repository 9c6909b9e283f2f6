#include "services/directory/erasure_targets_grpc.h"

#include <google/protobuf/util/json_util.h>

#include <chrono>

#include "absl/strings/str_cat.h"
#include "services/common/auth/token.h"
#include "services/common/grpc_util.h"
#include "services/common/paging.h"
#include "storage/check.h"
#include "timebank/activity/v1/activity.grpc.pb.h"
#include "timebank/expenses/v1/expenses.grpc.pb.h"
#include "timebank/ledger/v1/ledger.grpc.pb.h"
#include "timebank/rewards/v1/rewards.grpc.pb.h"

namespace timebank::directory {
namespace {

namespace lpb = ::timebank::ledger::v1;
namespace rpb = ::timebank::rewards::v1;

// Calls one service's erasure RPC `method` on `stub` for member `m` of community `c`
// (every such request names the two ids and nothing else).
template <typename Stub, typename Req, typename Resp>
absl::Status CallErase(Stub* stub,
                       grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                       grpc::ClientContext* ctx, uint64_t c, uint64_t m) {
  Req req;
  req.set_community_id(c);
  req.set_member_id(m);
  Resp resp;
  return FromGrpc((stub->*method)(ctx, req, &resp));
}

}  // namespace

void GrpcErasureTargets::Connect(ErasureTarget target, std::shared_ptr<grpc::Channel> channel) {
  absl::MutexLock lock(&mu_);
  channels_[target] = std::move(channel);
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> GrpcErasureTargets::ChannelFor(
    ErasureTarget target) {
  absl::MutexLock lock(&mu_);
  auto it = channels_.find(target);
  if (it == channels_.end() || it->second == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("not connected to the ", ErasureTargetName(target), " service yet"));
  }
  return it->second;
}

absl::StatusOr<std::string> GrpcErasureTargets::ExportJson(ErasureTarget target, uint64_t c,
                                                           uint64_t m) {
  if (target != ErasureTarget::kRewards) return absl::UnimplementedError("nothing to export");
  TB_ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, ChannelFor(target));
  auto stub = rpb::RewardsService::NewStub(channel);
  rpb::ExportMemberRewardsRequest req;
  req.set_community_id(c);
  req.set_member_id(m);
  req.set_page_size(static_cast<int>(kMaxListPageSize));
  // The first page holds the summary and badges; every page adds its notes.
  rpb::MemberRewardsExport resp;
  do {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    auth::AddBearer(&ctx, auth::MintServiceToken(*keyring_, "directory", clock_->NowUnixSeconds()));
    rpb::MemberRewardsExport page;
    TB_RETURN_IF_ERROR(FromGrpc(stub->ExportMemberRewards(&ctx, req, &page)));
    req.set_page_token(page.next_page_token());
    page.clear_next_page_token();
    resp.MergeFrom(page);
  } while (!req.page_token().empty());
  google::protobuf::util::JsonPrintOptions opts;
  opts.add_whitespace = true;
  opts.preserve_proto_field_names = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(resp, &json, opts).ok()) {
    return absl::InternalError("the rewards export could not be written as JSON");
  }
  return json;
}

absl::Status GrpcErasureTargets::Erase(ErasureTarget target, uint64_t c, uint64_t m) {
  TB_ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, ChannelFor(target));
  grpc::ClientContext ctx;
  // Erasing purges the service's files, which takes a while on a large store.
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  auth::AddBearer(&ctx, auth::MintServiceToken(*keyring_, "directory", clock_->NowUnixSeconds()));
  switch (target) {
    case ErasureTarget::kLedger:
      return CallErase(lpb::LedgerService::NewStub(channel).get(),
                       &lpb::LedgerService::Stub::EraseMemberTexts, &ctx, c, m);
    case ErasureTarget::kActivity:
      return CallErase(::timebank::activity::v1::ActivityService::NewStub(channel).get(),
                       &::timebank::activity::v1::ActivityService::Stub::EraseMemberData, &ctx, c,
                       m);
    case ErasureTarget::kExpenses:
      return CallErase(::timebank::expenses::v1::ExpensesService::NewStub(channel).get(),
                       &::timebank::expenses::v1::ExpensesService::Stub::EraseMemberData, &ctx, c,
                       m);
    case ErasureTarget::kRewards:
      return CallErase(rpb::RewardsService::NewStub(channel).get(),
                       &rpb::RewardsService::Stub::EraseMemberRewards, &ctx, c, m);
    case ErasureTarget::kDirectory:
      break;
  }
  return absl::InvalidArgumentError("the directory erases its own store itself");
}

}  // namespace timebank::directory
