// The hook's dry run (`explain`): the same policy selection, the same
// resolver, detection, rewrite and checks as the hook, on a bundle (or a
// bare config.json) instead of a container being created, ending with the
// verdict the hook would reach: plan it (saying what would not be in force)
// or refuse it (saying which kind fails and how to fix it). It changes
// nothing and installs nothing.
#pragma once

#include <optional>
#include <string>

#include "policy/effective.hpp"
#include "policy/select.hpp"
#include "util/result.hpp"

namespace osh::hook {

struct DryRunInput {
    std::string config_path;
    std::optional<std::string> bundle;  // with a bundle, its rootfs is looked at
    policy::PolicySources sources;
    // The device numbers of the node the container will run on (its
    // /proc/devices): this host's unless explaining for another node.
    std::string proc_devices = "/proc/devices";
    // Its /proc/misc: the minors of misc devices (major 10), by name.
    std::string proc_misc = "/proc/misc";
    // The shim's binary and the enforcer it binds in: the spec edit knows
    // its own earlier mounts by them ("" enforcer: beside the binary).
    std::string host_binary = "/usr/bin/oci-sandbox-hook";
    std::string host_enforcer;
};

struct DryRun {
    std::string policy_origin;
    std::optional<policy::EffectivePolicy> effective;  // nullopt when refused before the rewrite
    policy::Verdict verdict;
};

// Fails only when config.json itself cannot be read or parsed.
Result<DryRun> dry_run(const DryRunInput& in);

}  // namespace osh::hook
