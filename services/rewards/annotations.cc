#include "services/rewards/annotations.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/common/records/records.h"
#include "services/common/text_fields.h"
#include "services/common/timestamps.h"
#include "services/rewards/rewards_records.h"
#include "storage/check.h"

namespace timebank::rewards {

namespace dpb = ::timebank::directory::v1;
namespace xpb = ::timebank::rewards::v1;

namespace {

constexpr records::BoundedText kAnnotationText = {
    "annotation.text",
    {TextLimits::kAnnotationBytes, Lines::kOne},
    "required: what changed, e.g. \"Saturday sessions start\""};

int64_t DaysSinceEpoch(absl::CivilDay day) { return day - absl::CivilDay(1970, 1, 1); }

absl::StatusOr<absl::CivilDay> DateOf(const std::string& date, absl::Time now) {
  absl::CivilDay day;
  if (!absl::ParseCivilTime(date, &day) || absl::FormatCivilTime(day) != date) {
    return records::FieldError("annotation.date", "a date like 2026-09-14 (year-month-day)");
  }
  const absl::CivilDay today = absl::ToCivilDay(now, absl::UTCTimeZone());
  if (day.year() > today.year() + AnnotationBook::kMaxYearsAway ||
      day.year() < today.year() - AnnotationBook::kMaxYearsAway) {
    return records::FieldError("annotation.date", "within 10 years of today");
  }
  return day;
}

}  // namespace

absl::StatusOr<xpb::Annotation> AnnotationBook::Annotate(const dpb::Principal& caller,
                                                         const xpb::Annotation& in,
                                                         const std::string& request_id) {
  TB_RETURN_IF_ERROR(records::CheckRequestId(request_id));
  const uint64_t c = in.community_id();
  if (c == 0) return records::FieldError("annotation.community_id", "required");
  TB_ASSIGN_OR_RETURN(absl::CivilDay day, DateOf(in.date(), clock_->Now()));
  TB_ASSIGN_OR_RETURN(std::string text, kAnnotationText.Normalise(in.text()));
  if (in.organisation_id() != 0) {
    TB_RETURN_IF_ERROR(people_->Organisation(c, in.organisation_id()).status());
  }
  const std::string request_key =
      records::RequestKey(kRequestTag, {"annotate", c, caller.subject_id()}, request_id);
  absl::MutexLock lock(&write_mu_);
  records::Tx tx(store_, kRecords, kCounterTag);
  auto replay = [&](std::string_view key) -> absl::StatusOr<xpb::Annotation> {
    return records::LoadRecord<xpb::Annotation>(tx, key, "an annotation",
                                                "the annotation this request made is gone");
  };
  auto create = [&](records::Tx& t) -> absl::StatusOr<records::Created<xpb::Annotation>> {
    TB_ASSIGN_OR_RETURN(uint64_t id, t.NextId("annotation"));
    xpb::Annotation a;
    a.set_community_id(c);
    a.set_organisation_id(in.organisation_id());
    a.set_date(absl::FormatCivilTime(day));
    a.set_text(std::move(text));
    a.set_id(id);
    a.set_created_by(caller.subject_id());
    ToTimestamp(absl::ToUnixNanos(clock_->Now()), a.mutable_created_at());
    const std::string key = AnnotationKey(c, in.organisation_id(), DaysSinceEpoch(day), id);
    t.Put(key, a.SerializeAsString());
    return records::Created<xpb::Annotation>{std::move(a), key};
  };
  TB_ASSIGN_OR_RETURN(xpb::Annotation out,
                      records::IdempotentCreate<xpb::Annotation>(tx, request_key, replay, create));
  TB_RETURN_IF_ERROR(tx.Commit());
  return out;
}

absl::StatusOr<std::vector<xpb::Annotation>> AnnotationBook::Between(
    uint64_t c, uint64_t org, absl::CivilDay first, absl::CivilDay last,
    const storage::Snapshot* snapshot) const {
  std::vector<xpb::Annotation> out;
  std::unique_ptr<storage::Iterator> it = store_->NewIterator(kRecords, snapshot);
  const std::string end = AnnotationKey(c, org, DaysSinceEpoch(last) + 1, 0);
  for (it->Seek(AnnotationKey(c, org, DaysSinceEpoch(first), 0)); it->Valid() && it->key() < end;
       it->Next()) {
    TB_ASSIGN_OR_RETURN(xpb::Annotation a,
                        records::ParseRecord<xpb::Annotation>(it->value(), "an annotation"));
    out.push_back(std::move(a));
  }
  TB_RETURN_IF_ERROR(it->status());
  return out;
}

}  // namespace timebank::rewards
