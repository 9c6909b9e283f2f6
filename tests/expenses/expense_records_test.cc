// The expenses schema on the record kit: every key builder makes the bytes already on
// disk (the layout before the kit), and etags are the digests already handed out, so
// an existing data directory opens unchanged and a client's etag stays current.
#include "services/expenses/expense_records.h"

#include <string>

#include "gtest/gtest.h"
#include "services/common/auth/token.h"
#include "storage/bytes.h"
#include "storage/mem_store.h"

namespace timebank::expenses {
namespace {

// The keys as the expenses service wrote them before the record kit.
std::string OldWithU64(std::string key, uint64_t v) {
  storage::PutU64(&key, v);
  return key;
}
std::string OldStatePrefix(uint64_t c, xpb::ClaimState state) {
  std::string k = storage::KeyU64('s', c);
  storage::PutU8(&k, static_cast<uint8_t>(state));
  return k;
}
constexpr uint64_t kMax = ~uint64_t{0};

TEST(ExpenseRecordsTest, KeysAreTheBytesAlreadyOnDisk) {
  EXPECT_EQ(PolicyKey(3), storage::KeyU64('P', 3));
  EXPECT_EQ(ClaimKey(3, 9), storage::KeyU64U64('C', 3, 9));
  EXPECT_EQ(AllPrefix(3), storage::KeyU64('a', 3));
  EXPECT_EQ(MemberPrefix(3, 11), storage::KeyU64U64('m', 3, 11));
  EXPECT_EQ(StatePrefix(3, xpb::CLAIM_STATE_SUBMITTED),
            OldStatePrefix(3, xpb::CLAIM_STATE_SUBMITTED));
  EXPECT_EQ(StateKey(3, xpb::CLAIM_STATE_APPROVED, 9),
            OldWithU64(OldStatePrefix(3, xpb::CLAIM_STATE_APPROVED), 9));
  std::string month = storage::KeyU64U64('M', 3, 11);
  storage::PutI64(&month, 202612);
  EXPECT_EQ(MonthKey(3, 11, 202612), month);
  EXPECT_EQ(BatchKey(3, 4), storage::KeyU64U64('B', 3, 4));
  EXPECT_EQ(BatchesPrefix(3), storage::KeyU64('b', 3));
  EXPECT_EQ(ReceiptKey(3, 5), storage::KeyU64U64('F', 3, 5));
  const std::string sha = auth::Sha256("receipt bytes");
  EXPECT_EQ(HashPrefix(3, sha), storage::KeyU64('h', 3) + sha);
  EXPECT_EQ(HashKey(3, sha, 9), OldWithU64(storage::KeyU64('h', 3) + sha, 9));
  EXPECT_EQ(ClaimRequestKey(3, 11, "r-1"), storage::KeyStr('Q', "create:3:11:r-1"));
  EXPECT_EQ(BatchRequestKey(3, "r-1"), storage::KeyStr('Q', "batch:3:r-1"));
  EXPECT_EQ(ClaimRequestKey(3, 11, ""), "");
  EXPECT_EQ(ExpenseRecords::Remember(3, 9), storage::KeyU64U64('x', 3, 9).substr(1));
  EXPECT_EQ(ExpenseRecords::RememberedId(ExpenseRecords::Remember(3, 9)), 9u);
}

TEST(ExpenseRecordsTest, NewIndexEntriesSortTheNewestFirstAsBefore) {
  storage::MemStore store{1};
  ExpenseRecords records(&store);
  records::Tx tx = records.NewTx();
  xpb::Claim claim;
  claim.set_community_id(3);
  claim.set_id(9);
  claim.set_claimant_member_id(11);
  records.IndexNewClaim(tx, claim);
  xpb::PaymentBatch batch;
  batch.set_community_id(3);
  batch.set_id(4);
  records.IndexNewBatch(tx, batch);
  ASSERT_TRUE(tx.Commit().ok());
  std::string v;
  EXPECT_TRUE(*records.Committed().Get(storage::KeyU64U64('a', 3, kMax - 9), &v));
  EXPECT_TRUE(*records.Committed().Get(OldWithU64(storage::KeyU64U64('m', 3, 11), kMax - 9), &v));
  EXPECT_TRUE(*records.Committed().Get(storage::KeyU64U64('b', 3, kMax - 4), &v));
}

TEST(ExpenseRecordsTest, EtagsAreTheDigestsAlreadyHandedOut) {
  storage::MemStore store{1};
  ExpenseRecords records(&store);
  xpb::Claim claim;
  claim.set_community_id(3);
  claim.set_id(9);
  claim.set_title("Bus fares");
  claim.set_state(xpb::CLAIM_STATE_APPROVED);
  claim.set_posting_state(xpb::POSTING_STATE_POSTED);
  claim.set_ledger_result("refused: why");
  claim.set_etag("stale");
  {
    records::Tx tx = records.NewTx();
    records.PutClaim(tx, claim, xpb::CLAIM_STATE_UNSPECIFIED);
    ASSERT_TRUE(tx.Commit().ok());
  }
  // The old etag: the claim without etag, posting state and ledger result.
  xpb::Claim decided = claim;
  decided.clear_etag();
  decided.clear_posting_state();
  decided.clear_ledger_result();
  const std::string old_etag =
      storage::ToHex(auth::Sha256(decided.SerializeAsString()).substr(0, 8));
  EXPECT_EQ(claim.etag(), old_etag);
  absl::StatusOr<xpb::Claim> stored = records.LoadClaim(records.Committed(), 3, 9);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->SerializeAsString(), claim.SerializeAsString());
  EXPECT_EQ(records.LoadClaim(records.Committed(), 3, 10).status().message(),
            "claim 10 does not exist");

