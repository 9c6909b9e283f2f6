#include "services/common/update_mask.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/field_mask_util.h"
#include "storage/check.h"

namespace timebank {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::FieldMask;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::util::FieldMaskUtil;

constexpr size_t kMaxPathBytesShown = 64;

// Whether `patch` sets the field at `path`: every message on the way is present and
// the last field is not empty (proto3: not its default).
bool IsSet(const Message& patch, const std::string& path) {
  std::vector<const FieldDescriptor*> fields;
  if (!FieldMaskUtil::GetFieldDescriptors(patch.GetDescriptor(), path, &fields)) return false;
  const Message* m = &patch;
  for (size_t i = 0; i < fields.size(); ++i) {
    const Reflection* r = m->GetReflection();
    if (fields[i]->is_repeated()) return r->FieldSize(*m, fields[i]) > 0;
    if (!r->HasField(*m, fields[i])) return false;
    if (i + 1 < fields.size()) m = &r->GetMessage(*m, fields[i]);
  }
  return true;
}

}  // namespace

FieldMask FullUpdateMask() {
  FieldMask m;
  m.add_paths()->assign(1, '*');  // (GCC 12 warns falsely on assigning "*")
  return m;
}

absl::Status ApplyUpdateMask(const Message& patch, const FieldMask& mask,
                             const std::vector<std::string>& updatable, Message* target) {
  TB_CHECK(patch.GetDescriptor() == target->GetDescriptor());
  FieldMask effective;
  std::set<std::string> seen;
  for (const std::string& path : mask.paths()) {
    if (path == "*") {
      if (mask.paths_size() != 1) {
        return absl::InvalidArgumentError("update_mask: \"*\" (every field) stands alone");
      }
      for (const std::string& u : updatable) effective.add_paths(u);
      continue;
    }
    if (std::find(updatable.begin(), updatable.end(), path) == updatable.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "update_mask: '", path.substr(0, kMaxPathBytesShown),
          "' is not a field that can be changed; these can: ", absl::StrJoin(updatable, ", ")));
    }
    if (!seen.insert(path).second) {
      return absl::InvalidArgumentError(absl::StrCat("update_mask: '", path, "' is named twice"));
    }
    effective.add_paths(path);
  }
  if (mask.paths_size() == 0) {
    for (const std::string& u : updatable) {
      if (IsSet(patch, u)) effective.add_paths(u);
    }
  }
  FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  FieldMaskUtil::MergeMessageTo(patch, effective, options, target);
  return absl::OkStatus();
}

}  // namespace timebank
