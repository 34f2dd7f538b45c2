#include "plan/proof.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#include <optional>

#include "plan/plan.hpp"
#include "rootfs/open.hpp"
#include "util/fd.hpp"

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
    const std::string root = "/proc/" + std::to_string(pid) + "/root";
    UniqueFd rootfd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!rootfd) return fail_errno("open " + root, errno);
    return prove_ours(rootfd.get(), enforcer_shown, enforcer, plan_dirfd);
}

}  // namespace osh::plan
