#include "services/expenses/expense_book.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/auth/token.h"
#include "services/common/csv_writer.h"
#include "services/common/text_fields.h"
#include "services/common/text_formats.h"
#include "services/common/update_mask.h"
#include "services/common/validation.h"
#include "storage/absl_compat.h"
#include "storage/bytes.h"
#include "storage/check.h"
#include "storage/record_tx.h"

namespace timebank::expenses {
namespace {

namespace dpb = ::timebank::directory::v1;
namespace lpb = ::timebank::ledger::v1;
using storage::KeyU64;
using storage::KeyU64U64;

constexpr storage::ColumnFamily kRecords = 0;
constexpr char kPolicyTag = 'P';   // u64 c -> Policy
constexpr char kClaimTag = 'C';    // u64 c, u64 id -> Claim
constexpr char kAllTag = 'a';      // u64 c, u64 ~id -> ""         (newest first)
constexpr char kMemberTag = 'm';   // u64 c, u64 member, u64 ~id -> ""
constexpr char kStateTag = 's';    // u64 c, u8 state, u64 id -> "" (oldest first: a queue)
constexpr char kMonthTag = 'M';    // u64 c, u64 member, i64 yyyymm -> i64 total counted
constexpr char kOutboxTag = 'X';   // u64 seq -> u64 c, u64 claim or batch, u8 Posting
constexpr char kBatchTag = 'B';    // u64 c, u64 id -> PaymentBatch
constexpr char kBatchesTag = 'b';  // u64 c, u64 ~id -> ""          (newest first)
constexpr char kRequestTag = 'Q';  // request key -> u64 c, u64 claim
constexpr char kReceiptTag = 'F';  // u64 c, u64 receipt -> the file's bytes
constexpr char kHashTag = 'h';     // u64 c, sha256, u64 claim -> "" (receipts by content)
constexpr char kCounterTag = '#';

uint64_t Inv(uint64_t id) { return std::numeric_limits<uint64_t>::max() - id; }

std::string Key3(char tag, uint64_t a, uint64_t b, uint64_t c) {
  std::string k = KeyU64U64(tag, a, b);
  storage::PutU64(&k, c);
  return k;
}

std::string StateKey(uint64_t c, xpb::ClaimState state, uint64_t id) {
  std::string k = KeyU64(kStateTag, c);
  storage::PutU8(&k, static_cast<uint8_t>(state));
  storage::PutU64(&k, id);
  return k;
}

std::string MonthKey(uint64_t c, uint64_t member, int64_t month) {
  std::string k = KeyU64U64(kMonthTag, c, member);
  storage::PutI64(&k, month);
  return k;
}

absl::Status Field(const std::string& field, const std::string& problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

bool IsMember(const dpb::Principal& p) { return p.kind() == dpb::Principal::KIND_MEMBER; }

bool IsFinanceOrAdmin(const dpb::Principal& p) {
  return p.kind() == dpb::Principal::KIND_SERVICE || auth::HasRole(p, dpb::ROLE_FINANCE) ||
         auth::HasRole(p, dpb::ROLE_ADMIN);
}

// The etag covers what people decide, not the money book's posting progress, so the
// dispatcher finishing a posting does not make a finance officer's read stale.
std::string Sealed(xpb::Claim& c) {
  xpb::Claim decided = c;
  decided.clear_etag();
  decided.clear_posting_state();
  decided.clear_ledger_result();
  c.set_etag(storage::ToHex(auth::Sha256(decided.SerializeAsString()).substr(0, 8)));
  return c.SerializeAsString();
}

std::string CategoryWord(xpb::Category c) {
  std::string s = xpb::Category_Name(c).substr(9);  // "CATEGORY_"
  absl::AsciiStrToLower(&s);
  return s;
}

absl::TimeZone ZoneOf(const dpb::Community& c) {
  absl::TimeZone tz;
  if (!absl::LoadTimeZone(c.timezone(), &tz)) tz = absl::UTCTimeZone();
  return tz;
}

// yyyymm of `t` in the community's time zone.
int64_t MonthOf(absl::Time t, const absl::TimeZone& tz) {
  const absl::CivilSecond cs = absl::ToCivilSecond(t, tz);
  return cs.year() * 100 + cs.month();
}

absl::Status CheckReason(const std::string& reason, const char* required_why) {
  if (required_why != nullptr && reason.empty()) return Field("reason", required_why);
  return CheckText("reason", reason, {TextLimits::kReasonBytes});
}

}  // namespace

std::string SniffReceiptType(std::string_view d) {
  auto starts = [&](std::string_view magic, size_t at = 0) {
    return d.size() >= at + magic.size() && d.substr(at, magic.size()) == magic;
  };
  if (starts("\xFF\xD8\xFF")) return "image/jpeg";
  if (starts("\x89PNG\r\n\x1A\n")) return "image/png";
  if (starts("%PDF-")) return "application/pdf";
  if (starts("RIFF") && starts("WEBP", 8)) return "image/webp";
  if (starts("ftypheic", 4) || starts("ftypheix", 4) || starts("ftypmif1", 4)) return "image/heic";
  return "";
}

std::string CategoryAccountId(uint64_t c, xpb::Category category) {
  return ExpenseCategoryAccountId(c, CategoryWord(category));
}

namespace {

// The approval transfer of one category of a claim, in its approval round.
std::string ApprovalId(const xpb::Claim& claim, xpb::Category category) {
  return ExpenseApprovalId(claim.community_id(), claim.id(), claim.approval_round(),
                           CategoryWord(category));
}
std::string ApprovalReversalId(const xpb::Claim& claim, xpb::Category category) {
  return ExpenseApprovalReversalId(claim.community_id(), claim.id(), claim.approval_round(),
                                   CategoryWord(category));
}

std::map<xpb::Category, int64_t> ByCategory(const xpb::Claim& claim) {
  std::map<xpb::Category, int64_t> out;
  for (const xpb::ClaimLine& l : claim.lines()) out[l.category()] += l.amount_minor();
  return out;
}

}  // namespace

class ExpenseBook::Tx : public storage::RecordTx {
 public:
  explicit Tx(storage::KvStore* s) : RecordTx(s, kRecords, kCounterTag) {}
};

ExpenseBook::ExpenseBook(storage::KvStore* store, People* people, LedgerClient* ledger,
                         ActivityLookup* activities)
    : store_(store),
      people_(people),
      poster_(ledger),
      activities_(activities),
      outbox_(store, kRecords, kOutboxTag) {}

absl::Status ExpenseBook::CheckActivities(const xpb::Claim& claim, uint64_t claimant) {
  for (int i = 0; i < claim.lines_size(); ++i) {
    const uint64_t id = claim.lines(i).activity_id();
    if (id == 0) continue;
    const std::string f = absl::StrCat("claim.lines[", i, "].activity_id");
    if (activities_ == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat(f, ": this server cannot check activities; leave it out"));
    }
    absl::StatusOr<::timebank::activity::v1::Activity> a =
        activities_->Activity(claim.community_id(), id);
    if (a.status().code() == absl::StatusCode::kNotFound) {
      return Field(f, absl::StrCat("activity ", id, " does not exist in this community"));
    }
    if (!a.ok()) return a.status();
    if (a->provider_member_id() != claimant && a->receiver_member_id() != claimant) {
      return Field(f, absl::StrCat("activity ", id, " is not one you took part in"));
    }
  }
  return absl::OkStatus();
}

// ---- Policy -----------------------------------------------------------------------

namespace {

// The fields of a policy its admins and finance officers change.
const std::vector<std::string>& PolicyFields() {
  static const auto* kFields = new std::vector<std::string>{"categories",
                                                            "mileage_rate_minor",
                                                            "distance_unit",
                                                            "max_claim_minor",
                                                            "max_month_minor",
                                                            "claim_window_days",
                                                            "second_approval_above_minor",
                                                            "receipt_required_above_minor"};
  return *kFields;
}

// A whole policy, each field checked, naming it.
absl::Status CheckPolicy(const xpb::Policy& p) {
  std::set<int> seen;
  for (int cat : p.categories()) {
    if (cat == xpb::CATEGORY_UNSPECIFIED || !xpb::Category_IsValid(cat) ||
        !seen.insert(cat).second) {
      return Field("policy.categories", "known categories, each once");
    }
  }
  if (p.mileage_rate_minor() < 0 || p.mileage_rate_minor() > ExpenseLimits::kMaxMileageRateMinor) {
    return Field("policy.mileage_rate_minor", "0..100000 minor units per mile or kilometre");
  }
  if (p.mileage_rate_minor() > 0 && (p.distance_unit() == xpb::DISTANCE_UNIT_UNSPECIFIED ||
                                     !xpb::DistanceUnit_IsValid(p.distance_unit()))) {
    return Field("policy.distance_unit", "mile or kilometre, for the mileage rate");
  }
  for (auto [name, v] : {std::pair{"policy.max_claim_minor", p.max_claim_minor()},
                         std::pair{"policy.max_month_minor", p.max_month_minor()}}) {
    if (v <= 0 || v > ExpenseLimits::kMaxMinor) {
      return Field(name, "more than 0 and at most 10,000,000 minor units");
    }
  }
  if (p.claim_window_days() < 1 || p.claim_window_days() > ExpenseLimits::kMaxWindowDays) {
    return Field("policy.claim_window_days", "1..366 days");
  }
  if (p.receipt_required_above_minor() < 0 ||
      p.receipt_required_above_minor() > ExpenseLimits::kMaxMinor) {
    return Field("policy.receipt_required_above_minor", "0 (never) .. 10,000,000 minor units");
  }
  if (p.second_approval_above_minor() < 0 ||
      p.second_approval_above_minor() > ExpenseLimits::kMaxMinor) {
    return Field("policy.second_approval_above_minor", "0 (never) .. 10,000,000 minor units");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<xpb::Policy> ExpenseBook::SetPolicy(const Principal& caller, xpb::Policy policy) {
  return UpdatePolicy(caller, policy, FullUpdateMask());
}

absl::StatusOr<xpb::Policy> ExpenseBook::UpdatePolicy(const Principal& caller,
                                                      const xpb::Policy& patch,
                                                      const google::protobuf::FieldMask& mask) {
  (void)caller;  // the access table admits admins and finance officers
  const uint64_t c = patch.community_id();
  TB_ASSIGN_OR_RETURN(dpb::Community community, people_->Community(c));
  absl::MutexLock lock(&write_mu_);
  xpb::Policy p;
  absl::StatusOr<xpb::Policy> current = GetPolicy(c);
  if (current.ok()) {
    p = *std::move(current);
    if (!patch.etag().empty() && patch.etag() != p.etag()) {
      return absl::AbortedError(
          "policy.etag: the policy changed since you read it; read it again and retry");
    }
  } else if (current.status().code() == absl::StatusCode::kNotFound) {
    p.set_community_id(c);  // the first policy: every limit must be given
  } else {
    return current.status();
  }
  TB_RETURN_IF_ERROR(ApplyUpdateMask(patch, mask, PolicyFields(), &p));
  TB_RETURN_IF_ERROR(CheckPolicy(p));
  p.set_currency(community.expense_currency());
  p.clear_etag();
  p.set_etag(storage::ToHex(auth::Sha256(p.SerializeAsString()).substr(0, 8)));
  Tx tx(store_);
  tx.Put(KeyU64(kPolicyTag, p.community_id()), p.SerializeAsString());
  TB_RETURN_IF_ERROR(tx.Commit());
  return p;
}

absl::StatusOr<xpb::Policy> ExpenseBook::GetPolicy(uint64_t c) {
  std::string v;
  TB_ASSIGN_OR_RETURN(bool found, store_->Get(kRecords, KeyU64(kPolicyTag, c), &v));
  if (!found) {
    return absl::NotFoundError(
        absl::StrCat("community ", c,
                     " has no expense policy yet; an admin or finance officer sets one "
                     "(tbctl expenses policy set)"));
  }
  xpb::Policy p;
  if (!p.ParseFromString(v)) return absl::DataLossError("the expense policy is damaged");
  return p;
}

// ---- Claims -----------------------------------------------------------------------

absl::StatusOr<xpb::Claim> ExpenseBook::Load(uint64_t c, uint64_t id) {
  std::string v;
  TB_ASSIGN_OR_RETURN(bool found, store_->Get(kRecords, KeyU64U64(kClaimTag, c, id), &v));
  if (!found) return absl::NotFoundError(absl::StrCat("claim ", id, " does not exist"));
  xpb::Claim claim;
  if (!claim.ParseFromString(v))
    return absl::DataLossError(absl::StrCat("claim ", id, " is damaged"));
  return claim;
}

absl::Status ExpenseBook::PriceLines(const xpb::Policy& policy, const dpb::Community& community,
                                     xpb::Claim* claim) const {
  if (claim->title().empty()) {
    return Field("claim.title", "1..128 bytes of one-line text: what the claim is for");
  }
  TB_RETURN_IF_ERROR(CheckText("claim.title", claim->title(), {TextLimits::kClaimTitleBytes}));
  if (claim->lines().empty() ||
      static_cast<size_t>(claim->lines_size()) > ExpenseLimits::kMaxLines) {
    return Field("claim.lines", "1..50 lines");
  }
  const absl::TimeZone tz = ZoneOf(community);
  const absl::Time now = Now();
  int64_t total = 0;
  for (int i = 0; i < claim->lines_size(); ++i) {
    xpb::ClaimLine& line = *claim->mutable_lines(i);
    const std::string f = absl::StrCat("claim.lines[", i, "].");
    if (line.category() == xpb::CATEGORY_UNSPECIFIED || !xpb::Category_IsValid(line.category())) {
      return Field(f + "category",
                   "travel, mileage, care-cover, subsistence, materials, phone-data or other");
    }
    if (!policy.categories().empty() &&
        std::find(policy.categories().begin(), policy.categories().end(), line.category()) ==
            policy.categories().end()) {
      return Field(f + "category", absl::StrCat(CategoryWord(line.category()),
                                                " is not claimable in this community"));
    }
    absl::Time day;
    std::string err;
    if (!absl::ParseTime("%Y-%m-%d", line.date(), tz, &day, &err)) {
      return Field(f + "date", absl::StrCat("'", line.date(), "' is not a date like 2026-11-23"));
    }
    if (day > now) return Field(f + "date", "is in the future");
    if (day < now - absl::Hours(24 * (policy.claim_window_days() + 1))) {
      return Field(f + "date", absl::StrCat("is outside the claim window of ",
                                            policy.claim_window_days(), " days"));
    }
    if (line.description().empty())
      return Field(f + "description", "1..256 bytes of one-line text");
    TB_RETURN_IF_ERROR(
        CheckText(f + "description", line.description(), {TextLimits::kClaimLineDescriptionBytes}));
    if (line.category() == xpb::CATEGORY_MILEAGE) {
      if (policy.mileage_rate_minor() == 0) {
        return Field(f + "category", "this community pays no mileage (no rate is set)");
      }
      if (line.distance_tenths() <= 0 ||
          line.distance_tenths() > ExpenseLimits::kMaxDistanceTenths) {
        return Field(f + "distance_tenths", "a distance of 0.1 .. 10,000");
      }
      // Rounded to the nearest minor unit, half up; integers only.
      line.set_amount_minor((line.distance_tenths() * policy.mileage_rate_minor() + 5) / 10);
    } else if (line.distance_tenths() != 0) {
      return Field(f + "distance_tenths", "only for mileage");
    }
    if (line.amount_minor() <= 0 || line.amount_minor() > ExpenseLimits::kMaxMinor) {
      return Field(f + "amount_minor", "more than 0 and at most 10,000,000 minor units");
    }
    total += line.amount_minor();
  }
  if (total > policy.max_claim_minor()) {
    return absl::FailedPreconditionError(absl::StrCat("claim.lines: the claim totals ", total,
                                                      " minor units; this community's "
                                                      "limit per claim is ",
                                                      policy.max_claim_minor(),
                                                      "; split it or ask finance"));
  }
  claim->set_total_minor(total);
  claim->set_currency(community.expense_currency());
  claim->set_needs_second_approval(policy.second_approval_above_minor() > 0 &&
                                   total > policy.second_approval_above_minor());
  return absl::OkStatus();
}

void ExpenseBook::Save(Tx& tx, xpb::Claim& claim, xpb::ClaimState from, uint64_t by,
                       const std::string& reason) {
  const uint64_t c = claim.community_id();
  if (from != claim.state() || !reason.empty()) {
    xpb::ClaimEvent* e = claim.add_history();
    e->mutable_at()->set_seconds(absl::ToUnixSeconds(Now()));
    e->set_by_member_id(by);
    e->set_from(from);
    e->set_to(claim.state());
    e->set_reason(reason);
  }
  if (from != claim.state()) {
    if (from != xpb::CLAIM_STATE_UNSPECIFIED) tx.Delete(StateKey(c, from, claim.id()));
    tx.Put(StateKey(c, claim.state(), claim.id()), "");
  }
  tx.Put(KeyU64U64(kClaimTag, c, claim.id()), Sealed(claim));
}

absl::StatusOr<int64_t> ExpenseBook::MonthTotal(uint64_t c, uint64_t member, int64_t month) {
  std::string v;
  TB_ASSIGN_OR_RETURN(bool found, store_->Get(kRecords, MonthKey(c, member, month), &v));
  if (!found) return 0;
  TB_CHECK(v.size() == 8);
  return storage::DecodeI64(v.data());
}

void ExpenseBook::AddToMonth(Tx& tx, uint64_t c, uint64_t member, int64_t month, int64_t total,
                             int64_t delta) {
  const int64_t next = total + delta;
  TB_CHECK(next >= 0);
  std::string v;
  storage::PutI64(&v, next);
  tx.Put(MonthKey(c, member, month), v);
}

absl::StatusOr<xpb::Claim> ExpenseBook::CreateClaim(const Principal& caller, xpb::Claim claim,
                                                    const std::string& request_id) {
  if (!IsMember(caller)) return absl::PermissionDeniedError("only members claim expenses");
  if (!request_id.empty() && !IsValidId(request_id, 64)) {
    return Field("request_id", "1..64 of A-Z a-z 0-9 . _ : -");
  }
  const uint64_t c = claim.community_id();
  TB_ASSIGN_OR_RETURN(xpb::Policy policy, GetPolicy(c));
  TB_ASSIGN_OR_RETURN(dpb::Community community, people_->Community(c));
  TB_ASSIGN_OR_RETURN(dpb::Member me, people_->Member(c, caller.subject_id()));
  if (me.status() != dpb::MEMBER_STATUS_ACTIVE) {
    return absl::FailedPreconditionError("only active members claim expenses");
  }
  if (claim.organisation_id() != 0) {
    TB_RETURN_IF_ERROR(people_->Organisation(c, claim.organisation_id()).status());
  }
  TB_RETURN_IF_ERROR(PriceLines(policy, community, &claim));
  TB_RETURN_IF_ERROR(CheckActivities(claim, caller.subject_id()));
  absl::MutexLock lock(&write_mu_);
  const std::string request_key =
      request_id.empty()
          ? ""
          : storage::KeyStr(kRequestTag,
                            absl::StrCat("create:", c, ":", caller.subject_id(), ":", request_id));
  if (!request_key.empty()) {
    std::string v;
    TB_ASSIGN_OR_RETURN(bool seen, store_->Get(kRecords, request_key, &v));
    if (seen) return Load(c, storage::DecodeU64(v.data() + 8));
  }
  Tx tx(store_);
  TB_ASSIGN_OR_RETURN(uint64_t id, tx.NextId(absl::StrCat("claim.", c)));
  claim.set_id(id);
  claim.set_claimant_member_id(caller.subject_id());
  claim.set_state(xpb::CLAIM_STATE_DRAFT);
  claim.set_posting_state(xpb::POSTING_STATE_NOT_POSTED);
  claim.clear_history();
  claim.clear_first_approver_member_id();
  claim.mutable_created_at()->set_seconds(absl::ToUnixSeconds(Now()));
  claim.clear_submitted_at();
  claim.clear_ledger_result();
  Save(tx, claim, xpb::CLAIM_STATE_UNSPECIFIED, caller.subject_id(), "");
  tx.Put(KeyU64U64(kAllTag, c, Inv(id)), "");
  tx.Put(Key3(kMemberTag, c, caller.subject_id(), Inv(id)), "");
  if (!request_key.empty()) tx.Put(request_key, KeyU64U64('_', c, id).substr(1));
  TB_RETURN_IF_ERROR(tx.Commit());
  return claim;
}

absl::StatusOr<xpb::Claim> ExpenseBook::OwnEditable(const Principal& caller, uint64_t c,
                                                    uint64_t id, const std::string& etag) {
  TB_ASSIGN_OR_RETURN(xpb::Claim claim, Load(c, id));
  if (!IsMember(caller) || claim.claimant_member_id() != caller.subject_id()) {
    return absl::PermissionDeniedError("only the claimant changes or submits a claim");
  }
  if (claim.state() != xpb::CLAIM_STATE_DRAFT && claim.state() != xpb::CLAIM_STATE_NEEDS_INFO) {
    return absl::FailedPreconditionError(
        absl::StrCat("claim ", id, " is ", xpb::ClaimState_Name(claim.state()),
                     "; only drafts and claims finance asked about can be changed"));
  }
  if (etag != claim.etag()) {
    return absl::AbortedError(absl::StrCat(
        "claim ", id, " changed since you read it; read it again (etag ", claim.etag(), ")"));
  }
  return claim;
}

absl::StatusOr<xpb::Claim> ExpenseBook::UpdateClaim(const Principal& caller, const xpb::Claim& in) {
  return UpdateClaim(caller, in, FullUpdateMask());
}

absl::StatusOr<xpb::Claim> ExpenseBook::UpdateClaim(const Principal& caller, const xpb::Claim& in,
                                                    const google::protobuf::FieldMask& mask) {
  static const auto* kFields = new std::vector<std::string>{"title", "organisation_id", "lines"};
  const uint64_t c = in.community_id();
  TB_ASSIGN_OR_RETURN(xpb::Policy policy, GetPolicy(c));
  TB_ASSIGN_OR_RETURN(dpb::Community community, people_->Community(c));
  if (in.organisation_id() != 0) {
    TB_RETURN_IF_ERROR(people_->Organisation(c, in.organisation_id()).status());
  }
  TB_RETURN_IF_ERROR(CheckActivities(in, caller.subject_id()));
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(xpb::Claim claim, OwnEditable(caller, c, in.id(), in.etag()));
  TB_RETURN_IF_ERROR(ApplyUpdateMask(in, mask, *kFields, &claim));
  TB_RETURN_IF_ERROR(PriceLines(policy, community, &claim));
  Tx tx(store_);
  Save(tx, claim, claim.state(), caller.subject_id(), "");
  TB_RETURN_IF_ERROR(tx.Commit());
  return claim;
}

absl::StatusOr<xpb::Claim> ExpenseBook::SubmitClaim(const Principal& caller, uint64_t c,
                                                    uint64_t id, const std::string& etag) {
  TB_ASSIGN_OR_RETURN(xpb::Policy policy, GetPolicy(c));
  TB_ASSIGN_OR_RETURN(dpb::Community community, people_->Community(c));
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(xpb::Claim claim, OwnEditable(caller, c, id, etag));
  // The policy may have changed since the draft was written: check again.
  TB_RETURN_IF_ERROR(PriceLines(policy, community, &claim));
  int64_t needs_evidence = 0;  // mileage is priced by the rate, not by a receipt
  for (const xpb::ClaimLine& l : claim.lines()) {
    if (l.category() != xpb::CATEGORY_MILEAGE) needs_evidence += l.amount_minor();
  }
  if (policy.receipt_required_above_minor() > 0 &&
      needs_evidence > policy.receipt_required_above_minor() && claim.receipts().empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "claim ", claim.id(), " needs a receipt: its costs total ", needs_evidence,
        " minor units, above the ", policy.receipt_required_above_minor(),
        " this community pays without one (tbctl claim attach ", claim.id(), " FILE)"));
  }
  const int64_t month = MonthOf(Now(), ZoneOf(community));
  TB_ASSIGN_OR_RETURN(int64_t counted, MonthTotal(c, claim.claimant_member_id(), month));
  if (counted + claim.total_minor() > policy.max_month_minor()) {
    return absl::FailedPreconditionError(
        absl::StrCat("this month's claims would total ", counted + claim.total_minor(),
                     " minor units; this community's limit per member per month is ",
                     policy.max_month_minor(), "; submit the rest next month or ask finance"));
  }
  Tx tx(store_);
  const xpb::ClaimState from = claim.state();
  claim.set_state(xpb::CLAIM_STATE_SUBMITTED);
  claim.clear_first_approver_member_id();
  claim.mutable_submitted_at()->set_seconds(absl::ToUnixSeconds(Now()));
  AddToMonth(tx, c, claim.claimant_member_id(), month, counted, claim.total_minor());
  Save(tx, claim, from, caller.subject_id(), "");
  TB_RETURN_IF_ERROR(tx.Commit());
  return claim;
}

absl::StatusOr<xpb::Claim> ExpenseBook::GetClaim(const Principal& caller, uint64_t c, uint64_t id) {
  TB_ASSIGN_OR_RETURN(xpb::Claim claim, Load(c, id));
  const bool own = IsMember(caller) && claim.claimant_member_id() == caller.subject_id();
  if (!own && (claim.state() == xpb::CLAIM_STATE_DRAFT || !IsFinanceOrAdmin(caller))) {
    return absl::NotFoundError(absl::StrCat("claim ", id, " does not exist"));
  }
  return claim;
}

absl::StatusOr<Page<xpb::Claim>> ExpenseBook::ListClaims(const Principal& caller,
                                                         const xpb::ListClaimsRequest& req,
                                                         uint64_t after_key, size_t limit) {
  const uint64_t c = req.community_id();
  uint64_t member = req.member_id();
  if (!IsFinanceOrAdmin(caller)) {
    if (!IsMember(caller) || (member != 0 && member != caller.subject_id())) {
      return absl::PermissionDeniedError("members list their own claims; finance lists anyone's");
    }
    // Every claimant's claims in one state is the finance queue: say so rather than
    // answer with the caller's own, which reads as an empty queue.
    if (member == 0 && req.state() != xpb::CLAIM_STATE_UNSPECIFIED) {
      return absl::PermissionDeniedError(
          "the finance queue is for finance officers and admins; to see your own claims, "
          "list them with your member id (tbctl claim list)");
    }
    member = caller.subject_id();
  }
  if (!xpb::ClaimState_IsValid(req.state()) || req.min_total_minor() < 0 ||
      req.min_age_days() < 0 || req.min_age_days() > 3660) {
    return Field("filters", "a known state, min_total_minor >= 0, min_age_days 0..3660");
  }
  // The index that yields the fewest non-matches: by state (oldest first, the finance
  // queue), by member, or everything (newest first).
  std::string prefix;
  bool inverted = true;
  if (req.state() != xpb::CLAIM_STATE_UNSPECIFIED && member == 0) {
    prefix = KeyU64(kStateTag, c);
    storage::PutU8(&prefix, static_cast<uint8_t>(req.state()));
    inverted = false;
  } else if (member != 0) {
    prefix = KeyU64U64(kMemberTag, c, member);
  } else {
    prefix = KeyU64(kAllTag, c);
  }
  const int64_t now_s = absl::ToUnixSeconds(Now());
  PageBuilder<xpb::Claim> page(limit, ExpenseLimits::kMaxScan);
  auto it = store_->NewIterator(kRecords);
  std::string start = prefix;
  if (after_key != 0) storage::PutU64(&start, after_key + 1);
  for (it->Seek(start); it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix); it->Next()) {
    // Pages resume after the index key, which orders the list.
    const uint64_t k = storage::DecodeU64(it->key().data() + prefix.size());
    if (!page.Visit(k)) break;
    TB_ASSIGN_OR_RETURN(xpb::Claim claim, Load(c, inverted ? Inv(k) : k));
    const bool own = IsMember(caller) && claim.claimant_member_id() == caller.subject_id();
    if (claim.state() == xpb::CLAIM_STATE_DRAFT && !own) continue;
    if (req.state() != xpb::CLAIM_STATE_UNSPECIFIED && claim.state() != req.state()) continue;
    if (req.organisation_id() != 0 && claim.organisation_id() != req.organisation_id()) continue;
    if (claim.total_minor() < req.min_total_minor()) continue;
    if (req.min_age_days() > 0 &&
        (claim.submitted_at().seconds() == 0 ||
         claim.submitted_at().seconds() > now_s - int64_t{86400} * req.min_age_days())) {
      continue;
    }
    page.Add(std::move(claim));
  }
  TB_RETURN_IF_ERROR(it->status());
  return std::move(page).Finish();
}

absl::StatusOr<xpb::Claim> ExpenseBook::DecideClaim(const Principal& caller,
                                                    const xpb::DecideClaimRequest& req) {
  using D = xpb::DecideClaimRequest;
  if (req.decision() == D::DECISION_UNSPECIFIED || !D::Decision_IsValid(req.decision())) {
    return Field("decision", "approve, reject or ask-for-info");
  }
  TB_RETURN_IF_ERROR(CheckReason(req.reason(), req.decision() == D::DECISION_APPROVE
                                                   ? nullptr
                                                   : "required: tell the claimant why"));
  if (!IsMember(caller) || !auth::HasRole(caller, dpb::ROLE_FINANCE)) {
    return absl::PermissionDeniedError("only finance officers decide claims");
  }
  const uint64_t c = req.community_id();
  TB_ASSIGN_OR_RETURN(dpb::Community community, people_->Community(c));
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(xpb::Claim claim, Load(c, req.claim_id()));
  if (claim.state() == xpb::CLAIM_STATE_DRAFT) {
    return absl::NotFoundError(absl::StrCat("claim ", req.claim_id(), " does not exist"));
  }
  if (claim.claimant_member_id() == caller.subject_id()) {
    return absl::PermissionDeniedError(
        "nobody decides their own claim; another finance officer must");
  }
  if (claim.state() != xpb::CLAIM_STATE_SUBMITTED) {
    return absl::FailedPreconditionError(absl::StrCat("claim ", claim.id(), " is ",
                                                      xpb::ClaimState_Name(claim.state()),
                                                      "; only submitted claims are decided"));
  }
  if (req.etag() != claim.etag()) {
    return absl::AbortedError(
        absl::StrCat("claim ", claim.id(),
                     " changed since you read it (someone else may be acting on it); "
                     "read it again"));
  }
  Tx tx(store_);
  const xpb::ClaimState from = claim.state();
  std::string note = req.reason();
  if (req.decision() == D::DECISION_APPROVE) {
    if (claim.needs_second_approval() && claim.first_approver_member_id() == 0) {
      claim.set_first_approver_member_id(caller.subject_id());
      note = note.empty() ? "first approval" : absl::StrCat("first approval: ", note);
    } else {
      if (claim.posting_state() == xpb::POSTING_STATE_QUEUED) {
        return absl::FailedPreconditionError(
            "the reversal of the last approval is still being posted; try again in a moment");
      }
      if (claim.first_approver_member_id() == caller.subject_id()) {
        return absl::PermissionDeniedError(
            "the second approval must come from a different finance officer");
      }
      claim.set_state(xpb::CLAIM_STATE_APPROVED);
      claim.set_posting_state(xpb::POSTING_STATE_QUEUED);
      claim.set_approval_round(claim.approval_round() + 1);
      TB_RETURN_IF_ERROR(Queue(tx, Posting::kApproval, c, claim.id()));
    }
  } else {
    claim.clear_first_approver_member_id();
    claim.set_state(req.decision() == D::DECISION_REJECT ? xpb::CLAIM_STATE_REJECTED
                                                         : xpb::CLAIM_STATE_NEEDS_INFO);
    // No longer counted against the month (a resubmission counts it again).
    const int64_t month =
        MonthOf(absl::FromUnixSeconds(claim.submitted_at().seconds()), ZoneOf(community));
    TB_ASSIGN_OR_RETURN(int64_t counted, MonthTotal(c, claim.claimant_member_id(), month));
    AddToMonth(tx, c, claim.claimant_member_id(), month, counted,
               -std::min(counted, claim.total_minor()));
  }
  Save(tx, claim, from, caller.subject_id(), note);
  TB_RETURN_IF_ERROR(tx.Commit());
  return claim;
}

// ---- The money book ---------------------------------------------------------------

size_t ExpenseBook::OutboxSize() { return outbox_.Size(); }

absl::Status ExpenseBook::Queue(Tx& tx, Posting posting, uint64_t c, uint64_t id) {
  return outbox_.Add(tx, c, id, static_cast<uint8_t>(posting));
}

// The money-book accounts a claim's postings touch, opened before they are used.
void ExpenseBook::NeedAccount(const std::string& id, uint64_t c, const std::string& currency,
                              lpb::OwnerKind kind, const std::string& owner_ref,
                              bool never_negative, std::map<std::string, lpb::Account>* accounts) {
  lpb::Account a;
  a.set_id(id);
  a.set_community_id(c);
  a.set_unit(currency);
  a.set_owner_kind(kind);
  a.set_owner_ref(owner_ref);
  if (never_negative) a.set_min_balance(0);
  accounts->emplace(id, std::move(a));
}

absl::StatusOr<std::vector<lpb::Transfer>> ExpenseBook::ChainFor(
    Posting posting, uint64_t c, uint64_t id, std::map<std::string, lpb::Account>* accounts) {
  std::vector<lpb::Transfer> chain;
  auto payable = [&](const xpb::Claim& claim) {
    NeedAccount(PayableAccountId(c, claim.claimant_member_id()), c, claim.currency(),
                lpb::OWNER_KIND_MEMBER,
                absl::StrCat("communities/", c, "/members/", claim.claimant_member_id()), true,
                accounts);
    return PayableAccountId(c, claim.claimant_member_id());
  };
  auto transfer = [&](std::string tid, std::string debit, std::string credit, int64_t amount,
                      lpb::TransferKind kind, const std::string& memo, const std::string& ref) {
    lpb::Transfer& t = chain.emplace_back();
    t.set_id(std::move(tid));
    t.set_debit_account_id(std::move(debit));
    t.set_credit_account_id(std::move(credit));
    t.set_amount(amount);
    t.set_kind(kind);
    t.set_memo(memo);
    t.set_reference(ref);
    t.set_linked(true);
    return &t;
  };
  if (posting == Posting::kPayment) {
    TB_ASSIGN_OR_RETURN(xpb::PaymentBatch batch, LoadBatch(c, id));
    NeedAccount(BankAccountId(c), c, batch.currency(), lpb::OWNER_KIND_EXPENSE_BOOK,
                absl::StrCat("communities/", c, "/expenses/bank"), false, accounts);
    for (uint64_t claim_id : batch.claim_ids()) {
      TB_ASSIGN_OR_RETURN(xpb::Claim claim, Load(c, claim_id));
      transfer(ExpensePaymentId(c, claim.id()), payable(claim), BankAccountId(c),
               claim.total_minor(), lpb::TRANSFER_KIND_EXPENSE_PAYMENT,
               absl::StrCat("payment batch ", batch.id(), ": ", batch.payment_reference()),
               absl::StrCat("communities/", c, "/claims/", claim.id()));
    }
  } else {
    TB_ASSIGN_OR_RETURN(xpb::Claim claim, Load(c, id));
    const std::string to = payable(claim);
    const std::string ref = absl::StrCat("communities/", c, "/claims/", claim.id());
    for (const auto& [category, amount] : ByCategory(claim)) {
      const std::string book = CategoryAccountId(c, category);
      NeedAccount(book, c, claim.currency(), lpb::OWNER_KIND_EXPENSE_BOOK,
                  absl::StrCat("communities/", c, "/expenses/", CategoryWord(category)), false,
                  accounts);
      if (posting == Posting::kApproval) {
        transfer(ApprovalId(claim, category), book, to, amount, lpb::TRANSFER_KIND_EXPENSE_APPROVAL,
                 claim.title(), ref);
      } else {
        transfer(ApprovalReversalId(claim, category), "", "", 0, lpb::TRANSFER_KIND_REVERSAL,
                 "approval reversed", ref)
            ->set_reverses_id(ApprovalId(claim, category));
      }
    }
  }
  if (!chain.empty()) chain.back().set_linked(false);  // closes the chain
  return chain;
}

absl::StatusOr<size_t> ExpenseBook::Dispatch() {
  absl::MutexLock dispatching(&dispatch_mu_);
  // Each outbox entry becomes one linked chain of transfers.
  size_t waiting = 0;
  TB_ASSIGN_OR_RETURN(std::vector<storage::OutboxEntry> entries,
                      outbox_.Oldest(ExpenseLimits::kMaxDispatchClaims, &waiting));
  if (entries.empty()) return 0;
  std::vector<std::vector<lpb::Transfer>> chains;
  std::map<std::string, lpb::Account> accounts;
  size_t transfers = 0;
  for (const storage::OutboxEntry& e : entries) {
    std::map<std::string, lpb::Account> needs;
    TB_ASSIGN_OR_RETURN(std::vector<lpb::Transfer> chain,
                        ChainFor(static_cast<Posting>(e.kind), e.scope, e.id, &needs));
    // A round posts about one ledger call's worth; the rest waits for the next round.
    if (!chains.empty() && transfers + chain.size() > ledger::kMaxBatchEvents) break;
    transfers += chain.size();
    accounts.merge(needs);
    chains.push_back(std::move(chain));
  }
  waiting += entries.size() - chains.size();
  std::vector<lpb::Account> to_open;
  for (auto& [id, a] : accounts) to_open.push_back(std::move(a));
  std::map<std::string, std::string> unusable;  // account id -> why
  if (!to_open.empty()) {
    TB_ASSIGN_OR_RETURN(unusable, poster_.OpenAccounts(to_open));
  }
  const PostingReport report = poster_.Post(chains);

  absl::MutexLock lock(&write_mu_);
  Tx tx(store_);
  bool changed = false;
  for (size_t i = 0; i < chains.size(); ++i) {
    if (report.outcomes[i].kind == PostingOutcome::Kind::kNotSent) {
      ++waiting;
      continue;
    }
    const std::string refused = Refusal(chains[i], report.outcomes[i], unusable);
    TB_RETURN_IF_ERROR(RecordPosting(tx, entries[i], refused));
    changed = true;
  }
  if (changed) TB_RETURN_IF_ERROR(tx.Commit());
  TB_RETURN_IF_ERROR(report.unreachable);  // the rest waits: back off
  return waiting;
}

std::string ExpenseBook::Refusal(const std::vector<lpb::Transfer>& chain,
                                 const PostingOutcome& outcome,
                                 const std::map<std::string, std::string>& unusable) {
  if (outcome.kind == PostingOutcome::Kind::kRefused) return outcome.refusal;
  // The transfer that failed the chain (the others say LINKED_EVENT_FAILED).
  size_t failed = chain.size();
  for (size_t i = 0; i < chain.size(); ++i) {
    const lpb::CreateTransferResultCode code = outcome.results[i].code();
    if (code == lpb::CREATE_TRANSFER_CREATED || code == lpb::CREATE_TRANSFER_EXISTS) continue;
    if (failed == chain.size()) failed = i;
    if (code != lpb::CREATE_TRANSFER_LINKED_EVENT_FAILED) {
      failed = i;
      break;
    }
  }
  if (failed == chain.size()) return "";
  for (const std::string& id :
       {chain[failed].debit_account_id(), chain[failed].credit_account_id()}) {
    if (auto it = unusable.find(id); it != unusable.end())
      return absl::StrCat(id, ": ", it->second);
  }
  return lpb::CreateTransferResultCode_Name(outcome.results[failed].code());
}

absl::Status ExpenseBook::RecordPosting(Tx& tx, const storage::OutboxEntry& e,
                                        const std::string& refused) {
  const xpb::PostingState state =
      refused.empty() ? xpb::POSTING_STATE_POSTED : xpb::POSTING_STATE_REFUSED;
  const Posting posting = static_cast<Posting>(e.kind);
  if (posting == Posting::kPayment) {
    TB_ASSIGN_OR_RETURN(xpb::PaymentBatch batch, LoadBatch(e.scope, e.id));
    batch.set_posting_state(state);
    batch.set_ledger_result(refused);
    tx.Put(KeyU64U64(kBatchTag, e.scope, e.id), batch.SerializeAsString());
  } else {
    // Reload: the claim may have changed since (history appended).
    TB_ASSIGN_OR_RETURN(xpb::Claim claim, Load(e.scope, e.id));
    if (posting == Posting::kApproval) {
      claim.set_posting_state(state);
      claim.set_ledger_result(refused);
    } else {
      // A reversed approval: nothing stays posted (or, if refused, say so).
      claim.set_posting_state(refused.empty() ? xpb::POSTING_STATE_NOT_POSTED
                                              : xpb::POSTING_STATE_REFUSED);
      claim.set_ledger_result(refused.empty() ? "" : absl::StrCat("reversal: ", refused));
    }
    tx.Put(KeyU64U64(kClaimTag, claim.community_id(), claim.id()), Sealed(claim));
  }
  tx.Delete(e.key);
  return absl::OkStatus();
}

// ---- Reports ----------------------------------------------------------------------

absl::StatusOr<xpb::MoneyReport> ExpenseBook::GetMoneyReport(
    const xpb::GetMoneyReportRequest& req) {
  auto month_ok = [](const std::string& m) {
    absl::Time t;
    std::string err;
    return m.empty() || (m.size() == 7 && absl::ParseTime("%Y-%m", m, &t, &err));
  };
  if (!month_ok(req.from_month())) return Field("from_month", "YYYY-MM, like 2026-11");
  if (!month_ok(req.to_month())) return Field("to_month", "YYYY-MM, like 2026-11");
  const uint64_t c = req.community_id();
  TB_ASSIGN_OR_RETURN(dpb::Community community, people_->Community(c));
  xpb::MoneyReport out;
  out.set_currency(community.expense_currency());
  std::map<std::tuple<std::string, int, uint64_t>, std::pair<int64_t, int>> spend;
  std::map<uint64_t, std::pair<int64_t, int>> owed;
  size_t scanned = 0;
  for (xpb::ClaimState state : {xpb::CLAIM_STATE_APPROVED, xpb::CLAIM_STATE_PAID}) {
    std::string prefix = KeyU64(kStateTag, c);
    storage::PutU8(&prefix, static_cast<uint8_t>(state));
    auto it = store_->NewIterator(kRecords);
    for (it->Seek(prefix); it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix); it->Next()) {
      if (++scanned > ExpenseLimits::kMaxScan) {
        return absl::ResourceExhaustedError(
            "more claims than one report reads; ask for fewer months");
      }
      TB_ASSIGN_OR_RETURN(xpb::Claim claim,
                          Load(c, storage::DecodeU64(it->key().data() + prefix.size())));
      if (state == xpb::CLAIM_STATE_APPROVED) {
        auto& o = owed[claim.claimant_member_id()];
        o.first += claim.total_minor();
        o.second += 1;
      }
      for (const xpb::ClaimLine& l : claim.lines()) {
        const std::string month = l.date().substr(0, 7);
        if ((!req.from_month().empty() && month < req.from_month()) ||
            (!req.to_month().empty() && month > req.to_month())) {
          continue;
        }
        auto& row = spend[{month, l.category(), claim.organisation_id()}];
        row.first += l.amount_minor();
        row.second += 1;
      }
    }
    TB_RETURN_IF_ERROR(it->status());
  }
  for (const auto& [key, v] : spend) {
    xpb::SpendRow* r = out.add_spend();
    r->set_month(std::get<0>(key));
    r->set_category(static_cast<xpb::Category>(std::get<1>(key)));
    r->set_organisation_id(std::get<2>(key));
    r->set_total_minor(v.first);
    r->set_lines(v.second);
  }
  for (const auto& [member, v] : owed) {
    xpb::OwedRow* r = out.add_owed();
    r->set_member_id(member);
    r->set_owed_minor(v.first);
    r->set_claims(v.second);
  }
  return out;
}

