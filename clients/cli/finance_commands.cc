// tbctl's finance commands: the queue of submitted claims, decisions (approve,
// reject, ask, reverse), payment batches, the spend report and the money book's
// journal as CSV.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "clients/cli/commands.h"
#include "clients/cli/expenses_common.h"
#include "clients/cli/member_refs.h"
#include "clients/cli/paging.h"
#include "clients/common/hours.h"
#include "clients/common/table.h"
#include "services/common/ids.h"

ABSL_DECLARE_FLAG(uint64_t, org);
ABSL_DECLARE_FLAG(std::string, reason);
ABSL_DECLARE_FLAG(bool, csv);
ABSL_DECLARE_FLAG(std::string, out);
ABSL_DECLARE_FLAG(std::string, reference);
ABSL_DECLARE_FLAG(std::string, since);
ABSL_DECLARE_FLAG(std::string, until);
ABSL_DECLARE_FLAG(std::string, min_amount);
ABSL_DECLARE_FLAG(int, min_age_days);
ABSL_FLAG(std::string, format, "csv",
          "finance batch export: csv, or bacs (a BACS Standard 18 file for the bank)");
ABSL_FLAG(bool, again, false,
          "finance batch export --format=bacs: export a batch again whose earlier Bacs file "
          "never reached the bank (a second file sent would pay everyone twice)");
ABSL_FLAG(std::string, processing_date, "",
          "finance batch export --format=bacs: the Bacs processing day (default: the next "
          "weekday)");

