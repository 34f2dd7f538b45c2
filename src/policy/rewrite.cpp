// The policy rewrite: the administrator's filesystem rules, plus the built-in
// baseline, the workdir and what a detected GPU needs; every addition,
// promotion, skip and rejection is logged with its reason.
//
// Baseline (filesystem.baseline: true) — what almost every program needs:
//   read-only:  /usr /lib /lib64 /lib32 /bin /sbin /etc (programs, libraries,
//               configuration);
//   read-write: /dev/null /dev/zero /dev/full /dev/random /dev/urandom (file
//               rights only: they are character devices), /dev/tty /dev/ptmx
//               /dev/pts (plus ioctl_dev: isatty/tcsetattr are device ioctls,
//               and Landlock ABI 5 checks them on every newly opened device;
//               /dev/pts and /dev/ptmx only where a devpts mount lands at
//               /dev/pts, not on the image's own directory),
//               /dev/shm /tmp (scratch space, POSIX shared memory);
//   read + execute: the program (process.args[0]) where a bind of the spec
//               puts a file exactly there (the engine's init: podman's
//               --init at /run/podman-init).
// Each entry is added only when the rootfs has it (or when nothing can be
// checked, which the log says), a standard device only when the node there
// is that device (an image's own /dev/tty may be any device). A path the
// policy lists itself is never changed by the baseline or the workdir: the
// administrator's word wins.
//
// Symlinks: every rule is bound to the object its path resolves to inside
// the container. A rule whose path goes through a symlink applies only when
// the policy already grants the target, by the target's own path (or a
// directory above it), at least the same rights (merged-usr's /bin ->
// usr/bin under a read-only /usr); otherwise it is a path failure, never a
// wider right (/tmp -> / must not make the root writable). The workdir is
// judged by the directory it resolves to.
#include <algorithm>
#include <map>
#include <set>

#include "gpu/vendor.hpp"
#include "mounts/landing.hpp"
#include "policy/effective.hpp"
#include "util/path.hpp"

namespace osh::policy {

namespace {

constexpr AccessMask kFileRw = kReadWrite & kFileRights;
constexpr AccessMask kTty = (kReadWrite | bit(Access::ioctl_dev)) & kFileRights;
constexpr AccessMask kGpuNode = (kReadWrite | bit(Access::ioctl_dev)) & kFileRights;

struct BaselineEntry {
    std::string_view path;
    AccessMask access;
    std::string_view why;
    // A standard device's numbers (char major:minor); 0:0 for the rest.
    uint32_t major = 0;
    uint32_t minor = 0;
};

constexpr BaselineEntry kBaseline[] = {
    {"/usr", kReadOnly, "programs and libraries"},
    {"/lib", kReadOnly, "libraries"},
    {"/lib64", kReadOnly, "libraries (the dynamic loader)"},
    {"/lib32", kReadOnly, "32-bit libraries"},
    {"/bin", kReadOnly, "programs"},
    {"/sbin", kReadOnly, "programs"},
    {"/etc", kReadOnly, "configuration (passwd, resolv.conf, ld.so.cache)"},
    {"/dev/null", kFileRw, "standard device", 1, 3},
    {"/dev/zero", kFileRw, "standard device", 1, 5},
    {"/dev/full", kFileRw, "standard device", 1, 7},
    {"/dev/random", kFileRw, "standard device", 1, 8},
    {"/dev/urandom", kFileRw, "standard device", 1, 9},
    {"/dev/tty", kTty, "terminal (ioctl_dev: terminal ioctls)", 5, 0},
    {"/dev/ptmx", kTty, "pseudo-terminal master (ioctl_dev: terminal ioctls)", 5, 2},
    {"/dev/pts", kReadWrite | bit(Access::ioctl_dev),
     "pseudo-terminals (ioctl_dev: terminal ioctls)"},
    {"/dev/shm", kReadWrite, "POSIX shared memory"},
    {"/tmp", kReadWrite, "scratch space"},
};

// Whether one path is at, above or below the other: a Landlock rule on
// either reaches the other's objects or is reached by them.
bool overlaps(std::string_view a, std::string_view b) {
    return path::is_within(a, b) || path::is_within(b, a);
}

// Workdirs that would open a system tree, or a part of one, read-write are
// refused: an image's WORKDIR /usr/bin never makes /usr/bin writable.
bool workdir_refused(const std::string& cwd) {
    if (cwd == "/") return true;
    for (const auto& b : kBaseline)
        if (b.access == kReadOnly && overlaps(b.path, cwd)) return true;
    for (std::string_view sys : {"/proc", "/sys", "/dev", "/boot", "/run"})
        if (overlaps(cwd, sys)) return true;
    return false;
}

// runtime-spec config-linux.md "Default Devices": every runtime provides
// these (/dev/ptmx as a symlink to pts/ptmx).
bool is_default_device(std::string_view p) {
    for (std::string_view d : {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
                               "/dev/tty", "/dev/ptmx"})
        if (p == d) return true;
    return false;
}

using rootfs::is_file_kind;

std::string quoted(std::string_view s) {
    return "\"" + std::string(s) + "\"";
}

struct Listed {
    AccessMask access = 0;
    std::string where;  // "filesystem.read_only", "filesystem.rules[2]" (first listing)
};

struct Entry {
    AccessMask access = 0;
    std::vector<std::string> origins;
    bool gpu_device = false;
};

std::string join_origins(const std::vector<std::string>& origins) {
    std::string out;
    for (const auto& o : origins) out += (out.empty() ? "" : " + ") + o;
    return out;
}

std::string join_links(const std::vector<std::string>& links) {
    std::string out;
    for (const auto& l : links) out += (out.empty() ? "" : ", then ") + l;
    return out;
}

// A path normalized, /var/run spelled /run (as in every FHS image);
// nullopt where it does not normalize.
std::optional<std::string> as_run(const std::string& p) {
    auto n = path::normalize(p);
    if (n && path::is_within(*n, "/var/run")) *n = "/run" + n->substr(8);
    return n;
}

class Rewriter {
  public:
    Rewriter(const Policy& policy, const oci::Spec& spec, const gpu::Detection& det,
             const PathProbe& probe, const HostView* host)
        : policy_(policy), spec_(spec), det_(det), probe_(probe), host_(host) {
        // Each destination and device path normalized and looked up once:
        // every rule is compared with all of them.
        const PathProbe cached = [this](const std::string& p) { return look(p); };
        landings_ = mounts::land_mounts(spec_.mounts, cached, host_ && host_->mounts_made,
                                        host_ ? &host_->bind_sources : nullptr,
                                        host_ && host_->host_ipc_namespace.has_value());
        dests_.reserve(spec_.mounts.size());
        for (const auto& m : spec_.mounts) dests_.push_back(as_run(m.destination));
        for (const auto& dev : spec_.devices)
            if (auto d = path::normalize(dev.path)) device_paths_.push_back(std::move(*d));
    }

