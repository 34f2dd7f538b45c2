// The hook's self-confinement (src/hook/prelude.hpp). The seccomp program
// is checked first without the kernel, by running it in a small classic-BPF
// interpreter; then each part is installed in a forked child (both are
// irreversible) and what the hook must not do afterwards is tried.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "../bpf_run.hpp"
#include "../landlock/child.hpp"
#include "hook/prelude.hpp"
#include "landlock/abi.hpp"
#include "util/fd.hpp"

using namespace osh;
using osh::test::in_child;

namespace {

// The prelude's answer for call `nr` of `arch`.
uint32_t run_bpf(const seccomp::Bpf& bpf, uint32_t arch, uint32_t nr, size_t* steps = nullptr) {
    return osh::test::run_bpf(bpf, {static_cast<int>(nr), arch, {}}, true, steps);
}

constexpr uint32_t kEperm = SECCOMP_RET_ERRNO | EPERM;

int errno_of(long rc) { return rc < 0 ? errno : 0; }

}  // namespace

TEST_CASE("pure: the prelude filter refuses each denied call, allows the rest, kills foreign ABIs") {
    const auto& denied = hook::prelude_denied_calls();
    auto bpf = hook::prelude_filter(AUDIT_ARCH_X86_64, denied);
    std::set<uint32_t> refused;
    for (const auto& d : denied) {
        INFO(d.name);
        CHECK(run_bpf(bpf, AUDIT_ARCH_X86_64, static_cast<uint32_t>(d.nr)) == kEperm);
        refused.insert(static_cast<uint32_t>(d.nr));
    }
    // Every other call number is allowed, each in a few instructions: the
    // kernel runs the filter once per call number when it loads it.
    size_t longest = 0;
    for (uint32_t nr = 0; nr < 1024; ++nr) {
        if (refused.count(nr)) continue;
        INFO(nr);
        size_t steps = 0;
        CHECK(run_bpf(bpf, AUDIT_ARCH_X86_64, nr, &steps) == SECCOMP_RET_ALLOW);
        longest = std::max(longest, steps);
    }
    CHECK(longest <= 16);
    CHECK(run_bpf(bpf, AUDIT_ARCH_X86_64, 0xffffffffu >> 2) == SECCOMP_RET_ALLOW);
    // The i386 ABI's execve (11) is not x86_64's: the whole ABI is killed.
    CHECK(run_bpf(bpf, AUDIT_ARCH_I386, 11) == SECCOMP_RET_KILL_PROCESS);
    CHECK(run_bpf(bpf, AUDIT_ARCH_I386, 3) == SECCOMP_RET_KILL_PROCESS);
    // x32 (nr | 0x40000000) reaches the same kernel code: killed too.
    CHECK(run_bpf(bpf, AUDIT_ARCH_X86_64, 0x40000000u | SYS_execve) == SECCOMP_RET_KILL_PROCESS);
    CHECK(run_bpf(bpf, AUDIT_ARCH_X86_64, 0x40000000u | SYS_read) == SECCOMP_RET_KILL_PROCESS);
}

TEST_CASE("pure: the prelude filter's search is right for any list, short or long") {
    for (size_t n : {0u, 1u, 4u, 5u, 17u, 300u}) {
        // Every third number from 7, given unsorted and with a repeat.
        std::vector<hook::DeniedCall> denied;
        for (size_t i = n; i-- > 0;) denied.push_back({"x", static_cast<long>(7 + 3 * i)});
        if (n) denied.push_back(denied.front());
        auto bpf = hook::prelude_filter(AUDIT_ARCH_X86_64, denied);
        CHECK(bpf.insns.size() <= BPF_MAXINSNS);
        for (uint32_t nr = 0; nr < 7 + 3 * n + 10; ++nr) {
            INFO("n=" << n << " nr=" << nr);
            const bool deny = nr >= 7 && (nr - 7) % 3 == 0 && (nr - 7) / 3 < n;
            CHECK(run_bpf(bpf, AUDIT_ARCH_X86_64, nr) == (deny ? kEperm : SECCOMP_RET_ALLOW));
        }
    }
}

TEST_CASE("pure: the denied list covers exec, ptrace, mount, module, kexec and bpf") {
    std::set<std::string> names;
    for (const auto& d : hook::prelude_denied_calls()) names.insert(d.name);
    for (const char* want : {"execve", "execveat", "ptrace", "mount", "umount2", "pivot_root",
                             "move_mount", "open_tree", "fsopen", "fsmount", "mount_setattr",
                             "init_module", "finit_module", "delete_module", "kexec_load",
                             "kexec_file_load", "bpf"}) {
        INFO(want);
        CHECK(names.count(want) == 1);
    }
}

