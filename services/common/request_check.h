// RequestCheck is the generic edge validation every request of every RPC passes
// before a handler sees it (the access interceptor applies it and records a refusal
// as the call's decision, so no handler can forget it): every enum field, singular,
// repeated, nested, in a oneof or a map value, holds a value its enum declares; every
// google.protobuf.Timestamp has nanos in 0..999,999,999 and seconds within
// 0001-01-01..9999-12-31 UTC; every google.protobuf.Duration is within +-10,000 years
// with nanos of the same sign as seconds (the well-known types' own rules). A refusal
// is INVALID_ARGUMENT naming the field's path ("contributions[2].coproduction_type",
// "occurred_at.nanos").
//
// What a message type needs checked is worked out once per type and kept, so a
// request whose type has no enum or time anywhere costs nothing, and the others visit
// only the fields that can hold a bad value. Rules the shape cannot tell (an enum
// that must not be UNSPECIFIED, a time that is required or must be in the past) stay
// with each service.
#ifndef TIMEBANK_SERVICES_COMMON_REQUEST_CHECK_H_
#define TIMEBANK_SERVICES_COMMON_REQUEST_CHECK_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace timebank {

// The well-known types' ranges (google/protobuf/timestamp.proto, duration.proto).
inline constexpr int64_t kMinTimestampSeconds = -62'135'596'800;  // 0001-01-01T00:00:00Z
inline constexpr int64_t kMaxTimestampSeconds = 253'402'300'799;  // 9999-12-31T23:59:59Z
inline constexpr int64_t kMaxDurationSeconds = 315'576'000'000;   // 10,000 years
inline constexpr int32_t kMaxNanos = 999'999'999;

class RequestCheck {
 public:
  // The check for messages of `type`, built on first use and kept for the life of the
  // program (thread-safe).
  static const RequestCheck* For(const google::protobuf::Descriptor* type);

  // OK, or INVALID_ARGUMENT naming the first bad field and what it may hold.
  absl::Status Check(const google::protobuf::Message& message) const;

  // True when no field of the type, however deep, can hold a bad value.
  bool empty() const { return rules_.empty(); }

 private:
  enum class Kind : uint8_t { kEnum, kTimestamp, kDuration, kMessage };
  struct Rule {
    const google::protobuf::FieldDescriptor* field = nullptr;
    Kind kind = Kind::kMessage;
    // kEnum: declared values are [enum_min, enum_max], all of them when dense.
    const google::protobuf::EnumDescriptor* enum_type = nullptr;
    int enum_min = 0;
    int enum_max = 0;
    bool enum_dense = false;
    // kTimestamp, kDuration: the seconds and nanos fields.
    const google::protobuf::FieldDescriptor* seconds = nullptr;
    const google::protobuf::FieldDescriptor* nanos = nullptr;
    // kMessage: the nested type's check (for map fields, the entry's).
    const RequestCheck* nested = nullptr;
  };
  class Builder;

  RequestCheck() = default;
  // True when a bad value was found: *path is its path inside `message` and
  // *problem what it may hold.
  bool FindBad(const google::protobuf::Message& message, std::string* path,
               std::string* problem) const;
  static bool BadEnum(const Rule& rule, int value, std::string* problem);
  static bool BadTime(const Rule& rule, const google::protobuf::Message& time, std::string* path,
                      std::string* problem);

  std::vector<Rule> rules_;
};

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_COMMON_REQUEST_CHECK_H_
