#include "services/directory/directory.h"

#include <google/protobuf/util/json_util.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/auth/keyring.h"
#include "services/common/auth/token.h"
#include "services/common/ids.h"
#include "services/common/text_fields.h"
#include "services/common/update_mask.h"
#include "services/common/validation.h"
#include "services/directory/directory_schema.h"
#include "storage/absl_compat.h"
#include "storage/bytes.h"
#include "storage/check.h"
#include "storage/record_tx.h"

namespace timebank::directory {
namespace {

namespace lpb = ::timebank::ledger::v1;
using storage::KeyStr;
using storage::KeyU64;
using storage::KeyU64U64;

std::string Key3(char tag, uint64_t a, uint64_t b, uint64_t c) {
  std::string k = KeyU64U64(tag, a, b);
  storage::PutU64(&k, c);
  return k;
}
std::string EpochKey(int kind, uint64_t c, uint64_t s) {
  std::string k(1, schema::kEpoch);
  storage::PutU8(&k, static_cast<uint8_t>(kind));
  storage::PutU64(&k, c);
  storage::PutU64(&k, s);
  return k;
}
std::string U64Value(uint64_t v) {
  std::string s;
  storage::PutU64(&s, v);
  return s;
}

// The username index key holds the username's SHA-256, not the name itself: keys can
// outlive their deletion in the store's files (tombstones, file boundaries in its
// manifest), and an erased member's sign-in name must not.
std::string UsernameKey(const std::string& username) {
  return KeyStr(schema::kUsername, auth::Sha256(username));
}

// The member-number index key: numbers are unique within a community.
std::string MemberNumberKey(uint64_t community_id, const std::string& number) {
  return KeyStr(schema::kMemberNumber, absl::StrCat(U64Value(community_id), number));
}

google::protobuf::Timestamp Ts(absl::Time at) {
  google::protobuf::Timestamp t;
  t.set_seconds(absl::ToUnixSeconds(at));
  return t;
}

absl::Status Field(const char* field, const std::string& problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

// Member numbers as printed on cards: 1..32 of [A-Za-z0-9-].
constexpr size_t kMaxMemberNumberBytes = 32;
bool IsMemberNumber(const std::string& n) {
  return !n.empty() && n.size() <= kMaxMemberNumberBytes &&
         std::all_of(n.begin(), n.end(), [](char ch) {
           return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-';
         });
}

// A name (community, organisation, member, API key): the text rule, and not blank.
absl::Status CheckName(const char* field, const std::string& v, bool required) {
  if (v.empty()) return required ? Field(field, "required") : absl::OkStatus();
  TB_RETURN_IF_ERROR(CheckText(field, v, {TextLimits::kNameBytes}));
  if (absl::StripAsciiWhitespace(v).empty()) return Field(field, "must not be blank");
  return absl::OkStatus();
}

absl::Status CheckReason(const char* field, const std::string& v) {
  return CheckText(field, v, {TextLimits::kReasonBytes});
}

absl::Status CheckCommunityFields(const dpb::Community& c) {
  TB_RETURN_IF_ERROR(CheckName("community.name", c.name(), true));
  absl::TimeZone tz;
  if (c.timezone().empty() || c.timezone().size() > 64 || !absl::LoadTimeZone(c.timezone(), &tz)) {
    return Field("community.timezone", "must be an IANA time zone such as Europe/London");
  }
  if (c.member_credit_limit_minutes() < 0 ||
      c.member_credit_limit_minutes() > DirectoryLimits::kMaxMemberCreditLimitMinutes) {
    return Field("community.member_credit_limit_minutes",
                 "must be 0..60000 minutes (up to 1,000 hours)");
  }
  if (c.organisation_credit_limit_minutes() < 0 ||
      c.organisation_credit_limit_minutes() > DirectoryLimits::kMaxOrganisationCreditLimitMinutes) {
    return Field("community.organisation_credit_limit_minutes",
                 "must be 0..60000000 minutes (up to 1,000,000 hours)");
  }
  if (!CurrencyExponent(c.expense_currency())) {
    return Field("community.expense_currency", "must be an ISO 4217 code such as GBP");
  }
  if (!dpb::SignupMode_IsValid(c.signup_mode())) return Field("community.signup_mode", "unknown");
  if (c.exchange_answer_hours() < 0 || c.exchange_answer_hours() > 720) {
    return Field("community.exchange_answer_hours", "1..720 hours (0 means a week)");
  }
  if (!dpb::UnconfirmedExchanges_IsValid(c.unconfirmed_exchanges())) {
    return Field("community.unconfirmed_exchanges", "auto-confirm or expire");
  }
  return absl::OkStatus();
}

absl::Status CheckMemberFields(dpb::Member* m) {
  TB_RETURN_IF_ERROR(CheckName("member.display_name", m->display_name(), true));
  if (!m->member_number().empty() && !IsMemberNumber(m->member_number())) {
    return Field("member.member_number", "1..32 of A-Z, a-z, 0-9 and -");
  }
  if (!m->username().empty()) TB_RETURN_IF_ERROR(ValidateUsername(m->username()));
  TB_RETURN_IF_ERROR(CheckText("member.email", m->email(), {TextLimits::kEmailBytes}));
  if (!m->email().empty() &&
      (m->email().find('@') == std::string::npos || m->email().find(' ') != std::string::npos)) {
    return Field("member.email", "must be an email address of at most 254 bytes");
  }
  if (!m->phone().empty() && (m->phone().size() > TextLimits::kPhoneBytes ||
                              !std::all_of(m->phone().begin(), m->phone().end(), [](char ch) {
                                return std::isdigit(static_cast<unsigned char>(ch)) || ch == ' ' ||
                                       ch == '+' || ch == '(' || ch == ')' || ch == '-';
                              }))) {
    return Field("member.phone", "digits, spaces and + ( ) - only, at most 32 bytes");
  }
  if (static_cast<size_t>(m->tags_size()) > DirectoryLimits::kMaxTags) {
    return Field("member.tags", "at most 32 tags");
  }
  for (std::string& t : *m->mutable_tags()) {
    t = absl::AsciiStrToLower(absl::StripAsciiWhitespace(t));
    if (t.empty()) return Field("member.tags", "each tag is 1..40 bytes of one-line text");
    TB_RETURN_IF_ERROR(CheckText("member.tags", t, {TextLimits::kTagBytes}));
  }
  std::sort(m->mutable_tags()->begin(), m->mutable_tags()->end());
  m->mutable_tags()->erase(std::unique(m->mutable_tags()->begin(), m->mutable_tags()->end()),
                           m->mutable_tags()->end());
  return absl::OkStatus();
}

std::string Etag(const google::protobuf::Message& m) {
  return storage::ToHex(auth::Sha256(m.SerializeAsString()).substr(0, 8));
}

template <class Msg>
std::string Sealed(Msg m) {
  m.clear_etag();
  m.set_etag(Etag(m));
  return m.SerializeAsString();
}

lpb::Account TimeAccount(const std::string& id, uint64_t c, lpb::OwnerKind kind,
                         const std::string& owner_ref, std::optional<int64_t> min_balance) {
  lpb::Account a;
  a.set_id(id);
  a.set_community_id(c);
  a.set_unit("TIME");
  a.set_owner_kind(kind);
  a.set_owner_ref(owner_ref);
  if (min_balance) a.set_min_balance(*min_balance);
  return a;
}

std::string RoleDetail(dpb::Role role, uint64_t org_id, const std::string& reason) {
  return absl::StrCat(dpb::Role_Name(role), org_id ? absl::StrCat(" of organisation ", org_id) : "",
                      reason.empty() ? "" : ": ", reason);
}

bool HasRoleIn(const dpb::Member& m, dpb::Role r) {
  return std::find(m.roles().begin(), m.roles().end(), r) != m.roles().end();
}

}  // namespace

absl::Status ValidateUsername(const std::string& u) {
  if (u.size() < 3 || u.size() > 64 || !std::all_of(u.begin(), u.end(), [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
               ch == '-';
      })) {
    return Field("username", "3..64 of a-z, 0-9, . _ and -");
  }
  return absl::OkStatus();
}

absl::Status ValidatePassword(const std::string& p) {
  if (p.size() < 10 || p.size() > 256) {
    return Field("password", "10..256 bytes; a few unrelated words make a good one");
  }
  return absl::OkStatus();
}

std::string Actor::Label() const {
  switch (principal.kind()) {
    case dpb::Principal::KIND_MEMBER:
      return absl::StrCat(Is(dpb::ROLE_OPERATOR) ? "operator:" : "member:", principal.subject_id());
    case dpb::Principal::KIND_SERVICE:
      return absl::StrCat("service:", principal.name());
    case dpb::Principal::KIND_API_KEY:
      return absl::StrCat("apikey:", principal.subject_id());
    default:
      return "system";
  }
}

bool Actor::Is(dpb::Role role) const { return auth::HasRole(principal, role); }

// A mutation in progress: one synced batch plus the id counters it advances.
class Directory::Tx : public storage::RecordTx {
 public:
  explicit Tx(storage::KvStore* store) : RecordTx(store, schema::kRecords, schema::kCounter) {}
  // Revocations this mutation commits; in force once it is durable (Directory::Commit).
  std::vector<dpb::Revocation> revocations;
};

Directory::Directory(storage::KvStore* store, LedgerAccounts* ledger,
                     auth::Revocations* revocations, ErasureTargets* erasure, const Clock* clock)
    : clock_(clock),
      store_(store),
      ledger_(ledger),
      revocations_(revocations),
      revocation_log_(store, schema::kRecords, revocations),
      erasures_(store, schema::kRecords, erasure),
      accounts_(store, schema::kRecords, ledger) {}

Directory::~Directory() { pump_.reset(); }

template <class Msg>
absl::StatusOr<bool> Directory::Read(const std::string& key, Msg* out) {
  std::string v;
  TB_ASSIGN_OR_RETURN(bool found, store_->Get(schema::kRecords, key, &v));
  if (!found) return false;
  if (!out->ParseFromString(v)) {
    return absl::DataLossError(
        absl::StrCat("directory record ", storage::ToHex(key), " is damaged"));
  }
  return true;
}

void Directory::Audit(Tx& tx, uint64_t c, const Actor& a, const std::string& action,
                      uint64_t member_id, const std::string& detail) {
  absl::StatusOr<uint64_t> seq = tx.NextId(absl::StrCat("audit.", c));
  TB_CHECK(seq.ok());
  dpb::AuditEntry e;
  e.set_community_id(c);
  e.set_seq(*seq);
  *e.mutable_at() = Ts(Now());
  e.set_actor(a.Label());
  e.set_action(action);
  e.set_member_id(member_id);
  e.set_detail(detail);
  tx.Put(KeyU64U64(schema::kAudit, c, *seq), e.SerializeAsString());
}

absl::Status Directory::Start() {
  auto it = store_->NewIterator(schema::kRecords);
  const std::string prefix(1, schema::kEpoch);
  for (it->Seek(prefix); it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix); it->Next()) {
    const std::string_view k = it->key();
    TB_CHECK(k.size() == 18 && it->value().size() == 8);
    revocations_->SetEpoch(static_cast<uint8_t>(k[1]), storage::DecodeU64(k.data() + 2),
                           storage::DecodeU64(k.data() + 10),
                           storage::DecodeU64(it->value().data()));
  }
  TB_RETURN_IF_ERROR(it->status());
  TB_RETURN_IF_ERROR(MoveLegacyUsernames());
  TB_RETURN_IF_ERROR(revocation_log_.Load(absl::ToUnixSeconds(Now())));
  DrainErasures();
  TB_CHECK(pump_ == nullptr);
  // Starts woken: accounts left waiting by the last run are tried at once.
  pump_ = std::make_unique<OutboxPump>("tb-dir-accounts", [this]() -> absl::StatusOr<size_t> {
    AccountOutbox::Drained d = DrainAccounts();
    if (!d.unreachable.ok()) return d.unreachable;
    return d.waiting;
  });
  return absl::OkStatus();
}

absl::Status Directory::MoveLegacyUsernames() {
  absl::MutexLock lock(&write_mu_);
  Tx tx(store_);
  bool moved = false;
  const std::string prefix(1, schema::kLegacyUsername);
  auto it = store_->NewIterator(schema::kRecords);
  for (it->Seek(prefix); it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix); it->Next()) {
    tx.Put(UsernameKey(std::string(it->key().substr(1))), it->value());
    tx.Delete(it->key());
    moved = true;
  }
  TB_RETURN_IF_ERROR(it->status());
  if (!moved) return absl::OkStatus();
  TB_RETURN_IF_ERROR(tx.Commit());
  return store_->Purge(schema::kRecords);  // the old keys named people
}