// ---- Receipts ---------------------------------------------------------------------

namespace {

std::string HashPrefix(uint64_t c, const std::string& sha256) {
  std::string k = KeyU64(kHashTag, c);
  k += sha256;
  return k;
}

}  // namespace

absl::StatusOr<xpb::Claim> ExpenseBook::AttachReceipt(const Principal& caller,
                                                      const xpb::AttachReceiptRequest& req) {
  const std::string& name = req.filename();
  if (name.empty()) return Field("filename", "1..128 bytes of one-line text");
  TB_RETURN_IF_ERROR(CheckText("filename", name, {TextLimits::kReceiptFilenameBytes}));
  if (req.data().empty() || req.data().size() > ExpenseLimits::kMaxReceiptBytes) {
    return Field("data", "a file of 1 byte to 5 MiB; scan or photograph it smaller");
  }
  const std::string type = SniffReceiptType(req.data());
  if (type.empty()) {
    return Field("data", "not an image (JPEG, PNG, WebP, HEIC) or a PDF");
  }
  const uint64_t c = req.community_id();
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(xpb::Claim claim, OwnEditable(caller, c, req.claim_id(), req.etag()));
  if (static_cast<size_t>(claim.receipts_size()) >= ExpenseLimits::kMaxReceiptsPerClaim) {
    return absl::FailedPreconditionError("a claim holds at most 20 receipts");
  }
  const std::string sha = auth::Sha256(req.data());
  Tx tx(store_);
  TB_ASSIGN_OR_RETURN(uint64_t id, tx.NextId(absl::StrCat("receipt.", c)));
  xpb::Receipt* r = claim.add_receipts();
  r->set_id(id);
  r->set_filename(name);
  r->set_content_type(type);
  r->set_size_bytes(static_cast<int64_t>(req.data().size()));
  r->set_sha256_hex(storage::ToHex(sha));
  // The same file elsewhere: flag it here and there.
  const std::string prefix = HashPrefix(c, sha);
  auto it = store_->NewIterator(kRecords);
  for (it->Seek(prefix); it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix); it->Next()) {
    const uint64_t other_id = storage::DecodeU64(it->key().data() + prefix.size());
    if (other_id == claim.id()) continue;
    r->add_also_on_claim_ids(other_id);
    TB_ASSIGN_OR_RETURN(xpb::Claim other, Load(c, other_id));
    for (xpb::Receipt& o : *other.mutable_receipts()) {
      if (o.sha256_hex() == r->sha256_hex() &&
          std::find(o.also_on_claim_ids().begin(), o.also_on_claim_ids().end(), claim.id()) ==
              o.also_on_claim_ids().end()) {
        o.add_also_on_claim_ids(claim.id());
      }
    }
    Save(tx, other, other.state(), caller.subject_id(), "");
  }
  TB_RETURN_IF_ERROR(it->status());
  tx.Put(KeyU64U64(kReceiptTag, c, id), req.data());
  tx.Put(prefix + KeyU64(0, claim.id()).substr(1), "");
  Save(tx, claim, claim.state(), caller.subject_id(),
       absl::StrCat("receipt attached: ", name,
                    r->also_on_claim_ids_size() ? " (the same file is on another claim)" : ""));
  TB_RETURN_IF_ERROR(tx.Commit());
  return claim;
}

