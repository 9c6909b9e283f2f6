#include "services/ledger/ledger_reader.h"

#include <algorithm>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "services/ledger/effects.h"
#include "services/ledger/journal_codec.h"
#include "services/ledger/ledger_schema.h"
#include "storage/check.h"

namespace timebank::ledger {
namespace {

using storage::DecodeU64;

// The journal stores recorded_at at a fixed offset: version u8, type u8, seq u64.
constexpr size_t kRecordedAtOffset = 10;

bool Touches(const Transfer& t, std::string_view account_id) {
  return t.debit_account_id == account_id || t.credit_account_id == account_id;
}

}  // namespace

absl::StatusOr<uint64_t> LedgerReader::ReadCursor(const char* key, const storage::Snapshot* snap) {
  std::string value;
  TB_ASSIGN_OR_RETURN(bool found, store_->Get(schema::kIndex, key, &value, snap));
  if (!found) return 0;
  if (value.size() != 8) return absl::DataLossError("corrupt projection cursor");
  return DecodeU64(value.data());
}

absl::StatusOr<uint64_t> LedgerReader::Cursor(const storage::Snapshot* snap) {
  return ReadCursor(schema::kCursorKey, snap);
}

absl::StatusOr<uint64_t> LedgerReader::BalancesCursor(const storage::Snapshot* snap) {
  return ReadCursor(schema::kBalancesCursorKey, snap);
}

absl::StatusOr<std::optional<StoredTransfer>> LedgerReader::Find(std::string_view id) {
  TB_ASSIGN_OR_RETURN(Resolved r, Resolve({std::string(id)}, {}, nullptr));
  return std::move(r[0]);
}

absl::StatusOr<LedgerReader::Resolved> LedgerReader::Resolve(const std::vector<std::string>& ids,
                                                             const std::vector<JournalEntry>& gap,
                                                             const storage::Snapshot* snap) {
  Resolved out(ids.size());
  absl::flat_hash_map<std::string_view, size_t> where;
  std::string value;
  for (size_t i = 0; i < ids.size(); ++i) {
    where.emplace(ids[i], i);
    TB_ASSIGN_OR_RETURN(
        bool found,
        store_->Get(schema::kIndex, storage::KeyStr(schema::kRecordTag, ids[i]), &value, snap));
    if (!found) continue;
    TB_ASSIGN_OR_RETURN(TransferRecord record, DecodeRecord(value));
    TB_ASSIGN_OR_RETURN(
        found, store_->Get(schema::kJournal, schema::JournalKey(record.seq), &value, snap));
    if (!found) {
      return absl::DataLossError(
          absl::StrCat("transfer '", ids[i], "' points at missing journal entry ", record.seq));
    }
    TB_ASSIGN_OR_RETURN(JournalEntry entry, DecodeStoredEntry(value));
    TB_RETURN_IF_ERROR(JoinTexts(&entry, snap));
    out[i] = StoredTransfer{std::move(entry.transfer), record};
  }
  // Entries past the index cursor may create or change the records asked for.
  for (const JournalEntry& e : gap) {
    if (e.type != EntryType::kTransfer) continue;
    RecordChange changes[2];
    const int n = RecordChangesOf(e.transfer, changes);
    for (int c = 0; c < n; ++c) {
      auto it = where.find(changes[c].id);
      if (it == where.end()) continue;
      std::optional<StoredTransfer>& slot = out[it->second];
      if (changes[c].op == RecordChange::Op::kCreate) {
        slot = StoredTransfer{e.transfer, {}};
      }
      TB_CHECK(slot.has_value());
      ApplyRecordChange(changes[c], e.seq, &slot->record);
    }
  }
  return out;
}

absl::Status LedgerReader::JoinTexts(JournalEntry* e, const storage::Snapshot* snap) {
  if (e->type != EntryType::kTransfer || e->transfer.text_digest == storage::Hash256{}) {
    return absl::OkStatus();
  }
  std::string record;
  TB_ASSIGN_OR_RETURN(bool found,
                      store_->Get(schema::kTexts, schema::JournalKey(e->seq), &record, snap));
  if (!found) {
    e->transfer.text_erased = true;
    return absl::OkStatus();
  }
  return DecodeTexts(record, &e->transfer);
}

absl::StatusOr<std::vector<JournalEntry>> LedgerReader::ReadJournal(uint64_t from_seq,
                                                                    size_t max_entries,
                                                                    const storage::Snapshot* snap,
                                                                    bool with_texts) {
  std::vector<JournalEntry> out;
  auto it = store_->NewIterator(schema::kJournal, snap);
  uint64_t expected = std::max<uint64_t>(from_seq, 1);
  for (it->Seek(schema::JournalKey(expected)); it->Valid() && out.size() < max_entries;
       it->Next()) {
    TB_ASSIGN_OR_RETURN(JournalEntry e, DecodeStoredEntry(it->value()));
    if (it->key().size() != 8 || DecodeU64(it->key().data()) != expected || e.seq != expected) {
      return absl::DataLossError(
          absl::StrCat("journal has a gap or misplaced entry at seq ", expected));
    }
    if (with_texts) TB_RETURN_IF_ERROR(JoinTexts(&e, snap));
    out.push_back(std::move(e));
    ++expected;
  }
  TB_RETURN_IF_ERROR(it->status());
  return out;
}

absl::StatusOr<std::vector<std::optional<StoredTransfer>>> LedgerReader::GetTransfers(
    const std::vector<std::string>& ids) {
  auto snap = store_->GetSnapshot();
  TB_ASSIGN_OR_RETURN(uint64_t cursor, Cursor(snap.get()));
  TB_ASSIGN_OR_RETURN(std::vector<JournalEntry> gap,
                      ReadJournal(cursor + 1, std::numeric_limits<size_t>::max(), snap.get()));
  return Resolve(ids, gap, snap.get());
}

absl::StatusOr<uint64_t> LedgerReader::FirstSeqAtOrAfter(int64_t ns,
                                                         const storage::Snapshot* snap) {
  auto it = store_->NewIterator(schema::kJournal, snap);
  it->SeekToLast();
  TB_RETURN_IF_ERROR(it->status());
  if (!it->Valid()) return 1;
  uint64_t lo = 1, hi = DecodeU64(it->key().data()) + 1;  // answer in [lo, hi]
  std::string value;
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    TB_ASSIGN_OR_RETURN(bool found,
                        store_->Get(schema::kJournal, schema::JournalKey(mid), &value, snap));
    if (!found || value.size() < kRecordedAtOffset + 8) {
      return absl::DataLossError(absl::StrCat("journal entry ", mid, " is missing or short"));
    }
    if (storage::DecodeI64(value.data() + kRecordedAtOffset) >= ns) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

absl::StatusOr<StatementPage> LedgerReader::ListTransfers(const StatementQuery& q) {
  TB_CHECK(q.page_size > 0 && q.page_size <= kMaxPageSize);
  auto snap = store_->GetSnapshot();
  TB_ASSIGN_OR_RETURN(uint64_t cursor, Cursor(snap.get()));
  TB_ASSIGN_OR_RETURN(std::vector<JournalEntry> gap,
                      ReadJournal(cursor + 1, std::numeric_limits<size_t>::max(), snap.get()));

  // Inclusive seq bounds from the time range and the page position.
  uint64_t lo = 1, hi = std::numeric_limits<uint64_t>::max();
  if (q.start_ns != 0) {
    TB_ASSIGN_OR_RETURN(lo, FirstSeqAtOrAfter(q.start_ns, snap.get()));
  }
  if (q.end_ns != 0) {
    TB_ASSIGN_OR_RETURN(uint64_t end, FirstSeqAtOrAfter(q.end_ns, snap.get()));
    hi = end - 1;
  }
  if (q.after_seq != 0) {
    if (q.oldest_first) {
      lo = std::max(lo, q.after_seq + 1);
    } else {
      hi = std::min(hi, q.after_seq - 1);
    }
  }

  // The statement's entries in order; every one belongs (the bounds and the account
  // are checked before a visit), so no scan budget is needed.
  PageBuilder<uint64_t> seqs(q.page_size, std::numeric_limits<size_t>::max());
  auto take = [&](uint64_t seq) {
    if (seqs.Visit(seq)) seqs.Add(seq);
  };
  auto from_gap = [&](bool ascending) {
    auto visit = [&](const JournalEntry& e) {
      if (!seqs.done() && e.type == EntryType::kTransfer && e.seq >= lo && e.seq <= hi &&
          Touches(e.transfer, q.account_id)) {
        take(e.seq);
      }
    };
    if (ascending) {
      std::for_each(gap.begin(), gap.end(), visit);
    } else {
      std::for_each(gap.rbegin(), gap.rend(), visit);
    }
  };
  auto from_index = [&](bool ascending) -> absl::Status {
    const uint64_t index_hi = std::min(hi, cursor);
    if (lo > index_hi) return absl::OkStatus();
    auto it = store_->NewIterator(schema::kIndex, snap.get());
    const std::string prefix = storage::KeyU64(schema::kStatementTag, q.account_number);
    if (ascending) {
      it->Seek(storage::KeyU64U64(schema::kStatementTag, q.account_number, lo));
    } else {
      it->SeekForPrev(storage::KeyU64U64(schema::kStatementTag, q.account_number, index_hi));
    }
    for (; it->Valid() && !seqs.done(); ascending ? it->Next() : it->Prev()) {
      std::string_view k = it->key();
      if (k.size() != 17 || k.substr(0, 9) != prefix) break;
      const uint64_t seq = DecodeU64(k.data() + 9);
      if (seq < lo || seq > index_hi) break;
      take(seq);
    }
    return it->status();
  };
  if (q.oldest_first) {
    TB_RETURN_IF_ERROR(from_index(true));
    from_gap(true);
  } else {
    from_gap(false);
    TB_RETURN_IF_ERROR(from_index(false));
  }

  Page<uint64_t> found = std::move(seqs).Finish();
  StatementPage page;
  page.next_after = found.next_after;
  std::vector<std::string> ids;
  ids.reserve(found.items.size());
  std::string value;
  for (uint64_t seq : found.items) {
    if (seq > cursor) {
      ids.push_back(gap[seq - cursor - 1].transfer.id);
      continue;
    }
    TB_ASSIGN_OR_RETURN(bool found,
                        store_->Get(schema::kJournal, schema::JournalKey(seq), &value, snap.get()));
    if (!found) return absl::DataLossError(absl::StrCat("journal entry ", seq, " is missing"));
    TB_ASSIGN_OR_RETURN(JournalEntry e, DecodeStoredEntry(value));
    ids.push_back(std::move(e.transfer.id));
  }
  TB_ASSIGN_OR_RETURN(Resolved resolved, Resolve(ids, gap, snap.get()));
  for (auto& r : resolved) {
    TB_CHECK(r.has_value());
    page.items.push_back(std::move(*r));
  }
  return page;
}

absl::StatusOr<VerifyResult> LedgerReader::Verify(const std::function<void(uint64_t)>& progress) {
  auto snap = store_->GetSnapshot();
  auto it = store_->NewIterator(schema::kJournal, snap.get());
  VerifyResult r;
  storage::Hash256 prev = storage::kGenesisHash;
  int64_t last_ns = std::numeric_limits<int64_t>::min();
  uint64_t expected = 1;
  auto fail = [&](std::string message) {
    r.ok = false;
    r.first_bad_seq = expected;
    r.message = std::move(message);
  };
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++expected) {
    if (it->key().size() != 8 || DecodeU64(it->key().data()) != expected) {
      fail(absl::StrCat("entry ", expected, " is missing (sequence gap)"));
      break;
    }
    absl::StatusOr<JournalEntry> e = DecodeStoredEntry(it->value());
    if (!e.ok()) {
      fail(absl::StrCat("entry ", expected, " cannot be decoded: ", e.status().message()));
      break;
    }
    if (e->seq != expected) {
      fail(absl::StrCat("entry ", expected, " claims seq ", e->seq));
      break;
    }
    if (e->recorded_at_ns <= last_ns) {
      fail(absl::StrCat("entry ", expected, " is not later than the one before it"));
      break;
    }
    const storage::Hash256 h = storage::ChainHash(prev, CanonicalPart(it->value()));
    if (h != e->hash) {
      fail(absl::StrCat("entry ", expected,
                        " does not match its hash: it or an earlier "
                        "entry was altered"));
      break;
    }
    if (e->type == EntryType::kTransfer && e->transfer.text_digest != storage::Hash256{}) {
      // The chain covers the digest; where the text is still held, it must match it.
      std::string record;
      TB_ASSIGN_OR_RETURN(bool held, store_->Get(schema::kTexts, schema::JournalKey(expected),
                                                 &record, snap.get()));
      if (!held) {
        ++r.texts_erased;
      } else if (absl::Status t = DecodeTexts(record, &e->transfer); !t.ok()) {
        fail(absl::StrCat("the texts of entry ", expected,
                          " do not match the digest in the journal: they were altered"));
        break;
      } else {
        ++r.texts_verified;
      }
    }
    prev = h;
    last_ns = e->recorded_at_ns;
    r.entries_checked = expected;
    r.head_seq = expected;
    r.head_hash = h;
    if (progress && expected % 65536 == 0) progress(expected);
  }
  TB_RETURN_IF_ERROR(it->status());
  return r;
}

}  // namespace timebank::ledger