    Result<EffectivePolicy> run() {
        if (auto r = add_policy(); !r) return unexpected(r.error());
        if (policy_.filesystem.baseline) add_baseline();
        if (policy_.filesystem.include_workdir) add_workdir();
        if (det_.gpu) add_gpu();

        if (!rejections_.empty()) {
            std::string msg = "policy rewrite refused: ";
            for (size_t i = 0; i < rejections_.size(); ++i) {
                if (i) msg += "; ";
                msg += rejections_[i];
            }
            return fail(std::move(msg));
        }
        EffectivePolicy eff;
        eff.source = policy_;
        eff.path_failures = std::move(failures_);
        bind_to_objects(eff);
        judge_mounts(eff);
        judge_read_only_binds(eff);
        judge_socket_binds(eff);
        judge_kernel_mounts(eff);
        note_ungranted_devices(eff);
        eff.seccomp_relaxations = std::move(relaxations_);
        eff.changes = std::move(changes_);
        eff.gpu = det_;
        return eff;
    }

  private:
    const Policy& policy_;
    const oci::Spec& spec_;
    const gpu::Detection& det_;
    const PathProbe& probe_;
    const HostView* host_;  // nullptr: no host to look at
    std::map<std::string, Entry> entries_;  // sorted by path
    std::map<std::string, Listed> listed_;  // what the policy itself names
    std::vector<Change> changes_;
    std::vector<std::string> rejections_;
    std::vector<PathFailure> failures_;  // rules not made, decided by landlock_path
    std::vector<std::pair<std::string, std::string>> relaxations_;
    mutable std::map<std::string, std::optional<rootfs::PathFact>> facts_;
    // spec_.mounts by index: the destination as rules name it (normalized,
    // /var/run as /run; nullopt where it does not normalize), and where the
    // runtime mounts it.
    std::vector<std::optional<std::string>> dests_;
    std::vector<rootfs::Landing> landings_;
    std::vector<std::string> device_paths_;  // spec_.devices' paths, normalized

    void note(std::string path, std::string reason) {
        changes_.push_back({ChangeAction::note, std::move(path), 0, 0, std::move(reason)});
    }

    void merge(const std::string& p, AccessMask access, const std::string& origin,
               bool gpu_device) {
        Entry& e = entries_[p];
        e.access |= access;
        if (std::find(e.origins.begin(), e.origins.end(), origin) == e.origins.end())
            e.origins.push_back(origin);
        e.gpu_device = e.gpu_device || gpu_device;
    }

    Result<void> list(std::string_view raw, AccessMask access, const std::string& where,
                      const std::string& origin) {
        auto p = path::normalize(raw);
        if (!p) return fail(where + ": " + quoted(raw) + " is not an absolute path without \"..\"");
        auto [it, fresh] = listed_.try_emplace(*p, Listed{0, where});
        it->second.access |= access;
        (void)fresh;
        // A listed path the image does not have grants nothing: without a rule
        // Landlock denies it, which is the safe direction, so it is logged and
        // left out rather than failing every image that lacks, say, /lib64.
        // Paths the runtime creates (devices, mount points) count as present.
        if (!is_default_device(*p) && !spec_device(*p) && !mount_at_or_below(*p)) {
            if (auto f = look(*p); f && f->kind == NodeKind::missing) {
                changes_.push_back({ChangeAction::skipped, *p, 0, 0,
                                    origin + ": not in the container's rootfs; nothing to "
                                             "grant (access to it stays denied)"});
                return {};
            }
        }
        merge(*p, access, origin, false);
        return {};
    }

    // Whether linux.devices declares `p` (the runtime creates it at start).
    bool spec_device(const std::string& p) const {
        return std::find(device_paths_.begin(), device_paths_.end(), p) != device_paths_.end();
    }

    Result<void> add_policy() {
        const auto& fs = policy_.filesystem;
        for (const auto& p : fs.read_only)
            if (auto r = list(p, kReadOnly, "filesystem.read_only", "policy read_only"); !r)
                return r;
        for (const auto& p : fs.read_write)
            if (auto r = list(p, kReadWrite, "filesystem.read_write", "policy read_write"); !r)
                return r;
        for (size_t i = 0; i < fs.rules.size(); ++i) {
            std::string where = "filesystem.rules[" + std::to_string(i) + "]";
            if (auto r = list(fs.rules[i].path, fs.rules[i].access, where,
                              "policy rules[" + std::to_string(i) + "]");
                !r)
                return r;
        }
        return {};
    }

    // What `p` resolves to in the container: present (with its kind),
    // missing, or unknown (no probe answer). Asked once per path.
    const std::optional<rootfs::PathFact>& look(const std::string& p) const {
        auto it = facts_.find(p);
        if (it == facts_.end())
            it = facts_.emplace(p, probe_ ? probe_(p) : std::nullopt).first;
        return it->second;
    }

    // The rights rules that name their object directly (no symlink on the
    // way, or nothing known) give `target`, Landlock-style: a rule on a
    // directory covers everything beneath it.
    AccessMask granted_by_own_path(const std::string& target) const {
        AccessMask m = 0;
        for (const auto& [p, e] : entries_) {
            const auto& f = look(p);
            if (f && f->through_link()) continue;
            const std::string& anchor = f ? f->resolved : p;
            if (path::is_within(target, anchor)) m |= e.access;
        }
        return m;
    }

