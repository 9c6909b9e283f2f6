// Communities and organisations: create (each opens its ledger account through the
// account outbox, and a retried create with the same request_id answers the first
// result), read, list, update.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/ids.h"
#include "services/common/update_mask.h"
#include "services/common/validation.h"
#include "services/directory/directory.h"
#include "services/directory/directory_fields.h"

namespace timebank::directory {
namespace {

namespace lpb = ::timebank::ledger::v1;
using records::FieldError;

absl::Status CheckCommunityFields(const dpb::Community& c) {
  TB_RETURN_IF_ERROR(CheckName("community.name", c.name(), true));
  absl::TimeZone tz;
  if (c.timezone().empty() || c.timezone().size() > 64 || !absl::LoadTimeZone(c.timezone(), &tz)) {
    return FieldError("community.timezone", "must be an IANA time zone such as Europe/London");
  }
  if (c.member_credit_limit_minutes() < 0 ||
      c.member_credit_limit_minutes() > DirectoryLimits::kMaxMemberCreditLimitMinutes) {
    return FieldError("community.member_credit_limit_minutes",
                      "must be 0..60000 minutes (up to 1,000 hours)");
  }
  if (c.organisation_credit_limit_minutes() < 0 ||
      c.organisation_credit_limit_minutes() > DirectoryLimits::kMaxOrganisationCreditLimitMinutes) {
    return FieldError("community.organisation_credit_limit_minutes",
                      "must be 0..60000000 minutes (up to 1,000,000 hours)");
  }
  if (!CurrencyExponent(c.expense_currency())) {
    return FieldError("community.expense_currency", "must be an ISO 4217 code such as GBP");
  }
  if (!dpb::SignupMode_IsValid(c.signup_mode())) {
    return FieldError("community.signup_mode", "unknown");
  }
  if (c.exchange_answer_hours() < 0 || c.exchange_answer_hours() > 720) {
    return FieldError("community.exchange_answer_hours", "1..720 hours (0 means a week)");
  }
  if (!dpb::UnconfirmedExchanges_IsValid(c.unconfirmed_exchanges())) {
    return FieldError("community.unconfirmed_exchanges", "auto-confirm or expire");
  }
  return absl::OkStatus();
}

void SetCommunityDefaults(dpb::Community* c) {
  if (c->signup_mode() == dpb::SIGNUP_MODE_UNSPECIFIED) {
    c->set_signup_mode(dpb::SIGNUP_MODE_INVITATION);
  }
  if (c->expense_currency().empty()) c->set_expense_currency("GBP");
  if (c->timezone().empty()) c->set_timezone("Europe/London");
  if (c->exchange_answer_hours() == 0) c->set_exchange_answer_hours(168);
  if (c->unconfirmed_exchanges() == dpb::UNCONFIRMED_EXCHANGES_UNSPECIFIED) {
    c->set_unconfirmed_exchanges(dpb::UNCONFIRMED_EXCHANGES_AUTO_CONFIRM);
  }
}

}  // namespace

absl::StatusOr<dpb::Community> Directory::CreateCommunity(const Actor& a, dpb::Community c,
                                                          const std::string& request_id) {
  SetCommunityDefaults(&c);
  TB_RETURN_IF_ERROR(CheckCommunityFields(c));
  TB_RETURN_IF_ERROR(records::CheckRequestId(request_id));
  absl::ReleasableMutexLock lock(&write_mu_);
  records::Tx tx = NewTx();
  TB_ASSIGN_OR_RETURN(
      dpb::Community made,
      records::IdempotentCreate<dpb::Community>(
          tx, records::RequestKey(schema::kRequest, {"community"}, request_id),
          [this](std::string_view first) { return Replay<dpb::Community>(first); },
          [&](records::Tx& tx) -> absl::StatusOr<records::Created<dpb::Community>> {
            TB_ASSIGN_OR_RETURN(uint64_t id, tx.NextId("community"));
            c.set_id(id);
            c.set_pool_account_id(PoolAccountId(id));
            *c.mutable_created_at() = Ts(Now());
            const std::string key = CommunityKey(id);
            tx.Put(key, records::Seal(c));
            accounts_.Add(tx, TimeAccount(c.pool_account_id(), id, lpb::OWNER_KIND_COMMUNITY_POOL,
                                          absl::StrCat("communities/", id), 0));
            Audit(tx, id, a, "community.create", 0, c.name());
            return records::Created<dpb::Community>{c, key};
          }));
  TB_RETURN_IF_ERROR(tx.Commit());
  const uint64_t round = accounts_.NextRound();
  lock.Release();
  AwaitAccounts(round);
  return made;
}

absl::StatusOr<dpb::Community> Directory::GetCommunity(uint64_t id) {
  const absl::Status missing = absl::NotFoundError(
      absl::StrCat("community ", id, " does not exist; tbctl community list shows them"));
  if (id == 0) return missing;  // the installation itself, not a community
  TB_ASSIGN_OR_RETURN(std::optional<dpb::Community> c,
                      Find<dpb::Community>(committed_, CommunityKey(id)));
  if (!c) return missing;
  return *std::move(c);
}

absl::StatusOr<Page<dpb::Community>> Directory::ListCommunities(uint64_t after_id, size_t limit) {
  return Scan<dpb::Community>(CommunityPrefix(), CommunityKey(after_id + 1), limit, nullptr);
}

absl::StatusOr<dpb::Community> Directory::UpdateCommunity(const Actor& a, const dpb::Community& in,
                                                          const google::protobuf::FieldMask& mask) {
  static const auto* kFields = new std::vector<std::string>{"name",
                                                            "timezone",
                                                            "member_credit_limit_minutes",
                                                            "organisation_credit_limit_minutes",
                                                            "expense_currency",
                                                            "signup_mode",
                                                            "exchange_answer_hours",
                                                            "unconfirmed_exchanges"};
  absl::MutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(dpb::Community c, GetCommunity(in.id()));
  TB_RETURN_IF_ERROR(records::CheckEtag(
      in.etag(), c.etag(),
      "community.etag: the community changed since you read it; read it again and retry"));
  TB_RETURN_IF_ERROR(ApplyUpdateMask(in, mask, *kFields, &c));
  TB_RETURN_IF_ERROR(CheckCommunityFields(c));
  records::Tx tx = NewTx();
  tx.Put(CommunityKey(c.id()), records::Seal(c));
  Audit(tx, c.id(), a, "community.update", 0, c.name());
  TB_RETURN_IF_ERROR(tx.Commit());
  return c;
}

absl::StatusOr<dpb::Organisation> Directory::CreateOrganisation(const Actor& a, dpb::Organisation o,
                                                                const std::string& request_id) {
  TB_RETURN_IF_ERROR(CheckName("organisation.name", o.name(), true));
  if (o.kind() == dpb::ORGANISATION_KIND_UNSPECIFIED || !dpb::OrganisationKind_IsValid(o.kind())) {
    return FieldError("organisation.kind",
                      "charity, public-service, recognition-partner or community-group");
  }
  TB_RETURN_IF_ERROR(records::CheckRequestId(request_id));
  absl::ReleasableMutexLock lock(&write_mu_);
  TB_ASSIGN_OR_RETURN(dpb::Community c, GetCommunity(o.community_id()));
  records::Tx tx = NewTx();
  TB_ASSIGN_OR_RETURN(
      dpb::Organisation made,
      records::IdempotentCreate<dpb::Organisation>(
          tx, records::RequestKey(schema::kRequest, {"org", c.id()}, request_id),
          [this](std::string_view first) { return Replay<dpb::Organisation>(first); },
          [&](records::Tx& tx) -> absl::StatusOr<records::Created<dpb::Organisation>> {
            TB_ASSIGN_OR_RETURN(uint64_t id, tx.NextId("organisation"));
            o.set_id(id);
            o.set_account_id(OrganisationAccountId(c.id(), id));
            *o.mutable_created_at() = Ts(Now());
            const std::string key = OrganisationKey(c.id(), id);
            tx.Put(key, records::Seal(o));
            const lpb::OwnerKind kind = o.kind() == dpb::ORGANISATION_KIND_RECOGNITION_PARTNER
                                            ? lpb::OWNER_KIND_PARTNER
                                            : lpb::OWNER_KIND_ORGANISATION;
            accounts_.Add(tx,
                          TimeAccount(o.account_id(), c.id(), kind,
                                      absl::StrCat("communities/", c.id(), "/organisations/", id),
                                      -c.organisation_credit_limit_minutes()));
            Audit(tx, c.id(), a, "organisation.create", 0, o.name());
            return records::Created<dpb::Organisation>{o, key};
          }));
  TB_RETURN_IF_ERROR(tx.Commit());
  const uint64_t round = accounts_.NextRound();
  lock.Release();
  AwaitAccounts(round);
  return made;
}

absl::StatusOr<dpb::Organisation> Directory::GetOrganisation(uint64_t c, uint64_t id) {
  TB_ASSIGN_OR_RETURN(std::optional<dpb::Organisation> o,
                      Find<dpb::Organisation>(committed_, OrganisationKey(c, id)));
  if (!o) {
    return absl::NotFoundError(
        absl::StrCat("organisation ", id, " does not exist in community ", c));
  }
  return *std::move(o);
}

absl::StatusOr<Page<dpb::Organisation>> Directory::ListOrganisations(uint64_t c, uint64_t after_id,
                                                                     size_t limit) {
  TB_RETURN_IF_ERROR(GetCommunity(c).status());
  return Scan<dpb::Organisation>(OrganisationPrefix(c), OrganisationKey(c, after_id + 1), limit,
                                 nullptr);
}

}  // namespace timebank::directory
