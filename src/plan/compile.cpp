#include "plan/compile.hpp"

#include "seccomp/bpf.hpp"
#include "seccomp/compile.hpp"

namespace osh::plan {

namespace {

Expected<std::optional<uint32_t>, failure::KindError> resolve_id(
    const std::optional<policy::IdSpec>& spec, const std::optional<uint32_t>& resolved,
    std::string_view field) {
    // Nothing in the policy: what the hook resolved, if anything (the
    // primary group of a run_as_user named without a group).
    if (!spec) return resolved;
    if (const auto* n = std::get_if<uint32_t>(&*spec)) return std::optional<uint32_t>{*n};
    if (resolved) return std::optional<uint32_t>{*resolved};
    return failure::kind_fail(failure::Kind::privilege_drop,
                              Error{std::string(field) + " \"" + std::get<std::string>(*spec) +
                                        "\" was not resolved to a number by the hook",
                                    0});
}

}  // namespace

Expected<Plan, failure::KindError> compile(const policy::EffectivePolicy& eff,
                                           const CompileOptions& opts) {
    const policy::Policy& pol = eff.source;
    Plan p;
    p.container_id = opts.container_id;
    p.edit_key = opts.edit_key;
    for (const auto& r : eff.rules)
        p.landlock_rules.push_back({r.path, r.access, r.gpu_device, r.id});
    p.landlock_compatibility = pol.landlock.compatibility;
    p.bind_tcp = pol.landlock.bind_tcp;
    p.connect_tcp = pol.landlock.connect_tcp;
    if (pol.landlock.scope) p.scopes = *pol.landlock.scope;
    p.seccomp_action = pol.seccomp.action;
    p.no_new_privs = pol.process.no_new_privs;
    auto uid = resolve_id(pol.process.run_as_user, opts.run_as_uid, "process.run_as_user");
    if (!uid) return unexpected(uid.error());
    auto gid = resolve_id(pol.process.run_as_group, opts.run_as_gid, "process.run_as_group");
    if (!gid) return unexpected(gid.error());
    p.run_as_uid = *uid;
    p.run_as_gid = *gid;
    p.failure = pol.failure;
    p.exec_log_path = opts.exec_log_path;
    p.log_level = pol.log.level;

    const bool wants_filter =
        pol.seccomp.profile != seccomp::Profile::none || !pol.seccomp.deny.empty();
    if (wants_filter) {
        if (!failure::should_attempt(pol.failure, failure::Kind::seccomp_compile)) {
            p.degraded.push_back({failure::Kind::seccomp_compile,
                                  "seccomp filter not compiled (failure mode skip)"});
        } else if (failure::should_attempt(pol.failure, failure::Kind::seccomp_enforce)) {
            seccomp::FilterSpec spec;
            spec.settings = pol.seccomp;
            for (const auto& [name, reason] : eff.seccomp_relaxations)
                spec.relaxations.push_back(name);
            spec.audit_arch = opts.audit_arch;
            spec.host_ipc_namespace = opts.host_ipc_namespace;
            spec.shared_pid_namespace = opts.shared_pid_namespace;
            auto bpf = seccomp::compile(spec, opts.bpf_cache_dir, nullptr);
            if (!bpf) {
                if (pol.failure.of(failure::Kind::seccomp_compile) == failure::Mode::strict)
                    return failure::kind_fail(failure::Kind::seccomp_compile, bpf.error());
                p.degraded.push_back({failure::Kind::seccomp_compile,
                                      "seccomp filter not compiled: " + bpf.error().what()});
            } else if (!bpf->insns.empty()) {
                p.seccomp_bpf = std::move(*bpf);
            }
        } else {
            // seccomp_enforce == skip: nothing will be loaded, so nothing is
            // compiled; the enforcer reports the skip from this entry.
            p.degraded.push_back(
                {failure::Kind::seccomp_enforce, "seccomp filter not loaded (failure mode skip)"});
        }
    }
    return p;
}

}  // namespace osh::plan