absl::StatusOr<xpb::Claim> ExpenseBook::DetachReceipt(const Principal& caller,
                                                      const xpb::DetachReceiptRequest& req) {
  const uint64_t c = req.community_id();
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(xpb::Claim claim, OwnEditable(caller, c, req.claim_id(), req.etag()));
  auto* rs = claim.mutable_receipts();
  auto it = std::find_if(rs->begin(), rs->end(),
                         [&](const xpb::Receipt& r) { return r.id() == req.receipt_id(); });
  if (it == rs->end()) {
    return absl::NotFoundError(
        absl::StrCat("claim ", claim.id(), " has no receipt ", req.receipt_id()));
  }
  const std::string name = it->filename();
  const std::string sha = absl::HexStringToBytes(it->sha256_hex());
  rs->erase(it);
  Tx tx(store_);
  tx.Delete(KeyU64U64(kReceiptTag, c, req.receipt_id()));
  // Only if no other receipt of this claim has the same content.
  if (std::none_of(rs->begin(), rs->end(),
                   [&](const xpb::Receipt& r) { return r.sha256_hex() == storage::ToHex(sha); })) {
    tx.Delete(HashPrefix(c, sha) + KeyU64(0, claim.id()).substr(1));
  }
  Save(tx, claim, claim.state(), caller.subject_id(), absl::StrCat("receipt removed: ", name));
  TB_RETURN_IF_ERROR(tx.Commit());
  return claim;
}