size_t Directory::DrainErasures() {
  const ErasureOutbox::Drained d = erasures_.Drain();
  if (d.completed.empty()) return d.waiting;
  absl::MutexLock lock(&write_mu_);
  Tx tx(store_);
  Actor system;
  for (const auto& [c, m] : d.completed) {
    Audit(tx, c, system, "member.erase.complete", m,
          "every service confirmed that it holds no personal data of the member");
  }
  if (!tx.Commit().ok()) return d.waiting;  // the audit line is lost, never the erasure
  return d.waiting;
}

AccountOutbox::Drained Directory::DrainAccounts() {
  AccountOutbox::Drained d = accounts_.Drain();
  if (d.refused.empty()) return d;
  // Refused for good (the ledger will never open them as they are): recorded where the
  // community's admins look, and the queue moves on.
  absl::MutexLock lock(&write_mu_);
  Tx tx(store_);
  Actor system;
  for (const AccountOutbox::Refused& r : d.refused) {
    std::fprintf(stderr, "directory: the ledger refused to open account %s: %s\n",
                 r.account.id().c_str(), r.why.c_str());
    Audit(tx, r.account.community_id(), system, "account.refused", 0,
          absl::StrCat("the ledger refused to open time account ", r.account.id(), " (", r.why,
                       "); ask the operator to check the ledger"));
  }
  if (!tx.Commit().ok()) return d;  // the audit line is lost; the log line stays
  return d;
}

void Directory::AwaitAccounts(uint64_t round) {
  if (pump_ == nullptr) return;  // not started: the accounts wait for Start's pump
  pump_->Wake();
  if (!accounts_.AwaitRound(round, absl::Milliseconds(DirectoryLimits::kAccountOpenWaitMs))) {
    std::fprintf(stderr,
                 "directory: the ledger did not answer within %lld ms; the new account is "
                 "opened when it does\n",
                 static_cast<long long>(DirectoryLimits::kAccountOpenWaitMs));
  }
}

size_t Directory::DrainOutbox() { return DrainErasures() + DrainAccounts().waiting; }

// ---- Communities ----------------------------------------------------------------------

