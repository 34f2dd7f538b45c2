// Compiling an effective policy into the plan the enforcer applies: the
// Landlock rules, failure modes and process settings copied, the seccomp
// filter compiled to BPF (through the cache).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "failure/failure.hpp"
#include "plan/plan.hpp"
#include "policy/effective.hpp"
#include "seccomp/compile.hpp"
#include "util/result.hpp"

namespace osh::plan {

struct CompileOptions {
    std::string bpf_cache_dir = seccomp::kBpfCacheDir;  // "" disables the cache
    uint32_t audit_arch = 0;                            // 0: the host's (AUDIT_ARCH_X86_64 here)
    std::string exec_log_path;  // in-container file the enforcer appends events to ("" = none)
    std::string container_id;   // copied into the plan (validated by the hook)
    std::string edit_key;       // copied into the plan
    // run_as ids resolved by the hook (from the image's /etc/passwd, /etc/group,
    // never NSS). Used when the policy names a user/group; a numeric IdSpec in
    // the policy needs no resolution. A name with no resolved id fails compile.
    std::optional<uint32_t> run_as_uid;
    std::optional<uint32_t> run_as_gid;
    // The container shares the host's IPC namespace (seccomp::FilterSpec).
    bool host_ipc_namespace = false;
    // The container's pid namespace holds others' processes (seccomp::FilterSpec).
    bool shared_pid_namespace = false;
};

// Compiles an effective policy into a plan: copies the Landlock rules, failure
// modes and process settings, and compiles the seccomp filter (through the BPF
// cache) unless the profile is `none` or seccomp_compile / seccomp_enforce is
// `skip`. A compile failure under `strict` fails; under `warn` the plan has no
// filter and a Degradation says so. Pure apart from the BPF cache.
// A failure carries its kind: seccomp_compile (a strict compile failure) or
// privilege_drop (a run_as name the hook did not resolve). A skipped seccomp
// step is recorded in `degraded` so the enforcer reports it.
Expected<Plan, failure::KindError> compile(const policy::EffectivePolicy& eff,
                                           const CompileOptions& opts);

}  // namespace osh::plan