namespace timebank::cli {
namespace {

void PrintBatches(const google::protobuf::RepeatedPtrField<xpb::PaymentBatch>& batches) {
  Table t({"batch", "claims", "total", "state", "reference", "posting"});
  for (const xpb::PaymentBatch& b : batches) {
    t.Add({absl::StrCat(b.id()), absl::StrCat(b.claim_ids_size()),
           Money(b.total_minor(), b.currency()),
           EnumWord(xpb::PaymentBatch::State_Name(b.state()), 6), b.payment_reference(),
           EnumWord(xpb::PostingState_Name(b.posting_state()), 14) +
               (b.ledger_result().empty() ? "" : " (" + b.ledger_result() + ")")});
  }
  t.Print(stdout);
}

// Who exported the batch, when, and what the file held.
void PrintExports(const xpb::PaymentBatch& b) {
  if (b.exports().empty()) return;
  Table t({"exported", "by", "format", "in the bank file", "other means (claims)"});
  for (const xpb::BatchExport& e : b.exports()) {
    const bool bacs = e.format() == xpb::EXPORT_FORMAT_BACS_STANDARD_18;
    std::vector<std::string> other;
    for (uint64_t id : e.other_means_claim_ids()) other.push_back(absl::StrCat(id));
    t.Add({ShownTime(e.at().seconds()), ShownMember(b.community_id(), e.by_member_id()),
           bacs ? absl::StrCat("bacs (processing ", e.processing_date(), ")") : "csv",
           bacs ? absl::StrCat(e.bacs_payees(), e.bacs_payees() == 1 ? " payee, " : " payees, ",
                               Money(e.bacs_total_minor(), b.currency()))
                : "",
           other.empty() ? "none" : absl::StrJoin(other, ", ")});
  }
  std::printf("\nexports (%u in all)\n", b.export_count());
  t.Print(stdout);
}

int ShowBatch(const xpb::PaymentBatch& b) {
  if (!ShowOne(b, PrintBatches)) return 0;
  std::vector<std::string> ids;
  for (uint64_t id : b.claim_ids()) ids.push_back(absl::StrCat(id));
  std::printf("\nclaims: %s\n", absl::StrJoin(ids, ", ").c_str());
  PrintExports(b);
  return 0;
}

// tbctl finance batch export ID [--format=csv|bacs] [--out=F]: the file to stdout or F.
int ExportBatch(Client& c, uint64_t community, uint64_t batch_id) {
  xpb::ExportPaymentBatchRequest req;
  req.set_community_id(community);
  req.set_batch_id(batch_id);
  const std::string format = absl::GetFlag(FLAGS_format);
  if (format == "bacs") {
    req.set_format(xpb::EXPORT_FORMAT_BACS_STANDARD_18);
  } else if (format == "csv") {
    req.set_format(xpb::EXPORT_FORMAT_CSV);
  } else {
    Die(absl::StrCat("--format: '", format, "' is not a format: csv or bacs"));
  }
  if (FlagGiven("processing_date")) {
    if (format != "bacs") Die("--processing_date: only with --format=bacs");
    const int64_t ns = ParseDate("--processing_date", absl::GetFlag(FLAGS_processing_date));
    req.set_processing_date(absl::FormatTime("%Y-%m-%d", absl::FromUnixNanos(ns), ShownZone()));
  }
  if (absl::GetFlag(FLAGS_again) && format != "bacs") Die("--again: only with --format=bacs");
  req.set_again(absl::GetFlag(FLAGS_again));
  auto resp = c.Call<xpb::ExportPaymentBatchResponse>(
      c.expenses(), &xpb::ExpensesService::Stub::ExportPaymentBatch, req);
  const std::string& text = format == "bacs" ? resp.bacs() : resp.csv();
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
  }
  FILE* f = std::fopen(out.c_str(), "wb");
  if (f == nullptr || std::fwrite(text.data(), 1, text.size(), f) != text.size()) {
    Die(absl::StrCat("cannot write ", out));
  }
  std::fclose(f);
  const xpb::BatchExport& e = resp.export_();
  if (format == "bacs") {
    std::printf("wrote %s: BACS Standard 18, %d payee%s, %s, processing day %s\n", out.c_str(),
                e.bacs_payees(), e.bacs_payees() == 1 ? "" : "s",
                Money(e.bacs_total_minor(), "GBP").c_str(), e.processing_date().c_str());
  } else {
    std::printf("wrote %s (open it in a spreadsheet, or send it to the bank)\n", out.c_str());
  }
  if (!e.other_means_claim_ids().empty()) {
    std::printf(
        "%d claim%s to pay by other means (no bank details): tbctl finance other-means "
        "%llu\n",
        e.other_means_claim_ids_size(), e.other_means_claim_ids_size() == 1 ? "" : "s",
        static_cast<unsigned long long>(batch_id));
  }
  return 0;
}

uint64_t BatchId(const Args& a) {
  uint64_t id = 0;
  if (a.size() != 2 || !absl::SimpleAtoi(a[1], &id) || id == 0) Die("expected a batch id");
  return id;
}

int BatchCommand(Client& c, uint64_t community, const Args& a) {
  const std::string sub = a.empty() ? "" : a[0];
  if (sub == "create") {
    xpb::CreatePaymentBatchRequest req;
    req.set_community_id(community);
    for (size_t i = 1; i < a.size(); ++i) {
      uint64_t id = 0;
      if (!absl::SimpleAtoi(a[i], &id)) Die(absl::StrCat("'", a[i], "': a claim id"));
      req.add_claim_ids(id);
    }
    return ShowBatch(c.Call<xpb::PaymentBatch>(
        c.expenses(), &xpb::ExpensesService::Stub::CreatePaymentBatch, req));
  }
  if (sub == "list") {
    xpb::ListPaymentBatchesRequest req;
    req.set_community_id(community);
    req.set_page_size(100);
    auto resp = c.Call<xpb::ListPaymentBatchesResponse>(
        c.expenses(), &xpb::ExpensesService::Stub::ListPaymentBatches, req);
    if (Json()) {
      PrintJson(resp);
    } else {
      PrintBatches(resp.batches());
    }
    return 0;
  }
  xpb::GetPaymentBatchRequest get;
  get.set_community_id(community);
  if (sub == "show") {
    get.set_batch_id(BatchId(a));
    return ShowBatch(
        c.Call<xpb::PaymentBatch>(c.expenses(), &xpb::ExpensesService::Stub::GetPaymentBatch, get));
  }
  if (sub == "export") return ExportBatch(c, community, BatchId(a));
  if (sub == "paid") {
    xpb::MarkBatchPaidRequest req;
    req.set_community_id(community);
    req.set_batch_id(BatchId(a));
    req.set_payment_reference(absl::GetFlag(FLAGS_reference));
    if (req.payment_reference().empty()) Die("--reference: the bank's or payroll's reference");
    return ShowBatch(
        c.Call<xpb::PaymentBatch>(c.expenses(), &xpb::ExpensesService::Stub::MarkBatchPaid, req));
  }
  Die("usage: tbctl finance batch create [CLAIM...] | list | show ID | export ID "
      "[--format=csv|bacs] [--out=F] | paid ID --reference=REF");
}

// Spend by month, category and organisation; what is owed to whom.
int ReportCommand(Client& c, uint64_t community) {
  xpb::GetMoneyReportRequest req;
  req.set_community_id(community);
  // --since/--until as dates or months; the report works in months.
  req.set_from_month(absl::GetFlag(FLAGS_since).substr(0, 7));
  req.set_to_month(absl::GetFlag(FLAGS_until).substr(0, 7));
  auto r = c.Call<xpb::MoneyReport>(c.expenses(), &xpb::ExpensesService::Stub::GetMoneyReport, req);
  if (Json()) {
    PrintJson(r);
    return 0;
  }
  const bool csv = absl::GetFlag(FLAGS_csv);
  Table spend({"month", "category", "organisation", "lines", "total", "total_minor"});
  for (const xpb::SpendRow& row : r.spend()) {
    spend.Add({row.month(), EnumWord(xpb::Category_Name(row.category()), 9),
               row.organisation_id() ? absl::StrCat(row.organisation_id()) : "",
               absl::StrCat(row.lines()), FormatMinor(row.total_minor(), Exponent(r.currency())),
               absl::StrCat(row.total_minor())});
  }
  Table owed({"member", "claims", "owed", "owed_minor"});
  for (const xpb::OwedRow& row : r.owed()) {
    owed.Add(
        {csv ? absl::StrCat(row.member_id()) : ShownMember(req.community_id(), row.member_id()),
         absl::StrCat(row.claims()), FormatMinor(row.owed_minor(), Exponent(r.currency())),
         absl::StrCat(row.owed_minor())});
  }
  if (csv) {
    spend.PrintCsv(stdout);
    return 0;  // one table per CSV file; owed: tbctl finance report --json
  }
  std::printf("Spend (approved and paid claims, %s)\n\n", r.currency().c_str());
  spend.Print(stdout);
  std::printf("\nOwed (approved, not yet paid)\n\n");
  owed.Print(stdout);
  return 0;
}

// The money book's journal from the ledger, as CSV for accounting software: every
// transfer that touches one of the community's expense-book accounts (each category
// and the bank), oldest first.
int JournalExport(Client& c, uint64_t community) {
  namespace lpb = ::timebank::ledger::v1;
  const std::string currency = Policy(c, community).currency();
  lpb::ListAccountsRequest list;
  list.set_community_id(community);
  list.set_unit(currency);
  std::vector<std::string> book;
  ReadPages(/*limit_items=*/0, [&](int page_size, const std::string& page_token) {
    list.set_page_size(page_size);
    list.set_page_token(page_token);
    auto page = c.Call<lpb::ListAccountsResponse>(c.ledger(),
                                                  &lpb::LedgerService::Stub::ListAccounts, list);
    for (const lpb::Account& acct : page.accounts()) {
      // The expenses service's own book accounts (each category, and the bank).
      if (acct.owner_kind() == lpb::OWNER_KIND_EXPENSE_BOOK && IsMoneyBookAccountId(acct.id())) {
        book.push_back(acct.id());
      }
    }
    return PageRead{page.accounts_size(), page.next_page_token()};
  });
  std::map<uint64_t, lpb::Transfer> by_seq;
  for (const std::string& account : book) {
    lpb::ListTransfersRequest req;
    req.set_account_id(account);
    req.set_oldest_first(true);
    ReadPages(/*limit_items=*/0, [&](int page_size, const std::string& page_token) {
      req.set_page_size(page_size);
      req.set_page_token(page_token);
      auto page = c.Call<lpb::ListTransfersResponse>(c.ledger(),
                                                     &lpb::LedgerService::Stub::ListTransfers, req);
      for (const lpb::Transfer& t : page.transfers()) by_seq.emplace(t.seq(), t);
      return PageRead{page.transfers_size(), page.next_page_token()};
    });
  }
  Table t({"date", "time_utc", "journal_seq", "transfer_id", "kind", "debit_account",
           "credit_account", "amount", "currency", "memo", "reference"});
  for (const auto& [seq, x] : by_seq) {
    const absl::Time at = absl::FromUnixSeconds(x.recorded_at().seconds());
    t.Add({absl::FormatTime("%Y-%m-%d", at, absl::UTCTimeZone()),
           absl::FormatTime("%H:%M:%S", at, absl::UTCTimeZone()), absl::StrCat(seq), x.id(),
           EnumWord(lpb::TransferKind_Name(x.kind()), 14), x.debit_account_id(),
           x.credit_account_id(), FormatMinor(x.amount(), Exponent(currency)), currency, x.memo(),
           x.reference()});
  }
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) {
    t.PrintCsv(stdout);
    return 0;
  }
  FILE* f = std::fopen(out.c_str(), "wb");
  if (f == nullptr) Die(absl::StrCat("cannot write ", out));
  t.PrintCsv(f);
  std::fclose(f);
  std::printf("wrote %s: %zu journal lines\n", out.c_str(), t.size());
  return 0;
}

