// Loading precompiled BPF into the calling thread (the enforcer, inside the
// container). No libseccomp: the static enforcer links only this and bpf.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "seccomp/bpf.hpp"
#include "util/result.hpp"

namespace osh::seccomp {

// seccomp(SECCOMP_SET_MODE_FILTER, flags, prog); on ENOSYS falls back to
// prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, prog) (only when flags == 0).
// Needs no_new_privs or CAP_SYS_ADMIN. Errors carry the errno (EINVAL: kernel
// without seccomp filter support or a bad program; EACCES: no no_new_privs).
// An empty Bpf is refused (EINVAL): check insns.empty() first.
Result<void> load(const Bpf& bpf, unsigned flags = 0);

// One return action, and whether this kernel offers it.
struct ActionProbe {
    std::string_view name;  // "kill_process", "errno", ...
    uint32_t action = 0;    // SECCOMP_RET_*
    bool available = false;
    int err = 0;  // errno of SECCOMP_GET_ACTION_AVAIL when not
};

// What this kernel offers (for `probe` and `doctor`); installs nothing.
struct Availability {
    bool filter_mode = false;  // SECCOMP_SET_MODE_FILTER usable (or prctl fallback)
    int err = 0;               // errno when not
    // seccomp(2) answers SECCOMP_GET_ACTION_AVAIL; `answer_err` is its errno
    // when not (EOPNOTSUPP for one action only means that action is missing).
    bool answers = false;
    int answer_err = 0;
    std::vector<ActionProbe> actions;  // every return action, strongest first
    // This process's seccomp mode (PR_GET_SECCOMP: 0 none, 1 strict, 2
    // filter); -1 with `mode_err` when it cannot be read.
    int mode = -1;
    int mode_err = 0;

    bool offers(std::string_view action) const;
};
Availability probe();

// "none", "strict", "filter" for a PR_GET_SECCOMP mode; "unknown" otherwise.
std::string_view mode_name(int mode);

}  // namespace osh::seccomp
