// Data protection: a member's data export, and erasure (here at once, elsewhere
// through the erasure outbox).
#include <google/protobuf/util/json_util.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/directory/directory.h"
#include "services/directory/directory_fields.h"

namespace timebank::directory {

// ",\n\"rewards\": {...}" and the like, for each other service with a part of its own.
absl::StatusOr<std::string> Directory::OtherServicesExport(uint64_t c, uint64_t id) {
  std::string out;
  if (data_holders_ == nullptr) return out;
  for (ErasureTarget t : data_holders_->Targets()) {
    absl::StatusOr<std::string> part = data_holders_->ExportJson(t, c, id);
    if (absl::IsUnimplemented(part.status())) continue;
    if (!part.ok()) {
      return absl::UnavailableError(absl::StrCat("the ", ErasureTargetName(t),
                                                 " service did not answer (",
                                                 part.status().message(), "); try again shortly"));
    }
    absl::StrAppend(&out, ",\n\"", ErasureTargetName(t), "\": ", *part);
  }
  return out;
}

absl::StatusOr<std::string> Directory::ExportMemberData(uint64_t c, uint64_t id) {
  TB_ASSIGN_OR_RETURN(dpb::Member m, MustMember(c, id));
  google::protobuf::util::JsonPrintOptions opts;
  opts.add_whitespace = true;
  opts.preserve_proto_field_names = true;
  std::string member_json;
  (void)google::protobuf::util::MessageToJsonString(m, &member_json, opts);
  std::string audit = "[";
  std::optional<uint64_t> after = 0;
  bool first = true;
  while (after) {
    TB_ASSIGN_OR_RETURN(auto page, ListAudit(c, *after, kMaxListPageSize));
    after = page.next_after;
    for (const dpb::AuditEntry& e : page.items) {
      if (e.member_id() != id) continue;
      std::string j;
      (void)google::protobuf::util::MessageToJsonString(e, &j, opts);
      absl::StrAppend(&audit, first ? "" : ",", j);
      first = false;
    }
  }
  audit += "]";
  std::string ledger = "null";
  if (!m.account_id().empty()) {
    absl::StatusOr<std::string> l = ledger_->ExportAccount(m.account_id());
    if (!l.ok()) return l.status();
    ledger = *l;
  }
  std::string pw;
  TB_ASSIGN_OR_RETURN(bool has_password, committed_.Get(PasswordKey(c, id), &pw));
  TB_ASSIGN_OR_RETURN(std::string others, OtherServicesExport(c, id));
  return absl::StrCat("{\n\"exported_at\": \"", absl::FormatTime(Now()),
                      "\",\n\"member\": ", member_json,
                      ",\n\"has_password\": ", has_password ? "true" : "false",
                      ",\n\"audit\": ", audit, ",\n\"time_account\": ", ledger, others, "\n}\n");
}

absl::StatusOr<dpb::Member> Directory::EraseMember(const Actor& a, uint64_t c, uint64_t id,
                                                   const std::string& reason) {
  TB_RETURN_IF_ERROR(CheckReason("reason", reason));
  dpb::Member m;
  {
    absl::MutexLock lock(&write_mu_);
    TB_ASSIGN_OR_RETURN(m, MustMember(c, id));
    if (m.status() == dpb::MEMBER_STATUS_ERASED) return m;
    records::Tx tx = NewTx();
    if (!m.username().empty()) tx.Delete(UsernameKey(m.username()));
    tx.Delete(PasswordKey(c, id));
    // Keep the member number (it keys the pseudonymous ledger account and reports) and
    // the ledger account, whose entries must stay for the books to balance.
    m.set_display_name(absl::StrCat("Erased member ", m.member_number()));
    m.clear_username();
    m.clear_requested_username();
    m.clear_email();
    m.clear_phone();
    m.clear_tags();
    m.clear_consent();
    m.clear_roles();
    m.clear_coordinator_of();
    m.set_status(dpb::MEMBER_STATUS_ERASED);
    tx.Put(MemberKey(c, id), records::Seal(m));
    TB_RETURN_IF_ERROR(EraseSessions(tx, c, id));
    TB_RETURN_IF_ERROR(EraseAuditText(tx, c, id));
    Audit(tx, c, a, "member.erase", id, reason);
    TB_RETURN_IF_ERROR(EndTokens(tx, dpb::Principal::KIND_MEMBER, c, id));
    erasures_.Add(tx, c, id);
    TB_RETURN_IF_ERROR(tx.Commit());
  }
  DrainOutbox();  // at once; what cannot be done now is retried every 2 s
  return m;
}

absl::Status Directory::EraseSessions(records::Tx& tx, uint64_t c, uint64_t id) {
  // Sessions are few per member but not indexed for good (sign-out everywhere drops
  // the index): scan them all. Erasure is rare; the store's purge costs more anyway.
  const std::string prefix = SessionPrefix();
  auto it = store_->NewIterator(schema::kRecords);
  for (it->Seek(prefix); it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix); it->Next()) {
    dpb::Session s;
    if (!s.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("a session record in the directory is damaged");
    }
    if (s.principal().kind() == dpb::Principal::KIND_MEMBER && s.principal().community_id() == c &&
        s.principal().subject_id() == id) {
      tx.Delete(it->key());
    }
  }
  TB_RETURN_IF_ERROR(it->status());
  const std::string mine = MemberSessionPrefix(c, id);
  for (it->Seek(mine); it->Valid() && absl::StartsWith(AsAbsl(it->key()), mine); it->Next()) {
    tx.Delete(it->key());
  }
  return it->status();
}

absl::Status Directory::EraseAuditText(records::Tx& tx, uint64_t c, uint64_t id) {
  // Who did what to the member, and when, stays; what anyone wrote about them goes.
  const std::string prefix = AuditPrefix(c);
  auto it = store_->NewIterator(schema::kRecords);
  for (it->Seek(prefix); it->Valid() && absl::StartsWith(AsAbsl(it->key()), prefix); it->Next()) {
    dpb::AuditEntry e;
    if (!e.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("an audit entry in the directory is damaged");
    }
    if (e.member_id() != id || e.detail().empty()) continue;
    e.clear_detail();
    tx.Put(it->key(), e.SerializeAsString());
  }
  return it->status();
}

}  // namespace timebank::directory
