#include "services/timebankd/rewards_module.h"

#include "services/rewards/rewards_service.h"
#include "storage/check.h"

namespace timebank {

absl::Status RewardsModule::Open(NodeContext& ctx) {
  TB_ASSIGN_OR_RETURN(store_, OpenRecordsStore(ctx, "rewards"));
  const Clock* clock = ctx.options->clock;
  peers_ = std::make_unique<GrpcPeers>(ctx.keyring, "rewards", clock);
  projection_ = std::make_unique<rewards::RewardsProjection>(store_.get(), peers_.get());
  if (ctx.options->rewards_rebuild) TB_RETURN_IF_ERROR(projection_->Wipe());
  TB_RETURN_IF_ERROR(projection_->Open());
  annotations_ = std::make_unique<rewards::AnnotationBook>(store_.get(), peers_.get(), clock);
  book_ = std::make_unique<rewards::RewardsBook>(projection_.get(), annotations_.get(),
                                                 peers_.get(), clock);
  badges_ = std::make_unique<rewards::BadgeDesk>(projection_.get(), peers_.get(), clock);
  pauses_ = std::make_unique<rewards::PauseDesk>(projection_.get(), peers_.get(), clock);
  member_data_ = std::make_unique<rewards::MemberDataDesk>(projection_.get(), book_.get(), clock);
  thanks_ = std::make_unique<rewards::ThanksDesk>(projection_.get(), peers_.get(), clock);
  notices_ = std::make_unique<rewards::NoticeDesk>(projection_.get(), peers_.get());
  leaderboard_ = std::make_unique<rewards::Leaderboard>(projection_.get(), peers_.get(), clock);
  // The follower exists from Open so the service can hand rebuilds to it; it starts
  // reading once the server listens (Connect).
  follower_ = std::make_unique<rewards::JournalFollower>(projection_.get(), ctx.keyring, clock);
  TB_ASSIGN_OR_RETURN(std::string base_url,
                      rewards::CredentialBook::NormaliseBaseUrl(ctx.options->public_base_url));
  credentials_ = std::make_unique<rewards::CredentialBook>(store_.get(), peers_.get(), clock,
                                                           std::move(base_url));
  return absl::OkStatus();
}

std::vector<std::unique_ptr<grpc::Service>> RewardsModule::Services() {
  std::vector<std::unique_ptr<grpc::Service>> out;
  out.push_back(std::make_unique<rewards::RewardsServiceImpl>(
      book_.get(), annotations_.get(), badges_.get(), projection_.get(), follower_.get(),
      leaderboard_.get(), credentials_.get(), pauses_.get(), member_data_.get(), thanks_.get(),
      notices_.get()));
  return out;
}

absl::Status RewardsModule::Connect(NodeContext& ctx) {
  ConnectLedgerAndDirectory(ctx, peers_.get());
  follower_->Start(ctx.Peer("ledger", ctx.options->ledger_address));
  // Needs met (the noticeboard's requests and offers) come from the activity events;
  // without an activity service the dashboards count none.
  if (ctx.Hosts("activity") || !ctx.options->activity_address.empty()) {
    follower_->FollowActivity(ctx.Peer("activity", ctx.options->activity_address));
  }
  return absl::OkStatus();
}

}  // namespace timebank
