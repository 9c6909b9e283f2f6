// Members: create (by an admin, by sign-up, at setup), read, look up by number,
// search, update, change status (approval claims the requested username).
#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/common/ids.h"
#include "services/common/text_fields.h"
#include "services/common/update_mask.h"
#include "services/directory/directory.h"
#include "services/directory/directory_fields.h"

namespace timebank::directory {
namespace {

namespace lpb = ::timebank::ledger::v1;
using records::BoundedText;
using records::FieldError;

bool IsPhone(const std::string& phone) {
  return phone.size() <= TextLimits::kPhoneBytes &&
         std::all_of(phone.begin(), phone.end(), [](char ch) {
           return std::isdigit(static_cast<unsigned char>(ch)) || ch == ' ' || ch == '+' ||
                  ch == '(' || ch == ')' || ch == '-';
         });
}

// Tags lower-cased, trimmed, sorted and unique.
absl::Status NormaliseTags(dpb::Member* m) {
  if (static_cast<size_t>(m->tags_size()) > DirectoryLimits::kMaxTags) {
    return FieldError("member.tags", "at most 32 tags");
  }
  for (std::string& t : *m->mutable_tags()) {
    t = absl::AsciiStrToLower(absl::StripAsciiWhitespace(t));
    if (t.empty()) return FieldError("member.tags", "each tag is 1..40 bytes of one-line text");
    TB_RETURN_IF_ERROR((BoundedText{"member.tags", {TextLimits::kTagBytes}}.Check(t)));
  }
  std::sort(m->mutable_tags()->begin(), m->mutable_tags()->end());
  m->mutable_tags()->erase(std::unique(m->mutable_tags()->begin(), m->mutable_tags()->end()),
                           m->mutable_tags()->end());
  return absl::OkStatus();
}

absl::Status CheckMemberFields(dpb::Member* m) {
  TB_RETURN_IF_ERROR(CheckName("member.display_name", m->display_name(), true));
  if (!m->member_number().empty() && !IsMemberNumber(m->member_number())) {
    return FieldError("member.member_number", "1..32 of A-Z, a-z, 0-9 and -");
  }
  if (!m->username().empty()) TB_RETURN_IF_ERROR(ValidateUsername(m->username()));
  TB_RETURN_IF_ERROR((BoundedText{"member.email", {TextLimits::kEmailBytes}}.Check(m->email())));
  if (!m->email().empty() &&
      (m->email().find('@') == std::string::npos || m->email().find(' ') != std::string::npos)) {
    return FieldError("member.email", "must be an email address of at most 254 bytes");
  }
  if (!m->phone().empty() && !IsPhone(m->phone())) {
    return FieldError("member.phone", "digits, spaces and + ( ) - only, at most 32 bytes");
  }
  return NormaliseTags(m);
}

}  // namespace

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
  TB_ASSIGN_OR_RETURN(std::optional<dpb::Member> m,
                      Find<dpb::Member>(committed_, MemberKey(c, id)));
  if (!m)
    return absl::NotFoundError(absl::StrCat("member ", id, " does not exist in community ", c));
  return *std::move(m);
}

