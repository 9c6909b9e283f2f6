// What tbctl's directory and sign-in commands share: passwords read without
// echo, ids from arguments, the community a command acts in, and one-line results
// (or JSON with --json). Defined in directory_commands.cc.
#ifndef TIMEBANK_CLIENTS_CLI_DIRECTORY_COMMON_H_
#define TIMEBANK_CLIENTS_CLI_DIRECTORY_COMMON_H_

#include <cstdint>
#include <string>
#include <vector>

#include "clients/cli/client.h"

namespace timebank::cli {

// Passwords never come from flags (other users can read command lines): from
// $`env` (scripts), else a prompt without echo.
std::string ReadPassword(const char* env, const char* prompt);
// args[i] as a positive id; exits saying it expected `what` otherwise.
uint64_t ParseId(const std::vector<std::string>& args, size_t i, const char* what);
// --community, or the signed-in member's; exits asking for it otherwise.
uint64_t CommunityOf(Client& c);
// `line`, or `m` as JSON with --json.
void Show(const google::protobuf::Message& m, const std::string& line);
// A member's roles and status as words ("coordinator(3) admin", "active").
std::string Roles(const dpb::Member& m);
std::string Status(dpb::MemberStatus s);
// "<verb> member 7 (M00007) Ann: active, roles: ..."
void ShowMember(const dpb::Member& m, const std::string& verb);

}  // namespace timebank::cli

#endif  // TIMEBANK_CLIENTS_CLI_DIRECTORY_COMMON_H_
