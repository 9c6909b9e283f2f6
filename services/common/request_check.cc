#include "services/common/request_check.h"

#include <algorithm>
#include <deque>
#include <memory>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace timebank {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

namespace {

constexpr char kTimestamp[] = "google.protobuf.Timestamp";
constexpr char kDuration[] = "google.protobuf.Duration";

bool IsTime(const Descriptor* d) {
  return d->full_name() == kTimestamp || d->full_name() == kDuration;
}

// An enum field can hold an undeclared value only when its enum is open (proto3):
// a closed (proto2) enum's parser keeps unknown values out of the field.
bool IsOpenEnum(const FieldDescriptor* f) {
  return f->cpp_type() == FieldDescriptor::CPPTYPE_ENUM &&
         f->enum_type()->file()->syntax() == google::protobuf::FileDescriptor::SYNTAX_PROTO3;
}

// Whether a message of type `root`, at any depth, has an enum or time field. A walk
// over every reachable type, so recursive types are answered correctly.
bool NeedsCheck(const Descriptor* root) {
  absl::flat_hash_set<const Descriptor*> seen = {root};
  std::deque<const Descriptor*> todo = {root};
  while (!todo.empty()) {
    const Descriptor* d = todo.front();
    todo.pop_front();
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      if (IsOpenEnum(f)) return true;
      if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
      if (IsTime(f->message_type())) return true;
      if (seen.insert(f->message_type()).second) todo.push_back(f->message_type());
    }
  }
  return false;
}

// A map entry's key as a path shows it: labels["x"], by_id[7].
std::string MapKey(const Message& entry) {
  const FieldDescriptor* key = entry.GetDescriptor()->map_key();
  const Reflection* r = entry.GetReflection();
  switch (key->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return absl::StrCat("\"", r->GetString(entry, key), "\"");
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(r->GetInt32(entry, key));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(r->GetInt64(entry, key));
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(r->GetUInt32(entry, key));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(r->GetUInt64(entry, key));
    case FieldDescriptor::CPPTYPE_BOOL:
      return r->GetBool(entry, key) ? "true" : "false";
    default:
      return "?";
  }
}

// `field`, `field[i]` or `field["key"]`, then the path inside it.
std::string Join(const FieldDescriptor* f, const Message* entry, int index,
                 const std::string& inner) {
  std::string path = f->name();
  std::string rest = inner;
  if (f->is_map()) {
    absl::StrAppend(&path, "[", MapKey(*entry), "]");
    rest = rest.substr(std::min<size_t>(rest.size(), 5));  // the entry's "value"
    if (!rest.empty() && rest[0] == '.') rest.erase(0, 1);
  } else if (f->is_repeated()) {
    absl::StrAppend(&path, "[", index, "]");
  }
  if (!rest.empty()) absl::StrAppend(&path, ".", rest);
  return path;
}

}  // namespace

// Builds checks under one lock; each is published complete (readers take the lock
// too), and a check is in the table before its fields are worked out, so recursive
// types point at themselves.
class RequestCheck::Builder {
 public:
  static Builder& Get() {
    static Builder* b = new Builder();
    return *b;
  }

  const RequestCheck* For(const Descriptor* type) {
    {
      absl::ReaderMutexLock lock(&mu_);
      if (auto it = checks_.find(type); it != checks_.end()) return it->second.get();
    }
    absl::MutexLock lock(&mu_);
    return BuildLocked(type);
  }

 private:
  const RequestCheck* BuildLocked(const Descriptor* type) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto [it, inserted] = checks_.try_emplace(type);
    if (!inserted) return it->second.get();
    it->second.reset(new RequestCheck());
    RequestCheck* check = it->second.get();  // stable: the map holds pointers
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* f = type->field(i);
      Rule rule;
      rule.field = f;
      if (IsOpenEnum(f)) {
        rule.kind = Kind::kEnum;
        FillEnum(f->enum_type(), &rule);
      } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && IsTime(f->message_type())) {
        const Descriptor* t = f->message_type();
        rule.kind = t->full_name() == kTimestamp ? Kind::kTimestamp : Kind::kDuration;
        rule.seconds = t->FindFieldByName("seconds");
        rule.nanos = t->FindFieldByName("nanos");
      } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
                 NeedsCheck(f->message_type())) {
        rule.kind = Kind::kMessage;
        rule.nested = BuildLocked(f->message_type());
      } else {
        continue;
      }
      check->rules_.push_back(rule);
    }
    return check;
  }

  static void FillEnum(const EnumDescriptor* e, Rule* rule) {
    std::set<int> numbers;
    for (int i = 0; i < e->value_count(); ++i) numbers.insert(e->value(i)->number());
    rule->enum_type = e;
    rule->enum_min = *numbers.begin();
    rule->enum_max = *numbers.rbegin();
    rule->enum_dense = static_cast<int64_t>(rule->enum_max) - rule->enum_min + 1 ==
                       static_cast<int64_t>(numbers.size());
  }

  absl::Mutex mu_;
  absl::flat_hash_map<const Descriptor*, std::unique_ptr<RequestCheck>> checks_
      ABSL_GUARDED_BY(mu_);
};

