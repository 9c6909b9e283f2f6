// Bulk import of contributions for one organisation (a coordinator's spreadsheet):
// each row checked on its own, members resolved in one look-up, each row's content its
// idempotency key so importing a file again records nothing twice; and the wait for
// the imported rows to be posted.
#include <algorithm>
#include <map>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/activity/activity_book.h"
#include "storage/bytes.h"
#include "storage/check.h"
#include "storage/hash_chain.h"

namespace timebank::activity {
namespace {

namespace dpb = ::timebank::directory::v1;
namespace lpb = ::timebank::ledger::v1;
using Row = apb::ImportRowResult;

constexpr char kImportDescription[] = "Volunteer hours (imported)";
constexpr records::BoundedText kImportedDescription{"description",
                                                    {TextLimits::kActivityDescriptionBytes}};
constexpr records::BoundedText kMemberNumber{"member_number",
                                             {ActivityLimits::kMaxMemberNumberBytes}};

// The fields of an import row that need nothing but the row itself, checked; the
// member is resolved later, in bulk. Returns the row's description, normalised (the
// text rule is applied here, row by row, so a bad row is rejected and the rest go on).
absl::StatusOr<std::string> CheckImportRow(const apb::ImportRow& row) {
  TB_ASSIGN_OR_RETURN(std::string description, kImportedDescription.Normalise(row.description()));
  const std::string& n = row.member_number();
  if (n.empty()) {
    return FieldError("member_number", "required, 1..32 bytes (the number on the member's card)");
  }
  TB_RETURN_IF_ERROR(kMemberNumber.Check(n));
  if (row.minutes() <= 0) return FieldError("hours", "must be more than zero");
  if (row.minutes() > ActivityLimits::kMaxMinutes) {
    return FieldError("hours", "at most 24 hours in one row; split longer work by day");
  }
  if (row.coproduction_type() == lpb::COPRODUCTION_TYPE_UNSPECIFIED ||
      !lpb::CoproductionType_IsValid(row.coproduction_type())) {
    return FieldError("coproduction_type",
                      "co-commission, co-design, co-delivery or co-assessment");
  }
  if (!apb::InputKind_IsValid(row.input())) return FieldError("input", "individual or collective");
  return description.empty() ? std::string(kImportDescription) : description;
}

// Where an imported row is remembered: its organisation, member and content, so the
// same row imported again is recognised whichever file or batch it comes in.
std::string ImportKey(uint64_t c, uint64_t organisation_id, const apb::Activity& a,
                      const std::string& date) {
  const std::string content =
      absl::StrCat(a.provider_member_id(), "|", date, "|", a.minutes(), "|", a.coproduction_type(),
                   "|", a.input(), "|", a.description());
  const std::string digest =
      storage::ToHex(storage::HashBytes(storage::Sha256(content)).substr(0, 16));
  return records::RequestKey(kRequestTag, {"import", c, organisation_id}, digest);
}

void Reject(Row* r, absl::string_view why) {
  r->set_outcome(Row::OUTCOME_REJECTED);
  r->set_error(std::string(why));
}

// The draft of one row (minutes, when, description), checked as every record is.
absl::Status DraftRow(const apb::ImportRow& row, absl::TimeZone tz, absl::Time now,
                      apb::Activity* a) {
  absl::StatusOr<std::string> description = CheckImportRow(row);
  absl::Status s = description.status();
  absl::Time day;
  std::string err;
  if (s.ok() && !absl::ParseTime("%Y-%m-%d", row.date(), tz, &day, &err)) {
    s = FieldError("date", absl::StrCat("'", row.date(), "' is not a date like 2026-11-23"));
  }
  a->set_minutes(row.minutes());
  a->mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(day));
  if (description.ok()) a->set_description(*std::move(description));
  if (s.ok()) s = CheckCommon(a->minutes(), a->occurred_at(), a->description(), now);
  if (absl::StartsWith(s.message(), "occurred_at")) {
    s = FieldError("date", std::string(s.message().substr(s.message().find(':') + 2)));
  }
  return s;
}

// Why a row's member cannot be credited, or "" when they can.
std::string MemberProblem(const std::string& number,
                          const std::map<std::string, dpb::Member>& members) {
  auto m = members.find(number);
  if (m == members.end()) {
    return absl::StrCat("member_number: no member numbered '", number, "' in this community");
  }
  if (m->second.status() != dpb::MEMBER_STATUS_ACTIVE) {
    return absl::StrCat("member_number: member ", number, " is not active (",
                        dpb::MemberStatus_Name(m->second.status()), ")");
  }
  return "";
}

// The rest of a row's activity, once its member is known.
void CompleteRow(const dpb::Principal& caller, const apb::ImportContributionsRequest& req,
                 const apb::ImportRow& row, const dpb::Member& member, int64_t now_s,
                 apb::Activity* a) {
  a->set_community_id(req.community_id());
  a->set_kind(apb::ACTIVITY_KIND_CONTRIBUTION);
  a->set_state(apb::ACTIVITY_STATE_CONFIRMED);
  a->set_provider_member_id(member.id());
  a->set_organisation_id(req.organisation_id());
  a->set_coproduction_type(row.coproduction_type());
  a->set_input(row.input() == apb::INPUT_KIND_UNSPECIFIED ? apb::INPUT_KIND_INDIVIDUAL
                                                          : row.input());
  a->set_recorded_by(caller.subject_id());
  a->set_decided_by(caller.subject_id());
  a->mutable_created_at()->set_seconds(now_s);
}

// Each row checked on its own (fields, date); the member numbers of those that pass.
std::vector<std::string> DraftRows(const apb::ImportContributionsRequest& req, absl::TimeZone tz,
                                   absl::Time now, std::vector<Row>* results,
                                   std::vector<apb::Activity>* drafts) {
  std::vector<std::string> numbers;
  for (size_t i = 0; i < results->size(); ++i) {
    const apb::ImportRow& row = req.rows(static_cast<int>(i));
    (*results)[i].set_row_number(row.row_number());
    absl::Status s = DraftRow(row, tz, now, &(*drafts)[i]);
    if (!s.ok()) {
      Reject(&(*results)[i], s.message());
      continue;
    }
    numbers.push_back(row.member_number());
  }
  std::sort(numbers.begin(), numbers.end());
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
  return numbers;
}

// Completes each row with its member; the same row twice in one call is a mistake,
// not two records. Returns each row's import key ("" for rejected rows).
std::vector<std::string> CompleteRows(const dpb::Principal& caller,
                                      const apb::ImportContributionsRequest& req,
                                      const std::map<std::string, dpb::Member>& members,
                                      int64_t now_s, std::vector<Row>* results,
                                      std::vector<apb::Activity>* drafts) {
  std::vector<std::string> keys(results->size());
  std::map<std::string, uint32_t> first_row_of_key;
  for (size_t i = 0; i < results->size(); ++i) {
    Row& r = (*results)[i];
    if (r.outcome() == Row::OUTCOME_REJECTED) continue;
    const apb::ImportRow& row = req.rows(static_cast<int>(i));
    if (std::string problem = MemberProblem(row.member_number(), members); !problem.empty()) {
      Reject(&r, problem);
      continue;
    }
    apb::Activity& a = (*drafts)[i];
    CompleteRow(caller, req, row, members.at(row.member_number()), now_s, &a);
    r.set_member_id(a.provider_member_id());
    keys[i] = ImportKey(req.community_id(), req.organisation_id(), a, row.date());
    auto [first, inserted] = first_row_of_key.emplace(keys[i], row.row_number());
    if (!inserted) {
      Reject(&r, absl::StrCat("row: the same as row ", first->second,
                              "; combine them into one row if both happened"));
    }
  }
  return keys;
}

}  // namespace

