// Kernel tests: each child loads a compiled filter (no_new_privs + seccomp(2))
// and reports what its calls returned through a pipe; the parent asserts.
// Needs seccomp filter support, not root (a root-only control run and an
// unprivileged-uid run are done when root). Without seccomp the kernel suite
// is skipped (exit 77) after the pure tests pass.
#define DOCTEST_CONFIG_IMPLEMENT
#include <asm/unistd.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <linux/seccomp.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "child.hpp"
#include "seccomp/compile.hpp"
#include "seccomp/load.hpp"

using namespace osh;
using namespace osh::seccomp;
using namespace osh::seccomp_test;

namespace {

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef AF_ALG
#define AF_ALG 38
#endif
constexpr unsigned long kCloneNewTime = 0x80;

#if defined(__x86_64__)
// An i386 system call through int $0x80 from 64-bit code (i386 numbers).
long int80(long nr, long b = 0) {
    long ret = nr;
    asm volatile("int $0x80"
                 : "+a"(ret)
                 : "b"(b)
                 : "rcx", "rdx", "r8", "r9", "r10", "r11", "memory");
    return ret;  // -errno on failure (the raw kernel convention)
}
#endif

Bpf compiled(const FilterSpec& spec) {
    auto r = compile(spec, "");
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().what()));
    return std::move(*r);
}

// Harmless arguments for every unconditional entry of the default profile:
// without the filter each call fails with EFAULT/EBADF/EINVAL/... (as root),
// never doing anything.
struct Call {
    long nr;
    std::array<long, 6> a;
};
const std::map<std::string, Call>& harmless_calls() {
    static const std::map<std::string, Call> m = {
        {"ptrace", {__NR_ptrace, {-1, 0, 0, 0}}},  // bad request, pid 0
        {"process_vm_readv", {__NR_process_vm_readv, {0, 0, 0, 0, 0, 0}}},
        {"process_vm_writev", {__NR_process_vm_writev, {0, 0, 0, 0, 0, 0}}},
        {"pidfd_getfd", {__NR_pidfd_getfd, {-1, 0, 0}}},
        {"bpf", {__NR_bpf, {-1, 0, 0}}},
        {"perf_event_open", {__NR_perf_event_open, {0, 0, -1, -1, 0}}},
        {"userfaultfd", {__NR_userfaultfd, {-1}}},
        {"io_uring_setup", {__NR_io_uring_setup, {0, 0}}},
        {"io_uring_enter", {__NR_io_uring_enter, {-1, 0, 0, 0, 0, 0}}},
        {"io_uring_register", {__NR_io_uring_register, {-1, 0, 0, 0}}},
        {"mount", {__NR_mount, {0, 0, 0, 0, 0}}},
        {"umount2", {__NR_umount2, {0, 0}}},
        {"mount_setattr", {__NR_mount_setattr, {-1, 0, 0, 0, 0}}},
        {"fsopen", {__NR_fsopen, {0, 0}}},
        {"fsconfig", {__NR_fsconfig, {-1, 0, 0, 0, 0}}},
        {"fsmount", {__NR_fsmount, {-1, 0, 0}}},
        {"fspick", {__NR_fspick, {-1, 0, 0}}},
        {"move_mount", {__NR_move_mount, {-1, 0, -1, 0, 0}}},
        {"open_tree", {__NR_open_tree, {-1, 0, 0}}},
        {"open_tree_attr", {467, {-1, 0, 0, 0, 0}}},  // bad fd; ENOSYS before Linux 6.15
        {"pivot_root", {__NR_pivot_root, {0, 0}}},
        {"chroot", {__NR_chroot, {0}}},
        {"setns", {__NR_setns, {-1, 0}}},
        {"init_module", {__NR_init_module, {0, 0, 0}}},
        {"finit_module", {__NR_finit_module, {-1, 0, 0}}},
        {"delete_module", {__NR_delete_module, {0, 0}}},
        {"kexec_load", {__NR_kexec_load, {0, 0, 0, -1}}},                 // invalid flags
        {"kexec_file_load", {__NR_kexec_file_load, {-1, -1, 0, 0, -1}}},  // invalid flags
        {"keyctl", {__NR_keyctl, {-1, 0, 0, 0, 0}}},
        {"add_key", {__NR_add_key, {0, 0, 0, 0, 0}}},
        {"request_key", {__NR_request_key, {0, 0, 0, 0}}},
        {"open_by_handle_at", {__NR_open_by_handle_at, {-1, 0, 0}}},
        {"syslog", {__NR_syslog, {-1, 0, 0}}},             // unknown action: EINVAL
        {"acct", {__NR_acct, {1}}},                        // bad pointer: EFAULT
        {"swapon", {__NR_swapon, {0, 0}}},                 // NULL path: EFAULT
        {"swapoff", {__NR_swapoff, {0}}},                  // NULL path: EFAULT
        {"settimeofday", {__NR_settimeofday, {0, 1}}},     // bad tz pointer: EFAULT
        {"clock_settime", {__NR_clock_settime, {-1, 0}}},  // no such clock
        {"adjtimex", {__NR_adjtimex, {0}}},                // NULL buffer: EFAULT
        {"clock_adjtime", {__NR_clock_adjtime, {-1, 0}}},  // no such clock
        {"iopl", {__NR_iopl, {4}}},                        // level > 3: EINVAL
        {"ioperm", {__NR_ioperm, {-1, 1, 1}}},             // range past the bitmap: EINVAL
        {"clone3", {__NR_clone3, {0, 0}}},                 // size 0: EINVAL unfiltered
        {"statmount", {457, {0, 0, 0, 0}}},  // no request: EFAULT unfiltered (Linux 6.8)
        {"listmount", {458, {0, 0, 0, 0}}},  // no request: EFAULT unfiltered
    };
    return m;
}

