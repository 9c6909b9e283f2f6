// Unix nanoseconds to and from protobuf Timestamps: plain protobuf, no gRPC, so
// clients and service cores share it.
#ifndef TIMEBANK_SERVICES_COMMON_TIMESTAMPS_H_
#define TIMEBANK_SERVICES_COMMON_TIMESTAMPS_H_

#include <google/protobuf/timestamp.pb.h>

#include <cstdint>

namespace timebank {

void ToTimestamp(int64_t unix_ns, google::protobuf::Timestamp* ts);
// Nanoseconds since the epoch; 0 for an unset (all-zero) timestamp.
int64_t FromTimestamp(const google::protobuf::Timestamp& ts);

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_COMMON_TIMESTAMPS_H_