absl::StatusOr<xpb::EraseMemberDataResponse> ExpenseBook::EraseMember(uint64_t c, uint64_t m) {
  xpb::EraseMemberDataResponse out;
  {
    absl::MutexLock lock(&write_mu_);
    Tx tx(store_);
    const std::string prefix = KeyU64U64(kMemberTag, c, m);
    auto it = store_->NewIterator(kRecords);
    for (it->Seek(prefix); it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix); it->Next()) {
      const uint64_t id = Inv(storage::DecodeU64(it->key().data() + prefix.size()));
      TB_ASSIGN_OR_RETURN(xpb::Claim claim, Load(c, id));
      if (claim.text_erased()) continue;
      claim.clear_title();
      for (xpb::ClaimLine& line : *claim.mutable_lines()) line.clear_description();
      for (xpb::ClaimEvent& e : *claim.mutable_history()) e.clear_reason();
      for (xpb::Receipt& r : *claim.mutable_receipts()) {
        tx.Delete(KeyU64U64(kReceiptTag, c, r.id()));
        tx.Delete(HashPrefix(c, absl::HexStringToBytes(r.sha256_hex())) +
                  KeyU64(0, claim.id()).substr(1));
        r.clear_filename();
        r.clear_sha256_hex();
        out.set_receipts_deleted(out.receipts_deleted() + 1);
      }
      claim.set_text_erased(true);
      tx.Put(KeyU64U64(kClaimTag, c, claim.id()), Sealed(claim));
      out.set_claims_erased(out.claims_erased() + 1);
    }
    TB_RETURN_IF_ERROR(it->status());
    if (out.claims_erased() > 0) TB_RETURN_IF_ERROR(tx.Commit());
  }
  // Also on a retry: an earlier purge may have failed after the commit.
  TB_RETURN_IF_ERROR(store_->Purge(kRecords));
  return out;
}

