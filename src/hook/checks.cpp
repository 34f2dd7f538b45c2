#include "hook/checks.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <variant>
#include <vector>

#include "mounts/fs_kinds.hpp"
#include "plan/plan_dir.hpp"
#include "rootfs/iddb.hpp"
#include "rootfs/open.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"
#include "util/path.hpp"

namespace osh::hook {

namespace {
constexpr size_t kMaxIdDbBytes = 4u << 20;  // /etc/passwd, /etc/group of the image
}

namespace {

// Where the container's namespace of a kind ("net", "pid") is seen: its
// process's when the pid is known (what the runtime joined; a pid spelled
// in the spec's path may have been reused since), else the spec's path.
std::string joined_ns(const oci::Namespace& ns, const char* kind, int pid) {
    return pid > 0 ? "/proc/" + std::to_string(pid) + "/ns/" + kind : ns.path;
}

}  // namespace

NamespaceVerdict namespace_verdict(const oci::Spec& spec, std::string_view type, int pid) {
    const std::string kind = type == "network" ? "net" : std::string(type);
    const std::string what = std::string(type) + " namespace";
    struct stat host {};
    const bool host_known = ::stat(("/proc/self/ns/" + kind).c_str(), &host) == 0;
    for (const auto& ns : spec.namespaces) {
        if (ns.type != type) continue;
        if (ns.path.empty()) return {true, "a new " + what};
        struct stat joined {};
        const std::string seen = joined_ns(ns, kind.c_str(), pid);
        if (::stat(seen.c_str(), &joined) != 0)
            return {false, "the " + what + " path " + ns.path + " cannot be checked (" + seen +
                               ": " + std::strerror(errno) + ")"};
        if (!host_known)
            return {false, "the host's " + what + " cannot be checked against " + ns.path};
        if (joined.st_dev == host.st_dev && joined.st_ino == host.st_ino)
            return {false, "linux.namespaces joins " + ns.path + ", which is the host's " + what};
        return {true, "joins " + ns.path + ", not the host's " + what};
    }
    const std::string entry = "no \"" + std::string(type) + "\" entry in linux.namespaces";
    return {false, entry + ": the container shares the host's " + what};
}

std::vector<std::string> shared_namespace_notes(const policy::HostView& host,
                                                const policy::Policy& pol) {
    std::vector<std::string> notes;
    if (pol.seccomp.profile != seccomp::Profile::default_) return notes;
    if (host.host_ipc_namespace)
        notes.push_back("seccomp: " + *host.host_ipc_namespace +
                        ", so IPC (shmget, semget, msgget, mq_open, ...) would reach the host's "
                        "objects: the filter refuses it (seccomp.allow can name the calls)");
    if (host.shared_pid_namespace)
        notes.push_back("seccomp: " + *host.shared_pid_namespace +
                        ", so prlimit64, setpriority, ioprio_set and sched_set* would reach the "
                        "processes of others there by pid: the filter lets them act only on the "
                        "calling process itself, else EPERM (seccomp.allow can name the calls)");
    return notes;
}

namespace {

// A mountinfo field's octal escapes ("\\040" for a space) decoded.
std::string unescape(std::string_view f) {
    auto octal = [](char c) { return c >= '0' && c <= '7'; };
    std::string out;
    for (size_t i = 0; i < f.size(); ++i) {
        if (f[i] == '\\' && i + 3 < f.size() && octal(f[i + 1]) && octal(f[i + 2]) &&
            octal(f[i + 3])) {
            out += static_cast<char>((f[i + 1] - '0') * 64 + (f[i + 2] - '0') * 8 + (f[i + 3] - '0'));
            i += 3;
        } else {
            out += f[i];
        }
    }
    return out;
}

// The mount points of a mountinfo text: each line's fifth field.
// A mount of the host's, from one line of mountinfo ("ID PARENT MAJ:MIN
// ROOT POINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPEROPTIONS").
struct HostMount {
    std::string point;
    std::string type;
};

std::vector<HostMount> host_mounts(std::string_view text) {
    std::vector<HostMount> out;
    while (!text.empty()) {
        const size_t nl = text.find('\n');
        const std::string_view full = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        std::string_view line = full;
        for (int field = 0; field < 4 && !line.empty(); ++field) {
            const size_t sp = line.find(' ');
            line = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
        }
        if (line.empty()) continue;
        HostMount m{unescape(line.substr(0, line.find(' '))), ""};
        if (const size_t dash = full.find(" - "); dash != std::string_view::npos) {
            const std::string_view after = full.substr(dash + 3);
            m.type = std::string(after.substr(0, after.find(' ')));
        }
        out.push_back(std::move(m));
    }
    return out;
}

// `path`'s directory and each above it (".." to the top), by identity; empty
// when it cannot be opened.
std::vector<rootfs::ObjectId> directories_up(const std::string& path) {
    std::vector<rootfs::ObjectId> ids;
    UniqueFd fd(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    constexpr int kMaxDepth = 256;
    for (int depth = 0; fd && depth < kMaxDepth; ++depth) {
        struct stat st {};
        if (::fstat(fd.get(), &st) != 0) break;
        const auto id = rootfs::object_id(st);
        if (!ids.empty() && ids.back() == id) break;  // the top: ".." is itself
        ids.push_back(id);
        fd = UniqueFd(::openat(fd.get(), "..", O_PATH | O_DIRECTORY | O_CLOEXEC));
    }
    return ids;
}

// The path the kernel names an open `fd` by (symlinks and ".." resolved:
// one call, where realpath(3) makes one per component); nullopt when it
// has none.
std::optional<std::string> fd_path(int fd) {
    char buf[PATH_MAX];
    const std::string link = "/proc/self/fd/" + std::to_string(fd);
    const ssize_t n = ::readlink(link.c_str(), buf, sizeof buf);
    if (n <= 0 || n == static_cast<ssize_t>(sizeof buf) || buf[0] != '/') return std::nullopt;
    return std::string(buf, static_cast<size_t>(n));
}

// Whether `path` (as the kernel finds it) is `dir` or lies beneath it.
bool lies_within(const std::string& path, const rootfs::ObjectId& dir) {
    UniqueFd fd(::open(path.c_str(), O_PATH | O_CLOEXEC));
    struct stat st {};
    if (!fd || ::fstat(fd.get(), &st) != 0) return false;
    if (rootfs::object_id(st) == dir) return true;
    auto from = fd_path(fd.get());
    if (!from) return false;
    if (!S_ISDIR(st.st_mode)) from->erase(std::max<size_t>(from->rfind('/'), 1));  // its directory
    const auto up = directories_up(*from);
    return std::find(up.begin(), up.end(), dir) != up.end();
}

}  // namespace

std::map<size_t, std::string> submount_carriers(
    const oci::Spec& spec, const std::optional<std::string>& mountinfo,
    const std::function<std::optional<std::string>(const std::string&)>& real,
    const std::string& why) {
    const std::vector<HostMount> mounts = mountinfo ? host_mounts(*mountinfo)
                                                     : std::vector<HostMount>();
    std::map<size_t, std::string> out;
    for (size_t i = 0; i < spec.mounts.size(); ++i) {
        const auto& m = spec.mounts[i];
        if (!m.is_read_only_on_top_only()) continue;
        if (!mountinfo) {
            out.emplace(i, why);
            continue;
        }
        auto src = real(m.source);
        if (!src) {
            out.emplace(i, "its source " + m.source + " cannot be resolved on the host");
            continue;
        }
        for (const auto& hm : mounts)
            if (hm.point != *src && path::is_within(hm.point, *src)) {
                out.emplace(i, hm.point);
                break;
            }
    }
    return out;
}

policy::HostView host_view(const oci::Spec& spec, const std::string& bundle, int pid,
                           const std::string& run_root) {
    policy::HostView v;
    // One that cannot be checked counts as the host's.
    if (auto pidns = namespace_verdict(spec, "pid", pid); !pidns.private_ns) {
        v.host_pid_namespace = true;
        v.shared_pid_namespace = std::move(pidns.why);
    } else {
        for (const auto& ns : spec.namespaces)
            if (ns.type == "pid" && !ns.path.empty())
                v.shared_pid_namespace = "linux.namespaces joins " + ns.path +
                                         ", the pid namespace of another container or a pod";
    }
    // As the runtime finds a source: relative to the bundle.
    auto joined = [&](const std::string& source) {
        return !source.empty() && source.front() == '/' ? source : bundle + "/" + source;
    };
    if (auto ipc = namespace_verdict(spec, "ipc", pid); !ipc.private_ns)
        v.host_ipc_namespace = std::move(ipc.why);
    std::vector<rootfs::ObjectId> host_shm;
    for (const char* p : {"/dev/shm", "/dev"})
        if (struct stat st{}; ::stat(p, &st) == 0) host_shm.push_back(rootfs::object_id(st));
    // Each bind's source, opened once as the runtime finds it (relative to
    // the bundle, symlinks and ".." resolved by the kernel): what it is, its
    // filesystem, and (for a writable recursive bind) its path.
    v.bind_sources.resize(spec.mounts.size());
    std::vector<std::optional<std::string>> resolved(spec.mounts.size());
    for (size_t i = 0; i < spec.mounts.size(); ++i) {
        const auto& m = spec.mounts[i];
        if (!m.is_bind()) continue;
        UniqueFd src(::open(joined(m.source).c_str(), O_PATH | O_CLOEXEC));
        struct stat st {};
        if (!src || ::fstat(src.get(), &st) != 0) continue;
        const auto id = rootfs::object_id(st);
        v.bind_sources[i] = id;
        if (S_ISSOCK(st.st_mode)) v.socket_binds.push_back(i);
        if (std::find(host_shm.begin(), host_shm.end(), id) != host_shm.end())
            v.host_shm_binds.push_back(i);
        if (m.is_read_only()) continue;
        struct statfs fs {};
        if (::fstatfs(src.get(), &fs) == 0 &&
            !mounts::holds_only_files(static_cast<uint64_t>(fs.f_type)))
            v.kernel_binds.emplace(i, "the host's " + m.source +
                                          ", on a filesystem not known to hold only files");
        if (m.is_recursive_bind()) resolved[i] = fd_path(src.get());
    }
    auto real = [&](const std::string& source) -> std::optional<std::string> {
        UniqueFd fd(::open(joined(source).c_str(), O_PATH | O_CLOEXEC));
        return fd ? fd_path(fd.get()) : std::nullopt;
    };
    // The host's mounts, read once, only where a recursive bind would carry
    // some (a node's mountinfo can be large).
    bool carries = false;
    for (const auto& m : spec.mounts) carries = carries || m.is_read_only_on_top_only() ||
                                                (m.is_recursive_bind() && !m.is_read_only());
    constexpr size_t kMaxMountinfoBytes = 64u << 20;
    const auto info = carries ? file::read_regular("/proc/self/mountinfo", false, kMaxMountinfoBytes)
                              : Result<std::string>(fail("not read"));
    const std::vector<HostMount> host = info ? host_mounts(*info) : std::vector<HostMount>();

    // Where a writable mount of the spec puts the workload's writes on the
    // host: each bind's source, an overlay's upper and work directories,
    // and every mount of the host's a writable recursive bind carries from
    // beneath its source (its own type judged as the source's is).
    struct Writable {
        size_t mount;
        std::string path;  // on the host
        rootfs::ObjectId id;
    };
    std::vector<Writable> writable;
    auto add = [&](size_t i, std::string p) {
        if (struct stat st{}; ::stat(p.c_str(), &st) == 0)
            writable.push_back({i, std::move(p), rootfs::object_id(st)});
    };
    for (size_t i = 0; i < spec.mounts.size(); ++i) {
        const auto& m = spec.mounts[i];
        if (m.is_read_only()) continue;
        if (m.is_bind() && v.bind_sources[i])  // stat'd above
            writable.push_back({i, joined(m.source), *v.bind_sources[i]});
        else if (m.type == "overlay" && !m.is_bind())
            for (const auto& o : m.options)
                for (std::string_view key : {"upperdir=", "workdir="})
                    if (o.rfind(key, 0) == 0) add(i, o.substr(key.size()));
        const auto& src = resolved[i];  // a writable recursive bind's
        if (!src || host.empty()) continue;
        for (const auto& hm : host) {
            if (hm.point == *src || !path::is_within(hm.point, *src)) continue;
            if (!mounts::holds_only_files(hm.type) && !v.kernel_binds.count(i))
                v.kernel_binds.emplace(i, "the host's " + m.source + ", which carries the host's " +
                                              hm.point + " (" + hm.type +
                                              ") from beneath it, a filesystem not known to hold "
                                              "only files");
            add(i, hm.point);
        }
    }
    // Every container's plan is beneath a run root (the spec edit's own bind
    // of one is read-only): a writable mount that reaches one, at, above or
    // within it, reaches the plans that later execs read. Every user's run
    // root that exists (a root container given a rootless user's
    // /run/user/UID or /tmp reaches its plans), compared by identity, so
    // another path to the same directories (a second bind of /run on the
    // host, one carried beneath a source) is caught too.
    if (!run_root.empty() && !writable.empty()) {
        std::vector<std::string> roots = plan::run_roots_on_host();
        if (std::find(roots.begin(), roots.end(), run_root) == roots.end())
            roots.push_back(run_root);
        for (const auto& root : roots) {
            const auto above = directories_up(root);
            if (above.empty()) continue;
            for (const auto& w : writable)
                if (std::find(above.begin(), above.end(), w.id) != above.end() ||
                    (w.id.dev == above.front().dev && lies_within(w.path, above.front())))
                    v.plan_root_binds.push_back(w.mount);
        }
        std::sort(v.plan_root_binds.begin(), v.plan_root_binds.end());
        v.plan_root_binds.erase(std::unique(v.plan_root_binds.begin(), v.plan_root_binds.end()),
                                v.plan_root_binds.end());
    }
    bool any = false;
    for (const auto& m : spec.mounts) any = any || m.is_read_only_on_top_only();
    if (!any) return v;
    v.ro_binds_carrying =
        info ? submount_carriers(spec, *info, real)
             : submount_carriers(spec, std::nullopt, real,
                                 "the host's mounts could not be read: " + info.error().what());
    return v;
}

namespace {

// How one policy field names an id, and what a name must never yield.
struct IdField {
    const char* field;  // "run_as_user"
    const char* db;     // the image's file that names it
    const char* kind;   // "uid"
    const char* never;  // what a name from the image never yields, and the way to ask for it
};
constexpr IdField kUser{"run_as_user", "/etc/passwd", "uid",
                        "root (write the number 0 in the policy to run as root)"};
constexpr IdField kGroup{"run_as_group", "/etc/group", "gid",
                         "root's group (write the number 0 in the policy)"};

// The id a field asks for: its number, or its name's entry in the image's
// database (nullopt: the field is absent).
Result<std::optional<rootfs::IdEntry>> resolve(const std::optional<policy::IdSpec>& spec,
                                               const IdField& f, int rootfd) {
    if (!spec) return std::optional<rootfs::IdEntry>{};
    if (const auto* n = std::get_if<uint32_t>(&*spec))
        return std::optional<rootfs::IdEntry>{rootfs::IdEntry{*n, std::nullopt}};
    const auto& name = std::get<std::string>(*spec);
    auto cannot = [&](const std::string& why) {
        return fail("cannot resolve " + std::string(f.field) + " " + name + ": " + why);
    };
    if (rootfd < 0) return cannot("no rootfs to read " + std::string(f.db) + " from");
    auto text = rootfs::read_file_in_root(rootfd, f.db, kMaxIdDbBytes);
    if (!text) return cannot(text.error().what());
    auto e = rootfs::lookup_id(*text, name);
    if (!e) return cannot("no entry \"" + name + "\" in the image's " + f.db);
    if (e->id == 0)
        return fail(std::string(f.field) + " \"" + name + "\" is " + f.kind + " 0 in the image's " +
                    f.db + ": a name from the image never yields " + f.never);
    return std::optional<rootfs::IdEntry>{*e};
}

}  // namespace

Result<PlannedIds> plan_ids(const policy::ProcessPolicy& proc, int rootfd) {
    PlannedIds out;
    auto user = resolve(proc.run_as_user, kUser, rootfd);
    if (!user) return unexpected(user.error());
    auto group = resolve(proc.run_as_group, kGroup, rootfd);
    if (!group) return unexpected(group.error());
    if (*user) out.uid = (*user)->id;
    const bool named = proc.run_as_user && std::holds_alternative<std::string>(*proc.run_as_user);
    if (*group) {
        out.gid = (*group)->id;
    } else if (*user && named) {
        // A user named without a group runs with its primary group, as
        // `docker run --user NAME` does; a primary group 0 is root's group,
        // and one the line does not give as a number is no group at all
        // (the process would keep the spec's gid, often 0).
        if (!(*user)->group)
            return fail("run_as_user's primary group in the image's /etc/passwd is missing or not "
                        "a number; set run_as_group");
        if (*(*user)->group == 0)
            return fail("run_as_user's primary group in the image's /etc/passwd is gid 0; set "
                        "run_as_group");
        out.gid = (*user)->group;
    }
    return out;
}

}  // namespace osh::hook
