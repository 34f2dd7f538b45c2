// The rewrite's judges of mounts: each mount is judged where it lands in
// the container, by what the rules give there, and one that would take
// rights its destination does not get by its own path (through an image
// symlink), or that carries the host's data or the kernel's files under a
// write rule, is a path failure.
#include <algorithm>

#include "mounts/fs_kinds.hpp"
#include "policy/rewriter.hpp"

namespace osh::policy::rewriting {

using rootfs::is_file_kind;

namespace {

// Whether the runtime's node for `d` is (or will be) what `f` finds where
// its path leads: nothing there yet (the runtime makes it), or that device.
// Anything else stays (runc's and crun's mknod leave what exists), and
// gets no device.
bool device_lands(const oci::Device& d, const rootfs::PathFact& f) {
    if (f.kind == NodeKind::missing) return true;
    const NodeKind want = d.type == "b" ? NodeKind::block_device : NodeKind::char_device;
    return f.kind == want && static_cast<int64_t>(f.major) == d.major &&
           static_cast<int64_t>(f.minor) == d.minor;
}

}  // namespace

// The rights the rules give `p` by spelling (rules on it or above it,
// as listed, before any symlink is followed).
AccessMask Rewriter::spelled_rights(const std::string& p) const {
    AccessMask m = 0;
    for (const auto& [ep, e] : entries_)
        if (path::is_within(p, ep)) m |= e.access;
    return m;
}

// Where mounts[i] is judged by what the rules give there: where it
// landed; with no rootfs to look at, its destination as rules name it.
// nullopt when a rootfs was looked at and the landing cannot be told
// (judge_mounts's failure).
std::optional<std::string> Rewriter::judged_at(size_t i) const {
    const auto& l = landings_[i];
    if (l.resolved) return l.resolved;
    if (look("/").has_value()) return std::nullopt;
    return dests_[i] ? dests_[i] : l.spelled;
}

// What the effective rules give `at`: the rules at or above it.
AccessMask Rewriter::rights_at(const EffectivePolicy& eff, const std::string& at) {
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
void Rewriter::judge_mounts(EffectivePolicy& eff) {
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
            unjudged(where +
                     ": where its destination leads in the image cannot be told (too "
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
            unjudged(where +
                     ": in the running container what is mounted where its "
                     "destination leads (" +
                     f->resolved +
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
             "the limit on " + where + ": mounted at " + f->resolved + " with " + describe(there)});
    }
}

// A read-only bind is read-only at its top only: the host's mounts
// beneath its source come along (rbind) as they are, read-write. A
// write rule at, above or within it would reach them (`-v /:/tmp/host:ro`
// under the baseline's /tmp opened the host's core_pattern).
void Rewriter::judge_read_only_binds(EffectivePolicy& eff) {
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
            eff.path_failures.push_back({at, std::move(msg),
                                         "the read-only limit on the host's mounts beneath " +
                                             where + ", which the " + r.origin + " rule on " +
                                             r.path + " writes"});
            break;
        }
    }
}

