#include "tests/common/test_util.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "rocksdb/options.h"
#include "rocksdb/sst_dump_tool.h"
#include "services/ledger/ledger_store.h"
#include "storage/rocks_store.h"

namespace timebank::testing {

namespace fs = std::filesystem;

TempDir::TempDir(const std::string& parent) {
  std::string tmpl = parent + "/timebank-test-XXXXXX";
  char* dir = mkdtemp(tmpl.data());
  EXPECT_NE(dir, nullptr) << parent;
  path_ = dir ? dir : parent + "/timebank-test-failed";
}

std::string FastTempParent() {
  std::error_code ec;
  return std::filesystem::is_directory("/dev/shm", ec) ? "/dev/shm" : "/tmp";
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

ChildProcess::ChildProcess(const std::string& program, const std::vector<std::string>& args,
                           const std::vector<std::string>& env) {
  int out[2];
  EXPECT_EQ(pipe(out), 0);
  pid_ = fork();
  if (pid_ == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    for (const std::string& e : env) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>("timebankd"));
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(program.c_str(), argv.data());
    _exit(127);
  }
  close(out[1]);
  // First line: "timebankd listening on HOST:PORT (...)".
  std::string line;
  char c;
  while (read(out[0], &c, 1) == 1 && c != '\n') line.push_back(c);
  close(out[0]);
  const std::string prefix = "timebankd listening on ";
  EXPECT_EQ(line.rfind(prefix, 0), 0u) << "timebankd did not start: " << line;
  if (line.rfind(prefix, 0) == 0) {
    address_ = line.substr(prefix.size(), line.find(' ', prefix.size()) - prefix.size());
  }
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) Kill();
}

void ChildProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

void ChildProcess::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  int status;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

namespace {

std::string ReadWholeFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// What copying table `table` to `scratch` and dumping it with sst_dump "raw" found.
enum class TableDump : uint8_t { kRead, kGone, kUnreadable };
TableDump DumpTable(const fs::path& table, const fs::path& scratch, std::string* dump) {
  const fs::path copy = scratch / table.filename();
  std::error_code ec;
  fs::copy_file(table, copy, fs::copy_options::overwrite_existing, ec);
  // An open store's compactions delete table files under the scan: one that is gone
  // holds nothing any more.
  if (!fs::exists(table)) return TableDump::kGone;
  if (ec) return TableDump::kUnreadable;
  const std::string file_arg = "--file=" + copy.string();
  const char* argv[] = {"sst_dump", file_arg.c_str(), "--command=raw"};
  fflush(stdout);
  const int saved = dup(STDOUT_FILENO);  // sst_dump talks on stdout
  FILE* null = fopen("/dev/null", "w");
  dup2(fileno(null), STDOUT_FILENO);
  const int rc = rocksdb::SSTDumpTool().Run(3, argv, rocksdb::Options());
  fflush(stdout);
  dup2(saved, STDOUT_FILENO);
  close(saved);
  fclose(null);
  if (rc != 0) return TableDump::kUnreadable;
  *dump = ReadWholeFile(copy.string().substr(0, copy.string().size() - 4) + "_dump.txt");
  return TableDump::kRead;
}

}  // namespace

// Scans every byte of every file under `dir` for `needles`; table files are also read
// decompressed, entry by entry including every old version still in them (RocksDB's
// sst_dump "raw"), since compression hides text from a byte scan.
std::set<std::string> TextsInFiles(const std::string& dir,
                                   const std::vector<std::string>& needles) {
  std::set<std::string> found;
  TempDir scratch;
  auto scan = [&](const std::string& bytes) {
    for (const std::string& n : needles) {
      if (bytes.find(n) != std::string::npos) found.insert(n);
    }
  };
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    scan(ReadWholeFile(entry.path()));
    if (entry.path().extension() != ".sst") continue;
    // A live store's background flush or compaction may still be writing a table (an
    // empty or unfinished file): it is read again until finished, for up to 5 s.
    std::string dump;
    TableDump result = TableDump::kUnreadable;
    for (int attempt = 0; attempt < 250; ++attempt) {
      result = DumpTable(entry.path(), scratch.path(), &dump);
      if (result != TableDump::kUnreadable) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (result == TableDump::kGone) continue;
    EXPECT_EQ(result, TableDump::kRead) << "sst_dump could not read " << entry.path();
    // The dump shows each key and value in upper-case hex (and spaced-out ASCII).
    for (const std::string& n : needles) {
      if (dump.find(absl::AsciiStrToUpper(absl::BytesToHexString(n))) != std::string::npos) {
        found.insert(n);
      }
    }
  }
  return found;
}

