// The rewrite's baseline (filesystem.baseline: true): what almost every
// program needs:
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
// And the workdir (filesystem.include_workdir), judged by the directory it
// resolves to.
#include "policy/rewriter.hpp"

namespace osh::policy::rewriting {

namespace {

constexpr AccessMask kFileRw = kReadWrite & kFileRights;
constexpr AccessMask kTty = (kReadWrite | bit(Access::ioctl_dev)) & kFileRights;

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

}  // namespace

void Rewriter::add_baseline() {
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
std::optional<size_t> Rewriter::mount_landed_at(const std::string& p) const {
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
bool Rewriter::standard_device_at(const BaselineEntry& b) {
    const std::string p(b.path);
    const auto& f = look(p);
    if (!f || f->kind == NodeKind::missing) return true;  // the runtime makes it
    const bool live = host_ && host_->mounts_made;
    if (!live && mounts::on_top_at(landings_, p, true)) return true;  // the image's node is hidden
    if (f->kind == NodeKind::char_device && f->major == b.major && f->minor == b.minor) return true;
    changes_.push_back(
        {ChangeAction::skipped, p, 0, 0,
         "baseline: " + p + " is " +
             (f->kind == NodeKind::char_device
                  ? "char " + std::to_string(f->major) + ":" + std::to_string(f->minor)
                  : std::string(rootfs::kind_phrase(f->kind))) +
             " in the container, not the standard device (char " + std::to_string(b.major) + ":" +
             std::to_string(b.minor) +
             "): the image's own node, which would open whatever device it names"});
    return false;
}

// A bind of the host's own /dev/shm (or /dev) spelled or landed at or
// above /dev/shm: the baseline's shared memory is the container's, never
// the host's (Docker's --ipc=host; the policy may list it). One an image
// link moved elsewhere then gets no /dev/shm rights to carry there
// (judge_mounts). True, and the skip logged, when there is one.
bool Rewriter::host_shm_bound() {
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
bool Rewriter::devpts_at_dev_pts() const {
    const auto i = mount_landed_at("/dev/pts");
    return i && spec_.mounts[*i].type == "devpts" && !spec_.mounts[*i].is_bind();
}

// The engine's init: `podman run --init` binds its init (catatonit,
// tini) from the host at /run/podman-init and makes it the container's
// program, where no rule of the baseline reaches. The program, when a
// bind of the spec is on top exactly where it is, may be read and run:
// that one file, nothing beside it.
void Rewriter::add_engine_init() {
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
    const std::string from = "mounts[" + std::to_string(*i) + "] from " + spec_.mounts[*i].source;
    const std::string why =
        "the program (process.args[0]), a file the engine binds from the host (" + from +
        ": podman's --init)";
    add_convenience(*prog, bit(Access::read_file) | bit(Access::execute), "baseline", why, false);
}

void Rewriter::add_workdir() {
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
        via = " (process.cwd " + *cwd + " resolves to " + target + " through the image's symlink " +
              join_links(f->links) + ")";
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
                                    describe(l.access) + "); the workdir rule never widens it"});
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
        if (land == target && !unknown)
            at_mount = true;
        else if ((unknown || (!land.empty() && path::is_within(land, target))) && !below)
            below = i;
    }
    if (below && !at_mount) {
        changes_.push_back({ChangeAction::skipped, *cwd, 0, 0,
                            "workdir: " + target + via + " contains mounts[" +
                                std::to_string(*below) + "] (" + landing(*below) +
                                "); a rule on it would open that mount, which the policy "
                                "does not list"});
        return;
    }
    // Above a device the runtime creates: a rule on the workdir would give
    // the device its rights, which the policy does not.
    for (size_t i = 0; i < spec_.devices.size(); ++i) {
        const auto at = device_landing(i);
        if (!at || !path::is_within(*at, target)) continue;
        changes_.push_back({ChangeAction::skipped, *cwd, 0, 0,
                            "workdir: " + target + via + " contains linux.devices[" +
                                std::to_string(i) + "] (" + *at +
                                "); a rule on it would give that device the workdir's rights, "
                                "which the policy does not"});
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
                    "(filesystem.include_workdir)" +
                        via,
                    true);
}

}  // namespace osh::policy::rewriting