TEST_CASE("kernel: after the seccomp prelude, exec, ptrace, mount and bpf fail with EPERM") {
    int rc = in_child([] {
        if (!hook::install_seccomp_prelude()) return 2;
        char* const argv[] = {const_cast<char*>("/bin/true"), nullptr};
        char* const envp[] = {nullptr};
        if (errno_of(::execve("/bin/true", argv, envp)) != EPERM) return 3;
        if (errno_of(::syscall(SYS_execveat, AT_FDCWD, "/bin/true", argv, envp, 0)) != EPERM)
            return 4;
        if (errno_of(::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr)) != EPERM) return 5;
        if (errno_of(::mount("none", "/tmp", "tmpfs", 0, nullptr)) != EPERM) return 6;
        if (errno_of(::syscall(SYS_bpf, 0, nullptr, 0)) != EPERM) return 7;
        if (errno_of(::syscall(SYS_finit_module, -1, "", 0)) != EPERM) return 8;
        if (errno_of(::unshare(CLONE_NEWNS)) != EPERM) return 9;
        // What the hook still needs works.
        if (::getpid() <= 0) return 10;
        return 0;
    });
    CHECK(rc == 0);
}

TEST_CASE("kernel: every denied call answers EPERM from the kernel once the prelude is in") {
    // Every argument -1: a bad fd, pointer, flag or length, so each call
    // fails harmlessly on its own. Unconfined first, to know which answers
    // EPERM could only come from the filter.
    int rc = in_child([] {
        const auto& denied = hook::prelude_denied_calls();
        std::vector<int> before;
        for (const auto& d : denied)
            before.push_back(errno_of(::syscall(d.nr, -1L, -1L, -1L, -1L, -1L, -1L)));
        if (!hook::install_seccomp_prelude()) return 2;
        int wrong = 0, told = 0;
        for (size_t i = 0; i < denied.size(); ++i) {
            const int after = errno_of(::syscall(denied[i].nr, -1L, -1L, -1L, -1L, -1L, -1L));
            if (after != EPERM) {
                std::fprintf(stderr, "%s: %s under the prelude\n", denied[i].name,
                             strerrorname_np(after));
                ++wrong;
            }
            if (before[i] != EPERM) ++told;
        }
        std::fprintf(stderr, "%d of %zu denied calls answer otherwise unconfined\n", told,
                     denied.size());
        if (wrong) return 3;
        return told * 4 >= static_cast<int>(denied.size()) * 3 ? 0 : 4;
    });
    CHECK(rc == 0);
}

TEST_CASE("kernel: after the Landlock prelude, writes land only in the plan directory") {
    landlock::AbiInfo abi = landlock::probe();
    if (!abi.available()) {
        // Not a pass: the whole executable reports skipped (77), saying why.
        std::printf("SKIP: Landlock is unavailable here (%s)\n", abi.describe().c_str());
        std::exit(77);
    }
    osh::test::TempDir root;       // stands in for the container's rootfs
    osh::test::TempDir plan;       // the plan directory
    osh::test::TempDir elsewhere;  // the host
    REQUIRE(!root.path().empty());
    {
        int fd = ::open((root.path() + "/passwd").c_str(), O_WRONLY | O_CREAT, 0644);
        REQUIRE(fd >= 0);
        REQUIRE(::write(fd, "root:x:0:0::/:/bin/sh\n", 22) == 22);
        ::close(fd);
    }
    int rc = in_child([&] {
        UniqueFd rootfd(::open(root.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        UniqueFd planfd(::open(plan.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        auto ok = hook::install_landlock_prelude(
            abi, {{rootfd.get(), "rootfs", hook::rootfs_read_rights()},
                  {planfd.get(), "plan", hook::plan_dir_rights()}});
        if (!ok) return 2;
        // Reading the rootfs works; writing it does not.
        if (::open((root.path() + "/passwd").c_str(), O_RDONLY) < 0) return 3;
        if (::open((root.path() + "/passwd").c_str(), O_WRONLY) >= 0 || errno != EACCES) return 4;
        // The plan directory takes a file, a rename over it and a removal.
        std::string tmp = plan.path() + "/.plan.json.tmp", dst = plan.path() + "/plan.json";
        int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0) return 5;
        ::close(fd);
        if (::rename(tmp.c_str(), dst.c_str()) != 0) return 6;
        if (::unlink(dst.c_str()) != 0) return 7;
        // Anywhere else: refused.
        if (::open((elsewhere.path() + "/x").c_str(), O_WRONLY | O_CREAT, 0644) >= 0 ||
            errno != EACCES)
            return 8;
        if (::open("/etc/passwd", O_RDONLY) >= 0 || errno != EACCES) return 9;
        if (::mkdir((elsewhere.path() + "/d").c_str(), 0755) == 0 || errno != EACCES) return 10;
        return 0;
    });
    CHECK(rc == 0);
    CHECK(!std::filesystem::exists(elsewhere.path() + "/x"));
}

TEST_CASE("kernel: an unavailable Landlock is an error, not a silent no-op") {
    landlock::AbiInfo none;
    none.support = landlock::Support::not_implemented;
    none.err = ENOSYS;
    auto r = hook::install_landlock_prelude(none, {});
    REQUIRE(!r);
    CHECK(r.error().err == ENOSYS);
}
