// ExpenseBook's bank details aggregate: a member gives, reads, replaces and removes
// their own bank details for repayment; finance officers read them masked; they are
// stored sealed (bank_details.h) under the member's key, one record per member, and
// erased with the member (expense_erasure.cc). Also the "pay by other means" list:
// approved, unpaid claims whose claimants have no bank details.
#include <string>

#include "absl/strings/str_cat.h"
#include "services/expenses/bank_details.h"
#include "services/expenses/expense_book.h"
#include "services/expenses/expense_rules.h"
#include "storage/check.h"

namespace timebank::expenses {
namespace {

namespace dpb = ::timebank::directory::v1;

bool IsSelf(const dpb::Principal& p, uint64_t c, uint64_t m) {
  return IsMember(p) && p.community_id() == c && p.subject_id() == m && m != 0;
}

xpb::BankDetails Masked(xpb::BankDetails d) {
  d.set_sort_code(MaskSortCode(d.sort_code()));
  d.set_account_number(MaskAccountNumber(d.account_number()));
  d.set_masked(true);
  return d;
}

// Stored form: 6 digits; shown form: 12-34-56.
xpb::BankDetails Shown(xpb::BankDetails d) {
  d.set_sort_code(ShowSortCode(d.sort_code()));
  return d;
}

}  // namespace

absl::Status ExpenseBook::NeedBankCipher() const {
  if (bank_cipher_ != nullptr) return absl::OkStatus();
  return absl::FailedPreconditionError(
      "bank details are not available: this expenses service has no bank keyring");
}

absl::StatusOr<std::optional<xpb::BankDetails>> ExpenseBook::LoadBank(const records::Reader& from,
                                                                      uint64_t c,
                                                                      uint64_t m) const {
  TB_RETURN_IF_ERROR(NeedBankCipher());
  std::string sealed;
  TB_ASSIGN_OR_RETURN(bool found, records_.LoadSealedBank(from, c, m, &sealed));
  if (!found) return std::nullopt;
  TB_ASSIGN_OR_RETURN(std::string plain, bank_cipher_->Open(c, m, sealed));
  xpb::BankDetails d;
  if (!d.ParseFromString(plain) || d.sort_code().size() != 6 || d.account_number().size() != 8) {
    return absl::DataLossError(absl::StrCat("the bank details of member ", m, " are damaged"));
  }
  return d;
}

absl::StatusOr<xpb::BankDetails> ExpenseBook::SetBankDetails(
    const Principal& caller, const xpb::SetBankDetailsRequest& req) {
  const uint64_t c = req.community_id();
  const uint64_t m = req.member_id();
  if (!IsSelf(caller, c, m)) {
    return absl::PermissionDeniedError("members give their own bank details, nobody else's");
  }
  xpb::BankDetails d;
  d.set_community_id(c);
  d.set_member_id(m);
  TB_ASSIGN_OR_RETURN(*d.mutable_account_name(),
                      NormaliseAccountName("account_name", req.account_name()));
  TB_ASSIGN_OR_RETURN(*d.mutable_sort_code(), NormaliseSortCode("sort_code", req.sort_code()));
  TB_ASSIGN_OR_RETURN(*d.mutable_account_number(),
                      NormaliseAccountNumber("account_number", req.account_number()));
  TB_RETURN_IF_ERROR(NeedBankCipher());
  d.mutable_updated_at()->set_seconds(absl::ToUnixSeconds(Now()));
  absl::MutexLock lock(&write_mu_);
  records::Tx tx = NewTx();
  records_.PutSealedBank(tx, c, m, bank_cipher_->Seal(c, m, d.SerializeAsString()));
  TB_RETURN_IF_ERROR(tx.Commit());
  return Shown(std::move(d));
}

absl::StatusOr<xpb::BankDetails> ExpenseBook::GetBankDetails(const Principal& caller, uint64_t c,
                                                             uint64_t m) {
  const bool self = IsSelf(caller, c, m);
  if (!self && !(IsFinanceOfficer(caller) && caller.community_id() == c)) {
    return absl::PermissionDeniedError(
        "bank details are seen by the member themself and (masked) by finance officers");
  }
  TB_ASSIGN_OR_RETURN(std::optional<xpb::BankDetails> d, LoadBank(records_.Committed(), c, m));
  if (!d.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("member ", m, " has given no bank details",
                     self ? " (tbctl bank set)" : "; their claims are paid by other means"));
  }
  return self ? Shown(*std::move(d)) : Masked(*std::move(d));
}

