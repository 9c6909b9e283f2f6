// ExpenseBook's payment batch exports: a batch as CSV (one row per claim, saying how
// each is paid) or as a BACS Standard 18 file (bacs_file.h; one credit per payee with
// bank details, the rest listed to pay by other means). Every export is recorded on
// the batch: its format, who made it and when, and for BACS what the file holds.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/csv_writer.h"
#include "services/common/text_formats.h"
#include "services/common/validation.h"
#include "services/expenses/bacs_file.h"
#include "services/expenses/bank_details.h"
#include "services/expenses/expense_book.h"
#include "services/expenses/expense_rules.h"
#include "storage/check.h"

namespace timebank::expenses {
namespace {

namespace dpb = ::timebank::directory::v1;

constexpr char kBacsCurrency[] = "GBP";  // Bacs pays sterling only
constexpr int kMaxProcessingDaysAhead = 31;

// The Bacs processing day: as asked (today .. 31 days ahead), or the next weekday.
absl::StatusOr<absl::CivilDay> ProcessingDay(const std::string& asked, absl::CivilDay today) {
  if (asked.empty()) {
    absl::CivilDay d = today + 1;
    while (absl::GetWeekday(d) == absl::Weekday::saturday ||
           absl::GetWeekday(d) == absl::Weekday::sunday) {
      ++d;
    }
    return d;
  }
  absl::CivilDay d;
  if (!absl::ParseCivilTime(asked, &d)) {
    return FieldError("processing_date",
                      absl::StrCat("'", asked, "' is not a date: type it as 2026-12-07"));
  }
  if (d < today || d > today + kMaxProcessingDaysAhead) {
    return FieldError("processing_date", "from today to 31 days ahead (empty: the next weekday)");
  }
  return d;
}

// A BACS export needs the community's originating details and sterling.
// A Bacs file the bank accepted pays everyone in it: a second one pays them again.
absl::Status CheckNotSentBefore(const xpb::PaymentBatch& batch, bool again) {
  if (again) return absl::OkStatus();
  for (const xpb::BatchExport& e : batch.exports()) {
    if (e.format() != xpb::EXPORT_FORMAT_BACS_STANDARD_18) continue;
    return absl::FailedPreconditionError(absl::StrCat(
        "payment batch ", batch.id(), " was already exported as a Bacs file (by member ",
        e.by_member_id(), ", processing ", e.processing_date(),
        "): sending a second file pays everyone twice. Only if that file never reached the "
        "bank, export again with again=true (tbctl finance batch export ",
        batch.id(), " --format=bacs --again)"));
  }
  return absl::OkStatus();
}

absl::Status CheckBacsReady(const xpb::Policy& policy, const xpb::PaymentBatch& batch) {
  if (batch.currency() != kBacsCurrency) {
    return absl::FailedPreconditionError(absl::StrCat("Bacs pays sterling only; this batch is in ",
                                                      batch.currency(), ": export it as CSV"));
  }
  if (policy.bacs_originator().service_user_number().empty()) {
    return absl::FailedPreconditionError(
        "the community's Bacs originating details are not set: a finance officer or admin "
        "sets them (tbctl expenses policy set --bacs_sun=123456 --bacs_sort_code=12-34-56 "
        "--bacs_account=12345678 --bacs_name=\"RIVERSIDE TB\")");
  }
  if (batch.state() == xpb::PaymentBatch::STATE_PAID) {
    return absl::FailedPreconditionError(absl::StrCat(
        "payment batch ", batch.id(), " is already paid: a BACS file of it would pay twice"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ExpenseBook::BatchPayees> ExpenseBook::GatherPayees(const xpb::PaymentBatch& batch,
                                                                   bool with_numbers) {
  const uint64_t c = batch.community_id();
  BatchPayees out;
  std::map<uint64_t, size_t> payee_of;  // member -> index in out.bacs
  for (uint64_t claim_id : batch.claim_ids()) {
    TB_ASSIGN_OR_RETURN(xpb::Claim claim, records_.LoadClaim(records_.Committed(), c, claim_id));
    const uint64_t m = claim.claimant_member_id();
    out.claims.push_back(claim);
    if (auto it = payee_of.find(m); it != payee_of.end()) {
      out.bacs[it->second].amount_pence += claim.total_minor();
      out.by_bacs.push_back(true);
      continue;
    }
    std::optional<xpb::BankDetails> details;
    if (with_numbers) {
      TB_ASSIGN_OR_RETURN(details, LoadBank(records_.Committed(), c, m));
    } else {
      TB_ASSIGN_OR_RETURN(bool banked, HasBankDetails(c, m));
      if (banked) details.emplace();
    }
    out.by_bacs.push_back(details.has_value());
    if (!details.has_value()) {
      out.other_means.push_back(claim_id);
      continue;
    }
    payee_of[m] = out.bacs.size();
    out.bacs.push_back(BacsPayment{details->sort_code(), details->account_number(),
                                   details->account_name(), absl::StrCat("EXPENSES B", batch.id()),
                                   claim.total_minor()});
  }
  return out;
}

absl::StatusOr<xpb::BatchExport> ExpenseBook::RecordExport(const Principal& caller,
                                                           const xpb::PaymentBatch& seen,
                                                           xpb::BatchExport e) {
  const uint64_t c = seen.community_id();
  e.set_by_member_id(caller.subject_id());
  e.mutable_at()->set_seconds(absl::ToUnixSeconds(Now()));
  absl::MutexLock lock(&write_mu_);
  records::Tx tx = NewTx();
  TB_ASSIGN_OR_RETURN(xpb::PaymentBatch batch, records_.LoadBatch(tx, c, seen.id()));
  if (e.format() == xpb::EXPORT_FORMAT_BACS_STANDARD_18) {
    // A volume serial unique to the community's files (Bacs: unique for the day).
    TB_ASSIGN_OR_RETURN(uint64_t n, tx.NextId(absl::StrCat("bacs.", c)));
    e.set_volume_serial(
        absl::StrCat(std::string(6 - absl::StrCat(n % 1'000'000).size(), '0'), n % 1'000'000));
  }
  *batch.add_exports() = e;
  if (static_cast<size_t>(batch.exports_size()) > ExpenseLimits::kMaxBatchExports) {
    batch.mutable_exports()->DeleteSubrange(0, 1);  // the oldest goes; the count stays
  }
  batch.set_export_count(batch.export_count() + 1);
  records_.PutBatch(tx, batch);
  TB_RETURN_IF_ERROR(tx.Commit());
  return e;
}

absl::StatusOr<xpb::ExportPaymentBatchResponse> ExpenseBook::ExportPaymentBatch(
    const Principal& caller, const xpb::ExportPaymentBatchRequest& req) {
  if (!IsFinanceOfficer(caller)) {
    return absl::PermissionDeniedError("only finance officers export payment batches");
  }
  const uint64_t c = req.community_id();
  TB_ASSIGN_OR_RETURN(xpb::PaymentBatch batch,
                      records_.LoadBatch(records_.Committed(), c, req.batch_id()));
  const bool bacs = req.format() == xpb::EXPORT_FORMAT_BACS_STANDARD_18;
  if (!bacs && req.format() != xpb::EXPORT_FORMAT_CSV &&
      req.format() != xpb::EXPORT_FORMAT_UNSPECIFIED) {
    return FieldError("format", "csv or bacs");
  }
  if (!bacs) return ExportCsv(caller, batch);
  TB_ASSIGN_OR_RETURN(dpb::Community community, people_->Community(c));
  TB_ASSIGN_OR_RETURN(xpb::Policy policy, records_.LoadPolicy(records_.Committed(), c));
  TB_RETURN_IF_ERROR(CheckBacsReady(policy, batch));
  TB_RETURN_IF_ERROR(CheckNotSentBefore(batch, req.again()));
  const absl::CivilDay today = absl::ToCivilDay(Now(), ZoneOf(community));
  TB_ASSIGN_OR_RETURN(absl::CivilDay processing, ProcessingDay(req.processing_date(), today));
  TB_ASSIGN_OR_RETURN(BatchPayees payees, GatherPayees(batch, /*with_numbers=*/true));
  if (payees.bacs.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("no claimant in payment batch ", batch.id(),
                     " has given bank details: pay them by other means (tbctl finance other-means ",
                     batch.id(), ")"));
  }
  xpb::BatchExport e;
  e.set_format(xpb::EXPORT_FORMAT_BACS_STANDARD_18);
  e.set_bacs_payees(static_cast<int32_t>(payees.bacs.size()));
  for (const BacsPayment& p : payees.bacs)
    e.set_bacs_total_minor(e.bacs_total_minor() + p.amount_pence);
  e.mutable_other_means_claim_ids()->Add(payees.other_means.begin(), payees.other_means.end());
  e.set_processing_date(absl::FormatCivilTime(processing));
  TB_ASSIGN_OR_RETURN(e, RecordExport(caller, batch, std::move(e)));
  BacsFile file{policy.bacs_originator(),
                e.volume_serial(),
                today,
                processing,
                absl::StrCat("TB BATCH ", batch.id()),
                std::move(payees.bacs)};
  xpb::ExportPaymentBatchResponse out;
  out.set_bacs(WriteBacsStandard18(file));
  out.set_filename(absl::StrCat("payment-batch-", c, "-", batch.id(), ".bacs"));
  *out.mutable_export_() = std::move(e);
  return out;
}

absl::StatusOr<xpb::ExportPaymentBatchResponse> ExpenseBook::ExportCsv(
    const Principal& caller, const xpb::PaymentBatch& batch) {
  const uint64_t c = batch.community_id();
  const int exponent = CurrencyExponent(batch.currency()).value_or(2);
  TB_ASSIGN_OR_RETURN(BatchPayees payees, GatherPayees(batch, /*with_numbers=*/false));
  CsvWriter csv;
  csv.AddRow({"batch", "claim", "member_id", "member_number", "name", "amount", "currency",
              "reference", "pay_by"});
  for (size_t i = 0; i < payees.claims.size(); ++i) {
    const xpb::Claim& claim = payees.claims[i];
    absl::StatusOr<dpb::Member> m = people_->Member(c, claim.claimant_member_id());
    if (!m.ok() && m.status().code() != absl::StatusCode::kNotFound) return m.status();
    const std::vector<std::string> row = {absl::StrCat(batch.id()),
                                          absl::StrCat(claim.id()),
                                          absl::StrCat(claim.claimant_member_id()),
                                          m.ok() ? m->member_number() : "",
                                          m.ok() ? m->display_name() : "",
                                          FormatMinor(claim.total_minor(), exponent),
                                          batch.currency(),
                                          absl::StrCat("TB-", c, "-", claim.id()),
                                          payees.by_bacs[i] ? "bank transfer" : "other means"};
    csv.AddRow(row);
  }
  xpb::BatchExport e;
  e.set_format(xpb::EXPORT_FORMAT_CSV);
  e.mutable_other_means_claim_ids()->Add(payees.other_means.begin(), payees.other_means.end());
  TB_ASSIGN_OR_RETURN(e, RecordExport(caller, batch, std::move(e)));
  xpb::ExportPaymentBatchResponse out;
  out.set_csv(std::move(csv).Take());
  out.set_filename(absl::StrCat("payment-batch-", c, "-", batch.id(), ".csv"));
  *out.mutable_export_() = std::move(e);
  return out;
}

}  // namespace timebank::expenses
