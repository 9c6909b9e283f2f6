// Directory is the directory service's domain core (its definitions are split by
// aggregate: directory.cc, communities.cc, members.cc, roles.cc, invitations.cc,
// api_keys.cc, sessions.cc, data_protection.cc; records on the record kit in
// directory_records.h): communities, organisations,
// members, roles (audited), invitations, API keys, the data-protection export and
// erasure, and the outbox that opens every community pool, organisation and member
// time account in the ledger (account_outbox.h: idempotently, retried until the ledger
// answers, by an OutboxPump). Plain C++ over a KvStore; every mutation is one synced
// WriteBatch under one mutex, validated first so a rejected request writes nothing,
// and nothing under that mutex waits for another service.
#ifndef TIMEBANK_SERVICES_DIRECTORY_DIRECTORY_H_
#define TIMEBANK_SERVICES_DIRECTORY_DIRECTORY_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/field_mask.pb.h"
#include "services/common/auth/revocations.h"
#include "services/common/clock.h"
#include "services/common/outbox_pump.h"
#include "services/common/paging.h"
#include "services/common/records/records.h"
#include "services/directory/account_outbox.h"
#include "services/directory/directory_records.h"
#include "services/directory/directory_schema.h"
#include "services/directory/erasure_outbox.h"
#include "services/directory/revocation_log.h"
#include "storage/absl_compat.h"
#include "storage/bytes.h"
#include "storage/check.h"
#include "storage/kv_store.h"
#include "timebank/directory/v1/directory.pb.h"
#include "timebank/directory/v1/token.pb.h"
#include "timebank/ledger/v1/ledger.pb.h"

namespace timebank::directory {

namespace dpb = ::timebank::directory::v1;

struct DirectoryLimits {
  // Text fields' limits are services/common/text_fields.h's TextLimits.
  static constexpr size_t kMaxTags = 32;
  static constexpr size_t kMaxCoordinatedOrganisations = 32;
  static constexpr int64_t kMaxMemberCreditLimitMinutes = 1000 * 60;
  // Organisations receive many volunteers' time, so may run much further below zero.
  static constexpr int64_t kMaxOrganisationCreditLimitMinutes = int64_t{1'000'000} * 60;
  static constexpr size_t kMaxLookupMembers = 1000;
  // ResolveMember: how many candidates it lists (a reference is at most a name long).
  static constexpr size_t kMaxCandidates = 10;
  static constexpr int32_t kMaxInvitationHours = 720;
  static constexpr size_t kMaxMemberOrganisations = 32;
  static constexpr size_t kMaxSearchScan = 200'000;
  // How long a Create* waits, after its write, for the pump to try opening the new
  // ledger account (the ledger call's own deadline). It answers as before either way.
  static constexpr int64_t kAccountOpenWaitMs = 10'000;
};

// Who is acting, for checks the access table cannot express and for the audit log.
struct Actor {
  dpb::Principal principal;
  std::string Label() const;
  bool Is(dpb::Role role) const;
};

class Directory {
 public:
  // `erasure` (may be null: nothing outside the directory is erased) carries EraseMember
  // to the other services. `clock` is where the directory reads the time.
  Directory(storage::KvStore* store, LedgerAccounts* ledger, auth::Revocations* revocations,
            ErasureTargets* erasure = nullptr, const Clock* clock = SystemClock());
  ~Directory();

  // Loads epochs into the revocation table and starts the pump that opens ledger
  // accounts (once, before any mutation, and never after Stop).
  absl::Status Start();
  // Stops the pump that opens ledger accounts and joins its thread (a round in
  // progress finishes first). Idempotent, and safe when Start never ran. Calls keep
  // being answered: a Create* no longer waits for its account, which stays in the
  // outbox for the next start. The node calls it before its server stops.
  void Stop() ABSL_LOCKS_EXCLUDED(pump_mu_);
  // Opens accounts waiting in the outbox and carries out waiting erasures on the
  // calling thread; returns how many of either are still waiting.
  size_t DrainOutbox();

  const Clock* clock() const { return clock_; }

  absl::StatusOr<dpb::Community> CreateCommunity(const Actor& a, dpb::Community c,
                                                 const std::string& request_id);
  absl::StatusOr<dpb::Community> GetCommunity(uint64_t community_id);
  // Lists give one page (services/common/paging.h) after the id (or seq) given.
  absl::StatusOr<Page<dpb::Community>> ListCommunities(uint64_t after_id, size_t limit);
  // Changes the fields `mask` names (services/common/update_mask.h); `c.etag` must be
  // current.
  absl::StatusOr<dpb::Community> UpdateCommunity(const Actor& a, const dpb::Community& c,
                                                 const google::protobuf::FieldMask& mask);

