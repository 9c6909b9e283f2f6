// AIP-158 paging shared by every List and Search method: page size bounds, opaque
// versioned page tokens (hex of a position the service chooses), and PageBuilder,
// the one place that decides whether another page exists and where it starts.
//
// The guarantee every list gives (docs/API.md "Paging"): walking the pages returns
// every item that existed when the walk began exactly once, every page but the last
// is full, and next_page_token is empty exactly on the last page. A position is the
// key the list is ordered by (an id, a sequence number, an index key), so items added
// during a walk never make an earlier item repeat or vanish.
#ifndef TIMEBANK_SERVICES_COMMON_PAGING_H_
#define TIMEBANK_SERVICES_COMMON_PAGING_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "storage/check.h"

namespace timebank {

inline constexpr size_t kMaxListPageSize = 1000;
inline constexpr size_t kDefaultListPageSize = 100;

// 0 -> default; 1..1000 -> itself; anything else INVALID_ARGUMENT on page_size.
absl::StatusOr<size_t> CheckPageSize(int page_size);

std::string EncodePageToken(std::string_view position);
// The position inside a token; "" for an empty token. INVALID_ARGUMENT on page_token
// when the token was not made by EncodePageToken.
absl::StatusOr<std::string> DecodePageToken(std::string_view token);

// A List request's page for lists ordered by a numeric position (an id, a sequence
// number, an index key): how many, and the position the previous page ended at (0 for
// the first page). Tokens come from Page<Item, uint64_t>::NextPageToken().
struct IdPage {
  size_t size = 0;
  uint64_t after_id = 0;
};
absl::StatusOr<IdPage> ReadIdPage(int page_size, std::string_view page_token);

// The same for lists ordered by a string key ("" for the first page).
struct KeyPage {
  size_t size = 0;
  std::string after_key;
};
absl::StatusOr<KeyPage> ReadKeyPage(int page_size, std::string_view page_token);

// One page of a list as a service core returns it: the items, and the position the
// next page starts after (nullopt on the last page).
template <class Item, class Position = uint64_t>
struct Page {
  std::vector<Item> items;
  std::optional<Position> next_after;

  // The next_page_token of a List response: "" on the last page.
  std::string NextPageToken() const {
    if (!next_after) return "";
    if constexpr (std::is_integral_v<Position>) {
      return EncodePageToken(absl::StrCat(*next_after));
    } else {
      return EncodePageToken(*next_after);
    }
  }
};

// PageBuilder gathers one page from a scan in list order. The scan calls Visit()
// with each entry's position before looking at it and stops when Visit() says so,
// and calls Add() for each visited entry that belongs to the list (filters may skip
// some). The page is complete once one more matching entry has been seen after it is
// full (so the token is empty exactly on the last page), or when the call has
// examined `scan_max` entries (so one call's work is bounded; the token then resumes
// after the last entry examined, and that page may be short).
template <class Item, class Position = uint64_t>
class PageBuilder {
 public:
  PageBuilder(size_t page_size, size_t scan_max) : page_size_(page_size), scan_max_(scan_max) {
    TB_CHECK(page_size_ > 0 && page_size_ <= kMaxListPageSize && scan_max_ > 0);
    page_.items.reserve(page_size_);
  }

  // False: stop scanning (the entry at `position` is not part of this page).
  bool Visit(const Position& position) {
    if (done_) return false;
    if (scanned_ == scan_max_) {
      page_.next_after = visited_;  // the scan budget ran out: resume after what was examined
      done_ = true;
      return false;
    }
    ++scanned_;
    visited_ = position;
    return true;
  }

  // The entry visited last belongs to the list.
  void Add(Item item) {
    TB_CHECK(visited_.has_value() && !done_);
    if (page_.items.size() == page_size_) {
      page_.next_after = last_added_;  // one more exists: the next page starts after this one
      done_ = true;
      return;
    }
    page_.items.push_back(std::move(item));
    last_added_ = visited_;
  }

  // True once the page is complete (Visit() would return false).
  bool done() const { return done_; }

  Page<Item, Position> Finish() && { return std::move(page_); }

 private:
  const size_t page_size_;
  const size_t scan_max_;
  size_t scanned_ = 0;
  bool done_ = false;
  std::optional<Position> visited_;
  std::optional<Position> last_added_;
  Page<Item, Position> page_;
};

}  // namespace timebank

#endif  // TIMEBANK_SERVICES_COMMON_PAGING_H_