absl::StatusOr<dpb::Member> Directory::InsertMember(records::Tx& tx, const Actor* a, dpb::Member m,
                                                    const dpb::Community& c,
                                                    const std::string& password_hash) {
  TB_RETURN_IF_ERROR(CheckMemberFields(&m));
  TB_RETURN_IF_ERROR(CheckOrganisations(a, c.id(), &m));
  TB_ASSIGN_OR_RETURN(uint64_t id, tx.NextId("member"));
  if (m.member_number().empty()) {
    TB_ASSIGN_OR_RETURN(uint64_t n, tx.NextId(absl::StrCat("number.", c.id())));
    m.set_member_number(absl::StrFormat("M%05d", n));
  }
  const std::string number_key = MemberNumberKey(c.id(), m.member_number());
  std::string ignored;
  TB_ASSIGN_OR_RETURN(bool number_taken, committed_.Get(number_key, &ignored));
  if (number_taken) {
    return absl::AlreadyExistsError(
        absl::StrCat("member.member_number: ", m.member_number(),
                     " is already used in this community; pick another or leave it empty"));
  }
  if (!m.username().empty()) {
    TB_ASSIGN_OR_RETURN(bool taken, committed_.Get(UsernameKey(m.username()), &ignored));
    if (taken) {
      return absl::AlreadyExistsError("username: that username is taken; choose another");
    }
    tx.Put(UsernameKey(m.username()), RefValue(c.id(), id));
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
  tx.Put(MemberKey(c.id(), id), records::Seal(m));
  tx.Put(number_key, U64Value(id));
  if (!password_hash.empty()) tx.Put(PasswordKey(c.id(), id), password_hash);
  if (a != nullptr) Audit(tx, c.id(), *a, "member.create", id, m.member_number());
  return m;
}

absl::StatusOr<dpb::Member> Directory::WriteMember(const Actor* a, dpb::Member m,
                                                   const std::string& password_hash,
                                                   const std::string& request_id,
                                                   const std::string& invitation_code) {
  TB_RETURN_IF_ERROR(records::CheckRequestId(request_id));
  absl::ReleasableMutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(dpb::Community c, GetCommunity(m.community_id()));
  records::Tx tx = NewTx();
  TB_ASSIGN_OR_RETURN(dpb::Member out,
                      records::IdempotentCreate<dpb::Member>(
                          tx, records::RequestKey(schema::kRequest, {"member", c.id()}, request_id),
                          [this](std::string_view first) { return Replay<dpb::Member>(first); },
                          [&](records::Tx& tx) -> absl::StatusOr<records::Created<dpb::Member>> {
                            std::optional<dpb::Invitation> inv;
                            if (!invitation_code.empty()) {
                              TB_ASSIGN_OR_RETURN(inv, UseInvitation(tx, c.id(), invitation_code));
                            }
                            TB_ASSIGN_OR_RETURN(dpb::Member made, InsertMember(tx, a, std::move(m),
                                                                               c, password_hash));
                            if (inv && inv->role() == dpb::ROLE_ADMIN) AdmitAdmin(tx, *inv, &made);
                            std::string key = MemberKey(c.id(), made.id());
                            return records::Created<dpb::Member>{std::move(made), std::move(key)};
                          }));
  TB_RETURN_IF_ERROR(tx.Commit());
  const uint64_t round = accounts_.NextRound();
  lock.Release();
  AwaitAccounts(round);
  return out;
}

// The member who signed up with an admin invitation becomes an admin (a community's
// first admin, invited by the operator).
void Directory::AdmitAdmin(records::Tx& tx, const dpb::Invitation& inv, dpb::Member* m) {
  m->add_roles(dpb::ROLE_ADMIN);
  tx.Put(MemberKey(m->community_id(), m->id()), records::Seal(*m));
  Actor by;
  by.principal = PrincipalOf(*m);
  // Who made the invitation is in its own "invitation.create" entry.
  Audit(tx, m->community_id(), by, "role.grant", m->id(),
        absl::StrCat("ROLE_ADMIN by invitation ", inv.id()));
}

absl::StatusOr<dpb::Member> Directory::CreateMember(const Actor& a, dpb::Member m,
                                                    const std::string& password_hash,
                                                    const std::string& request_id) {
  if (m.status() != dpb::MEMBER_STATUS_UNSPECIFIED && m.status() != dpb::MEMBER_STATUS_ACTIVE) {
    return FieldError("member.status", "new members start ACTIVE (leave it unset)");
  }
  if (m.community_id() == 0) return FieldError("member.community_id", "required");
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
    return FieldError("member_numbers", "1..1000 member numbers");
  }
  TB_RETURN_IF_ERROR(GetCommunity(c).status());
  std::vector<std::optional<dpb::Member>> out;
  out.reserve(numbers.size());
  std::string id;
  for (const std::string& n : numbers) {
    // Numbers come from spreadsheets: one that cannot exist is simply not found.
    if (n.empty()) return FieldError("member_numbers", "each is 1..32 bytes");
    TB_RETURN_IF_ERROR(CheckText("member_numbers", n, {kMaxMemberNumberBytes}));
    TB_ASSIGN_OR_RETURN(bool found, committed_.Get(MemberNumberKey(c, n), &id));
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
  return Scan<dpb::Member>(MemberPrefix(c), MemberKey(c, after_id + 1), limit, keep);
}

absl::StatusOr<dpb::Member> Directory::UpdateMember(const Actor& a, const dpb::Member& in,
                                                    const google::protobuf::FieldMask& mask) {
  static const auto* kFields = new std::vector<std::string>{"display_name",
                                                            "email",
                                                            "phone",
                                                            "tags",
                                                            "consent",
                                                            "consent.appear_in_directory",
                                                            "consent.appear_on_leaderboards",
                                                            "organisations"};
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(dpb::Member m, MustMember(in.community_id(), in.id()));
  if (m.status() == dpb::MEMBER_STATUS_ERASED) {
    return absl::FailedPreconditionError("this member was erased; nothing about them can change");
  }
  TB_RETURN_IF_ERROR(records::CheckEtag(
      in.etag(), m.etag(),
      "member.etag: the member changed since you read them; read again and retry"));
  const auto orgs_before = m.organisations();
  TB_RETURN_IF_ERROR(ApplyUpdateMask(in, mask, *kFields, &m));
  if (!std::equal(orgs_before.begin(), orgs_before.end(), m.organisations().begin(),
                  m.organisations().end())) {
    // Who belongs to an organisation decides what its coordinators see: only an admin
    // changes it (a member cannot join themself to one, nor leave one's view).
    if (!a.Is(dpb::ROLE_ADMIN) && a.principal.kind() != dpb::Principal::KIND_UNSPECIFIED) {
      return absl::PermissionDeniedError(
          "member.organisations: only an admin changes which organisations a member belongs to");
    }
    TB_RETURN_IF_ERROR(CheckOrganisations(&a, m.community_id(), &m));
  }
  // The changed member, checked and normalised (tags lower-cased and sorted) as a
  // new one is; its number and username are not changed here.
  dpb::Member check = m;
  check.clear_member_number();
  check.clear_username();
  TB_RETURN_IF_ERROR(CheckMemberFields(&check));
  *m.mutable_tags() = check.tags();
  records::Tx tx = NewTx();
  return SaveMember(tx, std::move(m), a, "member.update", "", /*end_tokens=*/false);
}

absl::StatusOr<dpb::Member> Directory::SaveMember(records::Tx& tx, dpb::Member m, const Actor& a,
                                                  const std::string& action,
                                                  const std::string& detail, bool end_tokens) {
  tx.Put(MemberKey(m.community_id(), m.id()), records::Seal(m));
  Audit(tx, m.community_id(), a, action, m.id(), detail);
  if (end_tokens) {
    TB_RETURN_IF_ERROR(EndTokens(tx, dpb::Principal::KIND_MEMBER, m.community_id(), m.id()));
  }
  TB_RETURN_IF_ERROR(tx.Commit());
  return m;
}

absl::StatusOr<dpb::Member> Directory::SetMemberStatus(const Actor& a, uint64_t c, uint64_t id,
                                                       dpb::MemberStatus status,
                                                       const std::string& reason,
                                                       const std::string& username) {
  TB_RETURN_IF_ERROR(CheckReason("reason", reason));
  if (status != dpb::MEMBER_STATUS_ACTIVE && status != dpb::MEMBER_STATUS_SUSPENDED &&
      status != dpb::MEMBER_STATUS_LEFT) {
    return FieldError("status", "must be ACTIVE, SUSPENDED or LEFT (erasure is EraseMember)");
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
    return FieldError("username", "only when approving a sign-up (the person has no username yet)");
  }
  records::Tx tx = NewTx();
  if (approving) TB_RETURN_IF_ERROR(ClaimRequestedUsername(tx, &m, username));
  m.set_status(status);
  return SaveMember(
      tx, std::move(m), a, "member.status",
      absl::StrCat(dpb::MemberStatus_Name(before), " -> ", dpb::MemberStatus_Name(status),
                   reason.empty() ? "" : ": ", reason),
      /*end_tokens=*/status != dpb::MEMBER_STATUS_ACTIVE);
}

absl::Status Directory::ClaimRequestedUsername(records::Tx& tx, dpb::Member* m,
                                               const std::string& instead) {
  const std::string username = instead.empty() ? m->requested_username() : instead;
  if (username.empty()) return absl::OkStatus();  // added by an admin: none asked for
  std::string ignored;
  TB_ASSIGN_OR_RETURN(bool taken, committed_.Get(UsernameKey(username), &ignored));
  if (taken) {
    return absl::FailedPreconditionError(absl::StrCat(
        "username: '", username,
        "' is taken, so this person cannot have it; agree another with them (through the "
        "contact details they gave) and approve with that one (tbctl member approve ID "
        "--username=NAME)"));
  }
  tx.Put(UsernameKey(username), RefValue(m->community_id(), m->id()));
  m->set_username(username);
  m->clear_requested_username();
  return absl::OkStatus();
}

}  // namespace timebank::directory
