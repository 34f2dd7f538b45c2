#include "util/file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <ctime>

#include "util/test_point.hpp"

namespace osh::file {

namespace {

// O_NONBLOCK: a FIFO never waits for a writer; O_NOCTTY: a tty never becomes ours.
constexpr int kReadFlags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;

// A name no concurrent writer picks: getrandom(2), one system call.
// (std::random_device asks the CPU for RDRAND with cpuid on each
// construction, which traps to the hypervisor in a VM: ~9 µs a call here.)
// O_EXCL still refuses a name that exists.
std::string temp_suffix() {
    uint64_t r = 0;
    if (::getrandom(&r, sizeof r, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof r))
        r = (static_cast<uint64_t>(::getpid()) << 32) ^ static_cast<uint64_t>(::time(nullptr));
    return std::to_string(r);
}

bool same_inode(int fd, const struct stat& st) {
    struct stat again {};
    return ::fstat(fd, &again) == 0 && again.st_dev == st.st_dev && again.st_ino == st.st_ino &&
           S_ISREG(again.st_mode);
}

Result<void> write_all(int fd, std::string_view data, const std::string& shown) {
    size_t off = 0;
    while (off < data.size()) {
        ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail_errno("write " + shown, errno);
        }
        off += static_cast<size_t>(n);
    }
    return {};
}

}  // namespace

Result<std::string> read_fd(int fd, std::string_view what, size_t limit, size_t expected) {
    // Read straight into the string, sized for what is expected plus the
    // byte that shows the end in the same read, and grown only if more comes.
    std::string out(std::min(std::max<size_t>(expected, 4095), limit) + 1, '\0');
    size_t used = 0;
    for (;;) {
        if (used == out.size()) out.resize(std::min(out.size() * 2, limit + 1));
        ssize_t n = ::read(fd, out.data() + used, out.size() - used);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail_errno("read " + std::string(what), errno);
        }
        if (n == 0) break;
        used += static_cast<size_t>(n);
        if (used > limit)
            return fail(std::string(what) + ": larger than " + std::to_string(limit) + " bytes");
    }
    out.resize(used);
    return out;
}

Result<std::string> read_regular_at(int dirfd, const std::string& name, std::string_view shown,
                                    bool nofollow, size_t limit, struct stat* st_out) {
    // The type is checked on an O_PATH fd before anything is opened for
    // reading: opening a device node can act on the device (a tty, a
    // watchdog), and a FIFO would wait for a writer.
    const std::string path(shown);
    UniqueFd pathfd(
        ::openat(dirfd, name.c_str(), O_PATH | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0)));
    if (!pathfd) return fail_errno("open " + path, errno);
    struct stat st {};
    if (::fstat(pathfd.get(), &st) != 0) return fail_errno("stat " + path, errno);
    if (S_ISLNK(st.st_mode)) return fail(path + ": is a symbolic link (not followed)");
    if (!S_ISREG(st.st_mode)) return fail(path + ": not a regular file");
    if (static_cast<size_t>(st.st_size) > limit)
        return fail(path + ": larger than " + std::to_string(limit) + " bytes");
    if (st_out) *st_out = st;
    auto fd = reopen_for_reading(pathfd.get(), st, path);
    if (!fd && fd.error().err == ENOENT) {
        // No /proc (early boot, a bare chroot): reopen by name and make sure
        // it is still the same file.
        UniqueFd again_fd(::openat(dirfd, name.c_str(), kReadFlags | (nofollow ? O_NOFOLLOW : 0)));
        if (!again_fd) return fail_errno("open " + path, errno);
        if (!same_inode(again_fd.get(), st)) return fail(path + ": replaced while being opened");
        return read_fd(again_fd.get(), path, limit, static_cast<size_t>(st.st_size));
    }
    if (!fd) return unexpected(fd.error());
    return read_fd(fd->get(), path, limit, static_cast<size_t>(st.st_size));
}

Result<std::string> read_regular(const std::string& path, bool nofollow, size_t limit) {
    return read_regular_at(AT_FDCWD, path, path, nofollow, limit, nullptr);
}