absl::StatusOr<dpb::Community> Directory::CreateCommunity(const Actor& a, dpb::Community c,
                                                          const std::string& request_id) {
  if (c.signup_mode() == dpb::SIGNUP_MODE_UNSPECIFIED)
    c.set_signup_mode(dpb::SIGNUP_MODE_INVITATION);
  if (c.expense_currency().empty()) c.set_expense_currency("GBP");
  if (c.timezone().empty()) c.set_timezone("Europe/London");
  if (c.exchange_answer_hours() == 0) c.set_exchange_answer_hours(168);
  if (c.unconfirmed_exchanges() == dpb::UNCONFIRMED_EXCHANGES_UNSPECIFIED) {
    c.set_unconfirmed_exchanges(dpb::UNCONFIRMED_EXCHANGES_AUTO_CONFIRM);
  }
  TB_RETURN_IF_ERROR(CheckCommunityFields(c));
  if (!request_id.empty() && !IsValidId(request_id, 64)) {
    return Field("request_id", "1..64 of A-Z a-z 0-9 . _ : -");
  }
  absl::ReleasableMutexLock lock(&write_mu_);
  const std::string req_key = KeyStr(schema::kRequest, absl::StrCat("community:", request_id));
  if (!request_id.empty()) {
    std::string prior;
    TB_ASSIGN_OR_RETURN(bool seen, store_->Get(schema::kRecords, req_key, &prior));
    if (seen) {
      dpb::Community existing;
      TB_ASSIGN_OR_RETURN(bool found, Read(prior, &existing));
      if (found) return existing;
    }
  }
  Tx tx(store_);
  TB_ASSIGN_OR_RETURN(uint64_t id, tx.NextId("community"));
  c.set_id(id);
  c.set_pool_account_id(PoolAccountId(id));
  *c.mutable_created_at() = Ts(Now());
  const std::string key = KeyU64(schema::kCommunity, id);
  const std::string sealed = Sealed(c);
  tx.Put(key, sealed);
  if (!request_id.empty()) tx.Put(req_key, key);
  accounts_.Add(tx, TimeAccount(c.pool_account_id(), id, lpb::OWNER_KIND_COMMUNITY_POOL,
                                absl::StrCat("communities/", id), 0));
  Audit(tx, id, a, "community.create", 0, c.name());
  TB_RETURN_IF_ERROR(tx.Commit());
  const uint64_t round = accounts_.NextRound();
  lock.Release();
  AwaitAccounts(round);
  c.ParseFromString(sealed);
  return c;
}

absl::StatusOr<dpb::Community> Directory::GetCommunity(uint64_t id) {
  dpb::Community c;
  TB_ASSIGN_OR_RETURN(bool found, Read(KeyU64(schema::kCommunity, id), &c));
  if (!found || id == 0) {
    return absl::NotFoundError(
        absl::StrCat("community ", id, " does not exist; tbctl community list shows them"));
  }
  return c;
}

template <class Msg>
absl::StatusOr<Page<Msg>> Directory::Scan(const std::string& prefix, const std::string& start,
                                          size_t limit,
                                          const std::function<bool(const Msg&)>& keep) {
  PageBuilder<Msg> page(limit, DirectoryLimits::kMaxSearchScan);
  auto it = store_->NewIterator(schema::kRecords);
  for (it->Seek(start); it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix); it->Next()) {
    // Every listed key ends with the id (or sequence number) the list is ordered by.
    if (!page.Visit(storage::DecodeU64(it->key().data() + it->key().size() - 8))) break;
    Msg m;
    if (!m.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("a directory record is damaged");
    }
    if (keep && !keep(m)) continue;
    page.Add(std::move(m));
  }
  TB_RETURN_IF_ERROR(it->status());
  return std::move(page).Finish();
}

absl::StatusOr<Page<dpb::Community>> Directory::ListCommunities(uint64_t after_id, size_t limit) {
  return Scan<dpb::Community>(std::string(1, schema::kCommunity),
                              KeyU64(schema::kCommunity, after_id + 1), limit, nullptr);
}

absl::StatusOr<dpb::Community> Directory::UpdateCommunity(const Actor& a, const dpb::Community& in,
                                                          const google::protobuf::FieldMask& mask) {
  static const auto* kFields = new std::vector<std::string>{"name",
                                                            "timezone",
                                                            "member_credit_limit_minutes",
                                                            "organisation_credit_limit_minutes",
                                                            "expense_currency",
                                                            "signup_mode",
                                                            "exchange_answer_hours",
                                                            "unconfirmed_exchanges"};
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(dpb::Community c, GetCommunity(in.id()));
  if (in.etag() != c.etag()) {
    return absl::AbortedError(
        "community.etag: the community changed since you read it; read it again and retry");
  }
  TB_RETURN_IF_ERROR(ApplyUpdateMask(in, mask, *kFields, &c));
  TB_RETURN_IF_ERROR(CheckCommunityFields(c));
  Tx tx(store_);
  const std::string sealed = Sealed(c);
  tx.Put(KeyU64(schema::kCommunity, c.id()), sealed);
  Audit(tx, c.id(), a, "community.update", 0, c.name());
  TB_RETURN_IF_ERROR(tx.Commit());
  c.ParseFromString(sealed);
  return c;
}

// ---- Organisations --------------------------------------------------------------------

absl::StatusOr<dpb::Organisation> Directory::CreateOrganisation(const Actor& a, dpb::Organisation o,
                                                                const std::string& request_id) {
  TB_RETURN_IF_ERROR(CheckName("organisation.name", o.name(), true));
  if (o.kind() == dpb::ORGANISATION_KIND_UNSPECIFIED || !dpb::OrganisationKind_IsValid(o.kind())) {
    return Field("organisation.kind",
                 "charity, public-service, recognition-partner or community-group");
  }
  if (!request_id.empty() && !IsValidId(request_id, 64)) {
    return Field("request_id", "1..64 of A-Z a-z 0-9 . _ : -");
  }
  absl::ReleasableMutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(dpb::Community c, GetCommunity(o.community_id()));
  const std::string req_key =
      KeyStr(schema::kRequest, absl::StrCat("org:", c.id(), ":", request_id));
  if (!request_id.empty()) {
    std::string prior;
    TB_ASSIGN_OR_RETURN(bool seen, store_->Get(schema::kRecords, req_key, &prior));
    dpb::Organisation existing;
    if (seen) {
      TB_ASSIGN_OR_RETURN(bool found, Read(prior, &existing));
      if (found) return existing;
    }
  }
  Tx tx(store_);
  TB_ASSIGN_OR_RETURN(uint64_t id, tx.NextId("organisation"));
  o.set_id(id);
  o.set_account_id(OrganisationAccountId(c.id(), id));
  *o.mutable_created_at() = Ts(Now());
  const std::string key = KeyU64U64(schema::kOrganisation, c.id(), id);
  const std::string sealed = Sealed(o);
  tx.Put(key, sealed);
  if (!request_id.empty()) tx.Put(req_key, key);
  const lpb::OwnerKind kind = o.kind() == dpb::ORGANISATION_KIND_RECOGNITION_PARTNER
                                  ? lpb::OWNER_KIND_PARTNER
                                  : lpb::OWNER_KIND_ORGANISATION;
  accounts_.Add(tx, TimeAccount(o.account_id(), c.id(), kind,
                                absl::StrCat("communities/", c.id(), "/organisations/", id),
                                -c.organisation_credit_limit_minutes()));
  Audit(tx, c.id(), a, "organisation.create", 0, o.name());
  TB_RETURN_IF_ERROR(tx.Commit());
  const uint64_t round = accounts_.NextRound();
  lock.Release();
  AwaitAccounts(round);
  o.ParseFromString(sealed);
  return o;
}

absl::StatusOr<dpb::Organisation> Directory::GetOrganisation(uint64_t c, uint64_t id) {
  dpb::Organisation o;
  TB_ASSIGN_OR_RETURN(bool found, Read(KeyU64U64(schema::kOrganisation, c, id), &o));
  if (!found) {
    return absl::NotFoundError(
        absl::StrCat("organisation ", id, " does not exist in community ", c));
  }
  return o;
}

absl::StatusOr<Page<dpb::Organisation>> Directory::ListOrganisations(uint64_t c, uint64_t after_id,
                                                                     size_t limit) {
  TB_RETURN_IF_ERROR(GetCommunity(c).status());
  return Scan<dpb::Organisation>(KeyU64(schema::kOrganisation, c),
                                 KeyU64U64(schema::kOrganisation, c, after_id + 1), limit, nullptr);
}

