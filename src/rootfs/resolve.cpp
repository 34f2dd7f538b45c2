#include "rootfs/resolve.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <deque>
#include <vector>

#include "rootfs/open.hpp"
#include "util/fd.hpp"
#include "util/path.hpp"

namespace osh::rootfs {

namespace {

constexpr int kMaxLinks = 40;  // the kernel's own limit (MAXSYMLINKS)
// Component lookups per path, counting the ones a ".." re-walks from the
// root: an image's deep tree with links full of ".." would otherwise make
// one path cost seconds (40 links x 800 ".." x 2000 levels); a real path
// takes a few dozen.
constexpr size_t kMaxLookups = 8192;

void split_into(std::string_view p, std::deque<std::string>& out, bool front) {
    std::vector<std::string> parts;
    size_t i = 0;
    while (i < p.size()) {
        size_t j = p.find('/', i);
        if (j == std::string_view::npos) j = p.size();
        if (j > i) parts.emplace_back(p.substr(i, j - i));
        i = j + 1;
    }
    if (front)
        out.insert(out.begin(), parts.begin(), parts.end());
    else
        out.insert(out.end(), parts.begin(), parts.end());
}

std::string join(const std::vector<std::string>& parts) {
    if (parts.empty()) return "/";
    std::string s;
    for (const auto& p : parts) s += "/" + p;
    return s;
}

void set_object(PathFact& fact, const struct stat& st) {
    fact.kind = kind_of(st.st_mode);
    fact.id = object_id(st);
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
        fact.major = ::major(st.st_rdev);
        fact.minor = ::minor(st.st_rdev);
    }
}

// fstatat that also says whether the object is a mount's root (statx's
// attribute), in the same call. -1 with errno on failure.
int stat_at(int dirfd, const char* name, int flags, struct stat* st, bool* mount_root) {
    struct statx sx {};
    if (::statx(dirfd, name, flags, STATX_TYPE | STATX_MODE | STATX_INO, &sx) != 0) return -1;
    *st = {};
    st->st_mode = sx.stx_mode;
    st->st_ino = sx.stx_ino;
    st->st_dev = ::makedev(sx.stx_dev_major, sx.stx_dev_minor);
    st->st_rdev = ::makedev(sx.stx_rdev_major, sx.stx_rdev_minor);
    *mount_root = (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
                  (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
    return 0;
}

// The common case in one lookup: a path with no symlink anywhere in it, which
// then resolves as it is spelt (".." clamped at the root). ENOENT with no
// symlink met on the way is a missing object at that spelling. nullopt
// (a symlink met, or any other failure) leaves it to the component walk,
// which names every link and every error.
std::optional<PathFact> resolve_plain(int rootfd, std::string_view container_path) {
    PathFact fact;
    fact.path = std::string(container_path);
    auto fd = open_exact(rootfd, container_path);
    if (!fd) {
        if (fd.error().err != ENOENT) return std::nullopt;
        fact.resolved = path::lexical(container_path);
        return fact;  // kind missing
    }
    struct stat st {};
    if (stat_at(fd->get(), "", AT_EMPTY_PATH, &st, &fact.mount_root) != 0 || S_ISLNK(st.st_mode))
        return std::nullopt;
    fact.resolved = path::lexical(container_path);
    set_object(fact, st);
    return fact;
}

}  // namespace

Result<PathFact> resolve(int rootfd, std::string_view container_path) {
    if (auto plain = resolve_plain(rootfd, container_path)) return std::move(*plain);
    PathFact fact;
    fact.path = std::string(container_path);
    std::vector<std::string> done;  // resolved components: no symlink among them
    std::deque<std::string> todo;
    split_into(container_path, todo, false);
    UniqueFd cur(::fcntl(rootfd, F_DUPFD_CLOEXEC, 0));
    if (!cur) return fail_errno("dup root fd", errno);
    int links = 0;
    size_t lookups = 0;
    auto too_much = [&]() {
        return fail_errno("resolve " + fact.path + " in the container: more than " +
                              std::to_string(kMaxLookups) + " component lookups",
                          ELOOP);
    };

    auto reopen_done = [&]() -> Result<void> {
        lookups += done.size();
        if (lookups > kMaxLookups) return too_much();
        auto fd = open_exact(rootfd, join(done));
        if (!fd) return unexpected(fd.error());
        cur = std::move(*fd);
        return {};
    };
    // Nothing at `done` + `name` (+ the rest, lexically). Unless a ".."
    // in the rest climbs back out of `name`: the kernel (and crun) stop at
    // the missing name, but runc's securejoin appends it, drops it again
    // and goes on following the image's links from there (x ->
    // nonexist/../data, data -> /tmp lands a runc mount at /tmp). Where the
    // runtimes part, the path cannot be told.
    auto missing = [&](const std::string& name) -> Result<PathFact> {
        std::vector<std::string> rest = done;
        rest.push_back(name);
        for (const auto& c : todo) {
            if (c == ".")
                continue;
            else if (c == "..") {
                if (!rest.empty()) rest.pop_back();
                if (rest.size() <= done.size())
                    return fail_errno("resolve " + fact.path + " in the container: " +
                                          (fact.links.empty() ? std::string("it")
                                                              : "the image's link " + fact.links.back()) +
                                          " goes through " + join(done) +
                                          (done.empty() ? "" : "/") + name +
                                          ", which is missing or not a directory, and back out "
                                          "of it with \"..\": the kernel and crun stop there, "
                                          "runc goes on",
                                      ENOENT);
            } else {
                rest.push_back(c);
            }
        }
        fact.resolved = join(rest);
        fact.kind = NodeKind::missing;
        return fact;
    };

    while (!todo.empty()) {
        if (++lookups > kMaxLookups) return too_much();
        std::string c = std::move(todo.front());
        todo.pop_front();
        if (c == ".") continue;
        if (c == "..") {
            if (!done.empty()) {
                done.pop_back();
                if (auto r = reopen_done(); !r) return unexpected(r.error());
            }
            continue;
        }
        fact.walked.push_back(join(done) + (done.empty() ? "" : "/") + c);
        struct stat st {};
        if (stat_at(cur.get(), c.c_str(), AT_SYMLINK_NOFOLLOW, &st, &fact.mount_root) != 0) {
            if (errno == ENOENT || errno == ENOTDIR) return missing(c);
            return fail_errno("stat " + join(done) + (done.empty() ? "" : "/") + c +
                                  " in the container",
                              errno);
        }
        if (S_ISLNK(st.st_mode)) {
            if (++links > kMaxLinks)
                return fail_errno("resolve " + fact.path + " in the container", ELOOP);
            char buf[4096];
            ssize_t n = ::readlinkat(cur.get(), c.c_str(), buf, sizeof buf);
            if (n < 0) return fail_errno("readlink " + join(done) + "/" + c, errno);
            if (static_cast<size_t>(n) >= sizeof buf)
                return fail_errno("readlink " + join(done) + "/" + c, ENAMETOOLONG);
            std::string target(buf, static_cast<size_t>(n));
            std::string link = join(done) + (done.empty() ? "" : "/") + c;
            fact.links.push_back(link + " -> " + target);
            if (!target.empty() && target.front() == '/') {
                done.clear();
                if (auto r = reopen_done(); !r) return unexpected(r.error());
            }
            split_into(target, todo, true);
            continue;
        }
        done.push_back(c);
        if (!todo.empty()) {
            if (!S_ISDIR(st.st_mode)) {
                done.pop_back();
                return missing(c);
            }
            UniqueFd next(
                ::openat(cur.get(), c.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!next) return fail_errno("open " + join(done) + " in the container", errno);
            cur = std::move(next);
            continue;
        }
        set_object(fact, st);
    }
    fact.resolved = join(done);
    if (done.empty()) {  // the root itself
        struct stat st {};
        if (stat_at(rootfd, "", AT_EMPTY_PATH, &st, &fact.mount_root) != 0)
            return fail_errno("stat the container's root", errno);
        fact.kind = NodeKind::directory;
        fact.id = object_id(st);
    }
    return fact;
}

PathProbe probe_at(int rootfd) {
    return [rootfd](const std::string& p) -> std::optional<PathFact> {
        auto f = resolve(rootfd, p);
        if (!f) return std::nullopt;
        return std::move(*f);
    };
}

const Result<PathFact>& Resolver::operator()(const std::string& container_path) {
    auto it = known_.find(container_path);
    if (it == known_.end()) it = known_.emplace(container_path, resolve(rootfd_, container_path)).first;
    return it->second;
}

PathProbe Resolver::probe() {
    return [this](const std::string& p) -> std::optional<PathFact> {
        const auto& f = (*this)(p);
        if (!f) return std::nullopt;
        return *f;
    };
}

PathProbe no_rootfs() {
    return [](const std::string&) -> std::optional<PathFact> { return std::nullopt; };
}

Landing land(std::string_view destination, const PathProbe& probe) {
    Landing l;
    l.spelled = path::lexical(destination);
    if (probe)
        if (auto f = probe(l.spelled)) l.resolved = std::move(f->resolved);
    return l;
}

}  // namespace osh::rootfs
