#include "rootfs/dev.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "rootfs/open.hpp"
#include "util/fd.hpp"

namespace osh::rootfs {

namespace {

struct Walk {
    size_t max_entries;
    dev_t root_dev;  // the filesystem of the container's root
    DevListing out;
    size_t seen = 0;

    void problem(const std::string& where, int err) {
        out.problems.push_back(where + ": " + std::strerror(err));
    }

    // `dirfd`: an O_PATH directory fd of `prefix` ("/dev", "/dev/dri").
    void walk(int dirfd, const std::string& prefix, int depth) {
        int dup = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dup < 0) return problem(prefix, errno);
        std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(dup), ::closedir);
        if (!dir) {
            int e = errno;
            ::close(dup);
            return problem(prefix, e);
        }
        while (true) {
            errno = 0;
            struct dirent* de = ::readdir(dir.get());
            if (!de) {
                if (errno != 0) problem(prefix, errno);
                break;
            }
            std::string name = de->d_name;
            if (name == "." || name == "..") continue;
            if (++seen > max_entries) {
                out.problems.push_back(prefix + ": more than " + std::to_string(max_entries) +
                                       " entries under /dev; the rest was not looked at");
                return;
            }
            struct stat st {};
            if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // raced away
            DevEntry e;
            e.path = prefix + "/" + name;
            e.symlink = S_ISLNK(st.st_mode);
            e.on_root_fs = st.st_dev == root_dev;
            e.kind = e.symlink ? NodeKind::other : kind_of(st.st_mode);
            if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
                e.major = ::major(st.st_rdev);
                e.minor = ::minor(st.st_rdev);
            }
            out.entries.push_back(e);
            if (e.kind != NodeKind::directory) continue;
            if (depth + 1 >= max_depth_) {
                out.problems.push_back(e.path + ": deeper than " + std::to_string(max_depth_) +
                                       " levels; not looked into");
                continue;
            }
            UniqueFd sub(::openat(dirfd, name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!sub) {
                problem(e.path, errno);
                continue;
            }
            walk(sub.get(), e.path, depth + 1);
            if (seen > max_entries) return;
        }
    }
    int max_depth_ = kMaxDevDepth;
};

}  // namespace

Result<DevListing> list_dev(int rootfd, int max_depth, size_t max_entries) {
    auto dev = open_in_root(rootfd, "/dev", O_PATH | O_NOFOLLOW);
    if (!dev) {
        if (dev.error().err == ENOENT) return DevListing{};
        return unexpected(dev.error());
    }
    struct stat root {};
    if (::fstat(rootfd, &root) != 0) return fail_errno("stat the container's root", errno);
    struct stat st {};
    if (::fstat(dev->get(), &st) != 0) return fail_errno("stat /dev in the container", errno);
    if (S_ISLNK(st.st_mode)) return fail("/dev in the container is a symbolic link (never followed)");
    if (!S_ISDIR(st.st_mode)) return fail("/dev in the container is not a directory");
    Walk w{max_entries, root.st_dev, {}, 0};
    w.max_depth_ = max_depth;
    w.walk(dev->get(), "/dev", 0);
    return std::move(w.out);
}

}  // namespace osh::rootfs
