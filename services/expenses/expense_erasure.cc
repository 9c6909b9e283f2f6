// ExpenseBook's data protection: erasing a member's personal data from their claims
// (titles, line descriptions, history reasons, receipt names and files) and their
// bank details, while the
// amounts, categories, dates, states and decisions stay, then purging the store's
// files so no later backup holds the old values.
#include "absl/strings/escaping.h"
#include "services/expenses/expense_book.h"
#include "storage/check.h"

namespace timebank::expenses {
namespace {

// Clears the claim's texts and receipt names; answers how many receipts it held.
int EraseTexts(xpb::Claim* claim) {
  claim->clear_title();
  for (xpb::ClaimLine& line : *claim->mutable_lines()) line.clear_description();
  for (xpb::ClaimEvent& e : *claim->mutable_history()) e.clear_reason();
  for (xpb::Receipt& r : *claim->mutable_receipts()) {
    r.clear_filename();
    r.clear_sha256_hex();
  }
  claim->set_text_erased(true);
  return claim->receipts_size();
}

}  // namespace

absl::StatusOr<xpb::EraseMemberDataResponse> ExpenseBook::EraseMember(uint64_t c, uint64_t m) {
  xpb::EraseMemberDataResponse out;
  {
    absl::MutexLock lock(&write_mu_);
    records::Tx tx = NewTx();
    TB_RETURN_IF_ERROR(records_.Scan(
        ExpenseRecords::ByMember(c, m), 0, [&](uint64_t, uint64_t id) -> absl::StatusOr<bool> {
          TB_ASSIGN_OR_RETURN(xpb::Claim claim, records_.LoadClaim(tx, c, id));
          if (claim.text_erased()) return true;
          for (const xpb::Receipt& r : claim.receipts()) {
            records_.DeleteReceiptData(tx, c, r.id());
            records_.UnindexContent(tx, c, absl::HexStringToBytes(r.sha256_hex()), claim.id());
          }
          out.set_receipts_deleted(out.receipts_deleted() + EraseTexts(&claim));
          records_.PutClaim(tx, claim, claim.state());
          out.set_claims_erased(out.claims_erased() + 1);
          return true;
        }));
    std::string sealed;
    TB_ASSIGN_OR_RETURN(bool banked, records_.LoadSealedBank(tx, c, m, &sealed));
    if (banked) records_.DeleteSealedBank(tx, c, m);
    out.set_bank_details_deleted(banked);
    if (out.claims_erased() > 0 || banked) TB_RETURN_IF_ERROR(tx.Commit());
  }
  // Also on a retry: an earlier purge may have failed after the commit.
  TB_RETURN_IF_ERROR(records_.Purge());
  return out;
}

}  // namespace timebank::expenses
