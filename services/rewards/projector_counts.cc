// What one counted transfer adds to (or, reversed, removes from) the projection:
// Projector::Count's two halves, lifetime records and week/month buckets.
#include "services/rewards/bucket_counts.h"
#include "services/rewards/projector.h"
#include "services/rewards/rewards_records.h"
#include "storage/check.h"

namespace timebank::rewards {
namespace {

namespace lpb = ::timebank::ledger::v1;
using rpb::CommunityBucket;
using rpb::MemberBucket;
using rpb::MemberRecord;
using rpb::PairCount;
using rpb::TransferFacts;

// Adds `sign` to a pair's transfers; returns +1/-1 when the pair starts or stops
// existing (a distinct partner gained or lost), else 0.
absl::StatusOr<int> CountPair(ProjectionTx& tx, const std::string& key, int sign) {
  TB_ASSIGN_OR_RETURN(PairCount * p, tx.Mutable<PairCount>(key));
  const int64_t before = p->transfers();
  p->set_transfers(before + sign);
  TB_CHECK(p->transfers() >= 0);
  if (before == 0 && p->transfers() > 0) return +1;
  if (before > 0 && p->transfers() == 0) return -1;
  return 0;
}

MemberBucket Given(int64_t m) {
  MemberBucket b;
  b.set_minutes_given(m);
  return b;
}
MemberBucket Received(int64_t m) {
  MemberBucket b;
  b.set_minutes_received(m);
  return b;
}

int32_t IndexOf(const TransferFacts& f, Grain g) {
  return g == Grain::kWeek ? f.week() : f.month();
}

// A member's bucket of grain `g` in the community's counts.
absl::Status ChangeMember(ProjectionTx& tx, uint64_t c, uint64_t member, Grain g, int32_t index,
                          const MemberBucket& delta) {
  TB_ASSIGN_OR_RETURN(MemberRecord * r, tx.Mutable<MemberRecord>(MemberKey(c, member)));
  TB_ASSIGN_OR_RETURN(MemberBucket * b,
                      tx.Mutable<MemberBucket>(MemberBucketKey(c, member, g, index)));
  auto* active = g == Grain::kWeek ? r->mutable_active_weeks() : r->mutable_active_months();
  return ChangeMemberBucket({b, active, index}, delta, [&](int32_t i) {
    return tx.Mutable<CommunityBucket>(GroupBucketKey(c, 0, g, i));
  });
}

// A member's time given to an organisation, in the organisation's counts.
absl::Status ChangeOrgMember(ProjectionTx& tx, uint64_t c, uint64_t org, uint64_t member, Grain g,
                             int32_t index, const MemberBucket& delta) {
  TB_ASSIGN_OR_RETURN(PairCount * pair, tx.Mutable<PairCount>(OrgGivenKey(c, member, org)));
  TB_ASSIGN_OR_RETURN(MemberBucket * b,
                      tx.Mutable<MemberBucket>(OrgMemberBucketKey(c, org, g, index, member)));
  auto* active = g == Grain::kWeek ? pair->mutable_active_weeks() : pair->mutable_active_months();
  return ChangeMemberBucket({b, active, index}, delta, [&](int32_t i) {
    return tx.Mutable<CommunityBucket>(GroupBucketKey(c, org, g, i));
  });
}

void AddTime(CommunityBucket* g, const TransferFacts& f, int64_t m, int sign) {
  g->set_minutes_given(g->minutes_given() + m);
  AddStarTo(g, f.star(), m, sign);
  TB_CHECK(g->minutes_given() >= 0);
}

}  // namespace

absl::Status Projector::CountLifetime(const TransferFacts& f, int sign, ProjectionTx& tx) const {
  const uint64_t c = f.community_id();
  const int64_t m = sign * f.minutes();
  // The debited member (all kinds but contributions, whose debit is an organisation).
  MemberRecord* debit = nullptr;
  if (f.debit_owner_kind() == 'm') {
    TB_ASSIGN_OR_RETURN(debit, tx.Mutable<MemberRecord>(MemberKey(c, f.debit_owner_id())));
  }
  switch (f.kind()) {
    case lpb::TRANSFER_KIND_EXCHANGE: {
      TB_ASSIGN_OR_RETURN(MemberRecord * giver,
                          tx.Mutable<MemberRecord>(MemberKey(c, f.credit_owner_id())));
      giver->set_minutes_given(giver->minutes_given() + m);
      AddStarTo(giver, f.star(), m, sign);
      debit->set_minutes_received(debit->minutes_received() + m);
      TB_ASSIGN_OR_RETURN(
          int helped, CountPair(tx, HelpedKey(c, f.credit_owner_id(), f.debit_owner_id()), sign));
      giver->set_people_helped(giver->people_helped() + helped);
      TB_ASSIGN_OR_RETURN(
          int by, CountPair(tx, HelpedByKey(c, f.debit_owner_id(), f.credit_owner_id()), sign));
      debit->set_helped_by(debit->helped_by() + by);
      break;
    }
    case lpb::TRANSFER_KIND_CONTRIBUTION: {
      TB_ASSIGN_OR_RETURN(MemberRecord * giver,
                          tx.Mutable<MemberRecord>(MemberKey(c, f.credit_owner_id())));
      giver->set_minutes_given(giver->minutes_given() + m);
      AddStarTo(giver, f.star(), m, sign);
      TB_ASSIGN_OR_RETURN(
          int orgs, CountPair(tx, OrgGivenKey(c, f.credit_owner_id(), f.debit_owner_id()), sign));
      giver->set_organisations_given_to(giver->organisations_given_to() + orgs);
      break;
    }
    case lpb::TRANSFER_KIND_DONATION:
      debit->set_minutes_donated(debit->minutes_donated() + m);
      debit->set_donations(debit->donations() + sign);
      break;
    case lpb::TRANSFER_KIND_REDEMPTION:
      debit->set_minutes_redeemed(debit->minutes_redeemed() + m);
      debit->set_redemptions(debit->redemptions() + sign);
      break;
    default:
      TB_CHECK(false);
  }
  return absl::OkStatus();
}

absl::Status Projector::CountBuckets(const TransferFacts& f, int sign, ProjectionTx& tx) const {
  const uint64_t c = f.community_id();
  const int64_t m = sign * f.minutes();
  for (Grain g : {Grain::kWeek, Grain::kMonth}) {
    const int32_t i = IndexOf(f, g);
    TB_ASSIGN_OR_RETURN(CommunityBucket * all,
                        tx.Mutable<CommunityBucket>(GroupBucketKey(c, 0, g, i)));
    MemberBucket delta;
    switch (f.kind()) {
      case lpb::TRANSFER_KIND_EXCHANGE:
        TB_RETURN_IF_ERROR(ChangeMember(tx, c, f.credit_owner_id(), g, i, Given(m)));
        TB_RETURN_IF_ERROR(ChangeMember(tx, c, f.debit_owner_id(), g, i, Received(m)));
        AddTime(all, f, m, sign);
        break;
      case lpb::TRANSFER_KIND_CONTRIBUTION: {
        TB_RETURN_IF_ERROR(ChangeMember(tx, c, f.credit_owner_id(), g, i, Given(m)));
        TB_RETURN_IF_ERROR(
            ChangeOrgMember(tx, c, f.debit_owner_id(), f.credit_owner_id(), g, i, Given(m)));
        AddTime(all, f, m, sign);
        TB_ASSIGN_OR_RETURN(CommunityBucket * org, tx.Mutable<CommunityBucket>(GroupBucketKey(
                                                       c, f.debit_owner_id(), g, i)));
        AddTime(org, f, m, sign);
        break;
      }
      case lpb::TRANSFER_KIND_DONATION:
        delta.set_minutes_donated(m);
        TB_RETURN_IF_ERROR(ChangeMember(tx, c, f.debit_owner_id(), g, i, delta));
        all->set_minutes_donated(all->minutes_donated() + m);
        break;
      case lpb::TRANSFER_KIND_REDEMPTION: {
        delta.set_minutes_redeemed(m);
        TB_RETURN_IF_ERROR(ChangeMember(tx, c, f.debit_owner_id(), g, i, delta));
        all->set_minutes_redeemed(all->minutes_redeemed() + m);
        TB_ASSIGN_OR_RETURN(CommunityBucket * org, tx.Mutable<CommunityBucket>(GroupBucketKey(
                                                       c, f.credit_owner_id(), g, i)));
        org->set_minutes_redeemed(org->minutes_redeemed() + m);
        break;
      }
      default:
        TB_CHECK(false);
    }
  }
  return absl::OkStatus();
}

}  // namespace timebank::rewards