  xpb::Policy policy;
  policy.set_community_id(3);
  policy.set_max_claim_minor(500);
  records::Tx tx = records.NewTx();
  records.PutPolicy(tx, policy);
  xpb::Policy unsealed = policy;
  unsealed.clear_etag();
  EXPECT_EQ(policy.etag(), storage::ToHex(auth::Sha256(unsealed.SerializeAsString()).substr(0, 8)));
  // Read-your-writes: the policy is visible in the change before it commits.
  EXPECT_TRUE(records.LoadPolicy(tx, 3).ok());
  EXPECT_EQ(records.LoadPolicy(records.Committed(), 3).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(ExpenseRecordsTest, ScanResumesAfterAPositionAndStopsAtThePrefix) {
  storage::MemStore store{1};
  ExpenseRecords records(&store);
  records::Tx tx = records.NewTx();
  for (uint64_t id : {1, 2, 3}) {
    xpb::Claim claim;
    claim.set_community_id(3);
    claim.set_id(id);
    claim.set_claimant_member_id(11);
    records.IndexNewClaim(tx, claim);
  }
  xpb::Claim other;  // another community's claim is never met
  other.set_community_id(4);
  other.set_id(7);
  records.IndexNewClaim(tx, other);
  ASSERT_TRUE(tx.Commit().ok());
  std::vector<uint64_t> ids;
  uint64_t second_position = 0;
  ASSERT_TRUE(records
                  .Scan(ExpenseRecords::All(3), 0,
                        [&](uint64_t position, uint64_t id) -> absl::StatusOr<bool> {
                          ids.push_back(id);
                          if (ids.size() == 2) second_position = position;
                          return true;
                        })
                  .ok());
  EXPECT_EQ(ids, (std::vector<uint64_t>{3, 2, 1}));
  ids.clear();
  ASSERT_TRUE(records
                  .Scan(ExpenseRecords::All(3), second_position,
                        [&](uint64_t, uint64_t id) -> absl::StatusOr<bool> {
                          ids.push_back(id);
                          return true;
                        })
                  .ok());
  EXPECT_EQ(ids, (std::vector<uint64_t>{1}));
}

}  // namespace
}  // namespace timebank::expenses
