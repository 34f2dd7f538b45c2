// The OCI hook (`oci-sandbox-hook hook`): at createRuntime (or prestart) it
// builds the container's effective policy and plan and writes them into the
// plan directory the spec edit created; at poststop it removes that
// directory. One pass over its inputs; nothing from the image is executed.
#pragma once

#include <optional>
#include <string>

#include "plan/plan_dir.hpp"
#include "policy/select.hpp"
#include "report/event.hpp"

namespace osh::hook {

struct HookOptions {
    policy::PolicySources sources;     // --policy, --policies-dir
    std::optional<std::string> stage;  // --stage
    std::string run_root = plan::kRunRoot;
    std::string default_log = report::kDefaultLogPath;  // until a policy names one
    // The enforcer the spec edit bound into the container; nullopt: the one
    // installed beside this binary.
    std::optional<std::string> enforcer;
};

// Runs the hook with the OCI state read from `state_fd`. Returns the exit
// status: 0 done or tolerated, 1 strict failure (no plan left behind).
int run_hook(const HookOptions& opts, int state_fd);

}  // namespace osh::hook
