// The effective policy: the administrator's policy rewritten for this
// container (baseline, workdir, GPU needs), with a change log saying why,
// and every rule bound to the object its path resolves to inside the
// container. Pure: the container's filesystem is consulted only through a
// rootfs::PathProbe.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gpu/detect.hpp"
#include "oci/spec.hpp"
#include "policy/document.hpp"
#include "rootfs/facts.hpp"
#include "rootfs/resolve.hpp"
#include "util/words.hpp"

namespace osh::policy {

using rootfs::NodeKind;
// Answers "what is this container path, resolved inside the root?"; nullopt
// when unknown (no rootfs available, e.g. explain --config): the rewrite then
// assumes present and says so in the log.
using rootfs::PathProbe;

struct EffectiveRule {
    // The object's own container path: no symlink in it (the enforcer opens
    // it refusing any symlink).
    std::string path;
    AccessMask access = 0;
    std::string origin;     // "policy read_only", "baseline", "gpu nvidia", "workdir", ...
    bool gpu_device = false;
    // The object the hook judged (device, inode); nullopt when the path was
    // not there to look at (created later by the runtime, or no rootfs).
    std::optional<rootfs::ObjectId> id;
};

// A rule that cannot be applied as written: its path leads through a
// symlink onto something the policy does not grant by its own path. Never
// widened; the caller decides by failure kind landlock_path (strict: refuse
// the container; warn/skip: run without the rule, which denies that path).
// Also a mount the image's symlinks move under rules that give it more than
// its destination's spelling gets (then `lost` says what is not in force).
struct PathFailure {
    std::string path;     // as the rule names it
    std::string message;  // names the link, its target and the rights missing there
    std::string lost;     // what is not in force when the run goes on (warn)
};

enum class ChangeAction { added, promoted, skipped, rejected, note };
inline constexpr auto kChangeActionWords = std::to_array<words::Entry<ChangeAction>>({
    {ChangeAction::added, "added"},
    {ChangeAction::promoted, "promoted"},
    {ChangeAction::skipped, "skipped"},
    {ChangeAction::rejected, "rejected"},
    {ChangeAction::note, "note"},
});
// The mark explain's text puts in front of a change.
inline constexpr auto kChangeActionSymbols = std::to_array<words::Entry<ChangeAction>>({
    {ChangeAction::added, "+"},
    {ChangeAction::promoted, "^"},
    {ChangeAction::skipped, "-"},
    {ChangeAction::rejected, "x"},
    {ChangeAction::note, "!"},
});

struct Change {
    ChangeAction action;
    std::string path;          // "" for non-path changes (seccomp relaxations)
    AccessMask before = 0;
    AccessMask after = 0;
    std::string reason;
};

struct EffectivePolicy {
    Policy source;                     // the policy as parsed (for the plan and explain)
    std::vector<EffectiveRule> rules;  // merged per path, sorted by path
    // Syscalls the detected vendors need the seccomp profile to allow
    // (name, reason); seccomp/ applies them after policy deny/allow.
    std::vector<std::pair<std::string, std::string>> seccomp_relaxations;
    std::vector<Change> changes;
    std::vector<PathFailure> path_failures;
    gpu::Detection gpu;
};

// Fails (a Problem-like error naming the conflict and the two ways to fix it)
// when gpu.promotion rejects a needed promotion.
// What the hook sees of the host, for judgements the spec alone cannot
// make (hook::host_view).
struct HostView {
    // The spec's read-only binds whose source has mounts of its own beneath
    // it on the host, which the bind's read-only flag does not reach (index
    // -> the first such mount, or why it could not be told): a write rule at,
    // above or within one is a landlock_path failure.
    std::map<size_t, std::string> ro_binds_carrying;
    // The container shares the host's pid namespace: no "pid" entry, or one
    // joined by path that is the host's (or cannot be checked). /proc shows
    // the host's processes. (shared_pid_namespace says why.)
    bool host_pid_namespace = false;
    // Why its pid namespace holds processes of others (nullopt: a new one):
    // the host's, or one joined by path (another container's, a pod's). The
    // filter keeps the calls that act on a process by pid to the caller.
    std::optional<std::string> shared_pid_namespace;
    // The path probe sees the running container, its mounts made (the
    // hook's live view): a bind mount is where a mount's root is, not
    // merely where its destination resolves in the final tree.
    bool mounts_made = false;
    // Per spec mount: a bind's source as the runtime finds it on the host
    // (relative to the bundle, symlinks followed), which is the object at
    // the bind's mount root in the container (nullopt: not a bind, or not
    // found). Empty: not looked at.
    std::vector<std::optional<rootfs::ObjectId>> bind_sources;
    // The spec's binds (by index) whose source on the host is a socket: a
    // workload connects to one whatever the Landlock rules say.
    std::vector<size_t> socket_binds;
    // The spec's writable binds (by index) whose source on the host holds or
    // lies in the plan directories' run root (a rootless user's /tmp holds
    // /tmp/podman-run-UID): a write there could rewrite another container's
    // plan, or this one's, before a later exec reads it.
    std::vector<size_t> plan_root_binds;
    // The spec's writable binds (by index) whose source on the host is on a
    // filesystem not known to hold only files (mounts::holds_only_files: the
    // host's /proc, /sys, binfmt_misc, mqueue...), or that carry one from
    // beneath their source (rbind): the kernel's own state. The value says
    // which ("the host's /proc/sys, on a filesystem ...").
    std::map<size_t, std::string> kernel_binds;
    // The spec's binds (by index) of the host's own /dev/shm or /dev (Docker's
    // --ipc=host): shared memory of the host's, not the container's.
    std::vector<size_t> host_shm_binds;
    // Why the container shares the host's IPC namespace (nullopt: it has
    // its own): an mqueue mount of the spec shows the host's queues, and the
    // filter leaves the ipc group out.
    std::optional<std::string> host_ipc_namespace;
};

// `host`: nullptr when there is no host to look at (tests); then neither
// judgement above is made.
Result<EffectivePolicy> rewrite(const Policy& policy, const oci::Spec& spec,
                                const gpu::Detection& detection, const PathProbe& probe,
                                const HostView* host = nullptr);

// What the hook would do with a container: plan it (with what not in force)
// or refuse it, and why. Made by the dry run (`explain`).
struct VerdictItem {
    std::optional<failure::Kind> kind;  // nullopt: a refusal no mode can waive
    failure::Mode mode = failure::Mode::strict;
    failure::Decision decision = failure::Decision::abort;
    std::string message;
    std::string lost;  // the protection not in force when the run goes on
};
struct Verdict {
    bool plans = true;
    std::string status;  // fully_enforced, partially_enforced, not_enforced; "" when refused
    std::vector<VerdictItem> items;
    std::vector<std::string> unchecked;  // what a dry run cannot see ("the live /dev")
};

// Readable text for operators and JSON for tools; the verdict when given.
std::string explain_text(const EffectivePolicy& eff, const Verdict* verdict = nullptr);
std::string explain_json(const EffectivePolicy& eff, bool pretty = true,
                         const Verdict* verdict = nullptr);
std::string verdict_text(const Verdict& v);

inline std::string_view name(ChangeAction a) {
    return words::of(kChangeActionWords, a);
}

}  // namespace osh::policy