absl::StatusOr<xpb::DeleteBankDetailsResponse> ExpenseBook::DeleteBankDetails(
    const Principal& caller, uint64_t c, uint64_t m) {
  if (!IsSelf(caller, c, m)) {
    return absl::PermissionDeniedError("members remove their own bank details, nobody else's");
  }
  xpb::DeleteBankDetailsResponse out;
  {
    absl::MutexLock lock(&write_mu_);
    records::Tx tx = NewTx();
    std::string sealed;
    TB_ASSIGN_OR_RETURN(bool found, records_.LoadSealedBank(tx, c, m, &sealed));
    if (!found) return out;
    records_.DeleteSealedBank(tx, c, m);
    TB_RETURN_IF_ERROR(tx.Commit());
  }
  out.set_deleted(true);
  // The old value must not linger in the store's files.
  TB_RETURN_IF_ERROR(records_.Purge());
  return out;
}

absl::StatusOr<bool> ExpenseBook::HasBankDetails(uint64_t c, uint64_t m) const {
  std::string sealed;
  return records_.LoadSealedBank(records_.Committed(), c, m, &sealed);
}

absl::StatusOr<xpb::ListOtherMeansClaimsResponse> ExpenseBook::ListOtherMeansClaims(
    const xpb::ListOtherMeansClaimsRequest& req) {
  const uint64_t c = req.community_id();
  TB_ASSIGN_OR_RETURN(dpb::Community community, people_->Community(c));
  std::vector<uint64_t> ids;
  if (req.batch_id() != 0) {
    TB_ASSIGN_OR_RETURN(xpb::PaymentBatch batch,
                        records_.LoadBatch(records_.Committed(), c, req.batch_id()));
    ids.assign(batch.claim_ids().begin(), batch.claim_ids().end());
  } else {
    TB_RETURN_IF_ERROR(records_.Scan(ExpenseRecords::ByState(c, xpb::CLAIM_STATE_APPROVED), 0,
                                     [&](uint64_t, uint64_t id) -> absl::StatusOr<bool> {
                                       ids.push_back(id);
                                       return ids.size() < ExpenseLimits::kMaxScan;
                                     }));
  }
  xpb::ListOtherMeansClaimsResponse out;
  out.set_currency(community.expense_currency());
  for (uint64_t id : ids) {
    TB_ASSIGN_OR_RETURN(xpb::Claim claim, records_.LoadClaim(records_.Committed(), c, id));
    if (claim.state() != xpb::CLAIM_STATE_APPROVED) continue;  // a paid batch's claims
    TB_ASSIGN_OR_RETURN(bool banked, HasBankDetails(c, claim.claimant_member_id()));
    if (banked) continue;
    xpb::OtherMeansClaim* row = out.add_claims();
    row->set_claim_id(id);
    row->set_member_id(claim.claimant_member_id());
    row->set_amount_minor(claim.total_minor());
    row->set_batch_id(claim.payment_batch_id());
    absl::StatusOr<dpb::Member> who = people_->Member(c, claim.claimant_member_id());
    if (!who.ok() && !absl::IsNotFound(who.status())) return who.status();
    if (who.ok()) {
      row->set_member_number(who->member_number());
      row->set_display_name(who->display_name());
    }
    out.set_total_minor(out.total_minor() + claim.total_minor());
  }
  return out;
}

}  // namespace timebank::expenses
