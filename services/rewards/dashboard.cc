// RewardsBook::Dashboard: one group bucket per week or month of the period (empty
// ones included), and the time given to each organisation over it. Offers and requests
// open at a period's end are what was opened minus what was closed in every bucket up
// to it (the buckets before the period are summed first: a few hundred at most).
#include <limits>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/common/records/record_key.h"
#include "services/common/timestamps.h"
#include "services/rewards/analysis/weeks.h"
#include "services/rewards/dashboard_series.h"
#include "services/rewards/rewards_book.h"
#include "services/rewards/rewards_records.h"
#include "services/rewards/star_cells.h"
#include "storage/check.h"

namespace timebank::rewards {

namespace xpb = ::timebank::rewards::v1;

namespace {

struct Span {
  Grain grain;
  int32_t first;  // bucket indexes, inclusive
  int32_t last;
};

int32_t IndexAt(Grain g, absl::Time t, absl::TimeZone tz) {
  return g == Grain::kWeek ? WeekIndex(t, tz) : MonthIndex(t, tz);
}

absl::CivilDay FirstDay(Grain g, int32_t index) {
  return g == Grain::kWeek ? WeekStart(index) : absl::CivilDay(MonthStart(index));
}

std::string StartOf(Grain g, int32_t index) { return absl::FormatCivilTime(FirstDay(g, index)); }

absl::StatusOr<Span> SpanOf(const xpb::GetDashboardRequest& req, absl::Time now,
                            absl::TimeZone tz) {
  if (req.granularity() != xpb::GRANULARITY_WEEK && req.granularity() != xpb::GRANULARITY_MONTH) {
    return absl::InvalidArgumentError("granularity: WEEK or MONTH");
  }
  const Grain g = req.granularity() == xpb::GRANULARITY_WEEK ? Grain::kWeek : Grain::kMonth;
  const absl::Time until = req.has_until() ? absl::FromUnixNanos(FromTimestamp(req.until())) : now;
  Span s{g, 0, IndexAt(g, until - absl::Nanoseconds(1), tz)};
  if (req.has_from()) {
    const absl::Time from = absl::FromUnixNanos(FromTimestamp(req.from()));
    if (from >= until) return absl::InvalidArgumentError("until: must be after from");
    s.first = IndexAt(g, from, tz);
  } else {
    s.first = s.last + 1 -
              (g == Grain::kWeek ? RewardsLimits::kDefaultWeeks : RewardsLimits::kDefaultMonths);
  }
  const int32_t most =
      g == Grain::kWeek ? RewardsLimits::kMaxPeriodWeeks : RewardsLimits::kMaxPeriodMonths;
  if (s.last - s.first + 1 > most) {
    return absl::InvalidArgumentError("from: the period may span at most 10 years");
  }
  return s;
}

void ToPeriod(const rpb::CommunityBucket& b, xpb::DashboardPeriod* p) {
  p->set_active_members(b.active_members());
  p->set_givers(b.givers());
  p->set_receivers(b.receivers());
  p->set_both(b.both());
  p->set_reciprocity_rate(
      b.active_members() == 0 ? 0.0 : static_cast<double>(b.both()) / b.active_members());
  p->set_new_members(b.new_members());
  p->set_returning_members(b.returning_members());
  p->set_minutes_given(b.minutes_given());
  AppendStarCells(b.star(), p->mutable_star());
  p->set_minutes_individual(b.minutes_individual());
  p->set_minutes_collective(b.minutes_collective());
  p->set_minutes_donated(b.minutes_donated());
  p->set_minutes_redeemed(b.minutes_redeemed());
  p->set_requests_posted(b.requests_posted());
  p->set_requests_answered(b.requests_answered());
}

// Offers and requests open: the running sum of what buckets opened and closed.
struct OpenPosts {
  int32_t offers = 0;
  int32_t requests = 0;
  void Add(const rpb::CommunityBucket& b) {
    offers += b.offers_opened() - b.offers_closed();
    requests += b.requests_posted() - b.requests_closed();
  }
};

absl::Status ParseBucket(const storage::Iterator& it, rpb::CommunityBucket* b) {
  if (!b->ParseFromArray(it.value().data(), static_cast<int>(it.value().size()))) {
    return absl::DataLossError("a rewards record (a community's week) is damaged");
  }
  return absl::OkStatus();
}

// What was open when bucket `first` began: every earlier bucket of the group.
absl::StatusOr<OpenPosts> OpenBefore(storage::KvStore* store, const storage::Snapshot* snap,
                                     uint64_t c, uint64_t org, Grain g, int32_t first) {
  OpenPosts open;
  std::unique_ptr<storage::Iterator> it = store->NewIterator(kRecords, snap);
  const std::string end = GroupBucketKey(c, org, g, first);
  for (it->Seek(GroupBucketKey(c, org, g, std::numeric_limits<int32_t>::min()));
       it->Valid() && it->key() < end; it->Next()) {
    rpb::CommunityBucket b;
    TB_RETURN_IF_ERROR(ParseBucket(*it, &b));
    open.Add(b);
  }
  TB_RETURN_IF_ERROR(it->status());
  return open;
}

// One group's buckets over the span, oldest first, empty periods included.
absl::Status ReadPeriods(storage::KvStore* store, const storage::Snapshot* snap, uint64_t c,
                         uint64_t org, const Span& s, xpb::Dashboard* out) {
  TB_ASSIGN_OR_RETURN(OpenPosts open, OpenBefore(store, snap, c, org, s.grain, s.first));
  std::unique_ptr<storage::Iterator> it = store->NewIterator(kRecords, snap);
  const std::string end = GroupBucketKey(c, org, s.grain, s.last);
  it->Seek(GroupBucketKey(c, org, s.grain, s.first));
  for (int32_t i = s.first; i <= s.last; ++i) {
    xpb::DashboardPeriod* p = out->add_periods();
    p->set_start(StartOf(s.grain, i));
    if (it->Valid() && it->key() <= end && records::I64At(it->key(), it->key().size() - 8) == i) {
      rpb::CommunityBucket b;
      TB_RETURN_IF_ERROR(ParseBucket(*it, &b));
      ToPeriod(b, p);
      open.Add(b);
      it->Next();
    }
    p->set_open_offers(open.offers);
    p->set_open_requests(open.requests);
  }
  return it->status();
}

// Time given to each organisation over the span: its buckets, organisation by organisation.
absl::Status ReadOrganisations(storage::KvStore* store, const storage::Snapshot* snap, uint64_t c,
                               const Span& s, xpb::Dashboard* out) {
  std::unique_ptr<storage::Iterator> it = store->NewIterator(kRecords, snap);
  const std::string community_end = records::Key(kGroupBucketTag).U64(c + 1).str();
  for (uint64_t org = 1;;) {
    // The next organisation with any bucket, then its buckets in the span.
    it->Seek(records::Key(kGroupBucketTag).U64(c).U64(org).str());
    if (!it->Valid() || it->key() >= community_end) break;
    org = records::U64At(it->key(), 9);
    const std::string end = GroupBucketKey(c, org, s.grain, s.last);
    int64_t minutes = 0;
    for (it->Seek(GroupBucketKey(c, org, s.grain, s.first)); it->Valid() && it->key() <= end;
         it->Next()) {
      rpb::CommunityBucket b;
      if (!b.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
        return absl::DataLossError("a rewards record (an organisation's week) is damaged");
      }
      minutes += b.minutes_given();
    }
    if (minutes > 0) {
      auto* t = out->add_organisations();
      t->set_organisation_id(org);
      t->set_minutes_given(minutes);
    }
    ++org;
  }
  return it->status();
}

}  // namespace

RewardsBook::RewardsBook(RewardsProjection* projection, const AnnotationBook* annotations,
                         People* people, const Clock* clock)
    : projection_(projection), annotations_(annotations), people_(people), clock_(clock) {}

absl::StatusOr<xpb::Dashboard> RewardsBook::Dashboard(const xpb::GetDashboardRequest& req) {
  const uint64_t c = req.community_id();
  if (c == 0) return absl::InvalidArgumentError("community_id: required");
  if (!xpb::RuleSet_IsValid(req.rule_set())) {
    return absl::InvalidArgumentError("rule_set: IHI or ANHOJ");
  }
  if (req.organisation_id() != 0) {
    TB_RETURN_IF_ERROR(people_->Organisation(c, req.organisation_id()).status());
  }
  TB_RETURN_IF_ERROR(projection_->zones()->Resolve(c));
  TB_ASSIGN_OR_RETURN(Span span, SpanOf(req, clock_->Now(), projection_->zones()->Zone(c)));
  xpb::Dashboard out;
  out.set_community_id(c);
  out.set_organisation_id(req.organisation_id());
  out.set_granularity(req.granularity());
  out.set_rule_set(req.rule_set() == xpb::RULE_SET_ANHOJ ? xpb::RULE_SET_ANHOJ : xpb::RULE_SET_IHI);
  storage::KvStore* store = projection_->store();
  std::shared_ptr<const storage::Snapshot> snap = store->GetSnapshot();
  TB_ASSIGN_OR_RETURN(rpb::Cursor cursor, LoadCursor(store, snap.get()));
  out.set_as_of_journal_seq(cursor.journal_seq());
  TB_RETURN_IF_ERROR(ReadPeriods(store, snap.get(), c, req.organisation_id(), span, &out));
  if (req.organisation_id() == 0) {
    TB_RETURN_IF_ERROR(ReadOrganisations(store, snap.get(), c, span, &out));
  }
  TB_ASSIGN_OR_RETURN(
      std::vector<xpb::Annotation> notes,
      annotations_->Between(c, req.organisation_id(), FirstDay(span.grain, span.first),
                            FirstDay(span.grain, span.last + 1) - 1, snap.get()));
  for (xpb::Annotation& a : notes) *out.add_annotations() = std::move(a);
  AddSeries(span.grain, span.first, &out);
  return out;
}

}  // namespace timebank::rewards
