// CRI-O: a drop-in crio.conf.d/50-oci-sandbox.conf beside crio.conf (CRI-O
// reads the directory whether or not crio.conf exists and merges it key by
// key), declaring the runtime handler "oci-sandbox". crio.conf is never
// touched.

#include <algorithm>

#include "setup/engines.hpp"
#include "setup/toml_text.hpp"

namespace osh::setup {

namespace {

constexpr const char* kConfig = "/etc/crio/crio.conf";

struct Paths {
    std::string config, dropin_dir, dropin;
};

Paths paths_of(const Options& o) {
    Paths p;
    p.config = o.config.empty() ? under_root(o, kConfig) : o.config;
    auto slash = p.config.rfind('/');
    p.dropin_dir = (slash == std::string::npos ? std::string(".") : p.config.substr(0, slash)) + "/crio.conf.d";
    p.dropin = p.dropin_dir + "/50-oci-sandbox.conf";
    return p;
}

std::string dropin_text(const Options& o) {
    std::string out = "# " + std::string(kOwnedMarker) + "\n";
    out += "# The CRI-O runtime handler \"" + o.runtime_name +
           "\" (RuntimeClass handler) runs the oci-sandbox-hook\n"
           "# shim, which edits the spec and execs the runtime named in\n"
           "# /etc/oci-sandbox/runtime.json.\n";
    if (o.set_as_default) out += "[crio.runtime]\ndefault_runtime = " + toml::quote(o.runtime_name) + "\n\n";
    out += "[crio.runtime.runtimes." + toml::join_key({o.runtime_name}) + "]\n";
    out += "runtime_path = " + toml::quote(o.runtime_path) + "\n";
    out += "runtime_type = \"oci\"\n";
    out += "runtime_root = \"/run/oci-sandbox-runc\"\n";
    return out;
}

}  // namespace

Result<Plan> plan_crio(const Options& o) {
    auto plan = dropin_plan(paths_of(o).dropin);
    if (!plan) return plan;
    if (!o.remove) plan->files[0].after = dropin_text(o);
    plan->notes.push_back(
        o.remove
            ? "restart CRI-O (systemctl restart crio)"
            : "restart CRI-O (systemctl restart crio); Kubernetes: a RuntimeClass with handler \"" +
                  o.runtime_name + "\"");
    return plan;
}

Result<Wiring> wiring_crio(const Options& o) {
    Wiring w;
    const Paths p = paths_of(o);
    auto files = conf_files(p.dropin_dir);
    files.insert(files.begin(), p.config);
    auto ok = scan_configs(files, w, [&](const std::string& f, const toml::Document& doc) {
        for (const auto& s : doc.statements) {
            if (s.header || s.key != toml::KeyPath{"runtime_path"} || s.table.size() != 4 ||
                !toml::starts_with(s.table, {"crio", "runtime", "runtimes"}))
                continue;
            auto v = toml::as_string(s.value);
            if (v && is_our_runtime(*v)) {
                w.wired = true;
                w.where = f;
                w.detail = "runtime handler \"" + s.table[3] + "\"";
            }
        }
        if (const auto* d = toml::find_key(doc, {"crio", "runtime", "default_runtime"}))
            w.is_default = toml::as_string(d->value) == o.runtime_name;
    });
    if (!ok) return unexpected(ok.error());
    if (!w.config_found && !files.empty()) w.where = p.config;
    return w;
}

}  // namespace osh::setup
