// Always-on invariant checks and Status plumbing. A failed TB_CHECK means the program's
// own state is wrong (never bad input): it prints where and aborts, because carrying
// on could write a wrong balance to disk.
#ifndef TIMEBANK_STORAGE_CHECK_H_
#define TIMEBANK_STORAGE_CHECK_H_

#include <cstdio>
#include <cstdlib>

#include "absl/status/status.h"

#define TB_CHECK(cond)                                                                      \
  do {                                                                                      \
    if (!(cond)) [[unlikely]] {                                                             \
      std::fprintf(stderr, "invariant violated: %s at %s:%d\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                         \
    }                                                                                       \
  } while (0)

#define TB_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::absl::Status _tb_status = (expr);      \
    if (!_tb_status.ok()) return _tb_status; \
  } while (0)

#define TB_CONCAT_INNER(a, b) a##b
#define TB_CONCAT(a, b) TB_CONCAT_INNER(a, b)
#define TB_ASSIGN_OR_RETURN(lhs, expr) \
  TB_ASSIGN_OR_RETURN_IMPL(TB_CONCAT(_tb_statusor_, __LINE__), lhs, expr)
#define TB_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()

#endif  // TIMEBANK_STORAGE_CHECK_H_
