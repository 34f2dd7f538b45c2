// `runtime exec` through the shim: a process started in a running container
// goes through the enforcer with that container's own plan, like its first
// process. Whether the container is ours is asked of the next runtime
// (`state`): the annotations it reports are those of the config it created
// the container from, kept in its own state, so a bundle config.json
// rewritten or removed since does not turn the container into "not ours".
// A runtime whose state reports no annotations falls back to the bundle's
// config.json.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "oci/spec_edit.hpp"
#include "specedit/prepare.hpp"
#include "specedit/shim_args.hpp"
#include "util/result.hpp"

namespace osh::specedit {

// What the next runtime reports for container `id` (`NEXT GLOBAL... state ID`).
struct ContainerState {
    std::string bundle;
    std::optional<std::string> plan_key;  // its oci-sandbox/plan-key annotation
    int pid = 0;  // its init process, whose namespaces an exec enters (0: none reported)
};
Result<ContainerState> container_state(const std::string& next_runtime,
                                       const std::vector<std::string>& global,
                                       const std::string& id);

// The enforcer parameters of a running container of ours; nullopt when the
// container was not started through a spec edit of ours. The plan-key
// annotation the runtime reports names the plan directory, whose edit key
// the enforcer checks; without it, the bundle's config.json (plan mount and
// enforcer prefix) decides. A container of ours whose plan is not in place is
// an error: its exec must not run unconfined.
Result<std::optional<oci::EditParams>> exec_params(const ContainerState& state,
                                                   const std::string& id,
                                                   const std::string& run_root);

// Rewrites `runtime exec` arguments so the new process starts under the
// enforcer: the --process file is edited in place (atomically; every other
// field kept), or the prefix goes in front of an inline command.
Result<std::vector<std::string>> confine_exec(const std::vector<std::string>& args,
                                              const ShimArgs& parsed,
                                              const oci::EditParams& params);

}  // namespace osh::specedit
