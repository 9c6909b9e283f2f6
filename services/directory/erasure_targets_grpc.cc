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
  auto stub = ::timebank::rewards::v1::RewardsService::NewStub(channel);
  ::timebank::rewards::v1::ExportMemberRewardsRequest req;
  req.set_community_id(c);
  req.set_member_id(m);
  req.set_page_size(static_cast<int>(kMaxListPageSize));
  // The first page holds the summary and badges; every page adds its notes.
  ::timebank::rewards::v1::MemberRewardsExport resp;
  do {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    auth::AddBearer(&ctx, auth::MintServiceToken(*keyring_, "directory", clock_->NowUnixSeconds()));
    ::timebank::rewards::v1::MemberRewardsExport page;
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
    case ErasureTarget::kLedger: {
      lpb::EraseMemberTextsRequest req;
      req.set_community_id(c);
      req.set_member_id(m);
      lpb::EraseMemberTextsResponse resp;
      return FromGrpc(lpb::LedgerService::NewStub(channel)->EraseMemberTexts(&ctx, req, &resp));
    }
    case ErasureTarget::kActivity: {
      ::timebank::activity::v1::EraseMemberDataRequest req;
      req.set_community_id(c);
      req.set_member_id(m);
      ::timebank::activity::v1::EraseMemberDataResponse resp;
      return FromGrpc(::timebank::activity::v1::ActivityService::NewStub(channel)->EraseMemberData(
          &ctx, req, &resp));
    }
    case ErasureTarget::kExpenses: {
      ::timebank::expenses::v1::EraseMemberDataRequest req;
      req.set_community_id(c);
      req.set_member_id(m);
      ::timebank::expenses::v1::EraseMemberDataResponse resp;
      return FromGrpc(::timebank::expenses::v1::ExpensesService::NewStub(channel)->EraseMemberData(
          &ctx, req, &resp));
    }
    case ErasureTarget::kRewards: {
      ::timebank::rewards::v1::EraseMemberRewardsRequest req;
      req.set_community_id(c);
      req.set_member_id(m);
      ::timebank::rewards::v1::EraseMemberRewardsResponse resp;
      return FromGrpc(::timebank::rewards::v1::RewardsService::NewStub(channel)->EraseMemberRewards(
          &ctx, req, &resp));
    }
    case ErasureTarget::kDirectory:
      break;
  }
  return absl::InvalidArgumentError("the directory erases its own store itself");
}

}  // namespace timebank::directory
