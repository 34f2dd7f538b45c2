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
//
// A directory belongs to exactly one spec edit and one container: the edit
// writes its random edit key (also in the enforcer's arguments) into the
// `edit` file when it creates the directory, a second edit with another key
// is refused, and the hook writes the `owner` file (container id, pid and the
// pid's start time) once. Directories whose container is gone (its pid no
// longer runs) or that no container ever used (an edit older than an hour
// with no hook run) are orphans: the next spec edit removes them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci/spec.hpp"
#include "plan/plan.hpp"
#include "rootfs/facts.hpp"
#include "util/fd.hpp"
#include "util/result.hpp"

namespace osh::plan {

inline constexpr const char* kRunRoot = "/run/oci-sandbox";

// Where this process keeps plan directories: kRunRoot for the host's root;
// for a rootless engine (not the host's root, or root of a user namespace
// that maps it to an ordinary user) the user's runtime directory:
// $XDG_RUNTIME_DIR/oci-sandbox, else /run/user/<host uid>/oci-sandbox where
// /run/user/<host uid> exists, else /tmp/oci-sandbox-<host uid>.
std::string default_run_root();

// Every run root that default_run_root gives some user and that exists now:
// /run/oci-sandbox, each /run/user/UID/oci-sandbox, /tmp/oci-sandbox-UID and
// /tmp/podman-run-UID/oci-sandbox (a root container given the host's /tmp
// would reach a rootless user's plans there).
std::vector<std::string> run_roots_on_host();
inline constexpr const char* kEnforcerKeyOption = "--key";
// Written by the spec edit: its edit key.
inline constexpr const char* kEditFile = "edit";
// Written by the hook: "ID\nPID STARTTIME\n" of the container that owns the
// directory, so poststop never removes another container's directory and an
// orphan is recognised by its dead pid.
inline constexpr const char* kOwnerFile = "owner";
inline constexpr const char* kEffectivePolicyFile = "effective-policy.json";
// An edit that no container used within this time is an orphan.
inline constexpr long kUnusedEditSeconds = 3600;

// A key is a valid container id (oci::validate_container_id's rules).
Result<void> validate_key(std::string_view key);

// "p-" + 32 hex digits from getrandom().
Result<std::string> random_key();

// The enforcer installed beside a hook binary: <its directory>/oci-sandbox-enforce.
std::string enforcer_beside(std::string_view hook_binary);

inline std::string plan_dir_path(std::string_view key, std::string_view run_root = kRunRoot) {
    return std::string(run_root) + "/" + std::string(key);
}

// The key named by a bind-mount source "<run_root>/<key>", or nullopt.
std::optional<std::string> key_from_source(std::string_view source,
                                           std::string_view run_root = kRunRoot);

// The spec's mount at the container's plan directory: the last one, which
// shadows any earlier. `key` is what its source names under `run_root`
// (nullopt: not a plan directory there).
struct PlanMount {
    std::string source;
    std::optional<std::string> key;
};
std::optional<PlanMount> find_plan_mount(const std::vector<oci::Mount>& mounts,
                                         std::string_view run_root);

// An edit key: 32 lower-case hex digits.
Result<void> validate_edit_key(std::string_view edit_key);
// A fresh edit key from getrandom().
Result<std::string> random_edit_key();

// Creates <run_root> (0711) and <run_root>/<key> (0755, owned by us) bound to
// `edit_key`. An existing directory is accepted only when it is a real
// directory (not a symlink) owned by our euid and bound to the same edit key
// (the same bundle edited again); `created` says whether we made it.
Result<void> create_plan_dir(std::string_view key, std::string_view edit_key,
                             bool* created = nullptr, std::string_view run_root = kRunRoot);

// The container a hook run plans for.
struct Owner {
    std::string id;
    int pid = 0;                 // the container's pid at createRuntime (0: unknown)
    unsigned long long start = 0;  // its start time in clock ticks since boot (0: unknown)
    // The enforcer the hook proved at /.oci-sandbox/oci-sandbox-hook in the
    // container's own view (nullopt: no live view), which `runtime exec`
    // proves again before a new process starts there.
    std::optional<rootfs::ObjectId> enforcer;
};
// The start time of `pid` (field 22 of /proc/PID/stat), 0 when unknown.
unsigned long long process_start_time(int pid);

// Opens an existing plan directory for the hook to write into: no symlink
// anywhere below run_root, owned by our euid, bound to `edit_key`, and not
// yet owned by another container (nor by another creation of this one: a
// second create for the same directory is refused). Holds a shared lock on
// the directory while the fd lives, so no orphan sweep removes it meanwhile.
Result<UniqueFd> open_plan_dir(std::string_view key, std::string_view edit_key,
                               const Owner& owner, std::string_view run_root = kRunRoot);

// What a container's plan directory holds for `runtime exec`: its edit key
// and owner, and the directory itself, open. The
// directory is a real one of ours, bound to an edit, planned by a hook (its
// plan file is there) and not owned by a container other than `id`.
struct Planned {
    std::string edit_key;
    Owner owner;
    UniqueFd dir;  // the plan directory, open
};
Result<Planned> planned_for_exec(std::string_view key, std::string_view id,
                                 std::string_view run_root = kRunRoot);

// Writes the owner file into an open plan directory.
Result<void> write_owner(int dirfd, const Owner& owner);

// What an orphan sweep removed ("<dir>: reason").
struct SweepReport {
    std::vector<std::string> removed;
    std::vector<std::string> problems;
};
// Removes orphaned plan directories under run_root (see above). Bounded;
// never one a hook holds locked, another user's, or a symlink.
SweepReport sweep_orphans(std::string_view run_root = kRunRoot);

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