  absl::StatusOr<dpb::Organisation> CreateOrganisation(const Actor& a, dpb::Organisation o,
                                                       const std::string& request_id);
  absl::StatusOr<dpb::Organisation> GetOrganisation(uint64_t community_id, uint64_t org_id);
  absl::StatusOr<Page<dpb::Organisation>> ListOrganisations(uint64_t community_id,
                                                            uint64_t after_id, size_t limit);
  // The organisation's balance and a page of its members' (Member.organisations), in
  // member id order; the balances come from the ledger (organisation_members.cc).
  absl::StatusOr<dpb::ListOrganisationBalancesResponse> ListOrganisationBalances(
      uint64_t community_id, uint64_t org_id, uint64_t after_id, size_t limit);

  // password_hash: an Argon2id encoded hash, or "" for none yet.
  absl::StatusOr<dpb::Member> CreateMember(const Actor& a, dpb::Member m,
                                           const std::string& password_hash,
                                           const std::string& request_id);
  absl::StatusOr<dpb::Member> GetMember(uint64_t community_id, uint64_t member_id);
  // Members by number, in request order (nullopt: no such number in the community).
  absl::StatusOr<std::vector<std::optional<dpb::Member>>> LookupMembers(
      uint64_t community_id, const std::vector<std::string>& member_numbers);
  // Members by id, in request order (nullopt: no such member in the community).
  absl::StatusOr<std::vector<std::optional<dpb::Member>>> LookupMembersById(
      uint64_t community_id, const std::vector<uint64_t>& member_ids);
  // Who `reference` (an id, member number, username or name) may mean, as `a` may see
  // members (see ResolveMemberRequest): exact matches, else names containing it.
  absl::StatusOr<dpb::ResolveMemberResponse> ResolveMember(const Actor& a, uint64_t community_id,
                                                           const std::string& reference);
  absl::StatusOr<Page<dpb::Member>> SearchMembers(uint64_t community_id, const std::string& query,
                                                  const std::string& tag, uint64_t after_id,
                                                  size_t limit);
  // Changes the fields `mask` names; `m.etag` must be current.
  absl::StatusOr<dpb::Member> UpdateMember(const Actor& a, const dpb::Member& m,
                                           const google::protobuf::FieldMask& mask);
  // Approving a sign-up (PENDING_APPROVAL -> ACTIVE) gives the person the username they
  // asked for, or `username` instead; FAILED_PRECONDITION when that one is taken.
  absl::StatusOr<dpb::Member> SetMemberStatus(const Actor& a, uint64_t community_id,
                                              uint64_t member_id, dpb::MemberStatus status,
                                              const std::string& reason,
                                              const std::string& username = "");
  absl::StatusOr<dpb::Member> GrantRole(const Actor& a, uint64_t community_id, uint64_t member_id,
                                        dpb::Role role, uint64_t org_id, const std::string& reason);
  absl::StatusOr<dpb::Member> RevokeRole(const Actor& a, uint64_t community_id, uint64_t member_id,
                                         dpb::Role role, uint64_t org_id,
                                         const std::string& reason);
  absl::StatusOr<Page<dpb::AuditEntry>> ListAudit(uint64_t community_id, uint64_t after_seq,
                                                  size_t limit);

  // Invitations: the code is returned once; only its hash is kept. `role` ROLE_ADMIN
  // makes whoever signs up with it an admin (operators and admins only).
  absl::StatusOr<dpb::Invitation> CreateInvitation(const Actor& a, uint64_t community_id,
                                                   int32_t valid_hours, const std::string& note,
                                                   dpb::Role role = dpb::ROLE_UNSPECIFIED);
  absl::StatusOr<Page<dpb::Invitation>> ListInvitations(uint64_t community_id, uint64_t after_id,
                                                        size_t limit);
  absl::StatusOr<dpb::Invitation> RevokeInvitation(const Actor& a, uint64_t community_id,
                                                   uint64_t invitation_id);

  absl::StatusOr<dpb::ApiKey> CreateApiKey(const Actor& a, uint64_t community_id, uint64_t org_id,
                                           const std::string& label);
  absl::StatusOr<Page<dpb::ApiKey>> ListApiKeys(uint64_t community_id, uint64_t org_id,
                                                uint64_t after_id, size_t limit);
  absl::StatusOr<dpb::ApiKey> RevokeApiKey(const Actor& a, uint64_t community_id, uint64_t org_id,
                                           uint64_t key_id);
  // The key a secret belongs to, if it exists and is not revoked.
  absl::StatusOr<std::optional<dpb::ApiKey>> FindApiKey(const std::string& secret);