Result<UniqueFd> reopen_for_reading(int pathfd, const struct stat& st, std::string_view shown) {
    std::string self = "/proc/self/fd/" + std::to_string(pathfd);
    UniqueFd fd(::open(self.c_str(), kReadFlags));
    if (!fd) return fail_errno("reopen " + std::string(shown), errno);
    if (!same_inode(fd.get(), st))
        return fail(std::string(shown) + ": changed while being opened");
    return fd;
}

namespace {

// `data` into the open file `fd`, with exactly `mode` (umask aside).
Result<void> fill(int fd, std::string_view data, int mode, const std::string& shown) {
    if (auto ok = write_all(fd, data, shown); !ok) return ok;
    if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) return fail_errno("chmod " + shown, errno);
    return {};
}

// A new temp file beside `name` in `dirfd` holding `data`: its name. Nothing
// is left behind on an error; `created_point` is the kill point between the
// create and the write.
Result<std::string> write_temp(int dirfd, const std::string& name, std::string_view data,
                               int mode, const char* created_point) {
    std::string tmp = "." + name + ".tmp." + temp_suffix();
    UniqueFd fd(
        ::openat(dirfd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode));
    if (!fd) return fail_errno("create " + tmp, errno);
    if (created_point) test_point::kill_at(created_point, name);
    if (auto ok = fill(fd.get(), data, mode, tmp); !ok) {
        ::unlinkat(dirfd, tmp.c_str(), 0);
        return unexpected(ok.error());
    }
    return tmp;
}

}  // namespace

Result<UniqueFd> sealed_memfd(const char* name, std::string_view data) {
    UniqueFd fd(::memfd_create(name, MFD_ALLOW_SEALING));
    if (!fd) return fail_errno(std::string("memfd_create ") + name, errno);
    if (auto ok = write_all(fd.get(), data, name); !ok) return unexpected(ok.error());
    if (::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0)
        return fail_errno(std::string("seal ") + name, errno);
    return fd;
}

Result<void> write_atomic(int dirfd, const std::string& name, std::string_view data, int mode) {
    // No fsync: what we write (an edited config.json, a plan) is state of a
    // container being started now; a power loss ends that container anyway.
    // The rename alone keeps readers from ever seeing a half-written file,
    // which is what matters when a writer is killed. fsync cost ~15 ms per
    // container start on this disk (bench/).
    auto tmp = write_temp(dirfd, name, data, mode, "write_atomic.created");
    if (!tmp) return unexpected(tmp.error());
    test_point::kill_at("write_atomic.written", name);
    if (::renameat(dirfd, tmp->c_str(), dirfd, name.c_str()) != 0) {
        int e = errno;
        ::unlinkat(dirfd, tmp->c_str(), 0);
        return fail_errno("rename " + *tmp + " to " + name, e);
    }
    test_point::kill_at("write_atomic.renamed", name);
    return {};
}

Result<void> create_whole(int dirfd, const std::string& name, std::string_view data, int mode) {
    UniqueFd fd(::openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, mode));
    if (fd) {
        if (auto ok = fill(fd.get(), data, mode, name); !ok) return ok;
        test_point::kill_at("create_whole.written", name);
        // linkat never replaces: EEXIST when the name exists. Through
        // /proc/self/fd, as AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH.
        std::string self = "/proc/self/fd/" + std::to_string(fd.get());
        if (::linkat(AT_FDCWD, self.c_str(), dirfd, name.c_str(), AT_SYMLINK_FOLLOW) != 0)
            return fail_errno("create " + name, errno);
        return {};
    }
    if (errno != EOPNOTSUPP && errno != EISDIR) return fail_errno("create " + name, errno);
    return create_whole_named(dirfd, name, data, mode);
}

Result<void> create_whole_named(int dirfd, const std::string& name, std::string_view data,
                                int mode) {
    // A named temp, linked (never replacing), then removed; a writer killed
    // before the removal leaves the temp.
    auto tmp = write_temp(dirfd, name, data, mode, nullptr);
    if (!tmp) return unexpected(tmp.error());
    test_point::kill_at("create_whole.written", name);
    Result<void> ok;
    if (::linkat(dirfd, tmp->c_str(), dirfd, name.c_str(), 0) != 0)
        ok = fail_errno("create " + name, errno);
    ::unlinkat(dirfd, tmp->c_str(), 0);
    return ok;
}

}  // namespace osh::file