// ---- Members --------------------------------------------------------------------------

dpb::Principal Directory::PrincipalOf(const dpb::Member& m) {
  dpb::Principal p;
  p.set_kind(dpb::Principal::KIND_MEMBER);
  p.set_community_id(m.community_id());
  p.set_subject_id(m.id());
  p.set_name(m.username());
  *p.mutable_roles() = m.roles();
  *p.mutable_coordinator_of() = m.coordinator_of();
  return p;
}

absl::StatusOr<dpb::Member> Directory::MustMember(uint64_t c, uint64_t id) {
  dpb::Member m;
  TB_ASSIGN_OR_RETURN(bool found, Read(KeyU64U64(schema::kMember, c, id), &m));
  if (!found)
    return absl::NotFoundError(absl::StrCat("member ", id, " does not exist in community ", c));
  return m;
}

absl::StatusOr<dpb::Member> Directory::InsertMember(Tx& tx, const Actor* a, dpb::Member m,
                                                    const dpb::Community& c,
                                                    const std::string& password_hash) {
  TB_RETURN_IF_ERROR(CheckMemberFields(&m));
  TB_ASSIGN_OR_RETURN(uint64_t id, tx.NextId("member"));
  if (m.member_number().empty()) {
    TB_ASSIGN_OR_RETURN(uint64_t n, tx.NextId(absl::StrCat("number.", c.id())));
    m.set_member_number(absl::StrFormat("M%05d", n));
  }
  const std::string number_key = MemberNumberKey(c.id(), m.member_number());
  std::string ignored;
  TB_ASSIGN_OR_RETURN(bool number_taken, store_->Get(schema::kRecords, number_key, &ignored));
  if (number_taken) {
    return absl::AlreadyExistsError(
        absl::StrCat("member.member_number: ", m.member_number(),
                     " is already used in this community; pick another or leave it empty"));
  }
  if (!m.username().empty()) {
    TB_ASSIGN_OR_RETURN(bool taken,
                        store_->Get(schema::kRecords, UsernameKey(m.username()), &ignored));
    if (taken) {
      return absl::AlreadyExistsError("username: that username is taken; choose another");
    }
    tx.Put(UsernameKey(m.username()), KeyU64U64('_', c.id(), id).substr(1));
  }
  m.set_community_id(c.id());
  m.set_id(id);
  m.clear_roles();
  m.clear_coordinator_of();
  if (c.id() != 0) m.add_roles(dpb::ROLE_MEMBER);
  if (m.status() == dpb::MEMBER_STATUS_UNSPECIFIED) m.set_status(dpb::MEMBER_STATUS_ACTIVE);
  *m.mutable_created_at() = Ts(Now());
  if (c.id() != 0) {
    m.set_account_id(MemberAccountId(c.id(), id));
    accounts_.Add(tx, TimeAccount(m.account_id(), c.id(), lpb::OWNER_KIND_MEMBER,
                                  absl::StrCat("communities/", c.id(), "/members/", id),
                                  -c.member_credit_limit_minutes()));
  }
  const std::string sealed = Sealed(m);
  tx.Put(KeyU64U64(schema::kMember, c.id(), id), sealed);
  tx.Put(number_key, U64Value(id));
  if (!password_hash.empty()) tx.Put(KeyU64U64(schema::kPassword, c.id(), id), password_hash);
  if (a != nullptr) Audit(tx, c.id(), *a, "member.create", id, m.member_number());
  m.ParseFromString(sealed);
  return m;
}

absl::StatusOr<dpb::Member> Directory::WriteMember(const Actor* a, dpb::Member m,
                                                   const std::string& password_hash,
                                                   const std::string& request_id,
                                                   const std::string& invitation_code) {
  if (!request_id.empty() && !IsValidId(request_id, 64)) {
    return Field("request_id", "1..64 of A-Z a-z 0-9 . _ : -");
  }
  absl::ReleasableMutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(dpb::Community c, GetCommunity(m.community_id()));
  const std::string req_key =
      KeyStr(schema::kRequest, absl::StrCat("member:", c.id(), ":", request_id));
  if (!request_id.empty()) {
    std::string prior;
    TB_ASSIGN_OR_RETURN(bool seen, store_->Get(schema::kRecords, req_key, &prior));
    if (seen) {
      dpb::Member existing;
      TB_ASSIGN_OR_RETURN(bool found, Read(prior, &existing));
      if (found) return existing;
    }
  }
  Tx tx(store_);
  if (!invitation_code.empty()) {
    std::string ref;
    const std::string code_key = KeyStr(schema::kInvitationCode, auth::Sha256(invitation_code));
    TB_ASSIGN_OR_RETURN(bool found, store_->Get(schema::kRecords, code_key, &ref));
    dpb::Invitation inv;
    bool usable = false;
    if (found && ref.size() == 16 && storage::DecodeU64(ref.data()) == c.id()) {
      TB_ASSIGN_OR_RETURN(
          bool exists,
          Read(KeyU64U64(schema::kInvitation, c.id(), storage::DecodeU64(ref.data() + 8)), &inv));
      usable = exists && !inv.used() && !inv.revoked() &&
               inv.expires_at().seconds() > absl::ToUnixSeconds(Now());
    }
    if (!usable) {
      return absl::FailedPreconditionError(
          "invitation_code: not valid for this community (wrong, used, revoked or expired); "
          "ask the community for a new invitation");
    }
    inv.set_used(true);
    tx.Put(KeyU64U64(schema::kInvitation, c.id(), inv.id()), inv.SerializeAsString());
    tx.Delete(code_key);
  }
  TB_ASSIGN_OR_RETURN(dpb::Member out, InsertMember(tx, a, std::move(m), c, password_hash));
  if (!request_id.empty()) tx.Put(req_key, KeyU64U64(schema::kMember, c.id(), out.id()));
  TB_RETURN_IF_ERROR(tx.Commit());
  const uint64_t round = accounts_.NextRound();
  lock.Release();
  AwaitAccounts(round);
  return out;
}

absl::StatusOr<dpb::Member> Directory::CreateMember(const Actor& a, dpb::Member m,
                                                    const std::string& password_hash,
                                                    const std::string& request_id) {
  if (m.status() != dpb::MEMBER_STATUS_UNSPECIFIED && m.status() != dpb::MEMBER_STATUS_ACTIVE) {
    return Field("member.status", "new members start ACTIVE (leave it unset)");
  }
  if (m.community_id() == 0) return Field("member.community_id", "required");
  return WriteMember(&a, std::move(m), password_hash, request_id, "");
}

absl::StatusOr<dpb::Member> Directory::SignUpMember(dpb::Member m, const std::string& password_hash,
                                                    const std::string& invitation_code) {
  TB_ASSIGN_OR_RETURN(dpb::Community c, GetCommunity(m.community_id()));
  m.set_status(invitation_code.empty() ? dpb::MEMBER_STATUS_PENDING_APPROVAL
                                       : dpb::MEMBER_STATUS_ACTIVE);
  if (c.signup_mode() == dpb::SIGNUP_MODE_INVITATION && invitation_code.empty()) {
    return absl::FailedPreconditionError(
        "invitation_code: this community joins by invitation; ask a coordinator for a code");
  }
  if (invitation_code.empty()) {
    // Without a credential the answer must not depend on whether someone holds the
    // name: it is only asked for, and the admin who approves settles it.
    m.set_requested_username(m.username());
    m.clear_username();
  }
  return WriteMember(nullptr, std::move(m), password_hash, "", invitation_code);
}

absl::StatusOr<dpb::Member> Directory::GetMember(uint64_t c, uint64_t id) {
  return MustMember(c, id);
}

