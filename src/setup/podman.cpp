// podman: a drop-in containers.conf.d/50-oci-sandbox.conf beside
// /etc/containers/containers.conf. It registers the shim as the runtime
// "oci-sandbox" ([engine.runtimes]) and adds our podman-only hooks directory,
// which holds the precreate hook, to [engine] hooks_dir.
//
// hooks_dir is a list that REPLACES the one read before (containers/common
// pkg/config: each file's value overrides; the built-in default is
// ["/usr/share/containers/oci/hooks.d"]), so the drop-in repeats the list in
// force without it, then adds ours. /etc/containers/containers.conf.d is read
// by podman 4.3 (containers/common 0.50) and later; /usr/share's .d is not.
// Rootless podman reads the same files: its containers are confined too, the
// plans kept in the user's runtime directory (docs/integrations/podman.md).

#include <algorithm>

#include "setup/engines.hpp"
#include "setup/toml_text.hpp"

namespace osh::setup {

namespace {

constexpr const char* kSystemConfig = "/usr/share/containers/containers.conf";
constexpr const char* kConfig = "/etc/containers/containers.conf";
constexpr const char* kDefaultHooksDir = "/usr/share/containers/oci/hooks.d";

struct Paths {
    std::string system, config, dropin_dir, dropin;
};

Paths paths_of(const Options& o) {
    Paths p;
    p.system = under_root(o, kSystemConfig);
    p.config = o.config.empty() ? under_root(o, kConfig) : o.config;
    p.dropin_dir = p.config + ".d";
    p.dropin = p.dropin_dir + "/50-oci-sandbox.conf";
    return p;
}

// The files podman reads before our drop-in, in its order.
std::vector<std::string> files_before(const Paths& p) {
    std::vector<std::string> out = {p.system, p.config};
    for (const auto& f : conf_files(p.dropin_dir))
        if (f < p.dropin) out.push_back(f);
    return out;
}

// hooks_dir as podman has it after `files` (in podman's order).
Result<std::vector<std::string>> hooks_dirs_after(const std::vector<std::string>& files) {
    std::vector<std::string> dirs = {kDefaultHooksDir};
    for (const auto& f : files) {
        auto t = read_optional(f);
        if (!t) return unexpected(t.error());
        if (!*t) continue;
        auto doc = toml::scan(**t);
        if (!doc) return unexpected(doc.error().wrap(f));
        if (const auto* s = toml::find_key(*doc, {"engine", "hooks_dir"})) {
            auto l = toml::as_string_array(s->value);
            if (!l) return fail(f + ": engine.hooks_dir is not an array of strings");
            dirs = *l;
        }
    }
    return dirs;
}

}  // namespace

Result<Plan> plan_podman(const Options& o) {
    const Paths p = paths_of(o);
    auto plan = dropin_plan(p.dropin);
    if (!plan) return plan;
    if (!o.remove) {
        auto dirs = hooks_dirs_after(files_before(p));
        if (!dirs) return unexpected(dirs.error());
        if (std::find(dirs->begin(), dirs->end(), o.podman_hooks_dir) == dirs->end())
            dirs->push_back(o.podman_hooks_dir);
        std::string t = "# " + std::string(kOwnedMarker) + "\n";
        t +=
            "# podman: the precreate hook (in " + o.podman_hooks_dir +
            ", a directory\n# no other engine reads) confines every container; `podman --runtime " +
            o.runtime_name +
            "`\n# also confines `podman exec`. hooks_dir replaces the list read before this\n"
            "# file, so it repeats that list. Rootless podman reads this file too: its\n"
            "# containers are confined the same way, their plans in the user's runtime\n"
            "# directory.\n";
        t += "[engine]\nhooks_dir = " + toml::string_array(*dirs) + "\n";
        if (o.set_as_default) t += "runtime = " + toml::quote(o.runtime_name) + "\n";
        t += "\n[engine.runtimes]\n" + toml::join_key({o.runtime_name}) + " = " +
             toml::string_array({o.runtime_path}) + "\n";
        plan->files[0].after = t;
        plan->notes.push_back(
            "podman reads the drop-in at its next command (no daemon to restart)");
        if (o.set_as_default)
            plan->notes.push_back(
                "the default runtime applies to rootless podman too (confined the same "
                "way, its plans in the user's runtime directory)");
    }
    return plan;
}

Result<std::vector<std::string>> podman_hooks_dirs(const Options& o) {
    const Paths p = paths_of(o);
    std::vector<std::string> files = {p.system, p.config};
    for (const auto& f : conf_files(p.dropin_dir)) files.push_back(f);
    return hooks_dirs_after(files);
}

Result<Wiring> wiring_podman(const Options& o) {
    Wiring w;
    const Paths p = paths_of(o);
    std::vector<std::string> files = {p.system, p.config};
    for (const auto& f : conf_files(p.dropin_dir)) files.push_back(f);
    auto ok = scan_configs(files, w, [&](const std::string& f, const toml::Document& doc) {
        std::string rt_name;
        for (const auto& s : doc.statements) {
            if (s.header || s.table != toml::KeyPath{"engine", "runtimes"} || s.key.size() != 1)
                continue;
            auto l = toml::as_string_array(s.value);
            if (l && !l->empty() && is_our_runtime(l->front())) {
                w.wired = true;
                w.where = f;
                rt_name = s.key[0];
                w.detail = "runtime \"" + rt_name + "\"";
            }
        }
        if (const auto* s = toml::find_key(doc, {"engine", "hooks_dir"})) {
            auto l = toml::as_string_array(s->value);
            if (l && std::find(l->begin(), l->end(), o.podman_hooks_dir) != l->end()) {
                w.wired = true;
                w.where = f;
                w.detail += std::string(w.detail.empty() ? "" : "; ") + "precreate hook (hooks_dir " +
                            o.podman_hooks_dir + ")";
            }
        }
        if (const auto* s = toml::find_key(doc, {"engine", "runtime"}))
            w.is_default = toml::as_string(s->value) == o.runtime_name;
    });
    if (!ok) return unexpected(ok.error());
    return w;
}

}  // namespace osh::setup
