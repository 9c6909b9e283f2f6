#include "services/activity/activity_book.h"

#include <algorithm>
#include <limits>
#include <map>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/auth/token.h"
#include "services/common/ids.h"
#include "services/common/text_fields.h"
#include "services/common/validation.h"
#include "storage/absl_compat.h"
#include "storage/bytes.h"
#include "storage/check.h"
#include "storage/outbox.h"
#include "storage/record_tx.h"

namespace timebank::activity {
namespace {

namespace dpb = ::timebank::directory::v1;
namespace lpb = ::timebank::ledger::v1;
using storage::KeyU64;
using storage::KeyU64U64;

constexpr storage::ColumnFamily kRecords = 0;
constexpr char kActivityTag = 'A';  // u64 c, u64 id -> Activity
constexpr char kAllTag = 'l';       // u64 c, u64 ~id -> ""      (newest first)
constexpr char kMemberTag = 'm';    // u64 c, u64 member, u64 ~id -> ""
constexpr char kOrgTag = 'o';       // u64 c, u64 org, u64 ~id -> ""
constexpr char kOutboxTag = 'X';    // u64 seq -> u64 c, u64 id, u8 reversal
constexpr char kRequestTag = 'Q';   // request key -> u64 ids...
constexpr char kEventTag = 'E';     // u64 seq -> ActivityEvent
constexpr char kWaitingTag = 'w';   // i64 created_s, u64 c, u64 id -> "" (unanswered exchanges)
constexpr char kPostTag = 'P';      // u64 c, u64 ~id -> Post (newest first)
constexpr char kCounterTag = '#';

uint64_t Inv(uint64_t id) { return std::numeric_limits<uint64_t>::max() - id; }

std::string WaitingKey(const apb::Activity& a) {
  std::string k(1, kWaitingTag);
  storage::PutI64(&k, a.created_at().seconds());
  storage::PutU64(&k, a.community_id());
  storage::PutU64(&k, a.id());
  return k;
}

std::string Key3(char tag, uint64_t a, uint64_t b, uint64_t c) {
  std::string k = KeyU64U64(tag, a, b);
  storage::PutU64(&k, c);
  return k;
}

absl::Status Field(const char* field, const std::string& problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

// A reason: at most 512 bytes of one-line text; `required_why` (if not null) says what a
// required reason should explain.
absl::Status CheckReason(const std::string& reason, const char* required_why) {
  if (required_why != nullptr && reason.empty()) return Field("reason", required_why);
  return CheckText("reason", reason, {TextLimits::kReasonBytes});
}

absl::Status CheckRequestId(const std::string& request_id) {
  if (!request_id.empty() && !IsValidId(request_id, 64)) {
    return Field("request_id", "1..64 of A-Z a-z 0-9 . _ : -");
  }
  return absl::OkStatus();
}

// Where a request id's first result is remembered ("" when the request has none).
std::string RequestKey(const char* operation, uint64_t community_id, uint64_t who,
                       const std::string& request_id) {
  if (request_id.empty()) return "";
  return storage::KeyStr(kRequestTag,
                         absl::StrCat(operation, ":", community_id, ":", who, ":", request_id));
}

bool IsMember(const dpb::Principal& p) { return p.kind() == dpb::Principal::KIND_MEMBER; }

bool Sees(const dpb::Principal& p, const apb::Activity& a) {
  if (p.kind() == dpb::Principal::KIND_SERVICE) return true;
  if (auth::HasRole(p, dpb::ROLE_ADMIN) || auth::HasRole(p, dpb::ROLE_FINANCE) ||
      (IsMember(p) && auth::HasRole(p, dpb::ROLE_COORDINATOR))) {
    return true;
  }
  if (p.kind() == dpb::Principal::KIND_API_KEY) {
    return a.organisation_id() != 0 &&
           std::find(p.coordinator_of().begin(), p.coordinator_of().end(), a.organisation_id()) !=
               p.coordinator_of().end();
  }
  return IsMember(p) &&
         (a.provider_member_id() == p.subject_id() || a.receiver_member_id() == p.subject_id());
}

std::string Sealed(apb::Activity& a) {
  a.clear_etag();
  a.set_etag(storage::ToHex(auth::Sha256(a.SerializeAsString()).substr(0, 8)));
  return a.SerializeAsString();
}

// The accounts an activity moves time between: debit (receives the service, or gives
// the credits away) and credit.
std::pair<std::string, std::string> Accounts(const apb::Activity& a) {
  const uint64_t c = a.community_id();
  switch (a.kind()) {
    case apb::ACTIVITY_KIND_CONTRIBUTION:
      return {OrganisationAccountId(c, a.organisation_id()),
              MemberAccountId(c, a.provider_member_id())};
    case apb::ACTIVITY_KIND_DONATION:
      return {
          MemberAccountId(c, a.provider_member_id()),
          a.receiver_member_id() ? MemberAccountId(c, a.receiver_member_id()) : PoolAccountId(c)};
    case apb::ACTIVITY_KIND_REDEMPTION:
      return {MemberAccountId(c, a.provider_member_id()),
              OrganisationAccountId(c, a.organisation_id())};
    default:
      return {MemberAccountId(c, a.receiver_member_id()),
              MemberAccountId(c, a.provider_member_id())};
  }
}

lpb::TransferKind LedgerKind(apb::ActivityKind k) {
  switch (k) {
    case apb::ACTIVITY_KIND_CONTRIBUTION:
      return lpb::TRANSFER_KIND_CONTRIBUTION;
    case apb::ACTIVITY_KIND_DONATION:
      return lpb::TRANSFER_KIND_DONATION;
    case apb::ACTIVITY_KIND_REDEMPTION:
      return lpb::TRANSFER_KIND_REDEMPTION;
    default:
      return lpb::TRANSFER_KIND_EXCHANGE;
  }
}

lpb::Transfer TransferFor(const apb::Activity& a, bool reversal, bool post_pending) {
  lpb::Transfer t;
  const uint64_t c = a.community_id();
  if (post_pending) {
    t.set_id(ActivityPostId(c, a.id()));
    t.set_post_pending(true);
    t.set_pending_id(ActivityTransferId(c, a.id()));
    std::tie(*t.mutable_debit_account_id(), *t.mutable_credit_account_id()) = Accounts(a);
    t.set_amount(a.minutes());
    t.set_kind(LedgerKind(a.kind()));
    t.set_memo(a.description());
  } else if (reversal) {
    t.set_id(ActivityReversalId(c, a.id()));
    t.set_kind(lpb::TRANSFER_KIND_REVERSAL);
    t.set_reverses_id(ActivityTransferId(c, a.id()));
    t.set_memo(a.reason().empty() ? "reversed" : a.reason());
  } else {
    t.set_id(ActivityTransferId(c, a.id()));
    std::tie(*t.mutable_debit_account_id(), *t.mutable_credit_account_id()) = Accounts(a);
    t.set_kind(LedgerKind(a.kind()));
    if (a.kind() == apb::ACTIVITY_KIND_CONTRIBUTION) t.set_coproduction_type(a.coproduction_type());
    t.set_amount(a.minutes());
    t.set_memo(a.description());
    *t.mutable_occurred_at() = a.occurred_at();
  }
  t.set_reference(absl::StrCat("communities/", c, "/activities/", a.id()));
  return t;
}

}  // namespace

// A change to the activity store. Once committed, it tells the book about any events
// it appended, which wakes the watchers (WaitForEvent).
class ActivityBook::Tx : public storage::RecordTx {
 public:
  explicit Tx(storage::KvStore* s) : RecordTx(s, kRecords, kCounterTag) {}
  absl::Status Commit() {
    absl::Status s = RecordTx::Commit();
    if (s.ok() && events_ != nullptr) events_->EventsCommitted(last_event_seq_);
    return s;
  }
  // Called for each event appended in this transaction (in seq order).
  void AddedEvent(ActivityBook* book, uint64_t seq) {
    events_ = book;
    last_event_seq_ = seq;
  }

