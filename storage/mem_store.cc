#include "storage/mem_store.h"

#include <optional>

#include "storage/check.h"

namespace timebank::storage {
namespace {

struct Op {
  ColumnFamily cf;
  std::string key;
  std::optional<std::string> value;  // nullopt = delete
};

class MemBatch final : public WriteBatch {
 public:
  void Put(ColumnFamily cf, std::string_view key, std::string_view value) override {
    ops_.push_back(Op{cf, std::string(key), std::string(value)});
  }
  void Delete(ColumnFamily cf, std::string_view key) override {
    ops_.push_back(Op{cf, std::string(key), std::nullopt});
  }
  void SetSavePoint() override { savepoints_.push_back(ops_.size()); }
  void RollbackToSavePoint() override {
    TB_CHECK(!savepoints_.empty());
    ops_.resize(savepoints_.back());
    savepoints_.pop_back();
  }
  void PopSavePoint() override {
    TB_CHECK(!savepoints_.empty());
    savepoints_.pop_back();
  }
  size_t Count() const override { return ops_.size(); }
  void Clear() override {
    ops_.clear();
    savepoints_.clear();
  }
  const std::vector<Op>& ops() const { return ops_; }

 private:
  std::vector<Op> ops_;
  std::vector<size_t> savepoints_;
};

class MemSnapshot final : public Snapshot {
 public:
  explicit MemSnapshot(std::shared_ptr<const MemStore::Tables> t) : tables(std::move(t)) {}
  std::shared_ptr<const MemStore::Tables> tables;
};

class MemIterator final : public Iterator {
 public:
  MemIterator(std::shared_ptr<const MemStore::Tables> tables, ColumnFamily cf)
      : tables_(std::move(tables)), table_(&tables_->at(cf)), it_(table_->end()) {}
  void Seek(std::string_view key) override { it_ = table_->lower_bound(key); }
  void SeekForPrev(std::string_view key) override {
    it_ = table_->upper_bound(key);
    StepBack();
  }
  void SeekToFirst() override { it_ = table_->begin(); }
  void SeekToLast() override {
    it_ = table_->end();
    StepBack();
  }
  bool Valid() const override { return it_ != table_->end(); }
  void Next() override { ++it_; }
  void Prev() override { StepBack(); }
  std::string_view key() const override { return it_->first; }
  std::string_view value() const override { return it_->second; }
  absl::Status status() const override { return absl::OkStatus(); }

 private:
  void StepBack() {
    if (it_ == table_->begin()) {
      it_ = table_->end();
    } else {
      --it_;
    }
  }
  std::shared_ptr<const MemStore::Tables> tables_;
  const MemStore::Table* table_;
  MemStore::Table::const_iterator it_;
};

}  // namespace

MemStore::MemStore(int column_families)
    : tables_(std::make_shared<Tables>(static_cast<size_t>(column_families))) {}

std::shared_ptr<const MemStore::Tables> MemStore::View(const Snapshot* snapshot) {
  if (snapshot) return static_cast<const MemSnapshot*>(snapshot)->tables;
  absl::MutexLock lock(&mu_);
  return tables_;
}

std::unique_ptr<WriteBatch> MemStore::NewBatch() { return std::make_unique<MemBatch>(); }

absl::Status MemStore::Write(WriteBatch* batch, const WriteOptions& options) {
  absl::MutexLock lock(&mu_);
  ++writes_;
  if (fail_writes_ > 0) {
    --fail_writes_;
    return absl::UnavailableError("injected write failure");
  }
  // Copy only when a snapshot or iterator still shares the current tables.
  if (tables_.use_count() != 1) tables_ = std::make_shared<Tables>(*tables_);
  Tables* next = tables_.get();
  for (const Op& op : static_cast<MemBatch*>(batch)->ops()) {
    Table& t = next->at(op.cf);
    if (op.value) {
      t[op.key] = *op.value;
    } else {
      t.erase(op.key);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> MemStore::Get(ColumnFamily cf, std::string_view key, std::string* value,
                                   const Snapshot* snapshot) {
  std::shared_ptr<const Tables> tables = View(snapshot);
  const Table& t = tables->at(cf);
  auto it = t.find(key);
  if (it == t.end()) return false;
  *value = it->second;
  return true;
}

std::unique_ptr<Iterator> MemStore::NewIterator(ColumnFamily cf, const Snapshot* snapshot) {
  return std::make_unique<MemIterator>(View(snapshot), cf);
}

std::shared_ptr<const Snapshot> MemStore::GetSnapshot() {
  absl::MutexLock lock(&mu_);
  return std::make_shared<MemSnapshot>(tables_);
}

absl::Status MemStore::Checkpoint(const std::string& dir) {
  return absl::FailedPreconditionError("an in-memory store has no files to checkpoint");
}

void MemStore::FailWrites(int count) {
  absl::MutexLock lock(&mu_);
  fail_writes_ = count;
}

int MemStore::writes() const {
  absl::MutexLock lock(&mu_);
  return writes_;
}

}  // namespace timebank::storage
