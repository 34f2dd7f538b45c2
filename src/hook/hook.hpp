// The OCI hook (`oci-sandbox-hook hook`): at createRuntime (or prestart) it
// builds the container's effective policy and plan and writes them into the
// plan directory the spec edit created; at poststop it removes that
// directory. One pass over its inputs; nothing from the image is executed.
#pragma once

#include <optional>
#include <string>

#include "plan/plan_dir.hpp"

namespace osh::hook {

struct HookOptions {
    std::optional<std::string> policy_file;  // --policy
    std::optional<std::string> stage;        // --stage
    std::string run_root = plan::kRunRoot;
    std::string policy_path = "/etc/oci-sandbox/policy.json";
    std::string policies_dir = "/etc/oci-sandbox/policies.d";
    std::string default_log = "/var/log/oci-sandbox-hook.log";  // until a policy names one
};

// Runs the hook with the OCI state read from `state_fd`. Returns the exit
// status: 0 done or tolerated, 1 strict failure (no plan left behind).
int run_hook(const HookOptions& opts, int state_fd);

// A policy name from the oci-sandbox/policy annotation: [A-Za-z0-9][A-Za-z0-9_.-]{0,63}, no "..".
bool valid_policy_name(std::string_view name);

}  // namespace osh::hook