absl::StatusOr<std::vector<std::optional<dpb::Member>>> Directory::LookupMembers(
    uint64_t c, const std::vector<std::string>& numbers) {
  if (numbers.empty() || numbers.size() > DirectoryLimits::kMaxLookupMembers) {
    return Field("member_numbers", "1..1000 member numbers");
  }
  TB_RETURN_IF_ERROR(GetCommunity(c).status());
  std::vector<std::optional<dpb::Member>> out;
  out.reserve(numbers.size());
  std::string id;
  for (const std::string& n : numbers) {
    // Numbers come from spreadsheets: one that cannot exist is simply not found.
    if (n.empty()) return Field("member_numbers", "each is 1..32 bytes");
    TB_RETURN_IF_ERROR(CheckText("member_numbers", n, {kMaxMemberNumberBytes}));
    TB_ASSIGN_OR_RETURN(bool found, store_->Get(schema::kRecords, MemberNumberKey(c, n), &id));
    if (!found) {
      out.emplace_back();
      continue;
    }
    TB_CHECK(id.size() == 8);
    TB_ASSIGN_OR_RETURN(dpb::Member m, MustMember(c, storage::DecodeU64(id.data())));
    out.emplace_back(std::move(m));
  }
  return out;
}

absl::StatusOr<Page<dpb::Member>> Directory::SearchMembers(uint64_t c, const std::string& query,
                                                           const std::string& tag,
                                                           uint64_t after_id, size_t limit) {
  TB_RETURN_IF_ERROR(CheckText("query", query, {TextLimits::kNameBytes}));
  TB_RETURN_IF_ERROR(CheckText("tag", tag, {TextLimits::kTagBytes}));
  TB_RETURN_IF_ERROR(GetCommunity(c).status());
  const std::string q = absl::AsciiStrToLower(query);
  const std::string t = absl::AsciiStrToLower(tag);
  auto keep = [&](const dpb::Member& m) {
    if (!t.empty() && std::find(m.tags().begin(), m.tags().end(), t) == m.tags().end())
      return false;
    if (q.empty()) return true;
    return absl::StrContains(absl::AsciiStrToLower(m.display_name()), q) ||
           absl::AsciiStrToLower(m.member_number()) == q || m.username() == q ||
           m.requested_username() == q ||
           std::find(m.tags().begin(), m.tags().end(), q) != m.tags().end();
  };
  return Scan<dpb::Member>(KeyU64(schema::kMember, c), KeyU64U64(schema::kMember, c, after_id + 1),
                           limit, keep);
}

absl::StatusOr<dpb::Member> Directory::UpdateMember(const Actor& a, const dpb::Member& in,
                                                    const google::protobuf::FieldMask& mask) {
  static const auto* kFields = new std::vector<std::string>{"display_name",
                                                            "email",
                                                            "phone",
                                                            "tags",
                                                            "consent",
                                                            "consent.appear_in_directory",
                                                            "consent.appear_on_leaderboards"};
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(dpb::Member m, MustMember(in.community_id(), in.id()));
  if (m.status() == dpb::MEMBER_STATUS_ERASED) {
    return absl::FailedPreconditionError("this member was erased; nothing about them can change");
  }
  if (in.etag() != m.etag()) {
    return absl::AbortedError(
        "member.etag: the member changed since you read them; read again and retry");
  }
  TB_RETURN_IF_ERROR(ApplyUpdateMask(in, mask, *kFields, &m));
  // The changed member, checked and normalised (tags lower-cased and sorted) as a
  // new one is; its number and username are not changed here.
  dpb::Member check = m;
  check.clear_member_number();
  check.clear_username();
  TB_RETURN_IF_ERROR(CheckMemberFields(&check));
  *m.mutable_tags() = check.tags();
  Tx tx(store_);
  return SaveMember(tx, std::move(m), a, "member.update", "", /*end_tokens=*/false);
}

absl::Status Directory::EndTokens(Tx& tx, int kind, uint64_t c, uint64_t s) {
  const uint64_t next = Epoch(kind, c, s) + 1;
  tx.Put(EpochKey(kind, c, s), U64Value(next));
  dpb::Revocation r;
  r.set_kind(static_cast<dpb::Principal::Kind>(kind));
  r.set_community_id(c);
  r.set_subject_id(s);
  r.set_epoch(next);
  TB_ASSIGN_OR_RETURN(r, revocation_log_.Add(tx, std::move(r), absl::ToUnixSeconds(Now())));
  tx.revocations.push_back(std::move(r));
  return absl::OkStatus();
}

absl::Status Directory::Commit(Tx& tx) {
  TB_RETURN_IF_ERROR(tx.Commit());
  revocation_log_.Publish(tx.revocations);
  return absl::OkStatus();
}

dpb::PollRevocationsResponse Directory::PollRevocations(uint64_t after_seq) {
  return revocation_log_.Since(after_seq, absl::ToUnixSeconds(Now()));
}

uint64_t Directory::Epoch(int kind, uint64_t c, uint64_t s) {
  return revocations_->Epoch(kind, c, s);
}

absl::StatusOr<dpb::Member> Directory::SaveMember(Tx& tx, dpb::Member m, const Actor& a,
                                                  const std::string& action,
                                                  const std::string& detail, bool end_tokens) {
  const std::string sealed = Sealed(m);
  tx.Put(KeyU64U64(schema::kMember, m.community_id(), m.id()), sealed);
  Audit(tx, m.community_id(), a, action, m.id(), detail);
  if (end_tokens) {
    TB_RETURN_IF_ERROR(EndTokens(tx, dpb::Principal::KIND_MEMBER, m.community_id(), m.id()));
  }
  TB_RETURN_IF_ERROR(Commit(tx));
  m.ParseFromString(sealed);
  return m;
}

absl::StatusOr<dpb::Member> Directory::SetMemberStatus(const Actor& a, uint64_t c, uint64_t id,
                                                       dpb::MemberStatus status,
                                                       const std::string& reason,
                                                       const std::string& username) {
  TB_RETURN_IF_ERROR(CheckReason("reason", reason));
  if (status != dpb::MEMBER_STATUS_ACTIVE && status != dpb::MEMBER_STATUS_SUSPENDED &&
      status != dpb::MEMBER_STATUS_LEFT) {
    return Field("status", "must be ACTIVE, SUSPENDED or LEFT (erasure is EraseMember)");
  }
  const bool admin = a.Is(dpb::ROLE_ADMIN);
  if (!admin && status != dpb::MEMBER_STATUS_LEFT) {
    return absl::PermissionDeniedError(
        "permission denied: members may only leave; an admin changes other statuses");
  }
  if (!username.empty()) TB_RETURN_IF_ERROR(ValidateUsername(username));
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(dpb::Member m, MustMember(c, id));
  if (m.status() == dpb::MEMBER_STATUS_ERASED) {
    return absl::FailedPreconditionError("this member was erased; their status cannot change");
  }
  const dpb::MemberStatus before = m.status();
  const bool approving =
      before == dpb::MEMBER_STATUS_PENDING_APPROVAL && status == dpb::MEMBER_STATUS_ACTIVE;
  if (!username.empty() && !approving) {
    return Field("username", "only when approving a sign-up (the person has no username yet)");
  }
  Tx tx(store_);
  if (approving) TB_RETURN_IF_ERROR(ClaimRequestedUsername(tx, &m, username));
  m.set_status(status);
  return SaveMember(
      tx, std::move(m), a, "member.status",
      absl::StrCat(dpb::MemberStatus_Name(before), " -> ", dpb::MemberStatus_Name(status),
                   reason.empty() ? "" : ": ", reason),
      /*end_tokens=*/status != dpb::MEMBER_STATUS_ACTIVE);
}

