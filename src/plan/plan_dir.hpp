// The per-container plan directory on the host: /run/oci-sandbox/<key>/.
//
// Why it is created by the spec edit, not by the hook: runtimes perform the
// spec's mounts before they run createRuntime hooks (runc: prepareRootfs,
// then the parent runs prestart/createRuntime hooks, then pivot_root), so the
// source of the read-only bind mount at /.oci-sandbox/plan must exist when the
// container is created. The hook later writes files INTO that directory; it
// never replaces the directory, which the mount refers to.
//
// The key is the container id where the editor knows it (the shim, `inject
// --id`), else a random token "p-<32 hex>" (podman's precreate stage gets only
// the spec: no id, nothing unique), recorded in the annotation
// oci-sandbox/plan-key. The hook takes the key from the bind mount's source in
// config.json, the ground truth of what the container sees.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "util/fd.hpp"
#include "util/result.hpp"

namespace osh::plan {

inline constexpr const char* kRunRoot = "/run/oci-sandbox";
inline constexpr const char* kPlanKeyAnnotation = "oci-sandbox/plan-key";
inline constexpr const char* kPolicyAnnotation = "oci-sandbox/policy";
inline constexpr const char* kContainerBinary = "/.oci-sandbox/oci-sandbox-hook";
inline constexpr const char* kContainerPlanDir = "/.oci-sandbox/plan";
// Written by the hook into the plan directory: the id of the container that
// owns it, so poststop never removes another container's directory.
inline constexpr const char* kOwnerFile = "owner";
inline constexpr const char* kEffectivePolicyFile = "effective-policy.json";

// A key is a valid container id (oci::validate_container_id's rules).
Result<void> validate_key(std::string_view key);

// "p-" + 32 hex digits from getrandom().
Result<std::string> random_key();

inline std::string plan_dir_path(std::string_view key, std::string_view run_root = kRunRoot) {
    return std::string(run_root) + "/" + std::string(key);
}

// The key named by a bind-mount source "<run_root>/<key>", or nullopt.
std::optional<std::string> key_from_source(std::string_view source,
                                           std::string_view run_root = kRunRoot);

// Creates <run_root> (0711) and <run_root>/<key> (0755, owned by us). An
// existing key directory is accepted only when it is a real directory (not a
// symlink), owned by our euid and empty; `created` says whether we made it.
Result<void> create_plan_dir(std::string_view key, bool* created = nullptr,
                             std::string_view run_root = kRunRoot);

// Opens an existing plan directory for writing into it: no symlink anywhere
// below run_root, owned by our euid. When `owner_id` is set, the directory
// must be empty or already owned (owner file) by that id.
Result<UniqueFd> open_plan_dir(std::string_view key, std::optional<std::string_view> owner_id,
                               std::string_view run_root = kRunRoot);

// Removes <run_root>/<key>: unlinks its entries (never following symlinks;
// a subdirectory refuses the removal), then the directory. When `owner_id` is
// set and an owner file exists naming another id, nothing is removed. A
// missing directory is success.
Result<void> remove_plan_dir(std::string_view key, std::optional<std::string_view> owner_id,
                             std::string_view run_root = kRunRoot);

// Removes <run_root>/<key> only if it is empty: made by a spec edit, never
// written by a hook. That is what a create leaves when the runtime refused
// the config before running any hook (so no poststop either); the shim calls
// this on `delete`. rmdir is atomic: a directory a hook wrote stays. A
// missing or non-empty directory is success.
Result<void> remove_unused_plan_dir(std::string_view key, std::string_view run_root = kRunRoot);

}  // namespace osh::plan
