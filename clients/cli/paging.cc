// Walking a List RPC's pages: see paging.h.
#include "clients/cli/paging.h"

#include <algorithm>
#include <utility>

namespace timebank::cli {

std::string ReadPages(
    int limit_items,
    absl::FunctionRef<PageRead(int page_size, const std::string& page_token)> read_page) {
  int items_read = 0;
  std::string page_token;
  while (true) {
    const int page_size =
        limit_items > 0 ? std::min(kPageSizeMax, limit_items - items_read) : kPageSizeMax;
    PageRead page = read_page(page_size, page_token);
    items_read += page.items;
    if (page.next_page_token.empty() || (limit_items > 0 && items_read >= limit_items)) {
      return std::move(page.next_page_token);
    }
    page_token = std::move(page.next_page_token);
  }
}

}  // namespace timebank::cli
