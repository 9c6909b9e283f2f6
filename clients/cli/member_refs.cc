#include "clients/cli/member_refs.h"

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

ABSL_DECLARE_FLAG(std::string, member);

namespace timebank::cli {

std::string MemberLabel(const dpb::MemberName& name, uint64_t member_id) {
  if (name.display_name().empty()) {
    return name.member_number().empty() ? absl::StrCat("member ", member_id) : name.member_number();
  }
  if (name.member_number().empty()) return name.display_name();
  return absl::StrCat(name.display_name(), " (", name.member_number(), ")");
}

uint64_t ResolveMemberRef(Client& c, uint64_t community_id, const std::string& reference,
                          const std::string& what) {
  const std::string ref(absl::StripAsciiWhitespace(reference));
  if (ref.empty()) {
    Die(absl::StrCat(what, ": say who: a member number (like M00004), a username or a name"));
  }
  // An id is passed on as it is: the service that takes it checks it.
  uint64_t id = 0;
  if (absl::SimpleAtoi(ref, &id) && id != 0) return id;
  dpb::ResolveMemberRequest req;
  req.set_community_id(community_id);
  req.set_reference(ref);
  const auto resp = c.Call<dpb::ResolveMemberResponse>(
      c.directory(), &dpb::DirectoryService::Stub::ResolveMember, req);
  if (resp.candidates_size() == 1 && !resp.more()) return resp.candidates(0).member_id();
  if (resp.candidates_size() == 0) {
    Die(absl::StrCat(what, ": nobody in this community matches '", ref,
                     "'. Type their member number (like M00004), their username or part of "
                     "their name; an admin or coordinator can look people up with "
                     "'tbctl member search TEXT'."));
  }
  std::vector<std::string> names;
  for (const dpb::MemberName& n : resp.candidates()) {
    names.push_back(absl::StrCat("  ", n.member_number(), "  ", n.display_name()));
  }
  Die(absl::StrCat(what, ": '", ref, "' matches ", resp.more() ? "more than " : "",
                   resp.candidates_size(), " people:\n", absl::StrJoin(names, "\n"),
                   resp.more() ? "\n  ..." : "",
                   "\nType the member number of the one you mean (such as ",
                   resp.candidates(0).member_number(), ")."));
}

uint64_t MemberArg(Client& c, const std::vector<std::string>& args, size_t i) {
  if (args.size() <= i) {
    Die("say which member: their member number (like M00004), username, name or id");
  }
  return ResolveMemberRef(c, CurrentCommunity(c), args[i], "the member");
}

uint64_t MemberFlag(Client& c, uint64_t community_id) {
  const std::string given = absl::GetFlag(FLAGS_member);
  if (given.empty()) return 0;
  return ResolveMemberRef(c, community_id, given, "--member");
}

std::vector<uint64_t> ResolveMemberRefs(Client& c, uint64_t community_id, const std::string& list,
                                        const std::string& what) {
  std::vector<uint64_t> out;
  for (absl::string_view ref : absl::StrSplit(list, ',', absl::SkipWhitespace())) {
    out.push_back(ResolveMemberRef(c, community_id, std::string(ref), what));
  }
  return out;
}

}  // namespace timebank::cli
