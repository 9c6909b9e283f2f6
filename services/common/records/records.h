// The record kit: the small record layer every service's domain core is built on, so
// no service carries its own copy. Plain C++ over storage/ (no gRPC). It holds:
//  - record_key.h: Key, a record key built field by field under one tag;
//  - record_tx.h: Tx (one synced batch with read-your-writes and after-commit work),
//    Reader/StoreReader, typed ReadRecord/LoadRecord/ParseRecord, Seal/EtagOf/CheckEtag;
//  - idempotent_create.h: RequestKey, RecordRefs, IdempotentCreate;
//  - bounded_text.h: BoundedText, FieldError, CheckRequestId;
//  and for work another service must be told about, storage/outbox.h (an entry staged in
//  the same Tx as the change), services/common/ledger_poster.h (posting it in calls the
//  ledger accepts) and services/common/outbox_pump.h (the thread that drains it).
//
// How a service defines its records (services/activity/activity_records.* is the model):
//  1. One header lists the store's tags, each with its layout in a comment
//     ('A': u64 community, u64 id -> Activity), and one key builder per tag made with
//     Key: `std::string ActivityKey(uint64_t c, uint64_t id)`. Keys are built nowhere
//     else. Changing a layout changes the on-disk format: never do it in place.
//  2. One small class owns the records of an aggregate: Load (LoadRecord with the
//     service's "does not exist" message), Save (Seal, or SealCovering when the etag
//     leaves progress fields out, then tx.Put under its key with its index entries).
//     Both take a Reader, so checks inside a change read through the Tx and see what
//     the change already staged.
//  3. Every mutation: validate the request first (BoundedText constants built from
//     TextLimits, FieldError, CheckRequestId); call peers; then take the service's
//     write mutex, open one Tx, check again what the store says (etags with
//     CheckEtag: ABORTED when stale), stage the records, outbox entries and events,
//     Commit. Never call another service while holding the write mutex: do it before
//     (and re-check under the lock) or after, or leave it to the outbox.
//  4. Creates that take a request_id go through IdempotentCreate with the service's
//     existing RequestKey parts and remembered format, so a retry returns the first
//     answer and writes nothing.
//  5. Work done once the change is durable (waking watchers, putting revocations in
//     force) is registered with Tx::OnCommit.
#ifndef TIMEBANK_SERVICES_COMMON_RECORDS_RECORDS_H_
#define TIMEBANK_SERVICES_COMMON_RECORDS_RECORDS_H_

#include "services/common/records/bounded_text.h"
#include "services/common/records/idempotent_create.h"
#include "services/common/records/record_key.h"
#include "services/common/records/record_tx.h"

#endif  // TIMEBANK_SERVICES_COMMON_RECORDS_RECORDS_H_
