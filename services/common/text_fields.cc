#include "services/common/text_fields.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "storage/absl_compat.h"
#include "storage/check.h"

namespace timebank {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using L = TextLimits;

StringField Text(std::string_view name, size_t max_bytes, Lines lines = Lines::kOne) {
  return {name, StringKind::kText, {max_bytes, lines}, Enforced::kAtEntry};
}
StringField PerItemText(std::string_view name, size_t max_bytes) {
  return {name, StringKind::kText, {max_bytes, Lines::kOne}, Enforced::kPerItem};
}
StringField Id(std::string_view name) { return {name, StringKind::kId}; }
StringField Code(std::string_view name) { return {name, StringKind::kCode}; }
StringField Token(std::string_view name) { return {name, StringKind::kToken}; }
StringField Secret(std::string_view name) { return {name, StringKind::kSecret}; }

std::vector<StringField> BuildTable() {
  return {
      // ---- ledger (memos, references and owner references get result codes) ----
      Id("timebank.ledger.v1.Account.id"),
      Code("timebank.ledger.v1.Account.unit"),
      PerItemText("timebank.ledger.v1.Account.owner_ref", L::kOwnerRefBytes),
      Id("timebank.ledger.v1.Transfer.id"),
      Id("timebank.ledger.v1.Transfer.debit_account_id"),
      Id("timebank.ledger.v1.Transfer.credit_account_id"),
      PerItemText("timebank.ledger.v1.Transfer.reference", L::kTransferReferenceBytes),
      PerItemText("timebank.ledger.v1.Transfer.memo", L::kMemoBytes),
      Id("timebank.ledger.v1.Transfer.pending_id"),
      Id("timebank.ledger.v1.Transfer.reverses_id"),
      Code("timebank.ledger.v1.Transfer.unit"),
      Id("timebank.ledger.v1.GetAccountsRequest.ids"),
      Code("timebank.ledger.v1.ListAccountsRequest.unit"),
      Token("timebank.ledger.v1.ListAccountsRequest.page_token"),
      Id("timebank.ledger.v1.SetAccountStatusRequest.id"),
      Text("timebank.ledger.v1.SetAccountStatusRequest.reason", L::kMemoBytes),
      Id("timebank.ledger.v1.GetTransfersRequest.ids"),
      Id("timebank.ledger.v1.ListTransfersRequest.account_id"),
      Token("timebank.ledger.v1.ListTransfersRequest.page_token"),

      // ---- well-known types: an update mask names fields (checked by update_mask) ----
      Code("google.protobuf.FieldMask.paths"),

      // ---- system ----
      {"timebank.system.v1.CreateBackupRequest.dir", StringKind::kPath},

      // ---- directory ----
      Text("timebank.directory.v1.Community.name", L::kNameBytes),
      Code("timebank.directory.v1.Community.timezone"),
      Code("timebank.directory.v1.Community.expense_currency"),
      Id("timebank.directory.v1.Community.pool_account_id"),
      Token("timebank.directory.v1.Community.etag"),
      Text("timebank.directory.v1.Organisation.name", L::kNameBytes),
      Id("timebank.directory.v1.Organisation.account_id"),
      Token("timebank.directory.v1.Organisation.etag"),
      Id("timebank.directory.v1.Member.member_number"),
      Id("timebank.directory.v1.Member.username"),
      Id("timebank.directory.v1.Member.requested_username"),
      Text("timebank.directory.v1.Member.display_name", L::kNameBytes),
      Text("timebank.directory.v1.Member.email", L::kEmailBytes),
      Text("timebank.directory.v1.Member.phone", L::kPhoneBytes),
      Text("timebank.directory.v1.Member.tags", L::kTagBytes),
      Id("timebank.directory.v1.Member.account_id"),
      Token("timebank.directory.v1.Member.etag"),
      Id("timebank.directory.v1.CreateCommunityRequest.request_id"),
      Token("timebank.directory.v1.ListCommunitiesRequest.page_token"),
      Id("timebank.directory.v1.CreateOrganisationRequest.request_id"),
      Token("timebank.directory.v1.ListOrganisationsRequest.page_token"),
      Secret("timebank.directory.v1.CreateMemberRequest.password"),
      Id("timebank.directory.v1.CreateMemberRequest.request_id"),
      Id("timebank.directory.v1.LookupMembersRequest.member_numbers"),
      Text("timebank.directory.v1.ResolveMemberRequest.reference", L::kNameBytes),
      // Output only (a post's poster): a request's copy is replaced.
      Text("timebank.directory.v1.MemberName.display_name", L::kNameBytes),
      Id("timebank.directory.v1.MemberName.member_number"),
      Text("timebank.directory.v1.SearchMembersRequest.query", L::kNameBytes),
      Text("timebank.directory.v1.SearchMembersRequest.tag", L::kTagBytes),
      Token("timebank.directory.v1.SearchMembersRequest.page_token"),
      Text("timebank.directory.v1.SetMemberStatusRequest.reason", L::kReasonBytes),
      Id("timebank.directory.v1.SetMemberStatusRequest.username"),
      Text("timebank.directory.v1.GrantRoleRequest.reason", L::kReasonBytes),
      Text("timebank.directory.v1.RevokeRoleRequest.reason", L::kReasonBytes),
      Token("timebank.directory.v1.ListAuditRequest.page_token"),
      Text("timebank.directory.v1.CreateInvitationRequest.note", L::kReasonBytes),
      Token("timebank.directory.v1.ListInvitationsRequest.page_token"),
      Token("timebank.directory.v1.ListOrganisationBalancesRequest.page_token"),
      Text("timebank.directory.v1.CreateApiKeyRequest.label", L::kNameBytes),
      Token("timebank.directory.v1.ListApiKeysRequest.page_token"),
      Text("timebank.directory.v1.EraseMemberRequest.reason", L::kReasonBytes),

      // ---- auth ----
      Secret("timebank.directory.v1.SignUpRequest.invitation_code"),
      Id("timebank.directory.v1.SignUpRequest.username"),
      Secret("timebank.directory.v1.SignUpRequest.password"),
      Text("timebank.directory.v1.SignUpRequest.display_name", L::kNameBytes),
      Text("timebank.directory.v1.SignUpRequest.email", L::kEmailBytes),
      Id("timebank.directory.v1.SignInRequest.username"),
      Secret("timebank.directory.v1.SignInRequest.password"),
      Secret("timebank.directory.v1.SignInRequest.api_key"),
      Secret("timebank.directory.v1.RefreshRequest.refresh_token"),
      Secret("timebank.directory.v1.SignOutRequest.refresh_token"),
      Secret("timebank.directory.v1.ChangePasswordRequest.current_password"),
      Secret("timebank.directory.v1.ChangePasswordRequest.new_password"),
      Secret("timebank.directory.v1.SetPasswordRequest.new_password"),
      Secret("timebank.directory.v1.CompleteSetupRequest.setup_code"),
      Id("timebank.directory.v1.CompleteSetupRequest.username"),
      Secret("timebank.directory.v1.CompleteSetupRequest.password"),

      // ---- activity (import rows are checked row by row: a bad row is rejected) ----
      Text("timebank.activity.v1.LogContributionsRequest.description",
           L::kActivityDescriptionBytes),
      Id("timebank.activity.v1.LogContributionsRequest.request_id"),
      Id("timebank.activity.v1.ImportRow.member_number"),
      Code("timebank.activity.v1.ImportRow.date"),
      PerItemText("timebank.activity.v1.ImportRow.description", L::kActivityDescriptionBytes),
      Text("timebank.activity.v1.ReportContributionRequest.description",
           L::kActivityDescriptionBytes),
      Id("timebank.activity.v1.ReportContributionRequest.request_id"),
      Text("timebank.activity.v1.ReviewContributionRequest.reason", L::kReasonBytes),
      Text("timebank.activity.v1.RecordExchangeRequest.description", L::kActivityDescriptionBytes),
      Id("timebank.activity.v1.RecordExchangeRequest.request_id"),
      Text("timebank.activity.v1.RecordGroupSessionRequest.description",
           L::kActivityDescriptionBytes),
      Id("timebank.activity.v1.RecordGroupSessionRequest.request_id"),
      Text("timebank.activity.v1.RespondToExchangeRequest.reason", L::kReasonBytes),
      Text("timebank.activity.v1.ResolveDisputeRequest.reason", L::kReasonBytes),
      Id("timebank.activity.v1.ResolveDisputeRequest.request_id"),
      Text("timebank.activity.v1.ReverseActivityRequest.reason", L::kReasonBytes),
      Text("timebank.activity.v1.DonateRequest.description", L::kActivityDescriptionBytes),
      Id("timebank.activity.v1.DonateRequest.request_id"),
      Text("timebank.activity.v1.RedeemRequest.description", L::kActivityDescriptionBytes),
      Id("timebank.activity.v1.RedeemRequest.request_id"),
      Text("timebank.activity.v1.Post.title", L::kPostTitleBytes),
      Text("timebank.activity.v1.Post.details", L::kPostDetailsBytes, Lines::kMany),
      Text("timebank.activity.v1.Post.tags", L::kTagBytes),
      Id("timebank.activity.v1.CreatePostRequest.request_id"),
      Text("timebank.activity.v1.SearchPostsRequest.tag", L::kTagBytes),
      Text("timebank.activity.v1.SearchPostsRequest.text", L::kPostTitleBytes),
      Token("timebank.activity.v1.SearchPostsRequest.page_token"),
      Text("timebank.activity.v1.SendPostMessageRequest.text", L::kPostMessageBytes, Lines::kMany),
      Id("timebank.activity.v1.SendPostMessageRequest.request_id"),
      Token("timebank.activity.v1.ListPostMessagesRequest.page_token"),
      Token("timebank.activity.v1.ListActivitiesRequest.page_token"),
      Token("timebank.activity.v1.ListTasksRequest.page_token"),

      // ---- expenses (a claim in a request carries its output-only parts too) ----
      Code("timebank.expenses.v1.Policy.currency"),
      Token("timebank.expenses.v1.Policy.etag"),
      Code("timebank.expenses.v1.ClaimLine.date"),
      Text("timebank.expenses.v1.ClaimLine.description", L::kClaimLineDescriptionBytes),
      Text("timebank.expenses.v1.Receipt.filename", L::kReceiptFilenameBytes),
      Code("timebank.expenses.v1.Receipt.content_type"),
      Code("timebank.expenses.v1.Receipt.sha256_hex"),
      Text("timebank.expenses.v1.ClaimEvent.reason", L::kReasonBytes),
      Text("timebank.expenses.v1.Claim.title", L::kClaimTitleBytes),
      Code("timebank.expenses.v1.Claim.currency"),
      Token("timebank.expenses.v1.Claim.etag"),
      Code("timebank.expenses.v1.Claim.ledger_result"),
      Id("timebank.expenses.v1.CreateClaimRequest.request_id"),
      Token("timebank.expenses.v1.SubmitClaimRequest.etag"),
      Token("timebank.expenses.v1.ListClaimsRequest.page_token"),
      Token("timebank.expenses.v1.DecideClaimRequest.etag"),
      Text("timebank.expenses.v1.DecideClaimRequest.reason", L::kReasonBytes),
      Token("timebank.expenses.v1.AttachReceiptRequest.etag"),
      Text("timebank.expenses.v1.AttachReceiptRequest.filename", L::kReceiptFilenameBytes),
      Token("timebank.expenses.v1.DetachReceiptRequest.etag"),
      Token("timebank.expenses.v1.ReverseApprovalRequest.etag"),
      Text("timebank.expenses.v1.ReverseApprovalRequest.reason", L::kReasonBytes),
      Id("timebank.expenses.v1.CreatePaymentBatchRequest.request_id"),
      Token("timebank.expenses.v1.ListPaymentBatchesRequest.page_token"),
      Text("timebank.expenses.v1.MarkBatchPaidRequest.payment_reference",
           L::kPaymentReferenceBytes),
      Code("timebank.expenses.v1.GetMoneyReportRequest.from_month"),
      Code("timebank.expenses.v1.GetMoneyReportRequest.to_month"),
      // Bank details and the Bacs originator: numbers held to their own forms by the
      // expenses service (bank_details.h); names to the Bacs character set after this.
      Id("timebank.expenses.v1.BacsOriginator.service_user_number"),
      Id("timebank.expenses.v1.BacsOriginator.sort_code"),
      Id("timebank.expenses.v1.BacsOriginator.account_number"),
      Text("timebank.expenses.v1.BacsOriginator.account_name", L::kBankAccountNameBytes),
      Id("timebank.expenses.v1.SetBankDetailsRequest.sort_code"),
      Id("timebank.expenses.v1.SetBankDetailsRequest.account_number"),
      Text("timebank.expenses.v1.SetBankDetailsRequest.account_name", L::kBankAccountNameBytes),
      Code("timebank.expenses.v1.ExportPaymentBatchRequest.processing_date"),
      Code("timebank.rewards.v1.Annotation.date"),
      Text("timebank.rewards.v1.Annotation.text", L::kAnnotationBytes),
      Id("timebank.rewards.v1.AnnotateChangeRequest.request_id"),
      Id("timebank.rewards.v1.HideBadgeRequest.badge_id"),
      // Badge rules: checked again by the rules' own validation (badge_rules.h).
      Id("timebank.rewards.v1.BadgeRule.id"),
      Text("timebank.rewards.v1.BadgeRule.name", L::kBadgeNameBytes),
      Text("timebank.rewards.v1.BadgeRule.description", L::kBadgeDescriptionBytes, Lines::kMany),
      Text("timebank.rewards.v1.BadgeRule.criteria", L::kBadgeCriteriaBytes, Lines::kMany),
      Token("timebank.rewards.v1.ListLeaderboardRequest.page_token"),
      Id("timebank.rewards.v1.ExportCredentialRequest.badge_id"),
      Code("timebank.rewards.v1.PauseStreakRequest.starts_on"),
      Text("timebank.rewards.v1.LeaveThanksRequest.text", L::kThankYouBytes),
      Token("timebank.rewards.v1.ListThanksRequest.page_token"),
      Token("timebank.rewards.v1.ExportMemberRewardsRequest.page_token"),
      Text("timebank.rewards.v1.HideThanksRequest.reason", L::kReasonBytes),
  };
}

const absl::flat_hash_map<absl::string_view, const StringField*>& ByName() {
  static const auto* const map = [] {
    auto* m = new absl::flat_hash_map<absl::string_view, const StringField*>();
    for (const StringField& f : StringFieldTable()) m->emplace(AsAbsl(f.name), &f);
    return m;
  }();
  return *map;
}

constexpr TextRule kUnclassifiedRule = {L::kUnclassifiedBytes, Lines::kOne};

// What NormaliseRequestText visits in one message type: its text fields checked at
// entry, and its message fields whose types hold such text somewhere below.
struct Plan {
  struct TextField {
    const FieldDescriptor* field;
    TextRule rule;
  };
  std::vector<TextField> texts;
  std::vector<const FieldDescriptor*> children;
  bool empty() const { return texts.empty() && children.empty(); }
};

// Plans are built once per message type and never change, so a request pays a hash
// lookup per message it holds, and nothing at all for types with no text to check.
class Plans {
 public:
  const Plan& For(const Descriptor* type) {
    {
      absl::ReaderMutexLock lock(&mu_);
      if (auto it = plans_.find(type); it != plans_.end()) return *it->second;
    }
    absl::MutexLock lock(&mu_);
    return BuildLocked(type);
  }

