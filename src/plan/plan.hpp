// The hook -> enforcer handoff. The hook compiles the effective policy into a
// plan (Landlock rules, precompiled seccomp BPF, failure modes, process
// settings) and writes it into the container's plan directory; the enforcer
// reads it inside the container, validates it, and applies it. Versioned;
// an incomplete or tampered plan is rejected (failure kind plan_missing).
//
// The Plan struct's fields are owned by the enforcement work (issue 3); the
// three functions below are the contract the hook (issue 4) relies on.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "policy/effective.hpp"
#include "util/result.hpp"

namespace osh::plan {

struct Plan;  // defined in plan_types.hpp by the enforcement work

struct CompileOptions {
    std::string bpf_cache_dir = "/var/cache/oci-sandbox";  // "" disables the cache
    uint32_t audit_arch = 0;  // 0: the host's (AUDIT_ARCH_X86_64 here)
    std::string exec_log_path;  // in-container file the enforcer appends events to ("" = none)
};

}  // namespace osh::plan
