// Running a probe in a forked child under a seccomp filter, for the kernel
// tests: the child reports what its calls returned through a pipe, and the
// parent asserts (doctest's handlers never report from the child).
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <vector>

#include "seccomp/bpf.hpp"
#include "seccomp/load.hpp"

namespace osh::seccomp_test {

// -errno on failure, the result otherwise.
inline long sc(long nr, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0) {
    long r = ::syscall(nr, a, b, c, d, e, f);
    return r == -1 ? -errno : r;
}

struct ChildResult {
    int status = 0;
    std::vector<long> values;
    bool exited_ok() const { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }
    bool killed_by(int sig) const { return WIFSIGNALED(status) && WTERMSIG(status) == sig; }
};

enum class As { current, nobody };

// Runs `probe` in a forked child under `bpf` (nullptr: no filter). The child
// writes its values to a pipe and exits 0; exit 3 means the filter failed to load.
inline ChildResult in_child(const seccomp::Bpf* bpf,
                            const std::function<void(std::vector<long>&)>& probe,
                            As as = As::current) {
    int p[2];
    REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(p[0]);
        // doctest's crash handlers must not report from the child: the parent
        // judges how the child ended.
        for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGSYS}) ::signal(sig, SIG_DFL);
        if (as == As::nobody &&
            (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0))
            ::_exit(4);
        if (bpf) {
            if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ::_exit(3);
            auto r = seccomp::load(*bpf);
            if (!r) {
                std::fprintf(stderr, "child: %s\n", r.error().what().c_str());
                ::_exit(3);
            }
        }
        std::vector<long> v;
        probe(v);
        const char* data = reinterpret_cast<const char*>(v.data());
        size_t len = v.size() * sizeof(long), off = 0;
        while (off < len) {
            ssize_t n = ::write(p[1], data + off, len - off);
            if (n <= 0) ::_exit(5);
            off += static_cast<size_t>(n);
        }
        ::_exit(0);
    }
    ::close(p[1]);
    ChildResult res;
    std::vector<char> buf;
    char tmp[4096];
    ssize_t n;
    while ((n = ::read(p[0], tmp, sizeof tmp)) > 0) buf.insert(buf.end(), tmp, tmp + n);
    ::close(p[0]);
    REQUIRE(::waitpid(pid, &res.status, 0) == pid);
    res.values.resize(buf.size() / sizeof(long));
    if (!res.values.empty())  // memcpy from/to null is UB even for 0 bytes
        std::memcpy(res.values.data(), buf.data(), res.values.size() * sizeof(long));
    return res;
}

}  // namespace osh::seccomp_test
