#include "seccomp/profile.hpp"

#include <linux/audit.h>
#include <linux/netlink.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <set>

namespace osh::seccomp {
namespace {

// CLONE_NEWTIME (5.6) is missing from older headers. For clone(2) its bit
// (0x80) is part of the exit-signal byte, so it is checked for unshare only
// (clone3, the only other way to pass it, is answered ENOSYS).
constexpr uint64_t kCloneNewTime = 0x00000080;
constexpr uint64_t kCloneNamespaces = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |
                                      CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET;
constexpr uint64_t kUnshareNamespaces = kCloneNamespaces | kCloneNewTime;

// TIOCSETD is in every <asm/ioctls.h>; spelled here so the table reads alone.
constexpr uint64_t kTiocsetd = 0x5423;
// socketcall(2)'s first argument for socket() (SYS_SOCKET in <linux/net.h>).
constexpr uint64_t kSysSocket = 1;
// socket(2)'s protocol for Multipath TCP (IPPROTO_MPTCP in <linux/in.h>, 5.6).
constexpr uint64_t kIpprotoMptcp = 262;

// int arguments: the kernel reads only the low 32 bits, so compare only those
// (a plain 64-bit compare is bypassed by setting a high bit).
constexpr uint64_t kLow32 = 0xffffffffu;

ArgCond int_eq(unsigned arg, uint64_t value) {
    return ArgCond{arg, kLow32, value};
}
ArgCond no_bit_of(unsigned arg, uint64_t mask) {
    return ArgCond{arg, mask, 0};
}

const std::vector<AllowGroup>& group_table() {
    static const std::vector<AllowGroup> kGroups = {
        {"files",
         "files and directories: open, read, write, stat, list, rename, link, permissions, times, "
         "extended attributes, locks, descriptors; Landlock decides which paths"},
        {"memory",
         "memory mappings and protections (mmap/mremap, JIT code, shadow stacks), anonymous "
         "memory files (memfd_create: CUDA and other runtimes)"},
        {"numa",
         "NUMA placement of the process's own memory (libnuma, hwloc, NCCL, CUDA on "
         "coherent-memory systems); moving another process's pages needs ptrace access to it"},
        {"processes",
         "process life cycle, scheduling, priorities and resource limits inside the container's "
         "own pid namespace"},
        {"threads",
         "threads and their synchronisation: futexes, robust lists, rseq, thread-local storage"},
        {"identity", "user, group and capability ids (switching within what the process holds)"},
        {"signals", "signal handlers, masks, queues, signalfd"},
        {"time", "clocks (reading only), sleeps, interval timers, POSIX timers, timerfd"},
        {"events", "waiting for events: poll, select, epoll, eventfd, inotify, pipes, Linux AIO"},
        {"sockets",
         "socket calls on sockets the workload may create (socket(): AF_UNIX, AF_INET, AF_INET6, "
         "AF_NETLINK with NETLINK_ROUTE); Landlock limits TCP ports"},
        {"ipc", "System V and POSIX IPC inside the container's IPC namespace"},
        {"devices",
         "device control (ioctl): GPU drivers (every CUDA call reaches /dev/nvidia* this way), "
         "terminals, sockets; Landlock's ioctl_dev right decides which devices, and the terminal "
         "requests below are refused first"},
        {"self_confinement",
         "a workload may confine itself further (seccomp, Landlock): browsers, language "
         "sandboxes, nested enforcers"},
        {"system_info", "what the system is: kernel name, memory and load, random bytes"},
    };
    return kGroups;
}

struct GroupCalls {
    std::string_view group;
    std::vector<std::string_view> calls;
};

// Unconditionally allowed calls, by group. Names cover x86_64, i386 and
// aarch64; a name an architecture lacks is skipped there. Docker's default
// allow-list (moby profiles/seccomp/default.json) was the reference; what
// differs is in docs/seccomp.md.
const std::vector<GroupCalls>& group_calls() {
    // One table, grouped as the docs show it.
    // clang-format off
    static const std::vector<GroupCalls> kCalls = {
        {"files",
         {"access",       "faccessat",     "faccessat2",      "open",
          "openat",       "openat2",       "creat",           "close",
          "close_range",  "read",          "readv",           "pread64",
          "preadv",       "preadv2",       "write",           "writev",
          "pwrite64",     "pwritev",       "pwritev2",        "lseek",
          "_llseek",      "stat",          "stat64",          "fstat",
          "fstat64",      "lstat",         "lstat64",         "newfstatat",
          "fstatat64",    "statx",         "statfs",          "statfs64",
          "fstatfs",      "fstatfs64",     "getdents",        "getdents64",
          "getcwd",       "chdir",         "fchdir",          "mkdir",
          "mkdirat",      "rmdir",         "rename",          "renameat",
          "renameat2",    "link",          "linkat",          "symlink",
          "symlinkat",    "unlink",        "unlinkat",        "readlink",
          "readlinkat",   "chmod",         "fchmod",          "fchmodat",
          "fchmodat2",    "chown",         "chown32",         "fchown",
          "fchown32",     "fchownat",      "lchown",          "lchown32",
          "umask",        "truncate",      "truncate64",      "ftruncate",
          "ftruncate64",  "fallocate",     "fadvise64",       "fadvise64_64",
          "readahead",    "fsync",         "fdatasync",       "sync",
          "syncfs",       "sync_file_range", "flock",         "fcntl",
          "fcntl64",      "dup",           "dup2",            "dup3",
          "utime",        "utimes",        "utimensat",       "utimensat_time64",
          "futimesat",    "mknod",         "mknodat",         "copy_file_range",
          "sendfile",     "sendfile64",    "splice",          "tee",
          "vmsplice",     "cachestat",     "name_to_handle_at", "getxattr",
          "lgetxattr",    "fgetxattr",     "getxattrat",      "setxattr",
          "lsetxattr",    "fsetxattr",     "setxattrat",      "listxattr",
          "llistxattr",   "flistxattr",    "listxattrat",     "removexattr",
          "lremovexattr", "fremovexattr",  "removexattrat",   "file_getattr",
          "file_setattr"}},
        {"memory",
         {"brk", "mmap", "mmap2", "munmap", "mremap", "mprotect", "madvise", "mincore", "msync",
          "mlock", "mlock2", "mlockall", "munlock", "munlockall", "remap_file_pages",
          "memfd_create", "memfd_secret", "pkey_alloc", "pkey_free", "pkey_mprotect",
          "map_shadow_stack", "mseal"}},
        {"numa",
         {"get_mempolicy", "set_mempolicy", "set_mempolicy_home_node", "mbind", "move_pages",
          "migrate_pages"}},
        {"processes",
         {"execve", "execveat", "exit", "exit_group",
          "fork", "vfork", "wait4", "waitid",
          "waitpid", "getpid", "getppid", "getpgid",
          "setpgid", "getpgrp", "getsid", "setsid",
          "kill", "pidfd_open", "pidfd_send_signal", "process_mrelease",
          "prctl", "getpriority", "setpriority", "ioprio_get",
          "ioprio_set", "sched_getaffinity", "sched_setaffinity", "sched_getattr",
          "sched_setattr", "sched_getparam", "sched_setparam", "sched_getscheduler",
          "sched_setscheduler", "sched_get_priority_max", "sched_get_priority_min", "sched_rr_get_interval",
          "sched_rr_get_interval_time64", "getrusage", "times", "prlimit64",
          "getrlimit", "setrlimit", "ugetrlimit", "modify_ldt"}},
        {"threads",
         {"gettid", "tkill", "tgkill", "set_tid_address", "set_robust_list", "get_robust_list",
          "rseq", "futex", "futex_time64", "futex_waitv", "futex_wake", "futex_wait",
          "futex_requeue", "sched_yield", "membarrier", "arch_prctl", "set_thread_area",
          "get_thread_area", "getcpu"}},
        {"identity",
         {"getuid",     "getuid32",     "geteuid",    "geteuid32",    "getgid",
          "getgid32",   "getegid",      "getegid32",  "getresuid",    "getresuid32",
          "getresgid",  "getresgid32",  "getgroups",  "getgroups32",  "setuid",
          "setuid32",   "setgid",       "setgid32",   "setreuid",     "setreuid32",
          "setregid",   "setregid32",   "setresuid",  "setresuid32",  "setresgid",
          "setresgid32", "setgroups",   "setgroups32", "setfsuid",    "setfsuid32",
          "setfsgid",   "setfsgid32",   "capget",     "capset"}},
        {"signals",
         {"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigsuspend", "rt_sigpending",
          "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
          "sigaltstack", "sigreturn", "sigprocmask", "signalfd", "signalfd4", "pause",
          "restart_syscall"}},
        {"time",
         {"clock_gettime",     "clock_gettime64",   "clock_getres",      "clock_getres_time64",
          "clock_nanosleep",   "clock_nanosleep_time64", "nanosleep",    "gettimeofday",
          "time",              "alarm",             "getitimer",         "setitimer",
          "timer_create",      "timer_delete",      "timer_gettime",     "timer_gettime64",
          "timer_settime",     "timer_settime64",   "timer_getoverrun",  "timerfd_create",
          "timerfd_gettime",   "timerfd_gettime64", "timerfd_settime",   "timerfd_settime64"}},
        {"events",
         {"poll",         "ppoll",          "ppoll_time64",   "select",          "_newselect",
          "pselect6",     "pselect6_time64", "epoll_create",  "epoll_create1",   "epoll_ctl",
          "epoll_ctl_old", "epoll_wait",    "epoll_wait_old", "epoll_pwait",     "epoll_pwait2",
          "eventfd",      "eventfd2",       "inotify_init",   "inotify_init1",   "inotify_add_watch",
          "inotify_rm_watch", "pipe",       "pipe2",          "io_setup",        "io_destroy",
          "io_submit",    "io_cancel",      "io_getevents",   "io_pgetevents",
          "io_pgetevents_time64"}},
        {"sockets",
         {"socketpair", "accept", "accept4", "bind", "connect", "listen", "getsockname",
          "getpeername", "getsockopt", "setsockopt", "sendto", "send", "sendmsg", "sendmmsg",
          "recvfrom", "recv", "recvmsg", "recvmmsg", "recvmmsg_time64", "shutdown"}},
        {"ipc",
         {"shmget", "shmat", "shmdt", "shmctl", "semget", "semop", "semtimedop",
          "semtimedop_time64", "semctl", "msgget", "msgsnd", "msgrcv", "msgctl", "ipc", "mq_open",
          "mq_unlink", "mq_timedsend", "mq_timedsend_time64", "mq_timedreceive",
          "mq_timedreceive_time64", "mq_notify", "mq_getsetattr"}},
        {"devices", {"ioctl"}},
        {"self_confinement",
         {"seccomp", "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self"}},
        {"system_info", {"uname", "sysinfo", "getrandom"}},
    };
    // clang-format on
    return kCalls;
}

// Calls allowed only with conditions on their arguments.
std::vector<AllowEntry> conditional_entries() {
    return {
        {"clone",
         "processes",
         {no_bit_of(0, kCloneNamespaces)},
         "no CLONE_NEW* bit in flags (arg 0, mask 0x7e020000): creating namespaces opens "
         "user-namespace-only kernel code to the workload; plain thread and process creation "
         "stays allowed"},
        {"unshare",
         "processes",
         {no_bit_of(0, kUnshareNamespaces)},
         "no CLONE_NEW* bit in flags (arg 0, mask 0x7e0200a0, CLONE_NEWTIME included); "
         "unsharing files or fs state stays allowed"},
        {"socket", "sockets", {int_eq(0, AF_UNIX)}, "domain (arg 0) AF_UNIX (1)"},
        {"socket", "sockets", {int_eq(0, AF_INET)}, "domain AF_INET (2)"},
        {"socket", "sockets", {int_eq(0, AF_INET6)}, "domain AF_INET6 (10)"},
        {"socket",
         "sockets",
         {int_eq(0, AF_NETLINK), int_eq(2, NETLINK_ROUTE)},
         "domain AF_NETLINK (16) with protocol (arg 2) NETLINK_ROUTE (0): interface and address "
         "queries; the other netlink families are kernel configuration channels"},
        {"personality", "processes", {int_eq(0, 0x0)}, "persona (arg 0) PER_LINUX (0)"},
        {"personality", "processes", {int_eq(0, 0x8)}, "persona PER_LINUX32 (0x8)"},
        {"personality", "processes", {int_eq(0, 0x20000)}, "persona UNAME26 (0x20000)"},
        {"personality",
         "processes",
         {int_eq(0, 0x20008)},
         "persona UNAME26 + PER_LINUX32 (0x20008)"},
        {"personality",
         "processes",
         {int_eq(0, 0xffffffff)},
         "persona 0xffffffff (query); other personas (ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC) "
         "weaken exploit mitigations"},
    };
}

const std::vector<AllowEntry>& allow_table() {
    static const std::vector<AllowEntry> kTable = [] {
        std::vector<AllowEntry> conditional = conditional_entries();
        size_t n = conditional.size();
        for (const auto& g : group_calls()) n += g.calls.size();
        std::vector<AllowEntry> t;
        t.reserve(n);  // built on every hook run: one allocation, no copies
        for (const auto& g : group_calls())
            for (auto c : g.calls) t.push_back(AllowEntry{c, g.group, {}, ""});
        for (auto& e : conditional) t.push_back(std::move(e));
        return t;
    }();
    return kTable;
}

const std::vector<Refusal>& refusal_table() {
    static const std::vector<Refusal> kTable = {
        // Other processes' memory and state.
        {"ptrace",
         {},
         0,
         "inspects and controls other processes (read their memory, inject code)",
         ""},
        {"process_vm_readv", {}, 0, "reads another process's memory directly", ""},
        {"process_vm_writev", {}, 0, "writes another process's memory directly", ""},
        {"pidfd_getfd", {}, 0, "steals a file descriptor from another process", ""},
        // Large kernel attack surface, rarely needed by workloads.
        {"bpf", {}, 0, "loads eBPF programs and maps: large kernel attack surface", ""},
        {"perf_event_open",
         {},
         0,
         "kernel profiling interface: information leaks and a history of exploits",
         ""},
        {"userfaultfd",
         {},
         0,
         "lets a process stall kernel page faults: a standard exploit primitive for races",
         ""},
        {"io_uring_setup",
         {},
         0,
         "io_uring: large attack surface, and its operations bypass seccomp checks",
         ""},
        {"io_uring_enter",
         {},
         0,
         "io_uring: large attack surface, and its operations bypass seccomp checks",
         ""},
        {"io_uring_register",
         {},
         0,
         "io_uring: large attack surface, and its operations bypass seccomp checks",
         ""},
        // Mount table and root changes.
        {"mount",
         {},
         0,
         "changes the mount table (could uncover what the container's mounts hide)",
         ""},
        {"umount2",
         {},
         0,
         "removes mounts (could uncover what over-mounts such as masked paths hide)",
         ""},
        {"mount_setattr",
         {},
         0,
         "changes mount attributes (e.g. makes a read-only mount writable)",
         ""},
        {"fsopen", {}, 0, "new mount API: creates a filesystem context", ""},
        {"fsconfig", {}, 0, "new mount API: configures a filesystem context", ""},
        {"fsmount", {}, 0, "new mount API: creates a mount", ""},
        {"fspick", {}, 0, "new mount API: reconfigures an existing mount", ""},
        {"move_mount", {}, 0, "new mount API: attaches or moves a mount", ""},
        {"open_tree", {}, 0, "new mount API: clones a mount tree", ""},
        {"open_tree_attr",
         {},
         0,
         "new mount API (Linux 6.15): clones a mount tree like open_tree; a clone of /proc "
         "without its submounts has no read-only /proc/sys",
         ""},
        {"pivot_root", {}, 0, "changes the root filesystem", ""},
        {"chroot",
         {},
         0,
         "changes the root directory (with other bugs, a classic escape step)",
         ""},
        // Namespaces (creating them through clone/unshare: see their conditions).
        {"setns", {}, 0, "joins another namespace", ""},
        {"clone3",
         {},
         ENOSYS,
         "its flags live in memory seccomp cannot read; ENOSYS makes libc fall back to clone, "
         "whose flags are checked",
         ""},
        // Mount tables by namespace id.
        {"statmount",
         {},
         ENOSYS,
         "with CAP_SYS_ADMIN it reads any mount namespace by its id (the host's, other "
         "containers'), an id in memory seccomp cannot read; ENOSYS makes libmount fall back "
         "to /proc/self/mountinfo, the container's own",
         ""},
        {"listmount",
         {},
         ENOSYS,
         "with CAP_SYS_ADMIN it lists any mount namespace by its id (the host's, other "
         "containers'), an id in memory seccomp cannot read; ENOSYS makes libmount fall back "
         "to /proc/self/mountinfo, the container's own",
         ""},
        // Kernel modules and kexec.
        {"init_module", {}, 0, "loads a kernel module", ""},
        {"finit_module", {}, 0, "loads a kernel module from a file", ""},
        {"delete_module", {}, 0, "unloads a kernel module", ""},
        {"kexec_load", {}, 0, "replaces the running kernel", ""},
        {"kexec_file_load", {}, 0, "replaces the running kernel", ""},
        // Kernel keyrings are not namespaced.
        {"keyctl",
         {},
         0,
         "kernel keyrings are not namespaced: reads or changes keys of other containers",
         ""},
        {"add_key", {}, 0, "kernel keyrings are not namespaced", ""},
        {"request_key", {}, 0, "kernel keyrings are not namespaced", ""},
        {"open_by_handle_at",
         {},
         0,
         "opens files by handle, bypassing path checks (the 'shocker' container escape)",
         ""},
        // Host-wide state that is not namespaced. Most of these need a
        // capability a container rarely has; refusing them keeps a container
        // given one (CAP_SYS_ADMIN, CAP_SYSLOG, ...) from reaching the host.
        {"syslog",
         {},
         0,
         "reads the host kernel log (kernel addresses, other containers' messages and GPU "
         "errors); needs no capability where kernel.dmesg_restrict is 0",
         ""},
        {"acct", {}, 0, "switches host-wide process accounting on or off", ""},
        {"swapon", {}, 0, "adds host swap space", ""},
        {"swapoff", {}, 0, "removes host swap space (memory pressure on the whole host)", ""},
        {"settimeofday", {}, 0, "sets the host's clock (time is not namespaced)", ""},
        {"clock_settime", {}, 0, "sets the host's clock (time is not namespaced)", ""},
        {"adjtimex",
         {},
         0,
         "adjusts the host's clock with CAP_SYS_TIME (time is not namespaced); its mode lives in "
         "memory seccomp cannot read, so the read-only query goes too",
         ""},
        {"clock_adjtime", {}, 0, "adjusts the host's clock like adjtimex, for a given clock", ""},
        {"iopl", {}, 0, "raw I/O port access: reaches hardware directly (x86)", ""},
        {"ioperm", {}, 0, "raw I/O port access: reaches hardware directly (x86)", ""},
        // Terminal requests, refused before ioctl's allow.
        {"ioctl",
         {int_eq(1, TIOCSTI)},
         0,
         "TIOCSTI: injects input into a terminal (runs commands in the outer shell)",
         "request (arg 1) == TIOCSTI (0x5412)"},
        {"ioctl",
         {int_eq(1, TIOCLINUX)},
         0,
         "TIOCLINUX: console selection and paste (injects input like TIOCSTI)",
         "request (arg 1) == TIOCLINUX (0x541c)"},
        {"ioctl",
         {int_eq(1, kTiocsetd)},
         0,
         "TIOCSETD: changes a terminal's line discipline; an unloaded one is autoloaded as a "
         "kernel module (tty-ldisc-N) on hosts with modules, reaching rarely used and "
         "historically exploited code (n_gsm, n_hdlc)",
         "request (arg 1) == TIOCSETD (0x5423)"},
        // Sockets Landlock's port rules do not see, refused before socket's allow.
        {"socket",
         {int_eq(2, kIpprotoMptcp)},
         EPROTONOSUPPORT,
         "MPTCP: Landlock's bind_tcp and connect_tcp rules cover TCP sockets only, so an MPTCP "
         "socket binds and connects to any port; EPROTONOSUPPORT is what a kernel without MPTCP "
         "answers, so programs that try it first (Go's listeners) fall back to TCP",
         "protocol (arg 2) == IPPROTO_MPTCP (262)"},
        // i386 only (allow_i386): socket() through the multiplexer.
        {"socketcall",
         {int_eq(0, kSysSocket)},
         0,
         "i386: socket() through socketcall passes its domain in memory seccomp cannot read, so "
         "the domain conditions cannot apply; the direct i386 socket call is checked instead",
         "call (arg 0) == SYS_SOCKET (1)"},
    };
    return kTable;
}

const std::vector<NewerCall>& newer_table() {
    static const std::vector<NewerCall> kTable = {
        {"statmount", 457, "6.8"},         {"listmount", 458, "6.8"},
        {"lsm_get_self_attr", 459, "6.8"}, {"lsm_set_self_attr", 460, "6.8"},
        {"lsm_list_modules", 461, "6.8"},  {"mseal", 462, "6.10"},
        {"setxattrat", 463, "6.13"},       {"getxattrat", 464, "6.13"},
        {"listxattrat", 465, "6.13"},      {"removexattrat", 466, "6.13"},
        {"open_tree_attr", 467, "6.15"},   {"file_getattr", 468, "6.17"},
        {"file_setattr", 469, "6.17"},
    };
    return kTable;
}

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

std::string rule_text(const Rule& r) {
    std::string s = r.syscall;
    for (const auto& c : r.conds)
        s += " arg" + std::to_string(c.arg) + "&" + hex(c.mask) + "==" + hex(c.value);
    if (r.errno_override != 0) s += " errno=" + std::to_string(r.errno_override);
    if (r.number != 0) s += " nr=" + std::to_string(r.number);
    return s;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

// Makes `name` allowed for every call: its conditional entries and the
// profile's refusals of it go.
void allow_outright(ResolvedFilter& f, const std::string& name, const std::string& why) {
    std::erase_if(f.refused, [&](const Rule& r) { return r.syscall == name; });
    std::erase_if(f.allowed, [&](const Rule& r) { return r.syscall == name; });
    f.allowed.push_back(Rule{name, {}, 0, why, profile_number(name)});
}

}  // namespace

std::vector<std::vector<ArgCond>> shared_pid_conditions(std::string_view syscall) {
    // setpriority's and ioprio_set's who: 0 with PRIO_PROCESS (0) and
    // IOPRIO_WHO_PROCESS (1) is the caller; with a group or user it would be
    // every process of the caller's user (root's, on the host).
    constexpr uint64_t kPrioProcess = 0;
    constexpr uint64_t kIoprioWhoProcess = 1;
    if (syscall == "setpriority") return {{int_eq(0, kPrioProcess), int_eq(1, 0)}};
    if (syscall == "ioprio_set") return {{int_eq(0, kIoprioWhoProcess), int_eq(1, 0)}};
    // The pid (arg 0): 0 is the caller.
    for (std::string_view by_pid : {"prlimit64", "sched_setaffinity", "sched_setscheduler",
                                    "sched_setparam", "sched_setattr"})
        if (syscall == by_pid) return {{int_eq(0, 0)}};
    return {};
}

std::span<const AllowGroup> allow_groups() {
    return group_table();
}

std::span<const AllowEntry> allow_list() {
    return allow_table();
}

std::span<const Refusal> refusals() {
    return refusal_table();
}

std::span<const NewerCall> newer_calls() {
    return newer_table();
}

int profile_number(std::string_view name) {
    for (const auto& n : newer_table())
        if (n.name == name) return n.number;
    return 0;
}

int newest_known_number() {
    int top = 0;
    for (const auto& n : newer_table()) top = std::max(top, n.number);
    return top;
}

uint32_t effective_arch(uint32_t audit_arch) {
    if (audit_arch != 0) return audit_arch;
#if defined(__x86_64__) && !defined(__ILP32__)
    return AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
    return AUDIT_ARCH_AARCH64;
#elif defined(__i386__)
    return AUDIT_ARCH_I386;
#else
#error "effective_arch: add this architecture"
#endif
}

ResolvedFilter resolve(const FilterSpec& spec) {
    const auto& pol = spec.settings;
    ResolvedFilter f;
    if (pol.profile == seccomp::Profile::none) {
        std::set<std::string> seen;
        for (const auto& name : pol.deny) {
            if (!seen.insert(name).second) continue;
            f.refused.push_back(Rule{name, {}, 0, "policy seccomp.deny", profile_number(name)});
        }
        return f;
    }
    f.allow_list = true;
    for (const auto& r : refusal_table()) {
        if (r.conds.empty() && r.errno_override == 0) continue;  // the allow-list leaves it out
        f.refused.push_back(Rule{std::string(r.syscall), r.conds, r.errno_override,
                                 std::string(r.reason), profile_number(r.syscall)});
    }
    for (const auto& e : allow_table()) {
        f.allowed.push_back(Rule{std::string(e.syscall), e.conds, 0, std::string(e.group),
                                 profile_number(e.syscall)});
    }
    for (const auto& name : pol.allow) {
        if (contains(pol.deny, name)) continue;
        allow_outright(f, name, "policy seccomp.allow");
    }
    for (const auto& name : spec.relaxations) {
        if (contains(pol.deny, name) || contains(pol.allow, name)) continue;
        allow_outright(f, name, "vendor relaxation");
    }
    // In the host's IPC namespace, IPC reaches the host's objects (and
    // every container's there): only the policy's own allow keeps it.
    if (spec.host_ipc_namespace)
        std::erase_if(f.allowed, [&](const Rule& r) {
            return r.why == "ipc" && !contains(pol.allow, r.syscall);
        });
    // In a pid namespace shared with others (the host's, another
    // container's) a pid names their processes, which these calls would
    // reach with no check Landlock makes: the caller alone.
    if (spec.shared_pid_namespace) {
        std::vector<Rule> own;
        std::erase_if(f.allowed, [&](const Rule& r) {
            if (!r.conds.empty() || contains(pol.allow, r.syscall)) return false;
            auto forms = shared_pid_conditions(r.syscall);
            for (auto& c : forms) own.push_back(Rule{r.syscall, std::move(c), 0, r.why, r.number});
            return !forms.empty();
        });
        f.allowed.insert(f.allowed.end(), own.begin(), own.end());
    }
    // Deny wins: the call leaves the allow-list (a refusal with its own errno,
    // clone3's ENOSYS, stays).
    for (const auto& name : pol.deny)
        std::erase_if(f.allowed, [&](const Rule& r) { return r.syscall == name; });
    return f;
}

std::string canonical_source(const FilterSpec& spec) {
    std::string s = "osh-seccomp-source v2\n";
    s += "arch " + hex(effective_arch(spec.audit_arch)) + "\n";
    s += std::string("allow_i386 ") + (spec.settings.allow_i386 ? "yes" : "no") + "\n";
    s += "action " + std::string(name(spec.settings.action)) + "\n";
    if (spec.host_ipc_namespace) s += "ipc_namespace host\n";
    if (spec.shared_pid_namespace) s += "pid_namespace shared\n";
    const ResolvedFilter f = resolve(spec);
    s += std::string("default ") + (f.allow_list ? "action" : "allow") + "\n";
    // Names that must resolve (checked at compile time) are part of the source too.
    for (const auto& n : spec.settings.deny) s += "name-deny " + n + "\n";
    for (const auto& n : spec.settings.allow) s += "name-allow " + n + "\n";
    for (const auto& n : spec.relaxations) s += "name-relax " + n + "\n";
    for (const auto& r : f.refused) s += "refuse " + rule_text(r) + "\n";
    for (const auto& r : f.allowed) s += "allow " + rule_text(r) + "\n";
    if (f.allow_list) {
        // What the profile knows sets where ENOSYS starts.
        for (const auto& r : refusal_table()) s += "known " + std::string(r.syscall) + "\n";
        for (const auto& n : newer_table())
            s += "known " + std::string(n.name) + " nr=" + std::to_string(n.number) + "\n";
    }
    return s;
}

}  // namespace osh::seccomp
