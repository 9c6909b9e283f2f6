// Members named by people and by services: by id in bulk (services naming the members
// a record mentions), and by what a person types (an id, a member number, a username
// or part of a name), seen as the caller may see members.
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "services/common/text_fields.h"
#include "services/directory/directory.h"
#include "services/directory/directory_fields.h"

namespace timebank::directory {
namespace {

using records::FieldError;

// Admins, coordinators, finance staff and services find any member; other callers
// only those who agreed to appear in the directory, and themselves.
// An API key carries its organisation's coordinator role, but is no person: it sees
// as members do.
bool SeesEveryone(const Actor& a) {
  if (a.principal.kind() == dpb::Principal::KIND_SERVICE) return true;
  return a.principal.kind() == dpb::Principal::KIND_MEMBER &&
         (a.Is(dpb::ROLE_ADMIN) || a.Is(dpb::ROLE_COORDINATOR) || a.Is(dpb::ROLE_FINANCE));
}

// How much of `m` the caller may learn from a reference.
enum class Shown { kNothing, kNumberOnly, kName };

Shown Disclosed(const Actor& a, const dpb::Member& m, bool exact_number_or_username) {
  if (a.principal.kind() == dpb::Principal::KIND_MEMBER && a.principal.subject_id() == m.id()) {
    return Shown::kName;
  }
  if (m.status() == dpb::MEMBER_STATUS_ERASED ||
      m.status() == dpb::MEMBER_STATUS_PENDING_APPROVAL) {
    return Shown::kNothing;
  }
  if (SeesEveryone(a)) return Shown::kName;
  if (m.status() != dpb::MEMBER_STATUS_ACTIVE) return Shown::kNothing;
  if (m.consent().appear_in_directory()) return Shown::kName;
  // Someone who knows a member's number or username (from their card, or from them)
  // may name them by it, but learns no name they were not given.
  return exact_number_or_username ? Shown::kNumberOnly : Shown::kNothing;
}

bool ByNumberOrUsername(const dpb::Member& m, const std::string& lower) {
  return absl::AsciiStrToLower(m.member_number()) == lower ||
         (!m.username().empty() && m.username() == lower);
}

// The reference names `m` exactly: its id, number, username or whole name.
bool Exactly(const dpb::Member& m, const std::string& lower, uint64_t as_id) {
  return (as_id != 0 && m.id() == as_id) || ByNumberOrUsername(m, lower) ||
         absl::AsciiStrToLower(m.display_name()) == lower;
}

dpb::MemberName NameOf(const dpb::Member& m, Shown shown) {
  dpb::MemberName n;
  n.set_member_id(m.id());
  n.set_member_number(m.member_number());
  if (shown == Shown::kName) n.set_display_name(m.display_name());
  return n;
}

}  // namespace

absl::StatusOr<std::vector<std::optional<dpb::Member>>> Directory::LookupMembersById(
    uint64_t c, const std::vector<uint64_t>& ids) {
  if (ids.empty() || ids.size() > DirectoryLimits::kMaxLookupMembers) {
    return FieldError("member_ids", "1..1000 member ids");
  }
  TB_RETURN_IF_ERROR(GetCommunity(c).status());
  std::vector<std::optional<dpb::Member>> out;
  out.reserve(ids.size());
  for (uint64_t id : ids) {
    absl::StatusOr<dpb::Member> m = MustMember(c, id);
    if (absl::IsNotFound(m.status())) {
      out.emplace_back();
      continue;
    }
    if (!m.ok()) return m.status();
    out.emplace_back(*std::move(m));
  }
  return out;
}

absl::StatusOr<dpb::ResolveMemberResponse> Directory::ResolveMember(const Actor& a, uint64_t c,
                                                                    const std::string& reference) {
  const std::string trimmed(absl::StripAsciiWhitespace(reference));
  if (trimmed.empty()) {
    return FieldError("reference", "type a member number (like M00004), a username or a name");
  }
  TB_RETURN_IF_ERROR(CheckText("reference", trimmed, {TextLimits::kNameBytes}));
  TB_RETURN_IF_ERROR(GetCommunity(c).status());
  const std::string lower = absl::AsciiStrToLower(trimmed);
  uint64_t as_id = 0;
  if (!absl::SimpleAtoi(lower, &as_id)) as_id = 0;
  const size_t want = DirectoryLimits::kMaxCandidates + 1;  // one more tells "more"
  auto shown = [&](const dpb::Member& m) { return Disclosed(a, m, ByNumberOrUsername(m, lower)); };
  auto scan = [&](bool exact) {
    return Scan<dpb::Member>(MemberPrefix(c), MemberPrefix(c), want, [&](const dpb::Member& m) {
      const Shown s = shown(m);
      if (s == Shown::kNothing) return false;
      if (exact) return s == Shown::kName ? Exactly(m, lower, as_id) : ByNumberOrUsername(m, lower);
      return s == Shown::kName && absl::StrContains(absl::AsciiStrToLower(m.display_name()), lower);
    });
  };
  TB_ASSIGN_OR_RETURN(Page<dpb::Member> found, scan(/*exact=*/true));
  if (found.items.empty()) {
    TB_ASSIGN_OR_RETURN(found, scan(/*exact=*/false));
  }
  dpb::ResolveMemberResponse out;
  for (const dpb::Member& m : found.items) {
    if (static_cast<size_t>(out.candidates_size()) == DirectoryLimits::kMaxCandidates) {
      out.set_more(true);
      break;
    }
    *out.add_candidates() = NameOf(m, shown(m));
  }
  if (found.next_after.has_value()) out.set_more(true);
  return out;
}

}  // namespace timebank::directory
