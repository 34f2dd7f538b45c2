#include "rootfs/open.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "util/file.hpp"

namespace osh::rootfs {

NodeKind kind_of(mode_t m) {
    switch (m & S_IFMT) {
        case S_IFDIR:
            return NodeKind::directory;
        case S_IFREG:
            return NodeKind::regular;
        case S_IFCHR:
            return NodeKind::char_device;
        case S_IFBLK:
            return NodeKind::block_device;
        case S_IFSOCK:
            return NodeKind::socket;
        case S_IFIFO:
            return NodeKind::fifo;
        default:
            return NodeKind::other;
    }
}

ObjectId object_id(const struct stat& st) {
    return ObjectId{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
}

namespace {

long sys_openat2(int dirfd, const char* path, int flags, uint64_t resolve) {
    struct open_how how {};
    how.flags = static_cast<uint64_t>(flags) | O_CLOEXEC;
    how.resolve = resolve;
    long r;
    do {
        r = ::syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    } while (r < 0 && (errno == EINTR || errno == EAGAIN));
    return r;
}

// openat2 takes the root itself as "." and everything else relative to it.
std::string relative(std::string_view container_path) {
    size_t i = container_path.find_first_not_of('/');
    return i == std::string_view::npos ? "." : std::string(container_path.substr(i));
}

}  // namespace

Result<UniqueFd> open_in_root(int rootfd, std::string_view container_path, int flags) {
    long fd = sys_openat2(rootfd, relative(container_path).c_str(), flags,
                          RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
    if (fd < 0)
        return fail_errno("open " + std::string(container_path) + " in the container", errno);
    return UniqueFd(static_cast<int>(fd));
}

Result<UniqueFd> open_exact(int rootfd, std::string_view container_path) {
    long fd = sys_openat2(rootfd, relative(container_path).c_str(), O_PATH | O_NOFOLLOW,
                          RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
    if (fd < 0) {
        int e = errno;
        return fail_errno("open " + std::string(container_path) +
                              (e == ELOOP ? " (a symbolic link in the path)" : ""),
                          e);
    }
    return UniqueFd(static_cast<int>(fd));
}

Result<UniqueFd> open_rootfs(int pid, const std::string& rootfs_path, bool* live) {
    if (live) *live = false;
    if (rootfs_path.empty() || rootfs_path.front() != '/')
        return fail("rootfs path " + rootfs_path + " is not absolute");
    UniqueFd host(::open(rootfs_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!host) return fail_errno("open rootfs " + rootfs_path, errno);
    struct stat want {};
    if (::fstat(host.get(), &want) != 0) return fail_errno("stat rootfs " + rootfs_path, errno);
    // The view through /proc/<pid>/root is used only when it is the same
    // directory (device and inode) as the rootfs on the host: a pid from
    // another pid namespace, or one already reused, must not lend us some
    // other process's mounts.
    auto same = [&](int fd) {
        struct stat st {};
        return ::fstat(fd, &st) == 0 && st.st_dev == want.st_dev && st.st_ino == want.st_ino;
    };
    if (pid > 0) {
        std::string proc_root = "/proc/" + std::to_string(pid) + "/root";
        UniqueFd proot(::open(proc_root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (proot) {
            auto in = open_in_root(proot.get(), rootfs_path, O_PATH | O_DIRECTORY);
            if (in && same(in->get())) {
                if (live) *live = true;
                return std::move(*in);
            }
            if (same(proot.get())) {  // the runtime already pivoted
                if (live) *live = true;
                return proot;
            }
        }
    }
    return host;
}

Result<std::string> read_file_in_root(int rootfd, std::string_view container_path, size_t limit) {
    // The image decides what is at this path. Opening a device node for
    // reading already acts on the host's device (a watchdog starts, a tape
    // rewinds, a GPU initialises), so the path is first opened O_PATH, which
    // opens nothing, and only a regular file is then reopened to be read:
    // through /proc/self/fd, the same inode, with no second path lookup to race.
    auto at = open_in_root(rootfd, container_path, O_PATH);
    if (!at) return unexpected(at.error());
    struct stat st {};
    if (::fstat(at->get(), &st) != 0)
        return fail_errno("stat " + std::string(container_path), errno);
    if (!S_ISREG(st.st_mode))
        return fail(std::string(container_path) + " in the container: not a regular file");
    auto fd = file::reopen_for_reading(at->get(), st,
                                       std::string(container_path) + " in the container");
    if (!fd) return unexpected(fd.error());
    return file::read_fd(fd->get(), container_path, limit, static_cast<size_t>(st.st_size));
}

}  // namespace osh::rootfs