 private:
  ActivityBook* events_ = nullptr;
  uint64_t last_event_seq_ = 0;
};

void ActivityBook::EventsCommitted(uint64_t seq) {
  absl::MutexLock lock(&event_mu_);
  event_head_ = std::max(event_head_, seq);
}

ActivityBook::ActivityBook(storage::KvStore* store, People* people, Ledger* ledger)
    : store_(store),
      people_(people),
      ledger_(ledger),
      poster_(ledger),
      outbox_(store, kRecords, kOutboxTag) {}

absl::Status ActivityBook::CheckCommon(int64_t minutes,
                                       const google::protobuf::Timestamp& occurred_at,
                                       const std::string& description) const {
  if (minutes <= 0) return Field("minutes", "must be more than zero");
  if (minutes > ActivityLimits::kMaxMinutes)
    return Field("minutes", "at most 24 hours (1440) in one record");
  const absl::Time when = absl::FromUnixSeconds(occurred_at.seconds());
  if (occurred_at.seconds() == 0) return Field("occurred_at", "required: when it happened");
  if (when > Now() + absl::Minutes(5)) return Field("occurred_at", "is in the future");
  if (when < Now() - absl::Hours(24 * ActivityLimits::kMaxAgeDays)) {
    return Field("occurred_at", "more than a year ago; ask an admin to record it as an adjustment");
  }
  if (description.empty()) return Field("description", "required: what was done");
  return CheckText("description", description, {TextLimits::kActivityDescriptionBytes});
}

absl::StatusOr<dpb::Member> ActivityBook::ActiveMember(uint64_t c, uint64_t id, const char* field) {
  absl::StatusOr<dpb::Member> m = people_->Member(c, id);
  if (m.status().code() == absl::StatusCode::kNotFound) {
    return Field(field, absl::StrCat("member ", id, " is not in community ", c));
  }
  if (!m.ok()) return m.status();
  if (m->status() != dpb::MEMBER_STATUS_ACTIVE) {
    return absl::FailedPreconditionError(absl::StrCat(field, ": member ", id, " is not active (",
                                                      dpb::MemberStatus_Name(m->status()), ")"));
  }
  return m;
}

absl::StatusOr<apb::Activity> ActivityBook::Load(uint64_t c, uint64_t id) {
  std::string v;
  TB_ASSIGN_OR_RETURN(bool found, store_->Get(kRecords, KeyU64U64(kActivityTag, c, id), &v));
  if (!found)
    return absl::NotFoundError(absl::StrCat("activity ", id, " does not exist in community ", c));
  apb::Activity a;
  if (!a.ParseFromString(v))
    return absl::DataLossError(absl::StrCat("activity ", id, " is damaged"));
  return a;
}

void ActivityBook::Put(Tx& tx, apb::Activity& a, bool is_new, Posting posting) {
  const uint64_t c = a.community_id();
  if (posting != Posting::kNone) {
    a.set_posting_state(apb::POSTING_STATE_QUEUED);
    a.set_transfer_id(ActivityTransferId(c, a.id()));
    // A counter read can fail only if the store does; then nothing is committed either.
    TB_CHECK(outbox_.Add(tx, c, a.id(), static_cast<uint8_t>(posting)).ok());
  } else if (a.posting_state() == apb::POSTING_STATE_UNSPECIFIED) {
    a.set_posting_state(apb::POSTING_STATE_NOT_POSTED);
  }
  tx.Put(KeyU64U64(kActivityTag, c, a.id()), Sealed(a));
  AddEvent(tx, a);
  if (is_new) {
    tx.Put(KeyU64U64(kAllTag, c, Inv(a.id())), "");
    tx.Put(Key3(kMemberTag, c, a.provider_member_id(), Inv(a.id())), "");
    if (a.receiver_member_id() != 0)
      tx.Put(Key3(kMemberTag, c, a.receiver_member_id(), Inv(a.id())), "");
    if (a.organisation_id() != 0) tx.Put(Key3(kOrgTag, c, a.organisation_id(), Inv(a.id())), "");
  }
}

absl::StatusOr<std::vector<apb::Activity>> ActivityBook::Replay(const std::string& request_key) {
  std::string ids;
  TB_ASSIGN_OR_RETURN(bool seen, store_->Get(kRecords, request_key, &ids));
  if (!seen) return std::vector<apb::Activity>{};
  std::vector<apb::Activity> out;
  for (size_t i = 0; i + 16 <= ids.size(); i += 16) {
    TB_ASSIGN_OR_RETURN(apb::Activity a, Load(storage::DecodeU64(ids.data() + i),
                                              storage::DecodeU64(ids.data() + i + 8)));
    out.push_back(std::move(a));
  }
  return out;
}

absl::StatusOr<std::vector<apb::Activity>> ActivityBook::LogContributions(
    const dpb::Principal& caller, const apb::LogContributionsRequest& req) {
  TB_RETURN_IF_ERROR(CheckCommon(req.minutes(), req.occurred_at(), req.description()));
  if (req.member_ids().empty() ||
      static_cast<size_t>(req.member_ids_size()) > ActivityLimits::kMaxMembersPerEvent) {
    return Field("member_ids", "1..500 members");
  }
  TB_RETURN_IF_ERROR(CheckRequestId(req.request_id()));
  std::vector<uint64_t> members(req.member_ids().begin(), req.member_ids().end());
  std::sort(members.begin(), members.end());
  if (std::adjacent_find(members.begin(), members.end()) != members.end()) {
    return Field("member_ids", "a member is listed twice");
  }
  const uint64_t c = req.community_id();
  TB_RETURN_IF_ERROR(people_->Organisation(c, req.organisation_id()).status());
  for (uint64_t m : req.member_ids()) TB_RETURN_IF_ERROR(ActiveMember(c, m, "member_ids").status());

  absl::MutexLock lock(&write_mu_);
  const std::string request_key = RequestKey("log", c, req.organisation_id(), req.request_id());
  if (!req.request_id().empty()) {
    TB_ASSIGN_OR_RETURN(std::vector<apb::Activity> prior, Replay(request_key));
    if (!prior.empty()) return prior;
  }
  Tx tx(store_);
  std::vector<apb::Activity> out;
  std::string ids;
  uint64_t group = 0;
  if (req.member_ids_size() > 1) {
    TB_ASSIGN_OR_RETURN(group, tx.NextId(absl::StrCat("group.", c)));
  }
  for (uint64_t m : req.member_ids()) {
    apb::Activity a;
    a.set_community_id(c);
    TB_ASSIGN_OR_RETURN(uint64_t id, tx.NextId(absl::StrCat("activity.", c)));
    a.set_id(id);
    a.set_kind(apb::ACTIVITY_KIND_CONTRIBUTION);
    a.set_state(apb::ACTIVITY_STATE_CONFIRMED);
    a.set_provider_member_id(m);
    a.set_organisation_id(req.organisation_id());
    a.set_minutes(req.minutes());
    *a.mutable_occurred_at() = req.occurred_at();
    a.set_description(req.description());
    a.set_coproduction_type(req.coproduction_type());
    a.set_input(req.input() != apb::INPUT_KIND_UNSPECIFIED ? req.input()
                : req.member_ids_size() > 1                ? apb::INPUT_KIND_COLLECTIVE
                                                           : apb::INPUT_KIND_INDIVIDUAL);
    a.set_recorded_by(caller.subject_id());
    a.set_decided_by(caller.subject_id());
    a.set_group_id(group);
    a.mutable_created_at()->set_seconds(absl::ToUnixSeconds(Now()));
    Put(tx, a, /*is_new=*/true, Posting::kTransfer);
    ids += KeyU64U64('_', c, id).substr(1);
    out.push_back(std::move(a));
  }
  if (!req.request_id().empty()) tx.Put(request_key, ids);
  TB_RETURN_IF_ERROR(tx.Commit());
  return out;
}

namespace {

constexpr char kImportDescription[] = "Volunteer hours (imported)";

// The fields of an import row that need nothing but the row itself, checked; the
// member is resolved later, in bulk. Returns the row's description, normalised (the
// text rule is applied here, row by row, so a bad row is rejected and the rest go on).
absl::StatusOr<std::string> CheckImportRow(const apb::ImportRow& row) {
  TB_ASSIGN_OR_RETURN(
      std::string description,
      NormaliseText("description", row.description(), {TextLimits::kActivityDescriptionBytes}));
  const std::string& n = row.member_number();
  if (n.empty()) {
    return Field("member_number", "required, 1..32 bytes (the number on the member's card)");
  }
  TB_RETURN_IF_ERROR(CheckText("member_number", n, {ActivityLimits::kMaxMemberNumberBytes}));
  if (row.minutes() <= 0) return Field("hours", "must be more than zero");
  if (row.minutes() > ActivityLimits::kMaxMinutes) {
    return Field("hours", "at most 24 hours in one row; split longer work by day");
  }
  if (row.coproduction_type() == lpb::COPRODUCTION_TYPE_UNSPECIFIED ||
      !lpb::CoproductionType_IsValid(row.coproduction_type())) {
    return Field("coproduction_type", "co-commission, co-design, co-delivery or co-assessment");
  }
  if (!apb::InputKind_IsValid(row.input())) return Field("input", "individual or collective");
  return description.empty() ? std::string(kImportDescription) : description;
}

// Where an imported row is remembered: its organisation, member and content, so the
// same row imported again is recognised whichever file or batch it comes in.
std::string ImportKey(uint64_t c, uint64_t organisation_id, const apb::Activity& a,
                      const std::string& date) {
  const std::string content =
      absl::StrCat(a.provider_member_id(), "|", date, "|", a.minutes(), "|", a.coproduction_type(),
                   "|", a.input(), "|", a.description());
  return storage::KeyStr(kRequestTag,
                         absl::StrCat("import:", c, ":", organisation_id, ":",
                                      storage::ToHex(auth::Sha256(content).substr(0, 16))));
}

void Reject(apb::ImportRowResult* r, absl::string_view why) {
  r->set_outcome(apb::ImportRowResult::OUTCOME_REJECTED);
  r->set_error(std::string(why));
}

}  // namespace

absl::StatusOr<std::vector<apb::ImportRowResult>> ActivityBook::ImportContributions(
    const dpb::Principal& caller, const apb::ImportContributionsRequest& req) {
  const size_t n = static_cast<size_t>(req.rows_size());
  if (n == 0 || n > ActivityLimits::kMaxImportRows) {
    return Field("rows", "1..1000 rows per call (send a larger file in parts)");
  }
  if (req.wait_ms() > ActivityLimits::kMaxImportWaitMs) return Field("wait_ms", "at most 30000");
  const uint64_t c = req.community_id();
  TB_RETURN_IF_ERROR(people_->Organisation(c, req.organisation_id()).status());
  TB_ASSIGN_OR_RETURN(dpb::Community community, people_->Community(c));
  absl::TimeZone tz;
  if (!absl::LoadTimeZone(community.timezone(), &tz)) tz = absl::UTCTimeZone();

  // 1. Each row on its own: fields, date.
  std::vector<apb::ImportRowResult> results(n);
  std::vector<apb::Activity> drafts(n);
  std::vector<std::string> numbers;
  for (size_t i = 0; i < n; ++i) {
    const apb::ImportRow& row = req.rows(static_cast<int>(i));
    results[i].set_row_number(row.row_number());
    absl::StatusOr<std::string> description = CheckImportRow(row);
    absl::Status s = description.status();
    absl::Time day;
    std::string err;
    if (s.ok() && !absl::ParseTime("%Y-%m-%d", row.date(), tz, &day, &err)) {
      s = Field("date", absl::StrCat("'", row.date(), "' is not a date like 2026-11-23"));
    }
    apb::Activity& a = drafts[i];
    a.set_minutes(row.minutes());
    a.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(day));
    if (description.ok()) a.set_description(*std::move(description));
    if (s.ok()) s = CheckCommon(a.minutes(), a.occurred_at(), a.description());
    if (absl::StartsWith(s.message(), "occurred_at")) {
      s = Field("date", std::string(s.message().substr(s.message().find(':') + 2)));
    }
    if (!s.ok()) {
      Reject(&results[i], s.message());
      continue;
    }
    numbers.push_back(row.member_number());
  }

