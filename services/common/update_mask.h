// Partial updates (Google AIP-134), one rule for every Update RPC: a request changes
// only the fields its `update_mask` names, so leaving a field out never resets it (a
// safeguard is switched off only by naming it). Paths are relative to the resource
// ("second_approval_above_minor", "consent.appear_in_directory"). An empty mask means
// the fields the request sets to a non-default value; "*" means every field the
// caller may change. Plain protobuf, no gRPC.
#ifndef TIMEBANK_SERVICES_COMMON_UPDATE_MASK_H_
#define TIMEBANK_SERVICES_COMMON_UPDATE_MASK_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"

namespace timebank {

// Copies into `target` the fields of `patch` that `mask` names, among `updatable`
// (a named field `patch` leaves empty is cleared in `target`). INVALID_ARGUMENT
// naming "update_mask" and the path for a path that is not updatable, or named twice.
absl::Status ApplyUpdateMask(const google::protobuf::Message& patch,
                             const google::protobuf::FieldMask& mask,
                             const std::vector<std::string>& updatable,
                             google::protobuf::Message* target);

// The mask naming every updatable field ("*"): a whole replacement.
google::protobuf::FieldMask FullUpdateMask();

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_COMMON_UPDATE_MASK_H_