  absl::StatusOr<std::string> ExportMemberData(uint64_t community_id, uint64_t member_id);
  // Erases a member's personal data: here (name, username, contact details, tags,
  // consents, roles, password, sessions, the free text of audit entries about them) at
  // once, and in every other service that holds some through the erasure outbox
  // (retried until each confirms). Keeps the member number, the pseudonymous ledger
  // account and who did what. The audit log records "member.erase" now and
  // "member.erase.complete" once every service has confirmed.
  absl::StatusOr<dpb::Member> EraseMember(const Actor& a, uint64_t community_id, uint64_t member_id,
                                          const std::string& reason);

  // ---- for the Authenticator --------------------------------------------------
  struct Login {
    dpb::Member member;
    std::string password_hash;
  };
  // The member a username belongs to (any status), with its password hash.
  absl::StatusOr<std::optional<Login>> FindLogin(const std::string& username);
  // Creates a member who signed up (ACTIVE with an invitation, else PENDING_APPROVAL),
  // consuming the invitation in the same batch.
  absl::StatusOr<dpb::Member> SignUpMember(dpb::Member m, const std::string& password_hash,
                                           const std::string& invitation_code);
  absl::Status SetPasswordHash(uint64_t community_id, uint64_t member_id, const std::string& hash);
  // The subject's current epoch: tokens issued now carry it.
  uint64_t Epoch(int kind, uint64_t community_id, uint64_t subject_id);
  // The principal a member's tokens carry.
  static dpb::Principal PrincipalOf(const dpb::Member& m);

  // Sessions (refresh tokens, stored hashed).
  absl::StatusOr<dpb::Session> CreateSession(const dpb::Principal& p,
                                             const std::string& refresh_hash, int64_t now_s,
                                             int64_t lifetime_s);
  // Finds the live session of a refresh token and replaces the token (rotation).
  absl::StatusOr<dpb::Session> RotateSession(const std::string& old_hash,
                                             const std::string& new_hash, int64_t now_s);
  // Ends the session of a refresh token and its access tokens; NOT_FOUND when no live
  // session has that token (signed out already, rotated by a refresh, or unknown).
  absl::Status RevokeSession(const std::string& refresh_hash);
  // Ends every session of the member and all their access tokens (raises the epoch).
  absl::StatusOr<int> RevokeAllSessions(uint64_t community_id, uint64_t member_id);
  // Revocations after `after_seq`, for processes that do not host the directory.
  ::timebank::directory::v1::PollRevocationsResponse PollRevocations(uint64_t after_seq);

  // First-run setup.
  absl::StatusOr<bool> HasOperator();
  absl::Status SetSetupCodeHash(const std::string& hash);
  absl::StatusOr<dpb::Member> CompleteSetup(const std::string& code_hash, dpb::Member op,
                                            const std::string& password_hash);