  // 2. Members, in one look-up.
  std::sort(numbers.begin(), numbers.end());
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
  std::map<std::string, dpb::Member> members;
  if (!numbers.empty()) {
    TB_ASSIGN_OR_RETURN(std::vector<std::optional<dpb::Member>> found,
                        people_->MembersByNumber(c, numbers));
    TB_CHECK(found.size() == numbers.size());
    for (size_t i = 0; i < numbers.size(); ++i) {
      if (found[i]) members.emplace(numbers[i], std::move(*found[i]));
    }
  }

  // 3. Complete each row; the same row twice in one call is a mistake, not two records.
  std::vector<std::string> keys(n);
  std::map<std::string, uint32_t> first_row_of_key;
  const int64_t now_s = absl::ToUnixSeconds(Now());
  for (size_t i = 0; i < n; ++i) {
    if (results[i].outcome() == apb::ImportRowResult::OUTCOME_REJECTED) continue;
    const apb::ImportRow& row = req.rows(static_cast<int>(i));
    auto m = members.find(row.member_number());
    if (m == members.end()) {
      Reject(&results[i], absl::StrCat("member_number: no member numbered '", row.member_number(),
                                       "' in this community"));
      continue;
    }
    if (m->second.status() != dpb::MEMBER_STATUS_ACTIVE) {
      Reject(&results[i],
             absl::StrCat("member_number: member ", row.member_number(), " is not active (",
                          dpb::MemberStatus_Name(m->second.status()), ")"));
      continue;
    }
    apb::Activity& a = drafts[i];
    a.set_community_id(c);
    a.set_kind(apb::ACTIVITY_KIND_CONTRIBUTION);
    a.set_state(apb::ACTIVITY_STATE_CONFIRMED);
    a.set_provider_member_id(m->second.id());
    a.set_organisation_id(req.organisation_id());
    a.set_coproduction_type(row.coproduction_type());
    a.set_input(row.input() == apb::INPUT_KIND_UNSPECIFIED ? apb::INPUT_KIND_INDIVIDUAL
                                                           : row.input());
    a.set_recorded_by(caller.subject_id());
    a.set_decided_by(caller.subject_id());
    a.mutable_created_at()->set_seconds(now_s);
    results[i].set_member_id(a.provider_member_id());
    keys[i] = ImportKey(c, req.organisation_id(), a, row.date());
    auto [first, inserted] = first_row_of_key.emplace(keys[i], row.row_number());
    if (!inserted) {
      Reject(&results[i], absl::StrCat("row: the same as row ", first->second,
                                       "; combine them into one row if both happened"));
    }
  }

