// What a detected GPU needs from the rewrite: its device nodes, the
// driver's read-only companions and daemon socket, the /proc write of its
// library (never where /proc shows the host's processes) and its seccomp
// relaxations; widening a path the policy lists is a promotion, decided by
// gpu.promotion.
#include <algorithm>

#include "policy/rewriter.hpp"

namespace osh::policy::rewriting {

using rootfs::is_file_kind;

namespace {

constexpr AccessMask kGpuNode = (kReadWrite | bit(Access::ioctl_dev)) & kFileRights;

}  // namespace

// Grants a GPU need. Widening a path the policy lists itself is a
// promotion, decided by gpu.promotion.
void Rewriter::grant_gpu(const std::string& p, AccessMask want, const std::string& origin,
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
        fix2 = "add " + describe(widen) + " to " + l->second.where + ".access (or remove the rule)";

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
    changes_.push_back(
        {ChangeAction::rejected, p, before, before | want, reason + "; " + listed_as + "; " + why});
    std::string msg = origin + " needs " + describe(widen) + " on " + p + ", but " + listed_as +
                      " and " + why + ". Fix: ";
    if (gp.promotion == PromotionMode::reject_unlisted)
        msg += "add " + quoted(p) + " to gpu.promotion.allow, or " + fix2;
    else
        msg += fix2;
    rejections_.push_back(std::move(msg));
}

std::string Rewriter::origin_of_node(const std::string& node, std::string& vendor) const {
    for (const auto& e : det_.evidence)
        if (e.device_path == node) {
            vendor = e.vendor;
            return e.origin;
        }
    auto m = gpu::match_device_path(node);
    vendor = m.vendor ? std::string(m.vendor->id) : "";
    return "the detection";
}

void Rewriter::add_gpu() {
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
        grant_gpu(node, kGpuNode, "gpu " + vendor, "gpu " + vendor + ": device node from " + from,
                  true);
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
                          reason + " (not checked: no rootfs to look at; assumed present)", false);
            } else if (f->kind == NodeKind::missing) {
                changes_.push_back(
                    {ChangeAction::skipped, p, 0, 0, reason + ": not in the container's rootfs"});
            } else {
                grant_gpu(p, is_file_kind(f->kind) ? kReadOnly & kFileRights : kReadOnly, origin,
                          reason, false);
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
                if (i >= landings_.size() || dests_[i] != p || as_run(spec_.mounts[i].source) != p)
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
std::optional<std::string> Rewriter::foreign_proc() const {
    std::optional<size_t> top;
    for (size_t i = 0; i < spec_.mounts.size(); ++i) {
        const std::string& at = landing(i);
        if (path::is_within("/proc", at))
            top = i;
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
std::optional<std::string> Rewriter::pid_namespace() const {
    for (const auto& ns : spec_.namespaces)
        if (ns.type == "pid") return ns.path;
    return std::nullopt;
}

void Rewriter::add_proc(const gpu::VendorProfile& v) {
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
        outside =
            "linux.namespaces has no pid namespace, so the container shares the "
            "host's and /proc shows the host's processes. Fix: run the container in a "
            "pid namespace of its own (no --pid=host)";
    else if (host_ && host_->host_pid_namespace)
        outside = "linux.namespaces joins " + *pid_ns +
                  ", which is the host's pid namespace, and /proc shows the host's "
                  "processes. Fix: run the container in a pid namespace of its own";
    else if (auto foreign = foreign_proc())
        outside = *foreign +
                  ", which may show the host's processes. Fix: let the runtime "
                  "mount a fresh proc at /proc (no bind there or beneath)";
    if (policy_.gpu.proc_access != ProcAccess::none && outside) {
        std::string msg = origin +
                          ": the /proc write its library needs would reach processes "
                          "outside the container: " +
                          *outside + ", or set gpu.proc_access to none";
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
            grant_gpu("/proc", kReadWrite, origin, need + "; gpu.proc_access=read_write", false);
            break;
        case ProcAccess::write_file:
            // CUDA opens comm with fopen "w" (O_TRUNC: Landlock's truncate
            // right); a truncate on procfs changes nothing.
            grant_gpu("/proc", bit(Access::write_file) | bit(Access::truncate), origin,
                      need + "; gpu.proc_access=write_file adds only write_file,truncate", false);
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

}  // namespace osh::policy::rewriting