    // Turns the entries (keyed by the path as written) into rules on the
    // objects those paths resolve to.
    void bind_to_objects(EffectivePolicy& eff) {
        std::map<std::string, EffectiveRule> out;
        auto put = [&](const std::string& path, AccessMask access, const std::string& origin,
                       bool gpu, const std::optional<rootfs::ObjectId>& id) {
            auto [it, fresh] = out.try_emplace(path, EffectiveRule{path, 0, "", false, id});
            EffectiveRule& r = it->second;
            r.access |= access;
            r.origin += (r.origin.empty() ? "" : " + ") + origin;
            r.gpu_device = r.gpu_device || gpu;
            if (!r.id) r.id = id;
        };
        for (const auto& [p, e] : entries_) {
            const std::string origin = join_origins(e.origins);
            const auto& f = look(p);
            if (!f) {  // nothing known: the enforcer opens the path refusing symlinks
                put(p, e.access, origin, e.gpu_device, std::nullopt);
                continue;
            }
            if (e.gpu_device && f->kind != NodeKind::char_device && f->kind != NodeKind::missing) {
                // Accelerator rights go to character devices only: a
                // directory or file at a device path gets none of them.
                std::string msg = origin + ": " + p + " is " + rootfs::kind_phrase(f->kind) +
                                  " in the container, not a character device; accelerator "
                                  "rights go to device nodes only";
                changes_.push_back({ChangeAction::rejected, p, 0, e.access, msg});
                eff.path_failures.push_back({p, std::move(msg), denied_lost(p)});
                continue;
            }
            if (!f->through_link()) {
                put(f->resolved, e.access, origin, e.gpu_device, f->id);
                continue;
            }
            const bool file = is_file_kind(f->kind);
            AccessMask want = e.access | (e.gpu_device ? bit(Access::ioctl_dev) : 0);
            if (file) want &= kFileRights;
            AccessMask have = granted_by_own_path(f->resolved);
            AccessMask missing = want & ~have;
            const std::string via = join_links(f->links);
            if (missing == 0) {
                changes_.push_back({ChangeAction::note, p, e.access, e.access,
                                    origin + ": " + p + " resolves through the image's symlink " +
                                        via + " to " + f->resolved +
                                        ", which the policy already grants " +
                                        describe(want) + " by its own path"});
                continue;
            }
            std::string msg = origin + " rule on " + p + " (" + describe(e.access) +
                              "): the path goes through the image's symlink " + via + " to " +
                              f->resolved + ", which the policy does not grant " +
                              describe(missing) +
                              " by its own path; a symlink never carries a right. Fix: list " +
                              quoted(f->resolved) +
                              " in the policy with the rights it should have, or remove the rule";
            changes_.push_back({ChangeAction::rejected, p, 0, e.access, msg});
            eff.path_failures.push_back({p, std::move(msg), denied_lost(p)});
        }
        for (auto& [p, r] : out) eff.rules.push_back(std::move(r));
    }

    // What warn gives up when a rule on `p` is dropped.
    static std::string denied_lost(const std::string& p) {
        return "the Landlock rule on " + p + " (that path stays denied)";
    }

    // The rights the rules give `p` by spelling (rules on it or above it,
    // as listed, before any symlink is followed).
    AccessMask spelled_rights(const std::string& p) const {
        AccessMask m = 0;
        for (const auto& [ep, e] : entries_)
            if (path::is_within(p, ep)) m |= e.access;
        return m;
    }

    // mounts[i]'s destination as the runtime cleans it, before it follows
    // the image's symlinks (rootfs::land).
    const std::string& mount_path(size_t i) const { return landings_[i].spelled; }

    // Where mounts[i] lands: through the image's symlinks, else as spelled.
    const std::string& landing(size_t i) const { return landings_[i].at(); }

    // Where mounts[i] is judged by what the rules give there: where it
    // landed; with no rootfs to look at, its destination as rules name it.
    // nullopt when a rootfs was looked at and the landing cannot be told
    // (judge_mounts's failure).
    std::optional<std::string> judged_at(size_t i) const {
        const auto& l = landings_[i];
        if (l.resolved) return l.resolved;
        if (look("/").has_value()) return std::nullopt;
        return dests_[i] ? dests_[i] : l.spelled;
    }

    // What the effective rules give `at`: the rules at or above it.
    static AccessMask rights_at(const EffectivePolicy& eff, const std::string& at) {
        AccessMask there = 0;
        for (const auto& r : eff.rules)
            if (path::is_within(at, r.path)) there |= r.access;
        return there;
    }

    // A mount is judged where it lands. Through the image's symlinks a
    // volume can land beneath rules (the baseline's /tmp, the workdir) that
    // give it more than its destination gets by spelling, a read-only or
    // unlisted one becoming writable: a symlink never carries a right onto
    // a mount either. A tmpfs holds nobody's data and is left alone.
    void judge_mounts(EffectivePolicy& eff) {
        if (!look("/")) return;  // no rootfs to look at (explain --config)
        for (size_t i = 0; i < spec_.mounts.size(); ++i) {
            const auto& m = spec_.mounts[i];
            if (m.is_fresh_tmpfs()) continue;
            const std::string& d = mount_path(i);
            const std::string where = "mounts[" + std::to_string(i) + "] (" + d + ")";
            auto unjudged = [&](std::string msg) {
                changes_.push_back({ChangeAction::rejected, d, 0, 0, msg});
                eff.path_failures.push_back(
                    {d, std::move(msg), "the limit on " + where + ", which lands unjudged"});
            };
            const auto& f = look(d);
            if (!f) {
                // The runtimes follow more links than our resolver (runc's
                // securejoin 255): where it gives up, the mount may land anywhere.
                unjudged(where + ": where its destination leads in the image cannot be told (too "
                                 "many symlinks or lookups, unreadable, or a link through a "
                                 "missing directory and back out with \"..\", where runc and "
                                 "crun part), so neither can the "
                                 "rights it would get there. Fix: mount it at a destination the "
                                 "image has no symlink on (or fix the image)");
                continue;
            }
            // A later mount at or above where it is spelled or lands hides
            // the path it was mounted through; in the running container, what
            // is mounted where it leads not being it says the same
            // (mounts::land_mounts).
            if (const auto& l = landings_[i]; !l.resolved && l.hidden_by) {
                unjudged(where + " lies beneath the later mounts[" + std::to_string(*l.hidden_by) +
                         "] (" + mount_path(*l.hidden_by) +
                         "), which hides the path it was mounted through, so where it landed "
                         "cannot be told. Fix: list mounts parents first");
                continue;
            } else if (l.runtime_link) {
                unjudged(where + ": its path goes through " + *l.runtime_link +
                         ", a link the runtime makes after the spec's mounts in place of "
                         "whatever the image had there, so where it landed cannot be told. "
                         "Fix: mount it at a destination that does not go through /dev/ptmx");
                continue;
            } else if (!l.resolved) {
                unjudged(where + ": in the running container what is mounted where its "
                                 "destination leads (" + f->resolved +
                                 ") is not it (nothing, or another mount): a mount made later "
                                 "changed the path the runtime mounted it through, so where it "
                                 "landed cannot be told. Fix: list mounts parents first, at "
                                 "destinations the image has no symlink on");
                continue;
            }
            if (!f->through_link()) continue;
            const std::string& at = f->resolved;
            auto spelled_at = [&](const std::string& p) {
                AccessMask got = spelled_rights(p);
                if (dests_[i]) got |= spelled_rights(*dests_[i] + p.substr(d.size()));
                return got;
            };
            // Rules at or above where it landed cover it; rules beneath reach
            // into it (/data -> /dev: the volume holds what /dev/null names).
            AccessMask there = 0, extra = 0;
            const AccessMask spelled = spelled_at(d);
            for (const auto& r : eff.rules) {
                if (path::is_within(at, r.path)) {
                    there |= r.access;
                    extra |= r.access & ~spelled;
                } else if (path::is_within(r.path, at)) {
                    const std::string under = d + (at == "/" ? r.path : r.path.substr(at.size()));
                    there |= r.access;
                    extra |= r.access & ~spelled_at(under);
                }
            }
            if (is_file_kind(f->kind)) extra &= kFileRights;
            if (extra == 0) continue;
            std::string msg = where + ": its destination goes through the image's symlink " +
                              join_links(f->links) + ", so the mount lands at " + f->resolved +
                              ", where the rules give it (or paths in it) " + describe(extra) +
                              " beyond what " + d + " gets by its own path (" +
                              (spelled ? describe(spelled) : "nothing") +
                              "); a symlink never carries a right. Fix: mount it at a destination "
                              "the image has no symlink on (or remove the image's symlink)";
            changes_.push_back({ChangeAction::rejected, d, spelled, there, msg});
            eff.path_failures.push_back(
                {d, std::move(msg),
                 "the limit on " + where + ": mounted at " + f->resolved + " with " +
                     describe(there)});
        }
    }