absl::Status Directory::ClaimRequestedUsername(Tx& tx, dpb::Member* m, const std::string& instead) {
  const std::string username = instead.empty() ? m->requested_username() : instead;
  if (username.empty()) return absl::OkStatus();  // added by an admin: none asked for
  std::string ignored;
  TB_ASSIGN_OR_RETURN(bool taken, store_->Get(schema::kRecords, UsernameKey(username), &ignored));
  if (taken) {
    return absl::FailedPreconditionError(absl::StrCat(
        "username: '", username,
        "' is taken, so this person cannot have it; agree another with them (through the "
        "contact details they gave) and approve with that one (tbctl member approve ID "
        "--username=NAME)"));
  }
  tx.Put(UsernameKey(username), KeyU64U64('_', m->community_id(), m->id()).substr(1));
  m->set_username(username);
  m->clear_requested_username();
  return absl::OkStatus();
}

absl::StatusOr<dpb::Member> Directory::GrantRole(const Actor& a, uint64_t c, uint64_t id,
                                                 dpb::Role role, uint64_t org_id,
                                                 const std::string& reason) {
  TB_RETURN_IF_ERROR(CheckReason("reason", reason));
  if (role != dpb::ROLE_COORDINATOR && role != dpb::ROLE_FINANCE && role != dpb::ROLE_ADMIN) {
    return Field("role", "must be coordinator, finance or admin (everyone is a member)");
  }
  if ((role == dpb::ROLE_COORDINATOR) != (org_id != 0)) {
    return Field("organisation_id", "required for coordinator, and only for coordinator");
  }
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(dpb::Member m, MustMember(c, id));
  if (m.status() != dpb::MEMBER_STATUS_ACTIVE) {
    return absl::FailedPreconditionError(
        "roles go only to active members; reinstate the member first");
  }
  if (org_id != 0) {
    TB_RETURN_IF_ERROR(GetOrganisation(c, org_id).status());
    if (std::find(m.coordinator_of().begin(), m.coordinator_of().end(), org_id) ==
        m.coordinator_of().end()) {
      if (static_cast<size_t>(m.coordinator_of_size()) >=
          DirectoryLimits::kMaxCoordinatedOrganisations) {
        return Field("organisation_id", "a member coordinates at most 32 organisations");
      }
      m.add_coordinator_of(org_id);
    }
  }
  if (!HasRoleIn(m, role)) m.add_roles(role);
  Tx tx(store_);
  return SaveMember(tx, std::move(m), a, "role.grant", RoleDetail(role, org_id, reason),
                    /*end_tokens=*/true);
}

absl::StatusOr<dpb::Member> Directory::RevokeRole(const Actor& a, uint64_t c, uint64_t id,
                                                  dpb::Role role, uint64_t org_id,
                                                  const std::string& reason) {
  TB_RETURN_IF_ERROR(CheckReason("reason", reason));
  if (role != dpb::ROLE_COORDINATOR && role != dpb::ROLE_FINANCE && role != dpb::ROLE_ADMIN) {
    return Field("role", "must be coordinator, finance or admin");
  }
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(dpb::Member m, MustMember(c, id));
  if (!HasRoleIn(m, role)) {
    return absl::FailedPreconditionError(
        absl::StrCat("the member does not hold ", dpb::Role_Name(role)));
  }
  if (role == dpb::ROLE_COORDINATOR) {
    auto* orgs = m.mutable_coordinator_of();
    if (org_id == 0) {
      orgs->Clear();
    } else {
      orgs->erase(std::remove(orgs->begin(), orgs->end(), org_id), orgs->end());
    }
  }
  if (role != dpb::ROLE_COORDINATOR || m.coordinator_of().empty()) {
    auto* roles = m.mutable_roles();
    roles->erase(std::remove(roles->begin(), roles->end(), role), roles->end());
  }
  Tx tx(store_);
  return SaveMember(tx, std::move(m), a, "role.revoke", RoleDetail(role, org_id, reason),
                    /*end_tokens=*/true);
}

absl::StatusOr<Page<dpb::AuditEntry>> Directory::ListAudit(uint64_t c, uint64_t after_seq,
                                                           size_t limit) {
  return Scan<dpb::AuditEntry>(KeyU64(schema::kAudit, c),
                               KeyU64U64(schema::kAudit, c, after_seq + 1), limit, nullptr);
}

// ---- Invitations and API keys -----------------------------------------------------------

absl::StatusOr<dpb::Invitation> Directory::CreateInvitation(const Actor& a, uint64_t c,
                                                            int32_t valid_hours,
                                                            const std::string& note) {
  if (valid_hours == 0) valid_hours = 168;
  if (valid_hours < 1 || valid_hours > DirectoryLimits::kMaxInvitationHours) {
    return Field("valid_hours", "1..720 (30 days)");
  }
  TB_RETURN_IF_ERROR(CheckReason("note", note));
  absl::MutexLock lock(&write_mu_);
  TB_RETURN_IF_ERROR(GetCommunity(c).status());
  Tx tx(store_);
  TB_ASSIGN_OR_RETURN(uint64_t id, tx.NextId("invitation"));
  dpb::Invitation inv;
  inv.set_community_id(c);
  inv.set_id(id);
  inv.mutable_expires_at()->set_seconds(absl::ToUnixSeconds(Now()) + valid_hours * 3600);
  inv.set_note(note);
  inv.set_created_by(a.principal.subject_id());
  std::string code;
  absl::WebSafeBase64Escape(AsAbsl(auth::RandomBytes(12)), &code);
  tx.Put(KeyU64U64(schema::kInvitation, c, id), inv.SerializeAsString());
  tx.Put(KeyStr(schema::kInvitationCode, auth::Sha256(code)), KeyU64U64('_', c, id).substr(1));
  Audit(tx, c, a, "invitation.create", 0, absl::StrCat("invitation ", id));
  TB_RETURN_IF_ERROR(tx.Commit());
  inv.set_code(code);
  return inv;
}

absl::StatusOr<Page<dpb::Invitation>> Directory::ListInvitations(uint64_t c, uint64_t after_id,
                                                                 size_t limit) {
  return Scan<dpb::Invitation>(KeyU64(schema::kInvitation, c),
                               KeyU64U64(schema::kInvitation, c, after_id + 1), limit, nullptr);
}

absl::StatusOr<dpb::Invitation> Directory::RevokeInvitation(const Actor& a, uint64_t c,
                                                            uint64_t id) {
  absl::MutexLock lock(&write_mu_);
  dpb::Invitation inv;
  TB_ASSIGN_OR_RETURN(bool found, Read(KeyU64U64(schema::kInvitation, c, id), &inv));
  if (!found)
    return absl::NotFoundError(absl::StrCat("invitation ", id, " does not exist in community ", c));
  inv.set_revoked(true);
  Tx tx(store_);
  tx.Put(KeyU64U64(schema::kInvitation, c, id), inv.SerializeAsString());
  Audit(tx, c, a, "invitation.revoke", 0, absl::StrCat("invitation ", id));
  TB_RETURN_IF_ERROR(tx.Commit());
  return inv;
}

absl::StatusOr<dpb::ApiKey> Directory::CreateApiKey(const Actor& a, uint64_t c, uint64_t org_id,
                                                    const std::string& label) {
  TB_RETURN_IF_ERROR(CheckName("label", label, true));
  absl::MutexLock lock(&write_mu_);
  TB_RETURN_IF_ERROR(GetOrganisation(c, org_id).status());
  Tx tx(store_);
  TB_ASSIGN_OR_RETURN(uint64_t id, tx.NextId("apikey"));
  dpb::ApiKey k;
  k.set_community_id(c);
  k.set_id(id);
  k.set_organisation_id(org_id);
  k.set_label(label);
  *k.mutable_created_at() = Ts(Now());
  k.set_created_by(a.principal.subject_id());
  std::string secret;
  absl::WebSafeBase64Escape(AsAbsl(auth::RandomBytes(24)), &secret);
  secret = absl::StrCat("tbk_", secret);
  tx.Put(KeyU64U64(schema::kApiKey, c, id), k.SerializeAsString());
  tx.Put(KeyStr(schema::kApiKeySecret, auth::Sha256(secret)), KeyU64U64('_', c, id).substr(1));
  Audit(tx, c, a, "apikey.create", 0,
        absl::StrCat("key ", id, " for organisation ", org_id, ": ", label));
  TB_RETURN_IF_ERROR(tx.Commit());
  k.set_secret(secret);
  return k;
}

