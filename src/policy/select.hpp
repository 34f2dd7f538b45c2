// Which policy applies to a container: the one rule the hook and `explain`
// share. The main policy is --policy FILE, else /etc/oci-sandbox/policy.json,
// else the built-in default. The annotation oci-sandbox/policy: NAME selects
// policies.d/NAME.json instead, and only when the main policy lists NAME in
// `selectable`: an annotation is whatever the container's creator wrote
// (podman copies an image's manifest annotations into the spec), so it can
// only pick what the administrator allowed.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "policy/document.hpp"
#include "util/result.hpp"

namespace osh::policy {

inline constexpr const char* kMainPolicyPath = "/etc/oci-sandbox/policy.json";
inline constexpr const char* kPoliciesDir = "/etc/oci-sandbox/policies.d";

struct PolicySources {
    std::optional<std::string> policy_file;  // --policy
    std::string main_path = kMainPolicyPath;
    std::string policies_dir = kPoliciesDir;
};

struct SelectedPolicy {
    Policy policy;
    std::string origin;  // the file, or "built-in default policy"
    std::optional<std::string> selected_by;  // "annotation oci-sandbox/policy=NAME"
};

// The main policy alone (the hook before it has read config.json).
Result<SelectedPolicy> main_policy(const PolicySources& src);

// The policy for a container with these annotations; `main` is the main
// policy when already loaded.
Result<SelectedPolicy> select_policy(const PolicySources& src,
                                     const std::map<std::string, std::string>& annotations,
                                     const SelectedPolicy* main = nullptr);

}  // namespace osh::policy