 private:
  const Plan& BuildLocked(const Descriptor* type) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (auto it = plans_.find(type); it != plans_.end()) return *it->second;
    // Inserted before its children are built, so a type that contains itself ends; a
    // field of a type still being built is always walked.
    Plan& plan = *plans_.emplace(type, std::make_unique<Plan>()).first->second;
    building_.insert(type);
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* f = type->field(i);
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
          f->type() == FieldDescriptor::TYPE_STRING) {
        const StringField* entry = FindStringField(f->full_name());
        if (entry == nullptr) {
          plan.texts.push_back({f, kUnclassifiedRule});
        } else if (entry->kind == StringKind::kText && entry->enforced == Enforced::kAtEntry) {
          plan.texts.push_back({f, entry->rule});
        }
      } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        const Descriptor* child = f->message_type();
        if (building_.contains(child) || !BuildLocked(child).empty()) plan.children.push_back(f);
      }
    }
    building_.erase(type);
    return plan;
  }

  absl::Mutex mu_;
  absl::flat_hash_map<const Descriptor*, std::unique_ptr<Plan>> plans_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<const Descriptor*> building_ ABSL_GUARDED_BY(mu_);
};

Plans& AllPlans() {
  static Plans* const plans = new Plans();
  return *plans;
}

// The fields walked through to reach the one being checked, for the error message.
struct Step {
  const FieldDescriptor* field;
  int index;  // -1 for a singular field
};