const RequestCheck* RequestCheck::For(const Descriptor* type) { return Builder::Get().For(type); }

absl::Status RequestCheck::Check(const Message& message) const {
  if (rules_.empty()) return absl::OkStatus();
  std::string path, problem;
  if (!FindBad(message, &path, &problem)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", problem));
}

bool RequestCheck::FindBad(const Message& message, std::string* path, std::string* problem) const {
  const Reflection* r = message.GetReflection();
  for (const Rule& rule : rules_) {
    const FieldDescriptor* f = rule.field;
    const int n = f->is_repeated() ? r->FieldSize(message, f) : 1;
    if (!f->is_repeated() && rule.kind != Kind::kEnum && !r->HasField(message, f)) continue;
    for (int i = 0; i < n; ++i) {
      std::string inner;
      const Message* sub = nullptr;
      bool bad = false;
      if (rule.kind == Kind::kEnum) {
        bad = BadEnum(
            rule,
            f->is_repeated() ? r->GetRepeatedEnumValue(message, f, i) : r->GetEnumValue(message, f),
            problem);
      } else {
        sub = f->is_repeated() ? &r->GetRepeatedMessage(message, f, i) : &r->GetMessage(message, f);
        bad = rule.kind == Kind::kMessage ? rule.nested->FindBad(*sub, &inner, problem)
                                          : BadTime(rule, *sub, &inner, problem);
      }
      if (bad) {
        *path = Join(f, sub, i, inner);
        return true;
      }
    }
  }
  return false;
}

bool RequestCheck::BadEnum(const Rule& rule, int value, std::string* problem) {
  const bool declared = rule.enum_dense ? value >= rule.enum_min && value <= rule.enum_max
                                        : rule.enum_type->FindValueByNumber(value) != nullptr;
  if (declared) return false;
  std::string names;
  for (int i = 0; i < rule.enum_type->value_count(); ++i) {
    absl::StrAppend(&names, i == 0 ? "" : ", ", rule.enum_type->value(i)->name());
  }
  *problem = absl::StrCat(value, " is not a value of ", rule.enum_type->full_name(),
                          "; use one of ", names);
  return true;
}

bool RequestCheck::BadTime(const Rule& rule, const Message& time, std::string* path,
                           std::string* problem) {
  const Reflection* r = time.GetReflection();
  const int64_t seconds = r->GetInt64(time, rule.seconds);
  const int32_t nanos = r->GetInt32(time, rule.nanos);
  if (rule.kind == Kind::kTimestamp) {
    if (nanos < 0 || nanos > kMaxNanos) {
      *path = "nanos";
      *problem = "must be 0..999999999 (the fraction of the second, in nanoseconds)";
      return true;
    }
    if (seconds < kMinTimestampSeconds || seconds > kMaxTimestampSeconds) {
      *path = "seconds";
      *problem =
          "must be a time between 0001-01-01 and 9999-12-31 UTC (in seconds since 1970-01-01)";
      return true;
    }
    return false;
  }
  if (seconds < -kMaxDurationSeconds || seconds > kMaxDurationSeconds) {
    *path = "seconds";
    *problem = "must be within 10,000 years either way (315576000000 seconds)";
    return true;
  }
  if (nanos < -kMaxNanos || nanos > kMaxNanos || (seconds > 0 && nanos < 0) ||
      (seconds < 0 && nanos > 0)) {
    *path = "nanos";
    *problem = "must be -999999999..999999999, with the same sign as seconds";
    return true;
  }
  return false;
}

}  // namespace timebank
