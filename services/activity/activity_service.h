// gRPC adapter of the activity service (synchronous API: calls consult the directory
// first), the directory and ledger clients the ActivityBook needs, and the dispatcher
// thread that drains the outbox into the ledger with backoff while it is unreachable.
#ifndef TIMEBANK_SERVICES_ACTIVITY_ACTIVITY_SERVICE_H_
#define TIMEBANK_SERVICES_ACTIVITY_ACTIVITY_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "services/activity/activity_book.h"
#include "services/activity/member_names.h"
#include "services/common/auth/keyring.h"
#include "services/common/grpc_peers.h"
#include "services/common/outbox_pump.h"
#include "timebank/activity/v1/activity.grpc.pb.h"
#include "timebank/directory/v1/directory.grpc.pb.h"
#include "timebank/ledger/v1/ledger.grpc.pb.h"

namespace timebank::activity {

// The activity outbox's pump: settles unanswered exchanges and posts what waits.
absl::StatusOr<size_t> PumpActivity(ActivityBook* book);

class ActivityServiceImpl final : public apb::ActivityService::Service {
 public:
  // `people` names the members in replies (MemberNamer).
  ActivityServiceImpl(ActivityBook* book, OutboxPump* dispatcher, People* people)
      : book_(book), dispatcher_(dispatcher), namer_(people) {}

  grpc::Status LogContributions(grpc::ServerContext*, const apb::LogContributionsRequest*,
                                apb::LogContributionsResponse*) override;
  grpc::Status ImportContributions(grpc::ServerContext*, const apb::ImportContributionsRequest*,
                                   apb::ImportContributionsResponse*) override;
  grpc::Status ReportContribution(grpc::ServerContext*, const apb::ReportContributionRequest*,
                                  apb::Activity*) override;
  grpc::Status ReviewContribution(grpc::ServerContext*, const apb::ReviewContributionRequest*,
                                  apb::Activity*) override;
  grpc::Status RecordExchange(grpc::ServerContext*, const apb::RecordExchangeRequest*,
                              apb::Activity*) override;
  grpc::Status RecordGroupSession(grpc::ServerContext*, const apb::RecordGroupSessionRequest*,
                                  apb::RecordGroupSessionResponse*) override;
  grpc::Status RespondToExchange(grpc::ServerContext*, const apb::RespondToExchangeRequest*,
                                 apb::Activity*) override;
  grpc::Status GetActivitySettings(grpc::ServerContext*, const apb::GetActivitySettingsRequest*,
                                   apb::ActivitySettings*) override;
  grpc::Status UpdateActivitySettings(grpc::ServerContext*,
                                      const apb::UpdateActivitySettingsRequest*,
                                      apb::ActivitySettings*) override;
  grpc::Status RetryPosting(grpc::ServerContext*, const apb::RetryPostingRequest*,
                            apb::Activity*) override;
  grpc::Status ListTasks(grpc::ServerContext*, const apb::ListTasksRequest*,
                         apb::ListTasksResponse*) override;
  grpc::Status ResolveDispute(grpc::ServerContext*, const apb::ResolveDisputeRequest*,
                              apb::Activity*) override;
  grpc::Status ReverseActivity(grpc::ServerContext*, const apb::ReverseActivityRequest*,
                               apb::Activity*) override;
  grpc::Status CreatePost(grpc::ServerContext*, const apb::CreatePostRequest*, apb::Post*) override;
  grpc::Status ClosePost(grpc::ServerContext*, const apb::ClosePostRequest*, apb::Post*) override;
  grpc::Status SearchPosts(grpc::ServerContext*, const apb::SearchPostsRequest*,
                           apb::SearchPostsResponse*) override;
  grpc::Status SendPostMessage(grpc::ServerContext*, const apb::SendPostMessageRequest*,
                               apb::PostMessage*) override;
  grpc::Status ListPostMessages(grpc::ServerContext*, const apb::ListPostMessagesRequest*,
                                apb::ListPostMessagesResponse*) override;
  grpc::Status Donate(grpc::ServerContext*, const apb::DonateRequest*, apb::Activity*) override;
  grpc::Status Redeem(grpc::ServerContext*, const apb::RedeemRequest*, apb::Activity*) override;
  grpc::Status WatchActivity(grpc::ServerContext*, const apb::WatchActivityRequest*,
                             grpc::ServerWriter<apb::ActivityEvent>*) override;
  grpc::Status GetActivity(grpc::ServerContext*, const apb::GetActivityRequest*,
                           apb::Activity*) override;
  grpc::Status ListActivities(grpc::ServerContext*, const apb::ListActivitiesRequest*,
                              apb::ListActivitiesResponse*) override;
  grpc::Status EraseMemberData(grpc::ServerContext*, const apb::EraseMemberDataRequest*,
                               apb::EraseMemberDataResponse*) override;

 private:
  // Replies with the members named; ...AndWake also wakes the dispatcher, as the
  // change may have queued a posting.
  grpc::Status ReplyNamed(const grpc::ServerContext& ctx, absl::StatusOr<apb::Activity> r,
                          apb::Activity* out);
  grpc::Status ReplyNamed(const grpc::ServerContext& ctx, absl::StatusOr<apb::Post> r,
                          apb::Post* out);
  grpc::Status ReplyNamedAndWake(const grpc::ServerContext& ctx, absl::StatusOr<apb::Activity> r,
                                 apb::Activity* out);
  ActivityBook* const book_;
  OutboxPump* const dispatcher_;
  MemberNamer namer_;
};

}  // namespace timebank::activity

#endif  // TIMEBANK_SERVICES_ACTIVITY_ACTIVITY_SERVICE_H_