absl::StatusOr<Page<dpb::ApiKey>> Directory::ListApiKeys(uint64_t c, uint64_t org_id,
                                                         uint64_t after_id, size_t limit) {
  return Scan<dpb::ApiKey>(
      KeyU64(schema::kApiKey, c), KeyU64U64(schema::kApiKey, c, after_id + 1), limit,
      [org_id](const dpb::ApiKey& k) { return org_id == 0 || k.organisation_id() == org_id; });
}

absl::StatusOr<dpb::ApiKey> Directory::RevokeApiKey(const Actor& a, uint64_t c, uint64_t org_id,
                                                    uint64_t id) {
  absl::MutexLock lock(&write_mu_);
  dpb::ApiKey k;
  TB_ASSIGN_OR_RETURN(bool found, Read(KeyU64U64(schema::kApiKey, c, id), &k));
  if (!found || (org_id != 0 && k.organisation_id() != org_id)) {
    return absl::NotFoundError(
        absl::StrCat("API key ", id, " does not exist for that organisation"));
  }
  k.set_revoked(true);
  Tx tx(store_);
  tx.Put(KeyU64U64(schema::kApiKey, c, id), k.SerializeAsString());
  Audit(tx, c, a, "apikey.revoke", 0, absl::StrCat("key ", id));
  TB_RETURN_IF_ERROR(EndTokens(tx, dpb::Principal::KIND_API_KEY, c, id));
  TB_RETURN_IF_ERROR(Commit(tx));
  return k;
}

absl::StatusOr<std::optional<dpb::ApiKey>> Directory::FindApiKey(const std::string& secret) {
  std::string ref;
  TB_ASSIGN_OR_RETURN(
      bool found,
      store_->Get(schema::kRecords, KeyStr(schema::kApiKeySecret, auth::Sha256(secret)), &ref));
  if (!found || ref.size() != 16) return std::nullopt;
  dpb::ApiKey k;
  TB_ASSIGN_OR_RETURN(bool exists, Read(KeyU64U64(schema::kApiKey, storage::DecodeU64(ref.data()),
                                                  storage::DecodeU64(ref.data() + 8)),
                                        &k));
  if (!exists || k.revoked()) return std::nullopt;
  return k;
}

// ---- Data protection ------------------------------------------------------------------------

absl::StatusOr<std::string> Directory::ExportMemberData(uint64_t c, uint64_t id) {
  TB_ASSIGN_OR_RETURN(dpb::Member m, MustMember(c, id));
  google::protobuf::util::JsonPrintOptions opts;
  opts.add_whitespace = true;
  opts.preserve_proto_field_names = true;
  std::string member_json;
  (void)google::protobuf::util::MessageToJsonString(m, &member_json, opts);
  std::string audit = "[";
  std::optional<uint64_t> after = 0;
  bool first = true;
  while (after) {
    TB_ASSIGN_OR_RETURN(auto page, ListAudit(c, *after, kMaxListPageSize));
    after = page.next_after;
    for (const dpb::AuditEntry& e : page.items) {
      if (e.member_id() != id) continue;
      std::string j;
      (void)google::protobuf::util::MessageToJsonString(e, &j, opts);
      absl::StrAppend(&audit, first ? "" : ",", j);
      first = false;
    }
  }
  audit += "]";
  std::string ledger = "null";
  if (!m.account_id().empty()) {
    absl::StatusOr<std::string> l = ledger_->ExportAccount(m.account_id());
    if (!l.ok()) return l.status();
    ledger = *l;
  }
  std::string pw;
  TB_ASSIGN_OR_RETURN(bool has_password,
                      store_->Get(schema::kRecords, KeyU64U64(schema::kPassword, c, id), &pw));
  return absl::StrCat("{\n\"exported_at\": \"", absl::FormatTime(Now()),
                      "\",\n\"member\": ", member_json,
                      ",\n\"has_password\": ", has_password ? "true" : "false",
                      ",\n\"audit\": ", audit, ",\n\"time_account\": ", ledger, "\n}\n");
}

absl::StatusOr<dpb::Member> Directory::EraseMember(const Actor& a, uint64_t c, uint64_t id,
                                                   const std::string& reason) {
  TB_RETURN_IF_ERROR(CheckReason("reason", reason));
  dpb::Member m;
  {
    absl::MutexLock lock(&write_mu_);
    TB_ASSIGN_OR_RETURN(m, MustMember(c, id));
    if (m.status() == dpb::MEMBER_STATUS_ERASED) return m;
    Tx tx(store_);
    if (!m.username().empty()) tx.Delete(UsernameKey(m.username()));
    tx.Delete(KeyU64U64(schema::kPassword, c, id));
    // Keep the member number (it keys the pseudonymous ledger account and reports) and
    // the ledger account, whose entries must stay for the books to balance.
    m.set_display_name(absl::StrCat("Erased member ", m.member_number()));
    m.clear_username();
    m.clear_requested_username();
    m.clear_email();
    m.clear_phone();
    m.clear_tags();
    m.clear_consent();
    m.clear_roles();
    m.clear_coordinator_of();
    m.set_status(dpb::MEMBER_STATUS_ERASED);
    const std::string sealed = Sealed(m);
    tx.Put(KeyU64U64(schema::kMember, c, id), sealed);
    TB_RETURN_IF_ERROR(EraseSessions(tx, c, id));
    TB_RETURN_IF_ERROR(EraseAuditText(tx, c, id));
    Audit(tx, c, a, "member.erase", id, reason);
    TB_RETURN_IF_ERROR(EndTokens(tx, dpb::Principal::KIND_MEMBER, c, id));
    erasures_.Add(tx, c, id);
    TB_RETURN_IF_ERROR(Commit(tx));
    m.ParseFromString(sealed);
  }
  DrainOutbox();  // at once; what cannot be done now is retried every 2 s
  return m;
}

absl::Status Directory::EraseSessions(Tx& tx, uint64_t c, uint64_t id) {
  // Sessions are few per member but not indexed for good (sign-out everywhere drops
  // the index): scan them all. Erasure is rare; the store's purge costs more anyway.
  const std::string prefix(1, schema::kSession);
  auto it = store_->NewIterator(schema::kRecords);
  for (it->Seek(prefix); it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix); it->Next()) {
    dpb::Session s;
    if (!s.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("a session record in the directory is damaged");
    }
    if (s.principal().kind() == dpb::Principal::KIND_MEMBER && s.principal().community_id() == c &&
        s.principal().subject_id() == id) {
      tx.Delete(it->key());
    }
  }
  TB_RETURN_IF_ERROR(it->status());
  const std::string mine = KeyU64U64(schema::kMemberSession, c, id);
  for (it->Seek(mine); it->Valid() && absl::StartsWith(AsAbsl(it->key()), mine); it->Next()) {
    tx.Delete(it->key());
  }
  return it->status();
}

absl::Status Directory::EraseAuditText(Tx& tx, uint64_t c, uint64_t id) {
  // Who did what to the member, and when, stays; what anyone wrote about them goes.
  const std::string prefix = KeyU64(schema::kAudit, c);
  auto it = store_->NewIterator(schema::kRecords);
  for (it->Seek(prefix); it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix); it->Next()) {
    dpb::AuditEntry e;
    if (!e.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("an audit entry in the directory is damaged");
    }
    if (e.member_id() != id || e.detail().empty()) continue;
    e.clear_detail();
    tx.Put(it->key(), e.SerializeAsString());
  }
  return it->status();
}

// ---- Credentials and sessions --------------------------------------------------------------

