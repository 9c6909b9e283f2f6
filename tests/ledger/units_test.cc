// Small pure pieces: the canonical codec round-trips, balance effects refuse
// overflow, edge validation helpers, and the clients' duration parsing.
#include <random>

#include "clients/common/hours.h"
#include "gtest/gtest.h"
#include "services/common/paging.h"
#include "services/common/text_rule.h"
#include "services/common/validation.h"
#include "services/ledger/effects.h"
#include "services/ledger/journal_codec.h"
#include "storage/bytes.h"

namespace timebank::ledger {
namespace {

TEST(CodecTest, EveryEntryTypeRoundTrips) {
  JournalEntry a;
  a.type = EntryType::kAccountCreated;
  a.seq = 1;
  a.recorded_at_ns = 123;
  a.account = AccountInfo{"acct", 7,  "GBP", pb::OWNER_KIND_EXPENSE_BOOK,
                          "ref",  -5, 500,   pb::ACCOUNT_STATUS_OPEN,
                          1,      1,  123};
  JournalEntry t;
  t.type = EntryType::kTransfer;
  t.seq = 2;
  t.recorded_at_ns = 456;
  t.transfer.id = "t";
  t.transfer.debit_account_id = "d";
  t.transfer.credit_account_id = "c";
  t.transfer.amount = 90;
  t.transfer.kind = pb::TRANSFER_KIND_CONTRIBUTION;
  t.transfer.coproduction_type = pb::COPRODUCTION_TYPE_CO_DESIGN;
  t.transfer.flags = kPostPending | kLinked;
  t.transfer.pending_id = "p";
  t.transfer.pending_amount = 100;
  t.transfer.memo = "workshop ✓";
  t.transfer.reference = "activities/1";
  t.transfer.occurred_at_ns = 400;
  t.transfer.community_id = 7;
  t.transfer.unit = "TIME";
  t.transfer.defaulted = kDefaultDebitAccount | kDefaultOccurredAt;
  t.transfer.text_digest = storage::Sha256("the texts' record");  // v3: memo and reference
  JournalEntry s;
  s.type = EntryType::kAccountStatus;
  s.seq = 3;
  s.recorded_at_ns = 789;
  s.status_change = {"acct", pb::ACCOUNT_STATUS_FROZEN, "why"};
  for (JournalEntry* e : {&a, &t, &s}) {
    std::string stored;
    EncodeCanonical(*e, &stored);
    e->hash = storage::ChainHash(storage::kGenesisHash, stored);
    stored.append(storage::HashBytes(e->hash));
    auto back = DecodeStoredEntry(stored);
    ASSERT_TRUE(back.ok()) << back.status();
    std::string again;
    EncodeCanonical(*back, &again);
    EXPECT_EQ(again, CanonicalPart(stored));
    EXPECT_EQ(back->hash, e->hash);
    EXPECT_EQ(back->version, kCanonicalVersion);
    EXPECT_EQ(back->transfer.defaulted, e->transfer.defaulted);
    EXPECT_EQ(back->transfer.text_digest, e->transfer.text_digest);
    // Any truncation is refused, never misread.
    for (size_t cut = 1; cut < stored.size(); cut += 7) {
      std::string shorter = stored.substr(0, stored.size() - cut);
      auto bad = DecodeStoredEntry(shorter);
      if (bad.ok()) {
        EXPECT_NE(bad->hash, e->hash);
      }
    }
  }
  std::string bad_version;
  EncodeCanonical(t, &bad_version);
  bad_version[0] = 9;
  bad_version.append(32, '\0');
  EXPECT_EQ(DecodeStoredEntry(bad_version).status().code(), absl::StatusCode::kDataLoss);
}

// Entries journaled in version 2 (texts inside the chain) still decode, re-encode to
// the same bytes and so keep verifying; version 3 carries only the texts' digest.
TEST(CodecTest, VersionTwoEntriesKeepTheirTextsAndVersionThreeHoldsOnlyADigest) {
  JournalEntry t;
  t.type = EntryType::kTransfer;
  t.seq = 4;
  t.transfer.id = "t";
  t.transfer.memo = "a memo";
  t.transfer.reference = "activities/9";
  t.version = 2;
  std::string old;
  EncodeCanonical(t, &old);
  EXPECT_NE(old.find("a memo"), std::string::npos);
  old.append(32, 'h');
  auto back = DecodeStoredEntry(old);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->version, 2);
  EXPECT_EQ(back->transfer.memo, "a memo");
  std::string again;
  EncodeCanonical(*back, &again);
  EXPECT_EQ(again, CanonicalPart(old));

