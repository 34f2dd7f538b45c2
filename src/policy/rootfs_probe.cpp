#include "policy/rootfs_probe.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "util/fd.hpp"

namespace osh::policy {

namespace {

NodeKind kind_of(mode_t m) {
    switch (m & S_IFMT) {
        case S_IFDIR: return NodeKind::directory;
        case S_IFREG: return NodeKind::regular;
        case S_IFCHR: return NodeKind::char_device;
        case S_IFBLK: return NodeKind::block_device;
        case S_IFSOCK: return NodeKind::socket;
        case S_IFIFO: return NodeKind::fifo;
        case S_IFLNK: return NodeKind::symlink;
        default: return NodeKind::other;
    }
}

std::optional<NodeKind> probe_at(int rootfd, const std::string& container_path) {
    // RESOLVE_IN_ROOT treats an absolute path as relative to rootfd; strip
    // the leading slashes anyway so "/" becomes "." (the root itself).
    size_t i = container_path.find_first_not_of('/');
    std::string rel = i == std::string::npos ? "." : container_path.substr(i);
    struct open_how how{};
    how.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    long fd = ::syscall(SYS_openat2, rootfd, rel.c_str(), &how, sizeof how);
    if (fd < 0) {
        // ENOENT: a component is missing; ENOTDIR: a component is a file.
        if (errno == ENOENT || errno == ENOTDIR) return NodeKind::missing;
        return std::nullopt;  // EACCES, ELOOP, ENOSYS...: unknown, said so in the log
    }
    UniqueFd owned(static_cast<int>(fd));
    struct stat st{};
    if (::fstat(owned.get(), &st) != 0) return std::nullopt;
    return kind_of(st.st_mode);
}

}  // namespace

Result<PathProbe> open_rootfs_probe(const std::string& rootfs_dir) {
    int fd = ::open(rootfs_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return fail_errno("open rootfs " + rootfs_dir, errno);
    auto root = std::make_shared<UniqueFd>(fd);
    return PathProbe([root](const std::string& p) { return probe_at(root->get(), p); });
}

PathProbe no_rootfs_probe() {
    return [](const std::string&) -> std::optional<NodeKind> { return std::nullopt; };
}

}  // namespace osh::policy
