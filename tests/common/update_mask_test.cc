// The one partial-update rule (AIP-134): only the fields the mask names change, an
// empty mask means the fields the request sets, "*" everything updatable, and a path
// that cannot be changed is refused naming update_mask.
#include "services/common/update_mask.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "timebank/directory/v1/directory.pb.h"
#include "timebank/expenses/v1/expenses.pb.h"

namespace timebank {
namespace {

namespace xpb = ::timebank::expenses::v1;
namespace dpb = ::timebank::directory::v1;

const std::vector<std::string> kPolicyFields = {"categories", "max_claim_minor",
                                                "second_approval_above_minor"};

xpb::Policy Current() {
  xpb::Policy p;
  p.set_community_id(1);
  p.add_categories(xpb::CATEGORY_TRAVEL);
  p.set_max_claim_minor(25'000);
  p.set_second_approval_above_minor(10'000);
  p.set_etag("e1");
  return p;
}

google::protobuf::FieldMask Mask(std::vector<std::string> paths) {
  google::protobuf::FieldMask m;
  for (auto& p : paths) m.add_paths(p);
  return m;
}

TEST(UpdateMaskTest, OnlyTheNamedFieldsChangeAndANamedEmptyFieldIsCleared) {
  xpb::Policy p = Current();
  xpb::Policy patch;
  patch.set_max_claim_minor(30'000);  // second_approval_above_minor left out: kept
  ASSERT_TRUE(ApplyUpdateMask(patch, Mask({"max_claim_minor"}), kPolicyFields, &p).ok());
  EXPECT_EQ(p.max_claim_minor(), 30'000);
  EXPECT_EQ(p.second_approval_above_minor(), 10'000);
  EXPECT_EQ(p.categories_size(), 1);
  EXPECT_EQ(p.etag(), "e1");
  // Switching the second approver off means naming it.
  ASSERT_TRUE(ApplyUpdateMask(xpb::Policy(), Mask({"second_approval_above_minor", "categories"}),
                              kPolicyFields, &p)
                  .ok());
  EXPECT_EQ(p.second_approval_above_minor(), 0);
  EXPECT_EQ(p.categories_size(), 0);
  EXPECT_EQ(p.max_claim_minor(), 30'000);
}

TEST(UpdateMaskTest, AnEmptyMaskChangesWhatTheRequestSetsAndNothingElse) {
  xpb::Policy p = Current();
  xpb::Policy patch;
  patch.set_max_claim_minor(1);
  patch.add_categories(xpb::CATEGORY_MILEAGE);
  patch.add_categories(xpb::CATEGORY_OTHER);
  ASSERT_TRUE(ApplyUpdateMask(patch, Mask({}), kPolicyFields, &p).ok());
  EXPECT_EQ(p.max_claim_minor(), 1);
  EXPECT_EQ(p.categories_size(), 2);  // replaced, not appended
  EXPECT_EQ(p.second_approval_above_minor(), 10'000);
}

TEST(UpdateMaskTest, StarReplacesEveryUpdatableFieldAndNothingElse) {
  xpb::Policy p = Current();
  xpb::Policy patch;
  patch.set_community_id(99);
  patch.set_max_claim_minor(5);
  ASSERT_TRUE(ApplyUpdateMask(patch, FullUpdateMask(), kPolicyFields, &p).ok());
  EXPECT_EQ(p.max_claim_minor(), 5);
  EXPECT_EQ(p.second_approval_above_minor(), 0);
  EXPECT_EQ(p.categories_size(), 0);
  EXPECT_EQ(p.community_id(), 1u);  // not updatable
}

TEST(UpdateMaskTest, PathsThatCannotChangeAreRefusedNamingUpdateMaskAndChangeNothing) {
  for (const auto& mask :
       {Mask({"etag"}), Mask({"community_id"}), Mask({"no_such_field"}),
        Mask({"max_claim_minor", "max_claim_minor"}), Mask({"*", "max_claim_minor"})}) {
    xpb::Policy p = Current();
    xpb::Policy patch;
    patch.set_max_claim_minor(1);
    const absl::Status s = ApplyUpdateMask(patch, mask, kPolicyFields, &p);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << mask.DebugString();
    EXPECT_TRUE(absl::StartsWith(s.message(), "update_mask: ")) << s.message();
    EXPECT_EQ(p.max_claim_minor(), 25'000);
  }
}

TEST(UpdateMaskTest, NestedPathsChangeOneFieldOfAMessage) {
  dpb::Member m;
  m.mutable_consent()->set_appear_in_directory(true);
  m.mutable_consent()->set_appear_on_leaderboards(true);
  m.set_email("a@example.org");
  const std::vector<std::string> fields = {"email", "consent", "consent.appear_in_directory",
                                           "consent.appear_on_leaderboards"};
  ASSERT_TRUE(
      ApplyUpdateMask(dpb::Member(), Mask({"consent.appear_in_directory"}), fields, &m).ok());
  EXPECT_FALSE(m.consent().appear_in_directory());
  EXPECT_TRUE(m.consent().appear_on_leaderboards());
  EXPECT_EQ(m.email(), "a@example.org");
}

}  // namespace
}  // namespace timebank