std::vector<std::string> unconditional_refusals() {
    std::vector<std::string> out;
    for (const auto& r : refusals())
        if (r.conds.empty()) out.emplace_back(r.syscall);
    return out;
}

// Calls the allow-list does not name (and no refusal either), with harmless
// arguments: unfiltered, each fails otherwise than EPERM as root.
const std::map<std::string, Call>& unlisted_calls() {
    static const std::map<std::string, Call> m = {
        {"reboot", {__NR_reboot, {0, 0, 0, 0}}},                        // bad magic: EINVAL
        {"kcmp", {__NR_kcmp, {-1, -1, 0, 0, 0}}},                       // no such pid: ESRCH
        {"sethostname", {__NR_sethostname, {0, -1}}},                   // bad length: EINVAL
        {"quotactl", {__NR_quotactl, {0, 0, 0, 0}}},                    // no device: EFAULT/EINVAL
        {"fanotify_init", {__NR_fanotify_init, {-1, 0}}},               // bad flags: EINVAL
        {"lsm_set_self_attr", {460, {0, 0, 0, -1}}},                    // bad flags: EINVAL
        {"process_madvise", {__NR_process_madvise, {-1, 0, 0, 0, 0}}},  // bad pidfd: EBADF
    };
    return m;
}

std::vector<long> call_all(const std::vector<std::string>& names,
                           const std::map<std::string, Call>& table = harmless_calls()) {
    std::vector<long> v;
    for (const auto& n : names) {
        const auto& c = table.at(n);
        v.push_back(sc(c.nr, c.a[0], c.a[1], c.a[2], c.a[3], c.a[4], c.a[5]));
    }
    return v;
}

void* thread_fn(void*) {
    return reinterpret_cast<void*>(42);
}

// Runs `calls` in a child under each case's filter (label, spec, the
// results it must see).
using FilterCase = std::tuple<const char*, FilterSpec, std::vector<long>>;
void expect_under(std::initializer_list<FilterCase> cases,
                  const std::function<void(std::vector<long>&)>& calls) {
    for (const auto& [label, spec, want] : cases) {
        CAPTURE(label);
        const Bpf bpf = compiled(spec);
        auto r = in_child(&bpf, [&](std::vector<long>& v) { calls(v); });
        REQUIRE(r.exited_ok());
        CHECK(r.values == want);
    }
}

}  // namespace