int Finance(Client& c, const Args& a) {
  const std::string sub = a.empty() ? "" : a[0];
  const uint64_t community = CurrentCommunity(c);
  if (sub == "queue") {
    xpb::ListClaimsRequest req;
    req.set_community_id(community);
    req.set_state(xpb::CLAIM_STATE_SUBMITTED);
    req.set_organisation_id(absl::GetFlag(FLAGS_org));
    req.set_min_age_days(absl::GetFlag(FLAGS_min_age_days));
    if (!absl::GetFlag(FLAGS_min_amount).empty()) {
      req.set_min_total_minor(ParseMoney("--min_amount", absl::GetFlag(FLAGS_min_amount),
                                         Policy(c, community).currency()));
    }
    return ListAndPrintClaims(c, std::move(req), /*note_when_more=*/true);
  }
  if ((sub == "approve" || sub == "reject" || sub == "ask") && a.size() == 2) {
    xpb::DecideClaimRequest req;
    req.set_reason(absl::GetFlag(FLAGS_reason));
    req.set_decision(sub == "approve"  ? xpb::DecideClaimRequest::DECISION_APPROVE
                     : sub == "reject" ? xpb::DecideClaimRequest::DECISION_REJECT
                                       : xpb::DecideClaimRequest::DECISION_ASK_FOR_INFO);
    return ActOnClaim(c, community, a[1], req, &xpb::ExpensesService::Stub::DecideClaim);
  }
  if (sub == "reverse" && a.size() == 2) {
    xpb::ReverseApprovalRequest req;
    req.set_reason(absl::GetFlag(FLAGS_reason));
    return ActOnClaim(c, community, a[1], req, &xpb::ExpensesService::Stub::ReverseApproval);
  }
  if (sub == "batch") return BatchCommand(c, community, Args(a.begin() + 1, a.end()));
  if (sub == "report") return ReportCommand(c, community);
  if (sub == "bank" && a.size() == 2) return ShowBankDetails(c, community, MemberArg(c, a, 1));
  if (sub == "other-means" && a.size() <= 2) {
    uint64_t batch = 0;
    if (a.size() == 2 && (!absl::SimpleAtoi(a[1], &batch) || batch == 0)) {
      Die("expected a batch id (or none: every approved claim)");
    }
    return ShowOtherMeans(c, community, batch);
  }
  if (sub == "journal") return JournalExport(c, community);
  Die("usage: tbctl finance queue [--org=ID --min_amount=50.00 --min_age_days=7] | "
      "approve ID | reject ID --reason=.. | ask ID --reason=.. | reverse ID --reason=.. | "
      "batch create [CLAIM...] | batch list | batch show ID | batch export ID "
      "[--format=csv|bacs] [--out=F] | batch paid ID --reference=REF | bank MEMBER_ID | "
      "other-means [BATCH] | report [--since=2026-01 --until=2026-12] [--csv] | "
      "journal [--out=F]");
}

}  // namespace

int FinanceCommand(Client& c, const std::string&, const Args& a) { return Finance(c, a); }

}  // namespace timebank::cli
