// The reading and writing half of the record kit (services/common/records/records.h):
// where records are read from (the store, or a transaction that sees its own writes),
// one transaction type, and typed load and save of protobuf records with their etags.
#ifndef TIMEBANK_SERVICES_COMMON_RECORDS_RECORD_TX_H_
#define TIMEBANK_SERVICES_COMMON_RECORDS_RECORD_TX_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "storage/absl_compat.h"
#include "storage/kv_store.h"
#include "storage/record_tx.h"

namespace timebank::records {

// Somewhere records are read from: a store's column family, or a transaction (which
// answers with its own staged writes first).
class Reader {
 public:
  virtual ~Reader() = default;
  // True and fills *value when the key holds a value.
  virtual absl::StatusOr<bool> Get(std::string_view key, std::string* value) const = 0;
};

// The records of one column family of a store, as committed (or as of `snapshot`).
class StoreReader final : public Reader {
 public:
  StoreReader(storage::KvStore* store, storage::ColumnFamily cf,
              const storage::Snapshot* snapshot = nullptr)
      : store_(store), cf_(cf), snapshot_(snapshot) {}
  absl::StatusOr<bool> Get(std::string_view key, std::string* value) const override {
    return store_->Get(cf_, key, value, snapshot_);
  }

 private:
  storage::KvStore* const store_;
  const storage::ColumnFamily cf_;
  const storage::Snapshot* const snapshot_;
};

// One atomic, synced change (storage::RecordTx: staged puts and deletes, id counters,
// read-your-writes), plus work to do once it is durable (waking watchers, putting
// revocations in force). A transaction that changed nothing writes nothing.
class Tx final : public storage::RecordTx, public Reader {
 public:
  Tx(storage::KvStore* store, storage::ColumnFamily cf, char counter_tag)
      : RecordTx(store, cf, counter_tag) {}
  absl::StatusOr<bool> Get(std::string_view key, std::string* value) const override {
    return RecordTx::Get(key, value);
  }
  // Runs `done` after a successful Commit (in the order added); never on failure.
  void OnCommit(std::function<void()> done) { on_commit_.push_back(std::move(done)); }
  absl::Status Commit();

 private:
  std::vector<std::function<void()>> on_commit_;
};

// A record's etag: the first 8 bytes of the SHA-256 of what it covers (the record
// serialised with its etag cleared), in hex. The same function every service has
// always used, so etags already handed out stay valid.
std::string EtagOf(std::string_view covered_serialised);

// Sets `m`'s etag over the whole record and returns `m` serialised (what to store).
template <class Msg>
std::string Seal(Msg& m) {
  m.clear_etag();
  m.set_etag(EtagOf(m.SerializeAsString()));
  return m.SerializeAsString();
}

// Seal for records whose etag leaves some fields out (progress a person did not
// decide): `covered` is `m` with those fields cleared.
template <class Msg>
std::string SealCovering(Msg& m, Msg covered) {
  covered.clear_etag();
  m.set_etag(EtagOf(covered.SerializeAsString()));
  return m.SerializeAsString();
}

// Whether a record may be changed given the etag the caller read. ABORTED with
// `stale_message` when they differ (the convention of every service: the caller
// reads again and retries); kIfSent lets an empty etag through (a blind write).
enum class EtagCheck : uint8_t { kRequired, kIfSent };
absl::Status CheckEtag(std::string_view sent, std::string_view current,
                       std::string_view stale_message, EtagCheck check = EtagCheck::kRequired);

// Reads `key` as a Msg: nullopt when absent; DATA_LOSS "<what> is damaged" when it does
// not parse.
template <class Msg>
absl::StatusOr<std::optional<Msg>> ReadRecord(const Reader& from, std::string_view key,
                                              std::string_view what) {
  std::string v;
  absl::StatusOr<bool> found = from.Get(key, &v);
  if (!found.ok()) return found.status();
  if (!*found) return std::nullopt;
  Msg m;
  if (!m.ParseFromString(v)) return absl::DataLossError(absl::StrCat(AsAbsl(what), " is damaged"));
  return m;
}

// ReadRecord for a record that must exist: NOT_FOUND with `missing` when absent.
template <class Msg>
absl::StatusOr<Msg> LoadRecord(const Reader& from, std::string_view key, std::string_view what,
                               std::string_view missing) {
  absl::StatusOr<std::optional<Msg>> m = ReadRecord<Msg>(from, key, what);
  if (!m.ok()) return m.status();
  if (!m->has_value()) return absl::NotFoundError(AsAbsl(missing));
  return **std::move(m);
}

// Parses a value met while scanning (an iterator's value): DATA_LOSS "<what> is
// damaged" when it does not parse.
template <class Msg>
absl::StatusOr<Msg> ParseRecord(std::string_view value, std::string_view what) {
  Msg m;
  if (!m.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return absl::DataLossError(absl::StrCat(AsAbsl(what), " is damaged"));
  }
  return m;
}

}  // namespace timebank::records

#endif  // TIMEBANK_SERVICES_COMMON_RECORDS_RECORD_TX_H_