absl::StatusOr<std::unique_ptr<storage::KvStore>> OpenLedgerStore(const std::string& path) {
  ledger::LedgerStoreOptions o;
  o.block_cache_bytes = 8 << 20;
  o.write_buffer_bytes = 4 << 20;
  return ledger::OpenLedgerStore(path, o);
}

ledger::LedgerOptions TestOptions(const Clock* clock) {
  ledger::LedgerOptions o;
  o.check_invariants_every_commit = true;
  if (clock) o.clock = clock;
  return o;
}

absl::StatusOr<std::vector<ledger::TransferResult>> TryCreateTransfers(
    ledger::LedgerEngine* engine, std::vector<ledger::Transfer> transfers) {
  std::promise<absl::StatusOr<std::vector<ledger::TransferResult>>> p;
  auto f = p.get_future();
  engine->CreateTransfers(
      std::move(transfers),
      [&p](absl::StatusOr<std::vector<ledger::TransferResult>> r) { p.set_value(std::move(r)); });
  return f.get();
}

std::vector<ledger::TransferResult> CreateTransfers(ledger::LedgerEngine* engine,
                                                    std::vector<ledger::Transfer> transfers) {
  auto r = TryCreateTransfers(engine, std::move(transfers));
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : std::vector<ledger::TransferResult>{};
}

std::vector<ledger::AccountResult> CreateAccounts(ledger::LedgerEngine* engine,
                                                  std::vector<ledger::AccountView> accounts) {
  std::promise<absl::StatusOr<std::vector<ledger::AccountResult>>> p;
  auto f = p.get_future();
  engine->CreateAccounts(
      std::move(accounts),
      [&p](absl::StatusOr<std::vector<ledger::AccountResult>> r) { p.set_value(std::move(r)); });
  auto r = f.get();
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : std::vector<ledger::AccountResult>{};
}

absl::StatusOr<ledger::StatusResult> SetStatus(ledger::LedgerEngine* engine,
                                               ledger::StatusChange change) {
  std::promise<absl::StatusOr<ledger::StatusResult>> p;
  auto f = p.get_future();
  engine->SetAccountStatus(std::move(change), [&p](absl::StatusOr<ledger::StatusResult> r) {
    p.set_value(std::move(r));
  });
  return f.get();
}

ledger::AccountView TimeAccount(const std::string& id, uint64_t community, int64_t min_balance,
                                int64_t max_balance, const std::string& unit) {
  ledger::AccountView a;
  a.info.id = id;
  a.info.community_id = community;
  a.info.unit = unit;
  a.info.owner_kind = ledger::pb::OWNER_KIND_MEMBER;
  a.info.owner_ref = "communities/1/members/" + id;
  a.info.min_balance = min_balance;
  a.info.max_balance = max_balance;
  return a;
}

ledger::Transfer Move(const std::string& id, const std::string& debit, const std::string& credit,
                      int64_t amount) {
  ledger::Transfer t;
  t.id = id;
  t.debit_account_id = debit;
  t.credit_account_id = credit;
  t.amount = amount;
  t.kind = ledger::pb::TRANSFER_KIND_EXCHANGE;
  return t;
}

ledger::Balances BalancesOf(ledger::LedgerEngine* engine, const std::string& id) {
  auto v = engine->GetAccounts({id});
  EXPECT_TRUE(v[0].has_value()) << id;
  return v[0] ? v[0]->balances : ledger::Balances{};
}

}  // namespace timebank::testing
