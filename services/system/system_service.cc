#include "services/system/system_service.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "services/common/auth/auth_interceptor.h"
#include "services/common/grpc_util.h"
#include "services/common/text_rule.h"

namespace timebank::system {
namespace {
constexpr size_t kMaxPathBytes = 1024;
constexpr char kVersion[] = "0.1.0";
}  // namespace

SystemServiceImpl::SystemServiceImpl(std::vector<std::string> services,
                                     std::vector<BackupTarget> backups, WorkerPool* pool,
                                     const Clock* clock)
    : services_(std::move(services)),
      backups_(std::move(backups)),
      pool_(pool),
      clock_(clock),
      started_(clock->Now()) {}

grpc::ServerUnaryReactor* SystemServiceImpl::Ping(grpc::CallbackServerContext* ctx,
                                                  const pb::PingRequest* req,
                                                  pb::PingResponse* resp) {
  auto* reactor = ctx->DefaultReactor();
  TB_FINISH_IF_DENIED(ctx, reactor);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* SystemServiceImpl::GetServerInfo(grpc::CallbackServerContext* ctx,
                                                           const pb::GetServerInfoRequest* req,
                                                           pb::GetServerInfoResponse* resp) {
  auto* reactor = ctx->DefaultReactor();
  TB_FINISH_IF_DENIED(ctx, reactor);
  resp->set_version(kVersion);
  for (const auto& s : services_) resp->add_services(s);
  resp->set_uptime_s(absl::ToInt64Seconds(clock_->Now() - started_));
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* SystemServiceImpl::CreateBackup(grpc::CallbackServerContext* ctx,
                                                          const pb::CreateBackupRequest* req,
                                                          pb::CreateBackupResponse* resp) {
  auto* reactor = ctx->DefaultReactor();
  TB_FINISH_IF_DENIED(ctx, reactor);
  namespace fs = std::filesystem;
  const std::string& dir = req->dir();
  std::error_code ec;
  // A path is bytes: the text rule's characters are refused, but it is not normalised.
  std::string normalised;
  bool changed = false;
  if (std::optional<TextProblem> p = ApplyTextRule(dir, {kMaxPathBytes}, &normalised, &changed);
      p && p->kind != TextProblem::Kind::kTooLong) {
    reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                 DescribeTextProblem("dir", *p, {kMaxPathBytes})));
    return reactor;
  }
  if (dir.empty() || dir.size() > kMaxPathBytes || !fs::path(dir).is_absolute()) {
    reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                 "dir: an absolute path on the server, at most 1024 bytes"));
    return reactor;
  }
  if (fs::exists(dir, ec)) {
    reactor->Finish(grpc::Status(grpc::StatusCode::ALREADY_EXISTS,
                                 absl::StrCat("dir: ", dir, " already exists; choose a new one")));
    return reactor;
  }
  const bool queued = pool_->TrySubmit([this, reactor, resp, dir] {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
      reactor->Finish(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                                   absl::StrCat("cannot create ", dir, ": ", ec.message())));
      return;
    }
    for (const BackupTarget& t : backups_) {
      const std::string path = (fs::path(dir) / t.name).string();
      absl::Status s = t.checkpoint(path);
      if (!s.ok()) {
        reactor->Finish(ToGrpc(s));
        return;
      }
      resp->add_paths(path);
    }
    reactor->Finish(grpc::Status::OK);
  });
  if (!queued) {
    reactor->Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "server busy; retry"));
  }
  return reactor;
}

}  // namespace timebank::system
