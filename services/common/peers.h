// What services need from each other: the directory (members, communities,
// organisations) and the ledger (posting transfers, opening accounts), as interfaces
// that service cores take and tests fake (GrpcPeers implements them over gRPC).
#ifndef TIMEBANK_SERVICES_COMMON_PEERS_H_
#define TIMEBANK_SERVICES_COMMON_PEERS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "timebank/activity/v1/activity.pb.h"
#include "timebank/directory/v1/directory.pb.h"
#include "timebank/ledger/v1/ledger.pb.h"

namespace timebank {

// What services need from the directory.
class People {
 public:
  virtual ~People() = default;
  // NOT_FOUND if the member is not in the community.
  virtual absl::StatusOr<::timebank::directory::v1::Member> Member(uint64_t community_id,
                                                                   uint64_t member_id) = 0;
  virtual absl::StatusOr<::timebank::directory::v1::Community> Community(uint64_t community_id) = 0;
  // Members by number (at most 1,000), in order; nullopt where no member of
  // the community has that number.
  virtual absl::StatusOr<std::vector<std::optional<::timebank::directory::v1::Member>>>
  MembersByNumber(uint64_t community_id, const std::vector<std::string>& member_numbers) = 0;
  // Members by id (at most 1,000), in order; nullopt where the community has no such
  // member. By default one Member() call each; GrpcPeers asks once.
  virtual absl::StatusOr<std::vector<std::optional<::timebank::directory::v1::Member>>> MembersById(
      uint64_t community_id, const std::vector<uint64_t>& member_ids);
  // NOT_FOUND if the organisation is not in the community.
  virtual absl::StatusOr<::timebank::directory::v1::Organisation> Organisation(
      uint64_t community_id, uint64_t organisation_id) = 0;
};

inline absl::StatusOr<std::vector<std::optional<::timebank::directory::v1::Member>>>
People::MembersById(uint64_t community_id, const std::vector<uint64_t>& member_ids) {
  std::vector<std::optional<::timebank::directory::v1::Member>> out;
  out.reserve(member_ids.size());
  for (uint64_t id : member_ids) {
    absl::StatusOr<::timebank::directory::v1::Member> m = Member(community_id, id);
    if (absl::IsNotFound(m.status())) {
      out.emplace_back();
    } else if (!m.ok()) {
      return m.status();
    } else {
      out.emplace_back(*std::move(m));
    }
  }
  return out;
}

// Opening ledger accounts: what a service needs that only opens them (the directory).
// Ok: one result per account, in order. An error status means the ledger could not be
// reached, or refused the whole call (LedgerPoster::IsRefusal tells which); opening
// is idempotent, so a retry is safe.
class LedgerAccountsClient {
 public:
  virtual ~LedgerAccountsClient() = default;
  virtual absl::StatusOr<std::vector<::timebank::ledger::v1::CreateAccountResult>> OpenAccounts(
      const std::vector<::timebank::ledger::v1::Account>& accounts) = 0;
};

// Posting transfers to the ledger. Ok: one result per transfer, in order. An error
// status means the ledger could not be reached, or refused the whole call; posting is
// idempotent (by transfer id), so a retry is safe.
class LedgerTransfersClient {
 public:
  virtual ~LedgerTransfersClient() = default;
  virtual absl::StatusOr<std::vector<::timebank::ledger::v1::CreateTransferResult>> Post(
      const std::vector<::timebank::ledger::v1::Transfer>& transfers) = 0;
};

// What services that post transfers need from the ledger: both (activity, expenses).
class LedgerClient : public LedgerAccountsClient, public LedgerTransfersClient {};

// What services need from the activity service: one activity, to check a reference
// to it (an expense caused by a contribution or an exchange). NOT_FOUND if it is not
// in the community; UNAVAILABLE if the activity service cannot be reached.
class ActivityLookup {
 public:
  virtual ~ActivityLookup() = default;
  virtual absl::StatusOr<::timebank::activity::v1::Activity> Activity(uint64_t community_id,
                                                                      uint64_t activity_id) = 0;
};

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_COMMON_PEERS_H_