    // A read-only bind is read-only at its top only: the host's mounts
    // beneath its source come along (rbind) as they are, read-write. A
    // write rule at, above or within it would reach them (`-v /:/tmp/host:ro`
    // under the baseline's /tmp opened the host's core_pattern).
    void judge_read_only_binds(EffectivePolicy& eff) {
        if (!host_) return;
        constexpr AccessMask kWrites = kReadWrite & ~kReadOnly;
        for (const auto& [i, beneath] : host_->ro_binds_carrying) {
            if (i >= spec_.mounts.size()) continue;
            const std::string& at = landing(i);
            for (const auto& r : eff.rules) {
                if (!(r.access & kWrites) || !overlaps(r.path, at)) continue;
                const std::string where = "mounts[" + std::to_string(i) + "] (" + at + ")";
                std::string msg = where + " is a read-only bind of " + spec_.mounts[i].source +
                                  ", beneath which the host has mounts of its own (" + beneath +
                                  ") that its read-only flag does not reach, and the " + r.origin +
                                  " rule on " + r.path + " (" + describe(r.access & kWrites) +
                                  ") would. Fix: mount it with \"rro\" (recursively read-only), "
                                  "or where no write rule covers it";
                changes_.push_back({ChangeAction::rejected, at, 0, r.access, msg});
                eff.path_failures.push_back(
                    {at, std::move(msg),
                     "the read-only limit on the host's mounts beneath " + where + ", which the " +
                         r.origin + " rule on " + r.path + " writes"});
                break;
            }
        }
    }

    // Landlock (ABI 7 and before) does not govern connect(2): a host
    // socket bound into the container (docker.sock) is the workload's to
    // use whatever the rules say. So one the rules do not let it write
    // (where it lands) is a path failure, never a silent grant. A mount whose
    // landing cannot be told is judge_mounts's.
    void judge_socket_binds(EffectivePolicy& eff) {
        if (!host_) return;
        for (size_t i : host_->socket_binds) {
            if (i >= spec_.mounts.size()) continue;
            const auto found = judged_at(i);
            if (!found) continue;
            const std::string& at = *found;
            const AccessMask there = rights_at(eff, at);
            if (there & bit(Access::write_file)) continue;
            const std::string where = "mounts[" + std::to_string(i) + "] (" + at + ")";
            std::string msg = where + " binds the host's socket " + spec_.mounts[i].source +
                              ", which the rules do not let the workload write (" +
                              (there ? describe(there) : "nothing") +
                              "), yet it can connect to it: Landlock does not govern connect. "
                              "Fix: grant it write_file (filesystem.read_write, or a rule) if the "
                              "workload may use it, or do not mount it";
            changes_.push_back({ChangeAction::rejected, at, 0, there, msg});
            eff.path_failures.push_back(
                {at, std::move(msg), "the denial of the host's socket at " + where});
        }
    }

    // A kernel filesystem shows what the kernel holds, not what anyone put
    // there: proc the host's sysctls (and with the host's pid namespace its
    // processes), sysfs and cgroup the host's settings, mqueue in the host's
    // IPC namespace the host's queues. Where the runtime puts them (/proc,
    // /sys, /sys/fs/cgroup, /dev/mqueue) the spec edit's read-only paths and
    // the baseline keep their writes out; one the spec mounts elsewhere
    // (under /tmp) would take a write rule's rights there. So one where a
    // rule lets the workload create, remove or write files is a path failure.
    void judge_kernel_mounts(EffectivePolicy& eff) {
        constexpr AccessMask kChange = bit(Access::write_file) | bit(Access::truncate) |
                                       bit(Access::make_reg) | bit(Access::remove_file);
        const bool host_ipc = host_ && host_->host_ipc_namespace.has_value();
        for (size_t i = 0; i < spec_.mounts.size(); ++i) {
            const auto& mt = spec_.mounts[i];
            if (mt.is_bind()) continue;
            const auto found = judged_at(i);
            if (!found) continue;
            const std::string& at = *found;
            std::string what;
            if (mt.type == "mqueue" && host_ipc)
                what = "the message queues of the host's IPC namespace, which the container shares";
            else if (mt.type == "proc" && at != "/proc")
                what = "a proc filesystem (the host's sysctls) away from /proc";
            else if (mt.type == "sysfs" && at != "/sys")
                what = "a sysfs (the host's settings) away from /sys";
            else if ((mt.type == "cgroup" || mt.type == "cgroup2") &&
                     !path::is_within(at, "/sys/fs/cgroup"))
                what = "a cgroup filesystem away from /sys/fs/cgroup";
            else
                continue;
            const AccessMask there = rights_at(eff, at);
            if (!(there & kChange)) continue;
            const std::string where = "mounts[" + std::to_string(i) + "] (" + at + ")";
            std::string msg = where + " mounts " + what +
                              " where the rules let the workload change files (" +
                              describe(there & kChange) +
                              "). Fix: mount it where no write rule reaches (or not at all)";
            changes_.push_back({ChangeAction::rejected, at, 0, there, msg});
            eff.path_failures.push_back({at, std::move(msg), "the kernel's files at " + where});
        }
    }

