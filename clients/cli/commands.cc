#include "clients/cli/commands.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/flags/reflection.h"
#include "absl/strings/str_cat.h"

namespace timebank::cli {
namespace {

constexpr char kHeader[] = R"(tbctl: the timebank command-line client.

Usage: tbctl [--server=host:port] [--json] COMMAND [ARGS] [FLAGS]

)";

// The --help headings, in order.
constexpr char kSigningIn[] =
    "Signing in (the login is saved in ~/.config/timebank/credentials, mode 0600)";
constexpr char kDirectory[] = "Directory (--community=N defaults to your own)";
constexpr char kActivity[] = "Contributions and exchanges (posted to the ledger exactly once)";
constexpr char kExpenses[] = "Expenses (money, in the community's currency: 12.50)";
constexpr char kRewards[] = "Recognition (hours given and received; no ranks, no balances)";
constexpr char kAccounts[] =
    "Accounts (ledger; for admins, and services: --service_keyring=DATA_DIR/keyring on the server)";
constexpr char kTransfers[] = "Transfers (amounts: 1h30m, 90m, 1.5h for TIME; 12.50 for money)";
constexpr char kStatements[] = "Statements and the journal";
constexpr char kServer[] = "Server";

constexpr char kFooter[] = R"(Common flags
  --server=host:port   timebankd address (default $TIMEBANK_SERVER, else 127.0.0.1:7400)
  --token=T            access token (default $TIMEBANK_TOKEN, else the saved login)
  --json               JSON output for scripts       --csv   CSV output for spreadsheets
  --community=N --unit=TIME|GBP --owner=KIND --owner_ref=REF --min=AMOUNT --max=AMOUNT
  --provider=ACCT --receiver=ACCT --id=ID --kind=KIND --coproduction=TYPE --memo=TEXT
  --reference=TEXT --reason=TEXT --pending --timeout=48h --since/--until=YYYY-MM-DD
  --oldest_first --limit=N --from=SEQ        (tbctl --helpfull lists every flag)
  A flag the command does not take is an error (exit 2): nothing is silently ignored.

Examples
  tbctl account create alice --community=1 --min=-10h
  tbctl transfer 1h30m --provider=bob --receiver=alice --memo="gardening"
  tbctl statement alice --csv > alice.csv
)";

