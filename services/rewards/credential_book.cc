#include "services/rewards/credential_book.h"

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/common/records/records.h"
#include "services/rewards/badge_book.h"
#include "services/rewards/badge_desk.h"
#include "services/rewards/credentials/open_badge.h"
#include "services/rewards/credentials/revocation_list.h"
#include "services/rewards/credentials/vc_jwt.h"
#include "services/rewards/rewards_records.h"
#include "storage/absl_compat.h"
#include "storage/check.h"

namespace timebank::rewards {

namespace dpb = ::timebank::directory::v1;
namespace xpb = ::timebank::rewards::v1;

namespace {

// RFC 3986 unreserved characters pass; everything else is percent-encoded, so an id
// chosen by a person cannot break out of its path segment.
std::string PathSegment(std::string_view text) {
  std::string out;
  for (const char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += ch;
    } else {
      absl::StrAppendFormat(&out, "%%%02X", c);
    }
  }
  return out;
}

std::string Day(int64_t unix_ms) {
  return absl::FormatTime("%Y-%m-%d", absl::FromUnixMillis(unix_ms), absl::UTCTimeZone());
}

// RecentActivity.role: 1 given, 2 received, 3 donated, 4 redeemed.
const char* RoleName(int32_t role) {
  switch (role) {
    case 1:
      return "Time given";
    case 2:
      return "Time received";
    case 3:
      return "Time donated";
    case 4:
      return "Time redeemed";
    default:
      return "Activity";
  }
}

std::vector<CredentialEvidence> EvidenceOf(const rpb::BadgeEvidence& evidence,
                                           const IssuerUrls& urls) {
  std::vector<CredentialEvidence> out;
  for (const rpb::RecentActivity& a : evidence.items()) {
    if (out.size() == kCredentialEvidenceMax) break;
    CredentialEvidence e;
    if (!a.transfer_id().empty()) e.id = urls.Transfer(a.transfer_id());
    e.name = RoleName(a.role());
    e.narrative = absl::StrCat(a.minutes(), " minutes on ", Day(a.occurred_unix_ms()));
    out.push_back(std::move(e));
  }
  return out;
}

// The badge a member holds now, or why not.
// A badge the member hid is, to anyone else, a badge never awarded.
absl::StatusOr<BadgeState> HeldBadge(storage::KvStore* store, const storage::Snapshot* snap,
                                     uint64_t c, uint64_t member, std::string_view badge_id,
                                     bool caller_is_member) {
  TB_ASSIGN_OR_RETURN(MemberBadges badges, ReadMemberBadges(store, snap, c, member));
  const BadgeState* state = badges.Find(badge_id);
  if (state == nullptr || (state->hidden && !caller_is_member)) {
    return absl::NotFoundError(absl::StrCat("badge_id: \"", AsAbsl(badge_id),
                                            "\" has not been awarded to member ", member));
  }
  if (!state->awarded()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "badge_id: \"", AsAbsl(badge_id), "\" was withdrawn on ", Day(state->withdrawn_at_unix_ms),
        " (it is shown again, and can be exported, if it is earned again)"));
  }
  return *state;
}

// What the credential says about the badge: its rule in force, or (a rule since
// dropped from the rules) the badge's id, so an award made under it still exports.
void DescribeAchievement(const BadgeRules& rules, std::string_view badge_id, CredentialInputs* in) {
  const BadgeRule* rule = FindRule(rules, badge_id);
  in->achievement_name = rule != nullptr ? rule->name() : std::string(badge_id);
  in->achievement_description =
      rule != nullptr && !rule->description().empty()
          ? rule->description()
          : absl::StrCat("The \"", AsAbsl(badge_id), "\" badge of this time bank.");
  in->criteria_narrative = rule != nullptr && !rule->criteria().empty()
                               ? rule->criteria()
                               : "Awarded under a rule this time bank no longer uses.";
}

// Members of one community, read once each while scanning its revocation entries.
class BadgeCache {
 public:
  BadgeCache(storage::KvStore* store, const storage::Snapshot* snap, uint64_t c)
      : store_(store), snap_(snap), c_(c) {}
  absl::StatusOr<const MemberBadges*> Of(uint64_t member) {
    if (member_ != member || !badges_.has_value()) {
      TB_ASSIGN_OR_RETURN(MemberBadges b, ReadMemberBadges(store_, snap_, c_, member));
      badges_ = std::move(b);
      member_ = member;
    }
    return &*badges_;
  }

 private:
  storage::KvStore* const store_;
  const storage::Snapshot* const snap_;
  const uint64_t c_;
  uint64_t member_ = 0;
  std::optional<MemberBadges> badges_;
};

}  // namespace

IssuerUrls::IssuerUrls(std::string_view base, uint64_t c)
    : community(absl::StrCat(AsAbsl(base), "/v1/communities/", c)),
      issuer(absl::StrCat(community, "/issuer")),
      jwks(absl::StrCat(issuer, "/jwks")),
      revocations(absl::StrCat(issuer, "/revocations")) {}