 private:
  // The parts of a member's export that other services keep (rewards), each as
  // ",\n\"<service>\": <json>"; UNAVAILABLE if one of them does not answer.
  absl::StatusOr<std::string> OtherServicesExport(uint64_t community_id, uint64_t member_id);
  records::Tx NewTx() const { return records::Tx(store_, schema::kRecords, schema::kCounter); }
  // Reads `key` as a Msg: nullopt when absent, DATA_LOSS when damaged.
  template <class Msg>
  absl::StatusOr<std::optional<Msg>> Find(const records::Reader& from,
                                          const std::string& key) const {
    return records::ReadRecord<Msg>(from, key, RecordName(key));
  }
  // A retried create's first answer: the record its request key remembers.
  template <class Msg>
  absl::StatusOr<Msg> Replay(std::string_view remembered) {
    absl::StatusOr<std::optional<Msg>> first = Find<Msg>(committed_, std::string(remembered));
    if (!first.ok()) return first.status();
    if (!first->has_value()) {
      return absl::DataLossError("the record a retried request created is missing");
    }
    return **std::move(first);
  }
  // The session a refresh token's hash belongs to (any state), if any.
  absl::StatusOr<std::optional<dpb::Session>> SessionOf(const std::string& refresh_hash);
  absl::StatusOr<dpb::Member> MustMember(uint64_t community_id, uint64_t member_id);
  // Earlier versions keyed the username index by the name itself: rewrites it hashed.
  absl::Status MoveLegacyUsernames();
  // EraseMember's scrubbing of the member's sessions and of the free text of audit
  // entries about them, in `tx`.
  absl::Status EraseSessions(records::Tx& tx, uint64_t community_id, uint64_t member_id);
  absl::Status EraseAuditText(records::Tx& tx, uint64_t community_id, uint64_t member_id);
  // Drains the erasure outbox; returns how many entries still wait.
  size_t DrainErasures();
  // One round of the account outbox (the pump's work), auditing accounts the ledger
  // refused for good.
  AccountOutbox::Drained DrainAccounts() ABSL_LOCKS_EXCLUDED(write_mu_);
  // After a Create* has released write_mu_: wakes the pump and waits (at most
  // kAccountOpenWaitMs) until it has tried to open the accounts committed before
  // `round` (AccountOutbox::NextRound) was taken.
  void AwaitAccounts(uint64_t round) ABSL_LOCKS_EXCLUDED(write_mu_, pump_mu_);
  // Ends the subject's access tokens (raises its epoch) in `tx`, with the record other
  // processes follow; they stop working once tx.Commit() returns (an OnCommit puts the
  // revocation in force, here at once and elsewhere through PollRevocations; commits
  // are under write_mu_, so the feed sees them in seq order).
  absl::Status EndTokens(records::Tx& tx, int kind, uint64_t community_id, uint64_t subject_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // Puts a revocation staged in `tx` in force once `tx` commits.
  void PublishOnCommit(records::Tx& tx, dpb::Revocation r);
  // Writes a changed member with its audit entry; end_tokens also ends their access
  // tokens (raises the epoch). Callers hold write_mu_.
  absl::StatusOr<dpb::Member> SaveMember(records::Tx& tx, dpb::Member m, const Actor& a,
                                         const std::string& action, const std::string& detail,
                                         bool end_tokens) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // Approval: gives *m the username it asked for (or `instead`), indexed in `tx`.
  absl::Status ClaimRequestedUsername(records::Tx& tx, dpb::Member* m, const std::string& instead)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  void Audit(records::Tx& tx, uint64_t community_id, const Actor& a, const std::string& action,
             uint64_t member_id, const std::string& detail);
  // Uses up the invitation `code` of community `c` in `tx` and returns it;
  // FAILED_PRECONDITION saying why when it is not usable (wrong, used, revoked or expired).
  absl::StatusOr<dpb::Invitation> UseInvitation(records::Tx& tx, uint64_t c,
                                                const std::string& code);
  void AdmitAdmin(records::Tx& tx, const dpb::Invitation& inv, dpb::Member* m);
  // Sorts and checks m->organisations: each exists in community `c`, and `a` (null:
  // a sign-up) may name it (admins any; coordinators their own).
  absl::Status CheckOrganisations(const Actor* a, uint64_t c, dpb::Member* m);
  absl::StatusOr<dpb::Member> InsertMember(records::Tx& tx, const Actor* a, dpb::Member m,
                                           const dpb::Community& c,
                                           const std::string& password_hash);
  absl::StatusOr<dpb::Member> WriteMember(const Actor* a, dpb::Member m,
                                          const std::string& password_hash,
                                          const std::string& request_id,
                                          const std::string& invitation_code);
  // One page of the records under `prefix` from `start` on, whose keys end with the
  // id the list is ordered by; `keep` (if set) filters.
  template <class Msg>
  absl::StatusOr<Page<Msg>> Scan(const std::string& prefix, const std::string& start, size_t limit,
                                 const std::function<bool(const Msg&)>& keep);

  absl::Time Now() const { return clock_->Now(); }

  const Clock* const clock_;
  storage::KvStore* const store_;
  const records::StoreReader committed_;  // reads outside a change
  LedgerAccounts* const ledger_;
  auth::Revocations* const revocations_;
  RevocationLog revocation_log_;
  ErasureOutbox erasures_;
  ErasureTargets* const data_holders_;  // may be null; also asked for exports
  AccountOutbox accounts_;
  absl::Mutex write_mu_;  // one mutation at a time: checks and writes never interleave
  // Opens the accounts in accounts_ (made by Start, gone after Stop; declared last,
  // so it stops before the members it uses go). Guarded because Stop runs while
  // calls still arrive: none may wake a pump that is being freed.
  absl::Mutex pump_mu_;
  std::unique_ptr<OutboxPump> pump_ ABSL_GUARDED_BY(pump_mu_);
  bool stopped_ ABSL_GUARDED_BY(pump_mu_) = false;
};

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

// Field checks shared by the directory and its adapters.
absl::Status ValidateUsername(const std::string& username);
absl::Status ValidatePassword(const std::string& password);

}  // namespace timebank::directory

#endif  // TIMEBANK_SERVICES_DIRECTORY_DIRECTORY_H_