  // 4. Record what is new, in one batch.
  absl::MutexLock lock(&write_mu_);
  Tx tx(store_);
  bool wrote = false;
  for (size_t i = 0; i < n; ++i) {
    apb::ImportRowResult& r = results[i];
    if (r.outcome() == apb::ImportRowResult::OUTCOME_REJECTED) continue;
    TB_ASSIGN_OR_RETURN(std::vector<apb::Activity> prior, Replay(keys[i]));
    if (!prior.empty()) {
      r.set_outcome(apb::ImportRowResult::OUTCOME_ALREADY_IMPORTED);
      r.set_activity_id(prior[0].id());
      r.set_posting_state(prior[0].posting_state());
      r.set_ledger_result(prior[0].ledger_result());
      continue;
    }
    r.set_outcome(apb::ImportRowResult::OUTCOME_IMPORTED);
    if (req.dry_run()) continue;
    apb::Activity& a = drafts[i];
    TB_ASSIGN_OR_RETURN(uint64_t id, tx.NextId(absl::StrCat("activity.", c)));
    a.set_id(id);
    Put(tx, a, /*is_new=*/true, Posting::kTransfer);
    tx.Put(keys[i], KeyU64U64('_', c, id).substr(1));
    r.set_activity_id(id);
    r.set_posting_state(a.posting_state());
    wrote = true;
  }
  if (wrote) TB_RETURN_IF_ERROR(tx.Commit());
  return results;
}

absl::Status ActivityBook::AwaitPosting(uint64_t c, std::vector<apb::ImportRowResult>* results,
                                        absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  // The outbox is posted in order, so the newest activity is the last to be settled.
  uint64_t newest = 0;
  for (const apb::ImportRowResult& r : *results) {
    if (r.posting_state() == apb::POSTING_STATE_QUEUED) newest = std::max(newest, r.activity_id());
  }
  if (newest == 0) return absl::OkStatus();
  while (true) {
    TB_ASSIGN_OR_RETURN(apb::Activity a, Load(c, newest));
    if (a.posting_state() != apb::POSTING_STATE_QUEUED || absl::Now() >= deadline) break;
    absl::SleepFor(absl::Milliseconds(5));
  }
  for (apb::ImportRowResult& r : *results) {
    if (r.posting_state() != apb::POSTING_STATE_QUEUED) continue;
    TB_ASSIGN_OR_RETURN(apb::Activity a, Load(c, r.activity_id()));
    r.set_posting_state(a.posting_state());
    r.set_ledger_result(a.ledger_result());
  }
  return absl::OkStatus();
}

absl::StatusOr<apb::Activity> ActivityBook::ReportContribution(
    const dpb::Principal& caller, const apb::ReportContributionRequest& req) {
  if (!IsMember(caller))
    return absl::PermissionDeniedError("only members report their own contributions");
  TB_RETURN_IF_ERROR(CheckCommon(req.minutes(), req.occurred_at(), req.description()));
  const uint64_t c = req.community_id();
  TB_RETURN_IF_ERROR(people_->Organisation(c, req.organisation_id()).status());
  TB_RETURN_IF_ERROR(ActiveMember(c, caller.subject_id(), "member").status());
  absl::MutexLock lock(&write_mu_);
  const std::string request_key = RequestKey("report", c, caller.subject_id(), req.request_id());
  if (!req.request_id().empty()) {
    TB_ASSIGN_OR_RETURN(std::vector<apb::Activity> prior, Replay(request_key));
    if (!prior.empty()) return prior[0];
  }
  Tx tx(store_);
  apb::Activity a;
  a.set_community_id(c);
  TB_ASSIGN_OR_RETURN(uint64_t id, tx.NextId(absl::StrCat("activity.", c)));
  a.set_id(id);
  a.set_kind(apb::ACTIVITY_KIND_CONTRIBUTION);
  a.set_state(apb::ACTIVITY_STATE_PROPOSED);
  a.set_provider_member_id(caller.subject_id());
  a.set_organisation_id(req.organisation_id());
  a.set_minutes(req.minutes());
  *a.mutable_occurred_at() = req.occurred_at();
  a.set_description(req.description());
  a.set_coproduction_type(req.coproduction_type());
  a.set_input(req.input() == apb::INPUT_KIND_UNSPECIFIED ? apb::INPUT_KIND_INDIVIDUAL
                                                         : req.input());
  a.set_recorded_by(caller.subject_id());
  a.mutable_created_at()->set_seconds(absl::ToUnixSeconds(Now()));
  Put(tx, a, true, Posting::kNone);
  if (!req.request_id().empty()) tx.Put(request_key, KeyU64U64('_', c, id).substr(1));
  TB_RETURN_IF_ERROR(tx.Commit());
  return a;
}

absl::StatusOr<apb::Activity> ActivityBook::ReviewContribution(
    const dpb::Principal& caller, const apb::ReviewContributionRequest& req) {
  TB_RETURN_IF_ERROR(
      CheckReason(req.reason(), req.approve() ? nullptr : "say why the contribution is declined"));
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(apb::Activity a, Load(req.community_id(), req.activity_id()));
  if (a.kind() != apb::ACTIVITY_KIND_CONTRIBUTION || a.organisation_id() != req.organisation_id()) {
    return absl::NotFoundError(absl::StrCat("activity ", req.activity_id(),
                                            " is not a contribution to organisation ",
                                            req.organisation_id()));
  }
  if (a.state() != apb::ACTIVITY_STATE_PROPOSED) {
    return absl::FailedPreconditionError(absl::StrCat(
        "activity ", a.id(), " was already reviewed (", apb::ActivityState_Name(a.state()), ")"));
  }
  if (a.provider_member_id() == caller.subject_id() && IsMember(caller)) {
    return absl::PermissionDeniedError(
        "nobody verifies their own contribution; ask another coordinator");
  }
  return Decide(caller, std::move(a),
                req.approve() ? apb::ACTIVITY_STATE_CONFIRMED : apb::ACTIVITY_STATE_DECLINED,
                req.reason(), req.approve() ? Posting::kTransfer : Posting::kNone);
}

absl::StatusOr<apb::Activity> ActivityBook::RecordExchange(const dpb::Principal& caller,
                                                           const apb::RecordExchangeRequest& req) {
  TB_RETURN_IF_ERROR(CheckCommon(req.minutes(), req.occurred_at(), req.description()));
  if (req.provider_member_id() == req.receiver_member_id()) {
    return Field("receiver_member_id", "must differ from provider_member_id");
  }
  if (!IsMember(caller) || (caller.subject_id() != req.provider_member_id() &&
                            caller.subject_id() != req.receiver_member_id())) {
    return absl::PermissionDeniedError(
        "permission denied: an exchange is recorded by one of the two members in it");
  }
  const uint64_t c = req.community_id();
  TB_RETURN_IF_ERROR(ActiveMember(c, req.provider_member_id(), "provider_member_id").status());
  TB_RETURN_IF_ERROR(ActiveMember(c, req.receiver_member_id(), "receiver_member_id").status());
  if (req.post_id() != 0) {
    TB_ASSIGN_OR_RETURN(apb::Post post, LoadPost(c, req.post_id()));
    if (post.closed())
      return absl::FailedPreconditionError(absl::StrCat("post ", post.id(), " is closed"));
    if (post.member_id() != req.provider_member_id() &&
        post.member_id() != req.receiver_member_id()) {
      return Field("post_id", "the member who posted it must be one of the two in the exchange");
    }
  }
  absl::MutexLock lock(&write_mu_);
  const std::string request_key = RequestKey("exchange", c, caller.subject_id(), req.request_id());
  if (!req.request_id().empty()) {
    TB_ASSIGN_OR_RETURN(std::vector<apb::Activity> prior, Replay(request_key));
    if (!prior.empty()) return prior[0];
  }
  Tx tx(store_);
  apb::Activity a;
  a.set_community_id(c);
  a.set_post_id(req.post_id());
  a.set_provider_member_id(req.provider_member_id());
  a.set_receiver_member_id(req.receiver_member_id());
  a.set_minutes(req.minutes());
  *a.mutable_occurred_at() = req.occurred_at();
  a.set_description(req.description());
  TB_ASSIGN_OR_RETURN(a, AddExchange(tx, caller, std::move(a)));
  if (!req.request_id().empty()) tx.Put(request_key, KeyU64U64('_', c, a.id()).substr(1));
  TB_RETURN_IF_ERROR(tx.Commit());
  return a;
}

absl::StatusOr<apb::Activity> ActivityBook::AddExchange(Tx& tx, const dpb::Principal& caller,
                                                        apb::Activity a) {
  const uint64_t c = a.community_id();
  TB_ASSIGN_OR_RETURN(uint64_t id, tx.NextId(absl::StrCat("activity.", c)));
  a.set_id(id);
  a.set_kind(apb::ACTIVITY_KIND_EXCHANGE);
  a.set_state(apb::ACTIVITY_STATE_PROPOSED);
  a.set_input(apb::INPUT_KIND_INDIVIDUAL);
  a.set_recorded_by(caller.subject_id());
  a.mutable_created_at()->set_seconds(absl::ToUnixSeconds(Now()));
  Put(tx, a, true, Posting::kNone);
  tx.Put(WaitingKey(a), "");
  return a;
}

absl::StatusOr<std::vector<apb::Activity>> ActivityBook::RecordGroupSession(
    const dpb::Principal& caller, const apb::RecordGroupSessionRequest& req) {
  TB_RETURN_IF_ERROR(CheckCommon(req.minutes(), req.occurred_at(), req.description()));
  TB_RETURN_IF_ERROR(CheckRequestId(req.request_id()));
  if (req.receiver_member_ids_size() < 2 ||
      static_cast<size_t>(req.receiver_member_ids_size()) > ActivityLimits::kMaxGroupReceivers) {
    return Field("receiver_member_ids", "2..100 members (for one receiver, record an exchange)");
  }
  std::vector<uint64_t> receivers(req.receiver_member_ids().begin(),
                                  req.receiver_member_ids().end());
  std::sort(receivers.begin(), receivers.end());
  if (std::adjacent_find(receivers.begin(), receivers.end()) != receivers.end()) {
    return Field("receiver_member_ids", "a member is listed twice");
  }
  if (std::binary_search(receivers.begin(), receivers.end(), req.provider_member_id())) {
    return Field("receiver_member_ids", "the provider cannot also receive");
  }
  if (!IsMember(caller) || caller.subject_id() != req.provider_member_id()) {
    return absl::PermissionDeniedError(
        "permission denied: a group session is recorded by its provider");
  }
  const uint64_t c = req.community_id();
  TB_RETURN_IF_ERROR(ActiveMember(c, req.provider_member_id(), "provider_member_id").status());
  for (uint64_t r : receivers)
    TB_RETURN_IF_ERROR(ActiveMember(c, r, "receiver_member_ids").status());
  absl::MutexLock lock(&write_mu_);
  const std::string request_key = RequestKey("group", c, caller.subject_id(), req.request_id());
  if (!req.request_id().empty()) {
    TB_ASSIGN_OR_RETURN(std::vector<apb::Activity> prior, Replay(request_key));
    if (!prior.empty()) return prior;
  }
  Tx tx(store_);
  TB_ASSIGN_OR_RETURN(uint64_t group, tx.NextId(absl::StrCat("group.", c)));
  std::vector<apb::Activity> out;
  std::string ids;
  for (uint64_t r : req.receiver_member_ids()) {
    apb::Activity a;
    a.set_community_id(c);
    a.set_provider_member_id(req.provider_member_id());
    a.set_receiver_member_id(r);
    a.set_minutes(req.minutes());
    *a.mutable_occurred_at() = req.occurred_at();
    a.set_description(req.description());
    a.set_group_id(group);
    TB_ASSIGN_OR_RETURN(a, AddExchange(tx, caller, std::move(a)));
    ids += KeyU64U64('_', c, a.id()).substr(1);
    out.push_back(std::move(a));
  }
  if (!req.request_id().empty()) tx.Put(request_key, ids);
  TB_RETURN_IF_ERROR(tx.Commit());
  return out;
}

absl::StatusOr<apb::Activity> ActivityBook::RespondToExchange(
    const dpb::Principal& caller, const apb::RespondToExchangeRequest& req) {
  using R = apb::RespondToExchangeRequest;
  if (req.response() == R::RESPONSE_UNSPECIFIED || !R::Response_IsValid(req.response())) {
    return Field("response", "confirm, decline or dispute");
  }
  TB_RETURN_IF_ERROR(CheckReason(req.reason(), req.response() == R::RESPONSE_CONFIRM
                                                   ? nullptr
                                                   : "say why you decline or dispute it"));
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(apb::Activity a, Load(req.community_id(), req.activity_id()));
  if (a.kind() != apb::ACTIVITY_KIND_EXCHANGE || !IsMember(caller) ||
      (a.provider_member_id() != caller.subject_id() &&
       a.receiver_member_id() != caller.subject_id())) {
    return absl::NotFoundError(absl::StrCat("you have no exchange ", req.activity_id()));
  }
  if (a.recorded_by() == caller.subject_id()) {
    return absl::FailedPreconditionError(
        "you recorded this exchange; the other member confirms, declines or disputes it");
  }
  if (a.state() != apb::ACTIVITY_STATE_PROPOSED) {
    return absl::FailedPreconditionError(absl::StrCat(
        "exchange ", a.id(), " was already answered (", apb::ActivityState_Name(a.state()), ")"));
  }
  const bool confirm = req.response() == R::RESPONSE_CONFIRM;
  return Decide(caller, std::move(a),
                confirm                                 ? apb::ACTIVITY_STATE_CONFIRMED
                : req.response() == R::RESPONSE_DECLINE ? apb::ACTIVITY_STATE_DECLINED
                                                        : apb::ACTIVITY_STATE_DISPUTED,
                req.reason(), confirm ? Posting::kTransfer : Posting::kNone);
}

absl::StatusOr<apb::Activity> ActivityBook::ResolveDispute(const dpb::Principal& caller,
                                                           const apb::ResolveDisputeRequest& req) {
  TB_RETURN_IF_ERROR(CheckReason(req.reason(), "say how the dispute was resolved"));
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(apb::Activity a, Load(req.community_id(), req.activity_id()));
  if (a.state() != apb::ACTIVITY_STATE_DISPUTED) {
    return absl::FailedPreconditionError(absl::StrCat("activity ", a.id(), " is not disputed"));
  }
  if (a.provider_member_id() == caller.subject_id() ||
      a.receiver_member_id() == caller.subject_id()) {
    return absl::PermissionDeniedError(
        "nobody resolves a dispute they are part of; ask another coordinator");
  }
  return Decide(caller, std::move(a),
                req.uphold() ? apb::ACTIVITY_STATE_CONFIRMED : apb::ACTIVITY_STATE_DECLINED,
                req.reason(), req.uphold() ? Posting::kTransfer : Posting::kNone);
}

absl::StatusOr<apb::Activity> ActivityBook::ReverseActivity(
    const dpb::Principal& caller, const apb::ReverseActivityRequest& req) {
  TB_RETURN_IF_ERROR(CheckReason(req.reason(), "say why it is reversed"));
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(apb::Activity a, Load(req.community_id(), req.activity_id()));
  if (a.state() != apb::ACTIVITY_STATE_CONFIRMED) {
    return absl::FailedPreconditionError(
        absl::StrCat("only a confirmed activity is reversed; activity ", a.id(), " is ",
                     apb::ActivityState_Name(a.state())));
  }
  if (a.posting_state() == apb::POSTING_STATE_REFUSED) {
    return absl::FailedPreconditionError(
        "the ledger refused this activity; nothing was posted to reverse");
  }
  if (a.kind() == apb::ACTIVITY_KIND_DONATION || a.kind() == apb::ACTIVITY_KIND_REDEMPTION) {
    return absl::FailedPreconditionError(
        "donations and redemptions are corrected by a new donation back, not reversed");
  }
  // The reversal is queued after the original, so the dispatcher posts them in order.
  return Decide(caller, std::move(a), apb::ACTIVITY_STATE_REVERSED, req.reason(),
                Posting::kReversal);
}

absl::StatusOr<apb::Activity> ActivityBook::Decide(const dpb::Principal& caller, apb::Activity a,
                                                   apb::ActivityState state,
                                                   const std::string& reason, Posting posting) {
  const bool was_waiting = a.state() == apb::ACTIVITY_STATE_PROPOSED;
  a.set_state(state);
  a.set_decided_by(caller.subject_id());
  a.set_reason(reason);
  Tx tx(store_);
  Put(tx, a, false, posting);
  // Harmless for proposals that were never waiting (self-reported contributions).
  if (was_waiting) tx.Delete(WaitingKey(a));
  TB_RETURN_IF_ERROR(tx.Commit());
  return a;
}

absl::StatusOr<apb::Activity> ActivityBook::GetActivity(const dpb::Principal& caller, uint64_t c,
                                                        uint64_t id) {
  TB_ASSIGN_OR_RETURN(apb::Activity a, Load(c, id));
  if (!Sees(caller, a)) return absl::NotFoundError(absl::StrCat("you have no activity ", id));
  return a;
}

namespace {

absl::Time TimeOf(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

// The list's time window: each end a valid time, the end after the start.
absl::Status CheckWindow(const apb::ListActivitiesRequest& req) {
  for (const auto& [name, has, t] :
       {std::tuple{"occurred_from", req.has_occurred_from(), req.occurred_from()},
        std::tuple{"occurred_until", req.has_occurred_until(), req.occurred_until()}}) {
    if (has && (t.seconds() < 0 || t.nanos() < 0 || t.nanos() > 999'999'999)) {
      return Field(name, "a time since 1970 (seconds >= 0, nanos 0..999999999)");
    }
  }
  if (req.has_occurred_from() && req.has_occurred_until() &&
      TimeOf(req.occurred_until()) <= TimeOf(req.occurred_from())) {
    return Field("occurred_until", "must be after occurred_from");
  }
  return absl::OkStatus();
}

bool InWindow(const apb::ListActivitiesRequest& req, const apb::Activity& a) {
  const absl::Time when = TimeOf(a.occurred_at());
  return (!req.has_occurred_from() || when >= TimeOf(req.occurred_from())) &&
         (!req.has_occurred_until() || when < TimeOf(req.occurred_until()));
}

}  // namespace

absl::StatusOr<Page<apb::Activity>> ActivityBook::ListActivities(
    const dpb::Principal& caller, const apb::ListActivitiesRequest& req, uint64_t before_id,
    size_t limit) {
  TB_RETURN_IF_ERROR(CheckWindow(req));
  const uint64_t c = req.community_id();
  std::string prefix;
  if (req.member_id() != 0) {
    prefix = KeyU64U64(kMemberTag, c, req.member_id());
  } else if (req.organisation_id() != 0) {
    prefix = KeyU64U64(kOrgTag, c, req.organisation_id());
  } else {
    prefix = KeyU64(kAllTag, c);
  }
  std::string start = prefix;
  if (before_id != 0) storage::PutU64(&start, Inv(before_id) + 1);
  PageBuilder<apb::Activity> page(limit, ActivityLimits::kMaxListScan);
  auto it = store_->NewIterator(kRecords);
  for (it->Seek(start); it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix); it->Next()) {
    const uint64_t id = Inv(storage::DecodeU64(it->key().data() + it->key().size() - 8));
    if (!page.Visit(id)) break;
    TB_ASSIGN_OR_RETURN(apb::Activity a, Load(c, id));
    if (!Sees(caller, a)) continue;
    if (req.state() != apb::ACTIVITY_STATE_UNSPECIFIED && a.state() != req.state()) continue;
    if (!InWindow(req, a)) continue;
    page.Add(std::move(a));
  }
  TB_RETURN_IF_ERROR(it->status());
  return std::move(page).Finish();
}

absl::StatusOr<apb::Activity> ActivityBook::Reserve(const dpb::Principal& caller, apb::Activity a,
                                                    const char* operation,
                                                    const std::string& request_id) {
  TB_RETURN_IF_ERROR(CheckRequestId(request_id));
  const std::string request_key =
      RequestKey(operation, a.community_id(), caller.subject_id(), request_id);
  TB_RETURN_IF_ERROR(CheckCommon(a.minutes(), a.occurred_at(), a.description()));
  if (!IsMember(caller))
    return absl::PermissionDeniedError("only members donate or redeem their own credits");
  const uint64_t c = a.community_id();
  TB_RETURN_IF_ERROR(ActiveMember(c, caller.subject_id(), "member").status());
  absl::MutexLock lock(&write_mu_);
  {
    TB_ASSIGN_OR_RETURN(std::vector<apb::Activity> prior, Replay(request_key));
    if (!prior.empty()) return prior[0];
  }
  // The id is spent first: if anything below fails, a retry uses a new id, never one
  // whose reservation may already exist.
  uint64_t id = 0;
  {
    Tx burn(store_);
    TB_ASSIGN_OR_RETURN(id, burn.NextId(absl::StrCat("activity.", c)));
    TB_RETURN_IF_ERROR(burn.Commit());
  }
  a.set_id(id);
  a.set_provider_member_id(caller.subject_id());
  a.set_recorded_by(caller.subject_id());
  a.set_state(apb::ACTIVITY_STATE_CONFIRMED);
  a.set_input(apb::INPUT_KIND_INDIVIDUAL);
  a.mutable_created_at()->set_seconds(absl::ToUnixSeconds(Now()));
  lpb::Transfer reserve;
  reserve.set_id(ActivityTransferId(c, id));
  std::tie(*reserve.mutable_debit_account_id(), *reserve.mutable_credit_account_id()) = Accounts(a);
  reserve.set_amount(a.minutes());
  reserve.set_kind(LedgerKind(a.kind()));
  reserve.set_memo(a.description());
  reserve.set_pending(true);
  reserve.set_timeout_s(3600);  // released by the ledger if this record is never written
  absl::StatusOr<std::vector<lpb::CreateTransferResult>> r = ledger_->Post({reserve});
  if (!r.ok()) {
    return absl::UnavailableError(absl::StrCat("the ledger could not be reached (",
                                               r.status().message(),
                                               "); nothing was recorded; try again"));
  }
  const lpb::CreateTransferResultCode code = (*r)[0].code();
  if (code == lpb::CREATE_TRANSFER_EXCEEDS_MIN_BALANCE) {
    return absl::FailedPreconditionError(
        "minutes: not enough time credits: this would take your balance below your limit; give "
        "some "
        "time first, or spend less");
  }
  if (code != lpb::CREATE_TRANSFER_CREATED) {
    return absl::FailedPreconditionError(
        absl::StrCat("the ledger refused it: ", lpb::CreateTransferResultCode_Name(code)));
  }
  Tx tx(store_);
  Put(tx, a, /*is_new=*/true, Posting::kPostPending);
  if (!request_key.empty()) tx.Put(request_key, KeyU64U64('_', c, id).substr(1));
  TB_RETURN_IF_ERROR(tx.Commit());
  return a;
}

absl::StatusOr<apb::Activity> ActivityBook::Donate(const dpb::Principal& caller,
                                                   const apb::DonateRequest& req) {
  const uint64_t c = req.community_id();
  if (req.to_member_id() != 0) {
    if (req.to_member_id() == caller.subject_id()) return Field("to_member_id", "not yourself");
    TB_RETURN_IF_ERROR(ActiveMember(c, req.to_member_id(), "to_member_id").status());
  }
  apb::Activity a;
  a.set_community_id(c);
  a.set_kind(apb::ACTIVITY_KIND_DONATION);
  a.set_receiver_member_id(req.to_member_id());
  a.set_minutes(req.minutes());
  a.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(Now()));
  a.set_description(req.description());
  return Reserve(caller, a, "donate", req.request_id());
}

