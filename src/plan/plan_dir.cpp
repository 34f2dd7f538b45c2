#include "plan/plan_dir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "oci/state.hpp"
#include "util/file.hpp"

namespace osh::plan {

namespace {

constexpr size_t kMaxOwnerBytes = 512;

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

// The owner file's content, "" when absent.
Result<std::string> read_owner(int dirfd) {
    UniqueFd fd(::openat(dirfd, kOwnerFile, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) return std::string();
        return fail_errno(std::string("open ") + kOwnerFile, errno);
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
        return fail(std::string(kOwnerFile) + ": not a regular file");
    return file::read_fd(fd.get(), kOwnerFile, kMaxOwnerBytes);
}

}  // namespace

Result<void> validate_key(std::string_view key) {
    return oci::validate_container_id(key);
}

Result<std::string> random_key() {
    unsigned char buf[16];
    size_t got = 0;
    while (got < sizeof buf) {
        ssize_t n = ::getrandom(buf + got, sizeof buf - got, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail_errno("getrandom", errno);
        }
        got += static_cast<size_t>(n);
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string key = "p-";
    for (unsigned char c : buf) {
        key += kHex[c >> 4];
        key += kHex[c & 15];
    }
    return key;
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

Result<void> create_plan_dir(std::string_view key, bool* created, std::string_view run_root) {
    if (created) *created = false;
    if (auto ok = validate_key(key); !ok) return wrap(ok.error(), "plan directory");
    auto root = open_run_root(run_root, true);
    if (!root) return unexpected(root.error());
    std::string name(key);
    std::string shown = plan_dir_path(key, run_root);
    bool made = ::mkdirat(root->get(), name.c_str(), 0755) == 0;
    if (!made && errno != EEXIST) return fail_errno("create " + shown, errno);
    auto dir = open_owned_dir(root->get(), name, shown);
    if (!dir) return unexpected(dir.error());
    if (made) {
        if (::fchmod(dir->get(), 0755) != 0) return fail_errno("chmod " + shown, errno);
        if (created) *created = true;
        return {};
    }
    auto names = entries(dir->get(), shown);
    if (!names) return unexpected(names.error());
    if (!names->empty()) {
        // Another live container's, or a stale one: a runtime killed after our
        // hook wrote the plan but before it saved its state runs no poststop.
        auto owner = read_owner(dir->get());
        std::string whose = owner && !owner->empty() ? "the plan of container " + *owner
                                                     : "not empty";
        return fail(shown + ": already exists (" + whose +
                    "); if no container of that id exists any more (`runc state ID` says so), "
                    "remove the directory and retry");
    }
    return {};
}

Result<UniqueFd> open_plan_dir(std::string_view key, std::optional<std::string_view> owner_id,
                               std::string_view run_root) {
    if (auto ok = validate_key(key); !ok) return wrap(ok.error(), "plan directory");
    auto root = open_run_root(run_root, false);
    if (!root) return unexpected(root.error());
    std::string shown = plan_dir_path(key, run_root);
    auto dir = open_owned_dir(root->get(), std::string(key), shown);
    if (!dir) return unexpected(dir.error());
    if (owner_id) {
        auto owner = read_owner(dir->get());
        if (!owner) return wrap(owner.error(), shown);
        if (owner->empty()) {
            auto names = entries(dir->get(), shown);
            if (!names) return unexpected(names.error());
            if (!names->empty()) return fail(shown + ": not empty and has no owner file; not ours");
        } else if (*owner != *owner_id) {
            return fail(shown + ": belongs to container " + *owner + ", not " +
                        std::string(*owner_id));
        }
    }
    return std::move(*dir);
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
        auto owner = read_owner(dir.get());
        if (!owner) return wrap(owner.error(), shown);
        if (!owner->empty() && *owner != *owner_id)
            return fail(shown + ": belongs to container " + *owner + ", not " +
                        std::string(*owner_id) + "; left in place");
    }
    auto names = entries(dir.get(), shown);
    if (!names) return unexpected(names.error());
    for (const auto& n : *names) {
        // unlinkat never follows a symlink; a directory fails with EISDIR.
        if (::unlinkat(dir.get(), n.c_str(), 0) != 0 && errno != ENOENT)
            return fail_errno("remove " + shown + "/" + n, errno);
    }
    if (::unlinkat(root->get(), name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
        return fail_errno("remove " + shown, errno);
    return {};
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
    if (::unlinkat(root->get(), name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT &&
        errno != ENOTEMPTY && errno != EEXIST)
        return fail_errno("remove " + plan_dir_path(key, run_root), errno);
    return {};
}

}  // namespace osh::plan
