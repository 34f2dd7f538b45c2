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

bool Availability::offers(std::string_view action) const {
    for (const auto& a : actions)
        if (a.name == action) return a.available;
    return false;
}

std::string_view mode_name(int mode) {
    switch (mode) {
        case 0:
            return "none";
        case 1:
            return "strict";
        case 2:
            return "filter";
        default:
            return "unknown";
    }
}

Availability probe() {
    Availability a;
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
    // SECCOMP_GET_ACTION_AVAIL (4.14+) answers without installing anything.
    a.actions = {
        {"kill_process", SECCOMP_RET_KILL_PROCESS},
        {"kill_thread", SECCOMP_RET_KILL_THREAD},
        {"trap", SECCOMP_RET_TRAP},
        {"errno", SECCOMP_RET_ERRNO},
        {"user_notif", SECCOMP_RET_USER_NOTIF},
        {"trace", SECCOMP_RET_TRACE},
        {"log", SECCOMP_RET_LOG},
        {"allow", SECCOMP_RET_ALLOW},
    };
    for (auto& act : a.actions) {
        uint32_t code = act.action;
        if (sys_seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &code) == 0) {
            act.available = true;
            a.answers = true;
        } else {
            act.err = errno;
            if (act.err == EOPNOTSUPP)
                a.answers = true;  // this action only
            else
                a.answer_err = act.err;
        }
    }
    errno = 0;
    const int mode = ::prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
    if (mode < 0)
        a.mode_err = errno;
    else
        a.mode = mode;
    return a;
}

}  // namespace osh::seccomp
