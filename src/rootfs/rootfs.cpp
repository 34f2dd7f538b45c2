#include "rootfs/rootfs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/file.hpp"

namespace osh::rootfs {

namespace {

constexpr int kMaxDevDepth = 4;
constexpr size_t kMaxDevEntries = 4096;

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

policy::NodeKind kind_of(mode_t m) {
    if (S_ISDIR(m)) return policy::NodeKind::directory;
    if (S_ISREG(m)) return policy::NodeKind::regular;
    if (S_ISCHR(m)) return policy::NodeKind::char_device;
    if (S_ISBLK(m)) return policy::NodeKind::block_device;
    if (S_ISSOCK(m)) return policy::NodeKind::socket;
    if (S_ISFIFO(m)) return policy::NodeKind::fifo;
    if (S_ISLNK(m)) return policy::NodeKind::symlink;
    return policy::NodeKind::other;
}

struct DevWalk {
    std::vector<gpu::LiveNode> nodes;
    size_t seen = 0;

    // `dirfd` is an O_RDONLY|O_DIRECTORY fd of `prefix` ("/dev", "/dev/dri").
    void walk(int dirfd, const std::string& prefix, int depth) {
        int dup = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dup < 0) return;
        DIR* d = ::fdopendir(dup);
        if (d == nullptr) {
            ::close(dup);
            return;
        }
        std::vector<std::pair<std::string, unsigned char>> names;
        while (struct dirent* de = ::readdir(d)) {
            if (++seen > kMaxDevEntries) break;
            std::string n = de->d_name;
            if (n == "." || n == "..") continue;
            names.emplace_back(std::move(n), de->d_type);
        }
        ::closedir(d);
        for (const auto& [n, dtype] : names) {
            struct stat st {};
            // AT_SYMLINK_NOFOLLOW: a symlink is listed as "other", never followed.
            if (::fstatat(dirfd, n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
            std::string p = prefix + "/" + n;
            char t = 'o';
            if (S_ISCHR(st.st_mode))
                t = 'c';
            else if (S_ISBLK(st.st_mode))
                t = 'b';
            else if (S_ISDIR(st.st_mode))
                t = 'd';
            else if (S_ISREG(st.st_mode))
                t = 'f';
            nodes.push_back(gpu::LiveNode{p, t});
            if (t == 'd' && depth + 1 < kMaxDevDepth && seen <= kMaxDevEntries) {
                // Only directories are ever opened (O_DIRECTORY), never FIFOs.
                long sub =
                    sys_openat2(dirfd, n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW,
                                RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
                if (sub >= 0) {
                    UniqueFd subfd(static_cast<int>(sub));
                    walk(subfd.get(), p, depth + 1);
                }
            }
        }
    }
};

}  // namespace

Result<UniqueFd> open_in_root(int rootfd, std::string_view container_path, int flags) {
    std::string rel(container_path);
    while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
    if (rel.empty()) rel = ".";
    long fd = sys_openat2(rootfd, rel.c_str(), flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
    if (fd < 0)
        return fail_errno("open " + std::string(container_path) + " in the container", errno);
    return UniqueFd(static_cast<int>(fd));
}

Result<UniqueFd> open_rootfs(int pid, const std::string& rootfs_path) {
    if (rootfs_path.empty() || rootfs_path.front() != '/')
        return fail("rootfs path " + rootfs_path + " is not absolute");
    UniqueFd host(::open(rootfs_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!host) return fail_errno("open rootfs " + rootfs_path, errno);
    struct stat want {};
    if (::fstat(host.get(), &want) != 0) return fail_errno("stat rootfs " + rootfs_path, errno);
    // The view through /proc/<pid>/root is used only when it is the same
    // directory (device and inode) as the rootfs on the host: a pid from
    // another pid namespace, or one already reused, must not lend us some
    // other process's /dev.
    auto same = [&](int fd) {
        struct stat st {};
        return ::fstat(fd, &st) == 0 && st.st_dev == want.st_dev && st.st_ino == want.st_ino;
    };
    if (pid > 0) {
        std::string proc_root = "/proc/" + std::to_string(pid) + "/root";
        UniqueFd proot(::open(proc_root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (proot) {
            auto in = open_in_root(proot.get(), rootfs_path, O_PATH | O_DIRECTORY);
            if (in && same(in->get())) return std::move(*in);
            if (same(proot.get())) return proot;  // the runtime already pivoted
        }
    }
    return host;
}

Result<std::vector<gpu::LiveNode>> list_live_dev(int rootfd) {
    auto dev = open_in_root(rootfd, "/dev", O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (!dev) {
        int err = dev.error().err;
        if (err == ENOENT) return std::vector<gpu::LiveNode>{};
        // O_NOFOLLOW|O_DIRECTORY on a symlink reads "Not a directory": say
        // what the image made /dev, so the refusal is not a puzzle.
        if (err == ENOTDIR || err == ELOOP) {
            struct stat st {};
            auto at = open_in_root(rootfd, "/dev", O_PATH | O_NOFOLLOW);
            if (at && ::fstat(at->get(), &st) == 0) {
                if (S_ISLNK(st.st_mode))
                    return fail("/dev in the container is a symbolic link (never followed)");
                if (!S_ISDIR(st.st_mode))
                    return fail("/dev in the container is not a directory");
            }
        }
        return unexpected(dev.error());
    }
    DevWalk w;
    w.walk(dev->get(), "/dev", 0);
    return std::move(w.nodes);
}

policy::PathProbe rootfs_probe(int rootfd) {
    return [rootfd](const std::string& container_path) -> std::optional<policy::NodeKind> {
        auto fd = open_in_root(rootfd, container_path, O_PATH);
        if (!fd) {
            if (fd.error().err == ENOENT || fd.error().err == ENOTDIR)
                return policy::NodeKind::missing;
            return std::nullopt;
        }
        struct stat st {};
        if (::fstat(fd->get(), &st) != 0) return std::nullopt;
        return kind_of(st.st_mode);
    };
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
    auto fd = file::reopen_for_reading(at->get(), st, std::string(container_path) + " in the container");
    if (!fd) return unexpected(fd.error());
    return file::read_fd(fd->get(), container_path, limit);
}

std::optional<uint32_t> lookup_id(std::string_view db, std::string_view name) {
    if (name.empty()) return std::nullopt;
    size_t pos = 0;
    while (pos < db.size()) {
        size_t eol = db.find('\n', pos);
        std::string_view line =
            db.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
        pos = eol == std::string_view::npos ? db.size() : eol + 1;
        // name:password:ID:...
        size_t c1 = line.find(':');
        if (c1 == std::string_view::npos || line.substr(0, c1) != name) continue;
        size_t c2 = line.find(':', c1 + 1);
        if (c2 == std::string_view::npos) continue;
        size_t c3 = line.find(':', c2 + 1);
        std::string_view id = line.substr(
            c2 + 1, c3 == std::string_view::npos ? std::string_view::npos : c3 - c2 - 1);
        if (id.empty() || id.size() > 10) continue;
        uint64_t v = 0;
        bool ok = true;
        for (char ch : id) {
            if (ch < '0' || ch > '9') {
                ok = false;
                break;
            }
            v = v * 10 + static_cast<uint64_t>(ch - '0');
        }
        if (!ok || v > 0xfffffffeu) continue;
        return static_cast<uint32_t>(v);
    }
    return std::nullopt;
}

}  // namespace osh::rootfs