std::string IssuerUrls::Achievement(std::string_view badge_id) const {
  return absl::StrCat(community, "/badges/", PathSegment(badge_id));
}

std::string IssuerUrls::Member(uint64_t member) const {
  return absl::StrCat(community, "/members/", member);
}

std::string IssuerUrls::Award(uint64_t member, std::string_view badge_id, uint32_t award) const {
  return absl::StrCat(Member(member), "/badges/", PathSegment(badge_id), "/awards/", award);
}

std::string IssuerUrls::Transfer(std::string_view transfer_id) const {
  return absl::StrCat(community, "/transfers/", PathSegment(transfer_id));
}

absl::StatusOr<std::string> CredentialBook::NormaliseBaseUrl(std::string_view public_base_url) {
  std::string url(public_base_url);
  while (absl::EndsWith(url, "/")) url.pop_back();
  if (!absl::StartsWith(url, "https://") && !absl::StartsWith(url, "http://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "public_base_url: an absolute http(s) URL, e.g. https://timebank.example.org; got \"",
        AsAbsl(public_base_url), "\""));
  }
  TB_RETURN_IF_ERROR(CheckCredentialUri("public_base_url", url));
  return url;
}

absl::Status CredentialBook::CheckCommunity(uint64_t c) {
  if (c == 0) return records::FieldError("community_id", "required");
  return people_->Community(c).status();
}

absl::StatusOr<xpb::ExportedCredential> CredentialBook::Export(const dpb::Principal& caller,
                                                               uint64_t c, uint64_t member,
                                                               std::string_view badge_id) {
  if (c == 0 && member == 0 && caller.kind() == dpb::Principal::KIND_MEMBER) {
    c = caller.community_id();
    member = caller.subject_id();
  }
  if (c == 0 || member == 0) {
    return absl::InvalidArgumentError(
        "community_id and member_id: give both, or neither for your own badge");
  }
  if (!IsValidBadgeId(badge_id)) {
    return records::FieldError("badge_id", "1..64 of a-z, 0-9 and '-', e.g. two-way-street");
  }
  TB_RETURN_IF_ERROR(people_->Member(c, member).status());
  TB_ASSIGN_OR_RETURN(dpb::Community community, people_->Community(c));
  std::shared_ptr<const storage::Snapshot> snap = store_->GetSnapshot();
  TB_ASSIGN_OR_RETURN(BadgeState state, HeldBadge(store_, snap.get(), c, member, badge_id,
                                                  IsCallerMember(caller, c, member)));
  TB_ASSIGN_OR_RETURN(std::shared_ptr<const BadgeRules> rules,
                      ReadRulesInForce(store_, snap.get(), c));
  absl::StatusOr<rpb::BadgeEvidence> evidence =
      ReadBadgeEvidence(store_, snap.get(), c, member, badge_id, state.times_awarded);
  if (!evidence.ok() && !absl::IsNotFound(evidence.status())) return evidence.status();

  const IssuerUrls urls(base_url_, c);
  CredentialInputs in;
  in.credential_id = CredentialIdForAward(urls.Award(member, badge_id, state.times_awarded));
  in.issuer_id = urls.issuer;
  in.issuer_name = community.name().empty() ? absl::StrCat("Community ", c) : community.name();
  in.achievement_id = urls.Achievement(badge_id);
  DescribeAchievement(*rules, badge_id, &in);
  in.subject_id = urls.Member(member);
  in.valid_from = absl::FromUnixMillis(state.awarded_at_unix_ms);
  if (evidence.ok()) in.evidence = EvidenceOf(*evidence, urls);
  in.revocation_list_url = urls.revocations;

  absl::MutexLock lock(&mu_);
  TB_ASSIGN_OR_RETURN(uint64_t index, RevocationIndex(c, member, badge_id, state.times_awarded));
  in.revocation_list_index = static_cast<int64_t>(index);
  TB_ASSIGN_OR_RETURN(IssuerKeyring keyring, Keyring(c));
  TB_ASSIGN_OR_RETURN(std::string json, BuildOpenBadgeCredential(in));
  TB_ASSIGN_OR_RETURN(std::string jwt, SignVcJwt(keyring, json));
  xpb::ExportedCredential out;
  out.set_credential_jwt(std::move(jwt));
  out.set_credential_json(std::move(json));
  out.set_credential_id(in.credential_id);
  out.set_kid(keyring.signing_key().kid());
  out.set_revocation_list_index(index);
  return out;
}

