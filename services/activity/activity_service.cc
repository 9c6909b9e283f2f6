#include "services/activity/activity_service.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/auth/auth_interceptor.h"
#include "services/common/auth/token.h"
#include "services/common/grpc_util.h"
#include "services/common/paging.h"
#include "storage/check.h"

namespace timebank::activity {
namespace {

namespace dpb = ::timebank::directory::v1;
namespace lpb = ::timebank::ledger::v1;

dpb::Principal Caller(const grpc::ServerContext& ctx) {
  std::optional<dpb::Principal> p = auth::CallerOf(ctx);
  return p ? *p : dpb::Principal();
}

}  // namespace

absl::StatusOr<size_t> PumpActivity(ActivityBook* book) {
  // Settling may queue postings; failures are retried next round like posting.
  if (absl::StatusOr<size_t> settled = book->SettleUnanswered(); !settled.ok()) {
    std::fprintf(stderr, "activity: settling unanswered exchanges failed: %s\n",
                 settled.status().ToString().c_str());
  }
  return book->Dispatch();
}

grpc::Status ActivityServiceImpl::ReplyNamed(const grpc::ServerContext& ctx,
                                             absl::StatusOr<apb::Activity> r, apb::Activity* out) {
  if (r.ok()) namer_.NameActivities(Caller(ctx), {&*r});
  return Reply(std::move(r), out);
}

grpc::Status ActivityServiceImpl::ReplyNamed(const grpc::ServerContext&,
                                             absl::StatusOr<apb::Post> r, apb::Post* out) {
  if (r.ok()) namer_.NamePosts({&*r});
  return Reply(std::move(r), out);
}

grpc::Status ActivityServiceImpl::ReplyNamedAndWake(const grpc::ServerContext& ctx,
                                                    absl::StatusOr<apb::Activity> r,
                                                    apb::Activity* out) {
  grpc::Status s = ReplyNamed(ctx, std::move(r), out);
  dispatcher_->Wake();
  return s;
}

grpc::Status ActivityServiceImpl::LogContributions(grpc::ServerContext* ctx,
                                                   const apb::LogContributionsRequest* req,
                                                   apb::LogContributionsResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  absl::StatusOr<std::vector<apb::Activity>> r = book_->LogContributions(Caller(*ctx), *req);
  if (!r.ok()) return ToGrpc(r.status());
  for (apb::Activity& a : *r) *resp->add_activities() = std::move(a);
  namer_.NameActivities(Caller(*ctx), ItemsOf(resp->mutable_activities()));
  dispatcher_->Wake();
  return grpc::Status::OK;
}

grpc::Status ActivityServiceImpl::ImportContributions(grpc::ServerContext* ctx,
                                                      const apb::ImportContributionsRequest* req,
                                                      apb::ImportContributionsResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  absl::StatusOr<std::vector<apb::ImportRowResult>> r =
      book_->ImportContributions(Caller(*ctx), *req);
  if (!r.ok()) return ToGrpc(r.status());
  dispatcher_->Wake();
  if (req->wait_ms() > 0 && !req->dry_run()) {
    absl::Status waited =
        book_->AwaitPosting(req->community_id(), &*r, absl::Milliseconds(req->wait_ms()));
    if (!waited.ok()) return ToGrpc(waited);
  }
  for (apb::ImportRowResult& x : *r) *resp->add_results() = std::move(x);
  return grpc::Status::OK;
}

grpc::Status ActivityServiceImpl::ReportContribution(grpc::ServerContext* ctx,
                                                     const apb::ReportContributionRequest* req,
                                                     apb::Activity* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return ReplyNamed(*ctx, book_->ReportContribution(Caller(*ctx), *req), resp);
}

grpc::Status ActivityServiceImpl::ReviewContribution(grpc::ServerContext* ctx,
                                                     const apb::ReviewContributionRequest* req,
                                                     apb::Activity* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return ReplyNamedAndWake(*ctx, book_->ReviewContribution(Caller(*ctx), *req), resp);
}

grpc::Status ActivityServiceImpl::RecordExchange(grpc::ServerContext* ctx,
                                                 const apb::RecordExchangeRequest* req,
                                                 apb::Activity* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return ReplyNamed(*ctx, book_->RecordExchange(Caller(*ctx), *req), resp);
}

grpc::Status ActivityServiceImpl::RecordGroupSession(grpc::ServerContext* ctx,
                                                     const apb::RecordGroupSessionRequest* req,
                                                     apb::RecordGroupSessionResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  absl::StatusOr<std::vector<apb::Activity>> r = book_->RecordGroupSession(Caller(*ctx), *req);
  if (!r.ok()) return ToGrpc(r.status());
  for (apb::Activity& a : *r) *resp->add_exchanges() = std::move(a);
  namer_.NameActivities(Caller(*ctx), ItemsOf(resp->mutable_exchanges()));
  return grpc::Status::OK;
}

grpc::Status ActivityServiceImpl::RespondToExchange(grpc::ServerContext* ctx,
                                                    const apb::RespondToExchangeRequest* req,
                                                    apb::Activity* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return ReplyNamedAndWake(*ctx, book_->RespondToExchange(Caller(*ctx), *req), resp);
}

grpc::Status ActivityServiceImpl::ResolveDispute(grpc::ServerContext* ctx,
                                                 const apb::ResolveDisputeRequest* req,
                                                 apb::Activity* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return ReplyNamedAndWake(*ctx, book_->ResolveDispute(Caller(*ctx), *req), resp);
}

grpc::Status ActivityServiceImpl::GetActivitySettings(grpc::ServerContext* ctx,
                                                      const apb::GetActivitySettingsRequest* req,
                                                      apb::ActivitySettings* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(book_->GetSettings(req->community_id()), resp);
}

grpc::Status ActivityServiceImpl::UpdateActivitySettings(
    grpc::ServerContext* ctx, const apb::UpdateActivitySettingsRequest* req,
    apb::ActivitySettings* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(book_->UpdateSettings(Caller(*ctx), req->settings()), resp);
}

grpc::Status ActivityServiceImpl::RetryPosting(grpc::ServerContext* ctx,
                                               const apb::RetryPostingRequest* req,
                                               apb::Activity* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return ReplyNamedAndWake(*ctx, book_->RetryPosting(Caller(*ctx), *req), resp);
}

grpc::Status ActivityServiceImpl::ListTasks(grpc::ServerContext* ctx,
                                            const apb::ListTasksRequest* req,
                                            apb::ListTasksResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  absl::StatusOr<IdPage> page = ReadIdPage(req->page_size(), req->page_token());
  if (!page.ok()) return ToGrpc(page.status());
  grpc::Status s =
      ReplyPage(book_->ListTasks(Caller(*ctx), req->community_id(), page->after_id, page->size),
                resp->mutable_tasks(), resp);
  if (s.ok()) {
    std::vector<apb::Activity*> activities;
    for (apb::Task& t : *resp->mutable_tasks()) activities.push_back(t.mutable_activity());
    namer_.NameActivities(Caller(*ctx), activities);
  }
  return s;
}

grpc::Status ActivityServiceImpl::ReverseActivity(grpc::ServerContext* ctx,
                                                  const apb::ReverseActivityRequest* req,
                                                  apb::Activity* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return ReplyNamedAndWake(*ctx, book_->ReverseActivity(Caller(*ctx), *req), resp);
}

grpc::Status ActivityServiceImpl::CreatePost(grpc::ServerContext* ctx,
                                             const apb::CreatePostRequest* req, apb::Post* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return ReplyNamed(*ctx, book_->CreatePost(Caller(*ctx), req->post(), req->request_id()), resp);
}

grpc::Status ActivityServiceImpl::ClosePost(grpc::ServerContext* ctx,
                                            const apb::ClosePostRequest* req, apb::Post* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return ReplyNamed(*ctx, book_->ClosePost(Caller(*ctx), req->community_id(), req->post_id()),
                    resp);
}

grpc::Status ActivityServiceImpl::SearchPosts(grpc::ServerContext* ctx,
                                              const apb::SearchPostsRequest* req,
                                              apb::SearchPostsResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  absl::StatusOr<IdPage> page = ReadIdPage(req->page_size(), req->page_token());
  if (!page.ok()) return ToGrpc(page.status());
  grpc::Status s =
      ReplyPage(book_->SearchPosts(*req, page->after_id, page->size), resp->mutable_posts(), resp);
  if (s.ok()) namer_.NamePosts(ItemsOf(resp->mutable_posts()));
  return s;
}

grpc::Status ActivityServiceImpl::SendPostMessage(grpc::ServerContext* ctx,
                                                  const apb::SendPostMessageRequest* req,
                                                  apb::PostMessage* resp) {
  TB_RETURN_IF_DENIED(ctx);
  absl::StatusOr<apb::PostMessage> m = book_->SendPostMessage(Caller(*ctx), *req);
  if (m.ok()) namer_.NameMessages({&*m});
  return Reply(std::move(m), resp);
}

grpc::Status ActivityServiceImpl::ListPostMessages(grpc::ServerContext* ctx,
                                                   const apb::ListPostMessagesRequest* req,
                                                   apb::ListPostMessagesResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  absl::StatusOr<IdPage> page = ReadIdPage(req->page_size(), req->page_token());
  if (!page.ok()) return ToGrpc(page.status());
  grpc::Status s =
      ReplyPage(book_->ListPostMessages(Caller(*ctx), *req, page->after_id, page->size),
                resp->mutable_messages(), resp);
  if (s.ok()) namer_.NameMessages(ItemsOf(resp->mutable_messages()));
  return s;
}

grpc::Status ActivityServiceImpl::Donate(grpc::ServerContext* ctx, const apb::DonateRequest* req,
                                         apb::Activity* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return ReplyNamedAndWake(*ctx, book_->Donate(Caller(*ctx), *req), resp);
}

grpc::Status ActivityServiceImpl::Redeem(grpc::ServerContext* ctx, const apb::RedeemRequest* req,
                                         apb::Activity* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return ReplyNamedAndWake(*ctx, book_->Redeem(Caller(*ctx), *req), resp);
}

grpc::Status ActivityServiceImpl::WatchActivity(grpc::ServerContext* ctx,
                                                const apb::WatchActivityRequest* req,
                                                grpc::ServerWriter<apb::ActivityEvent>* writer) {
  TB_RETURN_IF_DENIED(ctx);
  constexpr size_t kBatch = 1000;
  uint64_t next = std::max<uint64_t>(req->from_seq(), 1);
  while (!ctx->IsCancelled()) {
    absl::StatusOr<std::vector<apb::ActivityEvent>> events = book_->ReadEvents(next, kBatch);
    if (!events.ok()) return ToGrpc(events.status());
    for (const apb::ActivityEvent& e : *events) {
      if (!writer->Write(e)) return grpc::Status::CANCELLED;
      next = e.seq() + 1;
    }
    if (events->size() < kBatch) book_->WaitForEvent(next - 1, absl::Milliseconds(500));
  }
  return grpc::Status::CANCELLED;
}

grpc::Status ActivityServiceImpl::GetActivity(grpc::ServerContext* ctx,
                                              const apb::GetActivityRequest* req,
                                              apb::Activity* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return ReplyNamed(*ctx, book_->GetActivity(Caller(*ctx), req->community_id(), req->activity_id()),
                    resp);
}

grpc::Status ActivityServiceImpl::ListActivities(grpc::ServerContext* ctx,
                                                 const apb::ListActivitiesRequest* req,
                                                 apb::ListActivitiesResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  absl::StatusOr<IdPage> page = ReadIdPage(req->page_size(), req->page_token());
  if (!page.ok()) return ToGrpc(page.status());
  grpc::Status s = ReplyPage(book_->ListActivities(Caller(*ctx), *req, page->after_id, page->size),
                             resp->mutable_activities(), resp);
  if (s.ok()) namer_.NameActivities(Caller(*ctx), ItemsOf(resp->mutable_activities()));
  return s;
}

grpc::Status ActivityServiceImpl::EraseMemberData(grpc::ServerContext* ctx,
                                                  const apb::EraseMemberDataRequest* req,
                                                  apb::EraseMemberDataResponse* resp) {
  TB_RETURN_IF_DENIED(ctx);
  return Reply(book_->EraseMember(req->community_id(), req->member_id()), resp);
}

}  // namespace timebank::activity