    // A device the spec passes (--device) that no rule lets the workload
    // open: said in the change log, since the open's EACCES says nothing of
    // why.
    void note_ungranted_devices(EffectivePolicy& eff) {
        constexpr AccessMask kOpen = bit(Access::read_file) | bit(Access::write_file);
        for (size_t i = 0; i < spec_.devices.size(); ++i) {
            const auto p = path::normalize(spec_.devices[i].path);
            if (!p) continue;
            const bool granted = std::any_of(eff.rules.begin(), eff.rules.end(), [&](const auto& r) {
                return path::is_within(*p, r.path) && (r.access & kOpen);
            });
            if (granted) continue;
            const auto& d = spec_.devices[i];
            note(*p, "linux.devices[" + std::to_string(i) + "] (" + d.type + " " +
                         std::to_string(d.major) + ":" + std::to_string(d.minor) +
                         "): no rule lets the workload open it (EACCES). List it in the policy "
                         "(read_write, or a rule with ioctl_dev for device ioctls) if it should");
        }
    }

    // The first mount that puts something at or beneath `p` ("mounts[4]"):
    // the runtime creates the path. /var/run is /run in every FHS image.
    std::optional<std::string> mount_at_or_below(const std::string& p) const {
        for (size_t i = 0; i < landings_.size(); ++i)
            if (dests_[i] && path::is_within(*dests_[i], p))
                return "mounts[" + std::to_string(i) + "]";
        return std::nullopt;
    }

    // Adds a non-GPU convenience path (baseline, workdir) unless the policy
    // names the path itself.
    void add_convenience(const std::string& p, AccessMask access, const std::string& origin,
                         const std::string& why, bool create_if_missing) {
        if (auto l = listed_.find(p); l != listed_.end()) {
            if (access & ~l->second.access)
                note(p, origin + " would grant " + describe(access & ~l->second.access) +
                            "; the policy lists it in " + l->second.where + ", which is kept");
            return;
        }
        std::string reason = origin + ": " + why;
        std::optional<NodeKind> kind;
        if (const auto& f = look(p); f && f->kind != NodeKind::missing) {
            kind = f->kind;
        } else if (is_default_device(p)) {
            // Present at hook time; in a bundle on disk /dev is still empty.
            kind = NodeKind::char_device;
            reason += " (a runtime-spec default device: the runtime creates it)";
        } else if (auto m = mount_at_or_below(p)) {
            // Present once mounted; what is mounted (file or tree) is not
            // known here, and the enforcer drops directory rights on a file.
            kind = NodeKind::other;
            reason += " (mounted by " + *m + ")";
        } else if (f) {
            kind = NodeKind::missing;
        }
        if (!kind) {
            reason += " (not checked: no rootfs to look at; assumed present)";
        } else if (*kind == NodeKind::missing) {
            if (!create_if_missing) {
                changes_.push_back(
                    {ChangeAction::skipped, p, 0, 0, origin + ": not in the container's rootfs"});
                return;
            }
            reason += " (not in the rootfs yet: the runtime creates it)";
        } else if (is_file_kind(*kind)) {
            access &= kFileRights;
        }
        if (const auto& f = look(p); f && f->through_link())
            reason += " (through the image's symlink " + join_links(f->links) + ")";
        AccessMask before = entries_.count(p) ? entries_[p].access : 0;
        if ((access & ~before) == 0) return;
        changes_.push_back({before ? ChangeAction::promoted : ChangeAction::added, p, before,
                            before | access, std::move(reason)});
        merge(p, access, origin, false);
    }

    void add_baseline() {
        for (const auto& b : kBaseline) {
            // Terminal rights for the runtime's devpts (/dev/ptmx is its
            // link to pts/ptmx), not for whatever the image keeps at
            // /dev/pts: its own nodes would open, and take device ioctls,
            // for any device the cgroup allows.
            if ((b.path == "/dev/pts" || b.path == "/dev/ptmx") && !devpts_at_dev_pts()) {
                changes_.push_back({ChangeAction::skipped, std::string(b.path), 0, 0,
                                    "baseline: no devpts mount lands at /dev/pts, so it holds "
                                    "the image's files, not the runtime's pseudo-terminals"});
                continue;
            }
            if (b.major != 0 && !standard_device_at(b)) continue;
            if (b.path == "/dev/shm" && host_shm_bound()) continue;
            add_convenience(std::string(b.path), b.access, "baseline", std::string(b.why), false);
        }
        add_engine_init();
    }

    // The spec's mount on top at `p` (mounts::on_top_at), when one landed
    // exactly there (with no rootfs to look at: is spelled there).
    std::optional<size_t> mount_landed_at(const std::string& p) const {
        const bool probed = look("/").has_value();
        const auto i = mounts::on_top_at(landings_, p, probed);
        if (!i || (probed && !landings_[*i].resolved) || landing(*i) != p) return std::nullopt;
        return i;
    }

    // A standard device's rights go to that device: an image's own node at
    // its path (kept by the runtimes when the spec mounts nothing at /dev)
    // may be any device the cgroup allows. Judged where the container sees
    // the image's node: in the running container, or where no mount of the
    // spec covers the path. False (and the skip logged) when it is another.
    bool standard_device_at(const BaselineEntry& b) {
        const std::string p(b.path);
        const auto& f = look(p);
        if (!f || f->kind == NodeKind::missing) return true;  // the runtime makes it
        const bool live = host_ && host_->mounts_made;
        if (!live && mounts::on_top_at(landings_, p, true))
            return true;  // the image's node is hidden
        if (f->kind == NodeKind::char_device && f->major == b.major && f->minor == b.minor)
            return true;
        changes_.push_back(
            {ChangeAction::skipped, p, 0, 0,
             "baseline: " + p + " is " +
                 (f->kind == NodeKind::char_device
                      ? "char " + std::to_string(f->major) + ":" + std::to_string(f->minor)
                      : std::string(rootfs::kind_phrase(f->kind))) +
                 " in the container, not the standard device (char " + std::to_string(b.major) +
                 ":" + std::to_string(b.minor) +
                 "): the image's own node, which would open whatever device it names"});
        return false;
    }