// Landlock (ABI 7 and before) does not govern connect(2): a host
// socket bound into the container (docker.sock) is the workload's to
// use whatever the rules say. So one the rules do not let it write
// (where it lands) is a path failure, never a silent grant. A mount whose
// landing cannot be told is judge_mounts's.
void Rewriter::judge_socket_binds(EffectivePolicy& eff) {
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

// Every container's plan lies beneath the run root, and a later exec reads
// it there: a bind of the host's (or an overlay's upper directory) that
// holds or lies in it (a rootless user's -v /tmp:/tmp holds
// /tmp/podman-run-UID), where a rule lets the
// workload change files at or beneath it, would let it rewrite a plan, its
// own or another container's (the seal is a checksum, not a signature).
// So one is a path failure. A mount whose landing cannot be told is
// judge_mounts's.
void Rewriter::judge_plan_root_binds(EffectivePolicy& eff) {
    if (!host_) return;
    constexpr AccessMask kWrites = kReadWrite & ~kReadOnly;
    for (size_t i : host_->plan_root_binds) {
        if (i >= spec_.mounts.size()) continue;
        const auto found = judged_at(i);
        if (!found) continue;
        const std::string& at = *found;
        AccessMask there = 0;
        for (const auto& r : eff.rules)
            if (overlaps(r.path, at)) there |= r.access & kWrites;
        if (!there) continue;
        const std::string where = "mounts[" + std::to_string(i) + "] (" + at + ")";
        const auto& m = spec_.mounts[i];
        std::string msg = where +
                          (m.is_bind() ? " binds the host's " + m.source + ", which"
                                       : " mounts an overlay whose upper directory") +
                          " holds or lies in the plan directories of every container, "
                          "and the rules let the workload change files there (" +
                          describe(there) +
                          "): it could rewrite a plan that a later exec reads. Fix: bind a "
                          "directory that does not hold them, or mount it read-only (ro)";
        changes_.push_back({ChangeAction::rejected, at, 0, there, msg});
        eff.path_failures.push_back({at, std::move(msg), "the plans beneath " + where});
    }
}

// A kernel filesystem shows what the kernel holds, not what anyone put
// there: proc the host's sysctls (and with the host's pid namespace its
// processes), sysfs and cgroup the host's settings, mqueue in the host's
// IPC namespace the host's queues. Where the runtime puts them (/proc,
// /sys, /sys/fs/cgroup, /dev/mqueue) the spec edit's read-only paths and
// the baseline keep their writes out; one the spec mounts elsewhere
// (under /tmp) would take a write rule's rights there. Any other type not
// known to hold only files (holds_only_files: binfmt_misc, tracefs,
// cpuset, ...) has no place of its own in a container at all. So one where
// a rule lets the workload create, remove or write files is a path failure,
// and so is a writable bind of the host's files on such a filesystem
// (HostView::kernel_binds: -v /proc/sys:/tmp/ps).
void Rewriter::judge_kernel_mounts(EffectivePolicy& eff) {
    constexpr AccessMask kChange = bit(Access::write_file) | bit(Access::truncate) |
                                   bit(Access::make_reg) | bit(Access::remove_file);
    const bool host_ipc = host_ && host_->host_ipc_namespace.has_value();
    for (size_t i = 0; i < spec_.mounts.size(); ++i) {
        const auto& mt = spec_.mounts[i];
        const std::string* kernel_bind = nullptr;  // what of the kernel's a bind holds
        if (host_)
            if (auto it = host_->kernel_binds.find(i); it != host_->kernel_binds.end())
                kernel_bind = &it->second;
        if (mt.is_bind() && !kernel_bind) continue;
        const auto found = judged_at(i);
        if (!found) continue;
        const std::string& at = *found;
        std::string what;
        if (kernel_bind) {
            what = "a bind of " + *kernel_bind +
                   ": the host kernel's own state (its /proc, /sys, binfmt_misc, message queues)";
        } else if (mt.type == "mqueue") {
            if (!host_ipc) continue;  // the container's own queues
            what = "the message queues of the host's IPC namespace, which the container shares";
        } else if (mt.type == "proc") {
            if (at == "/proc") continue;
            what = "a proc filesystem (the host's sysctls) away from /proc";
        } else if (mt.type == "sysfs") {
            if (at == "/sys") continue;
            what = "a sysfs (the host's settings) away from /sys";
        } else if (mt.type == "cgroup" || mt.type == "cgroup2" || mt.type == "cpuset") {
            if (path::is_within(at, "/sys/fs/cgroup")) continue;
            what = "a cgroup filesystem (" + mt.type + ") away from /sys/fs/cgroup";
        } else if (mounts::holds_only_files(mt.type)) {
            continue;
        } else {
            what = "a " + (mt.type.empty() ? std::string("typeless") : mt.type) +
                   " filesystem, not one known to hold only files: it may show the host "
                   "kernel's own state, shared by every container (binfmt_misc's interpreters "
                   "run for every process on the host)";
        }
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

// The runtime creates each linux.devices node where its path leads in the
// image, following the image's links (runc and crun alike, after the spec's
// mounts): one whose path goes through a link lands under other rules than
// its own path's (`/opt -> /tmp` put --device /dev/fuse:/opt/fuse under
// /tmp's read-write rule; an image `/dev -> tmp/d` put every device there).
// So one that gets rights where it lands that its own path does not, or
// whose landing cannot be told, is a path failure: a symlink never carries
// a right onto a device either.
void Rewriter::judge_devices(EffectivePolicy& eff) {
    const bool rootfs = look("/").has_value();  // none: explain --config
    for (size_t i = 0; i < spec_.devices.size(); ++i) {
        const std::string& raw = spec_.devices[i].path;
        const auto& p = device_paths_[i];
        if (!p) {
            // runc made /opt/../fuse where the image's /opt led, then "..";
            // crun refuses a relative one, runc takes it from /.
            std::string msg = "linux.devices[" + std::to_string(i) + "] (" + raw +
                              "): not an absolute path without \"..\": the runtimes place such "
                              "a node their own ways, so where it lands cannot be told. Fix: "
                              "write the device's path absolute, without \"..\"";
            changes_.push_back({ChangeAction::rejected, raw, 0, 0, msg});
            eff.path_failures.push_back(
                {raw, std::move(msg), "the limit on linux.devices[" + std::to_string(i) + "]"});
            continue;
        }
        if (!rootfs) continue;
        const std::string where = "linux.devices[" + std::to_string(i) + "] (" + *p + ")";
        const auto& f = look(*p);
        std::string msg;
        AccessMask there = 0;
        if (!f) {
            msg = where +
                  ": where its path leads in the image cannot be told (too many symlinks "
                  "or lookups, or unreadable), so neither can the rights the runtime's "
                  "node would get there. Fix: place it at a path the image has no "
                  "symlink on (or fix the image)";
        } else if (f->through_link() && device_lands(spec_.devices[i], *f)) {
            there = rights_at(eff, f->resolved);
            const AccessMask spelled = spelled_rights(*p);
            const AccessMask extra = there & ~spelled & kFileRights;
            if (extra == 0) continue;
            msg = where + ": its path goes through the image's symlink " + join_links(f->links) +
                  ", so the runtime creates the device at " + f->resolved +
                  ", where the rules give it " + describe(extra) + " beyond what " + *p +
                  " gets by its own path (" + (spelled ? describe(spelled) : "nothing") +
                  "); a symlink never carries a right. Fix: place it at a path the image has "
                  "no symlink on (or remove the image's symlink)";
        } else {
            continue;
        }
        changes_.push_back({ChangeAction::rejected, *p, 0, there, msg});
        eff.path_failures.push_back(
            {*p, std::move(msg), "the limit on " + where + ", a device of the host's"});
    }
}

// A device the spec passes (--device) that no rule lets the workload
// open: said in the change log, since the open's EACCES says nothing of
// why.
void Rewriter::note_ungranted_devices(EffectivePolicy& eff) {
    constexpr AccessMask kOpen = bit(Access::read_file) | bit(Access::write_file);
    for (size_t i = 0; i < spec_.devices.size(); ++i) {
        const auto at = device_landing(i);
        if (!at) continue;
        const bool granted = std::any_of(eff.rules.begin(), eff.rules.end(), [&](const auto& r) {
            return path::is_within(*at, r.path) && (r.access & kOpen);
        });
        if (granted) continue;
        const auto& d = spec_.devices[i];
        note(*device_paths_[i],
             "linux.devices[" + std::to_string(i) + "] (" + d.type + " " + std::to_string(d.major) +
                 ":" + std::to_string(d.minor) +
                 "): no rule lets the workload open it (EACCES). List it in the policy "
                 "(read_write, or a rule with ioctl_dev for device ioctls) if it should");
    }
}

}  // namespace osh::policy::rewriting
