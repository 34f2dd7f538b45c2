// The spec edit's three entry points (runtime shim, precreate, inject) share
// this: choose the plan key, create the plan directory, edit the spec. The
// edit itself is oci::SpecDocument's; this layer adds the host-side state.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci/spec_edit.hpp"
#include "plan/plan_dir.hpp"
#include "util/result.hpp"

namespace osh::specedit {

inline constexpr const char* kRuntimeConfigPath = "/etc/oci-sandbox/runtime.json";
// Overrides kRuntimeConfigPath for the shim (tests, side-by-side installs).
inline constexpr const char* kRuntimeConfigEnv = "OCI_SANDBOX_RUNTIME_CONFIG";
// The PATH used to find next_runtime when it is not absolute: fixed, never
// the caller's.
inline constexpr const char* kSafePath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// /etc/oci-sandbox/runtime.json:
//   {"next_runtime": "runc", "hook_binary": "/usr/bin/oci-sandbox-hook",
//    "enforcer_binary": "/usr/bin/oci-sandbox-enforce",
//    "hook_args": ["--policy", "/etc/oci-sandbox/policy.json"]}
// Every field optional; unknown fields are errors.
struct RuntimeConfig {
    std::string next_runtime = "runc";
    std::string hook_binary;             // "" = /proc/self/exe resolved
    std::string enforcer_binary;         // "" = oci-sandbox-enforce beside hook_binary
    std::vector<std::string> hook_args;  // appended to our hooks' args
};

Result<RuntimeConfig> parse_runtime_config(std::string_view text, std::string_view origin);
// Reads `path`; a missing file gives the defaults.
Result<RuntimeConfig> load_runtime_config(const std::string& path);

// The host path of this binary (readlink /proc/self/exe).
Result<std::string> self_binary();

// Resolves next_runtime: an absolute path as is, a bare name in kSafePath.
// Refuses to resolve to `self` (a shim that execs itself loops forever).
Result<std::string> resolve_runtime(const std::string& name, const std::string& self);

struct EditSetup {
    std::string host_binary;    // the hooks' path
    std::string host_enforcer;  // the enforcer bound into the container
    std::vector<std::string> hook_args;
    std::string run_root = plan::default_run_root();
};

// The keys of one spec edit: the plan directory's name and the edit key.
struct PlanKeys {
    std::string dir_key;
    std::string edit_key;
    // The directory of an earlier edit of this spec for another container
    // (`inject --id Y` on a bundle edited for X): removed once unused.
    std::optional<std::string> replaced_dir_key;
};

// The keys for a spec: those of an earlier edit of ours (the same bundle
// edited again keeps them) unless `preferred` (the container id) names
// another directory; else `preferred`, else a random token, with a fresh edit
// key.
Result<PlanKeys> choose_keys(const oci::Spec& spec, const std::optional<std::string>& preferred,
                             std::string_view run_root);

// The setup the spec-edit commands share: our own binary unless
// `hook_binary` names one, the enforcer beside it unless `enforcer_binary`
// names one, plus extra hook arguments.
Result<EditSetup> edit_setup(const std::string& hook_binary, const std::string& enforcer_binary,
                             std::vector<std::string> hook_args);

oci::EditParams edit_params(const EditSetup& setup, const PlanKeys& keys);

// inject / shim: creates the plan directory for `key` and edits the bundle
// atomically; a directory created here is removed again if the edit fails.
Result<bool> prepare_bundle(const std::string& bundle_dir, const std::optional<std::string>& id,
                            const EditSetup& setup);

// precreate: the edited spec text.
Result<std::string> prepare_spec_text(std::string_view spec_text, const EditSetup& setup);

}  // namespace osh::specedit