std::string PathOf(const std::vector<Step>& steps) {
  std::string path;
  for (const Step& s : steps) {
    if (!path.empty()) path += '.';
    path += s.field->name();
    if (s.index >= 0) absl::StrAppend(&path, "[", s.index, "]");
  }
  return path;
}

// Normalises one string in place; the refusal names the path.
absl::Status ApplyAt(Message* m, const Plan::TextField& t, int index, std::vector<Step>* steps,
                     std::string* scratch) {
  const google::protobuf::Reflection* r = m->GetReflection();
  const std::string& value = index < 0 ? r->GetStringReference(*m, t.field, scratch)
                                       : r->GetRepeatedStringReference(*m, t.field, index, scratch);
  if (value.empty()) return absl::OkStatus();
  std::string normalised;
  bool changed = false;
  if (std::optional<TextProblem> p = ApplyTextRule(value, t.rule, &normalised, &changed)) {
    steps->push_back({t.field, index});
    return absl::InvalidArgumentError(DescribeTextProblem(PathOf(*steps), *p, t.rule));
  }
  if (!changed) return absl::OkStatus();
  if (index < 0) {
    r->SetString(m, t.field, std::move(normalised));
  } else {
    r->SetRepeatedString(m, t.field, index, std::move(normalised));
  }
  return absl::OkStatus();
}

