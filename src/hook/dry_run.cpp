#include "hook/dry_run.hpp"

#include <fcntl.h>

#include <algorithm>

#include "gpu/detect.hpp"
#include "hook/checks.hpp"
#include "landlock/abi.hpp"
#include "oci/spec.hpp"
#include "oci/spec_edit.hpp"
#include "plan/compile.hpp"
#include "plan/plan.hpp"
#include "plan/plan_dir.hpp"
#include "rootfs/dev.hpp"
#include "rootfs/open.hpp"
#include "rootfs/resolve.hpp"
#include "util/file.hpp"

namespace osh::hook {

namespace {

constexpr size_t kMaxProcDevicesBytes = 64u << 10;

using failure::Kind;

struct Judge {
    const failure::Modes& modes;
    policy::Verdict& v;

    void refuse(std::string message) {
        v.plans = false;
        v.items.push_back({std::nullopt, failure::Mode::strict, failure::Decision::abort,
                           std::move(message), ""});
    }
    // Decided by the policy's mode, as the hook decides it.
    void finding(Kind k, std::string message, std::string lost) {
        const auto j = failure::judge(modes, k);
        if (j.decision == failure::Decision::abort) v.plans = false;
        v.items.push_back({k, j.mode, j.decision, std::move(message), std::move(lost)});
    }
};

}  // namespace

Result<DryRun> dry_run(const DryRunInput& in) {
    auto text = file::read_regular(in.config_path);
    if (!text) return wrap(text.error(), "config");
    auto spec = oci::parse_spec(*text, in.config_path);
    if (!spec) return unexpected(spec.error());

    DryRun out;
    auto pol = policy::select_policy(in.sources, spec->annotations);
    if (!pol) {
        out.verdict.plans = false;
        out.verdict.items.push_back({std::nullopt, failure::Mode::strict,
                                     failure::Decision::abort, pol.error().what(), ""});
        return out;
    }
    out.policy_origin = pol->origin + (pol->selected_by ? " (" + *pol->selected_by + ")" : "");
    const failure::Modes& modes = pol->policy.failure;
    Judge judge{modes, out.verdict};

    // The spec edit as the shim would make it: a mount that could shadow
    // ours, or no command to wrap, refuses the container before any hook.
    oci::EditParams probe_edit;
    probe_edit.host_binary = in.host_binary;
    probe_edit.host_enforcer =
        in.host_enforcer.empty() ? plan::enforcer_beside(in.host_binary) : in.host_enforcer;
    probe_edit.plan_host_dir = plan::plan_dir_path("explain", plan::kRunRoot);
    probe_edit.plan_run_root = plan::kRunRoot;
    probe_edit.container_enforcer = plan::kContainerEnforcer;
    probe_edit.container_plan_dir = plan::kContainerPlanDir;
    probe_edit.edit_key = std::string(32, '0');
    if (auto e = oci::edit_spec_text(*text, probe_edit, in.config_path); !e)
        judge.refuse("the spec edit refuses it: " + e.error().what());

    // The rootfs on disk, when there is a bundle: no live view (the runtime's
    // mounts and devices are not there yet).
    UniqueFd rootfd;
    if (in.bundle) {
        if (spec->root_path.empty()) {
            out.verdict.unchecked.push_back("the rootfs (config.json has no root.path)");
        } else {
            std::string rootfs = spec->root_path.front() == '/' ? spec->root_path
                                                                 : *in.bundle + "/" + spec->root_path;
            if (auto r = rootfs::open_rootfs(0, rootfs))
                rootfd = std::move(*r);
            else
                out.verdict.unchecked.push_back("the rootfs: " + r.error().what());
        }
    } else {
        out.verdict.unchecked.push_back("the rootfs (--config: no bundle; paths are assumed present)");
    }
    out.verdict.unchecked.push_back(
        "the live /dev and the runtime's mounts (the hook sees them at createRuntime: a GPU node "
        "that appears only then is judged then; under an outer sandbox such as gVisor it sees "
        "only the bundle's rootfs and /dev, as here)");
    out.verdict.unchecked.push_back(
        "the container's kernel, where an outer sandbox such as gVisor runs its own: Landlock is "
        "probed on this host here, and the enforcer meets that kernel's");

    if (failure::should_attempt(modes, Kind::landlock_unavailable)) {
        auto abi = landlock::probe();
        if (!abi.available())
            judge.finding(Kind::landlock_unavailable, "Landlock is unavailable: " + abi.describe(),
                          "Landlock (filesystem, network and IPC rules)");
    } else {
        judge.finding(Kind::landlock_unavailable, "not attempted (failure mode skip)",
                      "Landlock (filesystem, network and IPC rules)");
    }

    gpu::HostDevices host_devices;
    if (auto t = file::read_regular(in.proc_devices, false, kMaxProcDevicesBytes))
        host_devices = gpu::parse_proc_devices(*t);
    else
        out.verdict.unchecked.push_back("the node's device numbers (" + t.error().what() + ")");
    if (gpu::names_misc_device(*spec, nullptr)) {
        if (auto t = file::read_regular(in.proc_misc, false, kMaxProcDevicesBytes))
            gpu::parse_proc_misc(*t, host_devices);
        else
            out.verdict.unchecked.push_back("the node's misc device minors (" + t.error().what() + ")");
    }
    gpu::DetectInputs din;
    din.host = &host_devices;
    auto det = gpu::detect(*spec, pol->policy.gpu.detect, din);
    // Relative sources as the runtime takes them: from the bundle (else
    // the directory holding config.json).
    const std::string bundle_dir =
        in.bundle ? *in.bundle : in.config_path.substr(0, in.config_path.find_last_of('/') + 1);
    const policy::HostView host =
        host_view(*spec, bundle_dir.empty() ? "." : bundle_dir, 0, plan::default_run_root());
    // The workload's own command, also in a config.json the spec edit wrapped.
    spec->args = oci::workload_command(spec->args, plan::kContainerEnforcer);
    auto eff = policy::rewrite(pol->policy, *spec, det,
                               rootfd ? rootfs::probe_at(rootfd.get()) : rootfs::no_rootfs(),
                               &host);
    if (!eff) {
        judge.refuse(eff.error().what());
        return out;
    }
    for (const auto& pf : eff->path_failures)
        judge.finding(Kind::landlock_path, pf.message, pf.lost);

    if (pol->policy.network.require_private_netns) {
        auto ns = namespace_verdict(*spec, "network");
        if (!ns.private_ns)
            judge.finding(Kind::netns, ns.why + ", and the policy requires a private one",
                          "a private network namespace");
    }

    for (auto& note : shared_namespace_notes(host, pol->policy))
        eff->changes.push_back({policy::ChangeAction::note, "", 0, 0, std::move(note)});
    plan::CompileOptions copts;
    copts.bpf_cache_dir = "";  // a dry run writes nothing
    copts.host_ipc_namespace = host.host_ipc_namespace.has_value();
    copts.shared_pid_namespace = host.shared_pid_namespace.has_value();
    copts.edit_key = probe_edit.edit_key;
    if (auto ids = plan_ids(pol->policy.process, rootfd ? rootfd.get() : -1)) {
        copts.run_as_uid = ids->uid;
        copts.run_as_gid = ids->gid;
    } else {
        judge.finding(Kind::privilege_drop, ids.error().what(),
                      "the switch to the policy's run_as user and group");
        eff->source.process.run_as_user.reset();
        eff->source.process.run_as_group.reset();
    }
    bool filter = false;  // a filter in the plan (none when the policy wants none)
    if (auto compiled = plan::compile(*eff, copts); !compiled) {
        judge.finding(compiled.error().kind, compiled.error().error.what(),
                      compiled.error().kind == Kind::privilege_drop
                          ? "the switch to the policy's run_as user and group"
                          : "the seccomp filter");
    } else {
        for (const auto& d : compiled->degraded) judge.finding(d.kind, d.what, "the seccomp filter");
        filter = !compiled->seccomp_bpf.insns.empty();
    }

    if (out.verdict.plans) {
        const auto& items = out.verdict.items;
        const bool landlock = std::none_of(items.begin(), items.end(), [](const auto& it) {
            return it.kind == Kind::landlock_unavailable;
        });
        out.verdict.status = report::enforcement_status(!items.empty(), landlock, filter);
    }
    out.effective = std::move(*eff);
    return out;
}

}  // namespace osh::hook