// An example of each command for `tbctl COMMAND --help`, by the command's first word
// (tbctl_help_test checks that every command has one).
const absl::flat_hash_map<std::string, std::vector<std::string>>& Examples() {
  static const auto* kExamples = new absl::flat_hash_map<std::string, std::vector<std::string>>{
      {"setup", {R"(tbctl setup --code=483920 --username=operator)"}},
      {"login",
       {R"(tbctl login alice)", R"(tbctl login --api_key=tbk_...   (a program signing in))"}},
      {"logout", {R"(tbctl logout)"}},
      {"whoami", {R"(tbctl whoami)"}},
      {"passwd", {R"(tbctl passwd)"}},
      {"signout-everywhere", {R"(tbctl signout-everywhere        (you, on every device))"}},
      {"signup",
       {R"(tbctl signup "Alice Jones" --community=1 --username=alice --code=INVITATION)"}},
      {"community",
       {R"(tbctl community create "Riverside Time Bank" --timezone=Europe/London)",
        R"(tbctl community show)"}},
      {"org",
       {R"(tbctl org create "Riverside Lunch Club" --org_kind=charity)", R"(tbctl org list)"}},
      {"member",
       {R"(tbctl member add "Bilal Hussain" --username=bilal --phone=07700900123)",
        R"(tbctl member list bilal)"}},
      {"role", {R"(tbctl role grant 6 coordinator --org=2 --reason="runs the lunch club")"}},
      {"audit", {R"(tbctl audit)"}},
      {"invite", {R"(tbctl invite create --hours=72 --note="for the new volunteers")"}},
      {"apikey", {R"(tbctl apikey create --org=2 --label="sign-in sheet tablet")"}},
      {"balances", {R"(tbctl balances --org=2)"}},
      {"key", {R"(tbctl key rotate)"}},
      {"contribution",
       {R"(tbctl contribution log 2h --org=2 --members=5,6,7 --what="lunch club" --when=yesterday)",
        R"(tbctl contribution import hours.csv --dry_run)"}},
      {"exchange",
       {R"(tbctl exchange record 1h30m --receiver=M00006 --what="gardening")",
        R"(tbctl exchange record 1h --provider="Bilal Hussain" --receiver=ann.j --what="shopping")",
        R"(tbctl exchange confirm 41)",
        R"(tbctl exchange settle 41 1h --reason="agreed an hour with both")"}},
      {"offer", {R"(tbctl offer "Lifts to the surgery" --tags=transport)"}},
      {"request", {R"(tbctl request "Help with a form" --details="council tax, an hour or so")"}},
      {"posts",
       {R"(tbctl posts garden)", R"(tbctl posts help 12 "I can help on Saturday mornings")",
        R"(tbctl posts messages 12)", R"(tbctl posts reply 12 --with=M00004 "Saturday is great")"}},
      {"donate", {R"(tbctl donate 2h --what="for anyone who needs it")"}},
      {"redeem", {R"(tbctl redeem 1h --org=4 --what="swim session")"}},
      {"activity",
       {R"(tbctl activity list --state=proposed --since=01/11/2026)", R"(tbctl activity show 41)",
        R"(tbctl activity retry 41)"}},
      {"todo", {R"(tbctl todo)"}},
      {"expenses",
       {R"(tbctl expenses policy show)",
        R"(tbctl expenses policy set --max_claim=250.00 --max_month=500.00)"}},
      {"claim",
       {R"(tbctl claim create "Bus fares" travel,25/11/2026,£3.20,"bus to the lunch club")",
        R"(tbctl claim submit 12)"}},
      {"finance",
       {R"(tbctl finance queue --min_age_days=7)", R"(tbctl finance approve 12)",
        R"(tbctl finance batch export 3 --format=bacs --out=batch3.bacs)"}},
      {"bank",
       {R"(tbctl bank set --account_name="J SMITH" --sort_code=12-34-56 --account_number=31926819)"}},
      {"me", {R"(tbctl me)"}},
      {"summary", {R"(tbctl summary 6)"}},
      {"streak", {R"(tbctl streak pause 2026-12-07 3)"}},
      {"thank", {R"(tbctl thank 41 "Thank you for the lift, it made my week")"}},
      {"thanks", {R"(tbctl thanks)", R"(tbctl thanks hide 41 --reason="unkind words")"}},
      {"notices", {R"(tbctl notices --follow)"}},
      {"dashboard",
       {R"(tbctl dashboard --weeks=26)",
        R"(tbctl dashboard annotate 2026-09-14 "Saturday sessions start")"}},
      {"badges", {R"(tbctl badges)"}},
      {"badge",
       {R"(tbctl badge export two-way-street --out=badge.jwt)", R"(tbctl badge verify badge.jwt)"}},
      {"rules", {R"(tbctl rules show)", R"(tbctl rules check my_rules.textproto)"}},
      {"leaderboard", {R"(tbctl leaderboard --org=2)"}},
      {"account",
       {R"(tbctl account create alice --community=1 --min=-10h)", R"(tbctl account show alice)"}},
      {"transfer", {R"(tbctl transfer 1h30m --provider=bob --receiver=alice --memo="gardening")"}},
      {"statement", {R"(tbctl statement alice --since=01/11/2026 --csv > alice.csv)"}},
      {"journal", {R"(tbctl journal verify)"}},
      {"ping", {R"(tbctl ping)"}},
      {"info", {R"(tbctl info)"}},
      {"backup", {R"(tbctl backup /var/backups/timebank-2026-12-01)"}}};
  return *kExamples;
}
}  // namespace