absl::StatusOr<xpb::GetReceiptResponse> ExpenseBook::GetReceipt(const Principal& caller,
                                                                const xpb::GetReceiptRequest& req) {
  TB_ASSIGN_OR_RETURN(xpb::Claim claim, GetClaim(caller, req.community_id(), req.claim_id()));
  if (claim.text_erased()) {
    return absl::NotFoundError(absl::StrCat("the receipts of claim ", claim.id(),
                                            " were erased with the claimant's personal data"));
  }
  xpb::GetReceiptResponse out;
  for (const xpb::Receipt& r : claim.receipts()) {
    if (r.id() == req.receipt_id()) *out.mutable_receipt() = r;
  }
  if (out.receipt().id() == 0) {
    return absl::NotFoundError(
        absl::StrCat("claim ", claim.id(), " has no receipt ", req.receipt_id()));
  }
  TB_ASSIGN_OR_RETURN(
      bool found,
      store_->Get(kRecords, KeyU64U64(kReceiptTag, req.community_id(), req.receipt_id()),
                  out.mutable_data()));
  if (!found) return absl::DataLossError(absl::StrCat("receipt ", req.receipt_id(), " is missing"));
  return out;
}

// ---- Reversals and payments -------------------------------------------------------

absl::StatusOr<xpb::Claim> ExpenseBook::ReverseApproval(const Principal& caller,
                                                        const xpb::ReverseApprovalRequest& req) {
  TB_RETURN_IF_ERROR(CheckReason(req.reason(), "required: what was wrong with the approval"));
  if (!IsMember(caller) || !auth::HasRole(caller, dpb::ROLE_FINANCE)) {
    return absl::PermissionDeniedError("only finance officers reverse approvals");
  }
  const uint64_t c = req.community_id();
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(xpb::Claim claim, Load(c, req.claim_id()));
  if (claim.claimant_member_id() == caller.subject_id()) {
    return absl::PermissionDeniedError(
        "nobody acts on their own claim; another finance officer must");
  }
  if (claim.state() != xpb::CLAIM_STATE_APPROVED || claim.payment_batch_id() != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "claim ", claim.id(), " is ", xpb::ClaimState_Name(claim.state()),
        claim.payment_batch_id() ? " and in a payment batch" : "",
        "; only approved claims not yet in a payment batch can have their approval reversed"));
  }
  if (req.etag() != claim.etag()) {
    return absl::AbortedError(absl::StrCat("claim ", claim.id(), " changed since you read it"));
  }
  // One posting at a time per claim, so each reversal meets the approval it undoes.
  if (claim.posting_state() == xpb::POSTING_STATE_QUEUED) {
    return absl::FailedPreconditionError(
        "the approval is still being posted to the money book; try again in a moment");
  }
  Tx tx(store_);
  const xpb::ClaimState from = claim.state();
  claim.set_state(xpb::CLAIM_STATE_SUBMITTED);
  claim.clear_first_approver_member_id();
  if (claim.posting_state() == xpb::POSTING_STATE_POSTED) {
    claim.set_posting_state(xpb::POSTING_STATE_QUEUED);
    TB_RETURN_IF_ERROR(Queue(tx, Posting::kReversal, c, claim.id()));
  } else {
    // The ledger refused the approval: nothing moved, nothing to reverse.
    claim.set_posting_state(xpb::POSTING_STATE_NOT_POSTED);
    claim.clear_ledger_result();
  }
  Save(tx, claim, from, caller.subject_id(), absl::StrCat("approval reversed: ", req.reason()));
  TB_RETURN_IF_ERROR(tx.Commit());
  return claim;
}

