#include "services/common/grpc_util.h"

#include "absl/strings/str_cat.h"

namespace timebank {

grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

absl::Status FromGrpc(const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
}

absl::Status CheckTimestamp(const google::protobuf::Timestamp& ts, const std::string& field) {
  // Years 1970..2200 keep nanoseconds within int64 and reject nonsense.
  constexpr int64_t kMaxSeconds = int64_t{7'258'118'400};
  if (ts.seconds() < 0 || ts.seconds() > kMaxSeconds || ts.nanos() < 0 ||
      ts.nanos() > 999'999'999) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must be a time between 1970 and 2200"));
  }
  return absl::OkStatus();
}

}  // namespace timebank
