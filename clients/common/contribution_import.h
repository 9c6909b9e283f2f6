// Bulk import of volunteer hours from a spreadsheet (CSV): the one implementation
// behind `tbctl contribution import` and `tb-loadgen --mode=import`.
//
// ParseContributionCsv reads the file and checks what can be checked locally (columns,
// dates, hours, types, organisation names, the same row twice); RunContributionImport
// sends the good rows to ImportContributions in batches of up to 1,000 per
// organisation, several in flight, and collects one outcome per row. The server checks
// everything again and decides; each row's content is its idempotency key there, so
// running the same file twice records nothing twice.
#ifndef TIMEBANK_CLIENTS_COMMON_CONTRIBUTION_IMPORT_H_
#define TIMEBANK_CLIENTS_COMMON_CONTRIBUTION_IMPORT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "timebank/activity/v1/activity.grpc.pb.h"

namespace timebank::cli {

struct ImportLimits {
  static constexpr size_t kMaxFileBytes = size_t{256} << 20;
  static constexpr size_t kMaxRows = 1'000'000;
  static constexpr size_t kRowsPerCall = 1000;
  static constexpr int kMaxInFlight = 8;
  static constexpr int kMaxAttempts = 4;  // per batch, for transient failures
};

// The organisations rows may name: by id ("2") or by name (case-insensitive).
struct OrganisationNames {
  std::map<std::string, uint64_t> by_lower_name;
  std::map<uint64_t, std::string> names;
};

// One data line of the file and what became of it.
struct ImportLine {
  uint32_t line = 0;
  std::vector<std::string> fields;  // as in the file
  uint64_t organisation_id = 0;
  ::timebank::activity::v1::ImportRow row;  // valid only if error is empty before sending
  // Filled in as the import runs.
  ::timebank::activity::v1::ImportRowResult::Outcome outcome =
      ::timebank::activity::v1::ImportRowResult::OUTCOME_UNSPECIFIED;
  std::string error;
  uint64_t activity_id = 0;
  ::timebank::activity::v1::PostingState posting_state =
      ::timebank::activity::v1::POSTING_STATE_UNSPECIFIED;
  std::string ledger_result;
};

struct ParsedImport {
  std::vector<std::string> header;
  std::vector<ImportLine> lines;
};

// Reads the whole file. An error here (no header, a required column missing, too large)
// refuses the file; problems with single rows are recorded on those rows.
absl::StatusOr<ParsedImport> ParseContributionCsv(std::string_view text,
                                                  const OrganisationNames& organisations);

struct ImportOptions {
  uint64_t community_id = 0;
  bool dry_run = false;
  int in_flight = 4;
  // How long each call waits for its rows to be posted to the ledger (0: do not wait).
  uint32_t wait_ms = 30'000;
  // Adds credentials and a deadline to each call.
  std::function<void(grpc::ClientContext*)> prepare;
  // Called (from any thread, serialised) with the number of lines settled so far.
  std::function<void(uint64_t)> progress;
};

struct ImportSummary {
  uint64_t lines = 0;
  uint64_t imported = 0;          // recorded now (or would be, in a dry run)
  uint64_t already_imported = 0;  // recorded by an earlier run; nothing new
  uint64_t rejected = 0;          // not recorded; see each line's error
  uint64_t posted = 0;            // of imported + already imported: in the ledger
  uint64_t refused = 0;           // recorded, but the ledger refused the transfer
  uint64_t queued = 0;            // recorded, still waiting to be posted
};

// Sends every line without an error yet and records each outcome on its line.
ImportSummary RunContributionImport(::timebank::activity::v1::ActivityService::Stub* stub,
                                    const ImportOptions& options, ParsedImport* parsed);

// The lines to report (rejected, or refused by the ledger) as CSV: the original
// columns, the line number and the reason, for fixing and importing again.
void WriteImportReport(const ParsedImport& parsed, FILE* out);
// True if the line belongs in the report.
bool NeedsAttention(const ImportLine& line);

}  // namespace timebank::cli

#endif  // TIMEBANK_CLIENTS_COMMON_CONTRIBUTION_IMPORT_H_
