// In-container escape attempts for the end-to-end security test (static: the
// test rootfs has only busybox). Each argument names one attempt; each prints
// "name=RESULT" lines, where RESULT is OK (the attempt worked: an escape step
// when confined) or the errno name of the step that failed. A setup step that
// fails before the attempt itself prints SETUP_<errno> so it is never taken
// for a denial.
//
// Every attempt runs in its own forked child, so what one changes (a mount, a
// Landlock domain, a seccomp filter, a chroot, a namespace) cannot leak into
// the next. Nothing here writes to a kernel control file: /proc/sysrq-trigger
// and friends are only opened for writing, never written.
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/perf_event.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string>

#include "errname.hpp"

namespace {

void put(const char* name, int e) {
    printf("%s=%s\n", name, errname(e));
}
void put_setup(const char* name, int e) {
    printf("%s=SETUP_%s\n", name, errname(e));
}
int rc(long r) {
    return r < 0 ? errno : 0;
}

// A child to aim ptrace and process_vm_readv at: a sibling process of the
// attacker (both are children of the per-attempt process).
volatile uint64_t g_secret = 0x05ec7e7;

pid_t sleeper() {
    pid_t p = fork();
    if (p == 0) {
        for (;;) pause();
    }
    return p;
}
void reap(pid_t p) {
    kill(p, SIGKILL);
    waitpid(p, nullptr, 0);
}

// Attacker and target are siblings: neither is the other's parent.
void ptrace_sibling(const char* name, int request) {
    pid_t target = sleeper();
    if (target < 0) return put_setup(name, errno);
    pid_t attacker = fork();
    if (attacker == 0) {
        int e = rc(ptrace(static_cast<__ptrace_request>(request), target, nullptr, nullptr));
        put(name, e);
        fflush(stdout);
        _exit(0);
    }
    waitpid(attacker, nullptr, 0);
    reap(target);
}

void vm_readv_sibling(const char* name) {
    pid_t target = sleeper();
    if (target < 0) return put_setup(name, errno);
    pid_t attacker = fork();
    if (attacker == 0) {
        uint64_t got = 0;
        iovec local{&got, sizeof got};
        iovec remote{const_cast<uint64_t*>(&g_secret), sizeof g_secret};
        long n = process_vm_readv(target, &local, 1, &remote, 1, 0);
        put(name, n < 0 ? errno : (got == 0x05ec7e7 ? 0 : EFAULT));
        fflush(stdout);
        _exit(0);
    }
    waitpid(attacker, nullptr, 0);
    reap(target);
}

// Landlock, by number: Debian 12's header is older than the kernel.
constexpr long kLandlockCreateRuleset = 444, kLandlockAddRule = 445, kLandlockRestrictSelf = 446;
struct __attribute__((packed)) PathBeneath {
    uint64_t allowed_access;
    int32_t parent_fd;
};

// A second domain that grants everything on "/" (every fs right the ABI
// knows), then a write the first domain (ours) denies.
void landlock_stack() {
    long abi = syscall(kLandlockCreateRuleset, nullptr, 0, 1 /* VERSION */);
    if (abi < 0) return put_setup("landlock_stack_restrict", errno);
    uint64_t all = (1ull << 13) - 1;  // ABI 1: 13 rights
    if (abi >= 2) all |= 1ull << 13;  // refer
    if (abi >= 3) all |= 1ull << 14;  // truncate
    if (abi >= 5) all |= 1ull << 15;  // ioctl_dev
    uint64_t handled = all;
    long fd = syscall(kLandlockCreateRuleset, &handled, sizeof handled, 0);
    if (fd < 0) return put_setup("landlock_stack_restrict", errno);
    int root = open("/", O_PATH | O_CLOEXEC);
    PathBeneath pb{all, root};
    if (syscall(kLandlockAddRule, fd, 1 /* PATH_BENEATH */, &pb, 0) < 0)
        return put_setup("landlock_stack_restrict", errno);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    put("landlock_stack_restrict", rc(syscall(kLandlockRestrictSelf, fd, 0)));
    int w = open("/etc/osh-escape", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    put("landlock_stack_write_etc", w < 0 ? errno : 0);
    if (w >= 0) unlink("/etc/osh-escape");
}

// A filter that allows everything, stacked on ours; then calls ours denies.
void seccomp_stack(const char* prefix, bool use_prctl) {
    sock_filter allow[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
    sock_fprog prog{1, allow};
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    long r = use_prctl ? prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0)
                       : syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
    std::string p = prefix;
    put((p + "_load").c_str(), rc(r));
    put((p + "_chroot").c_str(), rc(chroot("/")));
    int e = rc(mount("tmpfs", "/tmp", "tmpfs", 0, nullptr));
    put((p + "_mount").c_str(), e);
    if (e == 0) umount2("/tmp", MNT_DETACH);
    put((p + "_unshare_user").c_str(), rc(unshare(CLONE_NEWUSER)));
}

// A read-only bind mount made writable (its other flags kept). The mount
// table is shared by every attempt (a fork does not copy it), so an unconfined
// run puts the read-only flag back at once.
void remount_rw(const char* name, const char* path) {
    struct statvfs st;
    if (statvfs(path, &st) < 0) return put(name, errno);
    unsigned long keep = 0;
    if (st.f_flag & ST_NOSUID) keep |= MS_NOSUID;
    if (st.f_flag & ST_NODEV) keep |= MS_NODEV;
    if (st.f_flag & ST_NOEXEC) keep |= MS_NOEXEC;
    if (st.f_flag & ST_NOATIME) keep |= MS_NOATIME;
    if (st.f_flag & ST_NODIRATIME) keep |= MS_NODIRATIME;
    if (st.f_flag & ST_RELATIME) keep |= MS_RELATIME;
    int e = rc(mount(nullptr, path, nullptr, MS_REMOUNT | MS_BIND | keep, nullptr));
    put(name, e);
    if (e == 0) mount(nullptr, path, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | keep, nullptr);
}

// Clones the /proc mount alone (no AT_RECURSIVE), then opens core_pattern
// through the clone for writing (never writes).
void open_tree_proc(const char* name, long nr) {
    constexpr unsigned kOpenTreeClone = 1;
    long fd = syscall(nr, AT_FDCWD, "/proc", kOpenTreeClone | O_CLOEXEC, nullptr, 0);
    put(name, rc(fd));
    if (fd < 0) return;
    std::string n = std::string(name) + "_core_pattern";
    put(n.c_str(),
        rc(openat(static_cast<int>(fd), "sys/kernel/core_pattern", O_WRONLY | O_CLOEXEC)));
}

// TIOCSTI on a terminal we own: a pty pair made here, so the attempt reaches
// the ioctl (the baseline allows /dev/ptmx and /dev/pts with ioctl_dev).
int open_pty_slave(int* master) {
    *master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (*master < 0) return -1;
    if (grantpt(*master) < 0 || unlockpt(*master) < 0) return -1;
    char name[64];
    if (ptsname_r(*master, name, sizeof name) != 0) return -1;
    return open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
}

void tty_attempt(const char* name, unsigned long request_high, unsigned long request) {
    int master;
    int slave = open_pty_slave(&master);
    if (slave < 0) return put_setup(name, errno);
    char c = 'x';
    put(name, rc(syscall(SYS_ioctl, slave, request_high | request, &c)));
}

void listmount_foreign() {
    constexpr unsigned long kNsGetMntnsId = _IOR(0xb7, 0x5, uint64_t);  // NS_GET_MNTNS_ID
    uint64_t own = 0;
    if (int fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC); fd >= 0) {
        if (ioctl(fd, kNsGetMntnsId, &own) < 0) own = 0;
        close(fd);
    }
    struct {
        uint32_t size, spare;
        uint64_t mnt_id, param, mnt_ns_id;
    } req{};
    uint64_t ids[16];
    int seen = ENOENT;
    for (uint64_t ns = 1; ns <= 4096; ++ns) {
        if (ns == own) continue;
        req = {32, 0, ~uint64_t{0} /* LSMT_ROOT */, 0, ns};
        if (syscall(458, &req, ids, 16, 0) >= 0) return put("listmount_foreign", 0);
        if (errno == ENOSYS) return put("listmount_foreign", ENOSYS);
        if (errno != ENOENT) seen = errno;
    }
    put("listmount_foreign", seen);
}

const std::map<std::string, std::function<void()>>& attempts() {
    static const std::map<std::string, std::function<void()>> m = {
        // Mount table.
        {"remount_proc_sys", [] { remount_rw("remount_proc_sys", "/proc/sys"); }},
        {"remount_plan", [] { remount_rw("remount_plan", "/.oci-sandbox/plan"); }},
        {"mount_tmpfs_etc",
         [] {
             int e = rc(mount("tmpfs", "/etc", "tmpfs", 0, nullptr));
             put("mount_tmpfs_etc", e);
             if (e == 0) umount2("/etc", MNT_DETACH);  // the mount table is shared: undo
         }},
        {"umount_plan", [] { put("umount_plan", rc(umount2("/.oci-sandbox/plan", MNT_DETACH))); }},
        // A detached copy of /proc without its submounts: runc's read-only
        // /proc/sys bind is not in it. open_tree is in the profile;
        // open_tree_attr (6.15, number 467) is newer than libseccomp's table.
        {"open_tree_proc", [] { open_tree_proc("open_tree_proc", SYS_open_tree); }},
        {"open_tree_attr_proc", [] { open_tree_proc("open_tree_attr_proc", 467); }},
        // Another mount namespace's table by its id (listmount, Linux 6.8):
        // with CAP_SYS_ADMIN the host's and other containers'. The ids are
        // counted from 1; a namespace that does not exist answers ENOENT.
        {"listmount_foreign", [] { listmount_foreign(); }},
        {"pivot_root",
         [] { put("pivot_root", rc(syscall(SYS_pivot_root, "/osh-none-a", "/osh-none-b"))); }},
        {"chroot", [] { put("chroot", rc(chroot("/"))); }},
        // Namespaces.
        {"unshare_user", [] { put("unshare_user", rc(unshare(CLONE_NEWUSER))); }},
        {"unshare_mnt", [] { put("unshare_mnt", rc(unshare(CLONE_NEWNS))); }},
        {"userns_mount",
         [] {
             // The classic chain: a user namespace grants CAP_SYS_ADMIN there,
             // which mounts.
             if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) return put("userns_mount", errno);
             put("userns_mount", rc(mount("tmpfs", "/tmp", "tmpfs", 0, nullptr)));
         }},
        {"clone_newuser",
         [] {
             long p =
                 syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
             if (p == 0) _exit(0);
             if (p > 0) waitpid(static_cast<pid_t>(p), nullptr, 0);
             put("clone_newuser", rc(p));
         }},
        {"clone3_newuser",
         [] {
             uint64_t args[11] = {};  // struct clone_args (v2: 88 bytes)
             args[0] = CLONE_NEWUSER;
             args[4] = SIGCHLD;  // exit_signal
             long p = syscall(435 /* clone3 */, args, 88);
             if (p == 0) _exit(0);
             if (p > 0) waitpid(static_cast<pid_t>(p), nullptr, 0);
             put("clone3_newuser", rc(p));
         }},
        {"setns_mnt",
         [] {
             int fd = open("/proc/1/ns/mnt", O_RDONLY | O_CLOEXEC);
             if (fd < 0) return put_setup("setns_mnt", errno);
             put("setns_mnt", rc(setns(fd, CLONE_NEWNS)));
         }},
        // A bad fd: the kernel answers EBADF, only a filter answers EPERM.
        {"setns_badfd", [] { put("setns_badfd", rc(setns(-1, 0))); }},
        // Other processes.
        {"ptrace_attach", [] { ptrace_sibling("ptrace_attach", PTRACE_ATTACH); }},
        {"ptrace_seize", [] { ptrace_sibling("ptrace_seize", PTRACE_SEIZE); }},
        {"process_vm_readv", [] { vm_readv_sibling("process_vm_readv"); }},
        // Kernel attack surface.
        {"io_uring_setup",
         [] {
             unsigned char params[120] = {};  // struct io_uring_params
             put("io_uring_setup", rc(syscall(425, 8, params)));
         }},
        {"userfaultfd",
         [] {
             put("userfaultfd",
                 rc(syscall(SYS_userfaultfd, O_CLOEXEC | 1 /* UFFD_USER_MODE_ONLY */)));
         }},
        {"perf_event_open",
         [] {
             perf_event_attr a{};
             a.size = sizeof a;
             a.type = PERF_TYPE_SOFTWARE;
             a.config = PERF_COUNT_SW_TASK_CLOCK;
             a.exclude_kernel = 1;
             a.exclude_hv = 1;
             put("perf_event_open", rc(syscall(SYS_perf_event_open, &a, 0, -1, -1, 0)));
         }},
        {"bpf_prog_load",
         [] {
             bpf_insn insns[] = {
                 {BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0},  // r0 = 0
                 {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
             };
             bpf_attr attr{};
             attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
             attr.insn_cnt = 2;
             attr.insns = reinterpret_cast<uint64_t>(insns);
             attr.license = reinterpret_cast<uint64_t>("GPL");
             put("bpf_prog_load", rc(syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr)));
         }},
        {"keyctl",
         [] {
             put("keyctl", rc(syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -3 /* SESSION */, 0)));
         }},
        {"add_key",
         [] {
             put("add_key",
                 rc(syscall(SYS_add_key, "user", "osh-escape", "x", 1, -2 /* PROCESS */)));
         }},
        {"open_by_handle_at",
         [] {
             alignas(file_handle) unsigned char buf[sizeof(file_handle) + 128] = {};
             auto* fh = reinterpret_cast<file_handle*>(buf);
             fh->handle_bytes = 128;
             int mount_id;
             if (name_to_handle_at(AT_FDCWD, "/", fh, &mount_id, 0) < 0) {
                 // A filesystem without file handles: a made-up one still
                 // reaches the kernel (or the filter) with the same call.
                 fh->handle_bytes = 8;
                 fh->handle_type = 1;
             }
             int mfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
             put("open_by_handle_at", rc(open_by_handle_at(mfd, fh, O_RDONLY | O_CLOEXEC)));
         }},
        {"kexec_load", [] { put("kexec_load", rc(syscall(SYS_kexec_load, 0, 0, nullptr, 0))); }},
        {"init_module", [] { put("init_module", rc(syscall(SYS_init_module, nullptr, 0, ""))); }},
        {"finit_module", [] { put("finit_module", rc(syscall(SYS_finit_module, -1, "", 0))); }},
        {"syslog", [] { put("syslog", rc(klogctl(10 /* SIZE_BUFFER */, nullptr, 0))); }},
        // Host-wide state, with arguments the kernel refuses after its
        // capability check or before it: nothing changes even unconfined.
        {"swapoff", [] { put("swapoff", rc(syscall(SYS_swapoff, nullptr))); }},
        {"acct", [] { put("acct", rc(syscall(SYS_acct, 1))); }},
        {"settimeofday", [] { put("settimeofday", rc(syscall(SYS_settimeofday, nullptr, 1))); }},
        {"clock_settime",
         [] { put("clock_settime", rc(syscall(SYS_clock_settime, -1, nullptr))); }},
        {"iopl", [] { put("iopl", rc(syscall(SYS_iopl, 4))); }},
        // Multipath TCP (protocol 262), which Landlock's TCP port rules do
        // not see: a socket, then a bind on loopback (IPv4), or the socket alone.
        {"mptcp_socket",
         [] {
             int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 262);
             if (fd < 0) return put("mptcp_socket", errno);
             sockaddr_in a{};
             a.sin_family = AF_INET;
             a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
             put("mptcp_socket", rc(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a)));
             close(fd);
         }},
        {"mptcp_socket6",
         [] {
             int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 262);
             put("mptcp_socket6", fd < 0 ? errno : 0);
             if (fd >= 0) close(fd);
         }},
        // Terminal injection.
        {"tiocsti_pty", [] { tty_attempt("tiocsti_pty", 0, TIOCSTI); }},
        // The kernel reads only the low 32 bits of the request.
        {"tiocsti_highbit", [] { tty_attempt("tiocsti_highbit", 1ul << 32, TIOCSTI); }},
        {"tiocsti_stdin",
         [] {
             char c = 'x';
             put("tiocsti_stdin", rc(ioctl(0, TIOCSTI, &c)));
         }},
        {"tioclinux", [] { tty_attempt("tioclinux", 0, TIOCLINUX); }},
        // N_TTY, the discipline a pty already has: unconfined it succeeds and
        // loads nothing; any other number may autoload a module.
        {"tiocsetd_pty",
         [] {
             int master;
             int slave = open_pty_slave(&master);
             if (slave < 0) return put_setup("tiocsetd_pty", errno);
             int ldisc = 0;
             put("tiocsetd_pty", rc(syscall(SYS_ioctl, slave, TIOCSETD, &ldisc)));
         }},
        // The plan directory and the enforcer (read-only bind mounts).
        {"plan_create",
         [] {
             put("plan_create",
                 rc(open("/.oci-sandbox/plan/osh-escape", O_WRONLY | O_CREAT | O_CLOEXEC, 0644)));
         }},
        {"plan_unlink", [] { put("plan_unlink", rc(unlink("/.oci-sandbox/plan/plan.json"))); }},
        {"plan_rename",
         [] {
             put("plan_rename",
                 rc(rename("/.oci-sandbox/plan/plan.json", "/.oci-sandbox/plan/plan.json.old")));
         }},
        // Over it from outside: the kernel refuses a rename across mounts
        // (EXDEV) before it looks at the read-only flag.
        {"plan_rename_over",
         [] {
             int fd = open("/tmp/osh-plan.json", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
             if (fd < 0) return put_setup("plan_rename_over", errno);
             close(fd);
             put("plan_rename_over",
                 rc(rename("/tmp/osh-plan.json", "/.oci-sandbox/plan/plan.json")));
             unlink("/tmp/osh-plan.json");
         }},
        {"plan_link",
         [] {
             put("plan_link",
                 rc(link("/.oci-sandbox/plan/plan.json", "/.oci-sandbox/plan/osh-escape")));
         }},
        {"plan_chmod", [] { put("plan_chmod", rc(chmod("/.oci-sandbox/plan/plan.json", 0666))); }},
        {"plan_write",
         [] { put("plan_write", rc(open("/.oci-sandbox/plan/plan.json", O_WRONLY | O_CLOEXEC))); }},
        {"enforcer_write",
         [] {
             put("enforcer_write",
                 rc(open("/.oci-sandbox/oci-sandbox-hook", O_WRONLY | O_CLOEXEC)));
         }},
        // Kernel control files: opened for writing only, never written.
        {"sysrq_trigger",
         [] { put("sysrq_trigger", rc(open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC))); }},
        {"core_pattern",
         [] {
             put("core_pattern", rc(open("/proc/sys/kernel/core_pattern", O_WRONLY | O_CLOEXEC)));
         }},
        {"sys_uevent_helper",
         [] {
             put("sys_uevent_helper", rc(open("/sys/kernel/uevent_helper", O_WRONLY | O_CLOEXEC)));
         }},
        {"sys_thp",
         [] {
             put("sys_thp",
                 rc(open("/sys/kernel/mm/transparent_hugepage/enabled", O_WRONLY | O_CLOEXEC)));
         }},
        {"sys_create",
         [] {
             put("sys_create", rc(open("/sys/osh-escape", O_WRONLY | O_CREAT | O_CLOEXEC, 0644)));
         }},
        {"mknod_mem",
         [] {
             // /dev/mem's numbers; the device cgroup would still refuse opening it.
             int e = rc(mknod("/tmp/osh-mem", S_IFCHR | 0600, makedev(1, 1)));
             put("mknod_mem", e);
             if (e == 0) unlink("/tmp/osh-mem");
         }},
        // Undoing our own confinement.
        {"landlock_stack", landlock_stack},
        {"seccomp_stack", [] { seccomp_stack("seccomp_stack", false); }},
        {"prctl_stack", [] { seccomp_stack("prctl_stack", true); }},
    };
    return m;
}

}  // namespace

int main(int argc, char** argv) {
    setvbuf(stdout, nullptr, _IOLBF, 0);
    for (int i = 1; i < argc; ++i) {
        auto it = attempts().find(argv[i]);
        if (it == attempts().end()) {
            printf("%s=UNKNOWN\n", argv[i]);
            continue;
        }
        fflush(stdout);
        pid_t p = fork();
        if (p == 0) {
            it->second();
            fflush(stdout);
            _exit(0);
        }
        int status = 0;
        if (p < 0 || waitpid(p, &status, 0) < 0 || !WIFEXITED(status))
            printf("%s=CRASHED\n", argv[i]);
    }
    fflush(stdout);
    return 0;
}
