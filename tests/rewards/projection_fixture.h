// Hand-made journals for the rewards projection's tests: a directory that knows only
// timezones, and a journal of exchanges, contributions and reversals in given weeks.
#ifndef TIMEBANK_TESTS_REWARDS_PROJECTION_FIXTURE_H_
#define TIMEBANK_TESTS_REWARDS_PROJECTION_FIXTURE_H_

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/ids.h"
#include "services/common/peers.h"
#include "services/common/timestamps.h"
#include "timebank/ledger/v1/ledger.pb.h"

namespace timebank::rewards {

namespace dpb = ::timebank::directory::v1;
namespace lpb = ::timebank::ledger::v1;

constexpr uint64_t kC = 7;

// A directory where every community keeps London time and nothing else is asked:
// tests override what they need.
class LondonPeople : public People {
 public:
  absl::StatusOr<dpb::Member> Member(uint64_t, uint64_t) override {
    return absl::UnimplementedError("this test asks for no member");
  }
  absl::StatusOr<dpb::Community> Community(uint64_t c) override {
    dpb::Community out;
    out.set_id(c);
    out.set_timezone("Europe/London");
    return out;
  }
  absl::StatusOr<std::vector<std::optional<dpb::Member>>> MembersByNumber(
      uint64_t, const std::vector<std::string>&) override {
    return absl::UnimplementedError("this test asks for no member number");
  }
  absl::StatusOr<dpb::Organisation> Organisation(uint64_t, uint64_t) override {
    return absl::UnimplementedError("this test asks for no organisation");
  }
};

class ZonePeople final : public LondonPeople {
 public:
  absl::StatusOr<dpb::Community> Community(uint64_t c) override {
    ++lookups;
    if (unreachable) return absl::UnavailableError("directory down");
    return LondonPeople::Community(c);
  }
  int lookups = 0;
  bool unreachable = false;
};

// Monday 2026-01-05 12:00 London (winter: UTC) plus `week` weeks.
inline absl::Time InWeek(int week) {
  return absl::FromCivil(absl::CivilSecond(2026, 1, 5, 12, 0, 0), absl::UTCTimeZone()) +
         absl::Hours(24 * 7 * week);
}

class Journal {
 public:
  lpb::JournalEntry& Add(lpb::Transfer t) {
    lpb::JournalEntry& e = entries_.emplace_back();
    e.set_seq(entries_.size());
    t.set_unit(t.unit().empty() ? "TIME" : t.unit());
    t.set_community_id(kC);
    *e.mutable_transfer() = std::move(t);
    return e;
  }
  lpb::Transfer Move(lpb::TransferKind kind, std::string debit, std::string credit, int64_t minutes,
                     int week) {
    lpb::Transfer t;
    t.set_id(FormatLedgerId(kC, absl::StrCat("x.t", ++ids_)));
    t.set_kind(kind);
    t.set_debit_account_id(std::move(debit));
    t.set_credit_account_id(std::move(credit));
    t.set_amount(minutes);
    t.set_coproduction_type(lpb::COPRODUCTION_TYPE_CO_DELIVERY);
    ToTimestamp(absl::ToUnixNanos(InWeek(week)), t.mutable_occurred_at());
    // Recorded an hour after it happened: badges are awarded at the recording time.
    ToTimestamp(absl::ToUnixNanos(InWeek(week) + absl::Hours(1)), t.mutable_recorded_at());
    return t;
  }
  // Member `receiver` was helped by `provider`.
  std::string Exchange(uint64_t provider, uint64_t receiver, int64_t minutes, int week) {
    return Add(Move(lpb::TRANSFER_KIND_EXCHANGE, MemberAccountId(kC, receiver),
                    MemberAccountId(kC, provider), minutes, week))
        .transfer()
        .id();
  }
  std::string Contribution(uint64_t member, uint64_t org, int64_t minutes, int week) {
    return Add(Move(lpb::TRANSFER_KIND_CONTRIBUTION, OrganisationAccountId(kC, org),
                    MemberAccountId(kC, member), minutes, week))
        .transfer()
        .id();
  }
  void Reverse(const std::string& id) {
    lpb::Transfer t;
    t.set_id(absl::StrCat(id, ".rev"));
    t.set_kind(lpb::TRANSFER_KIND_REVERSAL);
    t.set_reverses_id(id);
    ToTimestamp(absl::ToUnixNanos(InWeek(60)), t.mutable_occurred_at());
    ToTimestamp(absl::ToUnixNanos(InWeek(60)), t.mutable_recorded_at());
    Add(std::move(t));
  }
  std::vector<lpb::JournalEntry>& entries() { return entries_; }

 private:
  std::vector<lpb::JournalEntry> entries_;
  int ids_ = 0;
};

}  // namespace timebank::rewards

#endif  // TIMEBANK_TESTS_REWARDS_PROJECTION_FIXTURE_H_
