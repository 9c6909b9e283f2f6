#include "tests/common/test_util.h"

#include <stdlib.h>

#include <filesystem>

#include "gtest/gtest.h"
#include "services/ledger/ledger_store.h"
#include "storage/rocks_store.h"

namespace timebank::testing {

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

absl::StatusOr<std::unique_ptr<storage::KvStore>> OpenLedgerStore(const std::string& path) {
  ledger::LedgerStoreOptions o;
  o.block_cache_bytes = 8 << 20;
  o.write_buffer_bytes = 4 << 20;
  return ledger::OpenLedgerStore(path, o);
}

ledger::LedgerOptions TestOptions(FakeClock* clock) {
  ledger::LedgerOptions o;
  o.check_invariants_every_commit = true;
  if (clock) o.clock_ns = clock->fn();
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