  t.version = 0;  // the current version
  const std::string record = EncodeTexts(std::string(kTextSaltBytes, 's'), t.transfer.reference,
                                         t.transfer.memo, &t.transfer.text_digest);
  std::string v3;
  EncodeCanonical(t, &v3);
  EXPECT_EQ(v3.find("a memo"), std::string::npos) << "the chain holds no text";
  EXPECT_EQ(v3.find("activities/9"), std::string::npos);
  v3.append(32, 'h');
  back = DecodeStoredEntry(v3);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->version, kCanonicalVersion);
  EXPECT_EQ(back->transfer.memo, "");
  EXPECT_EQ(back->transfer.text_digest, t.transfer.text_digest);
  ASSERT_TRUE(DecodeTexts(record, &back->transfer).ok());
  EXPECT_EQ(back->transfer.memo, "a memo");
  EXPECT_EQ(back->transfer.reference, "activities/9");
  // The same texts under another salt give another digest; an altered text is refused.
  storage::Hash256 other;
  EncodeTexts(std::string(kTextSaltBytes, 'z'), "activities/9", "a memo", &other);
  EXPECT_NE(other, t.transfer.text_digest);
  std::string altered = record;
  altered[altered.size() - 1] = 'X';
  EXPECT_EQ(DecodeTexts(altered, &back->transfer).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeTexts(record.substr(0, 10), &back->transfer).code(), absl::StatusCode::kDataLoss);
}

// Entries written before community-scoped ids (canonical v1, built here byte by byte
// from the layout in journal_codec.h) still decode, re-encode to the very bytes their
// hash covers, and verify; v2 is v1 plus the defaulted byte.
TEST(CodecTest, VersionOneEntriesStillDecodeAndVerify) {
  using storage::PutBytes;
  using storage::PutI64;
  using storage::PutU32;
  using storage::PutU64;
  using storage::PutU8;
  std::string v1;
  PutU8(&v1, 1);  // version
  PutU8(&v1, static_cast<uint8_t>(EntryType::kTransfer));
  PutU64(&v1, 9);     // seq
  PutI64(&v1, 5000);  // recorded_at_ns
  PutBytes(&v1, "t1");
  PutBytes(&v1, "alice");
  PutBytes(&v1, "bob");
  PutI64(&v1, 90);  // amount
  PutU8(&v1, static_cast<uint8_t>(pb::TRANSFER_KIND_EXCHANGE));
  PutU8(&v1, static_cast<uint8_t>(pb::COPRODUCTION_TYPE_UNSPECIFIED));
  PutU8(&v1, kLinked);
  PutBytes(&v1, "");  // pending_id
  PutI64(&v1, 0);     // pending_amount
  PutU32(&v1, 0);     // timeout_s
  PutBytes(&v1, "");  // reverses_id
  PutBytes(&v1, "ref");
  PutBytes(&v1, "memo");
  PutI64(&v1, 5000);  // occurred_at_ns: as recorded_at, so it was not given
  PutU64(&v1, 1);     // community_id
  PutBytes(&v1, "TIME");
  const storage::Hash256 hash = storage::ChainHash(storage::kGenesisHash, v1);
  std::string stored = v1;
  stored.append(storage::HashBytes(hash));

  auto e = DecodeStoredEntry(stored);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->version, 1);
  EXPECT_EQ(e->transfer.id, "t1");
  EXPECT_EQ(e->transfer.amount, 90);
  EXPECT_TRUE(e->transfer.is(kLinked));
  EXPECT_EQ(e->transfer.defaulted, kDefaultOccurredAt);
  std::string again;
  EncodeCanonical(*e, &again);
  EXPECT_EQ(again, v1);
  EXPECT_EQ(storage::ChainHash(storage::kGenesisHash, again), e->hash);

  // The same entry in v2: v1's bytes with the version byte changed and the defaulted
  // byte appended.
  JournalEntry current = *e;
  current.version = 2;
  std::string v2;
  EncodeCanonical(current, &v2);
  std::string expected = v1;
  expected[0] = 2;
  expected.push_back(static_cast<char>(kDefaultOccurredAt));
  EXPECT_EQ(v2, expected);
}

// Random bytes and random mutations of valid entries: the decoder answers ok or
// DATA_LOSS and never reads out of bounds (ASan runs this too).
TEST(CodecTest, GarbageNeverCrashesTheDecoder) {
  std::mt19937_64 rng(7);
  JournalEntry t;
  t.type = EntryType::kTransfer;
  t.seq = 9;
  t.transfer.id = "t";
  t.transfer.memo = "memo";
  std::string valid;
  EncodeCanonical(t, &valid);
  valid.append(32, 'h');
  for (int i = 0; i < 20000; ++i) {
    std::string s = valid;
    if (i % 2 == 0) {
      s.resize(rng() % 200);
      for (char& c : s) c = static_cast<char>(rng());
    } else {
      for (int k = 0; k < 1 + static_cast<int>(rng() % 4); ++k) {
        s[rng() % s.size()] = static_cast<char>(rng());
      }
    }
    auto e = DecodeStoredEntry(s);
    if (!e.ok()) {
      EXPECT_EQ(e.status().code(), absl::StatusCode::kDataLoss);
    }
    (void)DecodeRecord(s);
    (void)DecodeAccountInfo(s);
    (void)DecodeBalances(s);
  }
}

