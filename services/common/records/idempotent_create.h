// Idempotent creates for the record kit (services/common/records/records.h): a create
// that carries a request_id remembers its first answer under a request key, in the
// same batch as the records it creates; a retry of it (the same operation, caller and
// request_id) gets that first answer back and writes nothing. The request key and what
// is remembered are each service's existing stored format: the key is the request tag
// then "<operation>:<scope...>:<request_id>"; the remembered value is whatever the
// service stores there (RecordRefs for most).
#ifndef TIMEBANK_SERVICES_COMMON_RECORDS_IDEMPOTENT_CREATE_H_
#define TIMEBANK_SERVICES_COMMON_RECORDS_IDEMPOTENT_CREATE_H_

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "services/common/records/record_tx.h"

namespace timebank::records {

// Where a request's first answer is remembered: `tag` + "<part>:<part>:...:<request_id>"
// ("" when request_id is empty: the request asked for no idempotency). The parts name
// the operation and whose request it is, so the same request_id sent by another caller
// or for another operation is another request.
std::string RequestKey(char tag, std::initializer_list<absl::AlphaNum> parts,
                       std::string_view request_id);

// References to records (scope, id), stored as u64 pairs: the answer most creates
// remember.
using RecordRef = std::pair<uint64_t, uint64_t>;
std::string EncodeRefs(const std::vector<RecordRef>& refs);
std::vector<RecordRef> DecodeRefs(std::string_view stored);

// What the request key holds, if the request was seen (in `from`: a transaction sees
// its own writes). nullopt for an empty key.
absl::StatusOr<std::optional<std::string>> Remembered(const Reader& from,
                                                      const std::string& request_key);

// What a create made: its answer, and what to remember under the request key.
template <class Answer>
struct Created {
  Answer answer;
  std::string remembered;
};

// Runs a create at most once per request key, inside `tx`:
//  - the key was seen: `replay(remembered)` rebuilds the first answer; `create` is not
//    run and `tx` is left as it was, so committing it writes nothing;
//  - otherwise `create(tx)` stages the records and returns the answer and what to
//    remember, which is staged under the key in the same batch (not for an empty key).
// The caller commits `tx`, under the write lock it held while calling this.
template <class Answer>
absl::StatusOr<Answer> IdempotentCreate(
    Tx& tx, const std::string& request_key,
    absl::FunctionRef<absl::StatusOr<Answer>(std::string_view remembered)> replay,
    absl::FunctionRef<absl::StatusOr<Created<Answer>>(Tx& tx)> create) {
  absl::StatusOr<std::optional<std::string>> prior = Remembered(tx, request_key);
  if (!prior.ok()) return prior.status();
  if (prior->has_value()) return replay(**prior);
  absl::StatusOr<Created<Answer>> made = create(tx);
  if (!made.ok()) return made.status();
  if (!request_key.empty()) tx.Put(request_key, made->remembered);
  return std::move(made->answer);
}

}  // namespace timebank::records

#endif  // TIMEBANK_SERVICES_COMMON_RECORDS_IDEMPOTENT_CREATE_H_
