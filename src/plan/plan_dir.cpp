#include "plan/plan_dir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

#include "oci/state.hpp"
#include "util/file.hpp"
#include "util/hex.hpp"
#include "util/path.hpp"
#include "util/userns.hpp"

namespace osh::plan {

namespace {

constexpr size_t kMaxOwnerBytes = 512;
constexpr size_t kMaxSweepEntries = 4096;

// Opens a directory without following a symlink in its last component and
// checks that we own it and that nobody else can write it.
Result<UniqueFd> open_owned_dir(int dirfd, const std::string& name, const std::string& shown) {
    UniqueFd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return fail_errno("open " + shown, errno);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return fail_errno("stat " + shown, errno);
    if (st.st_uid != ::geteuid())
        return fail(shown + ": owned by uid " + std::to_string(st.st_uid) + ", not by us (uid " +
                    std::to_string(::geteuid()) + ")");
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return fail(shown + ": writable by group or others");
    return fd;
}

Result<UniqueFd> open_run_root(std::string_view run_root, bool create) {
    std::string root(run_root);
    if (create && ::mkdir(root.c_str(), 0711) != 0 && errno != EEXIST)
        return fail_errno("create " + root, errno);
    return open_owned_dir(AT_FDCWD, root, root);
}

// Entry names of a directory, bounded (a plan directory holds a few files).
// The run root when it exists; an empty fd when it does not.
Result<UniqueFd> open_run_root_if_any(std::string_view run_root) {
    auto root = open_run_root(run_root, false);
    if (!root && root.error().err == ENOENT) return UniqueFd();
    return root;
}

Result<std::vector<std::string>> entries(int dirfd, const std::string& shown) {
    int dup = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dup < 0) return fail_errno("open " + shown, errno);
    DIR* d = ::fdopendir(dup);
    if (d == nullptr) {
        int e = errno;
        ::close(dup);
        return fail_errno("read " + shown, e);
    }
    std::vector<std::string> out;
    while (struct dirent* de = ::readdir(d)) {
        std::string n = de->d_name;
        if (n == "." || n == "..") continue;
        out.push_back(std::move(n));
        if (out.size() > 64) break;
    }
    ::closedir(d);
    return out;
}

// A small regular file of the directory, "" when absent.
Result<std::string> read_small(int dirfd, const char* name) {
    UniqueFd fd(::openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) return std::string();
        return fail_errno(std::string("open ") + name, errno);
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
        return fail(std::string(name) + ": not a regular file");
    return file::read_fd(fd.get(), name, kMaxOwnerBytes);
}

std::optional<Owner> parse_owner(std::string_view text) {
    if (text.empty()) return std::nullopt;
    Owner o;
    size_t nl = text.find('\n');
    o.id = std::string(text.substr(0, nl));
    if (nl != std::string_view::npos) {
        std::string rest(text.substr(nl + 1));
        unsigned long long start = 0;
        int pid = 0;
        if (std::sscanf(rest.c_str(), "%d %llu", &pid, &start) == 2) {
            o.pid = pid;
            o.start = start;
        }
        unsigned long long dev = 0, ino = 0;
        if (size_t at = rest.find("\nenforcer "); at != std::string::npos &&
            std::sscanf(rest.c_str() + at + 1, "enforcer %llu %llu", &dev, &ino) == 2)
            o.enforcer = rootfs::ObjectId{dev, ino};
    }
    return o;
}

Result<std::string> hex_token(size_t bytes) {
    uint8_t buf[32];
    if (bytes > sizeof buf) bytes = sizeof buf;
    size_t got = 0;
    while (got < bytes) {
        ssize_t n = ::getrandom(buf + got, bytes - got, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail_errno("getrandom", errno);
        }
        got += static_cast<size_t>(n);
    }
    return hex::encode(std::span<const uint8_t>(buf, bytes));
}

// Removes the entries of an open plan directory, then the directory.
Result<void> remove_dir_at(int rootfd, int dirfd, const std::string& name, const std::string& shown) {
    auto names = entries(dirfd, shown);
    if (!names) return unexpected(names.error());
    for (const auto& n : *names) {
        // unlinkat never follows a symlink; a directory fails with EISDIR.
        if (::unlinkat(dirfd, n.c_str(), 0) != 0 && errno != ENOENT)
            return fail_errno("remove " + shown + "/" + n, errno);
    }
    if (::unlinkat(rootfd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
        return fail_errno("remove " + shown, errno);
    return {};
}

}  // namespace

std::string default_run_root() {
    if (userns::is_host_root()) return kRunRoot;
    const char* xdg = std::getenv("XDG_RUNTIME_DIR");
    if (xdg && xdg[0] == '/') return std::string(xdg) + "/oci-sandbox";
    auto map = file::read_regular("/proc/self/uid_map");
    const std::string uid =
        std::to_string(map ? userns::host_uid_of(*map, ::geteuid()) : ::geteuid());
    // podman's precreate hooks get no environment. Without a login session
    // there is no /run/user/UID: podman then uses /tmp/podman-run-UID, and
    // the plans go to /tmp/oci-sandbox-UID the same way (open_run_root
    // refuses it unless we own it and nobody else can write it).
    struct stat st {};
    const std::string run_user = "/run/user/" + uid;
    if (::stat(run_user.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return run_user + "/oci-sandbox";
    return "/tmp/oci-sandbox-" + uid;
}

std::vector<std::string> run_roots_on_host() {
    std::vector<std::string> roots;
    auto add = [&](std::string p) {
        struct stat st {};
        if (::lstat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) roots.push_back(std::move(p));
    };
    add(kRunRoot);
    // Each entry of `dir` starting with `prefix`, with `suffix` after it.
    auto scan = [&](const char* dir, std::string_view prefix, const char* suffix) {
        DIR* d = ::opendir(dir);
        if (d == nullptr) return;
        while (const dirent* e = ::readdir(d)) {
            const std::string_view name(e->d_name);
            if (name == "." || name == ".." || name.substr(0, prefix.size()) != prefix) continue;
            add(std::string(dir) + "/" + std::string(name) + suffix);
        }
        ::closedir(d);
    };
    scan("/run/user", "", "/oci-sandbox");
    scan("/tmp", "oci-sandbox-", "");
    scan("/tmp", "podman-run-", "/oci-sandbox");
    return roots;
}

unsigned long long process_start_time(int pid) {
    if (pid <= 0) return 0;
    std::string path = "/proc/" + std::to_string(pid) + "/stat";
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return 0;
    auto text = file::read_fd(fd.get(), path, 4096);
    if (!text) return 0;
    // "pid (comm) state ppid ...": comm may hold spaces and ')', so count
    // fields after the last ')'. starttime is field 22; the space after ')'
    // comes before field 3. (Field 23, vsize, changes when the process
    // execs or maps memory: it never identifies the process.)
    size_t rp = text->rfind(')');
    if (rp == std::string::npos) return 0;
    const char* p = text->c_str() + rp + 1;
    for (int field = 3; field < 22; ++field) {
        p = std::strchr(p + 1, ' ');
        if (!p) return 0;
    }
    return std::strtoull(p + 1, nullptr, 10);
}

Result<void> validate_edit_key(std::string_view k) {
    if (k.size() != 32) return fail("edit key: expected 32 hex digits");
    for (char c : k)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return fail("edit key: expected 32 lower-case hex digits");
    return {};
}

Result<std::string> random_edit_key() {
    return hex_token(16);
}

std::string enforcer_beside(std::string_view hook_binary) {
    const size_t slash = hook_binary.rfind('/');
    const std::string_view dir =
        slash == std::string_view::npos ? "." : hook_binary.substr(0, slash);
    return std::string(dir) + "/" + kEnforcerProgram;
}

Result<void> validate_key(std::string_view key) {
    return oci::validate_container_id(key);
}

Result<std::string> random_key() {
    auto t = hex_token(16);
    if (!t) return unexpected(t.error());
    return "p-" + *t;
}

std::optional<std::string> key_from_source(std::string_view source, std::string_view run_root) {
    std::string prefix = std::string(run_root) + "/";
    if (source.size() <= prefix.size() || source.substr(0, prefix.size()) != prefix)
        return std::nullopt;
    std::string key(source.substr(prefix.size()));
    while (!key.empty() && key.back() == '/') key.pop_back();
    if (!validate_key(key)) return std::nullopt;
    return key;
}

std::optional<PlanMount> find_plan_mount(const std::vector<oci::Mount>& mounts,
                                         std::string_view run_root) {
    std::optional<PlanMount> found;
    for (const auto& m : mounts)
        if (path::lexical(m.destination) == kContainerPlanDir)
            found = PlanMount{m.source, key_from_source(m.source, run_root)};
    return found;
}

Result<void> create_plan_dir(std::string_view key, std::string_view edit_key, bool* created,
                             std::string_view run_root) {
    if (created) *created = false;
    if (auto ok = validate_key(key); !ok) return wrap(ok.error(), "plan directory");
    if (auto ok = validate_edit_key(edit_key); !ok) return wrap(ok.error(), "plan directory");
    auto root = open_run_root(run_root, true);
    if (!root) return unexpected(root.error());
    std::string name(key);
    std::string shown = plan_dir_path(key, run_root);
    bool made = ::mkdirat(root->get(), name.c_str(), 0755) == 0;
    if (!made && errno != EEXIST) return fail_errno("create " + shown, errno);
    auto dir = open_owned_dir(root->get(), name, shown);
    if (!dir) return unexpected(dir.error());
    if (made && ::fchmod(dir->get(), 0755) != 0) return fail_errno("chmod " + shown, errno);
    auto bound = read_small(dir->get(), kEditFile);
    if (!bound) return wrap(bound.error(), shown);
    if (bound->empty()) {
        // Ours and new (or made by a spec edit killed before it wrote the
        // key): bind it to this edit, unless something else is in it.
        auto names = entries(dir->get(), shown);
        if (!names) return unexpected(names.error());
        if (!names->empty()) {
            auto owner = parse_owner(read_small(dir->get(), kOwnerFile).value_or(""));
            return fail(shown + ": already exists (" +
                        (owner ? "the plan of container " + owner->id : std::string("not empty")) +
                        "); if no container of that id exists any more (`runc state ID` says so), "
                        "remove the directory and retry");
        }
        // Of two edits racing for the directory, one binds it; the key
        // appears whole or not at all, so a killed edit never leaves a
        // directory bound to nothing.
        auto bind = file::create_whole(dir->get(), kEditFile, std::string(edit_key) + "\n", 0644);
        if (!bind) {
            if (bind.error().err == EEXIST)
                return fail(shown + ": bound to another spec edit made at the same time");
            return wrap(bind.error(), shown);
        }
        if (created) *created = made;
        return {};
    }
    if (*bound != std::string(edit_key) + "\n") {
        auto owner = parse_owner(read_small(dir->get(), kOwnerFile).value_or(""));
        return fail(shown + ": already bound to another spec edit" +
                    (owner ? " (the plan of container " + owner->id + ")" : std::string()) +
                    "; a plan directory belongs to one container: use another container id, or "
                    "remove the directory if no container of that id exists any more");
    }
    return {};  // the same bundle edited again
}

Result<void> write_owner(int dirfd, const Owner& owner) {
    std::string text = owner.id + "\n" + std::to_string(owner.pid) + " " +
                       std::to_string(owner.start) + "\n";
    if (owner.enforcer)
        text += "enforcer " + std::to_string(owner.enforcer->dev) + " " +
                std::to_string(owner.enforcer->ino) + "\n";
    return file::write_atomic(dirfd, kOwnerFile, text, 0644);
}

namespace {

// An existing plan directory of ours, open: no symlink below run_root,
// owned by our euid.
Result<UniqueFd> open_existing(std::string_view key, std::string_view run_root,
                               const std::string& shown) {
    if (auto ok = validate_key(key); !ok) return wrap(ok.error(), "plan directory");
    auto root = open_run_root(run_root, false);
    if (!root) return unexpected(root.error());
    return open_owned_dir(root->get(), std::string(key), shown);
}

}  // namespace

Result<UniqueFd> open_plan_dir(std::string_view key, std::string_view edit_key,
                               const Owner& owner, std::string_view run_root) {
    const std::string shown = plan_dir_path(key, run_root);
    auto dir = open_existing(key, run_root, shown);
    if (!dir) return unexpected(dir.error());
    // Shared: hook runs of other containers never wait on each other; an
    // orphan sweep (exclusive, non-blocking) passes this one by.
    if (::flock(dir->get(), LOCK_SH) != 0) return fail_errno("lock " + shown, errno);
    auto bound = read_small(dir->get(), kEditFile);
    if (!bound) return wrap(bound.error(), shown);
    if (*bound != std::string(edit_key) + "\n")
        return fail(shown + (bound->empty() ? ": made by no spec edit of ours"
                                            : ": bound to another spec edit, not to the one "
                                              "this container's enforcer names") +
                    "; refusing to plan into it");
    auto existing = read_small(dir->get(), kOwnerFile);
    if (!existing) return wrap(existing.error(), shown);
    if (auto o = parse_owner(*existing)) {
        if (o->id != owner.id)
            return fail(shown + ": belongs to container " + o->id + ", not " + owner.id);
        if (o->pid != owner.pid || o->start != owner.start)
            return fail(shown + ": already planned for another creation of container " + o->id +
                        " (pid " + std::to_string(o->pid) +
                        "); a plan directory serves one container: remove it if that container "
                        "is gone");
    }
    return std::move(*dir);
}

Result<Planned> planned_for_exec(std::string_view key, std::string_view id,
                                 std::string_view run_root) {
    const std::string shown = plan_dir_path(key, run_root);
    auto not_there = [&](const std::string& why) {
        return fail("the plan of the container (" + shown + "/" + kPlanFileName +
                    ") is not there: " + why);
    };
    auto dir = open_existing(key, run_root, shown);
    if (!dir && dir.error().err == ENOENT) return not_there(std::strerror(ENOENT));
    if (!dir) return unexpected(dir.error());
    auto bound = read_small(dir->get(), kEditFile);
    if (!bound) return wrap(bound.error(), shown);
    std::string edit_key = bound->substr(0, bound->find('\n'));
    if (auto ok = validate_edit_key(edit_key); !ok || *bound != edit_key + "\n")
        return fail(shown + ": bound to no spec edit (its edit file is missing or malformed)");
    auto owner_text = read_small(dir->get(), kOwnerFile);
    if (!owner_text) return wrap(owner_text.error(), shown);
    auto owner = parse_owner(*owner_text);
    if (owner && owner->id != id)
        return fail(shown + ": the plan of container " + owner->id + ", not " + std::string(id));
    struct stat st {};
    std::string missing;
    if (::fstatat(dir->get(), kPlanFileName, &st, AT_SYMLINK_NOFOLLOW) != 0)
        missing = std::strerror(errno);
    else if (!S_ISREG(st.st_mode))
        missing = "not a regular file";
    if (!missing.empty()) return not_there(missing);
    Planned p;
    p.edit_key = std::move(edit_key);
    if (owner) p.owner = std::move(*owner);
    p.dir = std::move(*dir);
    return p;
}

Result<void> remove_plan_dir(std::string_view key, std::optional<std::string_view> owner_id,
                             std::string_view run_root) {
    if (auto ok = validate_key(key); !ok) return wrap(ok.error(), "plan directory");
    auto root = open_run_root_if_any(run_root);
    if (!root) return unexpected(root.error());
    if (!*root) return {};  // no run root: nothing to remove
    std::string name(key);
    std::string shown = plan_dir_path(key, run_root);
    UniqueFd dir(
        ::openat(root->get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir) {
        if (errno == ENOENT) return {};
        return fail_errno("open " + shown, errno);
    }
    if (owner_id) {
        auto text = read_small(dir.get(), kOwnerFile);
        if (!text) return wrap(text.error(), shown);
        auto owner = parse_owner(*text);
        if (owner && owner->id != *owner_id)
            return fail(shown + ": belongs to container " + owner->id + ", not " +
                        std::string(*owner_id) + "; left in place");
    }
    return remove_dir_at(root->get(), dir.get(), name, shown);
}

Result<void> remove_unused_plan_dir(std::string_view key, std::string_view run_root) {
    if (auto ok = validate_key(key); !ok) return wrap(ok.error(), "plan directory");
    auto root = open_run_root_if_any(run_root);
    if (!root) return unexpected(root.error());
    if (!*root) return {};  // no run root: nothing to remove
    std::string name(key);
    struct stat st {};
    if (::fstatat(root->get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) return {};
        return fail_errno("stat " + plan_dir_path(key, run_root), errno);
    }
    // Only a directory of ours (a symlink or another user's entry stays).
    if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid()) return {};
    const std::string shown = plan_dir_path(key, run_root);
    UniqueFd dir(
        ::openat(root->get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir) return errno == ENOENT ? Result<void>{} : fail_errno("open " + shown, errno);
    // A hook that is writing holds a shared lock: leave the directory to it.
    if (::flock(dir.get(), LOCK_EX | LOCK_NB) != 0) return {};
    auto names = entries(dir.get(), shown);
    if (!names) return unexpected(names.error());
    for (const auto& n : *names)
        if (n != kEditFile) return {};  // a hook wrote here: poststop removes it
    return remove_dir_at(root->get(), dir.get(), name, shown);
}

SweepReport sweep_orphans(std::string_view run_root) {
    SweepReport rep;
    auto root = open_run_root_if_any(run_root);
    if (!root) {
        rep.problems.push_back(root.error().what());
        return rep;
    }
    if (!*root) return rep;
    int dup = ::openat(root->get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dup < 0) return rep;
    DIR* d = ::fdopendir(dup);
    if (d == nullptr) {
        ::close(dup);
        return rep;
    }
    std::vector<std::string> names;
    while (struct dirent* de = ::readdir(d)) {
        std::string n = de->d_name;
        if (n == "." || n == "..") continue;
        if (names.size() >= kMaxSweepEntries) break;
        names.push_back(std::move(n));
    }
    ::closedir(d);
    const time_t now = ::time(nullptr);
    for (const auto& name : names) {
        if (!validate_key(name)) continue;
        const std::string shown = plan_dir_path(name, run_root);
        UniqueFd dir(::openat(root->get(), name.c_str(),
                              O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!dir) continue;
        struct stat st {};
        if (::fstat(dir.get(), &st) != 0 || st.st_uid != ::geteuid()) continue;
        if (::flock(dir.get(), LOCK_EX | LOCK_NB) != 0) continue;  // a hook is at work
        auto text = read_small(dir.get(), kOwnerFile);
        if (!text) continue;
        std::string why;
        if (auto owner = parse_owner(*text)) {
            // A container's plan is needed while its process runs (exec);
            // once that pid is gone (or reused: another start time) the
            // container is stopped, and a new start plans again.
            if (owner->pid <= 0 || owner->start == 0) continue;
            if (process_start_time(owner->pid) == owner->start) continue;
            why = "container " + owner->id + " is gone (pid " + std::to_string(owner->pid) +
                  " no longer runs) and no poststop removed its plan";
        } else {
            struct stat est {};
            const time_t made = ::fstatat(dir.get(), kEditFile, &est, AT_SYMLINK_NOFOLLOW) == 0
                                    ? est.st_mtime
                                    : st.st_mtime;
            if (now - made < kUnusedEditSeconds) continue;
            why = "a spec edit " + std::to_string((now - made) / 60) +
                  " minutes old that no container used";
        }
        if (auto ok = remove_dir_at(root->get(), dir.get(), name, shown); !ok)
            rep.problems.push_back(ok.error().what());
        else
            rep.removed.push_back(shown + ": " + why);
    }
    return rep;
}

}  // namespace osh::plan