absl::StatusOr<apb::Activity> ActivityBook::Redeem(const dpb::Principal& caller,
                                                   const apb::RedeemRequest& req) {
  const uint64_t c = req.community_id();
  absl::StatusOr<dpb::Organisation> partner = people_->Organisation(c, req.organisation_id());
  if (!partner.ok()) return partner.status();
  if (partner->kind() != dpb::ORGANISATION_KIND_RECOGNITION_PARTNER) {
    return Field("organisation_id", "credits are spent only at recognition partners");
  }
  apb::Activity a;
  a.set_community_id(c);
  a.set_kind(apb::ACTIVITY_KIND_REDEMPTION);
  a.set_organisation_id(req.organisation_id());
  a.set_minutes(req.minutes());
  a.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(Now()));
  a.set_description(req.description());
  return Reserve(caller, a, "redeem", req.request_id());
}

namespace {

// Clears what a person wrote on an activity; false if there was nothing left to clear.
bool EraseText(apb::Activity* a) {
  if (a->text_erased()) return false;
  a->clear_description();
  a->clear_reason();
  a->set_text_erased(true);
  return true;
}

bool TookPart(const apb::Activity& a, uint64_t c, uint64_t m) {
  return a.community_id() == c && (a.provider_member_id() == m || a.receiver_member_id() == m);
}

}  // namespace