TEST_SUITE("kernel") {
    TEST_CASE(
        "kernel: each call refused outright gives EPERM; clone3, statmount, listmount ENOSYS") {
        const auto names = unconditional_refusals();
        for (const auto& n : names) {
            CAPTURE(n);
            REQUIRE_MESSAGE(harmless_calls().count(n) == 1,
                            "add harmless arguments for this new profile entry");
        }
        const Bpf bpf = compiled(FilterSpec{});
        auto filtered = in_child(&bpf, [&](std::vector<long>& v) { v = call_all(names); });
        REQUIRE(filtered.exited_ok());
        REQUIRE(filtered.values.size() == names.size());
        for (size_t i = 0; i < names.size(); ++i) {
            CAPTURE(names[i]);
            const bool enosys =
                names[i] == "clone3" || names[i] == "statmount" || names[i] == "listmount";
            CHECK(filtered.values[i] == (enosys ? -ENOSYS : -EPERM));
        }
        // Control: as root, the same calls unfiltered fail otherwise, so the EPERM
        // above came from the filter.
        if (::geteuid() == 0) {
            auto control = in_child(nullptr, [&](std::vector<long>& v) { v = call_all(names); });
            REQUIRE(control.exited_ok());
            REQUIRE(control.values.size() == names.size());
            for (size_t i = 0; i < names.size(); ++i) {
                CAPTURE(names[i]);
                CHECK(control.values[i] != filtered.values[i]);
            }
        } else {
            MESSAGE(
                "not root: the unfiltered control run (which tells filter EPERM from kernel EPERM) "
                "needs root");
        }
    }

    TEST_CASE("kernel: in the host's IPC namespace IPC gets the action, unless allowed") {
        // shmget of a new private segment (removed at once), semget, msgget:
        // each reaches the kernel unfiltered and under the plain profile.
        auto calls = [](std::vector<long>& v) {
            long shm = sc(__NR_shmget, 0 /* IPC_PRIVATE */, 4096, 0600 | 01000 /* IPC_CREAT */);
            v.push_back(shm < 0 ? shm : 0);
            if (shm >= 0) sc(__NR_shmctl, shm, 0 /* IPC_RMID */, 0);
            long sem = sc(__NR_semget, 0, 1, 0600 | 01000);
            v.push_back(sem < 0 ? sem : 0);
            if (sem >= 0) sc(__NR_semctl, sem, 0, 0 /* IPC_RMID */);
            long msg = sc(__NR_msgget, 0, 0600 | 01000);
            v.push_back(msg < 0 ? msg : 0);
            if (msg >= 0) sc(__NR_msgctl, msg, 0 /* IPC_RMID */, 0);
            // A POSIX queue made in the namespace (then unlinked).
            static const char name[] = "osh-kernel-seccomp-mq";
            long mq = sc(__NR_mq_open, reinterpret_cast<long>(name), O_RDWR | O_CREAT, 0600, 0);
            v.push_back(mq < 0 ? mq : 0);
            if (mq >= 0) {
                ::close(static_cast<int>(mq));
                sc(__NR_mq_unlink, reinterpret_cast<long>(name));
            }
        };
        FilterSpec own;
        FilterSpec host;
        host.host_ipc_namespace = true;
        FilterSpec allowed = host;
        allowed.settings.allow = {"shmget", "shmctl"};
        expect_under({{"own", own, {0, 0, 0, 0}},
                      {"host", host, {-EPERM, -EPERM, -EPERM, -EPERM}},
                      {"host, shm allowed", allowed, {0, -EPERM, -EPERM, -EPERM}}},
                     calls);
        CHECK(cache_key(host) != cache_key(own));
    }

    TEST_CASE("kernel: in the host's pid namespace the calls by pid act on the caller alone") {
        // Each sets what is already set (a read for prlimit64), by pid 0 and
        // by an explicit pid (this process's own, or its parent's for the
        // read): harmless, and each reaches the kernel under the plain profile.
        auto calls = [](std::vector<long>& v) {
            const long self = ::getpid();
            auto ok = [&](long r) { v.push_back(r < 0 ? r : 0); };
            struct rlimit64 {
                uint64_t cur, max;
            } old{};
            ok(sc(__NR_prlimit64, 0, RLIMIT_NOFILE, 0, reinterpret_cast<long>(&old)));
            ok(sc(__NR_prlimit64, ::getppid(), RLIMIT_NOFILE, 0, reinterpret_cast<long>(&old)));
            cpu_set_t mask;
            CPU_ZERO(&mask);
            ::sched_getaffinity(0, sizeof mask, &mask);
            ok(sc(__NR_sched_setaffinity, 0, sizeof mask, reinterpret_cast<long>(&mask)));
            ok(sc(__NR_sched_setaffinity, self, sizeof mask, reinterpret_cast<long>(&mask)));
            struct sched_param param {};
            ok(sc(__NR_sched_setscheduler, 0, SCHED_OTHER, reinterpret_cast<long>(&param)));
            ok(sc(__NR_sched_setscheduler, self, SCHED_OTHER, reinterpret_cast<long>(&param)));
            errno = 0;
            const long nice = ::getpriority(PRIO_PROCESS, 0);
            ok(sc(__NR_setpriority, PRIO_PROCESS, 0, nice));
            ok(sc(__NR_setpriority, PRIO_PROCESS, self, nice));
            const long io = sc(__NR_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
            ok(sc(__NR_ioprio_set, 1, 0, io < 0 ? 0 : io));
            ok(sc(__NR_ioprio_set, 1, self, io < 0 ? 0 : io));
        };
        FilterSpec own;
        FilterSpec host;
        host.shared_pid_namespace = true;
        FilterSpec allowed = host;
        allowed.settings.allow = {"prlimit64"};
        const long E = -EPERM;
        expect_under({{"own", own, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
                      {"host", host, {0, E, 0, E, 0, E, 0, E, 0, E}},
                      {"host, prlimit64 allowed", allowed, {0, 0, 0, E, 0, E, 0, E, 0, E}}},
                     calls);
        CHECK(cache_key(host) != cache_key(own));
    }

    TEST_CASE("kernel: a call the allow-list does not name gets the action") {
        std::vector<std::string> names;
        for (const auto& [n, c] : unlisted_calls()) names.push_back(n);
        const Bpf bpf = compiled(FilterSpec{});
        auto filtered =
            in_child(&bpf, [&](std::vector<long>& v) { v = call_all(names, unlisted_calls()); });
        REQUIRE(filtered.exited_ok());
        REQUIRE(filtered.values.size() == names.size());
        for (size_t i = 0; i < names.size(); ++i) {
            CAPTURE(names[i]);
            CHECK(filtered.values[i] == -EPERM);
        }
        if (::geteuid() == 0) {
            auto control = in_child(
                nullptr, [&](std::vector<long>& v) { v = call_all(names, unlisted_calls()); });
            REQUIRE(control.exited_ok());
            REQUIRE(control.values.size() == names.size());
            for (size_t i = 0; i < names.size(); ++i) {
                CAPTURE(names[i]);
                CHECK(control.values[i] != -EPERM);
            }
        } else {
            MESSAGE("not root: the unfiltered control run needs root");
        }
        // Under action kill, the first one kills.
        FilterSpec kill;
        kill.settings.action = seccomp::Action::kill;
        const Bpf kbpf = compiled(kill);
        auto k = in_child(&kbpf, [](std::vector<long>& v) {
            v.push_back(sc(__NR_getppid) > 0);
            v.push_back(sc(__NR_reboot, 0, 0, 0, 0));
        });
        CHECK(k.killed_by(SIGSYS));
    }

    TEST_CASE("kernel: a call numbered above the newest the profile knows gets ENOSYS") {
        const long newest = newest_known_number();
        const long above[] = {newest + 1, newest + 40, 1000, 0x3ffffff0};
        for (auto action : {seccomp::Action::errno_, seccomp::Action::kill}) {
            FilterSpec spec;
            spec.settings.action = action;
            CAPTURE(name(action));
            const Bpf bpf = compiled(spec);
            auto r = in_child(&bpf, [&](std::vector<long>& v) {
                for (long nr : above) v.push_back(sc(nr, -1, 0, 0, 0, 0, 0));
                v.push_back(sc(newest, -1, 0, 0, 0, 0, 0));  // file_setattr: allowed, EBADF/EINVAL
            });
            // Under kill, an answer at all (not SIGSYS) shows the filter chose ENOSYS.
            REQUIRE(r.exited_ok());
            REQUIRE(r.values.size() == 5);
            for (size_t i = 0; i < 4; ++i) {
                CAPTURE(above[i]);
                CHECK(r.values[i] == -ENOSYS);
            }
            CHECK(r.values[4] != -EPERM);
        }
    }

    TEST_CASE(
        "kernel: namespaces via unshare/clone are denied, plain process and thread creation "
        "works") {
        const Bpf bpf = compiled(FilterSpec{});
        auto r = in_child(&bpf, [](std::vector<long>& v) {
            v.push_back(sc(__NR_unshare, CLONE_NEWUSER));                     // 0
            v.push_back(sc(__NR_unshare, CLONE_NEWNET));                      // 1
            v.push_back(sc(__NR_unshare, static_cast<long>(kCloneNewTime)));  // 2
            v.push_back(sc(__NR_unshare, CLONE_NEWNS | CLONE_FILES));         // 3
            v.push_back(sc(__NR_unshare, 0));                                 // 4
            v.push_back(sc(__NR_unshare, CLONE_FILES));                       // 5
            // clone with a namespace flag (x86_64: flags, stack, ptid, ctid, tls).
            long c = sc(__NR_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
            if (c == 0) ::_exit(0);  // the filter failed: do not run the rest twice
            if (c > 0) ::waitpid(static_cast<pid_t>(c), nullptr, 0);
            v.push_back(c);  // 6
            pid_t f = ::fork();
            if (f == 0) ::_exit(7);
            int st = 0;
            v.push_back(f > 0 && ::waitpid(f, &st, 0) == f && WIFEXITED(st) &&
                        WEXITSTATUS(st) == 7);  // 7
            // glibc tries clone3 first and falls back to clone on ENOSYS.
            pthread_t t;
            void* ret = nullptr;
            v.push_back(::pthread_create(&t, nullptr, thread_fn, nullptr) == 0 &&
                        ::pthread_join(t, &ret) == 0 && ret == reinterpret_cast<void*>(42));  // 8
            v.push_back(sc(__NR_clone3, 0, 0));                                               // 9
        });
        REQUIRE(r.exited_ok());
        REQUIRE(r.values.size() == 10);
        CHECK(r.values[0] == -EPERM);
        CHECK(r.values[1] == -EPERM);
        CHECK(r.values[2] == -EPERM);
        CHECK(r.values[3] == -EPERM);
        CHECK(r.values[4] == 0);
        CHECK(r.values[5] == 0);
        CHECK(r.values[6] == -EPERM);
        CHECK(r.values[7] == 1);
        CHECK(r.values[8] == 1);
        CHECK(r.values[9] == -ENOSYS);
    }

    TEST_CASE("kernel: socket families") {
        const Bpf bpf = compiled(FilterSpec{});
        auto r = in_child(&bpf, [](std::vector<long>& v) {
            auto sock = [](long domain, long type, long proto) {
                long fd = sc(__NR_socket, domain, type, proto);
                if (fd >= 0) {
                    ::close(static_cast<int>(fd));
                    return 0L;  // created
                }
                return fd;
            };
            v.push_back(sock(AF_PACKET, SOCK_RAW, 0));               // 0
            v.push_back(sock(AF_INET, SOCK_STREAM, 0));              // 1
            v.push_back(sock(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE));  // 2
            v.push_back(sock(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT));  // 3
            v.push_back(sock(AF_VSOCK, SOCK_STREAM, 0));             // 4
            v.push_back(sock(AF_ALG, SOCK_SEQPACKET, 0));            // 5
            v.push_back(sock(AF_BLUETOOTH, SOCK_RAW, 0));            // 6
            v.push_back(sock(AF_UNIX, SOCK_STREAM, 0));              // 7
            // The kernel reads int arguments' low 32 bits: a high bit must not slip past.
            v.push_back(sock((1L << 32) | AF_PACKET, SOCK_RAW, 0));  // 8
            v.push_back(sock(AF_NETLINK, SOCK_RAW,
                             (1L << 32) | NETLINK_ROUTE));  // 9: the kernel reads ROUTE
            v.push_back(sock(AF_INET6, SOCK_DGRAM, 0));     // 10
            v.push_back(sock(AF_KEY, SOCK_RAW, 2));         // 11: not listed
            v.push_back(sock(AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT));  // 12
        });
        REQUIRE(r.exited_ok());
        REQUIRE(r.values.size() == 13);
        CHECK(r.values[11] == -EPERM);
        CHECK(r.values[12] == -EPERM);
        CHECK(r.values[0] == -EPERM);
        CHECK(r.values[1] == 0);
        CHECK(r.values[2] == 0);
        CHECK(r.values[3] == -EPERM);
        CHECK(r.values[4] == -EPERM);
        CHECK(r.values[5] == -EPERM);
        CHECK(r.values[6] == -EPERM);
        CHECK(r.values[7] == 0);
        CHECK(r.values[8] == -EPERM);
        CHECK(r.values[9] == 0);
        CHECK(r.values[10] != -EPERM);  // no IPv6 in some sandboxes: EAFNOSUPPORT is fine
    }

    TEST_CASE(
        "kernel: ioctl TIOCSTI/TIOCLINUX/TIOCSETD denied, other ioctls, memfd, mmap, seccomp, "
        "landlock allowed") {
        const Bpf bpf = compiled(FilterSpec{});
        auto r = in_child(&bpf, [](std::vector<long>& v) {
            char c = 'x';
            v.push_back(sc(__NR_ioctl, -1, TIOCSTI, reinterpret_cast<long>(&c)));               // 0
            v.push_back(sc(__NR_ioctl, -1, TIOCLINUX, reinterpret_cast<long>(&c)));             // 1
            v.push_back(sc(__NR_ioctl, -1, (1L << 32) | TIOCSTI, reinterpret_cast<long>(&c)));  // 2
            v.push_back(sc(__NR_ioctl, -1, TCGETS, 0));  // 3: EBADF
            int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
            termios t{};
            v.push_back(sc(__NR_ioctl, null, TCGETS, reinterpret_cast<long>(&t)));  // 4: ENOTTY
            ::close(null);
            long mfd = sc(__NR_memfd_create, reinterpret_cast<long>("osh-test"), MFD_CLOEXEC);
            v.push_back(mfd >= 0);  // 5
            bool mapped = false;
            if (mfd >= 0 && ::ftruncate(static_cast<int>(mfd), 4096) == 0) {
                void* p = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
                                 static_cast<int>(mfd), 0);
                if (p != MAP_FAILED) {
                    static_cast<char*>(p)[0] = 1;
                    mapped = ::munmap(p, 4096) == 0;
                }
            }
            v.push_back(mapped);  // 6
            uint32_t act = SECCOMP_RET_LOG;
            v.push_back(
                sc(__NR_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, reinterpret_cast<long>(&act)));  // 7
            v.push_back(sc(__NR_landlock_create_ruleset, 0, 0, 1));                     // 8: ABI
            int ldisc = 0;                                                              // N_TTY
            v.push_back(sc(__NR_ioctl, -1, TIOCSETD, reinterpret_cast<long>(&ldisc)));  // 9
            v.push_back(sc(__NR_ioctl, -1, (1L << 32) | TIOCSETD,
                           reinterpret_cast<long>(&ldisc)));                            // 10
            v.push_back(sc(__NR_ioctl, -1, TIOCGETD, reinterpret_cast<long>(&ldisc)));  // 11
        });
        REQUIRE(r.exited_ok());
        REQUIRE(r.values.size() == 12);
        CHECK(r.values[9] == -EPERM);
        CHECK(r.values[10] == -EPERM);
        CHECK(r.values[11] == -EBADF);
        CHECK(r.values[0] == -EPERM);
        CHECK(r.values[1] == -EPERM);
        CHECK(r.values[2] == -EPERM);
        CHECK(r.values[3] == -EBADF);
        CHECK(r.values[4] == -ENOTTY);
        CHECK(r.values[5] == 1);
        CHECK(r.values[6] == 1);
        CHECK(r.values[7] == 0);
        CHECK(r.values[8] != -EPERM);
    }

#if defined(__x86_64__)
    TEST_CASE(
        "kernel: x32 numbers and i386 calls are refused; allow_i386 lets i386 through with the "
        "same rules") {
        // Whether this kernel runs i386 calls at all (ia32_emulation may be off).
        auto probe = in_child(nullptr, [](std::vector<long>& v) {
            v.push_back(int80(20));
            v.push_back(::getpid());
        });
        const bool ia32 =
            probe.exited_ok() && probe.values.size() == 2 && probe.values[0] == probe.values[1];

        const Bpf bpf = compiled(FilterSpec{});
        auto r = in_child(&bpf, [ia32](std::vector<long>& v) {
            v.push_back(sc(__X32_SYSCALL_BIT | 39));           // x32 getpid
            v.push_back(sc(__X32_SYSCALL_BIT | 0, -1, 0, 0));  // x32 read(-1)
            if (ia32) v.push_back(int80(20));                  // i386 getpid
        });
        REQUIRE(r.exited_ok());
        REQUIRE(r.values.size() == (ia32 ? 3u : 2u));
        CHECK(r.values[0] == -EPERM);
        CHECK(r.values[1] == -EPERM);
        if (ia32) CHECK(r.values[2] == -EPERM);

        if (!ia32) {
            MESSAGE(
                "this kernel does not run i386 calls (int $0x80 gives SIGSEGV: ia32 emulation off "
                "or unsupported by the "
                "hypervisor): the i386 refusal and allow_i386 checks cannot run here");
            return;
        }
        FilterSpec spec;
        spec.settings.allow_i386 = true;
        const Bpf i386 = compiled(spec);
        auto a = in_child(&i386, [](std::vector<long>& v) {
            v.push_back(int80(20));  // getpid
            v.push_back(::getpid());
            v.push_back(int80(61, 0));                // i386 chroot(NULL): denied by the same rule
            v.push_back(sc(__X32_SYSCALL_BIT | 39));  // x32 still refused
            v.push_back(int80(1000));                 // above the newest known: ENOSYS
            v.push_back(int80(88));                   // reboot: unlisted
        });
        REQUIRE(a.exited_ok());
        REQUIRE(a.values.size() == 6);
        CHECK(a.values[0] == a.values[1]);
        CHECK(a.values[2] == -EPERM);
        CHECK(a.values[3] == -EPERM);
        CHECK(a.values[4] == -ENOSYS);
        CHECK(a.values[5] == -EPERM);
    }
#endif

    TEST_CASE("kernel: action kill kills with SIGSYS; action log lets the call through") {
        FilterSpec kill;
        kill.settings.action = seccomp::Action::kill;
        const Bpf kbpf = compiled(kill);
        auto k = in_child(&kbpf, [](std::vector<long>& v) {
            v.push_back(sc(__NR_getpid) > 0);
            v.push_back(sc(__NR_chroot, 0));  // never returns
        });
        CHECK(k.killed_by(SIGSYS));
        CHECK(k.values.empty());  // nothing written: killed before the pipe write

        auto kx32 =
            in_child(&kbpf, [](std::vector<long>& v) { v.push_back(sc(__X32_SYSCALL_BIT | 39)); });
        CHECK(kx32.killed_by(SIGSYS));

        FilterSpec log;
        log.settings.action = seccomp::Action::log;
        const Bpf lbpf = compiled(log);
        auto l = in_child(&lbpf, [](std::vector<long>& v) {
            v.push_back(sc(__NR_chroot, 0));  // EFAULT from the kernel, not EPERM
            v.push_back(sc(__NR_unshare, CLONE_NEWUSER | CLONE_NEWNS) == -EPERM);
            v.push_back(sc(__NR_clone3, 0, 0));  // the ENOSYS override stays
        });
        REQUIRE(l.exited_ok());
        REQUIRE(l.values.size() == 3);
        CHECK(l.values[0] == -EFAULT);
        CHECK(l.values[2] == -ENOSYS);
    }

    TEST_CASE("kernel: policy deny/allow change what the loaded filter does") {
        FilterSpec spec;
        spec.settings.deny = {"getcwd", "kcmp"};
        spec.settings.allow = {"chroot", "kcmp", "reboot"};
        spec.relaxations = {"getcwd", "memfd_create"};
        const Bpf bpf = compiled(spec);
        auto r = in_child(&bpf, [](std::vector<long>& v) {
            char buf[256];
            v.push_back(sc(__NR_getcwd, reinterpret_cast<long>(buf), sizeof buf));
            v.push_back(sc(__NR_chroot, 0));
            v.push_back(sc(__NR_ptrace, -1, 0, 0, 0));
            v.push_back(sc(__NR_kcmp, -1, -1, 0, 0, 0));
            v.push_back(sc(__NR_reboot, 0, 0, 0, 0));
            long m = sc(__NR_memfd_create, reinterpret_cast<long>("x"), MFD_CLOEXEC);
            v.push_back(m >= 0);
        });
        REQUIRE(r.exited_ok());
        REQUIRE(r.values.size() == 6);
        CHECK(r.values[0] == -EPERM);   // denied, a relaxation notwithstanding
        CHECK(r.values[1] == -EFAULT);  // allowed: the kernel answers
        CHECK(r.values[2] == -EPERM);
        CHECK(r.values[3] == -EPERM);   // deny wins over allow
        CHECK(r.values[4] == -EINVAL);  // allowed, bad magic
        CHECK(r.values[5] == 1);
    }

    TEST_CASE("kernel: an unprivileged uid loads the filter under no_new_privs") {
        if (::geteuid() != 0) {
            MESSAGE("already unprivileged: covered by the other kernel tests");
            return;
        }
        const Bpf bpf = compiled(FilterSpec{});
        auto r = in_child(
            &bpf,
            [](std::vector<long>& v) {
                v.push_back(::geteuid());
                v.push_back(sc(__NR_ptrace, -1, 0, 0, 0));
                long m = sc(__NR_memfd_create, reinterpret_cast<long>("x"), MFD_CLOEXEC);
                v.push_back(m >= 0);
            },
            As::nobody);
        REQUIRE(r.exited_ok());
        REQUIRE(r.values.size() == 3);
        CHECK(r.values[0] == 65534);
        CHECK(r.values[1] == -EPERM);
        CHECK(r.values[2] == 1);
    }

    TEST_CASE("kernel: load errors carry errno; the plan-file round trip loads") {
        // Without no_new_privs and without CAP_SYS_ADMIN the kernel says EACCES;
        // an empty program is refused before the kernel.
        auto r = in_child(nullptr, [](std::vector<long>& v) {
            Bpf empty;
            auto e = load(empty);
            v.push_back(e.has_value() ? 0 : e.error().err);
            auto b = compile(FilterSpec{}, "");
            if (!b) ::_exit(6);
            auto back = deserialize(serialize(*b));
            if (!back) ::_exit(6);
            // Root has CAP_SYS_ADMIN, which waives the no_new_privs requirement: drop it.
            if (::geteuid() == 0 && (::setgroups(0, nullptr) != 0 || ::setuid(65534) != 0))
                ::_exit(6);
            auto noperm = load(*back);  // no no_new_privs yet
            v.push_back(noperm.has_value() ? 0 : noperm.error().err);
            ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
            auto ok = load(*back);
            v.push_back(ok.has_value());
            v.push_back(sc(__NR_ptrace, -1, 0, 0, 0));
        });
        REQUIRE(r.exited_ok());
        REQUIRE(r.values.size() == 4);
        CHECK(r.values[0] == EINVAL);
        CHECK(r.values[1] == EACCES);
        CHECK(r.values[2] == 1);
        CHECK(r.values[3] == -EPERM);
    }

    TEST_CASE("kernel: probe reports filter mode, the actions and this process's mode") {
        const Availability a = probe();
        CHECK(a.filter_mode);
        CHECK(a.answers);
        CHECK(a.offers("errno"));
        CHECK(a.offers("kill_process"));
        CHECK(a.offers("log"));
        CHECK(a.offers("allow"));
        CHECK_FALSE(a.offers("no_such_action"));
        CHECK(a.actions.size() == 8);
        CHECK(a.mode >= 0);
        CHECK(mode_name(0) == "none");
        CHECK(mode_name(2) == "filter");
    }

}  // TEST_SUITE

int main(int argc, char** argv) {
    doctest::Context ctx(argc, argv);
    const Availability a = probe();
    if (!a.filter_mode) {
        std::printf(
            "seccomp filter mode unavailable (%s): running the pure tests only, kernel suite "
            "skipped\n",
            std::strerror(a.err));
        ctx.addFilter("test-suite-exclude", "kernel*");
    }
    const int rc = ctx.run();
    if (ctx.shouldExit()) return rc;
    if (rc == 0 && !a.filter_mode) return 77;
    return rc;
}
