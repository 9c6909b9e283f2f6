#include "services/rewards/record_cache.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "services/rewards/rewards_records.h"

namespace timebank::rewards {
namespace {

std::unique_ptr<google::protobuf::Message> CachedGiven(int64_t minutes) {
  auto r = std::make_unique<rpb::MemberRecord>();
  r->set_minutes_given(minutes);
  return r;
}

int64_t CachedGivenOf(const std::unique_ptr<google::protobuf::Message>& m) {
  return static_cast<const rpb::MemberRecord&>(*m).minutes_given();
}

TEST(RecordCacheTest, ARecordTakenIsNoLongerHeldUntilPutBack) {
  RecordCache cache;
  cache.Put(MemberKey(1, 7), CachedGiven(60));
  std::unique_ptr<google::protobuf::Message> r = cache.Take(MemberKey(1, 7));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(CachedGivenOf(r), 60);
  EXPECT_EQ(cache.Take(MemberKey(1, 7)), nullptr);  // a failed step cannot see it again
  EXPECT_EQ(cache.records(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
  cache.Put(MemberKey(1, 7), std::move(r));
  EXPECT_EQ(CachedGivenOf(cache.Take(MemberKey(1, 7))), 60);
}

TEST(RecordCacheTest, APutReplacesTheRecordHeldUnderItsKey) {
  RecordCache cache;
  cache.Put(MemberKey(1, 7), CachedGiven(60));
  cache.Put(MemberKey(1, 7), CachedGiven(90));
  EXPECT_EQ(cache.records(), 1u);
  EXPECT_EQ(CachedGivenOf(cache.Take(MemberKey(1, 7))), 90);
}

TEST(RecordCacheTest, ATransferFactsRecordIsNotKept) {
  RecordCache cache;
  auto facts = std::make_unique<rpb::TransferFacts>();
  facts->set_minutes(60);
  cache.Put(TransferKey("c1.lg.1"), std::move(facts));
  EXPECT_EQ(cache.records(), 0u);
  EXPECT_EQ(cache.Take(TransferKey("c1.lg.1")), nullptr);
}

TEST(RecordCacheTest, StaysWithinItsLimitAndKeepsTheMostRecentlyPut) {
  constexpr size_t kLimitBytes = 64 << 10;
  RecordCache cache(kLimitBytes);
  for (uint64_t m = 1; m <= 10'000; ++m) {
    cache.Put(MemberKey(1, m), CachedGiven(static_cast<int64_t>(m)));
    ASSERT_LE(cache.bytes(), kLimitBytes);
  }
  EXPECT_LT(cache.records(), 10'000u);
  EXPECT_EQ(cache.Take(MemberKey(1, 1)), nullptr);  // the oldest went
  EXPECT_EQ(CachedGivenOf(cache.Take(MemberKey(1, 10'000))), 10'000);
  cache.Clear();
  EXPECT_EQ(cache.records(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
}

}  // namespace
}  // namespace timebank::rewards
