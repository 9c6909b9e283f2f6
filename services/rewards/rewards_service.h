// gRPC adapter of the rewards service (synchronous API) over the RewardsBook, the
// projection and its follower.
#ifndef TIMEBANK_SERVICES_REWARDS_REWARDS_SERVICE_H_
#define TIMEBANK_SERVICES_REWARDS_REWARDS_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "services/rewards/annotations.h"
#include "services/rewards/badge_desk.h"
#include "services/rewards/credential_book.h"
#include "services/rewards/journal_follower.h"
#include "services/rewards/leaderboard.h"
#include "services/rewards/member_data.h"
#include "services/rewards/notice_desk.h"
#include "services/rewards/projection.h"
#include "services/rewards/rewards_book.h"
#include "services/rewards/streak_pauses.h"
#include "services/rewards/thank_you_notes.h"
#include "timebank/rewards/v1/rewards.grpc.pb.h"

namespace timebank::rewards {

namespace xpb = ::timebank::rewards::v1;

class RewardsServiceImpl final : public xpb::RewardsService::Service {
 public:
  RewardsServiceImpl(RewardsBook* book, AnnotationBook* annotations, BadgeDesk* badges,
                     RewardsProjection* projection, JournalFollower* follower,
                     Leaderboard* leaderboard, CredentialBook* credentials, PauseDesk* pauses,
                     MemberDataDesk* member_data, ThanksDesk* thanks, NoticeDesk* notices)
      : book_(book),
        annotations_(annotations),
        badges_(badges),
        projection_(projection),
        follower_(follower),
        leaderboard_(leaderboard),
        credentials_(credentials),
        pauses_(pauses),
        member_data_(member_data),
        thanks_(thanks),
        notices_(notices) {}
  grpc::Status GetMemberSummary(grpc::ServerContext*, const xpb::GetMemberSummaryRequest*,
                                xpb::MemberSummary*) override;
  grpc::Status GetDashboard(grpc::ServerContext*, const xpb::GetDashboardRequest*,
                            xpb::Dashboard*) override;
  grpc::Status AnnotateChange(grpc::ServerContext*, const xpb::AnnotateChangeRequest*,
                              xpb::Annotation*) override;
  grpc::Status GetProjectionStatus(grpc::ServerContext*, const xpb::GetProjectionStatusRequest*,
                                   xpb::ProjectionStatus*) override;
  grpc::Status RebuildProjection(grpc::ServerContext*, const xpb::RebuildProjectionRequest*,
                                 xpb::ProjectionStatus*) override;
  grpc::Status ListBadges(grpc::ServerContext*, const xpb::ListBadgesRequest*,
                          xpb::ListBadgesResponse*) override;
  grpc::Status HideBadge(grpc::ServerContext*, const xpb::HideBadgeRequest*,
                         xpb::EarnedBadge*) override;
  grpc::Status GetBadgeRules(grpc::ServerContext*, const xpb::GetBadgeRulesRequest*,
                             xpb::BadgeRulesInForce*) override;
  grpc::Status SetBadgeRules(grpc::ServerContext*, const xpb::SetBadgeRulesRequest*,
                             xpb::BadgeRulesInForce*) override;
  grpc::Status ListLeaderboard(grpc::ServerContext*, const xpb::ListLeaderboardRequest*,
                               xpb::ListLeaderboardResponse*) override;
  grpc::Status ExportCredential(grpc::ServerContext*, const xpb::ExportCredentialRequest*,
                                xpb::ExportedCredential*) override;
  grpc::Status GetIssuerKeys(grpc::ServerContext*, const xpb::GetIssuerKeysRequest*,
                             xpb::IssuerKeys*) override;
  grpc::Status GetRevocationList(grpc::ServerContext*, const xpb::GetRevocationListRequest*,
                                 xpb::RevocationList*) override;
  grpc::Status RotateIssuerKey(grpc::ServerContext*, const xpb::RotateIssuerKeyRequest*,
                               xpb::RotatedIssuerKey*) override;
  grpc::Status PauseStreak(grpc::ServerContext*, const xpb::PauseStreakRequest*,
                           xpb::StreakPause*) override;
  grpc::Status EndStreakPause(grpc::ServerContext*, const xpb::EndStreakPauseRequest*,
                              xpb::StreakPause*) override;
  grpc::Status ExportMemberRewards(grpc::ServerContext*, const xpb::ExportMemberRewardsRequest*,
                                   xpb::MemberRewardsExport*) override;
  grpc::Status EraseMemberRewards(grpc::ServerContext*, const xpb::EraseMemberRewardsRequest*,
                                  xpb::EraseMemberRewardsResponse*) override;
  grpc::Status LeaveThanks(grpc::ServerContext*, const xpb::LeaveThanksRequest*,
                           xpb::ThankYouNote*) override;
  grpc::Status ListThanks(grpc::ServerContext*, const xpb::ListThanksRequest*,
                          xpb::ListThanksResponse*) override;
  grpc::Status HideThanks(grpc::ServerContext*, const xpb::HideThanksRequest*,
                          xpb::ThankYouNote*) override;
  // Sends notices in batches (NoticeDesk); following, waits for new ones until the
  // client cancels or the server stops.
  grpc::Status WatchRecognition(grpc::ServerContext*, const xpb::WatchRecognitionRequest*,
                                grpc::ServerWriter<xpb::RecognitionNotice>*) override;

 private:
  // WatchRecognition's batches, once the caller and scope are checked.
  grpc::Status Stream(grpc::ServerContext* ctx, const xpb::WatchRecognitionRequest* req,
                      const NoticeScope& scope, grpc::ServerWriter<xpb::RecognitionNotice>* writer);

  RewardsBook* const book_;
  AnnotationBook* const annotations_;
  BadgeDesk* const badges_;
  RewardsProjection* const projection_;
  JournalFollower* const follower_;
  Leaderboard* const leaderboard_;
  CredentialBook* const credentials_;
  PauseDesk* const pauses_;
  MemberDataDesk* const member_data_;
  ThanksDesk* const thanks_;
  NoticeDesk* const notices_;
};

}  // namespace timebank::rewards

#endif  // TIMEBANK_SERVICES_REWARDS_REWARDS_SERVICE_H_
