// The record kit (services/common/records/): keys as on disk, transactions that read
// their own writes, etags as every service has always computed them, idempotent creates
// that replay the first answer and write nothing, and text checks that name the field.
#include "services/common/records/records.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "services/common/auth/token.h"
#include "services/common/text_fields.h"
#include "storage/bytes.h"
#include "storage/mem_store.h"
#include "timebank/activity/v1/activity.pb.h"

namespace timebank::records {
namespace {

namespace apb = ::timebank::activity::v1;
constexpr storage::ColumnFamily kCf = 0;

// Everything in the store, to show what a call wrote (or that it wrote nothing).
std::map<std::string, std::string> Contents(storage::KvStore& store) {
  std::map<std::string, std::string> out;
  auto it = store.NewIterator(kCf);
  for (it->SeekToFirst(); it->Valid(); it->Next()) out.emplace(it->key(), it->value());
  return out;
}

TEST(RecordKeyTest, KeysAreTheBytesAlreadyOnDisk) {
  EXPECT_EQ(Key('A').U64(1).U64(7).str(), storage::KeyU64U64('A', 1, 7));
  EXPECT_EQ(Key('E').U64(9).str(), storage::KeyU64('E', 9));
  EXPECT_EQ(Key('Q').Bytes("log:1:2:x").str(), storage::KeyStr('Q', "log:1:2:x"));
  std::string waiting(1, 'w');
  storage::PutI64(&waiting, -5);
  storage::PutU64(&waiting, 3);
  EXPECT_EQ(Key('w').I64(-5).U64(3).str(), waiting);
  EXPECT_EQ(I64At(waiting, 1), -5);
  EXPECT_EQ(U64At(waiting, 9), 3u);
  std::string state = storage::KeyU64('s', 4);
  storage::PutU8(&state, 2);
  storage::PutU64(&state, 8);
  EXPECT_EQ(Key('s').U64(4).U8(2).U64(8).str(), state);
}

TEST(RecordKeyTest, NewestFirstKeysSortTheNewestIdFirst) {
  const std::string older = Key('l').U64(1).NewestFirst(5).str();
  const std::string newer = Key('l').U64(1).NewestFirst(6).str();
  EXPECT_LT(newer, older);
  EXPECT_EQ(Key::Inverted(U64At(newer, 9)), 6u);
}

TEST(RecordTxTest, ReadsInsideATransactionSeeItsOwnPutsAndDeletes) {
  storage::MemStore store{1};
  {
    Tx seed(&store, kCf, '#');
    seed.Put("k-old", "committed");
    ASSERT_TRUE(seed.Commit().ok());
  }
  Tx tx(&store, kCf, '#');
  tx.Put("k-new", "staged");
  tx.Delete("k-old");
  std::string v;
  ASSERT_TRUE(tx.Get("k-new", &v).value());
  EXPECT_EQ(v, "staged");
  EXPECT_FALSE(tx.Get("k-old", &v).value());  // its own delete
  tx.Put("k-new", "staged again");            // the last write wins
  ASSERT_TRUE(tx.Get("k-new", &v).value());
  EXPECT_EQ(v, "staged again");
  // The store is untouched until the commit.
  const StoreReader committed(&store, kCf);
  EXPECT_FALSE(committed.Get("k-new", &v).value());
  ASSERT_TRUE(committed.Get("k-old", &v).value());
  ASSERT_TRUE(tx.Commit().ok());
  ASSERT_TRUE(committed.Get("k-new", &v).value());
  EXPECT_EQ(v, "staged again");
  EXPECT_FALSE(committed.Get("k-old", &v).value());
}

TEST(RecordTxTest, CountersAdvanceWithinATransactionAndPersistOnCommit) {
  storage::MemStore store{1};
  Tx tx(&store, kCf, '#');
  EXPECT_EQ(tx.NextId("activity.1").value(), 1u);
  EXPECT_EQ(tx.NextId("activity.1").value(), 2u);
  ASSERT_TRUE(tx.Commit().ok());
  Tx next(&store, kCf, '#');
  EXPECT_EQ(next.NextId("activity.1").value(), 3u);
}

TEST(RecordTxTest, ATransactionThatChangedNothingWritesNothingAndAfterCommitWorkRuns) {
  storage::MemStore store{1};
  int runs = 0;
  Tx tx(&store, kCf, '#');
  tx.OnCommit([&runs] { ++runs; });
  EXPECT_EQ(runs, 0);
  ASSERT_TRUE(tx.Commit().ok());
  EXPECT_EQ(runs, 1);
  EXPECT_TRUE(Contents(store).empty());
}

TEST(EtagTest, SealedEtagsAreTheOnesEveryServiceHandedOut) {
  apb::Activity a;
  a.set_id(7);
  a.set_description("gardening");
  a.set_etag("stale");
  const std::string stored = Seal(a);
  // The formula activity, directory and expenses have always used.
  apb::Activity unsealed = a;
  unsealed.clear_etag();
  EXPECT_EQ(a.etag(), storage::ToHex(auth::Sha256(unsealed.SerializeAsString()).substr(0, 8)));
  EXPECT_EQ(a.etag().size(), 16u);
  apb::Activity back;
  ASSERT_TRUE(back.ParseFromString(stored));
  EXPECT_EQ(back.etag(), a.etag());
}

TEST(EtagTest, AnEtagThatLeavesProgressOutDoesNotChangeWithIt) {
  apb::Activity a;
  a.set_id(7);
  a.set_posting_state(apb::POSTING_STATE_QUEUED);
  auto covered = [](apb::Activity m) {
    m.clear_posting_state();
    return m;
  };
  SealCovering(a, covered(a));
  const std::string before = a.etag();
  a.set_posting_state(apb::POSTING_STATE_POSTED);
  SealCovering(a, covered(a));
  EXPECT_EQ(a.etag(), before);
  a.set_description("changed by a person");
  SealCovering(a, covered(a));
  EXPECT_NE(a.etag(), before);
}

TEST(EtagTest, AStaleEtagIsAbortedWithTheServicesMessage) {
  const absl::Status stale = CheckEtag("aaaa", "bbbb", "claim 3 changed since you read it");
  EXPECT_EQ(stale.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(stale.message(), "claim 3 changed since you read it");
  EXPECT_TRUE(CheckEtag("bbbb", "bbbb", "x").ok());
  // Required: an empty etag is stale too; kIfSent lets a blind write through.
  EXPECT_EQ(CheckEtag("", "bbbb", "x").code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(CheckEtag("", "bbbb", "x", EtagCheck::kIfSent).ok());
  EXPECT_EQ(CheckEtag("aaaa", "bbbb", "x", EtagCheck::kIfSent).code(), absl::StatusCode::kAborted);
}

TEST(LoadRecordTest, AMissingRecordIsNotFoundAndADamagedOneDataLoss) {
  storage::MemStore store{1};
  Tx tx(&store, kCf, '#');
  tx.Put("bad", "\xff\xff\xff");
  ASSERT_TRUE(tx.Commit().ok());
  const StoreReader r(&store, kCf);
  auto missing = LoadRecord<apb::Activity>(r, "none", "activity 4", "activity 4 does not exist");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "activity 4 does not exist");
  auto damaged = LoadRecord<apb::Activity>(r, "bad", "activity 5", "activity 5 does not exist");
  EXPECT_EQ(damaged.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(damaged.status().message(), "activity 5 is damaged");
  EXPECT_FALSE(ReadRecord<apb::Activity>(r, "none", "x").value().has_value());
}

TEST(RequestKeyTest, KeysAreTheServicesStoredFormatAndScopedToOperationAndCaller) {
  EXPECT_EQ(RequestKey('Q', {"log", 1, 2}, "abc"), storage::KeyStr('Q', "log:1:2:abc"));
  EXPECT_EQ(RequestKey('r', {"community"}, "abc"), storage::KeyStr('r', "community:abc"));
  EXPECT_EQ(RequestKey('Q', {"log", 1, 2}, ""), "");  // no request_id: not idempotent
  EXPECT_NE(RequestKey('Q', {"log", 1, 2}, "abc"), RequestKey('Q', {"log", 1, 3}, "abc"));
  EXPECT_NE(RequestKey('Q', {"log", 1, 2}, "abc"), RequestKey('Q', {"donate", 1, 2}, "abc"));
  const std::vector<RecordRef> refs = {{1, 7}, {1, 8}};
  EXPECT_EQ(EncodeRefs(refs),
            storage::KeyU64U64('_', 1, 7).substr(1) + storage::KeyU64U64('_', 1, 8).substr(1));
  EXPECT_EQ(DecodeRefs(EncodeRefs(refs)), refs);
}

class IdempotentCreateTest : public ::testing::Test {
 protected:
  // Creates a record named `name` and answers with its id; counts the creates.
  absl::StatusOr<uint64_t> Create(const std::string& request_key, const std::string& name) {
    Tx tx(&store, kCf, '#');
    absl::StatusOr<uint64_t> id = IdempotentCreate<uint64_t>(
        tx, request_key,
        [](std::string_view remembered) -> absl::StatusOr<uint64_t> {
          return DecodeRefs(remembered).at(0).second;
        },
        [&](Tx& tx) -> absl::StatusOr<Created<uint64_t>> {
          ++creates;
          absl::StatusOr<uint64_t> next = tx.NextId("thing");
          if (!next.ok()) return next.status();
          tx.Put(Key('T').U64(*next).str(), name);
          return Created<uint64_t>{*next, EncodeRefs({{1, *next}})};
        });
    if (!id.ok()) return id;
    absl::Status s = tx.Commit();
    if (!s.ok()) return s;
    return id;
  }
  storage::MemStore store{1};
  int creates = 0;
};

TEST_F(IdempotentCreateTest, ARetryReplaysTheFirstAnswerAndWritesNothing) {
  const std::string key = RequestKey('Q', {"make", 1, 10}, "req-1");
  auto first = Create(key, "first");
  ASSERT_TRUE(first.ok()) << first.status();
  const auto after_first = Contents(store);
  EXPECT_EQ(after_first.count(key), 1u);  // remembered in the same batch as the record
  auto retry = Create(key, "first");
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ(*retry, *first);
  EXPECT_EQ(creates, 1);
  EXPECT_EQ(Contents(store), after_first);  // not a byte written
}

TEST_F(IdempotentCreateTest, ADifferentRequestUnderTheSameRequestIdGetsTheFirstAnswer) {
  // Today's behaviour in every service: the request_id is the idempotency key for its
  // operation and caller; what the retry carries is not compared.
  const std::string key = RequestKey('Q', {"make", 1, 10}, "req-2");
  auto first = Create(key, "first");
  ASSERT_TRUE(first.ok());
  const auto after_first = Contents(store);
  auto other = Create(key, "something else");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(*other, *first);
  EXPECT_EQ(Contents(store), after_first);
  // Another caller's request with the same request_id is another request.
  auto theirs = Create(RequestKey('Q', {"make", 1, 11}, "req-2"), "theirs");
  ASSERT_TRUE(theirs.ok());
  EXPECT_NE(*theirs, *first);
  EXPECT_EQ(creates, 2);
}

TEST_F(IdempotentCreateTest, WithoutARequestIdEveryCallCreates) {
  auto a = Create("", "a");
  auto b = Create("", "b");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_EQ(creates, 2);
}

TEST(BoundedTextTest, ChecksNameTheFieldAndTheLimit) {
  constexpr BoundedText kTitle{
      "post.title", {TextLimits::kPostTitleBytes}, "required: 1..128 bytes of one-line text"};
  EXPECT_TRUE(kTitle.Check("Dog walking").ok());
  const absl::Status missing = kTitle.Check("");
  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(missing.message(), "post.title: required: 1..128 bytes of one-line text");
  const absl::Status too_long = kTitle.Check(std::string(129, 'x'));
  EXPECT_EQ(too_long.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(too_long.message(), "post.title: ")) << too_long.message();
  EXPECT_TRUE(absl::StrContains(too_long.message(), "128")) << too_long.message();
  const absl::Status two_lines = kTitle.Check("one\ntwo");
  EXPECT_TRUE(absl::StartsWith(two_lines.message(), "post.title: ")) << two_lines.message();

  constexpr BoundedText kReason{"reason", {TextLimits::kReasonBytes}};
  EXPECT_TRUE(kReason.Check("").ok());  // optional
  EXPECT_EQ(kReason.CheckRequired("", "say why it is reversed").message(),
            "reason: say why it is reversed");
  EXPECT_TRUE(kReason.CheckRequired("", nullptr).ok());
  EXPECT_EQ(kReason.Normalise("Cafe\xCC\x81").value(), "Caf\xC3\xA9");  // NFC
}

TEST(BoundedTextTest, SpacesAloneAreMissingWhereTheFieldIsRequired) {
  constexpr BoundedText kNote{"text", {TextLimits::kThankYouBytes}, "required: a few words"};
  for (const char* blank : {" ", "   ", " \t "}) {
    EXPECT_EQ(kNote.Check(blank).message(), "text: required: a few words") << '"' << blank << '"';
    EXPECT_EQ(kNote.Normalise(blank).status().message(), "text: required: a few words");
  }
  constexpr BoundedText kReason{"reason", {TextLimits::kReasonBytes}};
  EXPECT_TRUE(kReason.Check("  ").ok());  // optional: spaces are left for the rule to judge
  EXPECT_EQ(kReason.CheckRequired("  ", "say why").message(), "reason: say why");
}

TEST(BoundedTextTest, RequestIdsAreCheckedNamingTheField) {
  EXPECT_TRUE(CheckRequestId("").ok());
  EXPECT_TRUE(CheckRequestId("gift-1").ok());
  const absl::Status bad = CheckRequestId("has space");
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(bad.message(), "request_id: ")) << bad.message();
  EXPECT_FALSE(CheckRequestId(std::string(kMaxRequestIdBytes + 1, 'a')).ok());
}

}  // namespace
}  // namespace timebank::records