absl::StatusOr<apb::EraseMemberDataResponse> ActivityBook::EraseMember(uint64_t c, uint64_t m) {
  apb::EraseMemberDataResponse out;
  {
    absl::MutexLock lock(&write_mu_);
    Tx tx(store_);
    auto it = store_->NewIterator(kRecords);
    // Their activities, through the member index.
    const std::string mine = KeyU64U64(kMemberTag, c, m);
    for (it->Seek(mine); it->Valid() && absl::StartsWith(AsAbsl(it->key()), mine); it->Next()) {
      TB_ASSIGN_OR_RETURN(apb::Activity a,
                          Load(c, Inv(storage::DecodeU64(it->key().data() + mine.size()))));
      if (!EraseText(&a)) continue;
      tx.Put(KeyU64U64(kActivityTag, c, a.id()), Sealed(a));
      AddEvent(tx, a);  // watchers that kept the text learn that it is gone
      out.set_activities_erased(out.activities_erased() + 1);
    }
    TB_RETURN_IF_ERROR(it->status());
    // Every earlier state of those activities in the event log.
    const std::string events(1, kEventTag);
    for (it->Seek(events); it->Valid() && absl::StartsWith(AsAbsl(it->key()), events); it->Next()) {
      apb::ActivityEvent e;
      if (!e.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
        return absl::DataLossError("an activity event is damaged");
      }
      if (!TookPart(e.activity(), c, m) || !EraseText(e.mutable_activity())) continue;
      tx.Put(it->key(), e.SerializeAsString());
      out.set_events_erased(out.events_erased() + 1);
    }
    TB_RETURN_IF_ERROR(it->status());
    // Their offers and requests.
    const std::string posts = KeyU64(kPostTag, c);
    for (it->Seek(posts); it->Valid() && absl::StartsWith(AsAbsl(it->key()), posts); it->Next()) {
      apb::Post p;
      if (!p.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
        return absl::DataLossError("a post is damaged");
      }
      if (p.member_id() != m || p.text_erased()) continue;
      p.clear_title();
      p.clear_details();
      p.clear_tags();
      p.set_closed(true);
      p.set_text_erased(true);
      tx.Put(it->key(), p.SerializeAsString());
      out.set_posts_erased(out.posts_erased() + 1);
    }
    TB_RETURN_IF_ERROR(it->status());
    if (out.activities_erased() + out.events_erased() + out.posts_erased() > 0) {
      TB_RETURN_IF_ERROR(tx.Commit());
    }
  }
  // Also on a retry: an earlier purge may have failed after the commit.
  TB_RETURN_IF_ERROR(store_->Purge(kRecords));
  return out;
}

