#include "storage/split_store.h"

#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "storage/check.h"

namespace timebank::storage {
namespace {

struct Route {
  size_t part;
  ColumnFamily family;  // the part's own number
};

class SplitBatch final : public WriteBatch {
 public:
  SplitBatch(std::vector<std::unique_ptr<WriteBatch>> batches, const std::vector<Route>* routes)
      : batches_(std::move(batches)), routes_(routes) {}

  void Put(ColumnFamily cf, std::string_view key, std::string_view value) override {
    const Route& r = routes_->at(static_cast<size_t>(cf));
    batches_[r.part]->Put(r.family, key, value);
  }
  void Delete(ColumnFamily cf, std::string_view key) override {
    const Route& r = routes_->at(static_cast<size_t>(cf));
    batches_[r.part]->Delete(r.family, key);
  }
  void SetSavePoint() override {
    for (auto& b : batches_) b->SetSavePoint();
  }
  void RollbackToSavePoint() override {
    for (auto& b : batches_) b->RollbackToSavePoint();
  }
  void PopSavePoint() override {
    for (auto& b : batches_) b->PopSavePoint();
  }
  size_t Count() const override {
    size_t n = 0;
    for (const auto& b : batches_) n += b->Count();
    return n;
  }
  void Clear() override {
    for (auto& b : batches_) b->Clear();
  }

  const std::vector<std::unique_ptr<WriteBatch>>& batches() const { return batches_; }

 private:
  std::vector<std::unique_ptr<WriteBatch>> batches_;  // one per part
  const std::vector<Route>* routes_;
};

class SplitSnapshot final : public Snapshot {
 public:
  explicit SplitSnapshot(std::vector<std::shared_ptr<const Snapshot>> parts)
      : parts_(std::move(parts)) {}
  const Snapshot* part(size_t i) const { return parts_[i].get(); }

 private:
  std::vector<std::shared_ptr<const Snapshot>> parts_;
};

class SplitStore final : public KvStore {
 public:
  SplitStore(std::vector<SplitPart> parts, std::vector<Route> routes)
      : parts_(std::move(parts)), routes_(std::move(routes)) {}

  std::unique_ptr<WriteBatch> NewBatch() override {
    std::vector<std::unique_ptr<WriteBatch>> batches;
    for (auto& p : parts_) batches.push_back(p.store->NewBatch());
    return std::make_unique<SplitBatch>(std::move(batches), &routes_);
  }

  absl::Status Write(WriteBatch* batch, const WriteOptions& options) override {
    auto* split = dynamic_cast<SplitBatch*>(batch);
    TB_CHECK(split != nullptr);
    const auto& batches = split->batches();
    size_t touched = parts_.size();
    for (size_t i = 0; i < batches.size(); ++i) {
      if (batches[i]->Count() == 0) continue;
      if (touched != parts_.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("one batch writes to both ", parts_[touched].name, " and ", parts_[i].name,
                         "; they are separate stores and cannot commit together"));
      }
      touched = i;
    }
    if (touched == parts_.size()) return absl::OkStatus();
    return parts_[touched].store->Write(batches[touched].get(), options);
  }

  absl::StatusOr<bool> Get(ColumnFamily cf, std::string_view key, std::string* value,
                           const Snapshot* snapshot) override {
    const Route& r = routes_.at(static_cast<size_t>(cf));
    return parts_[r.part].store->Get(r.family, key, value, PartOf(snapshot, r.part));
  }

  std::unique_ptr<Iterator> NewIterator(ColumnFamily cf, const Snapshot* snapshot) override {
    const Route& r = routes_.at(static_cast<size_t>(cf));
    return parts_[r.part].store->NewIterator(r.family, PartOf(snapshot, r.part));
  }

  std::shared_ptr<const Snapshot> GetSnapshot() override {
    // Last part first, like checkpoints: a derived part's view is never newer than
    // its source's (an index never names a journal entry the snapshot lacks).
    std::vector<std::shared_ptr<const Snapshot>> snaps(parts_.size());
    for (size_t i = parts_.size(); i-- > 0;) snaps[i] = parts_[i].store->GetSnapshot();
    return std::make_shared<SplitSnapshot>(std::move(snaps));
  }

  absl::Status Flush(ColumnFamily cf) override {
    const Route& r = routes_.at(static_cast<size_t>(cf));
    return parts_[r.part].store->Flush(r.family);
  }

  absl::Status Purge(ColumnFamily cf, std::string_view begin, std::string_view end) override {
    const Route& r = routes_.at(static_cast<size_t>(cf));
    return parts_[r.part].store->Purge(r.family, begin, end);
  }

  absl::Status Checkpoint(const std::string& dir) override {
    std::error_code ec;
    if (std::filesystem::exists(dir, ec)) {
      return absl::AlreadyExistsError(absl::StrCat("checkpoint directory ", dir, " exists"));
    }
    if (!std::filesystem::create_directories(dir, ec)) {
      return absl::InternalError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
    }
    for (size_t i = parts_.size(); i-- > 0;) {
      TB_RETURN_IF_ERROR(
          parts_[i].store->Checkpoint((std::filesystem::path(dir) / parts_[i].name).string()));
    }
    return absl::OkStatus();
  }

 private:
  static const Snapshot* PartOf(const Snapshot* snapshot, size_t part) {
    if (snapshot == nullptr) return nullptr;
    auto* split = dynamic_cast<const SplitSnapshot*>(snapshot);
    TB_CHECK(split != nullptr);
    return split->part(part);
  }

  std::vector<SplitPart> parts_;
  std::vector<Route> routes_;  // by the split store's family number
};

}  // namespace

std::unique_ptr<KvStore> NewSplitStore(std::vector<SplitPart> parts) {
  size_t families = 0;
  for (const auto& p : parts) families += p.families.size();
  std::vector<Route> routes(families, Route{parts.size(), -1});
  for (size_t i = 0; i < parts.size(); ++i) {
    TB_CHECK(parts[i].store != nullptr);
    TB_CHECK(!parts[i].name.empty());
    for (size_t local = 0; local < parts[i].families.size(); ++local) {
      const auto cf = static_cast<size_t>(parts[i].families[local]);
      TB_CHECK(cf < families);
      TB_CHECK(routes[cf].part == parts.size());  // held by one part only
      routes[cf] = Route{i, static_cast<ColumnFamily>(local)};
    }
  }
  return std::make_unique<SplitStore>(std::move(parts), std::move(routes));
}

}  // namespace timebank::storage