absl::StatusOr<xpb::PaymentBatch> ExpenseBook::LoadBatch(uint64_t c, uint64_t id) {
  std::string v;
  TB_ASSIGN_OR_RETURN(bool found, store_->Get(kRecords, KeyU64U64(kBatchTag, c, id), &v));
  if (!found) return absl::NotFoundError(absl::StrCat("payment batch ", id, " does not exist"));
  xpb::PaymentBatch b;
  if (!b.ParseFromString(v)) return absl::DataLossError(absl::StrCat("batch ", id, " is damaged"));
  return b;
}

absl::StatusOr<xpb::PaymentBatch> ExpenseBook::GetPaymentBatch(uint64_t c, uint64_t id) {
  return LoadBatch(c, id);
}

absl::StatusOr<Page<xpb::PaymentBatch>> ExpenseBook::ListPaymentBatches(uint64_t c,
                                                                        uint64_t after_id,
                                                                        size_t limit) {
  PageBuilder<xpb::PaymentBatch> page(limit, ExpenseLimits::kMaxScan);
  const std::string prefix = KeyU64(kBatchesTag, c);
  auto it = store_->NewIterator(kRecords);
  it->Seek(after_id == 0 ? prefix : KeyU64U64(kBatchesTag, c, Inv(after_id) + 1));
  for (; it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix); it->Next()) {
    const uint64_t id = Inv(storage::DecodeU64(it->key().data() + prefix.size()));
    if (!page.Visit(id)) break;
    TB_ASSIGN_OR_RETURN(xpb::PaymentBatch b, LoadBatch(c, id));
    page.Add(std::move(b));
  }
  TB_RETURN_IF_ERROR(it->status());
  return std::move(page).Finish();
}