const std::vector<Command>& Commands() {
  // Rows that share a --help line (logout | whoami | ...) repeat it; it prints once.
  static const auto* kTable = new std::vector<Command>{
      {{"setup"},
       kSigningIn,
       R"(  setup --code=CODE --username=U           first start: create the operator (code printed by timebankd)
)",
       SetupCommand,
       true},
      {{"login"},
       kSigningIn,
       R"(  login USERNAME | login --api_key=KEY     password from $TIMEBANK_PASSWORD or a prompt
)",
       LoginCommand,
       true},
      {{"logout"},
       kSigningIn,
       R"(  logout | whoami | passwd | signout-everywhere [MEMBER_ID]
)",
       LogoutCommand,
       true},
      {{"whoami"},
       kSigningIn,
       R"(  logout | whoami | passwd | signout-everywhere [MEMBER_ID]
)",
       WhoAmICommand},
      {{"passwd"},
       kSigningIn,
       R"(  logout | whoami | passwd | signout-everywhere [MEMBER_ID]
)",
       PasswdCommand},
      {{"signout-everywhere"},
       kSigningIn,
       R"(  logout | whoami | passwd | signout-everywhere [MEMBER_ID]
)",
       SignOutEverywhereCommand},
      {{"signup"},
       kSigningIn,
       R"(  signup [NAME] --community=N --username=U [--code=INVITATION] [--email=..]
)",
       SignUpCommand,
       true},
      {{"community"},
       kDirectory,
       R"(  community create NAME [--timezone=Europe/London --member_limit=10h --org_limit=1000h
                         --currency=GBP --signup=invitation|approval --answer_hours=168
                         --unconfirmed=confirm|expire --hours=168] | list | show [ID]
                         create prints the first admin's one-time invitation code
  community update ID [NEW_NAME] [flags]   changes only what is named (--timezone=.. etc.)
)",
       CommunityCommand},
      {{"org"},
       kDirectory,
       R"(  org create NAME [--org_kind=charity|public-service|recognition-partner|community-group]
  org list | org show ID
)",
       OrgCommand},
      {{"member"},
       kDirectory,
       R"(  member add NAME [--username=U --password --number=N --email=E --phone=P --tags=a,b --in_directory]
                         --password: type their first password; it says how they sign in
                         --orgs=1,2: the organisations they belong to (coordinators see balances)
  member list [QUERY] [--tag=T] [--limit=50] | show ID | export ID [--out=F]
  member update ID [NAME] [--email=E --phone=P --tags=a,b --orgs=1,2 --[no]in_directory]  only what is named
  member suspend|reinstate|approve|leave ID [--reason=..] [--username=U: approve with another name] | erase ID --reason=.. | set-password ID
)",
       MemberCommand},
      {{"role"},
       kDirectory,
       R"(  role grant|revoke MEMBER_ID coordinator|finance|admin [--org=ID] [--reason=..]
)",
       RoleCommand},
      {{"audit"},
       kDirectory,
       R"(  audit                                    who granted or revoked what, and other changes
)",
       AuditCommand},
      {{"invite"},
       kDirectory,
       R"(  invite create [--hours=168 --note=.. --admin] | invite list | invite revoke ID
)",
       InviteCommand},
      {{"balances"},
       kDirectory,
       R"(  balances --org=ID                        the organisation's and its members' balances
)",
       BalancesCommand},
      {{"apikey"},
       kDirectory,
       R"(  apikey create --org=ID --label=TEXT | apikey list [--org=ID] | apikey revoke ID --org=ID
)",
       ApiKeyCommand},
      {{"key"},
       kDirectory,
       R"(  key rotate                               operator: new token signing key
)",
       KeyCommand},
      {{"contribution"},
       kActivity,
       R"(  contribution log AMOUNT --org=ID --members=ID,ID.. --what=".." [--when=2026-11-20]
               [--coproduction=co-design] [--collective]      coordinators: hours given
  contribution report AMOUNT --org=ID --what=".." [--when=..]    members: for a coordinator to verify
  contribution approve|decline ID --org=ID [--reason=..]
  contribution import FILE.csv [--dry_run] [--rejected=REPORT.csv] [--nowait]
               columns: member_number,date,hours,organisation,coproduction_type[,description,input]
               (date 2026-11-23 or 23/11/2026; hours 2, 1.5 or 1h30m; organisation id or name).
               Safe to run again: rows already imported are skipped. Exit 2: rows were rejected.
)",
       ContributionCommand},
      {{"exchange"},
       kActivity,
       R"(  exchange record AMOUNT --provider=MEMBER --receiver=MEMBER --what=".." [--when=..]
  exchange group AMOUNT --provider=ME --members=ID,ID.. --what=".."   one provider, several receivers
  exchange confirm|decline|dispute ID [--reason=..]            the other member answers
  exchange resolve ID [--nouphold] --reason=..                  coordinators settle disputes
  exchange settle ID AMOUNT --reason=..                         ... or confirm a corrected amount (the
               reason is the note both members see; the recorded amount is kept)
)",
       ExchangeCommand},
      {{"offer", "request"},
       kActivity,
       R"(  offer|request TITLE [--details=..] [--tags=a,b]              the community noticeboard
)",
       PostCommand},
      {{"posts"},
       kActivity,
       R"(  posts [TEXT] [--tag=T] [--closed] | posts close ID           exchange record ... --post=ID links one
  posts help POST "message"                                  "I can help": write to whoever posted it
  posts messages POST [--with=MEMBER]                        your conversations about a post
  posts reply POST --with=MEMBER "message"                   the poster answers someone who wrote
)",
       PostCommand},
      {{"donate"},
       kActivity,
       R"(  donate AMOUNT [--member=ID] --what=".."                       to a member, or the community pool
)",
       DonateCommand},
      {{"redeem"},
       kActivity,
       R"(  redeem AMOUNT --org=PARTNER --what=".."                       spend credits at a recognition partner
)",
       RedeemCommand},
      {{"activity"},
       kActivity,
       R"(  activity show ID | activity reverse ID --reason=..
  activity retry ID                                            post again what the ledger refused
               (once the cause is fixed, e.g. a limit raised; never posts twice)
  activity settings [--group_credit=shared|pool]               group sessions credit the provider the
               time given; the receivers share it, or the pool pays (admins set it)
  activity list [--member=ID] [--org=ID] [--state=proposed|confirmed|declined|disputed|reversed|expired]
               [--since=2026-11-01] [--until=..] [--limit=1000]   newest first; days it happened
  activity watch [--from=1]                                    services: every change, live
)",
       ActivityCommand},
      {{"todo"},
       kActivity,
       R"(  todo [--limit=N]        what waits for you, oldest first, with the command to run: self-reports
               to verify, disputes, unanswered exchanges (and when each settles by itself),
               refused postings, sign-ups to approve (admins); members: exchanges to answer
)",
       TodoCommand},
      {{"expenses"},
       kExpenses,
       R"(  expenses policy show | expenses policy set --max_claim=250.00 --max_month=500.00
               [--mileage_rate=0.45 --distance_unit=mile|km --window_days=90
                --second_above=100.00 --receipt_above=20.00
                --categories=travel,mileage,..|all]                    admins, finance
               [--bacs_sun=123456 --bacs_sort_code=12-34-56 --bacs_account=12345678
                --bacs_name="RIVERSIDE TB"]   who pays, in BACS files (all four)
               the first time the limits are needed; after that only what is named changes.
               Safeguards go off only by name: --no_second_approver, --no_receipts_required
)",
       PolicyCommand},
      {{"claim"},
       kExpenses,
       R"(  claim create TITLE LINE... [--org=ID] [--activity=ID]
               LINE: CATEGORY,YYYY-MM-DD,AMOUNT,DESCRIPTION
               (categories: travel mileage care-cover subsistence materials phone-data
                other; for mileage the distance instead of the amount)
  claim edit ID [LINE...] [--title=..] [--org=ID] | claim submit ID | claim show ID
  claim list [--state=..] [--member=ID]   your claims (finance officers and admins: everyone's)
  claim attach ID FILE | claim detach ID RECEIPT | claim receipt ID RECEIPT [--out=F]
               receipts: JPEG, PNG, WebP, HEIC or PDF, at most 5 MiB
)",
       ClaimCommand},
      {{"finance"},
       kExpenses,
       R"(  finance queue [--org=ID --min_amount=50.00 --min_age_days=7]      oldest first; finance, admins
  finance approve ID | reject ID --reason=.. | ask ID --reason=.. | reverse ID --reason=..
  finance batch create [CLAIM...] | batch list | batch show ID (with who exported it, when)
  finance batch export ID [--format=csv|bacs] [--processing_date=..] [--out=F]
               bacs: a BACS Standard 18 file of the payees with bank details (full numbers)
  finance batch paid ID --reference=REF    marks paid (again with the same REF: no change)
  finance bank MEMBER                      a member's bank details, masked (**-**-56, ****1234)
  finance other-means [BATCH]              approved claims whose claimants gave no bank details
  finance report [--since=2026-01 --until=2026-12] [--csv]   spend by month/category/org; owed
  finance journal [--out=F]                 the money book's journal (from the ledger) as CSV
)",
       FinanceCommand},
      {{"bank"},
       kExpenses,
       R"(  bank show | bank remove               your bank details for repaying your expenses
  bank set --account_name="J SMITH" --sort_code=12-34-56 --account_number=31926819
               stored encrypted; finance officers see them masked
)",
       BankCommand},
      {{"me", "summary"},
       kRewards,
       R"(  me | summary MEMBER_ID                   your give and take (coordinators: a member's)
)",
       MeCommand},
      {{"streak"},
       kRewards,
       R"(  streak pause YYYY-MM-DD WEEKS [--member=ID]   pause your streak for 1 to 12 weeks (illness,
               caring, a holiday) from the week of that day; coordinators: --member's.
               The weeks neither count nor break it; at most 12 weeks in any 52
  streak resume [--member=ID]              end the pause under way (this week counts again),
               or call off the next one planned
)",
       StreakCommand},
      {{"thank"},
       kRewards,
       R"(  thank ACTIVITY_ID "NOTE"                 thank the member who gave you that time (one
               note per activity, at most 280 bytes); coordinators: for their organisation
)",
       ThankCommand},
      {{"thanks"},
       kRewards,
       R"(  thanks [MEMBER_ID] [--limit=N]          the thank-you notes you received and wrote
               (coordinators: a member's, hidden ones marked)
  thanks hide ACTIVITY_ID --reason=..      coordinators: hide an abusive note from members
)",
       ThanksCommand},
      {{"notices"},
       kRewards,
       R"(  notices [community | --member=ID] [--since=SEQ] [--follow]   badges earned, streak
               milestones and thank-you notes, as sentences; coordinators: a member's or the
               whole community's. --since resumes after a seq; --follow waits for new ones
)",
       NoticesCommand},
      {{"dashboard"},
       kRewards,
       R"(  dashboard [--org=ID] [--weeks=26 | --months=12] [--rules=ihi|anhoj] [--csv]
               weeks or months of activity, with run charts of hours given and active members
  dashboard annotate YYYY-MM-DD "TEXT" [--org=ID]   coordinators: note a change tried that day
)",
       DashboardCommand},
      {{"badges", "badge"},
       kRewards,
       R"(  badges [MEMBER_ID]                       your badges: when and why each was awarded
  badge hide BADGE_ID | badge show BADGE_ID  choose whether others see one of your badges
  badge export BADGE_ID [--member=ID] [--out=FILE]   a badge as an Open Badges 3.0
               credential (a signed VC-JWT); yours, or (coordinators) a member's
  badge verify FILE                        checks a credential against the issuer's published
               keys and revocation list; exit code 0 only when it is valid
)",
       BadgeCommand},
      {{"rules"},
       kRewards,
       R"(  rules show                               the badges this community recognises
  rules check FILE | rules set FILE        admins: check, or put in force, a badge rules file
               (format: deploy/rewards/badge_rules.textproto; a bad file changes nothing)
)",
       RulesCommand},
      {{"leaderboard"},
       kRewards,
       R"(  leaderboard [--org=ID] [--lifetime] [--limit=50]
               members who chose to appear, by people helped and weeks active (never hours)
)",
       LeaderboardCommand},
      {{"account"},
       kAccounts,
       R"(  account create ID --community=N [--unit=TIME|GBP] [--owner=member] [--min=-10h] [--max=..]
  account show ID...                       balances of one or more accounts
  account list --community=N [--unit=U]    every account of a community
  account freeze|unfreeze|close ID --reason="..."
)",
       AccountCommand},
      {{"transfer"},
       kTransfers,
       R"(  transfer AMOUNT --provider=ACCT --receiver=ACCT [--kind=exchange] [--memo=..] [--id=..]
           [--pending [--timeout=48h]] [--coproduction=co-design] [--reference=..]
  transfer post PENDING_ID [AMOUNT]        complete a pending transfer (all of it by default)
  transfer void PENDING_ID                 release a pending transfer
  transfer reverse ID --reason="..."       undo a posted transfer (nothing is deleted)
  transfer show ID...
)",
       TransferCommand},
      {{"statement"},
       kStatements,
       R"(  statement ACCOUNT [--since=2026-01-01] [--until=..] [--oldest_first] [--limit=50] [--csv]
                                           each row: when it was recorded and the day it happened
)",
       StatementCommand},
      {{"journal"},
       kStatements,
       R"(  journal watch [--from=1]                 follow new journal entries live (Ctrl-C stops)
  journal verify                           recompute the SHA-256 hash chain
)",
       JournalCommand},
      {{"ping", "info", "backup"},
       kServer,
       R"(  ping | info | backup DIR                 DIR: absolute path on the server, must not exist
)",
       ServerCommand},
  };
  return *kTable;
}

