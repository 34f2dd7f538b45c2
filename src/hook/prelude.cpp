#include "hook/prelude.hpp"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>

#include <cerrno>
#include <cstddef>

#include "landlock/ruleset.hpp"
#include "process/process.hpp"
#include "seccomp/bpf.hpp"
#include "seccomp/load.hpp"

namespace osh::hook {

namespace {

using landlock::Access;
using landlock::AccessMask;
using landlock::bit;

#if defined(__x86_64__)
constexpr uint32_t kNativeArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr uint32_t kNativeArch = AUDIT_ARCH_AARCH64;
#else
#error "prelude: add this architecture's AUDIT_ARCH"
#endif

using seccomp::jump;
using seccomp::kX32Bit;
using seccomp::stmt;

}  // namespace

const std::vector<DeniedCall>& prelude_denied_calls() {
#define OSH_DENY(name) DeniedCall{#name, __NR_##name}
    static const std::vector<DeniedCall> calls = {
        // Running anything: the hook never executes a program.
        OSH_DENY(execve), OSH_DENY(execveat),
        // Other processes.
        OSH_DENY(ptrace), OSH_DENY(process_vm_readv), OSH_DENY(process_vm_writev),
        OSH_DENY(pidfd_getfd),
        // The mount family and namespaces: the host's view must not change.
        OSH_DENY(mount), OSH_DENY(umount2), OSH_DENY(pivot_root), OSH_DENY(chroot),
        OSH_DENY(open_tree), OSH_DENY(move_mount), OSH_DENY(fsopen), OSH_DENY(fsconfig),
        OSH_DENY(fsmount), OSH_DENY(fspick), OSH_DENY(mount_setattr), OSH_DENY(setns),
        OSH_DENY(unshare), OSH_DENY(open_by_handle_at),
        // The kernel itself.
        OSH_DENY(init_module), OSH_DENY(finit_module), OSH_DENY(delete_module),
        OSH_DENY(kexec_load), OSH_DENY(kexec_file_load), OSH_DENY(bpf), OSH_DENY(reboot),
        OSH_DENY(swapon), OSH_DENY(swapoff), OSH_DENY(perf_event_open), OSH_DENY(userfaultfd),
        OSH_DENY(io_uring_setup), OSH_DENY(keyctl), OSH_DENY(add_key), OSH_DENY(request_key),
        OSH_DENY(acct), OSH_DENY(settimeofday), OSH_DENY(clock_settime), OSH_DENY(sethostname),
        OSH_DENY(setdomainname),
    };
#undef OSH_DENY
    return calls;
}

seccomp::Bpf prelude_filter(uint32_t audit_arch, const std::vector<DeniedCall>& denied) {
    seccomp::Bpf bpf;
    bpf.audit_arch = audit_arch;
    auto& p = bpf.insns;
    const uint32_t arch_off = offsetof(seccomp_data, arch);
    const uint32_t nr_off = offsetof(seccomp_data, nr);
    const bool x86_64 = audit_arch == AUDIT_ARCH_X86_64;
    // Layout: [arch check][x32 check][one jeq per call] ALLOW  EPERM  KILL
    const size_t n = denied.size();
    p.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, arch_off));
    // Not our architecture: jump to KILL (n jeqs + ld nr + x32 check + ALLOW + EPERM).
    const size_t to_kill = n + 1 + (x86_64 ? 1 : 0) + 2;
    p.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, audit_arch, 0, static_cast<uint8_t>(to_kill)));
    p.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, nr_off));
    if (x86_64)  // x32 syscalls on x86_64: refused like a foreign ABI
        p.push_back(jump(BPF_JMP | BPF_JGE | BPF_K, kX32Bit, static_cast<uint8_t>(n + 2), 0));
    for (size_t i = 0; i < n; ++i) {
        // Hit: skip the rest of the jeqs and ALLOW to reach EPERM.
        auto to_eperm = static_cast<uint8_t>(n - i - 1 + 1);
        p.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(denied[i].nr), to_eperm, 0));
    }
    p.push_back(stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    p.push_back(stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)));
    p.push_back(stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
    return bpf;
}

AccessMask rootfs_read_rights() {
    return bit(Access::read_file) | bit(Access::read_dir);
}

AccessMask plan_dir_rights() {
    return bit(Access::read_file) | bit(Access::read_dir) | bit(Access::write_file) |
           bit(Access::make_reg) | bit(Access::remove_file) | bit(Access::truncate);
}

AccessMask run_root_remove_rights() {
    // read_dir lists the run root; remove_* empties and removes a plan
    // directory (the owner check in plan_dir.cpp says which).
    return bit(Access::read_dir) | bit(Access::read_file) | bit(Access::remove_file) |
           bit(Access::remove_dir);
}

AccessMask log_rights() {
    return bit(Access::write_file);
}

AccessMask cache_rights() {
    return plan_dir_rights();
}

Result<void> install_seccomp_prelude() {
    // The filter needs no_new_privs unless we hold CAP_SYS_ADMIN; the hook
    // executes nothing, so setting it costs nothing.
    if (auto ok = process::set_no_new_privs(); !ok) return ok;
    return seccomp::load(prelude_filter(kNativeArch, prelude_denied_calls()));
}

Result<void> install_landlock_prelude(const landlock::AbiInfo& abi,
                                      const std::vector<PreludeRule>& rules) {
    if (!abi.available()) return fail_errno("Landlock is unavailable: " + abi.describe(), abi.err);
    auto ruleset = landlock::Ruleset::create(landlock::filesystem_only(abi.abi));
    if (!ruleset) return unexpected(ruleset.error());
    for (const auto& r : rules) {
        if (r.fd < 0) continue;
        if (auto added = ruleset->add_beneath(r.fd, r.access, r.what); !added)
            return unexpected(added.error());
    }
    if (auto ok = process::set_no_new_privs(); !ok) return ok;
    return ruleset->restrict_self();
}

}  // namespace osh::hook