void ActivityBook::AddEvent(Tx& tx, const apb::Activity& a) {
  absl::StatusOr<uint64_t> seq = tx.NextId("event");
  TB_CHECK(seq.ok());
  apb::ActivityEvent e;
  e.set_seq(*seq);
  *e.mutable_activity() = a;
  tx.Put(KeyU64(kEventTag, *seq), e.SerializeAsString());
  tx.AddedEvent(this, *seq);
}

absl::StatusOr<std::vector<apb::ActivityEvent>> ActivityBook::ReadEvents(uint64_t from_seq,
                                                                         size_t limit) {
  std::vector<apb::ActivityEvent> out;
  auto it = store_->NewIterator(kRecords);
  const std::string prefix(1, kEventTag);
  for (it->Seek(KeyU64(kEventTag, std::max<uint64_t>(from_seq, 1)));
       it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix) && out.size() < limit;
       it->Next()) {
    apb::ActivityEvent e;
    if (!e.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("an activity event is damaged");
    }
    out.push_back(std::move(e));
  }
  TB_RETURN_IF_ERROR(it->status());
  return out;
}

bool ActivityBook::WaitForEvent(uint64_t after_seq, absl::Duration timeout) {
  // The store answers for events committed before this process started (or before
  // the wait); every commit after it advances event_head_ and wakes the waiters.
  absl::StatusOr<std::vector<apb::ActivityEvent>> e = ReadEvents(after_seq + 1, 1);
  if (e.ok() && !e->empty()) return true;
  absl::MutexLock lock(&event_mu_);
  auto newer = [this, after_seq]()
                   ABSL_EXCLUSIVE_LOCKS_REQUIRED(event_mu_) { return event_head_ > after_seq; };
  return event_mu_.AwaitWithTimeout(absl::Condition(&newer), timeout);
}

absl::StatusOr<apb::Post> ActivityBook::LoadPost(uint64_t c, uint64_t id) {
  std::string v;
  TB_ASSIGN_OR_RETURN(bool found, store_->Get(kRecords, KeyU64U64(kPostTag, c, Inv(id)), &v));
  apb::Post p;
  if (!found || !p.ParseFromString(v)) {
    return absl::NotFoundError(absl::StrCat("post ", id, " does not exist in community ", c));
  }
  return p;
}

absl::StatusOr<apb::Post> ActivityBook::CreatePost(const dpb::Principal& caller, apb::Post post,
                                                   const std::string& request_id) {
  if (!IsMember(caller))
    return absl::PermissionDeniedError("only members post offers and requests");
  if (post.kind() != apb::POST_KIND_OFFER && post.kind() != apb::POST_KIND_REQUEST) {
    return Field("post.kind", "offer or request");
  }
  if (post.title().empty()) return Field("post.title", "required: 1..128 bytes of one-line text");
  TB_RETURN_IF_ERROR(CheckText("post.title", post.title(), {TextLimits::kPostTitleBytes}));
  TB_RETURN_IF_ERROR(
      CheckText("post.details", post.details(), {TextLimits::kPostDetailsBytes, Lines::kMany}));
  if (static_cast<size_t>(post.tags_size()) > ActivityLimits::kMaxPostTags) {
    return Field("post.tags", "at most 16 tags");
  }
  for (std::string& t : *post.mutable_tags()) {
    t = absl::AsciiStrToLower(absl::StripAsciiWhitespace(t));
    if (t.empty()) return Field("post.tags", "each 1..40 bytes of one-line text");
    TB_RETURN_IF_ERROR(CheckText("post.tags", t, {TextLimits::kTagBytes}));
  }
  TB_RETURN_IF_ERROR(CheckRequestId(request_id));
  const uint64_t c = post.community_id();
  TB_RETURN_IF_ERROR(ActiveMember(c, caller.subject_id(), "member").status());
  absl::MutexLock lock(&write_mu_);
  const std::string request_key = RequestKey("post", c, caller.subject_id(), request_id);
  if (!request_id.empty()) {
    std::string prior;
    TB_ASSIGN_OR_RETURN(bool seen, store_->Get(kRecords, request_key, &prior));
    if (seen && prior.size() == 8) return LoadPost(c, storage::DecodeU64(prior.data()));
  }
  Tx tx(store_);
  TB_ASSIGN_OR_RETURN(uint64_t id, tx.NextId(absl::StrCat("post.", c)));
  post.set_id(id);
  post.set_member_id(caller.subject_id());
  post.set_closed(false);
  post.mutable_created_at()->set_seconds(absl::ToUnixSeconds(Now()));
  tx.Put(KeyU64U64(kPostTag, c, Inv(id)), post.SerializeAsString());
  if (!request_id.empty()) {
    std::string v;
    storage::PutU64(&v, id);
    tx.Put(request_key, v);
  }
  TB_RETURN_IF_ERROR(tx.Commit());
  return post;
}

