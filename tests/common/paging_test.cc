// PageBuilder, the one place that decides whether a list has another page and where
// it starts, and the page tokens it makes.
#include "services/common/paging.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace timebank {
namespace {

// Scans positions 1..n (keeping those `keep` accepts) into one page, as a core does.
Page<int> Scan(int n, size_t page_size, size_t scan_max, uint64_t after = 0,
               bool (*keep)(int) = nullptr) {
  PageBuilder<int> page(page_size, scan_max);
  for (int i = static_cast<int>(after) + 1; i <= n; ++i) {
    if (!page.Visit(i)) break;
    if (keep && !keep(i)) continue;
    page.Add(i);
  }
  return std::move(page).Finish();
}

TEST(PageBuilderTest, AFullPageWithMoreBehindItEndsAtItsLastItem) {
  Page<int> p = Scan(10, 4, 1000);
  EXPECT_EQ(p.items, (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(p.next_after, 4u);
}

TEST(PageBuilderTest, ALastPageThatIsExactlyFullHasNoToken) {
  Page<int> p = Scan(8, 4, 1000, 4);
  EXPECT_EQ(p.items, (std::vector<int>{5, 6, 7, 8}));
  EXPECT_FALSE(p.next_after.has_value());
  EXPECT_EQ(p.NextPageToken(), "");
}

TEST(PageBuilderTest, EntriesTheFilterSkipsAfterAFullPageDoNotMakeAnotherPage) {
  auto small = [](int i) { return i <= 3; };
  Page<int> p = Scan(100, 3, 1000, 0, small);
  EXPECT_EQ(p.items, (std::vector<int>{1, 2, 3}));
  EXPECT_FALSE(p.next_after.has_value());
  auto even = [](int i) { return i % 2 == 0; };
  p = Scan(100, 3, 1000, 0, even);
  EXPECT_EQ(p.items, (std::vector<int>{2, 4, 6}));
  EXPECT_EQ(p.next_after, 6u);  // resumes after the last item, not after the one that proved more
}

TEST(PageBuilderTest, ASpentScanBudgetResumesAfterTheLastEntryExamined) {
  auto rare = [](int i) { return i % 10 == 0; };
  Page<int> p = Scan(100, 5, 25, 0, rare);
  EXPECT_EQ(p.items, (std::vector<int>{10, 20}));
  EXPECT_EQ(p.next_after, 25u);
  p = Scan(100, 5, 25, 25, rare);
  EXPECT_EQ(p.items, (std::vector<int>{30, 40, 50}));
  EXPECT_EQ(p.next_after, 50u);
}

TEST(PageBuilderTest, WalkingEveryPageReturnsEveryItemOnce) {
  for (size_t page_size : {1u, 3u, 7u, 10u, 11u}) {
    std::vector<int> all;
    uint64_t after = 0;
    int pages = 0;
    while (true) {
      Page<int> p = Scan(30, page_size, 1000, after);
      all.insert(all.end(), p.items.begin(), p.items.end());
      ++pages;
      if (!p.next_after) break;
      after = *p.next_after;
    }
    ASSERT_EQ(all.size(), 30u) << page_size;
    for (int i = 0; i < 30; ++i) EXPECT_EQ(all[i], i + 1);
    EXPECT_EQ(pages, static_cast<int>((30 + page_size - 1) / page_size));
  }
}

TEST(PageTokenTest, TokensCarryTheirPositionAndNothingElseIsAccepted) {
  Page<int, uint64_t> ids;
  ids.next_after = 42;
  absl::StatusOr<IdPage> id = ReadIdPage(7, ids.NextPageToken());
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->after_id, 42u);
  EXPECT_EQ(id->size, 7u);
  Page<int, std::string> keys;
  keys.next_after = "c1.m5";
  absl::StatusOr<KeyPage> key = ReadKeyPage(0, keys.NextPageToken());
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->after_key, "c1.m5");
  EXPECT_EQ(key->size, kDefaultListPageSize);
  EXPECT_EQ(ReadIdPage(0, "p1.zz").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadIdPage(0, keys.NextPageToken()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadIdPage(1001, "").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace timebank
