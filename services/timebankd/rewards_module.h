// The rewards service as a node module: its store under <data_dir>/rewards, the
// projection of the ledger's journal and the follower that keeps it up, the
// RewardsService, and a store checkpoint for backups. It needs the ledger (whose
// journal it follows) and the directory (communities' timezones and names, members).
#ifndef TIMEBANK_SERVICES_TIMEBANKD_REWARDS_MODULE_H_
#define TIMEBANK_SERVICES_TIMEBANKD_REWARDS_MODULE_H_

#include <memory>
#include <vector>

#include "services/common/grpc_peers.h"
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
#include "services/timebankd/module.h"

namespace timebank {

class RewardsModule final : public ServiceModule {
 public:
  const char* name() const override { return "rewards"; }
  absl::Status CheckPeers(const NodeContext& ctx) const override {
    return NeedLedgerAndDirectory(ctx, "rewards");
  }
  absl::Status Open(NodeContext& ctx) override;
  std::vector<std::unique_ptr<grpc::Service>> Services() override;
  std::vector<system::BackupTarget> Backups() override {
    return {StoreBackup("rewards", store_.get())};
  }
  absl::Status Connect(NodeContext& ctx) override;
  // The follower stops before the server; the service keeps answering from the store.
  void StopPumps() override {
    if (follower_ != nullptr) follower_->Stop();
  }
  storage::KvStore* records_store() const override { return store_.get(); }
  rewards::RewardsProjection* projection() const { return projection_.get(); }
  rewards::JournalFollower* follower() const { return follower_.get(); }

 private:
  std::unique_ptr<storage::KvStore> store_;
  std::unique_ptr<GrpcPeers> peers_;
  std::unique_ptr<rewards::RewardsProjection> projection_;
  std::unique_ptr<rewards::AnnotationBook> annotations_;
  std::unique_ptr<rewards::RewardsBook> book_;
  std::unique_ptr<rewards::BadgeDesk> badges_;
  std::unique_ptr<rewards::JournalFollower> follower_;
  std::unique_ptr<rewards::Leaderboard> leaderboard_;
  std::unique_ptr<rewards::CredentialBook> credentials_;
  std::unique_ptr<rewards::PauseDesk> pauses_;
  std::unique_ptr<rewards::MemberDataDesk> member_data_;
  std::unique_ptr<rewards::ThanksDesk> thanks_;
  std::unique_ptr<rewards::NoticeDesk> notices_;
};

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_TIMEBANKD_REWARDS_MODULE_H_
