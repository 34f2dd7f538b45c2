#include "hook/prelude.hpp"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <span>

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

namespace {

// The search for the call number in A among `nrs` (sorted): a balanced tree
// of jge tests down to short jeq chains, each chain with its own ALLOW and
// EPERM returns. Every conditional jump is short (a tree test's far branch
// goes through a ja), so the program is valid for any number of calls. When
// a filter is loaded the kernel runs it once for every call number to fill
// its action cache; with a tree, an allowed call's path is a few
// instructions, not one per denied call.
void emit_search(std::vector<sock_filter>& p, std::span<const uint32_t> nrs) {
    constexpr size_t kChain = 6;
    if (nrs.size() <= kChain) {
        const size_t m = nrs.size();
        for (size_t i = 0; i < m; ++i)  // a hit skips the rest and the ALLOW
            p.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, nrs[i], static_cast<uint8_t>(m - i), 0));
        p.push_back(stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
        p.push_back(stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)));
        return;
    }
    const size_t mid = nrs.size() / 2;
    p.push_back(jump(BPF_JMP | BPF_JGE | BPF_K, nrs[mid], 0, 1));  // >= mid: take the ja
    const size_t far = p.size();
    p.push_back(stmt(BPF_JMP | BPF_JA, 0));
    emit_search(p, nrs.first(mid));
    p[far].k = static_cast<uint32_t>(p.size() - far - 1);
    emit_search(p, nrs.subspan(mid));
}

}  // namespace

seccomp::Bpf prelude_filter(uint32_t audit_arch, const std::vector<DeniedCall>& denied) {
    seccomp::Bpf bpf;
    bpf.audit_arch = audit_arch;
    auto& p = bpf.insns;
    const uint32_t arch_off = offsetof(seccomp_data, arch);
    const uint32_t nr_off = offsetof(seccomp_data, nr);
    const auto kill = stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
    // Not our architecture: killed.
    p.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, arch_off));
    p.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, audit_arch, 1, 0));
    p.push_back(kill);
    p.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, nr_off));
    if (audit_arch == AUDIT_ARCH_X86_64) {  // x32 syscalls: refused like a foreign ABI
        p.push_back(jump(BPF_JMP | BPF_JGE | BPF_K, kX32Bit, 0, 1));
        p.push_back(kill);
    }
    std::vector<uint32_t> nrs;
    for (const auto& d : denied) nrs.push_back(static_cast<uint32_t>(d.nr));
    std::sort(nrs.begin(), nrs.end());
    nrs.erase(std::unique(nrs.begin(), nrs.end()), nrs.end());
    emit_search(p, nrs);
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
