// Helpers for kernel tests: run a function in a forked child (Landlock and
// seccomp are irreversible, so every enforcement happens in a child), temp
// directories, and the root check (exit 77 = skipped, with the reason).
#pragma once

#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>

namespace osh::test {

// Child exit codes: 0 ok; anything else says which check failed.
// Returns the child's exit status, or 128 + signal when it was killed.
inline int in_child(const std::function<int()>& fn) {
    fflush(nullptr);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int rc = 99;
        rc = fn();
        _exit(rc);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

// Drops to an unprivileged uid/gid in the child (no capabilities left).
inline bool become_nobody() {
    return setgroups(0, nullptr) == 0 && setresgid(65534, 65534, 65534) == 0 &&
           setresuid(65534, 65534, 65534) == 0;
}

// A temp directory removed at scope exit. Under /var/tmp (not a nodev tmpfs),
// world-searchable so the unprivileged runs can reach it.
class TempDir {
  public:
    TempDir() {
        std::string tmpl = "/var/tmp/osh-kernel-XXXXXX";
        char* p = mkdtemp(tmpl.data());
        if (p) {
            path_ = p;
            chmod(p, 0755);
        }
    }
    ~TempDir() {
        std::error_code ec;
        if (!path_.empty()) std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }

  private:
    std::string path_;
};

inline void require_root_or_skip(const char* what) {
    if (geteuid() != 0) {
        printf("SKIP %s: needs root (mknod, chroot, setuid to 65534, outer seccomp filters)\n",
               what);
        exit(77);
    }
}

}  // namespace osh::test
