#include "policy/rootfs_probe.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <dirent.h>

#include <cerrno>
#include <memory>

#include "util/fd.hpp"

namespace osh::policy {

namespace {

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
        case S_IFLNK:
            return NodeKind::symlink;
        default:
            return NodeKind::other;
    }
}

std::optional<NodeKind> probe_at(int rootfd, const std::string& container_path) {
    // RESOLVE_IN_ROOT treats an absolute path as relative to rootfd; strip
    // the leading slashes anyway so "/" becomes "." (the root itself).
    size_t i = container_path.find_first_not_of('/');
    std::string rel = i == std::string::npos ? "." : container_path.substr(i);
    struct open_how how {};
    how.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    long fd = ::syscall(SYS_openat2, rootfd, rel.c_str(), &how, sizeof how);
    if (fd < 0) {
        // ENOENT: a component is missing; ENOTDIR: a component is a file.
        if (errno == ENOENT || errno == ENOTDIR) return NodeKind::missing;
        return std::nullopt;  // EACCES, ELOOP, ENOSYS...: unknown, said so in the log
    }
    UniqueFd owned(static_cast<int>(fd));
    struct stat st {};
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

PathProbe rootfs_probe(UniqueFd root) {
    auto shared = std::make_shared<UniqueFd>(std::move(root));
    return PathProbe([shared](const std::string& p) { return probe_at(shared->get(), p); });
}

namespace {

char live_type(mode_t m) {
    switch (m & S_IFMT) {
        case S_IFCHR:
            return 'c';
        case S_IFBLK:
            return 'b';
        case S_IFDIR:
            return 'd';
        case S_IFREG:
            return 'f';
        default:
            return 'o';
    }
}

Result<void> walk(int dirfd, const std::string& prefix, int depth, size_t max_entries,
                  std::vector<gpu::LiveNode>& out) {
    // fdopendir takes ownership of its fd: give it a duplicate of ours.
    int dup = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dup < 0) return fail_errno("open " + prefix, errno);
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(dup), ::closedir);
    if (!dir) {
        int e = errno;
        ::close(dup);
        return fail_errno("opendir " + prefix, e);
    }
    while (true) {
        errno = 0;
        struct dirent* de = ::readdir(dir.get());
        if (!de) {
            if (errno != 0) return fail_errno("readdir " + prefix, errno);
            break;
        }
        std::string name = de->d_name;
        if (name == "." || name == "..") continue;
        if (out.size() >= max_entries)
            return fail(prefix + ": more than " + std::to_string(max_entries) + " entries");
        struct stat st {};
        if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // raced away
        std::string path = prefix + "/" + name;
        if (S_ISLNK(st.st_mode)) continue;  // never followed
        out.push_back({path, live_type(st.st_mode)});
        if (S_ISDIR(st.st_mode) && depth > 1) {
            int sub = ::openat(dirfd, name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0) continue;
            UniqueFd owned(sub);
            if (auto r = walk(owned.get(), path, depth - 1, max_entries, out); !r) return r;
        }
    }
    return {};
}

}  // namespace

Result<std::vector<gpu::LiveNode>> list_live_dev(int rootfd, int max_depth, size_t max_entries) {
    struct open_how how {};
    how.flags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    long fd = ::syscall(SYS_openat2, rootfd, "dev", &how, sizeof how);
    if (fd < 0) return fail_errno("open /dev in the container", errno);
    UniqueFd dev(static_cast<int>(fd));
    std::vector<gpu::LiveNode> out;
    if (auto r = walk(dev.get(), "/dev", max_depth, max_entries, out); !r)
        return wrap(r.error(), "list the container's /dev");
    return out;
}

PathProbe no_rootfs_probe() {
    return [](const std::string&) -> std::optional<NodeKind> { return std::nullopt; };
}

}  // namespace osh::policy
