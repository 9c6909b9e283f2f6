#include "services/rewards/rewards_service.h"

#include "absl/cleanup/cleanup.h"
#include "services/common/auth/auth_interceptor.h"
#include "services/common/grpc_util.h"

namespace timebank::rewards {
namespace {

namespace dpb = ::timebank::directory::v1;

// A rebuild of ten million entries takes about as many seconds as it has 100,000s.
constexpr absl::Duration kRebuildWait = absl::Minutes(10);

dpb::Principal Caller(const grpc::ServerContext& ctx) {
  std::optional<dpb::Principal> p = auth::CallerOf(ctx);
  return p ? *p : dpb::Principal();
}

absl::StatusOr<xpb::ProjectionStatus> StatusOf(RewardsProjection* projection) {
  TB_ASSIGN_OR_RETURN(ProjectionDigest d, projection->Digest());
  xpb::ProjectionStatus out;
  out.set_journal_seq(d.journal_seq);
  out.set_digest_hex(d.digest_hex);
  out.set_records(d.records);
  return out;
}

}  // namespace

grpc::Status RewardsServiceImpl::GetMemberSummary(grpc::ServerContext* ctx,
                                                  const xpb::GetMemberSummaryRequest* req,
                                                  xpb::MemberSummary* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(book_->MemberSummary(Caller(*ctx), req->community_id(), req->member_id()), resp);
}

grpc::Status RewardsServiceImpl::GetDashboard(grpc::ServerContext* ctx,
                                              const xpb::GetDashboardRequest* req,
                                              xpb::Dashboard* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(book_->Dashboard(*req), resp);
}

grpc::Status RewardsServiceImpl::AnnotateChange(grpc::ServerContext* ctx,
                                                const xpb::AnnotateChangeRequest* req,
                                                xpb::Annotation* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(annotations_->Annotate(Caller(*ctx), req->annotation(), req->request_id()), resp);
}

grpc::Status RewardsServiceImpl::GetProjectionStatus(grpc::ServerContext* ctx,
                                                     const xpb::GetProjectionStatusRequest*,
                                                     xpb::ProjectionStatus* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(StatusOf(projection_), resp);
}

grpc::Status RewardsServiceImpl::RebuildProjection(grpc::ServerContext* ctx,
                                                   const xpb::RebuildProjectionRequest*,
                                                   xpb::ProjectionStatus* resp) {
  TB_RETURN_IF_DENIED(ctx);
  const absl::Time began = absl::Now();
  if (absl::Status s = follower_->Rebuild(kRebuildWait); !s.ok()) return ToGrpc(s);
  const double seconds = absl::ToDoubleSeconds(absl::Now() - began);
  absl::StatusOr<xpb::ProjectionStatus> status = StatusOf(projection_);
  if (status.ok()) status->set_rebuild_s(seconds);
  return Reply(std::move(status), resp);
}

grpc::Status RewardsServiceImpl::ListBadges(grpc::ServerContext* ctx,
                                            const xpb::ListBadgesRequest* req,
                                            xpb::ListBadgesResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(badges_->List(Caller(*ctx), *req), resp);
}

grpc::Status RewardsServiceImpl::HideBadge(grpc::ServerContext* ctx,
                                           const xpb::HideBadgeRequest* req,
                                           xpb::EarnedBadge* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(badges_->Hide(Caller(*ctx), *req), resp);
}

grpc::Status RewardsServiceImpl::GetBadgeRules(grpc::ServerContext* ctx,
                                               const xpb::GetBadgeRulesRequest* req,
                                               xpb::BadgeRulesInForce* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(badges_->Rules(req->community_id()), resp);
}

grpc::Status RewardsServiceImpl::SetBadgeRules(grpc::ServerContext* ctx,
                                               const xpb::SetBadgeRulesRequest* req,
                                               xpb::BadgeRulesInForce* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(badges_->SetRules(Caller(*ctx), *req), resp);
}

grpc::Status RewardsServiceImpl::ListLeaderboard(grpc::ServerContext* ctx,
                                                 const xpb::ListLeaderboardRequest* req,
                                                 xpb::ListLeaderboardResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(leaderboard_->List(*req), resp);
}

grpc::Status RewardsServiceImpl::ExportCredential(grpc::ServerContext* ctx,
                                                  const xpb::ExportCredentialRequest* req,
                                                  xpb::ExportedCredential* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(
      credentials_->Export(Caller(*ctx), req->community_id(), req->member_id(), req->badge_id()),
      resp);
}

grpc::Status RewardsServiceImpl::GetIssuerKeys(grpc::ServerContext* ctx,
                                               const xpb::GetIssuerKeysRequest* req,
                                               xpb::IssuerKeys* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(credentials_->Keys(req->community_id()), resp);
}

grpc::Status RewardsServiceImpl::GetRevocationList(grpc::ServerContext* ctx,
                                                   const xpb::GetRevocationListRequest* req,
                                                   xpb::RevocationList* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(credentials_->Revocations(req->community_id()), resp);
}

grpc::Status RewardsServiceImpl::RotateIssuerKey(grpc::ServerContext* ctx,
                                                 const xpb::RotateIssuerKeyRequest* req,
                                                 xpb::RotatedIssuerKey* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(credentials_->Rotate(req->community_id()), resp);
}

grpc::Status RewardsServiceImpl::PauseStreak(grpc::ServerContext* ctx,
                                             const xpb::PauseStreakRequest* req,
                                             xpb::StreakPause* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(pauses_->Pause(Caller(*ctx), *req), resp);
}

grpc::Status RewardsServiceImpl::EndStreakPause(grpc::ServerContext* ctx,
                                                const xpb::EndStreakPauseRequest* req,
                                                xpb::StreakPause* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(pauses_->End(Caller(*ctx), *req), resp);
}

grpc::Status RewardsServiceImpl::ExportMemberRewards(grpc::ServerContext* ctx,
                                                     const xpb::ExportMemberRewardsRequest* req,
                                                     xpb::MemberRewardsExport* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(member_data_->Export(Caller(*ctx), *req), resp);
}

grpc::Status RewardsServiceImpl::EraseMemberRewards(grpc::ServerContext* ctx,
                                                    const xpb::EraseMemberRewardsRequest* req,
                                                    xpb::EraseMemberRewardsResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(member_data_->Erase(Caller(*ctx), *req), resp);
}

grpc::Status RewardsServiceImpl::LeaveThanks(grpc::ServerContext* ctx,
                                             const xpb::LeaveThanksRequest* req,
                                             xpb::ThankYouNote* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(thanks_->Leave(Caller(*ctx), *req), resp);
}

grpc::Status RewardsServiceImpl::ListThanks(grpc::ServerContext* ctx,
                                            const xpb::ListThanksRequest* req,
                                            xpb::ListThanksResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(thanks_->List(Caller(*ctx), *req), resp);
}

grpc::Status RewardsServiceImpl::HideThanks(grpc::ServerContext* ctx,
                                            const xpb::HideThanksRequest* req,
                                            xpb::ThankYouNote* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(thanks_->Hide(Caller(*ctx), *req), resp);
}

grpc::Status RewardsServiceImpl::WatchRecognition(
    grpc::ServerContext* ctx, const xpb::WatchRecognitionRequest* req,
    grpc::ServerWriter<xpb::RecognitionNotice>* writer) {
  TB_RETURN_IF_DENIED(ctx);
  absl::StatusOr<NoticeScope> scope = notices_->Scope(Caller(*ctx), *req);
  if (!scope.ok()) return ToGrpc(scope.status());
  if (req->follow()) {
    const dpb::Principal caller = Caller(*ctx);
    if (absl::Status s = notices_->BeginFollowing(caller); !s.ok()) return ToGrpc(s);
    absl::Cleanup end = [&] { notices_->EndFollowing(caller); };
    return Stream(ctx, req, *scope, writer);
  }
  return Stream(ctx, req, *scope, writer);
}

grpc::Status RewardsServiceImpl::Stream(grpc::ServerContext* ctx,
                                        const xpb::WatchRecognitionRequest* req,
                                        const NoticeScope& scope,
                                        grpc::ServerWriter<xpb::RecognitionNotice>* writer) {
  // A following client learns at once that its stream is open, before any notice.
  if (req->follow()) writer->SendInitialMetadata();
  uint64_t after_seq = req->from_seq();
  while (!ctx->IsCancelled()) {
    // Noted before the read: a step committed after it wakes the wait below.
    const uint64_t published = notices_->published();
    absl::StatusOr<NoticeBatch> batch = notices_->Next(scope, after_seq);
    if (!batch.ok()) return ToGrpc(batch.status());
    for (const xpb::RecognitionNotice& n : batch->notices) {
      if (!writer->Write(n)) return grpc::Status::CANCELLED;
    }
    after_seq = batch->last_seq;
    if (batch->full) continue;
    if (!req->follow()) return grpc::Status::OK;
    notices_->AwaitPublished(published, NoticeDesk::kFollowWait);
  }
  return grpc::Status::CANCELLED;
}

}  // namespace timebank::rewards