absl::StatusOr<xpb::PaymentBatch> ExpenseBook::CreatePaymentBatch(
    const Principal& caller, const xpb::CreatePaymentBatchRequest& req) {
  if (!IsMember(caller) || !auth::HasRole(caller, dpb::ROLE_FINANCE)) {
    return absl::PermissionDeniedError("only finance officers gather payment batches");
  }
  if (static_cast<size_t>(req.claim_ids_size()) > ExpenseLimits::kMaxBatchClaims) {
    return Field("claim_ids", "at most 1000 claims per batch");
  }
  if (!req.request_id().empty() && !IsValidId(req.request_id(), 64)) {
    return Field("request_id", "1..64 of A-Z a-z 0-9 . _ : -");
  }
  const uint64_t c = req.community_id();
  TB_ASSIGN_OR_RETURN(dpb::Community community, people_->Community(c));
  absl::MutexLock lock(&write_mu_);
  const std::string request_key =
      req.request_id().empty()
          ? ""
          : storage::KeyStr(kRequestTag, absl::StrCat("batch:", c, ":", req.request_id()));
  if (!request_key.empty()) {
    std::string v;
    TB_ASSIGN_OR_RETURN(bool seen, store_->Get(kRecords, request_key, &v));
    if (seen) return LoadBatch(c, storage::DecodeU64(v.data() + 8));
  }
  std::vector<uint64_t> ids(req.claim_ids().begin(), req.claim_ids().end());
  if (ids.empty()) {
    // Every approved, posted claim not in a batch yet, oldest first.
    std::string prefix = KeyU64(kStateTag, c);
    storage::PutU8(&prefix, static_cast<uint8_t>(xpb::CLAIM_STATE_APPROVED));
    auto it = store_->NewIterator(kRecords);
    for (it->Seek(prefix); it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix) &&
                           ids.size() < ExpenseLimits::kMaxBatchClaims;
         it->Next()) {
      const uint64_t id = storage::DecodeU64(it->key().data() + prefix.size());
      TB_ASSIGN_OR_RETURN(xpb::Claim claim, Load(c, id));
      if (claim.payment_batch_id() == 0 && claim.posting_state() == xpb::POSTING_STATE_POSTED) {
        ids.push_back(id);
      }
    }
    TB_RETURN_IF_ERROR(it->status());
    if (ids.empty()) {
      return absl::FailedPreconditionError(
          "no approved claims are waiting to be paid (approvals post to the money book first)");
    }
  }
  std::vector<uint64_t> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    return Field("claim_ids", "a claim is listed twice");
  }
  Tx tx(store_);
  TB_ASSIGN_OR_RETURN(uint64_t batch_id, tx.NextId(absl::StrCat("batch.", c)));
  xpb::PaymentBatch batch;
  batch.set_community_id(c);
  batch.set_id(batch_id);
  batch.set_currency(community.expense_currency());
  batch.set_state(xpb::PaymentBatch::STATE_OPEN);
  batch.set_created_by_member_id(caller.subject_id());
  batch.mutable_created_at()->set_seconds(absl::ToUnixSeconds(Now()));
  batch.set_posting_state(xpb::POSTING_STATE_NOT_POSTED);
  for (uint64_t id : ids) {
    TB_ASSIGN_OR_RETURN(xpb::Claim claim, Load(c, id));
    if (claim.state() != xpb::CLAIM_STATE_APPROVED || claim.payment_batch_id() != 0 ||
        claim.posting_state() != xpb::POSTING_STATE_POSTED) {
      return absl::FailedPreconditionError(absl::StrCat(
          "claim_ids: claim ", id,
          " is not an approved claim posted to the money book and not yet in a batch"));
    }
    claim.set_payment_batch_id(batch_id);
    Save(tx, claim, claim.state(), caller.subject_id(),
         absl::StrCat("added to payment batch ", batch_id));
    batch.add_claim_ids(id);
    batch.set_total_minor(batch.total_minor() + claim.total_minor());
  }
  tx.Put(KeyU64U64(kBatchTag, c, batch_id), batch.SerializeAsString());
  tx.Put(KeyU64U64(kBatchesTag, c, Inv(batch_id)), "");
  if (!request_key.empty()) tx.Put(request_key, KeyU64U64('_', c, batch_id).substr(1));
  TB_RETURN_IF_ERROR(tx.Commit());
  return batch;
}

