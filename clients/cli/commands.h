// tbctl's command table: every command's name, the --help lines that describe it,
// and the function that runs it. `tbctl --help`, `tbctl help COMMAND` and the
// dispatch all read the one table (commands.cc), so a command cannot be runnable
// but undocumented, or documented but missing. Each handler lives with its topic
// (account_commands.cc, member_commands.cc, ...) and returns the exit code.
#ifndef TIMEBANK_CLIENTS_CLI_COMMANDS_H_
#define TIMEBANK_CLIENTS_CLI_COMMANDS_H_

#include <string>
#include <vector>

#include "clients/cli/client.h"
#include "clients/cli/command_flags.h"

namespace timebank::cli {

using Args = std::vector<std::string>;
// Runs one command: `cmd` is the word it was called by, `args` the words after it.
using Handler = int (*)(Client& c, const std::string& cmd, const Args& args);

struct Command {
  // The first words of the command lines it runs ("logout", "whoami" ...).
  std::vector<std::string> names;
  // The --help heading it is listed under, and its lines there.
  std::string section;
  std::string usage;
  Handler run;
  // Sends no credential (signing in must not carry a stale saved token).
  bool anonymous = false;
};

// Every command, in --help order.
const std::vector<Command>& Commands();
// The command `name` runs, or null.
const Command* FindCommand(const std::string& name);
// The whole --help text, and one command's part of it.
std::string Usage();
std::string CommandUsage(const Command& command);
// The flags of every command (command_flags.h), from every topic's table.
std::vector<CommandFlags> AllCommandFlags();

// Ledger and server (account_commands.cc, transfer_commands.cc, statement_commands.cc,
// server_commands.cc).
int AccountCommand(Client& c, const std::string& cmd, const Args& args);
int TransferCommand(Client& c, const std::string& cmd, const Args& args);
int StatementCommand(Client& c, const std::string& cmd, const Args& args);
int JournalCommand(Client& c, const std::string& cmd, const Args& args);
int ServerCommand(Client& c, const std::string& cmd, const Args& args);
const std::vector<CommandFlags>& LedgerCommandFlags();

// Signing in (signin_commands.cc).
int SetupCommand(Client& c, const std::string& cmd, const Args& args);
int LoginCommand(Client& c, const std::string& cmd, const Args& args);
int LogoutCommand(Client& c, const std::string& cmd, const Args& args);
int WhoAmICommand(Client& c, const std::string& cmd, const Args& args);
int SignUpCommand(Client& c, const std::string& cmd, const Args& args);
int PasswdCommand(Client& c, const std::string& cmd, const Args& args);
int SignOutEverywhereCommand(Client& c, const std::string& cmd, const Args& args);
int KeyCommand(Client& c, const std::string& cmd, const Args& args);

// The directory (directory_commands.cc).
int CommunityCommand(Client& c, const std::string& cmd, const Args& args);
int OrgCommand(Client& c, const std::string& cmd, const Args& args);
int MemberCommand(Client& c, const std::string& cmd, const Args& args);
int RoleCommand(Client& c, const std::string& cmd, const Args& args);
int AuditCommand(Client& c, const std::string& cmd, const Args& args);
int InviteCommand(Client& c, const std::string& cmd, const Args& args);
int ApiKeyCommand(Client& c, const std::string& cmd, const Args& args);
int BalancesCommand(Client& c, const std::string& cmd, const Args& args);  // balance_commands.cc
const std::vector<CommandFlags>& DirectoryCommandFlags();

// Contributions, exchanges and the noticeboard (activity_commands.cc).
int ContributionCommand(Client& c, const std::string& cmd, const Args& args);
int ExchangeCommand(Client& c, const std::string& cmd, const Args& args);
int PostCommand(Client& c, const std::string& cmd, const Args& args);
int DonateCommand(Client& c, const std::string& cmd, const Args& args);
int RedeemCommand(Client& c, const std::string& cmd, const Args& args);
int ActivityCommand(Client& c, const std::string& cmd, const Args& args);
const std::vector<CommandFlags>& ActivityCommandFlags();
// The to-do list, retrying refused postings, settling disputes (todo_commands.cc).
int TodoCommand(Client& c, const std::string& cmd, const Args& args);
const std::vector<CommandFlags>& TodoCommandFlags();

// Expenses (expenses_policy_commands.cc, claim_commands.cc, finance_commands.cc; the
// flag table in expenses_commands.cc).
int PolicyCommand(Client& c, const std::string& cmd, const Args& args);
int ClaimCommand(Client& c, const std::string& cmd, const Args& args);
int FinanceCommand(Client& c, const std::string& cmd, const Args& args);
int BankCommand(Client& c, const std::string& cmd, const Args& args);  // bank_commands.cc
const std::vector<CommandFlags>& ExpensesCommandFlags();

// Recognition: your give and take, and a community's dashboard (rewards_commands.cc).
int MeCommand(Client& c, const std::string& cmd, const Args& args);
int DashboardCommand(Client& c, const std::string& cmd, const Args& args);
int StreakCommand(Client& c, const std::string& cmd, const Args& args);
// Thank-you notes (thanks_commands.cc); the `me` card's latest notes received.
int ThankCommand(Client& c, const std::string& cmd, const Args& args);
int ThanksCommand(Client& c, const std::string& cmd, const Args& args);
void PrintLatestThanks(const ::timebank::rewards::v1::MemberSummary& s, bool self);
int NoticesCommand(Client& c, const std::string& cmd, const Args& args);
// Badges and their rules (badge_commands.cc).
int BadgeCommand(Client& c, const std::string& cmd, const Args& args);
int RulesCommand(Client& c, const std::string& cmd, const Args& args);
int LeaderboardCommand(Client& c, const std::string& cmd, const Args& args);
const std::vector<CommandFlags>& RewardsCommandFlags();
// Open Badges credentials: export one, verify one (credential_commands.cc).
int BadgeCredentialCommand(Client& c, const std::string& cmd, const Args& args);
const std::vector<CommandFlags>& CredentialCommandFlags();

}  // namespace timebank::cli

#endif  // TIMEBANK_CLIENTS_CLI_COMMANDS_H_