absl::StatusOr<IssuerKeyring> CredentialBook::Keyring(uint64_t c) {
  std::string bytes;
  TB_ASSIGN_OR_RETURN(bool found, store_->Get(kRecords, IssuerKeysKey(c), &bytes));
  if (found) return IssuerKeyring::Parse(bytes);
  const IssuerUrls urls(base_url_, c);
  TB_ASSIGN_OR_RETURN(IssuerKeyring keyring,
                      IssuerKeyring::Create(absl::StrCat(urls.jwks, "#"), clock_->Now()));
  records::Tx tx(store_, kRecords, kCounterTag);
  tx.Put(IssuerKeysKey(c), keyring.Serialize());
  TB_RETURN_IF_ERROR(tx.Commit());
  return keyring;
}

absl::StatusOr<uint64_t> CredentialBook::RevocationIndex(uint64_t c, uint64_t member,
                                                         std::string_view badge_id,
                                                         uint32_t award) {
  const std::string key = RevocationKey(c, member, badge_id, award);
  records::Tx tx(store_, kRecords, kCounterTag);
  TB_ASSIGN_OR_RETURN(std::optional<rpb::RevocationEntry> entry,
                      records::ReadRecord<rpb::RevocationEntry>(tx, key, "a revocation entry"));
  if (entry.has_value()) return entry->index();
  // Counters start at 1; indices at 0, as status list indices do.
  TB_ASSIGN_OR_RETURN(uint64_t next, tx.NextId(absl::StrCat("revocation-index/", c)));
  rpb::RevocationEntry made;
  made.set_index(next - 1);
  made.set_member_id(member);
  made.set_badge_id(std::string(badge_id));
  made.set_award(award);
  tx.Put(key, made.SerializeAsString());
  TB_RETURN_IF_ERROR(tx.Commit());
  return made.index();
}

absl::StatusOr<xpb::IssuerKeys> CredentialBook::Keys(uint64_t c) {
  TB_RETURN_IF_ERROR(CheckCommunity(c));
  absl::MutexLock lock(&mu_);
  TB_ASSIGN_OR_RETURN(IssuerKeyring keyring, Keyring(c));
  const IssuerUrls urls(base_url_, c);
  xpb::IssuerKeys out;
  out.set_jwks_json(keyring.Jwks());
  out.set_issuer_id(urls.issuer);
  out.set_jwks_url(urls.jwks);
  return out;
}

absl::StatusOr<xpb::RotatedIssuerKey> CredentialBook::Rotate(uint64_t c) {
  TB_RETURN_IF_ERROR(CheckCommunity(c));
  absl::MutexLock lock(&mu_);
  TB_ASSIGN_OR_RETURN(IssuerKeyring keyring, Keyring(c));
  const IssuerUrls urls(base_url_, c);
  TB_RETURN_IF_ERROR(keyring.Rotate(absl::StrCat(urls.jwks, "#"), clock_->Now()));
  records::Tx tx(store_, kRecords, kCounterTag);
  tx.Put(IssuerKeysKey(c), keyring.Serialize());
  TB_RETURN_IF_ERROR(tx.Commit());
  xpb::RotatedIssuerKey out;
  out.set_kid(keyring.signing_key().kid());
  out.set_keys(static_cast<int32_t>(keyring.keys().size()));
  return out;
}

// Scans the exported awards only (not every member's badges): an award never exported
// has no credential anyone could present.
absl::StatusOr<xpb::RevocationList> CredentialBook::Revocations(uint64_t c) {
  TB_RETURN_IF_ERROR(CheckCommunity(c));
  std::shared_ptr<const storage::Snapshot> snap = store_->GetSnapshot();
  const IssuerUrls urls(base_url_, c);
  BadgeCache badges(store_, snap.get(), c);
  std::vector<RevokedCredential> revoked;
  const std::string prefix = RevocationPrefix(c);
  std::unique_ptr<storage::Iterator> it = store_->NewIterator(kRecords, snap.get());
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    TB_ASSIGN_OR_RETURN(rpb::RevocationEntry e, records::ParseRecord<rpb::RevocationEntry>(
                                                    it->value(), "a revocation entry"));
    TB_ASSIGN_OR_RETURN(const MemberBadges* held, badges.Of(e.member_id()));
    const BadgeState* state = held->Find(e.badge_id());
    // The award-th award is withdrawn once as many withdrawals have followed.
    if (state == nullptr || state->times_withdrawn < e.award()) continue;
    std::string reason = "the badge was withdrawn";
    if (state->times_withdrawn == e.award()) {
      reason = absl::StrCat("the badge was withdrawn on ", Day(state->withdrawn_at_unix_ms));
    }
    revoked.push_back(
        {CredentialIdForAward(urls.Award(e.member_id(), e.badge_id(), e.award())), reason});
  }
  TB_RETURN_IF_ERROR(it->status());
  TB_ASSIGN_OR_RETURN(std::string json,
                      BuildRevocationList(urls.revocations, urls.issuer, std::move(revoked)));
  xpb::RevocationList out;
  out.set_revocation_list_json(std::move(json));
  out.set_list_url(urls.revocations);
  return out;
}

}  // namespace timebank::rewards
