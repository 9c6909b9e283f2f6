#include "services/rewards/leaderboard.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/paging.h"
#include "services/common/records/record_key.h"
#include "services/rewards/analysis/weeks.h"
#include "services/rewards/projection_tx.h"
#include "services/rewards/rewards_records.h"
#include "storage/check.h"

namespace timebank::rewards {

namespace dpb = ::timebank::directory::v1;
namespace xpb = ::timebank::rewards::v1;

namespace {

// The weeks counted (indexes, inclusive), or all of them.
struct BoardWindow {
  bool lifetime = false;
  int32_t first = 0;
  int32_t last = 0;
};

// A member the projection puts on the board, before the directory is asked about them.
struct Candidate {
  std::string position;  // sorts in board order (PositionOf)
  uint64_t member = 0;
  int32_t people_helped = 0;
  int32_t weeks_active = 0;
};

constexpr size_t kPositionBytes = 24;

void PutU64(uint64_t v, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

// Most people helped first, then most weeks active, then the lower member id: fixed
// width and big-endian, so byte order is board order and a page token can name a place.
std::string PositionOf(int32_t people_helped, int32_t weeks_active, uint64_t member) {
  TB_CHECK(people_helped >= 0 && weeks_active >= 0);
  std::string out;
  out.reserve(kPositionBytes);
  PutU64(~static_cast<uint64_t>(people_helped), &out);
  PutU64(~static_cast<uint64_t>(weeks_active), &out);
  PutU64(member, &out);
  return out;
}

// How many of the sorted weeks `active` fall in the window.
int32_t WeeksIn(const google::protobuf::RepeatedField<int32_t>& active, const BoardWindow& w) {
  if (w.lifetime) return active.size();
  auto first = std::lower_bound(active.begin(), active.end(), w.first);
  return static_cast<int32_t>(std::upper_bound(first, active.end(), w.last) - first);
}

template <class Msg>
absl::StatusOr<Msg> ParseBoardRecord(std::string_view bytes, const char* what) {
  Msg m;
  if (!m.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(absl::StrCat("a rewards record (", what, ") is damaged"));
  }
  return m;
}

// Every member of community `c` active in the window.
absl::Status CommunityCandidates(storage::KvStore* store, const storage::Snapshot* snap, uint64_t c,
                                 const BoardWindow& w, std::vector<Candidate>* out) {
  std::unique_ptr<storage::Iterator> it = store->NewIterator(kRecords, snap);
  const std::string end = records::Key(kMemberTag).U64(c + 1).str();
  for (it->Seek(records::Key(kMemberTag).U64(c).str()); it->Valid() && it->key() < end;
       it->Next()) {
    TB_ASSIGN_OR_RETURN(rpb::MemberRecord r,
                        ParseBoardRecord<rpb::MemberRecord>(it->value(), "a member"));
    const int32_t weeks = WeeksIn(r.active_weeks(), w);
    if (weeks == 0 || r.erased()) continue;
    const uint64_t member = records::U64At(it->key(), 9);
    out->push_back(
        {PositionOf(r.people_helped(), weeks, member), member, r.people_helped(), weeks});
  }
  return it->status();
}

// Every member of community `c` who gave organisation `org` time in the window; weeks
// active are the weeks they gave it time.
absl::Status OrganisationCandidates(storage::KvStore* store, const storage::Snapshot* snap,
                                    uint64_t c, uint64_t org, const BoardWindow& w,
                                    std::vector<Candidate>* out) {
  std::unique_ptr<storage::Iterator> it = store->NewIterator(kRecords, snap);
  const std::string end = records::Key(kOrgGivenTag).U64(c + 1).str();
  for (it->Seek(records::Key(kOrgGivenTag).U64(c).str()); it->Valid() && it->key() < end;
       it->Next()) {
    if (PairPartner(it->key()) != org) continue;
    TB_ASSIGN_OR_RETURN(rpb::PairCount pair,
                        ParseBoardRecord<rpb::PairCount>(it->value(), "a member's organisation"));
    const int32_t weeks = WeeksIn(pair.active_weeks(), w);
    if (weeks == 0) continue;
    const uint64_t member = records::U64At(it->key(), 9);
    std::string bytes;
    TB_ASSIGN_OR_RETURN(bool found, store->Get(kRecords, MemberKey(c, member), &bytes, snap));
    rpb::MemberRecord r;
    if (found) {
      TB_ASSIGN_OR_RETURN(r, ParseBoardRecord<rpb::MemberRecord>(bytes, "a member"));
    }
    if (r.erased()) continue;
    out->push_back(
        {PositionOf(r.people_helped(), weeks, member), member, r.people_helped(), weeks});
  }
  return it->status();
}

absl::StatusOr<BoardWindow> WindowOf(const xpb::ListLeaderboardRequest& req, int32_t this_week) {
  BoardWindow w;
  if (req.lifetime()) {
    if (req.weeks() != 0) return absl::InvalidArgumentError("weeks: leave it out with lifetime");
    w.lifetime = true;
    return w;
  }
  if (req.weeks() < 0 || req.weeks() > Leaderboard::kMaxWeeks) {
    return absl::InvalidArgumentError(absl::StrCat("weeks: 1..", Leaderboard::kMaxWeeks,
                                                   ", or 0 for ", Leaderboard::kDefaultWeeks));
  }
  const int32_t weeks = req.weeks() == 0 ? Leaderboard::kDefaultWeeks : req.weeks();
  w.first = this_week - weeks + 1;
  w.last = this_week;
  return w;
}

}  // namespace

absl::StatusOr<xpb::ListLeaderboardResponse> Leaderboard::List(
    const xpb::ListLeaderboardRequest& req) {
  const uint64_t c = req.community_id();
  if (c == 0) return absl::InvalidArgumentError("community_id: required");
  TB_ASSIGN_OR_RETURN(KeyPage page, ReadKeyPage(req.page_size(), req.page_token()));
  if (!page.after_key.empty() && page.after_key.size() != kPositionBytes) {
    return absl::InvalidArgumentError("page_token: not a token this list returned");
  }
  if (req.organisation_id() != 0) {
    TB_RETURN_IF_ERROR(people_->Organisation(c, req.organisation_id()).status());
  }
  TB_RETURN_IF_ERROR(projection_->zones()->Resolve(c));
  TB_ASSIGN_OR_RETURN(BoardWindow window,
                      WindowOf(req, WeekIndex(clock_->Now(), projection_->zones()->Zone(c))));

  storage::KvStore* store = projection_->store();
  std::shared_ptr<const storage::Snapshot> snap = store->GetSnapshot();
  xpb::ListLeaderboardResponse out;
  TB_ASSIGN_OR_RETURN(rpb::Cursor cursor, LoadCursor(store, snap.get()));
  out.set_as_of_journal_seq(cursor.journal_seq());
  std::vector<Candidate> candidates;
  if (req.organisation_id() == 0) {
    TB_RETURN_IF_ERROR(CommunityCandidates(store, snap.get(), c, window, &candidates));
  } else {
    TB_RETURN_IF_ERROR(
        OrganisationCandidates(store, snap.get(), c, req.organisation_id(), window, &candidates));
  }
  std::erase_if(candidates, [&](const Candidate& x) { return x.position <= page.after_key; });
  std::sort(candidates.begin(), candidates.end(),
            [](const Candidate& a, const Candidate& b) { return a.position < b.position; });

  // Consent is the directory's, asked now: a member who withdraws it leaves at once.
  PageBuilder<xpb::LeaderboardEntry, std::string> builder(page.size, kMaxLookups);
  for (const Candidate& x : candidates) {
    if (!builder.Visit(x.position)) break;
    absl::StatusOr<dpb::Member> m = people_->Member(c, x.member);
    if (absl::IsNotFound(m.status())) continue;
    TB_RETURN_IF_ERROR(m.status());
    if (!m->consent().appear_on_leaderboards() || m->status() != dpb::MEMBER_STATUS_ACTIVE) {
      continue;
    }
    xpb::LeaderboardEntry e;
    e.set_member_id(x.member);
    e.set_display_name(m->display_name());
    e.set_people_helped(x.people_helped);
    e.set_weeks_active(x.weeks_active);
    builder.Add(std::move(e));
  }
  Page<xpb::LeaderboardEntry, std::string> done = std::move(builder).Finish();
  out.set_next_page_token(done.NextPageToken());
  for (xpb::LeaderboardEntry& e : done.items) *out.add_entries() = std::move(e);
  return out;
}

}  // namespace timebank::rewards