absl::StatusOr<xpb::ExportPaymentBatchResponse> ExpenseBook::ExportPaymentBatch(uint64_t c,
                                                                                uint64_t id) {
  TB_ASSIGN_OR_RETURN(xpb::PaymentBatch batch, LoadBatch(c, id));
  const int exponent = CurrencyExponent(batch.currency()).value_or(2);
  CsvWriter csv;
  csv.AddRow(
      {"batch", "claim", "member_id", "member_number", "name", "amount", "currency", "reference"});
  for (uint64_t claim_id : batch.claim_ids()) {
    TB_ASSIGN_OR_RETURN(xpb::Claim claim, Load(c, claim_id));
    absl::StatusOr<dpb::Member> m = people_->Member(c, claim.claimant_member_id());
    if (!m.ok() && m.status().code() != absl::StatusCode::kNotFound) return m.status();
    const std::vector<std::string> row = {absl::StrCat(batch.id()),
                                          absl::StrCat(claim.id()),
                                          absl::StrCat(claim.claimant_member_id()),
                                          m.ok() ? m->member_number() : "",
                                          m.ok() ? m->display_name() : "",
                                          FormatMinor(claim.total_minor(), exponent),
                                          batch.currency(),
                                          absl::StrCat("TB-", c, "-", claim.id())};
    csv.AddRow(row);
  }
  xpb::ExportPaymentBatchResponse out;
  out.set_csv(std::move(csv).Take());
  out.set_filename(absl::StrCat("payment-batch-", c, "-", id, ".csv"));
  return out;
}

absl::StatusOr<xpb::PaymentBatch> ExpenseBook::MarkBatchPaid(const Principal& caller,
                                                             const xpb::MarkBatchPaidRequest& req) {
  if (!IsMember(caller) || !auth::HasRole(caller, dpb::ROLE_FINANCE)) {
    return absl::PermissionDeniedError("only finance officers mark payments");
  }
  const std::string& ref = req.payment_reference();
  if (ref.empty()) {
    return Field("payment_reference", "1..64 bytes of one-line text: the bank's reference");
  }
  TB_RETURN_IF_ERROR(CheckText("payment_reference", ref, {TextLimits::kPaymentReferenceBytes}));
  const uint64_t c = req.community_id();
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(xpb::PaymentBatch batch, LoadBatch(c, req.batch_id()));
  if (batch.state() == xpb::PaymentBatch::STATE_PAID) {
    if (batch.payment_reference() == ref) return batch;  // paying again changes nothing
    return absl::FailedPreconditionError(absl::StrCat("payment batch ", batch.id(),
                                                      " was already paid with reference '",
                                                      batch.payment_reference(), "'"));
  }
  std::vector<xpb::Claim> claims;
  for (uint64_t id : batch.claim_ids()) {
    TB_ASSIGN_OR_RETURN(xpb::Claim claim, Load(c, id));
    if (claim.claimant_member_id() == caller.subject_id()) {
      return absl::PermissionDeniedError(
          absl::StrCat("nobody pays their own claim: claim ", id,
                       " in this batch is yours; another finance officer marks it paid"));
    }
    TB_CHECK(claim.state() == xpb::CLAIM_STATE_APPROVED && claim.payment_batch_id() == batch.id());
    claims.push_back(std::move(claim));
  }
  Tx tx(store_);
  for (xpb::Claim& claim : claims) {
    claim.set_state(xpb::CLAIM_STATE_PAID);
    Save(tx, claim, xpb::CLAIM_STATE_APPROVED, caller.subject_id(),
         absl::StrCat("paid in batch ", batch.id(), ", reference ", ref));
  }
  batch.set_state(xpb::PaymentBatch::STATE_PAID);
  batch.set_payment_reference(ref);
  batch.set_paid_by_member_id(caller.subject_id());
  batch.mutable_paid_at()->set_seconds(absl::ToUnixSeconds(Now()));
  batch.set_posting_state(xpb::POSTING_STATE_QUEUED);
  TB_RETURN_IF_ERROR(Queue(tx, Posting::kPayment, c, batch.id()));
  tx.Put(KeyU64U64(kBatchTag, c, batch.id()), batch.SerializeAsString());
  TB_RETURN_IF_ERROR(tx.Commit());
  return batch;
}

}  // namespace timebank::expenses