    // A bind of the host's own /dev/shm (or /dev) spelled or landed at or
    // above /dev/shm: the baseline's shared memory is the container's, never
    // the host's (Docker's --ipc=host; the policy may list it). One an image
    // link moved elsewhere then gets no /dev/shm rights to carry there
    // (judge_mounts). True, and the skip logged, when there is one.
    bool host_shm_bound() {
        if (!host_) return false;
        for (size_t i : host_->host_shm_binds) {
            if (i >= landings_.size()) continue;
            const auto& d = dests_[i];
            if (!(d && path::is_within("/dev/shm", *d)) && !path::is_within("/dev/shm", landing(i)))
                continue;
            changes_.push_back({ChangeAction::skipped, "/dev/shm", 0, 0,
                                "baseline: mounts[" + std::to_string(i) + "] binds the host's " +
                                    spec_.mounts[i].source +
                                    " there: its shared memory is the host's (and every "
                                    "container's in the host's IPC namespace), not the "
                                    "container's own. List /dev/shm in the policy to share it"});
            return true;
        }
        return false;
    }

    // The mount on top at /dev/pts is a devpts landed there.
    bool devpts_at_dev_pts() const {
        const auto i = mount_landed_at("/dev/pts");
        return i && spec_.mounts[*i].type == "devpts" && !spec_.mounts[*i].is_bind();
    }

    // The engine's init: `podman run --init` binds its init (catatonit,
    // tini) from the host at /run/podman-init and makes it the container's
    // program, where no rule of the baseline reaches. The program, when a
    // bind of the spec is on top exactly where it is, may be read and run:
    // that one file, nothing beside it.
    void add_engine_init() {
        if (spec_.args.empty()) return;
        const auto prog = path::normalize(spec_.args[0]);
        if (!prog || *prog == "/") return;
        const auto i = mount_landed_at(*prog);
        if (!i || !spec_.mounts[*i].is_bind()) return;
        if (const auto& f = look(*prog);
            f && f->kind != NodeKind::regular && f->kind != NodeKind::missing) {
            changes_.push_back({ChangeAction::skipped, *prog, 0, 0,
                                "baseline: the program (process.args[0]) is mounts[" +
                                    std::to_string(*i) + "], but " + rootfs::kind_phrase(f->kind) +
                                    ", not a file"});
            return;
        }
        const std::string from =
            "mounts[" + std::to_string(*i) + "] from " + spec_.mounts[*i].source;
        const std::string why =
            "the program (process.args[0]), a file the engine binds from the host (" + from +
            ": podman's --init)";
        add_convenience(*prog, bit(Access::read_file) | bit(Access::execute), "baseline", why,
                        false);
    }

    void add_workdir() {
        if (spec_.cwd.empty()) return;
        auto cwd = path::normalize(spec_.cwd);
        if (!cwd) {
            changes_.push_back({ChangeAction::skipped, spec_.cwd, 0, 0,
                                "workdir: process.cwd is not an absolute path without \"..\""});
            return;
        }
        // Judged by what it resolves to, never by its spelling.
        std::string target = *cwd;
        std::string via;
        if (const auto& f = look(*cwd); f && f->through_link()) {
            target = f->resolved;
            via = " (process.cwd " + *cwd + " resolves to " + target +
                  " through the image's symlink " + join_links(f->links) + ")";
        }
        if (workdir_refused(target)) {
            changes_.push_back({ChangeAction::skipped, *cwd, 0, 0,
                                "workdir: " + target + via +
                                    " is, contains or lies within a system directory; "
                                    "read-write there would undo the sandbox (list a "
                                    "path outside the system trees yourself)"});
            return;
        }
        for (const auto& [lp, l] : listed_) {
            const auto& lf = look(lp);
            const std::string& anchor = lf && !lf->through_link() ? lf->resolved : lp;
            // Within a path listed without write, or above one: a rule on
            // the workdir would cover it (Landlock rights reach beneath).
            if (l.access & bit(Access::write_file)) continue;
            if (overlaps(target, anchor)) {
                const bool within = path::is_within(target, anchor);
                changes_.push_back({ChangeAction::skipped, *cwd, 0, 0,
                                    "workdir: " + target + via +
                                        (within ? " is within " : " contains ") + anchor +
                                        ", which the policy lists in " + l.where + " (" +
                                        describe(l.access) +
                                        "); the workdir rule never widens it"});
                return;
            }
        }
        // Above a mount, unless the workdir is a mount itself (a tree the
        // engine's user built): a rule on the image's directory would cover
        // the volume, which the policy does not list (Landlock rights reach
        // beneath mount points too).
        bool at_mount = false;
        std::optional<size_t> below;
        const bool rootfs = look("/").has_value();
        for (size_t i = 0; i < spec_.mounts.size(); ++i) {
            if (spec_.mounts[i].is_fresh_tmpfs()) continue;
            const std::string& land = landing(i);
            // A landing the resolver could not find may be anywhere beneath.
            const bool unknown = rootfs && !landings_[i].resolved;
            if (land == target && !unknown) at_mount = true;
            else if ((unknown || (!land.empty() && path::is_within(land, target))) && !below) below = i;
        }
        if (below && !at_mount) {
            changes_.push_back({ChangeAction::skipped, *cwd, 0, 0,
                                "workdir: " + target + via + " contains mounts[" +
                                    std::to_string(*below) + "] (" + landing(*below) +
                                    "); a rule on it would open that mount, which the policy "
                                    "does not list"});
            return;
        }
        // At, within or above a read-only bind: its flag does not reach the
        // host's mounts beneath its source (`-v /:/host:ro` brings the
        // host's /proc and /dev/shm read-write), and a write rule would.
        for (size_t i = 0; i < spec_.mounts.size(); ++i) {
            const auto& m = spec_.mounts[i];
            if (!m.is_bind() || !m.is_read_only()) continue;
            const bool unknown = rootfs && !landings_[i].resolved;
            if (!unknown && !overlaps(target, landing(i))) continue;
            changes_.push_back({ChangeAction::skipped, *cwd, 0, 0,
                                "workdir: " + target + via + " is on or above mounts[" +
                                    std::to_string(i) + "] (" + landing(i) + "), a read-only bind of " +
                                    m.source +
                                    ": its read-only flag does not reach the host's mounts beneath "
                                    "it, and a write rule on the workdir would"});
            return;
        }
        add_convenience(target, kReadWrite, "workdir",
                        "process.cwd, where the workload starts and writes its files "
                        "(filesystem.include_workdir)" + via,
                        true);
    }

