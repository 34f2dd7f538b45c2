// The policy rewrite: the administrator's filesystem rules, plus the built-in
// baseline, the workdir and what a detected GPU needs; every addition,
// promotion, skip and rejection is logged with its reason.
//
// Symlinks: every rule is bound to the object its path resolves to inside
// the container. A rule whose path goes through a symlink applies only when
// the policy already grants the target, by the target's own path (or a
// directory above it), at least the same rights (merged-usr's /bin ->
// usr/bin under a read-only /usr); otherwise it is a path failure, never a
// wider right (/tmp -> / must not make the root writable). The workdir is
// judged by the directory it resolves to.
#include <algorithm>

#include "policy/rewriter.hpp"

namespace osh::policy {

namespace rewriting {

namespace {

using rootfs::is_file_kind;

std::string join_origins(const std::vector<std::string>& origins) {
    std::string out;
    for (const auto& o : origins) out += (out.empty() ? "" : " + ") + o;
    return out;
}

}  // namespace

Rewriter::Rewriter(const Policy& policy, const oci::Spec& spec, const gpu::Detection& det,
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
    device_paths_.reserve(spec_.devices.size());
    for (const auto& dev : spec_.devices) device_paths_.push_back(path::normalize(dev.path));
}

Result<EffectivePolicy> Rewriter::run() {
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
    judge_plan_root_binds(eff);
    judge_kernel_mounts(eff);
    judge_devices(eff);
    note_ungranted_devices(eff);
    eff.seccomp_relaxations = std::move(relaxations_);
    eff.changes = std::move(changes_);
    eff.gpu = det_;
    return eff;
}

void Rewriter::note(std::string path, std::string reason) {
    changes_.push_back({ChangeAction::note, std::move(path), 0, 0, std::move(reason)});
}

void Rewriter::merge(const std::string& p, AccessMask access, const std::string& origin,
                     bool gpu_device) {
    Entry& e = entries_[p];
    e.access |= access;
    if (std::find(e.origins.begin(), e.origins.end(), origin) == e.origins.end())
        e.origins.push_back(origin);
    e.gpu_device = e.gpu_device || gpu_device;
}

Result<void> Rewriter::list(std::string_view raw, AccessMask access, const std::string& where,
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
bool Rewriter::spec_device(const std::string& p) const {
    return std::find(device_paths_.begin(), device_paths_.end(), p) != device_paths_.end();
}

// Where the runtime makes linux.devices[i]: where its path leads in the
// container (as spelled with nothing to look at); nullopt when the path
// does not normalize (judge_devices' failure).
std::optional<std::string> Rewriter::device_landing(size_t i) const {
    const auto& p = device_paths_[i];
    if (!p) return std::nullopt;
    const auto& f = look(*p);
    return f ? f->resolved : *p;
}

Result<void> Rewriter::add_policy() {
    const auto& fs = policy_.filesystem;
    for (const auto& p : fs.read_only)
        if (auto r = list(p, kReadOnly, "filesystem.read_only", "policy read_only"); !r) return r;
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
const std::optional<rootfs::PathFact>& Rewriter::look(const std::string& p) const {
    auto it = facts_.find(p);
    if (it == facts_.end()) it = facts_.emplace(p, probe_ ? probe_(p) : std::nullopt).first;
    return it->second;
}

// The rights rules that name their object directly (no symlink on the
// way, or nothing known) give `target`, Landlock-style: a rule on a
// directory covers everything beneath it.
AccessMask Rewriter::granted_by_own_path(const std::string& target) const {
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
void Rewriter::bind_to_objects(EffectivePolicy& eff) {
    std::map<std::string, EffectiveRule> out;
    auto put = [&](const std::string& path, AccessMask access, const std::string& origin, bool gpu,
                   const std::optional<rootfs::ObjectId>& id) {
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
                                origin + ": " + p + " resolves through the image's symlink " + via +
                                    " to " + f->resolved + ", which the policy already grants " +
                                    describe(want) + " by its own path"});
            continue;
        }
        std::string msg = origin + " rule on " + p + " (" + describe(e.access) +
                          "): the path goes through the image's symlink " + via + " to " +
                          f->resolved + ", which the policy does not grant " + describe(missing) +
                          " by its own path; a symlink never carries a right. Fix: list " +
                          quoted(f->resolved) +
                          " in the policy with the rights it should have, or remove the rule";
        changes_.push_back({ChangeAction::rejected, p, 0, e.access, msg});
        eff.path_failures.push_back({p, std::move(msg), denied_lost(p)});
    }
    for (auto& [p, r] : out) eff.rules.push_back(std::move(r));
}

// What warn gives up when a rule on `p` is dropped.
std::string Rewriter::denied_lost(const std::string& p) {
    return "the Landlock rule on " + p + " (that path stays denied)";
}

// The first mount that puts something at or beneath `p` ("mounts[4]"):
// the runtime creates the path. /var/run is /run in every FHS image.
std::optional<std::string> Rewriter::mount_at_or_below(const std::string& p) const {
    for (size_t i = 0; i < landings_.size(); ++i)
        if (dests_[i] && path::is_within(*dests_[i], p)) return "mounts[" + std::to_string(i) + "]";
    return std::nullopt;
}

// Adds a non-GPU convenience path (baseline, workdir) unless the policy
// names the path itself.
void Rewriter::add_convenience(const std::string& p, AccessMask access, const std::string& origin,
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

}  // namespace rewriting

Result<EffectivePolicy> rewrite(const Policy& policy, const oci::Spec& spec,
                                const gpu::Detection& detection, const PathProbe& probe,
                                const HostView* host) {
    return rewriting::Rewriter(policy, spec, detection, probe, host).run();
}

}  // namespace osh::policy