absl::StatusOr<std::vector<Row>> ActivityBook::ImportContributions(
    const dpb::Principal& caller, const apb::ImportContributionsRequest& req) {
  const size_t n = static_cast<size_t>(req.rows_size());
  if (n == 0 || n > ActivityLimits::kMaxImportRows) {
    return FieldError("rows", "1..1000 rows per call (send a larger file in parts)");
  }
  if (req.wait_ms() > ActivityLimits::kMaxImportWaitMs) {
    return FieldError("wait_ms", "at most 30000");
  }
  const uint64_t c = req.community_id();
  TB_RETURN_IF_ERROR(people_->Organisation(c, req.organisation_id()).status());
  TB_ASSIGN_OR_RETURN(dpb::Community community, people_->Community(c));
  absl::TimeZone tz;
  if (!absl::LoadTimeZone(community.timezone(), &tz)) tz = absl::UTCTimeZone();
  const absl::Time now = Now();
  std::vector<Row> results(n);
  std::vector<apb::Activity> drafts(n);
  const std::vector<std::string> numbers = DraftRows(req, tz, now, &results, &drafts);
  std::map<std::string, dpb::Member> members;
  if (!numbers.empty()) {  // in one look-up
    TB_ASSIGN_OR_RETURN(std::vector<std::optional<dpb::Member>> found,
                        people_->MembersByNumber(c, numbers));
    TB_CHECK(found.size() == numbers.size());
    for (size_t i = 0; i < numbers.size(); ++i) {
      if (found[i]) members.emplace(numbers[i], std::move(*found[i]));
    }
  }
  const std::vector<std::string> keys =
      CompleteRows(caller, req, members, absl::ToUnixSeconds(now), &results, &drafts);
  TB_RETURN_IF_ERROR(RecordImport(req.dry_run(), keys, &results, &drafts));
  return results;
}

