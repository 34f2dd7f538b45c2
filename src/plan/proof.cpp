#include "plan/proof.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <optional>

#include "plan/plan.hpp"
#include "rootfs/open.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"

namespace osh::plan {

namespace {

// The identity an object is.
std::optional<rootfs::ObjectId> identity(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return std::nullopt;
    return rootfs::object_id(st);
}

// What the proof found instead, for its message: open_exact opens a final
// symlink as the link itself, which is never ours.
std::string found_instead(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) return "a symbolic link in the image";
    return "something else is mounted or placed there";
}

}  // namespace

Result<void> prove_ours(int rootfd, const std::string& enforcer_shown,
                        const rootfs::ObjectId& enforcer, int plan_dirfd) {
    auto bin = rootfs::open_exact(rootfd, kContainerEnforcer);
    if (!bin) return wrap(bin.error(), "the container's enforcer");
    if (identity(bin->get()) != enforcer)
        return fail(std::string("the container's ") + kContainerEnforcer + " is not " +
                    enforcer_shown + " (" + found_instead(bin->get()) + ")");
    auto dir = rootfs::open_exact(rootfd, kContainerPlanDir);
    if (!dir) return wrap(dir.error(), "the container's plan directory");
    auto want = identity(plan_dirfd);
    if (!want || identity(dir->get()) != want)
        return fail(std::string("the container's ") + kContainerPlanDir +
                    " is not this container's plan directory (" + found_instead(dir->get()) + ")");
    return {};
}

Result<void> prove_running(int pid, const std::string& enforcer_shown,
                           const rootfs::ObjectId& enforcer, int plan_dirfd) {
    if (pid <= 0) return fail("the runtime reports no pid for the container");
    // Not /proc/<pid>/root: that is the pid's own root, which a chroot in
    // the container moves. An exec joins the mount namespace, and setns
    // puts it at the namespace's root: the proof looks from there, in a
    // child that joins it the same way.
    const std::string ns = "/proc/" + std::to_string(pid) + "/ns/mnt";
    UniqueFd nsfd(::open(ns.c_str(), O_RDONLY | O_CLOEXEC));
    if (!nsfd) return fail_errno("open " + ns, errno);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return fail_errno("pipe", errno);
    UniqueFd rd(fds[0]), wr(fds[1]);
    const pid_t child = ::fork();
    if (child < 0) return fail_errno("fork", errno);
    if (child == 0) {
        std::string why;
        if (::setns(nsfd.get(), CLONE_NEWNS) != 0) {
            why = "join the mount namespace of " + ns + ": " + std::strerror(errno);
        } else if (UniqueFd rootfd(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)); !rootfd) {
            why = std::string("open the mount namespace's root: ") + std::strerror(errno);
        } else if (auto ok = prove_ours(rootfd.get(), enforcer_shown, enforcer, plan_dirfd); !ok) {
            why = ok.error().what();
        }
        for (size_t off = 0; off < why.size();) {
            const ssize_t n = ::write(wr.get(), why.data() + off, why.size() - off);
            if (n <= 0) break;
            off += static_cast<size_t>(n);
        }
        ::_exit(why.empty() ? 0 : 1);
    }
    wr.reset();
    auto why = file::read_fd(rd.get(), "the proof's report", 64 * 1024);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && why && why->empty()) return {};
    if (why && !why->empty()) return fail(*why);
    return fail("the proof in the container's mount namespace ended without an answer (" +
                (WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                     : "exit " + std::to_string(WEXITSTATUS(status))) +
                ")");
}

}  // namespace osh::plan
