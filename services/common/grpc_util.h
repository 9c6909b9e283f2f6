// Small bridges between absl and gRPC/protobuf types used by every service adapter.
#ifndef TIMEBANK_SERVICES_COMMON_GRPC_UTIL_H_
#define TIMEBANK_SERVICES_COMMON_GRPC_UTIL_H_

#include <google/protobuf/timestamp.pb.h>
#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/common/paging.h"
#include "services/common/timestamps.h"

namespace timebank {

grpc::Status ToGrpc(const absl::Status& s);
// Moves a result into the response, or maps its error.
template <class T>
grpc::Status Reply(absl::StatusOr<T> result, T* out) {
  if (!result.ok()) return ToGrpc(result.status());
  *out = std::move(*result);
  return grpc::Status::OK;
}
// Moves a page of messages into a List response: the items into `items` and the
// token of the next page (empty on the last). Every List adapter answers through it.
template <class Item, class Position, class Response>
grpc::Status ReplyPage(absl::StatusOr<Page<Item, Position>> page,
                       google::protobuf::RepeatedPtrField<Item>* items, Response* resp) {
  if (!page.ok()) return ToGrpc(page.status());
  resp->set_next_page_token(page->NextPageToken());
  items->Reserve(static_cast<int>(page->items.size()));
  for (Item& item : page->items) *items->Add() = std::move(item);
  return grpc::Status::OK;
}
absl::Status FromGrpc(const grpc::Status& s);

// INVALID_ARGUMENT naming `field` if the timestamp is out of range.
absl::Status CheckTimestamp(const google::protobuf::Timestamp& ts, const std::string& field);

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_COMMON_GRPC_UTIL_H_
