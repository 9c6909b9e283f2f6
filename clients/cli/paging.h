// Walking a List RPC's pages from tbctl: every list command asks for pages of at most
// kPageSizeMax items and follows next_page_token until it has --limit items or the
// server has no more. The RPC itself (request, stub, where the items go) stays with
// the command, behind a callback, so this loop is written once.
#ifndef TIMEBANK_CLIENTS_CLI_PAGING_H_
#define TIMEBANK_CLIENTS_CLI_PAGING_H_

#include <string>

#include "absl/functional/function_ref.h"

namespace timebank::cli {

// The most items tbctl asks for in one page.
inline constexpr int kPageSizeMax = 1000;

// What one page brought: how many items it held, and the token of the page after it
// ("" when it was the last).
struct PageRead {
  int items = 0;
  std::string next_page_token;
};

// Calls `read_page(page_size, page_token)` for the first page (token "") and each
// page after it, asking for at most kPageSizeMax items and never for more than are
// still wanted, until `limit_items` have been read (0: no limit) or a page has no
// next_page_token. Returns the token where it stopped: "" when everything was read,
// otherwise there are more items than the limit let it read.
std::string ReadPages(
    int limit_items,
    absl::FunctionRef<PageRead(int page_size, const std::string& page_token)> read_page);

}  // namespace timebank::cli

#endif  // TIMEBANK_CLIENTS_CLI_PAGING_H_