absl::StatusOr<std::optional<Directory::Login>> Directory::FindLogin(const std::string& username) {
  std::string ref;
  TB_ASSIGN_OR_RETURN(bool found, store_->Get(schema::kRecords, UsernameKey(username), &ref));
  if (!found || ref.size() != 16) return std::nullopt;
  const uint64_t c = storage::DecodeU64(ref.data());
  const uint64_t id = storage::DecodeU64(ref.data() + 8);
  Login login;
  TB_ASSIGN_OR_RETURN(login.member, MustMember(c, id));
  TB_RETURN_IF_ERROR(
      store_->Get(schema::kRecords, KeyU64U64(schema::kPassword, c, id), &login.password_hash)
          .status());
  return login;
}

absl::Status Directory::SetPasswordHash(uint64_t c, uint64_t id, const std::string& hash) {
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(dpb::Member m, MustMember(c, id));
  if (m.status() == dpb::MEMBER_STATUS_ERASED) {
    return absl::FailedPreconditionError("this member was erased");
  }
  Tx tx(store_);
  tx.Put(KeyU64U64(schema::kPassword, c, id), hash);
  return tx.Commit();
}

absl::StatusOr<dpb::Session> Directory::CreateSession(const dpb::Principal& p,
                                                      const std::string& refresh_hash,
                                                      int64_t now_s, int64_t lifetime_s) {
  absl::MutexLock lock(&write_mu_);
  Tx tx(store_);
  TB_ASSIGN_OR_RETURN(uint64_t id, tx.NextId("session"));
  dpb::Session s;
  s.set_id(id);
  // Who, not what they may do or are called: the roles are read afresh on refresh.
  s.mutable_principal()->set_kind(p.kind());
  s.mutable_principal()->set_community_id(p.community_id());
  s.mutable_principal()->set_subject_id(p.subject_id());
  s.set_created_at_s(now_s);
  s.set_expires_at_s(now_s + lifetime_s);
  tx.Put(KeyU64(schema::kSession, id), s.SerializeAsString());
  tx.Put(KeyStr(schema::kRefresh, refresh_hash), U64Value(id));
  tx.Put(Key3(schema::kMemberSession, p.community_id(), p.subject_id(), id), "");
  TB_RETURN_IF_ERROR(tx.Commit());
  return s;
}

absl::StatusOr<dpb::Session> Directory::RotateSession(const std::string& old_hash,
                                                      const std::string& new_hash, int64_t now_s) {
  absl::MutexLock lock(&write_mu_);
  std::string ref;
  const absl::Status invalid = absl::UnauthenticatedError(
      "the refresh token is not valid (signed out, used already or expired); sign in again");
  TB_ASSIGN_OR_RETURN(bool found,
                      store_->Get(schema::kRecords, KeyStr(schema::kRefresh, old_hash), &ref));
  if (!found || ref.size() != 8) return invalid;
  dpb::Session s;
  TB_ASSIGN_OR_RETURN(bool exists,
                      Read(KeyU64(schema::kSession, storage::DecodeU64(ref.data())), &s));
  if (!exists || s.revoked() || s.expires_at_s() <= now_s) return invalid;
  Tx tx(store_);
  tx.Delete(KeyStr(schema::kRefresh, old_hash));
  tx.Put(KeyStr(schema::kRefresh, new_hash), ref);
  TB_RETURN_IF_ERROR(tx.Commit());
  return s;
}

absl::Status Directory::RevokeSession(const std::string& refresh_hash) {
  absl::MutexLock lock(&write_mu_);
  std::string ref;
  TB_ASSIGN_OR_RETURN(bool found,
                      store_->Get(schema::kRecords, KeyStr(schema::kRefresh, refresh_hash), &ref));
  dpb::Session s;
  bool exists = false;
  if (found && ref.size() == 8) {
    TB_ASSIGN_OR_RETURN(exists, Read(KeyU64(schema::kSession, storage::DecodeU64(ref.data())), &s));
  }
  if (!exists || s.revoked()) {
    return absl::NotFoundError(
        "refresh_token: no live session has this refresh token (it was signed out already, "
        "replaced by a refresh, or never issued); nothing was changed");
  }
  Tx tx(store_);
  tx.Delete(KeyStr(schema::kRefresh, refresh_hash));
  s.set_revoked(true);
  tx.Put(KeyU64(schema::kSession, s.id()), s.SerializeAsString());
  dpb::Revocation r;
  r.set_kind(s.principal().kind());
  r.set_community_id(s.principal().community_id());
  r.set_subject_id(s.principal().subject_id());
  r.set_session_id(s.id());
  TB_ASSIGN_OR_RETURN(r, revocation_log_.Add(tx, std::move(r), absl::ToUnixSeconds(Now())));
  tx.revocations.push_back(std::move(r));
  return Commit(tx);
}

absl::StatusOr<int> Directory::RevokeAllSessions(uint64_t c, uint64_t id) {
  int revoked = 0;
  absl::MutexLock lock(&write_mu_);
  Tx tx(store_);
  const std::string prefix = KeyU64U64(schema::kMemberSession, c, id);
  auto it = store_->NewIterator(schema::kRecords);
  for (it->Seek(prefix); it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix); it->Next()) {
    const uint64_t sid = storage::DecodeU64(it->key().data() + prefix.size());
    dpb::Session s;
    TB_ASSIGN_OR_RETURN(bool exists, Read(KeyU64(schema::kSession, sid), &s));
    if (exists && !s.revoked()) {
      s.set_revoked(true);
      tx.Put(KeyU64(schema::kSession, sid), s.SerializeAsString());
      ++revoked;
    }
    tx.Delete(std::string(it->key()));
  }
  TB_RETURN_IF_ERROR(it->status());
  // One new epoch ends every access token of every session, here and in every process.
  TB_RETURN_IF_ERROR(EndTokens(tx, dpb::Principal::KIND_MEMBER, c, id));
  TB_RETURN_IF_ERROR(Commit(tx));
  return revoked;
}

// ---- First-run setup ---------------------------------------------------------------------------

absl::StatusOr<bool> Directory::HasOperator() {
  TB_ASSIGN_OR_RETURN(auto ops, Scan<dpb::Member>(KeyU64(schema::kMember, 0),
                                                  KeyU64(schema::kMember, 0), 1, nullptr));
  return !ops.items.empty();
}

absl::Status Directory::SetSetupCodeHash(const std::string& hash) {
  absl::MutexLock lock(&write_mu_);
  Tx tx(store_);
  tx.Put(std::string(1, schema::kSetupCode), hash);
  return tx.Commit();
}

absl::StatusOr<dpb::Member> Directory::CompleteSetup(const std::string& code_hash, dpb::Member op,
                                                     const std::string& password_hash) {
  absl::MutexLock lock(&write_mu_);
  std::string stored;
  TB_ASSIGN_OR_RETURN(bool found,
                      store_->Get(schema::kRecords, std::string(1, schema::kSetupCode), &stored));
  if (!found || stored.size() != code_hash.size() ||
      CRYPTO_memcmp(stored.data(), code_hash.data(), stored.size()) != 0) {
    return absl::PermissionDeniedError(
        "setup_code: not valid (setup is done, or the code is wrong); the code is printed by "
        "timebankd on first start");
  }
  dpb::Community none;  // community 0: the installation itself
  Tx tx(store_);
  op.set_community_id(0);
  TB_ASSIGN_OR_RETURN(dpb::Member m, InsertMember(tx, nullptr, std::move(op), none, password_hash));
  m.add_roles(dpb::ROLE_OPERATOR);
  tx.Put(KeyU64U64(schema::kMember, 0, m.id()), Sealed(m));
  tx.Delete(std::string(1, schema::kSetupCode));
  TB_RETURN_IF_ERROR(tx.Commit());
  return m;
}

}  // namespace timebank::directory