    // Grants a GPU need. Widening a path the policy lists itself is a
    // promotion, decided by gpu.promotion.
    void grant_gpu(const std::string& p, AccessMask want, const std::string& origin,
                   const std::string& reason, bool gpu_device) {
        AccessMask before = entries_.count(p) ? entries_[p].access : 0;
        AccessMask widen = want & ~before;
        if (widen == 0) {
            if (gpu_device) entries_[p].gpu_device = true;
            return;
        }
        auto l = listed_.find(p);
        if (l == listed_.end()) {
            changes_.push_back({before ? ChangeAction::promoted : ChangeAction::added, p, before,
                                before | want, reason});
            merge(p, want, origin, gpu_device);
            return;
        }
        const auto& gp = policy_.gpu;
        std::string listed_as = "the policy lists " + p + " in " + l->second.where + " (" +
                                describe(l->second.access) + ")";
        std::string fix2;
        if (l->second.where == "filesystem.read_only")
            fix2 = "move " + quoted(p) +
                   " from filesystem.read_only to filesystem.read_write "
                   "(or remove it from filesystem.read_only)";
        else if (l->second.where == "filesystem.read_write")
            fix2 = "add a filesystem.rules entry for " + quoted(p) + " with " + describe(want);
        else
            fix2 = "add " + describe(widen) + " to " + l->second.where +
                   ".access (or remove the rule)";

        std::string why;
        bool allowed = false;
        switch (gp.promotion) {
            case PromotionMode::promote_all:
                allowed = true;
                why = "gpu.promotion.mode=promote_all";
                break;
            case PromotionMode::reject_all:
                why = "gpu.promotion.mode=reject_all refuses every promotion";
                fix2 = "set gpu.promotion.mode to reject_unlisted and add " + quoted(p) +
                       " to gpu.promotion.allow, or " + fix2;
                break;
            case PromotionMode::reject_unlisted:
                for (const auto& g : gp.allow) {
                    std::string pat = path::normalize(g).value_or(g);
                    if (pat == p || path::glob_match(pat, p)) {
                        allowed = true;
                        why = "allowed by gpu.promotion.allow " + quoted(g);
                        break;
                    }
                }
                if (!allowed)
                    why =
                        "gpu.promotion.mode=reject_unlisted and no gpu.promotion.allow entry "
                        "matches";
                break;
        }
        if (allowed) {
            changes_.push_back({ChangeAction::promoted, p, before, before | want,
                                reason + "; " + listed_as + "; " + why});
            merge(p, want, origin, gpu_device);
            return;
        }
        changes_.push_back({ChangeAction::rejected, p, before, before | want,
                            reason + "; " + listed_as + "; " + why});
        std::string msg = origin + " needs " + describe(widen) + " on " + p + ", but " + listed_as +
                          " and " + why + ". Fix: ";
        if (gp.promotion == PromotionMode::reject_unlisted)
            msg += "add " + quoted(p) + " to gpu.promotion.allow, or " + fix2;
        else
            msg += fix2;
        rejections_.push_back(std::move(msg));
    }

    std::string origin_of_node(const std::string& node, std::string& vendor) const {
        for (const auto& e : det_.evidence)
            if (e.device_path == node) {
                vendor = e.vendor;
                return e.origin;
            }
        auto m = gpu::match_device_path(node);
        vendor = m.vendor ? std::string(m.vendor->id) : "";
        return "the detection";
    }

    void add_gpu() {
        std::vector<const gpu::VendorProfile*> vendors;
        for (const auto& id : det_.vendors)
            if (const auto* v = gpu::find_vendor(id)) vendors.push_back(v);
        if (vendors.empty()) vendors.push_back(gpu::find_vendor("nvidia"));

        // Device nodes: declared by the spec (the runtime creates them) or seen
        // in the live /dev; never probed in the rootfs on disk.
        for (const auto& node : det_.device_nodes) {
            std::string vendor;
            std::string from = origin_of_node(node, vendor);
            if (vendor.empty()) vendor = "gpu";
            grant_gpu(node, kGpuNode, "gpu " + vendor,
                      "gpu " + vendor + ": device node from " + from, true);
        }
        if (det_.device_nodes.empty())
            note("", "gpu: no device node named yet (" + det_.reason +
                         "); nodes that appear in the container's live /dev (a legacy prestart "
                         "hook, CDI at create time) are added by the hook then");

        for (const auto* v : vendors) {
            const std::string origin = "gpu " + std::string(v->id);
            for (auto c : v->read_only_companions) {
                std::string p(c);
                std::string reason =
                    origin + ": read-only companion of the " + std::string(v->name) + " driver";
                if (auto m = mount_at_or_below(p)) {
                    grant_gpu(p, kReadOnly, origin, reason + " (mounted by " + *m + ")", false);
                    continue;
                }
                const auto& f = look(p);
                if (!f) {
                    grant_gpu(p, kReadOnly, origin,
                              reason + " (not checked: no rootfs to look at; assumed present)",
                              false);
                } else if (f->kind == NodeKind::missing) {
                    changes_.push_back({ChangeAction::skipped, p, 0, 0,
                                        reason + ": not in the container's rootfs"});
                } else {
                    grant_gpu(p, is_file_kind(f->kind) ? kReadOnly & kFileRights : kReadOnly,
                              origin, reason, false);
                }
            }
            // Landlock cannot keep a connect from a bound socket; this grant
            // is the policy saying the workload may use it (judge_socket_binds):
            // the host's own daemon socket at its own path, no other socket
            // bound there, granted where the bind landed.
            for (auto sock : v->sockets) {
                const std::string p(sock);
                if (!host_) break;
                for (size_t i : host_->socket_binds) {
                    if (i >= landings_.size() || dests_[i] != p ||
                        as_run(spec_.mounts[i].source) != p)
                        continue;
                    const auto& l = landings_[i];
                    grant_gpu(l.resolved ? *l.resolved : p,
                              bit(Access::read_file) | bit(Access::write_file), origin,
                              origin + ": the " + std::string(v->name) +
                                  " daemon's socket its library connects to (mounted by mounts[" +
                                  std::to_string(i) + "] from the host's " + p + ")",
                              false);
                    break;
                }
            }
        }

        const gpu::VendorProfile* proc_vendor = nullptr;
        for (const auto* v : vendors)
            if (v->needs_proc_write) {
                proc_vendor = v;
                break;
            }
        if (proc_vendor) add_proc(*proc_vendor);

        for (const auto* v : vendors) {
            for (const auto& [sc, why] : v->seccomp_allow) {
                if (policy_.seccomp.profile == seccomp::Profile::none) continue;
                std::string syscall(sc);
                bool dup = std::any_of(relaxations_.begin(), relaxations_.end(),
                                       [&](const auto& r) { return r.first == syscall; });
                if (dup) continue;
                const auto& deny = policy_.seccomp.deny;
                if (std::find(deny.begin(), deny.end(), syscall) != deny.end()) {
                    changes_.push_back({ChangeAction::skipped, "", 0, 0,
                                        "seccomp: gpu " + std::string(v->id) + " needs " + syscall +
                                            " (" + std::string(why) +
                                            "), but seccomp.deny lists it: kept denied; the "
                                            "GPU may not work"});
                    continue;
                }
                relaxations_.emplace_back(syscall, std::string(why));
                changes_.push_back({ChangeAction::added, "", 0, 0,
                                    "seccomp: allow " + syscall + " for gpu " + std::string(v->id) +
                                        ": " + std::string(why)});
            }
        }
    }

