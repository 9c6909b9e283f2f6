// The headers nearly every test program includes, precompiled once per build and reused
// by every timebank_test target (tests/CMakeLists.txt): parsing gRPC, protobuf, gtest
// and the generated service headers took about a third of each test's compile time.
// Only headers that never change with the code under test belong here.
#ifndef TIMEBANK_TESTS_COMMON_TEST_PCH_H_
#define TIMEBANK_TESTS_COMMON_TEST_PCH_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "timebank/activity/v1/activity.grpc.pb.h"
#include "timebank/directory/v1/directory.grpc.pb.h"
#include "timebank/expenses/v1/expenses.grpc.pb.h"
#include "timebank/ledger/v1/ledger.grpc.pb.h"
#include "timebank/rewards/v1/rewards.grpc.pb.h"

#endif  // TIMEBANK_TESTS_COMMON_TEST_PCH_H_