absl::Status Walk(Message* m, std::vector<Step>* steps, std::string* scratch) {
  const Plan& plan = AllPlans().For(m->GetDescriptor());
  const google::protobuf::Reflection* r = m->GetReflection();
  for (const Plan::TextField& t : plan.texts) {
    if (!t.field->is_repeated()) {
      TB_RETURN_IF_ERROR(ApplyAt(m, t, -1, steps, scratch));
      continue;
    }
    const int n = r->FieldSize(*m, t.field);
    for (int i = 0; i < n; ++i) TB_RETURN_IF_ERROR(ApplyAt(m, t, i, steps, scratch));
  }
  for (const FieldDescriptor* f : plan.children) {
    if (!f->is_repeated()) {
      if (!r->HasField(*m, f)) continue;
      steps->push_back({f, -1});
      TB_RETURN_IF_ERROR(Walk(r->MutableMessage(m, f), steps, scratch));
      steps->pop_back();
      continue;
    }
    const int n = r->FieldSize(*m, f);
    for (int i = 0; i < n; ++i) {
      steps->push_back({f, i});
      TB_RETURN_IF_ERROR(Walk(r->MutableRepeatedMessage(m, f, i), steps, scratch));
      steps->pop_back();
    }
  }
  return absl::OkStatus();
}

