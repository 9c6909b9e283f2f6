// Members as people name them in tbctl: a reference typed on the command line (an id,
// a member number such as M00004, a username, or a name) resolved through the
// directory, and a member shown as "Bilal Hussain (M00004)" wherever tbctl names one.
#ifndef TIMEBANK_CLIENTS_CLI_MEMBER_REFS_H_
#define TIMEBANK_CLIENTS_CLI_MEMBER_REFS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "clients/cli/client.h"

namespace timebank::cli {

// The one member `reference` means in `community_id`. Exits with a message that says
// what to type instead when it matches nobody or several people (listing them).
// `what` names the input in messages ("--receiver", "the member").
uint64_t ResolveMemberRef(Client& c, uint64_t community_id, const std::string& reference,
                          const std::string& what);
// A comma-separated list of references, each resolved as above.
std::vector<uint64_t> ResolveMemberRefs(Client& c, uint64_t community_id, const std::string& list,
                                        const std::string& what);
// args[i] as a member (resolved as above); exits asking for one when it is missing.
uint64_t MemberArg(Client& c, const std::vector<std::string>& args, size_t i);
// --member as a member id (resolved as above), 0 when it is not given.
uint64_t MemberFlag(Client& c, uint64_t community_id);
// "Bilal Hussain (M00004)"; "member 15" when the name is not known.
std::string MemberLabel(const ::timebank::directory::v1::MemberName& name, uint64_t member_id);

}  // namespace timebank::cli

#endif  // TIMEBANK_CLIENTS_CLI_MEMBER_REFS_H_