absl::StatusOr<apb::Post> ActivityBook::ClosePost(const dpb::Principal& caller, uint64_t c,
                                                  uint64_t id) {
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(apb::Post post, LoadPost(c, id));
  const bool staff = auth::HasRole(caller, dpb::ROLE_ADMIN) ||
                     (IsMember(caller) && auth::HasRole(caller, dpb::ROLE_COORDINATOR));
  if (!staff && !(IsMember(caller) && caller.subject_id() == post.member_id())) {
    return absl::PermissionDeniedError(
        "permission denied: only whoever posted it (or a coordinator) closes a post");
  }
  if (post.closed()) return post;
  post.set_closed(true);
  Tx tx(store_);
  tx.Put(KeyU64U64(kPostTag, c, Inv(id)), post.SerializeAsString());
  TB_RETURN_IF_ERROR(tx.Commit());
  return post;
}

absl::StatusOr<Page<apb::Post>> ActivityBook::SearchPosts(const apb::SearchPostsRequest& req,
                                                          uint64_t before_id, size_t limit) {
  TB_RETURN_IF_ERROR(CheckText("text", req.text(), {TextLimits::kPostTitleBytes}));
  TB_RETURN_IF_ERROR(CheckText("tag", req.tag(), {TextLimits::kTagBytes}));
  const std::string text = absl::AsciiStrToLower(req.text());
  const std::string tag = absl::AsciiStrToLower(req.tag());
  const std::string prefix = KeyU64(kPostTag, req.community_id());
  std::string start = prefix;
  if (before_id != 0) storage::PutU64(&start, Inv(before_id) + 1);
  PageBuilder<apb::Post> page(limit, ActivityLimits::kMaxListScan);
  auto it = store_->NewIterator(kRecords);
  for (it->Seek(start); it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix); it->Next()) {
    if (!page.Visit(Inv(storage::DecodeU64(it->key().data() + prefix.size())))) break;
    apb::Post p;
    if (!p.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("a post is damaged");
    }
    if (p.closed() && !req.include_closed()) continue;
    if (req.kind() != apb::POST_KIND_UNSPECIFIED && p.kind() != req.kind()) continue;
    const bool has_tag = [&](const std::string& t) {
      return std::find(p.tags().begin(), p.tags().end(), t) != p.tags().end();
    }(tag);
    if (!tag.empty() && !has_tag) continue;
    if (!text.empty() && !absl::StrContains(absl::AsciiStrToLower(p.title()), text) &&
        !absl::StrContains(absl::AsciiStrToLower(p.details()), text) &&
        std::find(p.tags().begin(), p.tags().end(), text) == p.tags().end()) {
      continue;
    }
    page.Add(std::move(p));
  }
  TB_RETURN_IF_ERROR(it->status());
  return std::move(page).Finish();
}

absl::StatusOr<size_t> ActivityBook::SettleUnanswered() {
  constexpr int64_t kMinAnswerS = 3600;  // no community allows less than an hour
  const int64_t now_s = absl::ToUnixSeconds(Now());
  struct Due {
    uint64_t community, id;
  };
  std::vector<Due> due;
  {
    auto it = store_->NewIterator(kRecords);
    const std::string prefix(1, kWaitingTag);
    for (it->Seek(prefix); it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix) &&
                           due.size() < ActivityLimits::kMaxDispatchBatch;
         it->Next()) {
      const char* k = it->key().data() + 1;
      if (storage::DecodeI64(k) > now_s - kMinAnswerS) break;  // sorted by time: none older
      due.push_back({storage::DecodeU64(k + 8), storage::DecodeU64(k + 16)});
    }
    TB_RETURN_IF_ERROR(it->status());
  }
  if (due.empty()) return 0;
  std::map<uint64_t, dpb::Community> communities;
  size_t settled = 0;
  absl::MutexLock lock(&write_mu_);
  Tx tx(store_);
  for (const Due& d : due) {
    auto cit = communities.find(d.community);
    if (cit == communities.end()) {
      TB_ASSIGN_OR_RETURN(dpb::Community c, people_->Community(d.community));
      cit = communities.emplace(d.community, std::move(c)).first;
    }
    const int64_t hours =
        cit->second.exchange_answer_hours() > 0 ? cit->second.exchange_answer_hours() : 168;
    TB_ASSIGN_OR_RETURN(apb::Activity a, Load(d.community, d.id));
    if (a.state() != apb::ACTIVITY_STATE_PROPOSED) {
      tx.Delete(WaitingKey(a));  // answered meanwhile
      continue;
    }
    if (a.created_at().seconds() + hours * 3600 > now_s) continue;
    const bool expire = cit->second.unconfirmed_exchanges() == dpb::UNCONFIRMED_EXCHANGES_EXPIRE;
    a.set_state(expire ? apb::ACTIVITY_STATE_EXPIRED : apb::ACTIVITY_STATE_CONFIRMED);
    a.set_reason(
        absl::StrCat(expire ? "expired" : "auto-confirmed", ": unanswered for ", hours, " hours"));
    tx.Delete(WaitingKey(a));
    Put(tx, a, false, expire ? Posting::kNone : Posting::kTransfer);
    ++settled;
  }
  TB_RETURN_IF_ERROR(tx.Commit());
  return settled;
}

size_t ActivityBook::OutboxSize() { return outbox_.Size(); }

absl::StatusOr<size_t> ActivityBook::Dispatch() {
  absl::MutexLock dispatching(&dispatch_mu_);
  size_t waiting = 0;
  TB_ASSIGN_OR_RETURN(std::vector<storage::OutboxEntry> entries,
                      outbox_.Oldest(ActivityLimits::kMaxDispatchBatch, &waiting));
  if (entries.empty()) return 0;
  std::vector<std::vector<lpb::Transfer>> postings;
  for (const storage::OutboxEntry& e : entries) {
    const Posting posting = static_cast<Posting>(e.kind);
    TB_ASSIGN_OR_RETURN(apb::Activity a, Load(e.scope, e.id));
    postings.push_back(
        {TransferFor(a, posting == Posting::kReversal, posting == Posting::kPostPending)});
  }
  const PostingReport report = poster_.Post(postings);
  absl::MutexLock lock(&write_mu_);
  Tx tx(store_);
  // An activity with two entries in this round (posted, then reversed) takes both.
  std::map<std::pair<uint64_t, uint64_t>, apb::Activity> touched;
  for (size_t i = 0; i < entries.size(); ++i) {
    const storage::OutboxEntry& e = entries[i];
    if (report.outcomes[i].kind == PostingOutcome::Kind::kNotSent) {
      ++waiting;
      continue;
    }
    auto it = touched.find({e.scope, e.id});
    if (it == touched.end()) {
      TB_ASSIGN_OR_RETURN(apb::Activity a, Load(e.scope, e.id));
      it = touched.emplace(std::pair{e.scope, e.id}, std::move(a)).first;
    }
    apb::Activity& a = it->second;
    RecordPosting(static_cast<Posting>(e.kind), report.outcomes[i], &a);
    tx.Put(KeyU64U64(kActivityTag, e.scope, e.id), Sealed(a));
    AddEvent(tx, a);
    tx.Delete(e.key);
  }
  if (!touched.empty()) TB_RETURN_IF_ERROR(tx.Commit());
  TB_RETURN_IF_ERROR(report.unreachable);  // the rest waits: back off
  return waiting;
}

void ActivityBook::RecordPosting(Posting posting, const PostingOutcome& outcome, apb::Activity* a) {
  std::string refused;  // why the ledger did not post it; "" when it is posted
  if (outcome.kind == PostingOutcome::Kind::kRefused) {
    refused = outcome.refusal;
  } else {
    TB_CHECK(outcome.results.size() == 1);
    const lpb::CreateTransferResultCode code = outcome.results[0].code();
    if (code != lpb::CREATE_TRANSFER_CREATED && code != lpb::CREATE_TRANSFER_EXISTS) {
      refused = lpb::CreateTransferResultCode_Name(code);
    }
  }
  // A reversal's outcome is the activity's too: "reversed, posted" once the ledger
  // holds the REVERSAL.
  a->set_posting_state(refused.empty() ? apb::POSTING_STATE_POSTED : apb::POSTING_STATE_REFUSED);
  if (!refused.empty()) {
    a->set_ledger_result(posting == Posting::kReversal ? absl::StrCat("reversal: ", refused)
                                                       : refused);
  }
}

}  // namespace timebank::activity
