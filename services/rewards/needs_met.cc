#include "services/rewards/needs_met.h"

#include "absl/functional/function_ref.h"
#include "services/common/timestamps.h"
#include "services/rewards/analysis/weeks.h"
#include "services/rewards/rewards_records.h"
#include "storage/check.h"

namespace timebank::rewards {
namespace {

namespace apb = ::timebank::activity::v1;
using rpb::CommunityBucket;
using rpb::PostFacts;

// The community-wide week and month buckets `at` falls in.
struct Buckets {
  int32_t week;
  int32_t month;
};

// Changes both buckets the same way.
absl::Status ChangeBuckets(ProjectionTx& tx, uint64_t c, const Buckets& b,
                           absl::FunctionRef<void(CommunityBucket*)> change) {
  TB_ASSIGN_OR_RETURN(CommunityBucket * week,
                      tx.Mutable<CommunityBucket>(GroupBucketKey(c, 0, Grain::kWeek, b.week)));
  TB_ASSIGN_OR_RETURN(CommunityBucket * month,
                      tx.Mutable<CommunityBucket>(GroupBucketKey(c, 0, Grain::kMonth, b.month)));
  change(week);
  change(month);
  return absl::OkStatus();
}

Buckets At(absl::Time t, absl::TimeZone tz) { return {WeekIndex(t, tz), MonthIndex(t, tz)}; }

void CountOpened(int32_t kind, CommunityBucket* b) {
  if (kind == apb::POST_KIND_OFFER) {
    b->set_offers_opened(b->offers_opened() + 1);
  } else {
    b->set_requests_posted(b->requests_posted() + 1);
  }
}

void CountClosed(int32_t kind, CommunityBucket* b) {
  if (kind == apb::POST_KIND_OFFER) {
    b->set_offers_closed(b->offers_closed() + 1);
  } else {
    b->set_requests_closed(b->requests_closed() + 1);
  }
}

void CountAnswered(int32_t delta, CommunityBucket* b) {
  b->set_requests_answered(b->requests_answered() + delta);
  TB_CHECK(b->requests_answered() >= 0);
}

}  // namespace

uint64_t NeedsMet::CommunityOf(const apb::ActivityEvent& e) {
  if (e.has_post()) return e.post().community_id();
  if (e.has_activity() && e.activity().kind() == apb::ACTIVITY_KIND_EXCHANGE &&
      e.activity().post_id() != 0) {
    return e.activity().community_id();
  }
  return 0;
}

absl::Status NeedsMet::Apply(const apb::ActivityEvent& e, ProjectionTx& tx) const {
  if (CommunityOf(e) == 0) return absl::OkStatus();
  if (e.has_post()) {
    return ApplyPost(e.post(), absl::FromUnixNanos(FromTimestamp(e.changed_at())), tx);
  }
  return ApplyExchange(e.activity(), tx);
}

absl::Status NeedsMet::ApplyPost(const apb::Post& p, absl::Time changed_at,
                                 ProjectionTx& tx) const {
  if (p.kind() != apb::POST_KIND_OFFER && p.kind() != apb::POST_KIND_REQUEST) {
    return absl::OkStatus();  // never stored: the noticeboard refuses any other kind
  }
  const uint64_t c = p.community_id();
  const absl::TimeZone tz = zones_->Zone(c);
  TB_ASSIGN_OR_RETURN(PostFacts * facts, tx.Mutable<PostFacts>(PostFactsKey(c, p.id())));
  const bool known = facts->kind() != 0;
  if (!known) {
    facts->set_kind(p.kind());
    // A post met first closed was created before posts were events: it was never
    // counted open, so its closing counts nothing either.
    facts->set_closed(p.closed());
    if (p.closed()) return absl::OkStatus();
    const absl::Time created_at = absl::FromUnixSeconds(p.created_at().seconds());
    return ChangeBuckets(tx, c, At(created_at, tz),
                         [&](CommunityBucket* b) { CountOpened(p.kind(), b); });
  }
  TB_CHECK(facts->kind() == p.kind());
  if (facts->closed() || !p.closed()) return absl::OkStatus();  // no change of state
  facts->set_closed(true);
  return ChangeBuckets(tx, c, At(changed_at, tz),
                       [&](CommunityBucket* b) { CountClosed(p.kind(), b); });
}

absl::Status NeedsMet::ApplyExchange(const apb::Activity& a, ProjectionTx& tx) const {
  const uint64_t c = a.community_id();
  const std::string key = PostFactsKey(c, a.post_id());
  TB_ASSIGN_OR_RETURN(PostFacts * facts, tx.Mutable<PostFacts>(key));
  // Posts this never met (made before posts were events) and offers count nothing.
  if (facts->kind() != apb::POST_KIND_REQUEST) return absl::OkStatus();
  if (a.state() == apb::ACTIVITY_STATE_CONFIRMED && facts->answered_by_activity_id() == 0) {
    const absl::TimeZone tz = zones_->Zone(c);
    const absl::Time at = absl::FromUnixNanos(FromTimestamp(a.occurred_at()));
    const Buckets b = At(at, tz);
    facts->set_answered_by_activity_id(a.id());
    facts->set_answered_week(b.week);
    facts->set_answered_month(b.month);
    return ChangeBuckets(tx, c, b, [](CommunityBucket* g) { CountAnswered(+1, g); });
  }
  if (a.state() == apb::ACTIVITY_STATE_REVERSED && facts->answered_by_activity_id() == a.id()) {
    const Buckets b{facts->answered_week(), facts->answered_month()};
    facts->clear_answered_by_activity_id();
    facts->clear_answered_week();
    facts->clear_answered_month();
    return ChangeBuckets(tx, c, b, [](CommunityBucket* g) { CountAnswered(-1, g); });
  }
  return absl::OkStatus();
}

}  // namespace timebank::rewards