    // What puts something other than the container's own procfs at or
    // beneath /proc ("mounts[3] (/proc) puts a bind of /proc at /proc");
    // nullopt: the last mount there is a "proc" mount (or there is none: the
    // image's directory) and nothing but a tmpfs is mounted beneath it.
    std::optional<std::string> foreign_proc() const {
        std::optional<size_t> top;
        for (size_t i = 0; i < spec_.mounts.size(); ++i) {
            const std::string& at = landing(i);
            if (path::is_within("/proc", at)) top = i;
            else if (path::is_within(at, "/proc") && !spec_.mounts[i].is_fresh_tmpfs())
                return "mounts[" + std::to_string(i) + "] (" + at + ") is a " +
                       (spec_.mounts[i].is_bind() ? "bind of " + spec_.mounts[i].source
                                                  : spec_.mounts[i].type + " mount") +
                       " beneath /proc";
        }
        if (!top) return std::nullopt;  // the image's own directory
        const auto& m = spec_.mounts[*top];
        if (m.type == "proc" && !m.is_bind()) return std::nullopt;
        return "mounts[" + std::to_string(*top) + "] (" + landing(*top) + ") puts " +
               (m.is_bind() ? "a bind of " + m.source : "a " + m.type + " mount") + " at /proc";
    }

    // The container's pid namespace: "" for a new one, the path of one it
    // joins; nullopt without a "pid" entry (the host's).
    std::optional<std::string> pid_namespace() const {
        for (const auto& ns : spec_.namespaces)
            if (ns.type == "pid") return ns.path;
        return std::nullopt;
    }

    void add_proc(const gpu::VendorProfile& v) {
        const std::string origin = "gpu " + std::string(v.id);
        const std::string need = origin + ": " + std::string(v.name) +
                                 "'s library writes /proc/<pid>/task/<tid>/comm of its threads, "
                                 "opened with O_TRUNC (CUDA fails cuInit with error 304 when "
                                 "it cannot)";
        AccessMask have = entries_.count("/proc") ? entries_["/proc"].access : 0;
        // /proc shows the processes of the container's pid namespace: in
        // the host's (--pid=host: no "pid" entry, or the host's joined by
        // path) a write rule on it reaches the host's oom_score_adj,
        // coredump_filter... So does a bind of the host's /proc at or
        // beneath /proc, whatever the namespace.
        const auto pid_ns = pid_namespace();
        std::optional<std::string> outside;
        if (!pid_ns)
            outside = "linux.namespaces has no pid namespace, so the container shares the "
                      "host's and /proc shows the host's processes. Fix: run the container in a "
                      "pid namespace of its own (no --pid=host)";
        else if (host_ && host_->joins_host_pid_ns)
            outside = "linux.namespaces joins " + *pid_ns +
                      ", which is the host's pid namespace, and /proc shows the host's "
                      "processes. Fix: run the container in a pid namespace of its own";
        else if (auto foreign = foreign_proc())
            outside = *foreign + ", which may show the host's processes. Fix: let the runtime "
                                 "mount a fresh proc at /proc (no bind there or beneath)";
        if (policy_.gpu.proc_access != ProcAccess::none && outside) {
            std::string msg = origin + ": the /proc write its library needs would reach processes "
                              "outside the container: " + *outside +
                              ", or set gpu.proc_access to none";
            changes_.push_back({ChangeAction::rejected, "/proc", 0, 0, msg});
            failures_.push_back({"/proc", std::move(msg),
                                 "the /proc write for " + origin +
                                     "'s thread names (/proc stays as the policy has it; CUDA "
                                     "fails cuInit with error 304 where it cannot write)"});
            return;
        }
        if (policy_.gpu.proc_access != ProcAccess::none && !pid_ns->empty())
            note("/proc", origin + ": the container joins the pid namespace " + *pid_ns +
                              " (a pod's shared one, or another container's): the /proc write "
                              "reaches the processes there too");
        switch (policy_.gpu.proc_access) {
            case ProcAccess::read_write:
                grant_gpu("/proc", kReadWrite, origin, need + "; gpu.proc_access=read_write",
                          false);
                break;
            case ProcAccess::write_file:
                // CUDA opens comm with fopen "w" (O_TRUNC: Landlock's truncate
                // right); a truncate on procfs changes nothing.
                grant_gpu("/proc", bit(Access::write_file) | bit(Access::truncate), origin,
                          need + "; gpu.proc_access=write_file adds only write_file,truncate",
                          false);
                if (!(have & bit(Access::read_file)))
                    note("/proc", origin + ": the policy gives no read access to /proc; " +
                                      std::string(v.name) +
                                      "'s library also reads /proc (driver parameters, "
                                      "/proc/self): add \"/proc\" to filesystem.read_only");
                break;
            case ProcAccess::none:
                if (!(have & bit(Access::write_file)))
                    note("/proc", origin +
                                      ": gpu.proc_access=none leaves /proc as written; "
                                      "CUDA fails with error 304 at cuInit when /proc is "
                                      "read-only and a GPU is present");
                break;
        }
    }
};

}  // namespace

Result<EffectivePolicy> rewrite(const Policy& policy, const oci::Spec& spec,
                                const gpu::Detection& detection, const PathProbe& probe,
                                const HostView* host) {
    return Rewriter(policy, spec, detection, probe, host).run();
}

}  // namespace osh::policy