const Command* FindCommand(const std::string& name) {
  for (const Command& c : Commands()) {
    for (const std::string& n : c.names) {
      if (n == name) return &c;
    }
  }
  return nullptr;
}

std::string Usage() {
  std::string out = kHeader;
  const std::string* section = nullptr;
  const std::string* usage = nullptr;
  for (const Command& c : Commands()) {
    if (section == nullptr || *section != c.section) {
      absl::StrAppend(&out, section == nullptr ? "" : "\n", c.section, "\n");
      section = &c.section;
    }
    if (usage == nullptr || *usage != c.usage) absl::StrAppend(&out, c.usage);
    usage = &c.usage;
  }
  absl::StrAppend(&out, "\n", kFooter);
  return out;
}

std::string CommandUsage(const Command& command) {
  std::string out = absl::StrCat(command.section, "\n", command.usage);
  // The flags this command's lines read, each with its help text, in table order.
  std::vector<std::string> flags;
  for (const CommandFlags& entry : AllCommandFlags()) {
    const std::string first = entry.command.substr(0, entry.command.find(' '));
    if (std::find(command.names.begin(), command.names.end(), first) == command.names.end()) {
      continue;
    }
    for (const std::string& f : entry.flags) {
      if (std::find(flags.begin(), flags.end(), f) == flags.end()) flags.push_back(f);
    }
  }
  if (!flags.empty()) {
    absl::StrAppend(&out, "\nFlags\n");
    size_t width = 0;
    for (const std::string& f : flags) width = std::max(width, f.size());
    for (const std::string& f : flags) {
      const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(f);
      absl::StrAppend(&out, "  --", f, std::string(width - f.size() + 3, ' '),
                      flag == nullptr ? "" : flag->Help(), "\n");
    }
  }
  std::vector<std::string> examples;
  for (const std::string& name : command.names) {
    auto it = Examples().find(name);
    if (it != Examples().end())
      examples.insert(examples.end(), it->second.begin(), it->second.end());
  }
  if (!examples.empty()) {
    absl::StrAppend(&out, "\nExample", examples.size() > 1 ? "s" : "", "\n");
    for (const std::string& e : examples) absl::StrAppend(&out, "  ", e, "\n");
  }
  absl::StrAppend(&out, "\n(tbctl --help lists every command and the common flags)\n");
  return out;
}

std::vector<CommandFlags> AllCommandFlags() {
  std::vector<CommandFlags> flags;
  for (const auto* table : {&LedgerCommandFlags(), &ExpensesCommandFlags(), &ActivityCommandFlags(),
                            &DirectoryCommandFlags(), &RewardsCommandFlags(),
                            &CredentialCommandFlags(), &TodoCommandFlags()}) {
    flags.insert(flags.end(), table->begin(), table->end());
  }
  return flags;
}

}  // namespace timebank::cli
