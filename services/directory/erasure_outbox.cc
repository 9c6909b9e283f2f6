#include "services/directory/erasure_outbox.h"

#include <cstdio>
#include <string>

#include "absl/strings/match.h"
#include "services/common/records/record_key.h"
#include "services/directory/directory_schema.h"
#include "storage/absl_compat.h"
#include "storage/check.h"

namespace timebank::directory {
namespace {

constexpr size_t kKeyBytes = 1 + 8 + 8 + 1;

// u64 community, u64 member, u8 target -> "" (what is left to erase).
std::string ErasureKey(uint64_t c, uint64_t m, ErasureTarget t) {
  const char target = static_cast<char>(t);
  return records::Key(schema::kErasureOutbox).U64(c).U64(m).Bytes({&target, 1}).str();
}

}  // namespace

const char* ErasureTargetName(ErasureTarget t) {
  switch (t) {
    case ErasureTarget::kDirectory:
      return "directory";
    case ErasureTarget::kLedger:
      return "ledger";
    case ErasureTarget::kActivity:
      return "activity";
    case ErasureTarget::kExpenses:
      return "expenses";
    case ErasureTarget::kRewards:
      return "rewards";
  }
  return "?";
}

void ErasureOutbox::Add(storage::RecordTx& tx, uint64_t c, uint64_t m) const {
  if (targets_ != nullptr) {
    for (ErasureTarget t : targets_->Targets()) tx.Put(ErasureKey(c, m, t), "");
  }
  tx.Put(ErasureKey(c, m, ErasureTarget::kDirectory), "");
}

ErasureOutbox::Drained ErasureOutbox::Drain() {
  absl::MutexLock lock(&drain_mu_);
  struct Entry {
    uint64_t c, m;
    ErasureTarget target;
    std::string key;
  };
  std::vector<Entry> entries;
  Drained out;
  {
    const std::string prefix(1, schema::kErasureOutbox);
    auto it = store_->NewIterator(cf_);
    for (it->Seek(prefix); it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix); it->Next()) {
      TB_CHECK(it->key().size() == kKeyBytes);
      if (entries.size() == kMaxEntriesPerDrain) {
        ++out.waiting;
        continue;
      }
      const std::string_view k(it->key().data(), it->key().size());
      entries.push_back({records::U64At(k, 1), records::U64At(k, 9),
                         static_cast<ErasureTarget>(static_cast<uint8_t>(k[17])), std::string(k)});
    }
    if (!it->status().ok()) return {{}, entries.size() + out.waiting};
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    const absl::Status s =
        e.target == ErasureTarget::kDirectory
            ? store_->Purge(cf_)
            : (targets_ != nullptr ? targets_->Erase(e.target, e.c, e.m) : absl::OkStatus());
    if (!s.ok()) {
      std::fprintf(stderr,
                   "directory: the erasure of member %llu of community %llu waits for %s: %s\n",
                   static_cast<unsigned long long>(e.m), static_cast<unsigned long long>(e.c),
                   ErasureTargetName(e.target), std::string(s.message()).c_str());
      ++out.waiting;
      continue;
    }
    auto batch = store_->NewBatch();
    batch->Delete(cf_, e.key);
    if (!store_->Write(batch.get(), {.sync = true}).ok()) {
      ++out.waiting;  // erasing again is harmless
      continue;
    }
    // Complete when no entry of this member is left (entries of one member are adjacent).
    const bool last_here =
        i + 1 == entries.size() || entries[i + 1].c != e.c || entries[i + 1].m != e.m;
    if (last_here) {
      const std::string member_prefix =
          records::Key(schema::kErasureOutbox).U64(e.c).U64(e.m).str();
      auto it = store_->NewIterator(cf_);
      it->Seek(member_prefix);
      if (it->status().ok() &&
          !(it->Valid() && absl::StartsWith(AsAbsl(it->key()), member_prefix))) {
        out.completed.emplace_back(e.c, e.m);
      }
    }
  }
  return out;
}

}  // namespace timebank::directory
