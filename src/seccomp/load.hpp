// Loading precompiled BPF into the calling thread (the enforcer, inside the
// container). No libseccomp: the static enforcer links only this and bpf.hpp.
#pragma once

#include <cstdint>
#include <string>

#include "seccomp/bpf.hpp"
#include "util/result.hpp"

namespace osh::seccomp {

// seccomp(SECCOMP_SET_MODE_FILTER, flags, prog); on ENOSYS falls back to
// prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, prog) (only when flags == 0).
// Needs no_new_privs or CAP_SYS_ADMIN. Errors carry the errno (EINVAL: kernel
// without seccomp filter support or a bad program; EACCES: no no_new_privs).
// An empty Bpf is refused (EINVAL): check insns.empty() first.
Result<void> load(const Bpf& bpf, unsigned flags = 0);

// What this kernel offers, for `probe`.
struct Availability {
    bool filter_mode = false;  // SECCOMP_SET_MODE_FILTER usable (or prctl fallback)
    int err = 0;               // errno when not
    bool action_errno = false, action_kill_process = false, action_log = false;
};
Availability probe();

}  // namespace osh::seccomp
