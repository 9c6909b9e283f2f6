// SplitStore: one KvStore made of several stores ("parts"), each column family
// living in exactly one part. Families with independent write paths go into
// separate parts: a journal synced on every commit and an index rebuilt from it
// and written without a log. RocksDB runs all writes to one database through one
// queue, so in a single database the journal's small synced commits waited behind
// the index's large batches; as separate databases neither waits for the other.
//
// A write batch may touch the families of one part only (atomicity across parts is
// not offered; Write refuses such a batch and writes nothing). A snapshot holds one
// snapshot per part and a checkpoint one copy per part (each in its own
// subdirectory), both taken from the last part to the first: list a store derived
// from another after it, and neither ever shows derived data newer than its source.
#ifndef TIMEBANK_STORAGE_SPLIT_STORE_H_
#define TIMEBANK_STORAGE_SPLIT_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "storage/kv_store.h"

namespace timebank::storage {

struct SplitPart {
  std::string name;  // its subdirectory in a checkpoint
  std::unique_ptr<KvStore> store;
  // The split store's family numbers this part holds, in the part's own order:
  // families[i] is the part's family i.
  std::vector<ColumnFamily> families;
};

// Every family 0..n-1 must be held by exactly one part (checked).
std::unique_ptr<KvStore> NewSplitStore(std::vector<SplitPart> parts);

}  // namespace timebank::storage

#endif  // TIMEBANK_STORAGE_SPLIT_STORE_H_
