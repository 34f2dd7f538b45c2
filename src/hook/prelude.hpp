// The hook's confinement of itself (PRODUCT.md, Guarantees; failure kind
// hook_prelude). Once its inputs are open, the hook installs
//   - a seccomp filter that refuses exec, ptrace, the mount family, module
//     and kexec loading, bpf, namespace changes and cross-process memory
//     access (EPERM), and kills the process on a foreign syscall ABI;
//   - a Landlock domain in which it may read only the container's rootfs,
//     write only its plan directory (and remove plan directories under the
//     run root at poststop), append to its log and use its BPF cache.
// so that a bug in what runs after (the rootfs reads, the policy rewrite,
// the plan compiler) cannot become a host compromise.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "landlock/abi.hpp"
#include "landlock/access.hpp"
#include "seccomp/bpf.hpp"
#include "util/result.hpp"

namespace osh::hook {

// A syscall the prelude refuses.
struct DeniedCall {
    const char* name;
    long nr;
};
// The refused calls, for this build's architecture.
const std::vector<DeniedCall>& prelude_denied_calls();

// Pure. The prelude's seccomp program for `audit_arch`: other architectures
// (and x32 on x86_64) are killed, the denied calls get EPERM, the rest is
// allowed.
seccomp::Bpf prelude_filter(uint32_t audit_arch, const std::vector<DeniedCall>& denied);

// One Landlock rule of the prelude: an fd opened before the prelude (O_PATH
// is enough) and what may be done beneath it.
struct PreludeRule {
    int fd = -1;
    std::string what;  // for messages: "plan directory /run/oci-sandbox/x"
    landlock::AccessMask access = 0;
};

// What the prelude grants. Pure: masks only.
landlock::AccessMask rootfs_read_rights();      // read_file, read_dir
landlock::AccessMask plan_dir_rights();         // create, write, replace and remove files
landlock::AccessMask run_root_remove_rights();  // remove a plan directory (poststop, refusal)
landlock::AccessMask log_rights();              // append to the log file
landlock::AccessMask cache_rights();            // read and replace BPF cache entries

// Kernel part. Sets no_new_privs and loads prelude_filter for this build's
// architecture. Errors carry the errno.
Result<void> install_seccomp_prelude();

// Kernel part. A Landlock domain handling every filesystem right `abi`
// knows, with `rules`; the rights a non-directory cannot carry are dropped
// for it. Errors carry the errno; an unavailable Landlock is an error too.
Result<void> install_landlock_prelude(const landlock::AbiInfo& abi,
                                      const std::vector<PreludeRule>& rules);

}  // namespace osh::hook