TEST(EffectsTest, OverflowLeavesBalancesUnchanged) {
  Transfer t;
  t.amount = 10;
  Balances d{INT64_MAX - 5, 0, 0, 0}, c;
  const Balances before = d;
  EXPECT_FALSE(TryApplyBalanceEffects(t, &d, &c));
  EXPECT_EQ(d, before);
  EXPECT_EQ(c, Balances{});
  t.amount = 5;
  EXPECT_TRUE(TryApplyBalanceEffects(t, &d, &c));
  EXPECT_EQ(d.debits_posted, INT64_MAX);
  EXPECT_EQ(c.credits_posted, 5);
}

TEST(EffectsTest, LimitsCountPendingConservatively) {
  Balances b{0, 100, 50, 0};  // balance 100, 50 pending out
  EXPECT_TRUE(WithinMinBalance(b, 0));
  EXPECT_FALSE(WithinMinBalance(b, 60));
  Balances c{0, 100, 0, 50};
  EXPECT_TRUE(WithinMaxBalance(c, 150));
  EXPECT_FALSE(WithinMaxBalance(c, 149));
}

TEST(ValidationTest, IdsTextAndCurrencies) {
  EXPECT_TRUE(IsValidId("communities:1.member-7_x", 64));
  EXPECT_FALSE(IsValidId("", 64));
  EXPECT_FALSE(IsValidId("has space", 64));
  EXPECT_FALSE(IsValidId("slash/", 64));
  EXPECT_FALSE(IsValidId(std::string(65, 'a'), 64));
  EXPECT_EQ(FindInvalidUtf8("plain ascii, Łódź, 日本, 🙂"), std::nullopt);
  EXPECT_EQ(FindInvalidUtf8("\xc0\x80"), 1u);               // overlong NUL
  EXPECT_EQ(FindInvalidUtf8("ab\xed\xa0\x80"), 3u);         // surrogate
  EXPECT_EQ(FindInvalidUtf8("\xf4\x90\x80\x80"), 1u);       // > U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("\xe2\x82"), 1u);               // truncated
  EXPECT_FALSE(CheckText("name", "tab\there", {64}).ok());  // (tests/text has the rest)
  EXPECT_TRUE(CheckText("name", "Café Nero", {64}).ok());
  EXPECT_EQ(CurrencyExponent("GBP"), 2);
  EXPECT_EQ(CurrencyExponent("JPY"), 0);
  EXPECT_EQ(CurrencyExponent("KWD"), 3);
  EXPECT_FALSE(CurrencyExponent("gbp").has_value());
  EXPECT_FALSE(CurrencyExponent("XXX").has_value());
  EXPECT_FALSE(CurrencyExponent("TIME").has_value());
}

TEST(PagingTest, TokensRoundTripAndRejectForgeries) {
  EXPECT_EQ(*CheckPageSize(0), kDefaultListPageSize);
  EXPECT_EQ(*CheckPageSize(1000), 1000u);
  EXPECT_FALSE(CheckPageSize(1001).ok());
  EXPECT_FALSE(CheckPageSize(-1).ok());
  EXPECT_EQ(*DecodePageToken(EncodePageToken("alice")), "alice");
  EXPECT_EQ(*DecodePageToken(""), "");
  EXPECT_FALSE(DecodePageToken("alice").ok());
  EXPECT_FALSE(DecodePageToken("p1.zz").ok());
  EXPECT_FALSE(DecodePageToken("p1.abc").ok());
}

TEST(HoursTest, Formats) {
  EXPECT_EQ(cli::FormatMinutes(90), "1h30m");
  EXPECT_EQ(cli::FormatMinutes(120), "2h");
  EXPECT_EQ(cli::FormatMinutes(0), "0m");
  EXPECT_EQ(cli::FormatMinutes(-75), "-1h15m");
  EXPECT_EQ(cli::FormatMinor(1234, 2), "12.34");
  EXPECT_EQ(cli::FormatMinor(-5, 2), "-0.05");
  EXPECT_EQ(cli::FormatMinor(7, 0), "7");
}

}  // namespace
}  // namespace timebank::ledger
