// ExpenseBook's receipts aggregate: what a receipt's bytes are (sniffed, never taken
// from the caller), attaching and detaching them on a claim its claimant may still
// edit, flagging the same file on two claims of a community, and reading them back.
#include <algorithm>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "services/common/text_fields.h"
#include "services/expenses/expense_book.h"
#include "storage/bytes.h"
#include "storage/check.h"
#include "storage/hash_chain.h"

namespace timebank::expenses {

std::string SniffReceiptType(std::string_view d) {
  auto starts = [&](std::string_view magic, size_t at = 0) {
    return d.size() >= at + magic.size() && d.substr(at, magic.size()) == magic;
  };
  if (starts("\xFF\xD8\xFF")) return "image/jpeg";
  if (starts("\x89PNG\r\n\x1A\n")) return "image/png";
  if (starts("%PDF-")) return "application/pdf";
  if (starts("RIFF") && starts("WEBP", 8)) return "image/webp";
  if (starts("ftypheic", 4) || starts("ftypheix", 4) || starts("ftypmif1", 4)) return "image/heic";
  return "";
}

namespace {

// The file name and bytes of a receipt to attach, or what is wrong with them.
absl::StatusOr<std::string> CheckReceiptFile(const xpb::AttachReceiptRequest& req) {
  const std::string& name = req.filename();
  TB_RETURN_IF_ERROR(kReceiptFilename.Check(name));
  if (req.data().empty() || req.data().size() > ExpenseLimits::kMaxReceiptBytes) {
    return FieldError("data", "a file of 1 byte to 5 MiB; scan or photograph it smaller");
  }
  const std::string type = SniffReceiptType(req.data());
  if (type.empty()) return FieldError("data", "not an image (JPEG, PNG, WebP, HEIC) or a PDF");
  return type;
}

}  // namespace

absl::StatusOr<xpb::Claim> ExpenseBook::AttachReceipt(const Principal& caller,
                                                      const xpb::AttachReceiptRequest& req) {
  TB_ASSIGN_OR_RETURN(const std::string type, CheckReceiptFile(req));
  const uint64_t c = req.community_id();
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(xpb::Claim claim, OwnEditable(caller, c, req.claim_id(), req.etag()));
  if (static_cast<size_t>(claim.receipts_size()) >= ExpenseLimits::kMaxReceiptsPerClaim) {
    return absl::FailedPreconditionError("a claim holds at most 20 receipts");
  }
  const std::string sha(storage::HashBytes(storage::Sha256(req.data())));
  records::Tx tx = NewTx();
  TB_ASSIGN_OR_RETURN(uint64_t id, tx.NextId(absl::StrCat("receipt.", c)));
  xpb::Receipt* r = claim.add_receipts();
  r->set_id(id);
  r->set_filename(req.filename());
  r->set_content_type(type);
  r->set_size_bytes(static_cast<int64_t>(req.data().size()));
  r->set_sha256_hex(storage::ToHex(sha));
  // The same file elsewhere: flag it here and there.
  TB_RETURN_IF_ERROR(records_.Scan(
      ExpenseRecords::SameContent(c, sha), 0,
      [&](uint64_t, uint64_t other_id)
          ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_) -> absl::StatusOr<bool> {
            if (other_id == claim.id()) return true;
            r->add_also_on_claim_ids(other_id);
            TB_ASSIGN_OR_RETURN(xpb::Claim other, records_.LoadClaim(tx, c, other_id));
            for (xpb::Receipt& o : *other.mutable_receipts()) {
              if (o.sha256_hex() == r->sha256_hex() &&
                  std::find(o.also_on_claim_ids().begin(), o.also_on_claim_ids().end(),
                            claim.id()) == o.also_on_claim_ids().end()) {
                o.add_also_on_claim_ids(claim.id());
              }
            }
            Save(tx, other, other.state(), caller.subject_id(), "");
            return true;
          }));
  records_.PutReceiptData(tx, c, id, req.data());
  records_.IndexContent(tx, c, sha, claim.id());
  Save(tx, claim, claim.state(), caller.subject_id(),
       absl::StrCat("receipt attached: ", req.filename(),
                    r->also_on_claim_ids_size() ? " (the same file is on another claim)" : ""));
  TB_RETURN_IF_ERROR(tx.Commit());
  return claim;
}

absl::StatusOr<xpb::Claim> ExpenseBook::DetachReceipt(const Principal& caller,
                                                      const xpb::DetachReceiptRequest& req) {
  const uint64_t c = req.community_id();
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(xpb::Claim claim, OwnEditable(caller, c, req.claim_id(), req.etag()));
  auto* rs = claim.mutable_receipts();
  auto it = std::find_if(rs->begin(), rs->end(),
                         [&](const xpb::Receipt& r) { return r.id() == req.receipt_id(); });
  if (it == rs->end()) {
    return absl::NotFoundError(
        absl::StrCat("claim ", claim.id(), " has no receipt ", req.receipt_id()));
  }
  const std::string name = it->filename();
  const std::string sha = absl::HexStringToBytes(it->sha256_hex());
  rs->erase(it);
  records::Tx tx = NewTx();
  records_.DeleteReceiptData(tx, c, req.receipt_id());
  // Only if no other receipt of this claim has the same content.
  if (std::none_of(rs->begin(), rs->end(),
                   [&](const xpb::Receipt& r) { return r.sha256_hex() == storage::ToHex(sha); })) {
    records_.UnindexContent(tx, c, sha, claim.id());
  }
  Save(tx, claim, claim.state(), caller.subject_id(), absl::StrCat("receipt removed: ", name));
  TB_RETURN_IF_ERROR(tx.Commit());
  return claim;
}

absl::StatusOr<xpb::GetReceiptResponse> ExpenseBook::GetReceipt(const Principal& caller,
                                                                const xpb::GetReceiptRequest& req) {
  TB_ASSIGN_OR_RETURN(xpb::Claim claim, GetClaim(caller, req.community_id(), req.claim_id()));
  if (claim.text_erased()) {
    return absl::NotFoundError(absl::StrCat("the receipts of claim ", claim.id(),
                                            " were erased with the claimant's personal data"));
  }
  xpb::GetReceiptResponse out;
  for (const xpb::Receipt& r : claim.receipts()) {
    if (r.id() == req.receipt_id()) *out.mutable_receipt() = r;
  }
  if (out.receipt().id() == 0) {
    return absl::NotFoundError(
        absl::StrCat("claim ", claim.id(), " has no receipt ", req.receipt_id()));
  }
  TB_ASSIGN_OR_RETURN(bool found, records_.LoadReceiptData(req.community_id(), req.receipt_id(),
                                                           out.mutable_data()));
  if (!found) return absl::DataLossError(absl::StrCat("receipt ", req.receipt_id(), " is missing"));
  return out;
}

}  // namespace timebank::expenses