absl::Status ActivityBook::RecordImport(bool dry_run, const std::vector<std::string>& keys,
                                        std::vector<Row>* results,
                                        std::vector<apb::Activity>* drafts) {
  absl::MutexLock lock(&write_mu_);
  records::Tx tx = records_.NewTx();
  for (size_t i = 0; i < results->size(); ++i) {
    Row& r = (*results)[i];
    if (r.outcome() == Row::OUTCOME_REJECTED) continue;
    TB_ASSIGN_OR_RETURN(std::optional<std::string> seen, records::Remembered(tx, keys[i]));
    std::vector<apb::Activity> prior;
    if (seen) {
      TB_ASSIGN_OR_RETURN(prior, records_.LoadAll(tx, *seen));
    }
    if (!prior.empty()) {
      r.set_outcome(Row::OUTCOME_ALREADY_IMPORTED);
      r.set_activity_id(prior[0].id());
      r.set_posting_state(prior[0].posting_state());
      r.set_ledger_result(prior[0].ledger_result());
      continue;
    }
    r.set_outcome(Row::OUTCOME_IMPORTED);
    if (dry_run) continue;
    apb::Activity& a = (*drafts)[i];
    TB_ASSIGN_OR_RETURN(uint64_t id, tx.NextId(absl::StrCat("activity.", a.community_id())));
    a.set_id(id);
    records_.Put(tx, a, /*is_new=*/true, Posting::kTransfer);
    tx.Put(keys[i], records::EncodeRefs({{a.community_id(), id}}));
    r.set_activity_id(id);
    r.set_posting_state(a.posting_state());
  }
  return tx.Commit();
}

absl::Status ActivityBook::AwaitPosting(uint64_t c, std::vector<Row>* results,
                                        absl::Duration timeout) {
  const absl::Time deadline = Now() + timeout;
  // The outbox is posted in order, so the newest activity is the last to be settled.
  uint64_t newest = 0;
  for (const Row& r : *results) {
    if (r.posting_state() == apb::POSTING_STATE_QUEUED) newest = std::max(newest, r.activity_id());
  }
  if (newest == 0) return absl::OkStatus();
  while (true) {
    TB_ASSIGN_OR_RETURN(apb::Activity a, records_.Load(records_.Committed(), c, newest));
    if (a.posting_state() != apb::POSTING_STATE_QUEUED || Now() >= deadline) break;
    absl::SleepFor(absl::Milliseconds(5));
  }
  for (Row& r : *results) {
    if (r.posting_state() != apb::POSTING_STATE_QUEUED) continue;
    TB_ASSIGN_OR_RETURN(apb::Activity a, records_.Load(records_.Committed(), c, r.activity_id()));
    r.set_posting_state(a.posting_state());
    r.set_ledger_result(a.ledger_result());
  }
  return absl::OkStatus();
}

}  // namespace timebank::activity