void CollectStringFields(const Descriptor* type, const std::string& prefix,
                         absl::flat_hash_set<const Descriptor*>* on_path,
                         std::vector<StringFieldPath>* out) {
  if (!on_path->insert(type).second) return;  // a type that contains itself
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* f = type->field(i);
    const std::string path = prefix.empty() ? f->name() : absl::StrCat(prefix, ".", f->name());
    if (f->type() == FieldDescriptor::TYPE_STRING) {
      out->push_back({path, f->full_name(), FindStringField(f->full_name())});
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      CollectStringFields(f->message_type(), path, on_path, out);
    }
  }
  on_path->erase(type);
}

}  // namespace

const std::vector<StringField>& StringFieldTable() {
  static const auto* const table = new std::vector<StringField>(BuildTable());
  return *table;
}

const StringField* FindStringField(std::string_view full_name) {
  auto it = ByName().find(AsAbsl(full_name));
  return it == ByName().end() ? nullptr : it->second;
}

absl::Status NormaliseRequestText(Message* request) {
  std::vector<Step> steps;
  std::string scratch;
  return Walk(request, &steps, &scratch);
}

std::vector<StringFieldPath> StringFieldsOf(const Descriptor* type) {
  std::vector<StringFieldPath> out;
  absl::flat_hash_set<const Descriptor*> on_path;
  CollectStringFields(type, "", &on_path, &out);
  return out;
}

}  // namespace timebank
