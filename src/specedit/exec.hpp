// `runtime exec` through the shim: a process started in a running container
// goes through the enforcer with that container's own plan, like its first
// process. The container's bundle is asked of the next runtime (`state`),
// its config.json says whether the container is ours and which plan and
// edit key its enforcer uses.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "oci/spec_edit.hpp"
#include "specedit/prepare.hpp"
#include "specedit/shim_args.hpp"
#include "util/result.hpp"

namespace osh::specedit {

// The bundle directory the next runtime reports for container `id`
// (`NEXT GLOBAL... state ID`).
Result<std::string> container_bundle(const std::string& next_runtime,
                                     const std::vector<std::string>& global,
                                     const std::string& id);

// The enforcer parameters of a running container of ours, from its bundle's
// config.json; nullopt when the container was not started through a spec
// edit of ours (no plan mount, no enforcer in front of its command). A
// container of ours whose plan is not in place is an error: its exec must
// not run unconfined.
Result<std::optional<oci::EditParams>> exec_params(const std::string& bundle_dir,
                                                   const std::string& run_root);

// Rewrites `runtime exec` arguments so the new process starts under the
// enforcer: the --process file is edited in place (atomically; every other
// field kept), or the prefix goes in front of an inline command.
Result<std::vector<std::string>> confine_exec(const std::vector<std::string>& args,
                                              const ShimArgs& parsed,
                                              const oci::EditParams& params);

}  // namespace osh::specedit
