// Checks the hook makes before it plans, shared with `explain` so the dry
// run reaches the same verdict: the network namespace, and the run_as ids
// read from the image.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "oci/spec.hpp"
#include "policy/document.hpp"
#include "policy/effective.hpp"
#include "util/result.hpp"

namespace osh::hook {

// Whether the container gets a namespace of its own of `type` ("network",
// "ipc"): a new one, or one joined by path that is not the host's (the hook
// and explain run in the host's). Docker's --network host passes the
// host's namespace by path; --ipc=host leaves the entry out. With the
// container's `pid` (> 0: the hook) the joined namespace is the one its
// process is in; without (explain), the one the path names now.
struct NamespaceVerdict {
    bool private_ns = false;
    std::string why;
};
NamespaceVerdict namespace_verdict(const oci::Spec& spec, std::string_view type, int pid = 0);

// What the default profile changes in the host's namespaces
// (seccomp::FilterSpec::host_ipc_namespace, shared_pid_namespace), as the
// change log and the hook's log say it; empty when nothing applies.
std::vector<std::string> shared_namespace_notes(const policy::HostView& host,
                                                const policy::Policy& pol);

// The spec's read-only recursive binds ("rbind" with "ro", not "rro") and,
// for each whose source has a mount of the host's beneath it, that mount
// point (the first in `mountinfo`, the host's /proc/self/mountinfo). The
// bind's read-only flag does not reach those mounts. `real` gives a source
// as the kernel will find it (symlinks and ".." resolved; nullopt when it
// cannot be resolved, which counts as carrying). nullopt `mountinfo`
// (unreadable): every such bind counts, with `why` as its entry.
std::map<size_t, std::string> submount_carriers(
    const oci::Spec& spec, const std::optional<std::string>& mountinfo,
    const std::function<std::optional<std::string>(const std::string&)>& real,
    const std::string& why = "");

// What the hook (and explain) see of the host for the policy rewrite: the
// read-only binds above, from this process's /proc/self/mountinfo (read
// only when the spec has such a bind: a node's mountinfo can be large),
// with relative sources taken from `bundle` as the runtime takes them; and
// whether a pid namespace the spec joins by path is the host's own (seen
// as namespace_verdict sees one, through `pid` when known), and whether it
// shares the host's IPC namespace (namespace_verdict); and the writable
// binds whose source holds or lies in `run_root` (the plan directories;
// "": not looked for).
policy::HostView host_view(const oci::Spec& spec, const std::string& bundle, int pid = 0,
                           const std::string& run_root = "");

// The run_as ids, resolved from the image's own /etc/passwd and /etc/group
// (never NSS) under `rootfd` (-1: no rootfs). A name is the image's claim:
// one that maps to uid or gid 0 would make "run as nobody" run as root, so
// it fails (failure kind privilege_drop); only the number 0 in the policy
// asks for root. A user named without a group gets its primary group.
struct PlannedIds {
    std::optional<uint32_t> uid, gid;
};
Result<PlannedIds> plan_ids(const policy::ProcessPolicy& proc, int rootfd);

}  // namespace osh::hook
