// A member's data export is complete however many thank-you notes they have: the
// directory's ExportMemberData follows ExportMemberRewards' pages to the last, so a
// member with more notes than one page (the directory asks for pages of 1,000) finds
// every one in their export, and no reply of the rewards service holds more than a
// page.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/common/paging.h"
#include "services/rewards/member_data.h"
#include "tests/common/test_util.h"
#include "tests/conformance/conformance_node.h"
#include "timebank/directory/v1/directory.pb.h"
#include "timebank/rewards/v1/rewards.pb.h"

namespace timebank::testing {
namespace {

namespace dpb = ::timebank::directory::v1;
namespace rpb = ::timebank::rewards::v1;

// Non-overlapping occurrences of `needle` in `text`.
size_t Occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

TEST(ExportPagingTest, AMemberWithMoreNotesThanOnePageExportsEveryOne) {
  TempDir dir;
  absl::StatusOr<std::unique_ptr<ConformanceNode>> node = ConformanceNode::Start(dir.Sub("data"));
  ASSERT_TRUE(node.ok()) << node.status();
  absl::StatusOr<TestCommunity> t = (*node)->NewCommunity("Many thanks");
  ASSERT_TRUE(t.ok()) << t.status();
  constexpr int kNotes = static_cast<int>(kMaxListPageSize) + 7;
  absl::StatusOr<std::vector<std::string>> ids = (*node)->ThankedContributions(*t, kNotes);
  ASSERT_TRUE(ids.ok()) << ids.status();

  // The rewards service answers a page at a time, each within a gRPC reply.
  rpb::ExportMemberRewardsRequest req;
  req.set_community_id(t->id);
  req.set_member_id(t->member.subject_id());
  req.set_page_size(static_cast<int>(kMaxListPageSize));
  int notes = 0, pages = 0;
  do {
    rpb::MemberRewardsExport page;
    grpc::Status s = (*node)->Call("/timebank.rewards.v1.RewardsService/ExportMemberRewards", req,
                                   (*node)->TokenFor("svc"), &page);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_LT(page.ByteSizeLong(), rewards::ExportLimits::kGrpcReplyBytesMax);
    EXPECT_EQ(page.has_summary(), pages == 0) << "the summary comes with the first page only";
    notes += page.thank_you_notes_size();
    req.set_page_token(page.next_page_token());
    ASSERT_LT(++pages, 10);
  } while (!req.page_token().empty());
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(notes, kNotes);

  // The member's export through the directory holds every note (each marked received;
  // the summary's latest notes are not).
  dpb::ExportMemberDataRequest ex;
  ex.set_community_id(t->id);
  ex.set_member_id(t->member.subject_id());
  dpb::ExportMemberDataResponse exported;
  grpc::Status s = (*node)->Call("/timebank.directory.v1.DirectoryService/ExportMemberData", ex,
                                 (*node)->TokenFor(t->member), &exported);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(Occurrences(exported.json(), "\"received\": true"), static_cast<size_t>(kNotes));
  EXPECT_TRUE(absl::StrContains(exported.json(), "\"rewards\": {"));
}

}  // namespace
}  // namespace timebank::testing
