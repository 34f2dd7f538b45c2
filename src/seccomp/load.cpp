#include "seccomp/load.hpp"

#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace osh::seccomp {
namespace {

long sys_seccomp(unsigned op, unsigned flags, void* arg) {
    return ::syscall(SYS_seccomp, op, flags, arg);
}

}  // namespace

Result<void> load(const Bpf& bpf, unsigned flags) {
    if (bpf.insns.empty())
        return fail_errno("seccomp: load: empty filter (nothing to load)", EINVAL);
    if (bpf.insns.size() > BPF_MAXINSNS) {
        return fail_errno("seccomp: load: " + std::to_string(bpf.insns.size()) +
                              " instructions exceed " + std::to_string(BPF_MAXINSNS),
                          EINVAL);
    }
    sock_fprog prog{};
    prog.len = static_cast<unsigned short>(bpf.insns.size());
    // The kernel copies the program; it does not write through this pointer.
    prog.filter = const_cast<sock_filter*>(bpf.insns.data());
    if (sys_seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog) == 0) return {};
    int err = errno;
    if (err != ENOSYS) return fail_errno("seccomp(SECCOMP_SET_MODE_FILTER)", err);
    // Kernels before 3.17 (or a seccomp syscall hidden by an outer filter):
    // the prctl interface takes no flags.
    if (flags != 0) return fail_errno("seccomp(SECCOMP_SET_MODE_FILTER) with flags", err);
    if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0) return {};
    err = errno;
    return fail_errno("prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER) (seccomp(2) gave ENOSYS)", err);
}

Availability probe() {
    Availability a;
    // SECCOMP_GET_ACTION_AVAIL (4.14+) answers without installing anything.
    auto avail = [](uint32_t action) {
        uint32_t act = action;
        return sys_seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &act) == 0;
    };
    // Does the filter mode exist? A NULL program gives EFAULT when it does,
    // EINVAL when CONFIG_SECCOMP_FILTER is off, ENOSYS without the syscall.
    if (sys_seccomp(SECCOMP_SET_MODE_FILTER, 0, nullptr) == 0) {
        a.filter_mode = true;  // cannot happen with a NULL program
    } else if (errno == EFAULT) {
        a.filter_mode = true;
    } else if (errno == ENOSYS) {
        if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, nullptr, 0, 0) != 0 && errno == EFAULT) {
            a.filter_mode = true;
        } else {
            a.err = errno;
        }
    } else {
        a.err = errno;
    }
    a.action_errno = avail(SECCOMP_RET_ERRNO);
    a.action_kill_process = avail(SECCOMP_RET_KILL_PROCESS);
    a.action_log = avail(SECCOMP_RET_LOG);
    return a;
}

}  // namespace osh::seccomp
